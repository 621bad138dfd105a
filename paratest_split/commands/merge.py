"""`paratest-split merge PATHS... [--plan DIR] -o OUT.xml`: merge shard reports into one,
fold retried tests, check the result against the plan, summarise, keep it as history."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from paratest_split.commands import Context
from paratest_split.config import FIELDS
from paratest_split.errors import UsageError
from paratest_split.junit.merge import MergeResult, merge_reports
from paratest_split.manifest import read_plan
from paratest_split.model import Plan
from paratest_split.report.html import render_html
from paratest_split.report.summary import render_json, render_markdown, render_text
from paratest_split.store import store_report

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
        help="do not check completeness even if the --plan directory exists",
    )


def _plan(ctx: Context) -> Plan | None:
    """The plan to check against: --plan when given (must exist), else the default directory
    when it holds a plan, else none."""
    if getattr(ctx.args, "no_plan", False):
        return None
    directory = Path(ctx.settings.plan)
    if not directory.is_absolute():
        directory = ctx.cwd / directory
    explicit = ctx.settings.plan != FIELDS["plan"].default
    if not explicit and not (directory / "plan.json").is_file():
        return None
    return read_plan(directory)


def _path(path_text: str, ctx: Context) -> Path:
    path = Path(path_text)
    return path if path.is_absolute() else ctx.cwd / path


def _check_writable(path_text: str, flag: str, ctx: Context) -> None:
    """Fail before merging (a long job on a million cases) when an output cannot be written."""
    path = _path(path_text, ctx)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None


def _write(path_text: str, flag: str, text: str, ctx: Context) -> None:
    path = _path(path_text, ctx)
    # GitHub's step summary file collects what every command of the step appends.
    mode = "a" if path_text == ctx.env.get("GITHUB_STEP_SUMMARY") else "w"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        problem = f"cannot write: {exc.strerror or exc} (the merged report was written)"
        raise UsageError(f"{flag} {path}: {problem}") from None


def handle(ctx: Context) -> int:
    settings = ctx.settings
    out = Path(ctx.args.merge_out)
    if not out.is_absolute():
        out = ctx.cwd / out
    plan = _plan(ctx)
    if ctx.args.summary_md:
        _check_writable(ctx.args.summary_md, "--summary-md", ctx)
    if ctx.args.html:
        _check_writable(ctx.args.html, "--html", ctx)
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
    if ctx.args.store is not None:
        history = Path(ctx.args.store or settings.history_dir)
        if not history.is_absolute():
            history = ctx.cwd / history
        stored = store_report(out, history, settings.keep)
        ctx.info(f"stored as timing history: {stored}")
    return int(result.exit_code)
