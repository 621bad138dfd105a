from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import junitparser
import pytest
from lxml import etree

from paratest_split.core.errors import UsageError
from paratest_split.core.model import Attempt, CaseResult, Outcome
from paratest_split.junit import writer as writer_module
from paratest_split.junit.reader import read_report
from paratest_split.junit.writer import (
    ReportWriter,
    case_xml,
    plain_case_head,
    plain_cases_xml,
    write_report,
)

XSD_DIR = Path(__file__).parents[2] / "fixtures" / "xsd"


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / name)))


def _case(
    name: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    classname: str = "tests.test_x",
    time: float = 0.5,
    earlier: tuple[Attempt, ...] = (),
    properties: tuple[tuple[str, str], ...] = (),
    file: str | None = None,
    message: str = "",
    details: str = "",
    stdout: str = "",
) -> CaseResult:
    final = Attempt(outcome=outcome, time=time, message=message, details=details, stdout=stdout)
    return CaseResult(
        classname=classname,
        name=name,
        file=file,
        final=final,
        earlier=earlier,
        properties=properties,
    )


FLAKY = _case(
    "test_flaky",
    time=0.25,
    earlier=(
        Attempt(
            outcome=Outcome.FAILED,
            time=0.5,
            message="assert 1 == 2",
            type="AssertionError",
            details="Traceback\n  line 3",
            stdout="out1",
            stderr="err1",
        ),
        Attempt(outcome=Outcome.ERROR, time=0.75, message="fixture broke", details="boom"),
    ),
)
NEVER = _case(
    "test_never",
    Outcome.FAILED,
    time=1.0,
    message="still wrong",
    details="trace 3",
    earlier=(Attempt(outcome=Outcome.FAILED, time=2.0, message="wrong", details="trace 1"),),
)
TRICKY = _case(
    "test_p[a&b <c> \"q\" 'x' \u00e9\u65e5\t\\x00]",
    Outcome.SKIPPED,
    classname="tests.weird\u0001ctl",
    message="why\nmultiline & <tags>",
    details="reason ]]> text",
    stdout="caf\u00e9 \x1b[31mred\x1b[0m",
)


def test_case_xml_round_trips_through_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    props = (("paratest.shard", "2"), ("owner", 'a&b "c"'))
    cases = [FLAKY, NEVER, TRICKY, _case("test_props", properties=props, file="tests/test_x.py")]
    totals = write_report(path, [("suite-a", cases)])
    read, suites, warnings = read_report(path)
    assert warnings == []
    assert [c.name for c in read] == [c.name for c in cases]
    flaky, never, tricky, with_props = read
    assert flaky.flaky
    assert flaky.final.outcome is Outcome.PASSED
    assert flaky.final.time == 0.25
    assert [a.outcome for a in flaky.earlier] == [Outcome.FAILED, Outcome.ERROR]
    assert flaky.earlier[0].message == "assert 1 == 2"
    assert flaky.earlier[0].details == "Traceback\n  line 3"
    assert flaky.earlier[0].time == 0.5
    assert never.final.outcome is Outcome.FAILED
    assert never.final.details == "trace 3"
    assert [a.message for a in never.earlier] == ["wrong"]
    assert not never.flaky
    # control characters are dropped (XML 1.0 cannot hold them); everything else survives
    assert tricky.classname == "tests.weirdctl"
    assert tricky.name == TRICKY.name
    assert tricky.final.outcome is Outcome.SKIPPED
    assert tricky.final.message == "why\nmultiline & <tags>"
    assert tricky.final.details == "reason ]]> text"
    assert tricky.final.stdout == "caf\u00e9 [31mred[0m"
    assert with_props.properties == props
    assert with_props.file == "tests/test_x.py"
    assert totals.tests == 4
    assert totals.failures == 1
    assert totals.skipped == 1
    assert totals.flaky == 1
    # suite time counts every attempt (time spent); each case's time is its final attempt's
    assert totals.time == pytest.approx(0.25 + 0.5 + 0.75 + 1.0 + 2.0 + 0.5 + 0.5)
    assert suites[0].cases == 4


# The only ways our reports may differ from the published junit-10.xsd (tests/fixtures/xsd).
EXTENSIONS = (
    "Element 'rerunFailure', attribute 'time'",
    "Element 'rerunError', attribute 'time'",
    "Element 'flakyFailure', attribute 'time'",
    "Element 'flakyError', attribute 'time'",
    "Element 'testsuites', attribute 'skipped'",
    "Element 'testcase', attribute 'file'",
    "Element 'properties': This element is not expected",
)


