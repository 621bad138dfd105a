from __future__ import annotations

import gzip
from pathlib import Path

import junitparser
import pytest

from paratest_split.errors import BadInputError, ExitCode, NoTestsError
from paratest_split.junit.merge import MISSING_SUITE, head_properties, merge_reports
from paratest_split.junit.reader import read_report
from paratest_split.junit.writer import write_report
from paratest_split.model import Attempt, CaseResult, GroupBy, Outcome, Plan, Shard, TestItem


def _case(
    name: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    time: float = 1.0,
    classname: str = "tests.test_m",
    message: str = "",
) -> CaseResult:
    return CaseResult(
        classname=classname, name=name, final=Attempt(outcome=outcome, time=time, message=message)
    )


def _shard(
    path: Path,
    index: int | None,
    cases: list[CaseResult],
    *,
    attempt: int | None = None,
    suite: str = "pytest",
) -> Path:
    props = []
    if index is not None:
        props.append(("paratest.shard", str(index)))
    if attempt is not None:
        props.append(("paratest.attempt", str(attempt)))
    write_report(path, [(suite, cases)], properties=props)
    return path


def _plan(tests: list[list[str]], predicted: float = 3.0) -> Plan:
    items = tuple(
        TestItem(
            id=f"tests/test_m.py::{name}",
            file="tests/test_m.py",
            classname="tests.test_m",
            name=name,
        )
        for shard in tests
        for name in shard
    )
    return Plan(
        shards=len(tests),
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="x",
        predicted_makespan_seconds=predicted,
        lower_bound_seconds=predicted,
        shards_detail=tuple(
            Shard(
                index=i,
                predicted_seconds=predicted,
                tests=tuple(f"tests/test_m.py::{n}" for n in shard),
            )
            for i, shard in enumerate(tests)
        ),
        unknown_tests=(),
        discover="pytest",
        items=items,
    )


def _names(path: Path) -> list[str]:
    cases, _, _ = read_report(path)
    return [c.name for c in cases]


def test_one_case_per_test_with_attempts_folded_by_attempt_property(tmp_path: Path) -> None:
    results = tmp_path / "results"
    # Input order puts attempt 2 first: the attempt property decides, not the order.
    _shard(results / "a-retry.xml", 1, [_case("t_flaky", time=0.5)], attempt=2)
    _shard(
        results / "b-first.xml",
        1,
        [
            _case("t_flaky", Outcome.FAILED, time=0.7, message="boom"),
            _case("t_ok", time=2.0),
        ],
        attempt=1,
    )
    _shard(results / "c.xml", 0, [_case("t_zero", time=3.0)])
    out = tmp_path / "merged.xml"
    result = merge_reports([results], out, root=tmp_path)
    cases, _, _ = read_report(out)
    by_name = {c.name: c for c in cases}
    assert sorted(by_name) == ["t_flaky", "t_ok", "t_zero"]
    assert len(cases) == 3
    flaky = by_name["t_flaky"]
    assert flaky.flaky
    assert flaky.final.time == 0.5
    assert [a.message for a in flaky.earlier] == ["boom"]
    assert ("paratest.shard", "1") in flaky.properties
    assert ("paratest.attempt", "1") in flaky.properties
    assert ("paratest.attempt", "2") in flaky.properties
    assert result.totals.tests == 3
    assert result.totals.flaky == 1
    assert result.folded == 1
    assert result.flaky == ("tests.test_m::t_flaky",)
    assert result.exit_code is ExitCode.OK
    assert result.completeness is None
    # totals recomputed; junitparser agrees
    xml = junitparser.JUnitXml.fromfile(str(out))
    assert (xml.tests, xml.failures, xml.errors) == (3, 0, 0)
    assert [s.name for s in xml] == ["pytest"]  # suites merged by name
    rows = {row.index: row for row in result.shards}
    assert rows[1].tests == 2
    assert rows[1].flaky == 1
    assert rows[1].reports == 2
    assert rows[0].actual_seconds == 3.0


def test_without_attempt_property_the_later_input_wins(tmp_path: Path) -> None:
    first = _shard(tmp_path / "run1" / "junit.xml", None, [_case("t", time=1.0)])
    second = _shard(
        tmp_path / "run2" / "junit.xml", None, [_case("t", Outcome.ERROR, time=2.0, message="died")]
    )
    out = tmp_path / "m.xml"
    result = merge_reports([second, first], out, root=tmp_path)  # given order: second first
    (case,) = read_report(out)[0]
    assert case.final.outcome is Outcome.PASSED
    assert [a.outcome for a in case.earlier] == [Outcome.ERROR]
    assert (("paratest.report", str(second))) in case.properties
    assert result.exit_code is ExitCode.OK
    result = merge_reports([first, second], out, root=tmp_path)
    (case,) = read_report(out)[0]
    assert case.final.outcome is Outcome.ERROR
    assert result.exit_code is ExitCode.TESTS_FAILED
    assert result.failed == ("tests.test_m::t",)


