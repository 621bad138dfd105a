"""Turn a runner's JUnit report into results per planned test.

A planned test is matched by its JUnit key (TestItem): `classname` + `name` for a test-level
item, `classname` alone for a class-level item (name None), `file` for a file-level item (the
case's `file` attribute or its suite's name); see `matching` for the tolerances merge shares.
One test may own several cases (a file-level item runs a whole file); one key seen twice in
the same report (pytest reports a teardown error as a second case) keeps its worst result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from paratest_split.core.matching import PlannedIndex
from paratest_split.core.model import Attempt, CaseResult, Outcome, TestItem, Warning_
from paratest_split.junit import reader as junit_reader
from paratest_split.junit.severity import SEVERITY, worst

__all__ = [
    "STARTED",
    "Matcher",
    "dedupe",
    "placeholder_case",
    "read_progress",
    "read_report",
    "worst",
]


def read_report(path: Path) -> tuple[list[CaseResult], list[Warning_]]:
    """All `<testcase>`s of one runner report and its warnings (BadInputError if unreadable)."""
    cases, _suites, warnings = junit_reader.read_report(path, details=True)
    return cases, warnings


def dedupe(cases: Sequence[CaseResult]) -> list[CaseResult]:
    """One case per key, the worst of duplicates, in first-seen order."""
    chosen: dict[tuple[str, str], CaseResult] = {}
    for case in cases:
        previous = chosen.get(case.key)
        if previous is None or SEVERITY[case.final.outcome] > SEVERITY[previous.final.outcome]:
            chosen[case.key] = case
    return list(chosen.values())


class Matcher:
    """Which planned test a case belongs to: `matching.PlannedIndex`'s rules, the ones merge
    (`completeness.Checker`) uses too, so `run` and `merge` agree on what a result is a result
    of; the case's suite name is tried as a file path after its `file`."""

    def __init__(self, items: Sequence[TestItem]) -> None:
        self._index = PlannedIndex(items)

    def test_for(self, case: CaseResult) -> str | None:
        return self._index.match(case.classname, case.name, case.file, suite=case.suite)


def placeholder_case(item: TestItem, attempt: Attempt) -> CaseResult:
    """A case for a planned test that produced none of its own (not run, crashed, per-test)."""
    return CaseResult(
        classname=item.classname or "",
        name=item.name or item.id,
        file=item.file,
        suite="paratest-split",
        final=attempt,
    )


STARTED = "started"  # a progress line `started\t<node id>`: the test began


def read_progress(
    path: Path, offset: int, *, started: list[str] | None = None
) -> tuple[list[tuple[Outcome | None, str]], int]:
    """New complete lines `<outcome>\\t<node id>` of a progress file since `offset`.

    `started\\t<node id>` lines (a runner saying a test began) go to `started` when given (else
    they are skipped); an unknown outcome reads as None.
    """
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            data = stream.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    lines = []
    for raw in data[: end + 1].decode("utf-8", "replace").splitlines():
        outcome_text, sep, test = raw.partition("\t")
        if not sep:
            continue
        if outcome_text == STARTED:
            if started is not None:
                started.append(test)
            continue
        try:
            outcome: Outcome | None = Outcome(outcome_text)
        except ValueError:
            outcome = None
        lines.append((outcome, test))
    return lines, offset + end + 1
