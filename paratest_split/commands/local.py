"""`paratest-split local`: plan + run every shard in parallel on this machine + merge + store.

    paratest-split local --shards 4 [--workspaces copy|worktree|none|script] [--dynamic]
                         [--keep-workspaces] [-- COMMAND ...]

Progress goes to stderr (a live table on a terminal, plain lines otherwise); the summary to
stdout (`--format json` for a machine-readable one). Exit code as `run`: 0, 1 failed tests,
2 interrupted, 12 a setup/teardown hook failed...
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from paratest_split.commands import (
    Context,
    add_user_command,
    existing_dir,
    with_user_command,
    writable_dir,
)
from paratest_split.core.errors import UsageError, exit_word
from paratest_split.local import progress as pg
from paratest_split.local.session import LocalResult, combine, run_local

HELP = "plan, run all shards in parallel here (one workspace each), merge, store timings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_user_command(parser)


def handle(ctx: Context) -> int:
    settings = with_user_command(ctx)
    # fail before any shard runs, not after all of them did
    if settings.workspaces == "script" and not (settings.setup_workspace or "").strip():
        raise UsageError(
            "--workspaces script: the setup_workspace hook creates each workspace, and none "
            "is set (--setup-workspace CMD or setup_workspace: in paratest.yaml)"
        )
    existing_dir(ctx.path(settings.root), "--root", settings.root)
    writable_dir(ctx.path(settings.output), "--output", settings.output)
    writable_dir(
        ctx.path(settings.history_dir), "--history-dir", settings.history_dir, create=False
    )
    live = None if settings.format == "text" else False

    def display(board: pg.Board) -> pg.Display:
        return pg.make_display(board, ctx.stderr, live=live, title="paratest-split local")

    result = run_local(settings, ctx.env, ctx.cwd, display_factory=display)
    if settings.format == "json":
        print(json.dumps(summary_json(result), indent=2, sort_keys=True), file=ctx.stdout)
    else:
        print(summary_text(result, settings.workspaces), file=ctx.stdout)
    for message in result.messages:
        ctx.warn(message)
    return result.exit_code


def worker_rows(result: LocalResult) -> list[dict[str, Any]]:
    """Per worker: tests, predicted s, actual s, failed, flaky (from the merged report)."""
    stats: dict[int, Any] = {}
    if result.merge is not None:
        stats = {s.index: s for s in result.merge.shards if s.index is not None}
    rows = []
    for worker in result.workers:
        indexes = [u.unit.index for u in worker.units]
        tests = sum(
            stats[i].tests if i in stats else len(u.unit.tests)
            for i, u in zip(indexes, worker.units, strict=True)
        )
        failed = sum(
            stats[i].failed if i in stats else u.failed
            for i, u in zip(indexes, worker.units, strict=True)
        )
        flaky = sum(
            stats[i].flaky if i in stats else u.flaky
            for i, u in zip(indexes, worker.units, strict=True)
        )
        missing = sum(stats[i].missing for i in indexes if i in stats)
        if worker.error:  # the message itself is printed below the table
            status = exit_word(combine([worker.error_code, *(u.exit_code for u in worker.units)]))
        elif not worker.units:
            status = "idle (empty shard)" if result.mode == "static" else "idle"
        else:
            status = exit_word(combine([u.exit_code for u in worker.units]))
        rows.append(
            {
                "worker": worker.index,
                "units": len(worker.units),
                "tests": tests,
                "predicted_seconds": round(result.predicted.get(worker.index, 0.0), 3),
                "actual_seconds": round(worker.elapsed, 3),
                "failed": failed,
                "flaky": flaky,
                "missing": missing,
                "status": status,
            }
        )
    return rows


def summary_json(result: LocalResult) -> dict[str, Any]:
    merge = result.merge
    return {
        "mode": result.mode,
        "exit_code": result.exit_code,
        "interrupted": result.interrupted,
        "wall_seconds": round(result.wall_seconds, 3),
        "test_seconds": round(result.test_seconds, 3),
        "speedup": round(result.speedup, 3) if result.speedup is not None else None,
        "predicted_makespan_seconds": round(max(result.predicted.values(), default=0.0), 3),
        "workers": worker_rows(result),
        "merged": str(result.merged) if result.merged else None,
        "groups": result.groups,
        "units": result.plan.shards,
        "stored": str(result.stored) if result.stored else None,
        "history_files": result.history_files,
        "tests": merge.totals.tests if merge is not None else 0,
        "failed": (merge.totals.failures + merge.totals.errors) if merge is not None else 0,
        "flaky": merge.totals.flaky if merge is not None else 0,
        "missing": merge.missing if merge is not None else 0,
        "messages": list(result.messages),
    }


def summary_text(result: LocalResult, workspaces: str) -> str:
    rows = worker_rows(result)
    label = "worker" if result.mode == "dynamic" else "shard"
    headers = [label, "tests", "predicted", "actual", "failed", "flaky", "status"]
    if result.mode == "dynamic":
        headers.insert(1, "units")
    table: list[list[str]] = []
    for row in rows:
        cells = [
            str(row["worker"]),
            str(row["tests"]),
            f"{row['predicted_seconds']:.1f}s",
            f"{row['actual_seconds']:.1f}s",
            str(row["failed"]),
            str(row["flaky"]),
            row["status"],
        ]
        if result.mode == "dynamic":
            cells.insert(1, str(row["units"]))
        table.append(cells)
    widths = [max([len(h), *(len(r[i]) for r in table)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(
            h.rjust(w) if i < len(headers) - 1 else h
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    ]
    lines.extend(
        "  ".join(
            c.rjust(w) if i < len(cells) - 1 else c
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        for cells in table
    )
    if not table:
        lines.append("(no shard ran)")
    merge = result.merge
    lines.append("")
    workers = len(result.workers)
    mode = (
        f"dynamic scheduling ({result.groups} groups in {result.plan.shards} units, longest first)"
        if result.mode == "dynamic"
        else "static plan"
    )
    lines.append(f"mode: {mode}, {workers} workers, {workspaces} workspaces")
    if merge is not None:
        totals = merge.totals
        failed = totals.failures + totals.errors
        lines.append(
            f"merged: {result.merged} ({totals.tests} tests, {failed} failed, "
            f"{totals.flaky} flaky, {merge.missing} missing)"
        )
    speedup = result.speedup
    wall = f"wall {result.wall_seconds:.1f}s"
    if speedup is not None:
        lines.append(f"{wall} for {result.test_seconds:.1f}s of tests: {speedup:.2f}x speedup")
    else:
        lines.append(wall)
    if result.stored is not None:
        lines.append(f"timings stored in {result.stored.parent}: the next run is balanced by them")
    lines.extend(f"workspace kept: {path}" for path in result.kept)
    if result.interrupted:
        lines.append("interrupted: teardowns ran, partial results merged, no timings stored")
    return "\n".join(lines)
