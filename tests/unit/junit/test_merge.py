from __future__ import annotations

import gzip
from pathlib import Path

import junitparser
import pytest
from lxml import etree

from paratest_split.core.errors import BadInputError, ExitCode, NoTestsError, UsageError
from paratest_split.core.model import Attempt, CaseResult, GroupBy, Outcome, Plan, Shard, TestItem
from paratest_split.junit import merge as merge_module
from paratest_split.junit.merge import MISSING_SUITE, merge_reports
from paratest_split.junit.reader import iter_timing_rows, read_report, suite_properties
from paratest_split.junit.writer import write_report


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


def etree_parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


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
    # with a plan too: paths that match nothing are wrong paths, said as such (exit 5), not
    # "every planned test missing" (issue 11, item 10)
    with pytest.raises(NoTestsError, match="nothing-"):
        merge_reports(["nothing-*.xml"], tmp_path / "m.xml", plan=_plan([["a"]]), root=tmp_path)
    assert not (tmp_path / "m.xml").exists()


def test_fail_on_flaky(tmp_path: Path) -> None:
    _shard(tmp_path / "shard-0.xml", 0, [_case("t", Outcome.FAILED)], attempt=1)
    _shard(tmp_path / "shard-0b.xml", 0, [_case("t")], attempt=2)
    assert merge_reports([tmp_path], tmp_path / "o" / "m.xml", root=tmp_path).exit_code == 0
    strict = merge_reports([tmp_path], tmp_path / "o" / "m.xml", root=tmp_path, fail_on_flaky=True)
    assert strict.exit_code is ExitCode.TESTS_FAILED


def test_suite_properties_reads_only_the_first_suite(tmp_path: Path) -> None:
    path = _shard(tmp_path / "r.xml", 4, [_case("x")], attempt=2)
    assert suite_properties(path) == {"paratest.shard": "4", "paratest.attempt": "2"}
    (tmp_path / "junk.xml").write_text("<<<")
    assert suite_properties(tmp_path / "junk.xml") == {}


# -- review findings -----------------------------------------------------------------------


