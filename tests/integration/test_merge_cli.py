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
from pathlib import Path

import junitparser
import pytest

from paratest_split.cli import main
from paratest_split.identity import pytest_item
from paratest_split.junit.reader import iter_timing_rows, read_report
from paratest_split.junit.writer import write_report
from paratest_split.manifest import write_plan
from paratest_split.model import CaseResult, GroupBy, Plan, Shard
from paratest_split.retry import fold
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
