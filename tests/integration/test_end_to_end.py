"""split -> run (3 shards, retries) -> merge, all real: pytest, subprocesses, JUnit files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest
from lxml import etree

SUITE = {
    "tests/test_api.py": (
        "import time\n\n"
        + "".join(f"def test_api_{i}():\n    time.sleep(0.01)\n\n" for i in range(5))
    ),
    "tests/test_db.py": (
        "import pathlib\n\n"
        "def test_flaky(tmp_path_factory):\n"
        "    marker = pathlib.Path('flaky-marker')\n"
        "    if not marker.exists():\n"
        "        marker.write_text('first attempt failed')\n"
        "        raise AssertionError('first attempt fails')\n\n"
        + "".join(f"def test_db_{i}():\n    pass\n\n" for i in range(4))
    ),
    "tests/test_ui.py": "".join(f"def test_ui_{i}():\n    pass\n\n" for i in range(4)),
}


def cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [sys.executable, "-m", "paratest_split", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("e2e")
    for rel, text in SUITE.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    split = cli(["--shards", "3", "--group-by", "file"], project)
    assert split.returncode == 0, split.stderr
    for index in range(3):
        result = cli(["run", "--index", str(index), "--retries", "1"], project)
        assert result.returncode == 0, result.stdout + result.stderr
    return project


def test_merge_of_real_run_reports(ran: Path) -> None:
    merged = cli(["merge", "paratest-results", "--plan", "paratest-plan", "-o", "junit.xml"], ran)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    xml = junitparser.JUnitXml.fromfile(str(ran / "junit.xml"))
    cases = [case for suite in xml for case in suite]
    names = [case.name for case in cases]
    assert sorted(names) == sorted(
        [f"test_api_{i}" for i in range(5)]
        + ["test_flaky"]
        + [f"test_db_{i}" for i in range(4)]
        + [f"test_ui_{i}" for i in range(4)]
    )
    assert xml.tests == 14
    assert xml.failures == 0
    assert xml.errors == 0
    root = etree.parse(str(ran / "junit.xml"))
    flaky = [case for case in root.iter("testcase") if case.get("name") == "test_flaky"]
    assert len(flaky) == 1
    failures = flaky[0].findall("flakyFailure")
    assert len(failures) == 1
    assert "first attempt fails" in failures[0].get("message", "")
    assert len(list(root.iter("flakyFailure"))) == 1


def test_missing_shard_report_is_named_and_fails(ran: Path, tmp_path: Path) -> None:
    results = ran / "paratest-results"
    kept = [p for p in sorted(results.glob("shard-*.xml")) if p.name != "shard-1.xml"]
    merged = cli(
        ["merge", *map(str, kept), "--plan", "paratest-plan", "-o", str(tmp_path / "m.xml")], ran
    )
    assert merged.returncode == 1, merged.stdout + merged.stderr
    plan_tests = (ran / "paratest-plan" / "shard-1.txt").read_text().split()
    assert plan_tests
    root = etree.parse(str(tmp_path / "m.xml"))
    errors = [error for error in root.iter("error") if error.get("type") == "missing"]
    assert len(errors) == len(plan_tests)
    assert all("shard 1" in error.get("message", "") for error in errors)
    assert "missing" in merged.stdout


def test_next_plan_learns_the_runner_overhead_from_shard_reports(ran: Path) -> None:
    # each shard report carries pytest's real wall time as its suite time; the cases' own
    # times sum to much less (start-up, collection), which the next plan must account for
    result = cli(
        ["--shards", "3", "--junit", "paratest-results", "--format", "json", "--out", "p2"], ran
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    learned = summary["per_test_overhead_seconds"] * 14 + summary["per_shard_overhead_seconds"] * 3
    assert learned > 0.3  # three pytest start-ups take well over 0.1 s each


def test_reports_from_another_plan_are_flagged(ran: Path, tmp_path: Path) -> None:
    other = cli(["--shards", "3", "--group-by", "test", "--out", str(tmp_path / "other")], ran)
    assert other.returncode == 0, other.stderr
    merged = cli(
        [
            "merge",
            "paratest-results",
            "--plan",
            str(tmp_path / "other"),
            "-o",
            str(tmp_path / "m.xml"),
        ],
        ran,
    )
    assert "was run from another plan" in merged.stdout + merged.stderr
    same = cli(
        ["merge", "paratest-results", "--plan", "paratest-plan", "-o", str(tmp_path / "s.xml")], ran
    )
    assert "another plan" not in same.stdout + same.stderr
