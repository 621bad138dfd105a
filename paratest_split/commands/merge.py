"""`paratest-split merge PATHS... [--plan DIR] -o OUT.xml`: merge shard reports into one,
fold retried tests, check the result against the plan, summarise, keep it as history."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from paratest_split.commands import Context
from paratest_split.config import FIELDS
from paratest_split.core.errors import ExitCode, Interrupted, ParatestError, UsageError
from paratest_split.core.model import Plan
from paratest_split.junit.merge import MergeResult, merge_reports
from paratest_split.manifest import read_plan
from paratest_split.report.annotations import ANNOTATORS
from paratest_split.report.html import render_html
from paratest_split.report.summary import render_json, render_markdown, render_text
from paratest_split.runner.process import on_signals
from paratest_split.store import store_problem, store_report

HELP = "merge shard JUnit reports into one; retried tests count once; check against the plan"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="JUnit reports: files, directories or globs (.xml, .xml.gz)",
    )
    parser.add_argument(
        "-o",
        "--out",
        dest="merge_out",
        metavar="FILE",
        default="junit.xml",
        help="merged report to write (.xml, or .xml.gz to compress; default: junit.xml)",
    )
    parser.add_argument(
        "--summary-md",
        metavar="FILE",
        help="also write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY, a GitLab MR note)",
    )
    parser.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML page with a shard timeline"
    )
    parser.add_argument(
        "--annotate",
        choices=sorted(ANNOTATORS),
        help="also print the failures for the CI's own view: github (::error workflow commands), "
        "buildkite (Markdown for `buildkite-agent annotate`)",
    )
    parser.add_argument(
        "--store",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="keep the merged report as timing history (default DIR: --history-dir), "
        "pruned to the last --keep runs",
    )
    parser.add_argument(
        "--no-plan",
        action="store_true",
        help="do not check the tests against a plan even if the --plan directory exists (each "
        "shard that the reports record in paratest.shards must still have a report)",
    )


def _plan(ctx: Context) -> Plan | None:
    """The plan to check against: --plan when given (must exist), else the default directory
    when it holds a plan, else none."""
    if getattr(ctx.args, "no_plan", False):
        return None
    directory = ctx.path(ctx.settings.plan)
    explicit = ctx.settings.plan != FIELDS["plan"].default
    if not explicit and not (directory / "plan.json").is_file():
        return None
    plan = read_plan(directory)
    if not explicit:  # e.g. left behind by `local`: say so, it may be stale
        ctx.info(
            f"merge: checking completeness against the plan in {ctx.settings.plan}/ "
            f"({plan.shards} shards, {sum(len(s.tests) for s in plan.shards_detail)} tests); "
            "name one with --plan DIR, "
            "or --no-plan to check only the shards the reports record"
        )
    return plan


def _check_writable(path_text: str, flag: str, ctx: Context) -> None:
    """Fail before merging (a long job on a million cases) when an output cannot be written."""
    path = ctx.path(path_text)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None


def _write(path_text: str, flag: str, text: str, ctx: Context) -> None:
    path = ctx.path(path_text)
    # GitHub's step summary file collects what every command of the step appends.
    mode = "a" if path_text == ctx.env.get("GITHUB_STEP_SUMMARY") else "w"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        problem = f"cannot write: {exc.strerror or exc} (the merged report was written)"
        raise UsageError(f"{flag} {path}: {problem}") from None


def _history(ctx: Context) -> Path:
    return ctx.path(ctx.args.store or ctx.settings.history_dir)


def _abort(signum: int) -> None:
    """SIGTERM/SIGINT (a cancelled CI job) raise `Interrupted` (exit 2): the report writer's
    abort path removes its temporary files, and a partial report is never written. Without
    this, SIGTERM would kill the process outright and leave a spool beside the output."""
    name = signal.Signals(signum).name
    raise Interrupted(f"merge interrupted by {name}; its temporary files were removed")


def _store(out: Path, history: Path, result: MergeResult, ctx: Context) -> int:
    """Keep the merged report as history. A failure here (after the merge) is reported as
    an error line that says what the merge itself found; the exit code stays the merge's
    when tests failed, else it is 4: what was asked (--store) was not done."""
    code = int(result.exit_code)
    try:
        stored = store_report(out, history, ctx.settings.keep)
    except Interrupted:
        raise
    except ParatestError as exc:
        verdict = "tests passed" if code == ExitCode.OK else f"tests failed, exit {code}"
        print(
            f"paratest-split: error: --store {history}: not stored: {exc} "
            f"(the merged report {out} was written; {verdict})",
            file=ctx.stderr,
        )
        return code or int(ExitCode.USAGE_ERROR)
    ctx.info(f"stored as timing history: {stored}")
    return code


def handle(ctx: Context) -> int:
    with on_signals(_abort):
        return _handle(ctx)


def _handle(ctx: Context) -> int:
    settings = ctx.settings
    out = ctx.path(ctx.args.merge_out)
    plan = _plan(ctx)
    if ctx.args.summary_md:
        _check_writable(ctx.args.summary_md, "--summary-md", ctx)
    if ctx.args.html:
        _check_writable(ctx.args.html, "--html", ctx)
    history = _history(ctx) if ctx.args.store is not None else None
    if history is not None:
        problem = store_problem(history)
        if problem is not None:
            raise UsageError(f"--store {history}: cannot store the report there: {problem}")
    # an unwritable -o/--out fails at once too (junit.writer.ReportWriter)
    result: MergeResult = merge_reports(
        ctx.args.paths,
        out,
        plan=plan,
        root=ctx.cwd,
        skip_bad=settings.skip_bad_reports,
        fail_on_flaky=settings.fail_on_flaky,
        strict=settings.strict_junit,
    )
    for warning in result.warnings:
        ctx.warn(str(warning))
    if settings.format == "json":
        ctx.stdout.write(render_json(result))
    else:
        ctx.stdout.write(render_text(result))
    if ctx.args.summary_md:
        _write(ctx.args.summary_md, "--summary-md", render_markdown(result), ctx)
    if ctx.args.html:
        _write(ctx.args.html, "--html", render_html(result), ctx)
    if ctx.args.annotate:
        ctx.stdout.write(ANNOTATORS[ctx.args.annotate](result))
    if history is not None:
        return _store(out, history, result, ctx)
    return int(result.exit_code)
