"""Acceptance: shard reports of a real pytest suite (3 shards, one flaky test) merged by the CLI.

The shard reports are made the way `run` makes them: real `pytest --junitxml` output per
attempt, folded with retry.fold and written with write_report plus the `paratest.shard` suite
property.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import junitparser
import pytest
from lxml import etree

from paratest_split.cli import main
from paratest_split.core.identity import pytest_item
from paratest_split.core.model import CaseResult, GroupBy, Outcome, Plan, Shard
from paratest_split.core.retry import fold
from paratest_split.junit.reader import iter_timing_rows, read_report
from paratest_split.junit.writer import write_report
from paratest_split.manifest import write_plan
from paratest_split.store import stored_runs

SUITE = {
    "tests/test_alpha.py": """
        import time
        def test_one(): time.sleep(0.05)
        def test_two(): pass
        class TestGroup:
            def test_inner(self): pass
    """,
    "tests/test_beta.py": """
        import os, pathlib, pytest
        def test_flaky():
            marker = pathlib.Path(os.environ["FLAKY_MARKER"])
            if not marker.exists():
                marker.write_text("failed once")
                raise AssertionError("first attempt fails")
        @pytest.mark.parametrize("x", ["a b", "[c]", "d&e"])
        def test_params(x): pass
    """,
    "tests/test_gamma.py": """
        import pytest
        def test_slow(): pass
        @pytest.mark.skip(reason="not today")
        def test_skipped(): pass
    """,
}
SHARDS = [
    [
        "tests/test_alpha.py::test_one",
        "tests/test_alpha.py::test_two",
        "tests/test_alpha.py::TestGroup::test_inner",
    ],
    [
        "tests/test_beta.py::test_flaky",
        "tests/test_beta.py::test_params[a b]",
        "tests/test_beta.py::test_params[[c]]",
        "tests/test_beta.py::test_params[d&e]",
    ],
    ["tests/test_gamma.py::test_slow", "tests/test_gamma.py::test_skipped"],
]


def _pytest(project: Path, ids: list[str], junit: Path, marker: Path) -> list[CaseResult]:
    env = {**os.environ, "FLAKY_MARKER": str(marker), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:paratest_split",
            f"--junitxml={junit}",
            *ids,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    cases, _, _ = read_report(junit)
    return cases


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("acceptance")
    project = root / "project"
    for rel, body in SUITE.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(textwrap.dedent(body))
    items = tuple(pytest_item(test) for shard in SHARDS for test in shard)
    plan = Plan(
        shards=3,
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="acceptance",
        predicted_makespan_seconds=0.2,
        lower_bound_seconds=0.1,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=0.1 + 0.05 * i, tests=tuple(t))
            for i, t in enumerate(SHARDS)
        ),
        unknown_tests=(),
        discover="pytest",
        items=items,
    )
    write_plan(plan, root / "plan")
    marker = root / "flaky-marker"
    results = root / "results"
    for index, ids in enumerate(SHARDS):
        first = _pytest(project, ids, root / "raw" / f"{index}-1.xml", marker)
        retried = [c for c in first if c.final.outcome.is_bad]
        again = (
            _pytest(
                project,
                [f"tests/test_beta.py::{c.name}" for c in retried],
                root / "raw" / f"{index}-2.xml",
                marker,
            )
            if retried
            else []
        )
        by_key = {c.key: [c] for c in first}
        for case in again:
            by_key[case.key].append(case)
        write_report(
            results / f"shard-{index}.xml",
            [("pytest", [fold(attempts) for attempts in by_key.values()])],
            properties=[("paratest.shard", str(index)), ("paratest.plan", "acceptance")],
        )
    return root


def _merge(run_dir: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(run_dir)
    try:
        code = main(["merge", *args])
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_merge_of_three_shards_with_a_flaky_test(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _merge(
        run_dir,
        "results/*.xml",
        "--plan",
        "plan",
        "-o",
        "junit.xml",
        "--summary-md",
        "summary.md",
        "--html",
        "report.html",
        "--store",
        "hist",
        capsys=capsys,
    )
    assert code == 0, out + err
    cases, _, _ = read_report(run_dir / "junit.xml")
    planned = [pytest_item(t) for shard in SHARDS for t in shard]
    assert sorted((c.classname, c.name) for c in cases) == sorted(
        (str(i.classname), str(i.name)) for i in planned
    )
    flaky = [c for c in cases if c.flaky]
    assert [c.name for c in flaky] == ["test_flaky"]
    assert [a.message for a in flaky[0].earlier] == ["AssertionError: first attempt fails"]
    assert "PASSED: 9 tests, 8 passed, 0 failed, 1 skipped, 1 flaky, 0 missing" in out
    assert "completeness: 9 of 9 planned tests have results; 0 missing" in out
    xml = junitparser.JUnitXml.fromfile(str(run_dir / "junit.xml"))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (9, 0, 0, 1)
    assert "tests.test_beta::test_flaky" in (run_dir / "summary.md").read_text()
    html = (run_dir / "report.html").read_text()
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert len(stored_runs(run_dir / "hist")) == 1


def test_missing_shard_report_names_its_tests(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = run_dir / "partial"
    partial.mkdir()
    for index in (0, 1):
        (partial / f"shard-{index}.xml").write_bytes(
            (run_dir / "results" / f"shard-{index}.xml").read_bytes()
        )
    code, out, _ = _merge(
        run_dir, "partial", "--plan", "plan", "-o", "partial.xml", "--format", "json", capsys=capsys
    )
    assert code == 1
    data = json.loads(out)
    missing = data["completeness"]["missing"]
    assert [m["test"] for m in missing] == SHARDS[2]
    assert {m["message"] for m in missing} == {"not run: no report from shard 2 was merged"}
    assert data["shards"][2]["missing"] == 2
    cases, _, _ = read_report(run_dir / "partial.xml")
    errors = [c for c in cases if c.final.type == "missing"]
    assert sorted(c.name for c in errors) == ["test_skipped", "test_slow"]


def test_without_plan_says_so_and_bad_report_exits_10(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _merge(run_dir, "results", "--no-plan", "-o", "noplan.xml", capsys=capsys)
    assert code == 0
    assert "completeness: not checked (no --plan given)" in out
    bad = run_dir / "bad"
    bad.mkdir()
    (bad / "shard-0.xml").write_text("<testsuite><testcase name='x'>")
    code, _, err = _merge(run_dir, "bad", "--no-plan", "-o", "bad.xml", capsys=capsys)
    assert code == 10
    assert "shard-0.xml" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _merge(
        run_dir,
        "bad",
        "results",
        "--no-plan",
        "--skip-bad-reports",
        "-o",
        "skip.xml",
        capsys=capsys,
    )
    assert code == 0
    assert "warning" in err
    assert "shard-0.xml" in err


def test_timings_reads_the_stored_history(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hist = run_dir / "hist2"
    _merge(run_dir, "results", "--no-plan", "-o", "t.xml", "--store", str(hist), capsys=capsys)
    old = Path.cwd()
    os.chdir(run_dir)
    try:
        code = main(
            [
                "timings",
                "--history-dir",
                str(hist),
                "--by",
                "file",
                "--sort",
                "name",
                "--format",
                "json",
            ]
        )
    finally:
        os.chdir(old)
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in data["rows"]] == [
        "tests/test_alpha.py",
        "tests/test_beta.py",
        "tests/test_gamma.py",
    ]
    assert [r["tests"] for r in data["rows"]] == [3, 4, 2]


def test_unwritable_outputs_are_usage_errors_before_merging(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 3: `merge -o /proc/nope/x.xml` was exit 3 with an internal error."""
    code, _, err = _merge(run_dir, "results", "--no-plan", "-o", "/proc/nope/x.xml", capsys=capsys)
    assert code == 4
    assert err.strip().splitlines() == [
        "paratest-split: error: -o/--out /proc/nope/x.xml: cannot write the report: "
        "No such file or directory"
    ]
    code, _, err = _merge(
        run_dir,
        "results",
        "--no-plan",
        "-o",
        "fine.xml",
        "--summary-md",
        "/proc/nope/s.md",
        capsys=capsys,
    )
    assert code == 4
    assert "--summary-md /proc/nope/s.md: cannot write" in err
    assert not (run_dir / "fine.xml").exists()  # failed before the (long) merge