def test_plan_missing_duplicated_and_unplanned(tmp_path: Path) -> None:
    plan = _plan([["a1", "a2"], ["b1", "b2"], ["c1"]])
    _shard(tmp_path / "shard-0.xml", 0, [_case("a1"), _case("a2"), _case("b2"), _case("extra")])
    _shard(tmp_path / "shard-1.xml", 1, [_case("b2", time=4.0)])
    # no report for shard 2
    out = tmp_path / "out" / "junit.xml"
    result = merge_reports(["shard-*.xml"], out, plan=plan, root=tmp_path)
    c = result.completeness
    assert c is not None
    assert [(m.item.name, m.shard, m.message) for m in c.missing] == [
        ("b1", 1, "not run: shard 1 report has no result for it"),
        ("c1", 2, "not run: no report from shard 2 was merged"),
    ]
    assert [(d.test, d.shards) for d in c.duplicated] == [("tests/test_m.py::b2", (0, 1))]
    assert c.unplanned == (("tests.test_m", "extra"),)
    assert result.exit_code is ExitCode.TESTS_FAILED
    cases, _, _ = read_report(out)
    names = [c.name for c in cases]
    assert sorted(names) == ["a1", "a2", "b1", "b2", "c1", "extra"]  # b2 counted once
    missing = [c for c in cases if c.suite == MISSING_SUITE]
    assert [(m.name, m.final.outcome, m.final.type, m.final.message) for m in missing] == [
        ("b1", Outcome.ERROR, "missing", "not run: shard 1 report has no result for it"),
        ("c1", Outcome.ERROR, "missing", "not run: no report from shard 2 was merged"),
    ]
    rows = {row.index: row for row in result.shards}
    assert (rows[1].missing, rows[2].missing, rows[2].tests, rows[2].reports) == (1, 1, 0, 0)
    assert rows[0].predicted_seconds == 3.0


def test_complete_plan_exits_zero_and_unknown_shard_reports_use_the_plan(tmp_path: Path) -> None:
    plan = _plan([["a1"], ["b1"]])
    plain = _shard(tmp_path / "pytest-output.xml", None, [_case("a1", time=2.0), _case("b1")])
    result = merge_reports([plain], tmp_path / "m.xml", plan=plan, root=tmp_path)
    assert result.completeness is not None
    assert result.completeness.ok
    assert result.exit_code is ExitCode.OK
    rows = {row.index: row for row in result.shards}
    assert (rows[0].tests, rows[1].tests) == (1, 1)
    assert rows[0].actual_seconds == 2.0


def test_shard_from_file_or_directory_name(tmp_path: Path) -> None:
    _shard(tmp_path / "shard-3" / "junit.xml", None, [_case("x")])
    _shard(tmp_path / "shard-2.xml.gz", None, [_case("y")])
    result = merge_reports([tmp_path], tmp_path / "out.xml", root=tmp_path)
    assert sorted((r.path.name, r.shard) for r in result.reports) == [
        ("junit.xml", 3),
        ("shard-2.xml.gz", 2),
    ]


def test_bad_report_fails_naming_it_or_is_skipped(tmp_path: Path) -> None:
    good = _shard(tmp_path / "good.xml", 0, [_case("x")])
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><testsuite/>')
    out = tmp_path / "m.xml"
    with pytest.raises(BadInputError) as info:
        merge_reports([good, bad], out, root=tmp_path)
    assert info.value.exit_code == 10
    assert "bad.xml" in str(info.value)
    assert not out.exists()
    result = merge_reports([good, bad], out, root=tmp_path, skip_bad=True)
    assert _names(out) == ["x"]
    assert len(result.skipped_reports) == 1
    assert any("bad.xml" in str(w) for w in result.warnings)


def test_output_is_never_an_input_and_gz_output(tmp_path: Path) -> None:
    _shard(tmp_path / "shard-0.xml", 0, [_case("x")])
    out = tmp_path / "junit.xml"
    merge_reports([tmp_path], out, root=tmp_path)
    result = merge_reports([tmp_path], out, root=tmp_path)  # out now exists in the input dir
    assert result.totals.tests == 1
    assert any("merge output" in w.message for w in result.warnings)
    packed = tmp_path / "sub" / "junit.xml.gz"
    merge_reports([tmp_path / "shard-0.xml"], packed, root=tmp_path)
    with gzip.open(packed) as fh:
        assert b'name="x"' in fh.read()


def test_nothing_to_merge(tmp_path: Path) -> None:
    with pytest.raises(NoTestsError):
        merge_reports(["nothing-*.xml"], tmp_path / "m.xml", root=tmp_path)
    empty = _shard(tmp_path / "empty.xml", 0, [])
    with pytest.raises(NoTestsError):
        merge_reports([empty], tmp_path / "m.xml", root=tmp_path)
    # with a plan, no reports at all means every test is missing (exit 1), not "no tests"
    result = merge_reports(
        ["nothing-*.xml"], tmp_path / "m.xml", plan=_plan([["a"]]), root=tmp_path
    )
    assert result.missing == 1
    assert result.exit_code is ExitCode.TESTS_FAILED


def test_fail_on_flaky(tmp_path: Path) -> None:
    _shard(tmp_path / "shard-0.xml", 0, [_case("t", Outcome.FAILED)], attempt=1)
    _shard(tmp_path / "shard-0b.xml", 0, [_case("t")], attempt=2)
    assert merge_reports([tmp_path], tmp_path / "o" / "m.xml", root=tmp_path).exit_code == 0
    strict = merge_reports([tmp_path], tmp_path / "o" / "m.xml", root=tmp_path, fail_on_flaky=True)
    assert strict.exit_code is ExitCode.TESTS_FAILED


def test_head_properties_reads_only_the_first_suite(tmp_path: Path) -> None:
    path = _shard(tmp_path / "r.xml", 4, [_case("x")], attempt=2)
    assert head_properties(path) == {"paratest.shard": "4", "paratest.attempt": "2"}
    (tmp_path / "junk.xml").write_text("<<<")
    assert head_properties(tmp_path / "junk.xml") == {}
