"""A merge's failures in a CI's own view (`merge --annotate CI`). Pure: a MergeResult in, text
out, printed to stdout where the CI picks it up.

- github: workflow commands, one `::error` line per failed, missing or duplicated test (GitHub
  shows the first 10 errors of a step as annotations on the run) and one for the verdict.
- buildkite: merge's Markdown summary, for `buildkite-agent annotate --style error`.
"""

from __future__ import annotations

from collections.abc import Callable

from paratest_split.junit.merge import MergeResult
from paratest_split.report.summary import render_markdown, status_line

GITHUB_SHOWN = 10  # GitHub shows at most 10 error annotations of one step
TITLE = "paratest-split"


def _data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped as the runner unescapes them."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value: also `:` and `,` escaped."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _error(title: str, message: str) -> str:
    return f"::error title={_property(title)}::{_data(message)}\n"


def github_annotations(result: MergeResult) -> str:
    """`::error` lines for a failed merge (nothing when it passed)."""
    if not result.exit_code:
        return ""
    lines = [_error(f"{TITLE}: failed test", f"{label} failed") for label in result.failed]
    c = result.completeness
    if c is not None:
        lines += [
            _error(
                f"{TITLE}: missing test",
                f"{miss.item.id} (shard {miss.shard}) has no result: {miss.message}",
            )
            for miss in c.missing
        ]
        lines += [
            _error(
                f"{TITLE}: test in two shards",
                f"{dup.test} ran in shards {', '.join(str(s) for s in dup.shards)}",
            )
            for dup in c.duplicated
        ]
    lines += [
        _error(f"{TITLE}: lost shard", f"shard {u.index} of {u.shards} has no report")
        for u in result.unreported
    ]
    shown = lines  # with the verdict line, at most GITHUB_SHOWN lines in all
    if len(lines) > GITHUB_SHOWN - 1:
        shown = lines[: GITHUB_SHOWN - 2]
        more = len(lines) - len(shown)
        shown.append(_error(f"{TITLE}: more", f"... and {more} more: see the step summary"))
    return "".join(shown) + _error(TITLE, status_line(result))


def buildkite_annotation(result: MergeResult) -> str:
    """Markdown for `buildkite-agent annotate` (the same as `--summary-md`)."""
    return render_markdown(result)


ANNOTATORS: dict[str, Callable[[MergeResult], str]] = {
    "github": github_annotations,
    "buildkite": buildkite_annotation,
}
