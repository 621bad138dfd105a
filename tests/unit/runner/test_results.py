from __future__ import annotations

from pathlib import Path

from paratest_split.core.model import Attempt, CaseResult, Outcome, TestItem
from paratest_split.runner.results import Matcher, dedupe, read_progress, worst


def _case(
    classname: str,
    name: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    file: str | None = None,
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
    matcher = Matcher(
        [
            TestItem(id="t.py::test_a[x]", file="t.py", classname="t", name="test_a[x]"),
            TestItem(id="com.foo.BarTest", classname="com.foo.BarTest"),
            TestItem(id="src/a.test.js", file="src/a.test.js"),
        ]
    )
    assert matcher.test_for(_case("t", "test_a[x]")) == "t.py::test_a[x]"
    assert matcher.test_for(_case("t", "test_a[y]")) is None
    assert matcher.test_for(_case("com.foo.BarTest", "testX")) == "com.foo.BarTest"
    assert matcher.test_for(_case("adds", "1 + 1", file="./src/a.test.js")) == "src/a.test.js"
    assert matcher.test_for(_case("adds", "1 + 1", suite="src/a.test.js")) == "src/a.test.js"


def test_dedupe_keeps_worst_in_first_seen_order() -> None:
    cases = [_case("m", "a"), _case("m", "b"), _case("m", "a", Outcome.ERROR)]
    assert [(c.name, c.final.outcome) for c in dedupe(cases)] == [
        ("a", Outcome.ERROR),
        ("b", Outcome.PASSED),
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


def test_matcher_tolerates_leading_packages_when_unambiguous() -> None:
    # pytest started from another rootdir: `proj.tests.test_a` vs the planned `tests.test_a`
    matcher = Matcher(
        [
            TestItem(id="tests/test_a.py::test_x", classname="tests.test_a", name="test_x"),
            TestItem(id="a/test_m.py::test_y", classname="a.test_m", name="test_y"),
            TestItem(id="b/test_m.py::test_y", classname="b.test_m", name="test_y"),
        ]
    )
    assert matcher.test_for(_case("proj.tests.test_a", "test_x")) == "tests/test_a.py::test_x"
    assert matcher.test_for(_case("test_a", "test_x")) == "tests/test_a.py::test_x"
    assert matcher.test_for(_case("xtests.test_a", "test_x")) is None  # not at a dot
    assert matcher.test_for(_case("test_m", "test_y")) is None  # ambiguous: a. or b.
    assert matcher.test_for(_case("root.a.test_m", "test_y")) == "a/test_m.py::test_y"


def test_matcher_nested_classes_modules_and_path_suffixes_like_merge() -> None:
    matcher = Matcher(
        [
            TestItem(id="com.foo.BarTest", classname="com.foo.BarTest"),
            TestItem(id="tests/test_z.py", file="tests/test_z.py"),
            TestItem(id="seed-test", name="seed-test"),
        ]
    )
    assert matcher.test_for(_case("com.foo.BarTest.Inner", "t")) == "com.foo.BarTest"
    assert matcher.test_for(_case("tests.test_z.TestK", "t")) == "tests/test_z.py"
    assert matcher.test_for(_case("c", "t", file="/ci/build/tests/test_z.py")) == "tests/test_z.py"
    assert matcher.test_for(_case("any.class", "seed-test")) == "seed-test"
