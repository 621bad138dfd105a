"""Issue 9: `run` without --discover-args used to run bare pytest ("collected 0 items", every
test failed). The plan records the discovery arguments and `run` uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.conftest import paratest, write_project

pytestmark = pytest.mark.slow

ARGS = "-o python_files=check_*.py -o python_functions=check_*"
PROJECT = {
    "checks/check_things.py": "def check_one():\n    pass\n\ndef check_two():\n    pass\n",
}


def _plan(project: Path) -> None:
    planned = paratest(
        ["--shards", "1", "--discover", "pytest", "--discover-args", ARGS, "--out", "plan"],
        project,
    )
    assert planned.returncode == 0, planned.stderr
    assert (project / "plan" / "shard-0.txt").read_text().split() == [
        "checks/check_things.py::check_one",
        "checks/check_things.py::check_two",
    ]


def test_run_uses_the_plans_discovery_arguments(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", PROJECT)
    _plan(project)
    ran = paratest(["run", "--plan", "plan", "--index", "0"], project)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = (project / "paratest-results" / "shard-0.xml").read_text()
    assert report.count("<testcase") == 2
    assert "<error" not in report
    assert "<failure" not in report


def test_run_with_other_arguments_says_so(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", PROJECT)
    _plan(project)
    ran = paratest(
        ["run", "--plan", "plan", "--index", "0", "--discover-args", ARGS + " -q"], project
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "differ from the plan's" in ran.stderr
