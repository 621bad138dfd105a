"""Strict JUnit (`merge --strict-junit`): the pristine Jenkins xunit junit-10.xsd accepts it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from paratest_split.core.model import Attempt, CaseResult, GroupBy, Outcome, Plan, Shard, TestItem
from paratest_split.junit import writer as writer_module
from paratest_split.junit.merge import merge_reports
from paratest_split.junit.reader import read_report
from paratest_split.junit.strict import strip_blocks, strip_cases
from paratest_split.junit.writer import ReportWriter, case_xml, properties_xml, write_report

JUNIT_10 = etree.XMLSchema(
    etree.parse(str(Path(__file__).parents[2] / "fixtures" / "xsd" / "junit-10.xsd"))
)

# Texts that look like the markup the strict pass removes: it must never touch them.
LOOKALIKES = (
    ' file="tests/x.py"',
    '" file="y"',
    "<properties>",
    '<property name="a" value="b"/>',
    "</properties></testcase>",
    "<testcase ",
    '<flakyFailure type="" time="1.000">',
    '<rerunError message="m" type="t" time="2">',
    ' time="3.000"',
    '"',
    "&",
    ">",
    "\n",
    "\x01",
)
texts = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(LOOKALIKES)), max_size=4).map(
    "".join
)
times = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@st.composite
def attempts(draw: st.DrawFn, outcomes: tuple[Outcome, ...] = tuple(Outcome)) -> Attempt:
    return Attempt(
        outcome=draw(st.sampled_from(outcomes)),
        time=draw(times),
        time_known=draw(st.booleans()),
        message=draw(texts),
        type=draw(texts),
        details=draw(texts),
        stdout=draw(st.one_of(st.just(""), texts)),
        stderr=draw(st.one_of(st.just(""), texts)),
    )


@st.composite
def cases(draw: st.DrawFn) -> CaseResult:
    return CaseResult(
        classname=draw(texts),
        name=draw(texts),
        file=draw(st.one_of(st.none(), texts)),
        final=draw(attempts()),
        earlier=tuple(draw(st.lists(attempts((Outcome.FAILED, Outcome.ERROR)), max_size=2))),
        properties=tuple(draw(st.lists(st.tuples(texts, texts), max_size=2))),
    )


def strict_case(case: CaseResult) -> CaseResult:
    """What a strict report says of `case`."""
    return replace(
        case,
        file=None,
        properties=(),
        earlier=tuple(replace(a, time=0.0, time_known=False) for a in case.earlier),
    )


def _valid(cases_xml: bytes) -> bool:
    doc = (
        b'<testsuites><testsuite name="s" tests="0" failures="0" errors="0">'
        + cases_xml
        + b"</testsuite></testsuites>"
    )
    return bool(JUNIT_10.validate(etree.fromstring(doc)))


@settings(max_examples=200, deadline=None)
@given(
    cases=st.lists(cases(), min_size=1, max_size=4),
    extra=st.lists(st.tuples(texts, texts), max_size=2),
)
def test_stripping_a_written_case_is_writing_it_without_the_extensions(
    cases: list[CaseResult], extra: list[tuple[str, str]]
) -> None:
    """Exactly the four extensions go, whatever the texts look like, and the rest is valid."""
    written = "".join(case_xml(case, properties_xml(extra)) for case in cases).encode()
    expected = "".join(case_xml(strict_case(case)) for case in cases).encode()
    stripped = strip_cases(written)
    assert stripped == expected
    assert strip_cases(stripped) == stripped
    assert _valid(stripped), JUNIT_10.error_log
    # and the unstripped text is what the schema rejects whenever an extension is in it
    if stripped != written:
        assert not _valid(written)


@settings(max_examples=60, deadline=None)
@given(cases=st.lists(cases(), min_size=1, max_size=5), size=st.integers(1, 400))
def test_blocks_cut_anywhere_give_the_same_text(cases: list[CaseResult], size: int) -> None:
    data = "".join(case_xml(case, '<property name="k" value="v"/>') for case in cases).encode()
    blocks = [data[i : i + size] for i in range(0, len(data), size)]
    assert b"".join(strip_blocks(blocks)) == strip_cases(data)


def test_a_case_larger_than_a_block_is_never_split() -> None:
    big = CaseResult(
        classname="c",
        name="big",
        file="tests/big.py",
        final=Attempt(outcome=Outcome.FAILED, time=1.0, details="x" * 5000),
        properties=(("k", "v"),),
    )
    small = CaseResult(
        classname="c", name="s", file="f.py", final=Attempt(outcome=Outcome.PASSED, time=0.1)
    )
    data = (case_xml(small, '<property name="k" value="v"/>') + case_xml(big) * 2).encode()
    out = list(strip_blocks([data[i : i + 64] for i in range(0, len(data), 64)]))
    assert b"".join(out) == strip_cases(data)
    assert b" file=" not in b"".join(out)
    assert all(block.startswith(b"<testcase ") for block in out)
    assert list(strip_blocks([])) == []


FLAKY = CaseResult(
    classname="tests.test_x",
    name="test_flaky",
    file="tests/test_x.py",
    final=Attempt(outcome=Outcome.PASSED, time=0.25),
    earlier=(
        Attempt(outcome=Outcome.FAILED, time=0.5, message="m", type="AssertionError", details="t"),
        Attempt(outcome=Outcome.ERROR, time=0.75, message="fixture", stdout="o", stderr="e"),
    ),
    properties=(("owner", "team-a"),),
)
NEVER = CaseResult(
    classname="tests.test_x",
    name="test_never",
    file="tests/test_x.py",
    final=Attempt(outcome=Outcome.FAILED, time=1.0, message="still", details="trace"),
    earlier=(Attempt(outcome=Outcome.FAILED, time=2.0, message="first"),),
)
SKIPPED = CaseResult(
    classname="tests.test_y",
    name="test_skip",
    final=Attempt(outcome=Outcome.SKIPPED, time=0.0, message="later"),
)


def _plain(name: str) -> CaseResult:
    return CaseResult(
        classname="tests.test_y",
        name=name,
        file="tests/test_y.py",
        final=Attempt(outcome=Outcome.PASSED, time=0.125),
        properties=(("paratest.shard", "1"),),
    )


def test_strict_report_is_valid_and_says_the_same_but_the_extensions(tmp_path: Path) -> None:
    suites = [("a", [FLAKY, NEVER, _plain("p1")]), ("b", [SKIPPED, _plain("p2")]), ("c", [])]
    loose, strict = tmp_path / "loose.xml", tmp_path / "strict.xml"
    props = [("paratest.shard", "0")]
    totals = write_report(loose, suites, properties=props)
    assert write_report(strict, suites, properties=props, strict=True) == totals
    assert not JUNIT_10.validate(etree.parse(str(loose)))
    assert JUNIT_10.validate(etree.parse(str(strict))), JUNIT_10.error_log
    root = etree.parse(str(strict)).getroot()
    assert root.get("skipped") is None
    assert (root.get("tests"), root.get("failures"), root.get("time")) == ("5", "1", "4.750")
    assert [s.get("skipped") for s in root] == ["0", "1", "0"]
    # suite properties are allowed by the schema and stay
    assert [p.get("value") for p in root.iter("property")] == ["0", "0", "0"]
    read_loose, suites_loose, _ = read_report(loose)
    read_strict, suites_strict, _ = read_report(strict)
    assert read_strict == [strict_case(case) for case in read_loose]
    assert [replace(s, source="") for s in suites_strict] == [
        replace(s, source="") for s in suites_loose
    ]


@pytest.mark.parametrize(("block", "name"), [(32, "r.xml"), (4 << 20, "r.xml"), (32, "r.xml.gz")])
def test_strict_writer_with_raw_writes_and_exclusions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, name: str
) -> None:
    """Spool copies cut mid-case (tiny blocks) and excluded spans stay exact; the spool
    itself keeps everything for read-back."""
    monkeypatch.setattr(writer_module, "_SPOOL_BUFFER", block)
    path = tmp_path / name
    with ReportWriter(path, strict=True) as writer:
        first = writer.write_raw("a", case_xml(FLAKY).encode())
        second = writer.write_raw("a", case_xml(NEVER).encode())
        writer.add("a", _plain("p1"))
        writer.totals_of("a").tests += 2
        assert writer.read_raw(first, second) == case_xml(FLAKY).encode()
        writer.exclude(second, writer.position)  # NEVER and p1
        writer.totals_of("a").tests -= 2
        writer.add("b", SKIPPED)
    assert JUNIT_10.validate(etree.parse(str(path))), JUNIT_10.error_log
    cases, _, _ = read_report(path)
    assert cases == [replace(strict_case(FLAKY), suite="a"), replace(SKIPPED, suite="b")]


def _merge_inputs(directory: Path) -> list[Path]:
    """Reports with plain passes, failures, errors, skips, files, properties, earlier
    attempts, repeats within and across files and one report of unknown shard."""
    outcomes = [Outcome.PASSED] * 4 + [Outcome.FAILED, Outcome.SKIPPED, Outcome.ERROR]
    paths = []
    for index in range(5):
        cases = []
        for n in range(index * 30, index * 30 + 90, 1 + index % 2):
            outcome = outcomes[(n * 5 + index) % len(outcomes)]
            earlier = (
                (Attempt(outcome=Outcome.FAILED, time=0.5, message=f"try {n}"),)
                if n % 11 == 0
                else ()
            )
            cases.append(
                CaseResult(
                    classname=f"tests.test_m{n % 3}",
                    name=f"t{n}",
                    file=f"tests/test_m{n % 3}.py" if n % 2 else None,
                    final=Attempt(outcome=outcome, time=0.01 * n + index, message="m"),
                    earlier=earlier,
                    properties=(("owner", f"o{n}"),) if n % 7 == 0 else (),
                )
            )
        props = [] if index == 4 else [("paratest.shard", str(index % 2))]
        if index in (2, 3):
            props.append(("paratest.attempt", "2"))
        path = directory / f"r{index}.xml"
        write_report(
            path, [(f"suite{index % 2}", cases[:40]), ("other", cases[40:])], properties=props
        )
        paths.append(path)
    return paths


def test_strict_merge_is_the_default_merge_without_the_extensions(tmp_path: Path) -> None:
    """In strict mode `merge` spools less (no provenance properties), yet folds, counts and
    summarises the same, and its report is the default one with the extensions stripped."""
    paths = _merge_inputs(tmp_path / "in")
    keys = sorted({(c.classname, c.name, c.file) for p in paths for c in read_report(p)[0]})
    keys.append(("tests.test_m0", "never_run", "tests/test_m0.py"))
    items = tuple(
        TestItem(id=f"tests/test_m{c[-1]}.py::{n}", file=f, classname=c, name=n) for c, n, f in keys
    )
    plan = Plan(
        shards=2,
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="x",
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=1.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=1.0, tests=tuple(t.id for t in items[i::2]))
            for i in range(2)
        ),
        unknown_tests=(),
        discover="pytest",
        items=items,
    )
    loose = merge_reports(paths, tmp_path / "loose.xml", root=tmp_path, plan=plan)
    strict = merge_reports(paths, tmp_path / "strict.xml", root=tmp_path, plan=plan, strict=True)
    assert loose.folded > 0
    assert loose.totals.flaky > 0
    assert loose.missing == 1
    assert replace(strict, out=loose.out) == loose
    loose_bytes = (tmp_path / "loose.xml").read_bytes()
    skipped = f' skipped="{loose.totals.skipped}"'.encode()
    head, body = loose_bytes.split(b"\n", 2)[1], loose_bytes.split(b"\n", 2)[2]
    assert skipped in head
    expected = b"\n".join(
        [loose_bytes.split(b"\n", 1)[0], head.replace(skipped, b""), strip_cases(body)]
    )
    assert (tmp_path / "strict.xml").read_bytes() == expected
    assert JUNIT_10.validate(etree.parse(str(tmp_path / "strict.xml"))), JUNIT_10.error_log
    assert not JUNIT_10.validate(etree.parse(str(tmp_path / "loose.xml")))
