"""`paratest-split plugins`: discovery plugins, seed-tool plugins, strategies and renderers,
with versions.

Text: one table (name, kind, distribution + version, file-level, description). JSON
(`--format json`): `{"version": 1, "plugins": [{...}, ...]}` with sorted keys. A plugin that
fails to load is listed with its error and the command exits 11 after the listing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from paratest_split import plugins
from paratest_split.commands import Context
from paratest_split.core.errors import ExitCode

HELP = "list discovery plugins, partition strategies and pipeline renderers with their versions"

_KINDS = {
    plugins.DISCOVERERS: "discoverer",
    plugins.STRATEGIES: "strategy",
    plugins.RENDERERS: "renderer",
    "paratest": "seed plugin",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def _rows(infos: list[plugins.PluginInfo]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("NAME", "KIND", "FROM", "FILE-LEVEL", "DESCRIPTION")]
    for info in infos:
        level = "" if info.file_level is None else ("yes" if info.file_level else "no")
        source = f"{info.distribution} {info.version}".strip() or "?"
        text = f"ERROR: {info.error}" if info.error else info.description
        rows.append((info.name, _KINDS.get(info.group, info.group), source, level, text))
    return rows


def render_text(infos: list[plugins.PluginInfo]) -> str:
    rows = _rows(infos)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def render_json(infos: list[plugins.PluginInfo]) -> str:
    data = {
        "version": 1,
        "plugins": [
            {**dataclasses.asdict(info), "kind": _KINDS.get(info.group, info.group)}
            for info in infos
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True)


def handle(ctx: Context) -> int:
    infos = plugins.list_plugins()
    if ctx.settings.format == "json":
        print(render_json(infos), file=ctx.stdout)
    else:
        print(render_text(infos), file=ctx.stdout)
    broken = [info for info in infos if info.error]
    for info in broken:
        ctx.warn(info.error)
    return int(ExitCode.PLUGIN_ERROR if broken else ExitCode.OK)