def test_pristine_junit10_schema_accepts_all_but_the_documented_extensions(tmp_path: Path) -> None:
    """Jenkins xunit-plugin junit-10.xsd (vendored, MIT): a `<testsuites>` root and Surefire's
    flaky/rerun children are valid; testcase properties/file, root `skipped` and attempt times
    are our documented extensions (windyroad's JUnit.xsd would reject the retry children too)."""
    path = tmp_path / "r.xml"
    cases = [FLAKY, NEVER, TRICKY, _case("p", properties=(("k", "v"),), file="tests/test_x.py")]
    write_report(
        path,
        [("a", cases), ("b", [_case("ok")]), ("empty", [])],
        properties=[("paratest.shard", "0")],
    )
    schema = _schema("junit-10.xsd")
    assert not schema.validate(etree.parse(str(path)))
    errors = str(schema.error_log).splitlines()
    assert errors
    unexpected = [line for line in errors if not any(ext in line for ext in EXTENSIONS)]
    assert unexpected == []
    # a report of plain cases (no retries, properties or file) is valid except the root counter
    plain = tmp_path / "plain.xml"
    write_report(
        plain,
        [("a", [NEVER.__class__(classname="c", name="n", final=NEVER.final), TRICKY, _case("ok")])],
    )
    for suite in etree.parse(str(plain)).getroot():
        assert schema.validate(etree.ElementTree(suite)), schema.error_log


def test_strict_mode_writes_none_of_the_extensions(tmp_path: Path) -> None:
    """`merge --strict-junit`: the same report, and the pristine schema has nothing to say."""
    cases = [FLAKY, NEVER, TRICKY, _case("p", properties=(("k", "v"),), file="tests/test_x.py")]
    suites = [("a", cases), ("b", [_case("ok")]), ("empty", [])]
    path = tmp_path / "r.xml"
    write_report(path, suites, properties=[("paratest.shard", "0")], strict=True)
    schema = _schema("junit-10.xsd")
    assert schema.validate(etree.parse(str(path))), schema.error_log
    read, _, _ = read_report(path)
    assert [(c.name, c.final.outcome, c.file, c.properties) for c in read] == [
        (c.name, c.final.outcome, None, ()) for c in [*cases, _case("ok")]
    ]
    assert [len(c.earlier) for c in read[:2]] == [2, 1]
    assert not any(a.time_known for c in read for a in c.earlier)
    # the default mode still writes them (the documented extensions above)
    write_report(path, suites, properties=[("paratest.shard", "0")])
    assert not schema.validate(etree.parse(str(path)))


