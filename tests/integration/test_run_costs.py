"""`run` keeps the pytest plugin's start-up and collection times in the shard report, and the
next plan learns the shard's fixed cost from shard reports alone (build N -> build N+1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.conftest import THREE_MODULES, paratest, write_project

pytestmark = pytest.mark.slow


def _build(tmp_path: Path) -> Path:
    """A CI build of a three-module project: a plan of 2 shards, and both shards run."""
    project = write_project(tmp_path / "p", THREE_MODULES)
    planned = paratest(["--shards", "2", "--discover", "pytest", "--out", "plan"], project)
    assert planned.returncode == 0, planned.stderr
    for index in (0, 1):
        ran = paratest(["run", "--plan", "plan", "--index", str(index)], project)
        assert ran.returncode in (0, 1), ran.stderr
    return project


def test_shard_reports_carry_costs_the_next_plan_learns(tmp_path: Path) -> None:
    project = _build(tmp_path)
    report = (project / "paratest-results" / "shard-0.xml").read_text(encoding="utf-8")
    assert 'name="paratest.startup"' in report
    assert 'name="paratest.collect"' in report
    assert 'name="paratest.collect:tests/' in report
    assert 'name="paratest.overhead"' in report
    assert 'name="paratest.overhead:tests/' in report
    again = paratest(
        ["--shards", "2", "--discover", "pytest", "--junit", "paratest-results", "--out", "p2"],
        project,
    )
    assert again.returncode == 0, again.stderr
    assert "learned from 2 report(s) with recorded collection times" in again.stdout + again.stderr


def test_merged_history_carries_costs_to_the_next_build(tmp_path: Path) -> None:
    """CI's way, build N -> build N+1: the shards' reports are merged and stored as history,
    and the next plan learns start-up and per-file costs from the merged report alone."""
    project = _build(tmp_path)
    merged = paratest(
        ["merge", "paratest-results", "--plan", "plan", "-o", "merged.xml", "--store", "history"],
        project,
    )
    assert merged.returncode == 1, merged.stderr  # test_b2 fails
    assert 'name="paratest.collect:tests/' in (project / "merged.xml").read_text(encoding="utf-8")
    again = paratest(
        ["--shards", "2", "--discover", "pytest", "--history-dir", "history", "--out", "p2"],
        project,
    )
    assert again.returncode == 0, again.stderr
    said = again.stdout + again.stderr
    assert "learned from 1 report(s) with recorded collection times" in said
    assert " over 3 files" in said  # each file's collection, learned from the shards