def _raw(path: Path, body: str, props: str = "") -> Path:
    """A report written by hand (what other tools write), `props` as suite properties."""
    path.parent.mkdir(parents=True, exist_ok=True)
    properties = f"<properties>{props}</properties>" if props else ""
    path.write_text(
        f'<?xml version="1.0"?><testsuites><testsuite name="s">{properties}{body}'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    return path


def _opaque_plan(names: list[str]) -> Plan:
    """A plan of opaque ids (the `lines` plugin: no classname, the id is the JUnit name)."""
    return Plan(
        shards=1,
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="x",
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=1.0,
        shards_detail=(Shard(index=0, predicted_seconds=1.0, tests=tuple(names)),),
        unknown_tests=(),
        discover="lines",
        items=tuple(TestItem(id=n, name=n) for n in names),
    )


def test_opaque_ids_that_errored_or_skipped_are_seen_by_the_plan_check_and_written_once(
    tmp_path: Path,
) -> None:
    """Finding 1: classname="" cases with <error>/<skipped> (which look like pytest's module
    pseudo-cases) were left out of the plan check: reported missing AND written twice."""
    names = ["smoke.login", "smoke.logout", "smoke.search"]
    report = _raw(
        tmp_path / "shard-0.xml",
        '<testcase classname="" name="smoke.login" time="1"><error message="boom"/></testcase>'
        '<testcase classname="" name="smoke.logout" time="2"><skipped/></testcase>'
        '<testcase classname="" name="smoke.search" time="3"/>',
    )
    out = tmp_path / "m.xml"
    result = merge_reports([report], out, plan=_opaque_plan(names), root=tmp_path)
    assert result.completeness is not None
    assert result.completeness.missing == ()
    assert result.completeness.unplanned == ()
    assert sorted(_names(out)) == names  # each once, no "missing" twin
    assert (result.totals.tests, result.totals.errors, result.totals.skipped) == (3, 1, 1)
    assert result.exit_code is ExitCode.TESTS_FAILED  # the error, not a missing test


def test_made_up_missing_results_have_no_time(tmp_path: Path) -> None:
    """Finding 2: a planned test without a result is written without `time` (not 0.000)."""
    _shard(tmp_path / "shard-0.xml", 0, [_case("a1", time=2.0)])
    out = tmp_path / "m.xml"
    result = merge_reports(
        [tmp_path / "shard-0.xml"], out, plan=_plan([["a1", "a2"]]), root=tmp_path
    )
    assert result.missing == 1
    root = etree_parse(out)
    missing = root.find(".//testcase[@name='a2']")
    assert missing is not None
    assert missing.get("time") is None
    assert root.find(".//testcase[@name='a1']").get("time") == "2.000"  # type: ignore[union-attr]
    cases, _, _ = read_report(out)
    by_name = {c.name: c for c in cases}
    assert not by_name["a2"].final.time_known
    assert by_name["a1"].final.time_known
    assert result.totals.time == 2.0
    rows = [r for r in iter_timing_rows(out) if isinstance(r, tuple)]
    assert sorted((r[1], r[3]) for r in rows) == [("a1", 2.0), ("a2", None)]


def test_glob_expansion_is_in_natural_order_so_run_10_comes_after_run_9(tmp_path: Path) -> None:
    """Finding 4: `run-*` expanded run-10 before run-9, so the older result won."""
    _shard(tmp_path / "run-9" / "junit.xml", None, [_case("t", Outcome.FAILED, message="old")])
    _shard(tmp_path / "run-10" / "junit.xml", None, [_case("t", time=0.5)])
    out = tmp_path / "m.xml"
    result = merge_reports(["run-*/junit.xml"], out, root=tmp_path)
    (case,) = read_report(out)[0]
    assert case.final.outcome is Outcome.PASSED
    assert case.flaky
    assert [a.message for a in case.earlier] == ["old"]
    assert [r.path.parent.name for r in result.reports] == ["run-9", "run-10"]


def test_attempt_then_shard_then_path_decide_the_order(tmp_path: Path) -> None:
    """Finding 4: the attempt property first, then the shard, then the path order."""
    # same attempt, different shards: shard 1 is later than shard 0 whatever the path order
    _shard(tmp_path / "a.xml", 1, [_case("t", time=0.5)], attempt=1)
    _shard(tmp_path / "b.xml", 0, [_case("t", Outcome.FAILED, message="in 0")], attempt=1)
    # attempt 2 of shard 0 comes after both, though its path sorts first
    _shard(tmp_path / "0.xml", 0, [_case("u", time=0.25)], attempt=2)
    _shard(tmp_path / "c.xml", 0, [_case("u", Outcome.ERROR, message="first")], attempt=1)
    out = tmp_path / "m.xml"
    merge_reports([tmp_path], out, root=tmp_path)
    cases = {c.name: c for c in read_report(out)[0]}
    assert cases["t"].final.outcome is Outcome.PASSED
    assert [a.message for a in cases["t"].earlier] == ["in 0"]
    assert cases["u"].final.outcome is Outcome.PASSED
    assert [a.message for a in cases["u"].earlier] == ["first"]


def test_attempt_property_of_a_gzip_report_without_gz_suffix_is_read(tmp_path: Path) -> None:
    """Finding 5: suite properties were read only from files named .gz; the reader tells
    gzip by its magic bytes."""
    packed = tmp_path / "r" / "second.xml"
    _shard(tmp_path / "r" / "x.xml.gz", 3, [_case("t", time=0.5)], attempt=2)
    (tmp_path / "r" / "x.xml.gz").rename(packed)
    _shard(tmp_path / "r" / "z-first.xml", 3, [_case("t", Outcome.FAILED, message="x")], attempt=1)
    assert suite_properties(packed) == {"paratest.shard": "3", "paratest.attempt": "2"}
    out = tmp_path / "m.xml"
    merge_reports([tmp_path / "r"], out, root=tmp_path)
    (case,) = read_report(out)[0]
    assert case.final.outcome is Outcome.PASSED  # attempt 2 wins though its path sorts first


def test_suite_properties_refuses_a_doctype(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><testsuites><testsuite>'
        '<properties><property name="paratest.shard" value="&a;"/></properties>'
        "</testsuite></testsuites>"
    )
    assert suite_properties(path) == {}
    text = tmp_path / "t.xml"
    text.write_text(
        '<testsuite><properties><property name="k">v</property></properties>'
        '<testcase name="x"/><properties><property name="late" value="1"/></properties>'
        "</testsuite>"
    )
    assert suite_properties(text) == {"k": "v"}


def test_truncated_report_skipped_after_some_of_its_cases_leaves_none_behind(
    tmp_path: Path,
) -> None:
    good = _shard(tmp_path / "good.xml", 0, [_case("x")])
    cut = tmp_path / "cut.xml"
    cut.write_text(
        '<testsuites><testsuite name="s"><testcase classname="c" name="from-cut" time="1"/>'
        '<testcase classname="c" name="x" time="1"/>'
    )
    out = tmp_path / "m.xml"
    result = merge_reports([cut, good], out, root=tmp_path, skip_bad=True)
    assert _names(out) == ["x"]
    assert result.folded == 0
    assert result.totals.tests == 1
    assert [r.path.name for r in result.reports] == ["good.xml"]
    assert "truncated" in result.skipped_reports[0]


def test_unwritable_output_fails_before_reading_naming_path_and_flag(tmp_path: Path) -> None:
    """Finding 3: an unwritable -o was an internal error (exit 3)."""
    report = _shard(tmp_path / "shard-0.xml", 0, [_case("x")])
    blocker = tmp_path / "file"
    blocker.write_text("")
    for out in (blocker / "sub" / "m.xml", tmp_path):
        with pytest.raises(UsageError) as info:
            merge_reports([report], out, root=tmp_path)
        assert str(info.value).startswith(f"-o/--out {out}: cannot write the report: ")
        assert info.value.exit_code is ExitCode.USAGE_ERROR


def _expected(reports: list[tuple[Path, int | None, int | None]]) -> dict[tuple[str, str], str]:
    """Independent reference: every result of each key in (attempt, shard, given order, file
    position) order, folded: the final outcome and the outcomes of the kept earlier failures."""
    order = sorted(
        range(len(reports)),
        key=lambda i: (reports[i][2] or 1, -1 if reports[i][1] is None else reports[i][1], i),
    )
    rank = {Outcome.SKIPPED: 0, Outcome.PASSED: 1, Outcome.FAILED: 2, Outcome.ERROR: 3}
    results: dict[tuple[str, str], list[CaseResult]] = {}
    for i in order:
        combined: dict[tuple[str, str], CaseResult] = {}  # one result per key and report
        for case in read_report(reports[i][0])[0]:
            kept = combined.get(case.key)
            if kept is None or rank[case.final.outcome] > rank[kept.final.outcome]:
                combined[case.key] = case
        for key, case in combined.items():
            results.setdefault(key, []).append(case)
    expected = {}
    for key, cases in results.items():
        attempts = [a for c in cases for a in (*c.earlier, c.final)]
        earlier = [a.outcome.value for a in attempts[:-1] if a.outcome.is_bad]
        expected[key] = "/".join([attempts[-1].outcome.value, *earlier])
    return expected


def _merged(out: Path) -> dict[tuple[str, str], str]:
    cases, _, _ = read_report(out)
    assert len({c.key for c in cases}) == len(cases)  # one case per key
    return {
        c.key: "/".join([c.final.outcome.value, *(a.outcome.value for a in c.earlier)])
        for c in cases
    }


@pytest.mark.parametrize("collide", [False, True])
def test_many_reports_with_reruns_match_an_independent_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, collide: bool
) -> None:
    """Plain passes, failures, skips, repeats within and across files, several suites; with
    `collide`, every key hash is the same (as if all collided): the result must not change.
    A key repeated inside one file is one result of that file (the worst), not an attempt."""
    if collide:
        monkeypatch.setattr(merge_module, "hash", lambda _: 7, raising=False)
    outcomes = [Outcome.PASSED] * 5 + [Outcome.FAILED, Outcome.SKIPPED, Outcome.ERROR]
    reports: list[tuple[Path, int | None, int | None]] = []
    for index in range(6):
        shard, attempt = index % 3, 1 + index // 3
        cases = [
            _case(
                f"t{n}",
                outcomes[(n * 7 + index) % len(outcomes)],
                time=0.001 * (n + 1) + index,
                classname=f"tests.m{n % 4}",
            )
            for n in range(index * 40, index * 40 + 120, 1 + index % 2)
        ]
        # every 9th test once more in the same file, in another suite, another outcome
        again = [
            _case(
                c.name,
                outcomes[(n * 3 + index) % len(outcomes)],
                time=0.5,
                classname=c.classname,
            )
            for n, c in enumerate(cases[::9])
        ]
        path = tmp_path / "in" / f"r{index}.xml"
        write_report(
            path,
            [(f"suite{index % 2}", cases[:50]), ("other", cases[50:]), ("again", again)],
            properties=[("paratest.shard", str(shard)), ("paratest.attempt", str(attempt))],
        )
        reports.append((path, shard, attempt))
    out = tmp_path / "m.xml"
    result = merge_reports([p for p, _, _ in reports], out, root=tmp_path)
    expected = _expected(reports)
    assert _merged(out) == expected
    assert result.totals.tests == len(expected)
    assert result.folded == sum(1 for value in expected if _count(reports, value) > 1)
    finals = [v.split("/")[0] for v in expected.values()]
    assert result.totals.failures == finals.count("failed")
    assert result.totals.errors == finals.count("error")
    assert result.totals.skipped == finals.count("skipped")
    assert sum(row.tests for row in result.shards) == len(expected)
    assert sum(row.failed for row in result.shards) == finals.count("failed") + finals.count(
        "error"
    )
    written = etree_parse(out)
    assert int(written.get("tests") or 0) == len(expected)
    assert sum(int(s.get("tests") or 0) for s in written) == len(expected)
    assert sorted(result.failed) == sorted(
        f"{k[0]}::{k[1]}" for k, v in expected.items() if v.split("/")[0] in ("failed", "error")
    )


