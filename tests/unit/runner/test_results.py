from __future__ import annotations

from pathlib import Path

from paratest_split.model import Attempt, CaseResult, Outcome, TestItem
from paratest_split.runner.results import Matcher, dedupe, read_progress, worst


def _case(
    classname: str, name: str, outcome: Outcome = Outcome.PASSED, *, file: str | None = None,
    suite: str = "",
) -> CaseResult:
    return CaseResult(
        classname=classname, name=name, final=Attempt(outcome=outcome), file=file, suite=suite
    )


def test_worst() -> None:
    assert worst([]) is None
    assert worst([Outcome.SKIPPED, Outcome.PASSED]) is Outcome.PASSED
    assert worst([Outcome.FAILED, Outcome.ERROR, Outcome.PASSED]) is Outcome.ERROR


def test_matcher_by_key_class_and_file() -> None:
    matcher = Matcher([
        TestItem(id="t.py::test_a[x]", file="t.py", classname="t", name="test_a[x]"),
        TestItem(id="com.foo.BarTest", classname="com.foo.BarTest"),
        TestItem(id="src/a.test.js", file="src/a.test.js"),
    ])
    assert matcher.test_for(_case("t", "test_a[x]")) == "t.py::test_a[x]"
    assert matcher.test_for(_case("t", "test_a[y]")) is None
    assert matcher.test_for(_case("com.foo.BarTest", "testX")) == "com.foo.BarTest"
    assert matcher.test_for(_case("adds", "1 + 1", file="./src/a.test.js")) == "src/a.test.js"
    assert matcher.test_for(_case("adds", "1 + 1", suite="src/a.test.js")) == "src/a.test.js"


def test_dedupe_keeps_worst_in_first_seen_order() -> None:
    cases = [_case("m", "a"), _case("m", "b"), _case("m", "a", Outcome.ERROR)]
    assert [(c.name, c.final.outcome) for c in dedupe(cases)] == [
        ("a", Outcome.ERROR), ("b", Outcome.PASSED)
    ]


def test_read_progress_is_incremental_and_ignores_partial_lines(tmp_path: Path) -> None:
    path = tmp_path / "progress"
    assert read_progress(path, 0) == ([], 0)
    path.write_text("passed\ta::b\nfailed\ta::c[\t]\nerr", encoding="utf-8")
    lines, offset = read_progress(path, 0)
    assert lines == [(Outcome.PASSED, "a::b"), (Outcome.FAILED, "a::c[\t]")]
    with path.open("a", encoding="utf-8") as out:
        out.write("or\ta::d\nweird\ta::e\n")
    assert read_progress(path, offset)[0] == [(Outcome.ERROR, "a::d"), (None, "a::e")]