def test_extended_schema_accepts_whole_reports_with_properties(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    cases = [FLAKY, NEVER, TRICKY, _case("p", properties=(("k", "v"),), file="tests/test_x.py")]
    write_report(path, [("a", cases)])
    schema = _schema("paratest-junit.xsd")
    assert schema.validate(etree.parse(str(path))), schema.error_log
    # and the extension is needed: the pristine schema rejects the testcase properties
    assert not _schema("junit-10.xsd").validate(etree.parse(str(path)))


def test_junitparser_reads_the_written_totals(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    write_report(path, [("a", [FLAKY, NEVER]), ("b", [TRICKY, _case("ok", time=1.5)])])
    xml = junitparser.JUnitXml.fromfile(str(path))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (4, 1, 0, 1)
    by_name = {suite.name: suite for suite in xml}
    assert by_name["a"].tests == 2
    assert by_name["a"].failures == 1
    assert by_name["b"].skipped == 1
    cases = {case.name: case for suite in xml for case in suite}
    assert cases["test_flaky"].is_passed
    assert not cases["test_never"].is_passed
    assert cases["ok"].time == 1.5
    # junitparser's own recount agrees with what we wrote
    written = (xml.tests, xml.failures, xml.errors, xml.skipped)
    xml.update_statistics()  # type: ignore[no-untyped-call]
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == written


def test_suites_of_one_name_are_merged_in_first_seen_order(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    with ReportWriter(path, name="merged") as writer:
        writer.add("b", _case("b1"))
        writer.add("a", _case("a1"))
        writer.add("b", _case("b2", Outcome.FAILED))
        writer.add("a", _case("a2"))
        writer.add("b", _case("b3"))
    root = etree.parse(str(path)).getroot()
    assert root.get("name") == "merged"
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("b", "3", "1"),
        ("a", "2", "0"),
    ]
    assert [c.get("name") for c in suites[0]] == ["b1", "b2", "b3"]
    assert [c.get("name") for c in suites[1]] == ["a1", "a2"]
    assert root.get("tests") == "5"


def test_gzip_target_and_no_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "out" / "r.xml.gz"
    write_report(path, [("a", [_case("x")])])
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.xml.gz"]
    with gzip.open(path) as fh:
        assert b'<testcase classname="tests.test_x" name="x" time="0.500"/>' in fh.read()
    cases, _, _ = read_report(path)
    assert [c.name for c in cases] == ["x"]


def test_failure_while_writing_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"

    def cases() -> list[CaseResult]:
        raise RuntimeError("producer broke")

    with pytest.raises(RuntimeError):
        write_report(path, [("a", iter([_case("x")])), ("b", cases())])
    assert list(tmp_path.iterdir()) == []


def test_negative_and_nan_times_are_written_as_zero() -> None:
    xml = case_xml(_case("t", time=float("nan")))
    assert 'time="0.000"' in xml
    assert 'time="0.000"' in case_xml(_case("t", time=-3.0))


def test_unknown_times_are_written_without_time_and_not_counted(tmp_path: Path) -> None:
    """Finding 2: a made-up or untimed result has no `time` (not 0.000); totals skip it."""
    untimed = CaseResult(
        classname="c",
        name="missing",
        final=Attempt(outcome=Outcome.ERROR, type="missing", message="not run", time_known=False),
    )
    retried = _case(
        "retried",
        time=2.0,
        earlier=(Attempt(outcome=Outcome.FAILED, time=0.0, time_known=False, message="x"),),
    )
    xml = case_xml(untimed)
    assert " time=" not in xml
    assert "<rerunFailure" not in case_xml(retried)
    assert '<flakyFailure message="x" type="">' in case_xml(retried)  # no time on the attempt
    path = tmp_path / "r.xml"
    totals = write_report(path, [("a", [untimed, retried, _case("ok", time=1.5)])])
    assert totals.time == 3.5
    root = etree.parse(str(path)).getroot()
    assert root.get("time") == "3.500"
    assert _schema("paratest-junit.xsd").validate(etree.parse(str(path)))
    read, _, _ = read_report(path)
    assert [(c.name, c.final.time_known) for c in read] == [
        ("missing", False),
        ("retried", True),
        ("ok", True),
    ]
    assert read[1].earlier[0].time_known is False


def test_unwritable_target_is_a_usage_error_naming_path_and_flag(tmp_path: Path) -> None:
    """Finding 3: an unwritable output was an internal error with a traceback."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    target = blocker / "out" / "r.xml"
    with pytest.raises(UsageError) as info:
        ReportWriter(target, flag="--output")
    assert str(info.value).startswith(f"--output {target}: cannot write the report: ")
    assert info.value.exit_code == 4
    with pytest.raises(UsageError) as info:
        ReportWriter(tmp_path)  # a directory
    assert str(info.value) == f"{tmp_path}: cannot write the report: is a directory"


def test_results_already_computed_are_saved_elsewhere_when_the_target_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 3: `run --output` holds results it cannot compute again: never lose them."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    target = blocker / "r.xml"
    with pytest.raises(UsageError) as info:
        write_report(target, [("a", [_case("x"), FLAKY])], flag="--output")
    message = str(info.value)
    assert message.startswith(f"--output {target}: cannot write the report: ")
    saved = Path(message.rsplit("; the report was saved as ", 1)[1])
    assert saved.parent == tmp_path / "tmp"
    cases, _, _ = read_report(saved)
    assert [c.name for c in cases] == ["x", "test_flaky"]
    assert not list((tmp_path / "tmp").glob("paratest-spool-*"))  # the spool is gone


def test_failure_at_rename_saves_the_report_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    real_replace = Path.replace

    def failing_replace(self: Path, target: Path) -> Path:
        if Path(target).name == "r.xml":
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(UsageError) as info:
        write_report(tmp_path / "out" / "r.xml", [("a", [_case("x")])])
    assert "No space left on device; the report was saved as " in str(info.value)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("pread", [True, False])
def test_raw_writes_exclusions_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, pread: bool
) -> None:
    monkeypatch.setattr(writer_module, "_HAS_PREAD", pread)  # False: as on Windows
    path = tmp_path / "r.xml"
    with ReportWriter(path) as writer:
        first = writer.write_raw("a", case_xml(_case("x")).encode())
        second = writer.write_raw("a", case_xml(_case("y")).encode())
        writer.totals_of("a").tests += 2
        end = writer.position
        assert writer.read_raw(second, end) == case_xml(_case("y")).encode()
        writer.exclude(first, second)
        writer.totals_of("a").tests -= 1
        writer.add("a", _case("z"))  # appends after reading back
    cases, _, _ = read_report(path)
    assert [c.name for c in cases] == ["y", "z"]
    assert etree.parse(str(path)).getroot().get("tests") == "2"


def test_bulk_plain_cases_are_the_same_text_as_one_by_one() -> None:
    classnames = ["a.B", "a.B", 'x"y&z', ""]
    names = ["t1", 't&2<>"\t', "caf\u00e9\n%s", "n"]
    files = [None, "p/q&r.py", None, None]
    times = [0.1235, 1.0, 700.5, 0.0]
    tail = '><properties><property name="k" value="50%"/></properties></testcase>\n'
    bulk = plain_cases_xml(classnames, names, files, times, tail)
    one = [
        plain_case_head(*case) + tail for case in zip(classnames, names, files, times, strict=True)
    ]
    assert bulk == one
    assert plain_cases_xml(classnames[:1], names[:1], [None], times[:1], tail) == one[:1]
    # and plain_case_head is case_xml's text for such a case
    plain = CaseResult(
        classname="a.B", name='t&2<>"\t', file="f", final=Attempt(outcome=Outcome.PASSED, time=1.0)
    )
    assert case_xml(plain) == plain_case_head("a.B", 't&2<>"\t', "f", 1.0) + "/>\n"


def test_wall_time_becomes_the_single_suites_time_when_longer(tmp_path: Path) -> None:
    path = tmp_path / "shard.xml"
    cases = [_case("test_a", time=1.0), _case("test_b", time=2.0)]
    totals = writer_module.write_report(path, [("pytest", cases)], wall_time=4.5)
    assert totals.time == pytest.approx(4.5)
    _, suites, _ = read_report(path)
    assert [(s.time, s.cases, s.case_time) for s in suites] == [(4.5, 2, 3.0)]
    # a shorter wall time (a parallel runner) never hides the cases' own time
    writer_module.write_report(path, [("pytest", cases)], wall_time=1.0)
    assert read_report(path)[1][0].time == pytest.approx(3.0)
    # several suites: the wall time cannot be shared out, the suites keep their case sums
    writer_module.write_report(path, [("a", cases[:1]), ("b", cases[1:])], wall_time=9.0)
    assert sorted(s.time or 0.0 for s in read_report(path)[1] if s.name in ("a", "b")) == [1.0, 2.0]


def test_temporary_files_beside_the_target_are_hidden_part_files_removed_on_abort(
    tmp_path: Path,
) -> None:
    """Finding 2: `.spool-*.xml` left by a killed merge was read as a report next time."""
    path = tmp_path / "r.xml"
    writer = ReportWriter(path)
    writer.add("a", _case("x"))
    [spool] = tmp_path.iterdir()
    assert spool.name.startswith(".spool-")
    assert spool.suffix == ".part"
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    seen: list[str] = []
    real_assemble = ReportWriter._assemble  # watch the file being assembled

    def watching(self: ReportWriter, out: object, totals: object) -> None:
        seen.extend(sorted(p.name for p in tmp_path.iterdir()))
        real_assemble(self, out, totals)  # type: ignore[arg-type]

    writer = ReportWriter(path)
    writer.add("a", _case("x"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReportWriter, "_assemble", watching)
        writer.close()
    assert len(seen) == 2
    assert all(name.startswith((".spool-", ".report-")) for name in seen)
    assert all(name.endswith(".part") for name in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xml"]


def test_a_suite_whose_cases_were_all_excluded_is_left_out_unless_declared(
    tmp_path: Path,
) -> None:
    """Finding 5: merge takes a folded case's first result out of its suite; a suite left
    with no case was written as tests="0". A suite declared with `suite()` still is."""
    path = tmp_path / "r.xml"
    with ReportWriter(path) as writer:
        writer.suite("declared")
        start = writer.write_raw("gone", case_xml(_case("x")).encode())
        writer.totals_of("gone").tests += 1
        middle = writer.write_raw("kept", case_xml(_case("y")).encode())
        writer.totals_of("kept").tests += 1
        writer.write_raw("gone", case_xml(_case("z")).encode())
        writer.totals_of("gone").tests += 1
        writer.exclude(start, middle)
        writer.exclude(writer.position - len(case_xml(_case("z")).encode()), writer.position)
        writer.totals_of("gone").tests -= 2
    suites = [(s.get("name"), s.get("tests")) for s in etree.parse(str(path)).getroot()]
    assert suites == [("declared", "0"), ("kept", "1")]
