"""Issue 11, items 2, 9 and 10: lost shards and wrong paths that `merge` and `split` used to
pass over with a warning line and exit 0."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.faults.conftest import no_traceback, paratest

pytestmark = pytest.mark.slow


def _three_shards(project: Path) -> None:
    """Plan 3 shards of the three-module project and run every one (one test fails)."""
    plan = paratest(
        ["--shards", "3", "--discover", "pytest", "--group-by", "test", "--out", "plan"], project
    )
    assert plan.returncode == 0, plan.stderr
    for index in range(3):
        ran = paratest(["run", "--plan", "plan", "--index", str(index)], project)
        assert ran.returncode in (0, 1), ran.stderr


def test_merge_without_plan_fails_when_a_recorded_shard_has_no_report(three: Path) -> None:
    _three_shards(three)
    (three / "paratest-results" / "shard-1.xml").unlink()
    result = paratest(["merge", "paratest-results", "--no-plan", "-o", "junit.xml"], three)
    no_traceback(result)
    assert result.returncode == 1, result.stdout
    assert "PASSED" not in result.stdout
    assert "no report: shard 1 of 3" in result.stdout


def test_merge_without_plan_all_shards_present_checks_them(three: Path) -> None:
    _three_shards(three)
    result = paratest(["merge", "paratest-results", "--no-plan", "-o", "junit.xml"], three)
    assert result.returncode == 1, result.stdout  # test_b2 failed; nothing is lost
    assert "every shard the reports record has a report" in result.stdout


def test_skipped_bad_report_counts_as_a_lost_shard(three: Path) -> None:
    _three_shards(three)
    report = three / "paratest-results" / "shard-2.xml"
    report.write_text(report.read_text()[:200], encoding="utf-8")  # cut short: not XML
    result = paratest(
        ["merge", "paratest-results", "--no-plan", "--skip-bad-reports", "-o", "junit.xml"], three
    )
    no_traceback(result)
    assert result.returncode == 1, result.stdout
    assert "no report: shard 2 of 3" in result.stdout


def test_merge_paths_matching_nothing_with_a_plan_is_an_error(three: Path) -> None:
    _three_shards(three)  # the reports are in paratest-results/, the README used to say results/
    result = paratest(["merge", "results/**/*.xml", "--plan", "plan", "-o", "junit.xml"], three)
    no_traceback(result)
    assert result.returncode == 5, result.stdout
    assert "results/**/*.xml" in result.stderr
    assert "paratest-results" in result.stderr  # says where `run` writes
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (three / "junit.xml").exists()


def test_merge_says_which_implicit_plan_it_checks_against(three: Path) -> None:
    _three_shards(three)
    (three / "plan").rename(three / "paratest-plan")  # as `local` leaves it
    result = paratest(["merge", "paratest-results", "-o", "junit.xml"], three)
    assert result.returncode == 1, result.stderr  # test_b2
    assert "against the plan in paratest-plan/ (3 shards, 6 tests)" in result.stderr
    assert "--no-plan" in result.stderr


def test_split_with_a_named_history_file_that_does_not_exist_is_an_error(three: Path) -> None:
    result = paratest(
        ["--shards", "2", "--discover", "pytest", "--junit", "previous/junit.xml", "--out", "p"],
        three,
    )
    no_traceback(result)
    assert result.returncode == 10, result.stderr
    assert result.stderr.startswith("paratest-split: error: previous/junit.xml: no such file")
    assert not (three / "p").exists()


def test_split_with_a_glob_matching_nothing_still_plans(three: Path) -> None:
    result = paratest(
        ["--shards", "2", "--discover", "pytest", "--junit", "previous/**/*.xml", "--out", "p"],
        three,
    )
    assert result.returncode == 0, result.stderr  # a first build has no history yet
    assert "matched no JUnit file" in result.stderr


def test_a_symlinked_report_is_one_build_of_history(three: Path) -> None:
    _three_shards(three)
    history = three / "history" / "build-1"
    history.mkdir(parents=True)
    for report in (three / "paratest-results").glob("*.xml"):
        (history / report.name).write_bytes(report.read_bytes())
    (three / "history" / "latest").symlink_to("build-1")  # as CI artifact layouts often do
    (three / "history" / "loop").symlink_to(".")  # `**` through it reached each file many times
    result = paratest(["timings", "--junit", "history/**/*.xml", "--format", "json"], three)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["sources"]) == 3, data["sources"]
    builds = {row["builds"] for row in data["rows"]}
    assert builds == {1}, builds


def _bomb(path: Path, megabytes: int) -> Path:
    """A gzip'd report of one case repeated: ~340x expansion, like the one users met."""
    case = b'<testcase classname="tests.test_a" name="test_x" time="0.010"/>'
    block = case * 16000  # 1 MB
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(b'<testsuite name="bomb">')
        for _ in range(megabytes):
            packed.write(block)
        packed.write(b"</testsuite>")
    return path


def test_gzip_bomb_in_history_is_refused_quickly(three: Path) -> None:
    _bomb(three / "history.xml.gz", 100)
    result = paratest(
        ["--shards", "2", "--discover", "pytest", "--junit", "history.xml.gz", "--out", "p"],
        three,
    )
    no_traceback(result)
    assert result.returncode == 10, result.stderr
    assert "history.xml.gz: gzip data expands more than 200x" in result.stderr
    # (this file took ~9 s and planned from 1.6M duplicate cases before; 600 MB took 51 s)
    skipped = paratest(
        [
            "--shards",
            "2",
            "--discover",
            "pytest",
            "--junit",
            "history.xml.gz",
            "--out",
            "p",
            "--skip-bad-reports",
        ],
        three,
    )
    assert skipped.returncode == 0, skipped.stderr  # left out on request, said so
    assert "gzip data expands" in skipped.stderr


def test_an_untimed_case_is_not_read_as_zero_seconds_of_overhead(tmp_path: Path) -> None:
    """Suite time 2.0 s, cases 1.0 s + NaN: the NaN case's time came back as 1 s of
    collection overhead per file. A suite with an untimed case is left out of the fit."""
    (tmp_path / "h.xml").write_text(
        '<testsuite name="pytest" time="2.0">'
        '<testcase classname="tests.test_a" name="test_a1" time="1.0"/>'
        '<testcase classname="tests.test_a" name="test_a2" time="NaN"/></testsuite>',
        encoding="utf-8",
    )
    (tmp_path / "ids.txt").write_text("tests/test_a.py::test_a1\ntests/test_a.py::test_a2\n")
    result = paratest(
        ["--shards", "2", "--tests-from", "ids.txt", "--junit", "h.xml", "--out", "p"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    overhead = next(line for line in result.stdout.splitlines() if "overhead:" in line)
    assert "collection 0.000 s per file" in overhead, overhead
    assert "assumed" in overhead, overhead
