"""`merge --annotate`: GitHub workflow commands and Buildkite Markdown from a MergeResult."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from paratest_split.junit.merge import MergeResult, UnreportedShard
from paratest_split.junit.writer import Totals
from paratest_split.report.annotations import (
    ANNOTATORS,
    GITHUB_SHOWN,
    buildkite_annotation,
    github_annotations,
)
from paratest_split.report.summary import render_markdown

# what the Actions runner matches: `::error` [space properties] `::` message, one a line
COMMAND = re.compile(r"^::error title=(?P<title>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _commands(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        found.append((_unescape(match["title"]), _unescape(match["message"])))
    return found


def test_github_errors_name_each_failed_missing_and_duplicated_test(result: MergeResult) -> None:
    commands = _commands(github_annotations(result))
    assert commands == [
        ("paratest-split: failed test", "tests.test_app::test_checkout_<flow> failed"),
        (
            "paratest-split: missing test",
            "tests/test_app.py::test_gone (shard 2) has no result: "
            "not run: shard 2 report has no result for it",
        ),
        ("paratest-split: test in two shards", "tests/test_app.py::test_twice ran in shards 0, 2"),
        ("paratest-split", commands[-1][1]),
    ]
    assert commands[-1][1].startswith("FAILED: 349 tests")


def _three_passed() -> MergeResult:
    """A merge of three passing tests without a plan."""
    return MergeResult(
        out=Path("junit.xml"),
        totals=Totals(tests=3, failures=0, errors=0, skipped=0, flaky=0, time=1.0),
        reports=(),
        shards=(),
        completeness=None,
        warnings=(),
        folded=0,
        failed=(),
        flaky=(),
        slowest=(),
    )


def test_github_passes_quietly() -> None:
    passed = _three_passed()
    assert github_annotations(passed) == ""


def test_github_escapes_what_would_end_or_split_a_command(result: MergeResult) -> None:
    label = "a::b%c\nd,e: f"
    text = github_annotations(dataclasses.replace(result, failed=(label,), completeness=None))
    assert len(text.splitlines()) == 2  # the newline in the name does not start a new command
    assert _commands(text)[0] == ("paratest-split: failed test", f"{label} failed")


def test_github_shows_at_most_what_the_run_page_shows(result: MergeResult) -> None:
    many = tuple(f"t::test_{i}" for i in range(30))
    text = github_annotations(dataclasses.replace(result, failed=many, completeness=None))
    commands = _commands(text)
    assert len(commands) == GITHUB_SHOWN
    assert commands[-2] == ("paratest-split: more", "... and 22 more: see the step summary")


def test_buildkite_is_the_markdown_summary(result: MergeResult) -> None:
    assert buildkite_annotation(result) == render_markdown(result)
    assert set(ANNOTATORS) == {"github", "buildkite"}


def test_github_names_a_lost_shard_of_a_merge_without_plan() -> None:
    lost = dataclasses.replace(
        _three_passed(),
        unreported=(UnreportedShard(index=1, shards=3, digest=""),),
        recorded_plans=1,
    )
    commands = _commands(github_annotations(lost))
    assert commands[0] == ("paratest-split: lost shard", "shard 1 of 3 has no report")
    assert commands[-1][1].startswith("FAILED: 3 tests")
    assert commands[-1][1].endswith("1 shard without a report")
