"""`paratest-split timings`: what the timing history knows per test/class/file/dir, or with
`--drift --plan DIR RESULTS...` how a run's results drifted from the plan's predictions."""

from __future__ import annotations

import argparse

from paratest_split.commands import Context
from paratest_split.core.errors import NoTestsError, UsageError
from paratest_split.core.model import CaseResult
from paratest_split.history import load_history
from paratest_split.junit.merge import find_inputs
from paratest_split.junit.reader import iter_report
from paratest_split.manifest import read_plan
from paratest_split.plan_inputs import history_paths
from paratest_split.report.timings import (
    BY,
    SORTS,
    compute_drift,
    drift_json,
    render_drift_text,
    render_rows_text,
    rows_json,
    sort_rows,
    timing_rows,
)

HELP = "show per-test/class/file durations known from history (median, builds, spread)"


def _row_limit(text: str) -> int:
    """--limit: a whole number >= 0 (argparse names the flag in its error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 0 (0 shows every row)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results",
        nargs="*",
        metavar="RESULTS",
        help="with --drift: the run's JUnit reports (files, directories, globs)",
    )
    parser.add_argument(
        "--by",
        choices=BY,
        default="test",
        help="one row per test (default), class, file or directory",
    )
    parser.add_argument(
        "--sort",
        choices=SORTS,
        default="time",
        help="time (default), name, spread (max - min) or builds",
    )
    parser.add_argument(
        "--limit",
        type=_row_limit,
        default=50,
        metavar="N",
        help="show at most N rows (0: all; default 50)",
    )
    parser.add_argument(
        "--drift",
        action="store_true",
        help="compare RESULTS with the plan (--plan): per shard and per test",
    )


def _results(ctx: Context) -> list[tuple[str, str, str | None, float]]:
    files, warnings = find_inputs(ctx.args.results, root=ctx.cwd)
    for warning in warnings:
        ctx.warn(str(warning))
    if not files:
        raise NoTestsError("--drift: no JUnit reports found in " + " ".join(ctx.args.results))
    return [
        (event.classname, event.name, event.file, event.final.time)
        for file in files
        for event in iter_report(file, details=False)
        if isinstance(event, CaseResult)
    ]


def handle(ctx: Context) -> int:
    settings = ctx.settings
    paths, warnings = history_paths(settings, ctx.cwd)
    for warning in warnings:
        ctx.warn(warning)
    history = load_history(paths, skip_bad=settings.skip_bad_reports)
    for item in history.warnings:
        ctx.warn(str(item))
    limit = ctx.args.limit if ctx.args.limit > 0 else None
    if ctx.args.drift:
        if not ctx.args.results:
            raise UsageError("timings --drift needs the run's JUnit reports (RESULTS...)")
        plan = read_plan(ctx.path(settings.plan))
        drift = compute_drift(plan, _results(ctx), history.cases, top=limit or 10**9)
        render = drift_json if settings.format == "json" else render_drift_text
        ctx.stdout.write(render(drift, top=limit or len(drift.tests)))
        return 0
    if ctx.args.results:
        raise UsageError("RESULTS are only used with --drift; give history with --junit")
    if not history.cases:
        raise NoTestsError(
            "no timing history: give --junit PATHS or keep some with `merge --store` "
            f"(looked in {settings.history_dir})"
        )
    rows = sort_rows(timing_rows(history.cases, ctx.args.by), ctx.args.sort)
    shown = rows[:limit] if limit else rows
    if settings.format == "json":
        ctx.stdout.write(
            rows_json(shown, by=ctx.args.by, total=len(rows), sources=list(history.sources))
        )
    else:
        ctx.stdout.write(
            render_rows_text(shown, by=ctx.args.by, total=len(rows), sources=len(history.sources))
        )
    return 0