def test_stored_history_does_not_learn_missing_tests(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 2: a missing test was stored with time 0.000 and became a 0 s timing."""
    partial = run_dir / "only-0"
    partial.mkdir()
    (partial / "shard-0.xml").write_bytes((run_dir / "results" / "shard-0.xml").read_bytes())
    hist = run_dir / "hist-missing"
    code, _, _ = _merge(
        run_dir, "only-0", "--plan", "plan", "-o", "m.xml", "--store", str(hist), capsys=capsys
    )
    assert code == 1
    (stored,) = stored_runs(hist)
    rows = {r[1]: r[3] for r in iter_timing_rows(stored) if isinstance(r, tuple)}
    assert rows["test_slow"] is None  # planned in shard 2, no report: missing, no time
    assert rows["test_one"] is not None
    assert rows["test_one"] > 0


# -- --strict-junit: real pytest reports (xunit1: `file` and `record_property`), validated with
# lxml against the pristine Jenkins xunit junit-10.xsd (tests/fixtures/xsd/).

XSD_DIR = Path(__file__).parents[1] / "fixtures" / "xsd"
STRICT_SUITE = {
    "tests/test_a.py": """
        import os, pathlib, sys, pytest
        def test_flaky():
            marker = pathlib.Path(os.environ["FLAKY_MARKER"])
            if not marker.exists():
                marker.write_text("failed once")
                raise AssertionError('first attempt fails: <properties> file="x" time="1"')
        def test_props(record_property):
            record_property("owner", 'team "a" & b')
            print("some output")
        @pytest.mark.skip(reason="not today")
        def test_skipped(): pass
    """,
    "tests/test_b.py": """
        import pytest
        def test_always_fails():
            assert 1 == 2, '<flakyFailure type="" time="9"> " file="y"'
        @pytest.mark.parametrize("x", ['q"d', "a&b"])
        def test_params(x): pass
    """,
}
STRICT_SHARDS = [
    ["tests/test_a.py::test_flaky", "tests/test_a.py::test_props", "tests/test_a.py::test_skipped"],
    [
        "tests/test_b.py::test_always_fails",
        'tests/test_b.py::test_params[q"d]',
        "tests/test_b.py::test_params[a&b]",
    ],
    ["tests/test_c.py::test_never_reported"],
]
# What a default merged report holds beyond junit-10.xsd (tests/unit/junit/test_writer.py).
EXTENSION_ERRORS = {
    "testcase properties": "Element 'properties': This element is not expected",
    "testcase file": "Element 'testcase', attribute 'file'",
    "root skipped": "Element 'testsuites', attribute 'skipped'",
    "attempt time": "attribute 'time': The attribute 'time' is not allowed",
}


def _pytest_xunit1(project: Path, ids: list[str], junit: Path, marker: Path) -> list[CaseResult]:
    env = {**os.environ, "FLAKY_MARKER": str(marker), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:paratest_split",
            "-o",
            "junit_family=xunit1",
            "-o",
            "junit_logging=system-out",
            f"--junitxml={junit}",
            *ids,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    cases, _, _ = read_report(junit)
    return cases


@pytest.fixture(scope="module")
def strict_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shard 0 as `run` writes it (its flaky test retried and folded); shard 1 as raw pytest
    reports of two CI attempts (merge folds them: rerunFailure); shard 2 never reported."""
    root = tmp_path_factory.mktemp("strict")
    project = root / "project"
    for rel, body in STRICT_SUITE.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(textwrap.dedent(body))
    items = tuple(pytest_item(test) for shard in STRICT_SHARDS for test in shard)
    plan = Plan(
        shards=3,
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="strict",
        predicted_makespan_seconds=0.2,
        lower_bound_seconds=0.1,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=0.1, tests=tuple(t))
            for i, t in enumerate(STRICT_SHARDS)
        ),
        unknown_tests=(),
        discover="pytest",
        items=items,
    )
    write_plan(plan, root / "plan")
    marker = root / "flaky-marker"
    first = _pytest_xunit1(project, STRICT_SHARDS[0], root / "raw" / "0-1.xml", marker)
    again = _pytest_xunit1(
        project, ["tests/test_a.py::test_flaky"], root / "raw" / "0-2.xml", marker
    )
    by_key = {c.key: [c] for c in first}
    for case in again:
        by_key[case.key].append(case)
    write_report(
        root / "results" / "shard-0.xml",
        [("pytest", [fold(attempts) for attempts in by_key.values()])],
        properties=[("paratest.shard", "0")],
    )
    (root / "rerun").mkdir()
    _pytest_xunit1(project, STRICT_SHARDS[1], root / "results" / "shard-1.xml", marker)
    _pytest_xunit1(project, STRICT_SHARDS[1], root / "rerun" / "shard-1.xml", marker)
    return root


