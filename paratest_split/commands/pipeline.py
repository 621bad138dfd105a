"""`paratest-split pipeline TARGET`: print a ready CI configuration for TARGET."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paratest_split import plugins
from paratest_split.commands import Context
from paratest_split.core.errors import BadInputError, ExitCode, UsageError
from paratest_split.render import RENDERERS, history_note, render_settings

HELP = "print a ready CI configuration: " + ", ".join(RENDERERS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="TARGET",
        help=(
            "CI to write for: "
            + ", ".join(RENDERERS)
            + ", or a renderer plugin's name (see `paratest-split plugins`)"
        ),
    )
    parser.add_argument(
        "--write", metavar="FILE", help="write the configuration to FILE instead of printing it"
    )
    parser.add_argument(
        "--check",
        metavar="FILE",
        help="exit 1 if FILE differs from what would be generated (drift check)",
    )
    parser.add_argument(
        "--shards-from-plan",
        metavar="DIR",
        help="take the shard count from DIR/plan.json (gitlab child pipelines)",
    )


def shards_from_plan(directory: Path) -> int:
    path = directory / "plan.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(path, f"cannot read plan: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInputError(path, "not a JSON plan written by `paratest-split split`") from None
    shards = data.get("shards") if isinstance(data, dict) else None
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise BadInputError(path, "has no whole-number 'shards' >= 1")
    return shards


def handle(ctx: Context) -> int:
    settings = ctx.settings
    for flag in ("write", "check", "shards_from_plan"):
        if getattr(ctx.args, flag) == "":
            raise UsageError(f"--{flag.replace('_', '-')}: must not be empty (a path)")
    if ctx.args.shards_from_plan:
        settings = settings.replace(shards=shards_from_plan(ctx.path(ctx.args.shards_from_plan)))
    text = render_settings(plugins.load_renderer(ctx.args.target), settings)
    note = history_note(ctx.args.target, settings)
    if note is not None and not ctx.args.check:
        ctx.info(note)
    if ctx.args.check:
        path = ctx.path(ctx.args.check)
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(path, f"cannot read: {exc}") from None
        if current != text:
            ctx.info(
                f"{ctx.args.check} is out of date: run `paratest-split pipeline "
                f"{ctx.args.target} --write {ctx.args.check}`"
            )
            return int(ExitCode.TESTS_FAILED)
        ctx.info(f"{ctx.args.check} is up to date")
        return int(ExitCode.OK)
    if ctx.args.write:
        path = ctx.path(ctx.args.write)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"--write {ctx.args.write}: cannot write it: {exc.strerror or exc}"
            ) from None
        ctx.info(f"wrote {ctx.args.write}")
        return int(ExitCode.OK)
    ctx.stdout.write(text)
    return int(ExitCode.OK)