def _count(reports: list[tuple[Path, int | None, int | None]], key: tuple[str, str]) -> int:
    """In how many reports `key` has a result."""
    return sum(1 for path, _, _ in reports if any(c.key == key for c in read_report(path)[0]))


def test_summary_lists_stay_exact_when_first_results_are_folded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-run shard takes its first results back out of the lists; the lists are refilled
    from the other written cases (no entry lost at the list limit)."""
    monkeypatch.setattr(merge_module, "LIST_LIMIT", 3)
    monkeypatch.setattr(merge_module, "SLOWEST", 2)
    first = [_case(f"f{n}", Outcome.FAILED, time=10.0 + n) for n in range(4)]
    _shard(tmp_path / "a.xml", 0, first, attempt=1)
    later = [_case(f"g{n}", Outcome.FAILED, time=1.0 + n) for n in range(4)]
    _shard(tmp_path / "b.xml", 1, later, attempt=1)
    # attempt 2 of shard 0: every f passes quickly now
    _shard(tmp_path / "c.xml", 0, [_case(f"f{n}", time=0.5) for n in range(4)], attempt=2)
    result = merge_reports([tmp_path], tmp_path / "o" / "m.xml", root=tmp_path)
    assert result.failed == ("tests.test_m::g0", "tests.test_m::g1", "tests.test_m::g2")
    assert result.flaky == ("tests.test_m::f0", "tests.test_m::f1", "tests.test_m::f2")
    assert [(s.name, s.seconds) for s in result.slowest] == [("g3", 4.0), ("g2", 3.0)]
    rows = {row.index: row for row in result.shards}
    assert [(s.name, s.seconds) for s in rows[0].slowest] == [
        ("f0", 0.5),
        ("f1", 0.5),
        ("f2", 0.5),
    ]
    assert (rows[0].tests, rows[0].failed, rows[0].flaky) == (4, 0, 4)
    assert rows[0].actual_seconds == pytest.approx(4 * 0.5 + sum(10.0 + n for n in range(4)))


# -- second review -----------------------------------------------------------------------------


def test_a_key_twice_in_one_report_is_not_a_retry_the_worst_result_wins(tmp_path: Path) -> None:
    """Finding 1 (critical): pytest-subtests writes a failed subtest and the passing test
    under one key; merge folded them as attempts: a flaky pass, exit 0."""
    report = _raw(
        tmp_path / "report.xml",
        '<testcase classname="t.test_a" name="test_sub" time="1">'
        '<failure message="subtest failed"/></testcase>'
        '<testcase classname="t.test_a" name="test_sub" time="1"/>'
        '<testcase classname="t.test_a" name="test_ok" time="1"/>'
        # a skip then a pass: the pass is worse (run's `dedupe` rank), kept
        '<testcase classname="t.test_a" name="test_skip" time="1"><skipped/></testcase>'
        '<testcase classname="t.test_a" name="test_skip" time="2"/>',
    )
    out = tmp_path / "o.xml"
    result = merge_reports([report], out, root=tmp_path)
    assert result.exit_code is ExitCode.TESTS_FAILED
    assert (result.totals.tests, result.totals.failures, result.totals.flaky) == (3, 1, 0)
    assert result.folded == 0
    assert result.flaky == ()
    assert result.failed == ("t.test_a::test_sub",)
    [row] = result.shards
    assert (row.tests, row.failed, row.flaky, row.skipped) == (3, 1, 0, 0)
    cases = {c.name: c for c in read_report(out)[0]}
    assert len(cases) == 3
    sub = cases["test_sub"]
    assert sub.final.outcome is Outcome.FAILED
    assert sub.final.message == "subtest failed"
    assert sub.earlier == ()  # no rerun/flaky children: they were not attempts
    assert cases["test_skip"].final.outcome is Outcome.PASSED
    assert cases["test_skip"].final.time == 2.0
    written = etree_parse(out)
    assert (written.get("tests"), written.get("failures")) == ("3", "1")


def test_repeats_inside_each_report_are_combined_then_folded_across_reports(
    tmp_path: Path,
) -> None:
    """Only results from different reports are attempts: attempt 1 (a failed subtest + a
    pass) failed, attempt 2 passed: flaky, one earlier failure; without attempt 2: failed."""
    body = (
        '<testcase classname="c" name="x" time="1"/>'
        '<testcase classname="c" name="x" time="1"><error message="teardown"/></testcase>'
        '<testcase classname="c" name="x" time="1"/>'
    )
    first = _raw(tmp_path / "a" / "r.xml", body, '<property name="paratest.attempt" value="1"/>')
    second = _raw(
        tmp_path / "b" / "r.xml",
        '<testcase classname="c" name="x" time="3"/><testcase classname="c" name="x" time="4"/>',
        '<property name="paratest.attempt" value="2"/>',
    )
    result = merge_reports([second, first], tmp_path / "o.xml", root=tmp_path)
    assert result.exit_code is ExitCode.OK
    assert (result.totals.tests, result.totals.flaky, result.folded) == (1, 1, 1)
    [case] = read_report(tmp_path / "o.xml")[0]
    assert case.final.outcome is Outcome.PASSED
    assert case.final.time == 3.0  # equal outcomes in one report: the first
    assert [a.outcome for a in case.earlier] == [Outcome.ERROR]
    alone = merge_reports([first], tmp_path / "o1.xml", root=tmp_path)
    assert alone.exit_code is ExitCode.TESTS_FAILED
    assert (alone.totals.tests, alone.totals.errors, alone.totals.flaky) == (1, 1, 0)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("\u00b2", "r.xml"),  # str.isdigit() says yes, int() says no
        ("99999999999999999999999", "r.xml"),  # beyond array("i")
        ("\u0663", "r.xml"),  # an Arabic-Indic 3: a digit, but not a shard number we write
        (None, "shard-99999999999.xml"),
    ],
)
def test_shard_numbers_that_are_not_ascii_or_too_big_are_unknown_shard_with_a_warning(
    tmp_path: Path, value: str | None, path: str
) -> None:
    """Finding 3: these were exit 3 (ValueError, OverflowError)."""
    props = f'<property name="paratest.shard" value="{value}"/>' if value is not None else ""
    report = _raw(tmp_path / path, '<testcase classname="c" name="x" time="1"/>', props)
    result = merge_reports([report], tmp_path / "o.xml", root=tmp_path)
    assert result.exit_code is ExitCode.OK
    assert [r.shard for r in result.reports] == [None]
    assert [row.index for row in result.shards] == [None]
    [warning] = result.warnings
    assert warning.source == str(report)
    assert "unknown shard" in warning.message
    assert "0 to 2147483647" in warning.message


def test_a_bad_shard_property_falls_back_to_the_file_name_and_bad_attempt_counts_as_1(
    tmp_path: Path,
) -> None:
    report = _raw(
        tmp_path / "shard-2.xml",
        '<testcase classname="c" name="x" time="1"/>',
        '<property name="paratest.shard" value="2147483648"/>'
        '<property name="paratest.attempt" value="-1"/>',
    )
    result = merge_reports([report], tmp_path / "o.xml", root=tmp_path)
    assert [(r.shard, r.attempt) for r in result.reports] == [(2, None)]
    messages = [w.message for w in result.warnings]
    assert len(messages) == 2
    assert "shard 2 from its file name" in messages[0]
    assert "counts as attempt 1" in messages[1]


def test_folded_case_goes_to_its_last_results_suite_and_no_empty_suite_is_left(
    tmp_path: Path,
) -> None:
    """Finding 5: the verdict's suite was the file name for a plain last result but the
    earlier result's suite for any other, and the earlier suite stayed as tests="0"."""
    first = _raw(
        tmp_path / "a.xml",
        '<testcase classname="c" name="x" time="1"><failure/></testcase>',
    )
    for name, last in (
        ("plain.xml", '<testcase classname="c" name="x" time="2"/>'),
        ("skip.xml", '<testcase classname="c" name="x" time="2"><skipped/></testcase>'),
    ):
        second = tmp_path / name
        # a suite without a name: its cases fall back to the file name as their suite
        second.write_text(f"<testsuite>{last}</testsuite>", encoding="utf-8")
        out = tmp_path / f"o-{name}"
        merge_reports([first, second], out, root=tmp_path)
        suites = [(s.get("name"), s.get("tests")) for s in etree_parse(out)]
        assert suites == [(name, "1")]
    # a suite keeps its other cases (and its place) when only some were folded away
    both = _raw(
        tmp_path / "both.xml",
        '<testcase classname="c" name="x" time="1"><failure/></testcase>'
        '<testcase classname="c" name="y" time="1"/>',
    )
    again = _raw(tmp_path / "again.xml", '<testcase classname="c" name="x" time="1"/>')
    merge_reports([both, again], tmp_path / "o.xml", root=tmp_path)
    assert [(s.get("name"), s.get("tests")) for s in etree_parse(tmp_path / "o.xml")] == [
        ("s", "2")
    ]