def _strict_view(case: CaseResult) -> CaseResult:
    """What a strict report says of a case of the default report."""
    return replace(
        case,
        file=None,
        properties=(),
        earlier=tuple(replace(a, time=0.0, time_known=False) for a in case.earlier),
    )


def test_strict_junit_merge_validates_against_the_pristine_junit10_xsd(
    strict_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    junit10 = etree.XMLSchema(etree.parse(str(XSD_DIR / "junit-10.xsd")))
    extended = etree.XMLSchema(etree.parse(str(XSD_DIR / "paratest-junit.xsd")))
    inputs = ("results", "rerun", "--plan", "plan")
    code, loose_out, _ = _merge(strict_dir, *inputs, "-o", "loose.xml", capsys=capsys)
    assert code == 1  # always failing, and one planned test never reported
    # default mode unchanged: the four documented extensions, all of them, and nothing else
    assert not junit10.validate(etree.parse(str(strict_dir / "loose.xml")))
    errors = str(junit10.error_log).splitlines()
    found = {kind for kind, text in EXTENSION_ERRORS.items() if any(text in e for e in errors)}
    # (libxml2 stops checking a testcase's children at the unexpected `<properties>`, so the
    # attempt times are not reported here: they are looked up below)
    assert found >= {"testcase properties", "testcase file", "root skipped"}
    assert [e for e in errors if not any(t in e for t in EXTENSION_ERRORS.values())] == []
    loose_root = etree.parse(str(strict_dir / "loose.xml")).getroot()
    attempts = [*loose_root.iter("flakyFailure", "rerunFailure")]
    assert [a.get("time") is not None for a in attempts] == [True, True]
    assert extended.validate(etree.parse(str(strict_dir / "loose.xml"))), extended.error_log

    code, strict_out, _ = _merge(
        strict_dir, *inputs, "-o", "strict.xml", "--strict-junit", capsys=capsys
    )
    assert code == 1
    assert strict_out.replace("strict.xml", "loose.xml") == loose_out  # same merge, same summary
    strict_doc = etree.parse(str(strict_dir / "strict.xml"))
    assert junit10.validate(strict_doc), junit10.error_log
    assert str(junit10.error_log) == ""  # zero errors, not even warnings

    loose, loose_suites, _ = read_report(strict_dir / "loose.xml")
    strict, strict_suites, _ = read_report(strict_dir / "strict.xml")
    assert strict == [_strict_view(case) for case in loose]
    assert [(s.name, s.time, s.cases) for s in strict_suites] == [
        (s.name, s.time, s.cases) for s in loose_suites
    ]
    by_name = {case.name: case for case in strict}
    flaky = by_name["test_flaky"]
    assert flaky.flaky
    assert [a.message for a in flaky.earlier] == [
        'AssertionError: first attempt fails: <properties> file="x" time="1"'
    ]
    never = by_name["test_always_fails"]
    assert never.final.outcome is Outcome.FAILED
    assert len(never.earlier) == 1
    assert '<flakyFailure type="" time="9"> " file="y"' in never.final.message
    assert by_name["test_skipped"].final.outcome is Outcome.SKIPPED
    assert "some output" in by_name["test_props"].final.stdout
    assert by_name["test_never_reported"].final.type == "missing"
    # what the default report had and the strict one leaves out
    loose_by_name = {case.name: case for case in loose}
    assert ("owner", 'team "a" & b') in loose_by_name["test_props"].properties
    assert loose_by_name["test_props"].file == "tests/test_a.py"
    assert loose_by_name["test_always_fails"].earlier[0].time_known
    assert all(not c.properties and c.file is None for c in strict)
    root = strict_doc.getroot()
    assert root.get("skipped") is None
    assert [s.get("skipped") for s in root] == [s.get("skipped") for s in loose_root]
    xml = junitparser.JUnitXml.fromfile(str(strict_dir / "strict.xml"))
    assert (xml.tests, xml.failures, xml.errors) == (7, 1, 1)

    # the setting works from the environment too (PARATEST_STRICT_JUNIT)
    monkeypatch.setenv("PARATEST_STRICT_JUNIT", "true")
    code, _, _ = _merge(strict_dir, *inputs, "-o", "env.xml", capsys=capsys)
    assert code == 1
    assert (strict_dir / "env.xml").read_bytes() == (strict_dir / "strict.xml").read_bytes()


def test_strict_history_still_knows_each_tests_file_from_pytests_classname(
    strict_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A strict report kept with --store has no `file`: timings fall back on the classname."""
    hist = strict_dir / "hist"
    code, _, _ = _merge(
        strict_dir,
        "results",
        "rerun",
        "--no-plan",
        "--strict-junit",
        "-o",
        "kept.xml",
        "--store",
        str(hist),
        capsys=capsys,
    )
    assert code == 1
    (stored,) = stored_runs(hist)
    assert all(row[2] is None for row in iter_timing_rows(stored) if isinstance(row, tuple))
    old = Path.cwd()
    os.chdir(strict_dir)
    try:
        code = main(["timings", "--history-dir", str(hist), "--by", "file", "--format", "json"])
    finally:
        os.chdir(old)
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert sorted((r["file"], r["tests"]) for r in rows) == [
        ("tests/test_a.py", 3),
        ("tests/test_b.py", 3),
    ]


# -- second review -----------------------------------------------------------------------------


def _report_file(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<testsuite name="pytest">{body}</testsuite>', encoding="utf-8")
    return path


PASS = '<testcase classname="t.test_a" name="test_ok" time="1"/>'
FAIL = '<testcase classname="t.test_a" name="test_bad" time="1"><failure message="no"/></testcase>'


def test_subtest_failure_in_one_report_fails_the_merge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 1, the reviewer's repro: a failed subtest and its passing test under one key
    in one report were folded into a flaky pass, exit 0."""
    _report_file(
        tmp_path / "report.xml",
        '<testcase classname="t.test_a" name="test_sub" time="1"><failure message="subtest '
        'failed"/></testcase><testcase classname="t.test_a" name="test_sub" time="1"/>',
    )
    code, out, _ = _merge(tmp_path, "report.xml", "-o", "o.xml", capsys=capsys)
    assert code == 1
    assert out.startswith("FAILED: 1 tests, 0 passed, 1 failed, 0 skipped, 0 flaky")
    assert "t.test_a::test_sub" in out.split("failed: 1", 1)[1]


def test_sigterm_aborts_cleanly_and_a_leftover_spool_is_not_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 2: SIGTERM killed merge outright, leaving `.spool-*.xml` in the output
    directory, and the next `merge out` failed (exit 10) reading it as a report."""
    import signal

    from paratest_split.junit import merge as merge_module
    from paratest_split.junit.reader import iter_merge_items as real

    results = tmp_path / "out"
    _report_file(results / "shard-0.xml", PASS)
    # what an earlier version left behind when killed: a bare <testcase> stream
    (results / ".spool-old.xml").write_text(FAIL, encoding="utf-8")

    def cancelled(path: Path) -> Iterator[object]:
        for item in real(path):
            yield item
            os.kill(os.getpid(), signal.SIGTERM)  # the CI cancels the job mid-merge

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(merge_module, "iter_merge_items", cancelled)
    code, _, err = _merge(tmp_path, "out", "-o", "out/merged.xml", capsys=capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        "paratest-split: error: merge interrupted by SIGTERM; its temporary files were removed"
    ]
    assert sorted(p.name for p in results.iterdir()) == [".spool-old.xml", "shard-0.xml"]
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored
    monkeypatch.setattr(merge_module, "iter_merge_items", real)
    code, out, _ = _merge(tmp_path, "out", "-o", "out/merged.xml", capsys=capsys)
    assert code == 0
    assert out.startswith("PASSED: 1 tests")
    assert sorted(p.name for p in results.iterdir()) == [
        ".spool-old.xml",
        "merged.xml",
        "shard-0.xml",
    ]


def test_store_that_is_a_file_is_a_usage_error_before_merging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 4: `--store FILE` crashed with FileExistsError (exit 3) after the merge."""
    _report_file(tmp_path / "r.xml", PASS)
    (tmp_path / "storefile").write_text("mine")
    code, _, err = _merge(tmp_path, "r.xml", "-o", "o.xml", "--store", "storefile", capsys=capsys)
    assert code == 4
    assert err.strip().splitlines() == [
        f"paratest-split: error: --store {tmp_path / 'storefile'}: cannot store the report "
        "there: not a directory"
    ]
    assert not (tmp_path / "o.xml").exists()  # failed before the (long) merge
    assert (tmp_path / "storefile").read_text() == "mine"


@pytest.mark.parametrize(("body", "expected"), [(PASS, 4), (PASS + FAIL, 1)])
def test_store_failing_after_the_merge_says_so_and_keeps_a_test_failure(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    body: str,
    expected: int,
) -> None:
    """Finding 4: a store failure after the merge replaced the tests' exit code silently.
    Now it is an error line saying what the merge found; failed tests keep exit 1, passed
    tests exit 4 (what --store asked for was not done)."""
    from paratest_split.commands import merge as merge_command
    from paratest_split.core.errors import BadInputError

    def full_disk(report: Path, history: Path, keep: int) -> Path:
        raise BadInputError(history, "cannot store the report: No space left on device")

    monkeypatch.setattr(merge_command, "store_report", full_disk)
    _report_file(tmp_path / "r.xml", body)
    code, _, err = _merge(tmp_path, "r.xml", "-o", "o.xml", "--store", "hist", capsys=capsys)
    assert code == expected
    verdict = "tests passed" if expected == 4 else "tests failed, exit 1"
    assert err.strip().splitlines() == [
        f"paratest-split: error: --store {tmp_path / 'hist'}: not stored: {tmp_path / 'hist'}: "
        f"cannot store the report: No space left on device (the merged report "
        f"{tmp_path / 'o.xml'} was written; {verdict})"
    ]
    assert (tmp_path / "o.xml").is_file()


def test_merge_matches_file_level_tests_by_suite_name_as_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A runner that names each suite after its file and gives its cases no `file`: `run`
    counted these results for the planned file, merge reported the file missing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").mkdir()
    for name in ("a.sh", "b.sh"):
        (tmp_path / "tests" / name).write_text("true\n")
    argv = ["--shards", "2", "--discover", "files", "--pattern", "tests/*.sh", "--out", "plan"]
    assert main(argv) == 0
    for index, name in enumerate(("a.sh", "b.sh")):
        (tmp_path / f"shard-{index}.xml").write_text(
            f'<testsuite name="tests/{name}"><testcase classname="{name}" name="runs" '
            f'time="0.1"/><testcase classname="{name}" name="exits 0" time="0.2"/></testsuite>'
        )
    capsys.readouterr()
    assert main(["merge", "shard-*.xml", "--plan", "plan", "-o", "junit.xml"]) == 0
    out = capsys.readouterr().out
    assert "completeness: 2 of 2 planned tests have results; 0 missing" in out, out
    assert "0 results not in the plan" in out, out
    merged = (tmp_path / "junit.xml").read_text()
    assert merged.count("<testcase") == 4
    assert 'type="missing"' not in merged
