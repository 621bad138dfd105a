"""`paratest-split run` through cli.main, on a real pytest suite in a temp dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from paratest_split.cli import main
from tests.unit.runner.helpers import (
    PLAIN,
    children,
    copy_suite,
    files_run,
    make_plan,
    report_cases,
    script_suite,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = copy_suite("basic", tmp_path)
    monkeypatch.chdir(path)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("SUITE_STATE", str(tmp_path / "state"))
    for name in ("CI_NODE_INDEX", "CI_NODE_TOTAL", "CIRCLE_NODE_INDEX", "BUILDKITE_PARALLEL_JOB"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_flaky_retried_via_cli_exits_0_with_flaky_failure(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{PLAIN}::test_flaky"]])
    code = main(
        [
            "run",
            "--plan",
            str(plan),
            "--index",
            "0",
            "--retries",
            "1",
            "--max-retry-fraction",
            "1",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    cases = report_cases(tmp_path / "out" / "shard-0.xml")
    assert children(cases["test_flaky"]) == ["flakyFailure"]
    err = capsys.readouterr().err
    assert "attempt 2: re-running 1 failed test" in err
    assert "(1 flaky)" in err


def test_custom_command_with_tests_placeholder_and_hostile_ids(suite: Path, tmp_path: Path) -> None:
    tests = [
        f"{PLAIN}::test_hostile[$(touch PWNED)]",
        f"{PLAIN}::test_hostile[`touch PWNED`]",
        f"{PLAIN}::test_hostile[x; touch PWNED]",
    ]
    plan = make_plan(tmp_path / "plan", [tests])
    code = main(
        [
            "run",
            "--plan",
            str(plan),
            "--index",
            "0",
            "--output",
            "results",
            "--setup-workspace",
            "cat {tests_file}",
            "--",
            "python",
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "{tests}",
        ]
    )
    assert code == 0
    assert len(report_cases(suite / "results" / "shard-0.xml")) == 3
    assert not list(tmp_path.rglob("PWNED"))


def test_empty_shard_passes_with_an_empty_report(suite: Path, tmp_path: Path) -> None:
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"], []])
    assert main(["run", "--plan", str(plan), "--index", "1"]) == 0
    assert report_cases(suite / "paratest-results" / "shard-1.xml") == {}


def test_index_out_of_range_exits_10(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"], []])
    assert main(["run", "--plan", str(plan), "--index", "7"]) == 10
    err = capsys.readouterr().err
    assert "plan.json: plan has 2 shards (0-1, 0-based), index 7 requested" in err
    assert not (suite / "paratest-results").exists()


def test_missing_plan_exits_10(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--plan", str(tmp_path / "nowhere"), "--index", "0"]) == 10
    err = capsys.readouterr().err
    assert "nowhere/plan.json" in err
    assert "Traceback" not in err


def test_index_auto_reads_gitlab_one_based_index(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan(tmp_path / "plan", [[], [f"{PLAIN}::test_ok"]])
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "2")
    assert main(["run", "--plan", str(plan), "--index", "auto"]) == 0
    assert sorted(report_cases(suite / "paratest-results" / "shard-1.xml")) == ["test_ok"]


def test_index_auto_without_ci_is_a_usage_error(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"]])
    assert main(["run", "--plan", str(plan), "--index", "auto"]) == 4
    assert "--index auto: no CI executor variable found" in capsys.readouterr().err


def test_failing_setup_workspace_exits_12_and_teardown_runs(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"]])
    code = main(
        [
            "run",
            "--plan",
            str(plan),
            "--index",
            "0",
            "--plan-hooks",
            "--setup-workspace",
            "echo cannot create database >&2; exit 3",
            "--teardown-workspace",
            "touch teardown-workspace-ran",
            "--teardown",
            "touch teardown-ran",
        ]
    )
    assert code == 12
    err = capsys.readouterr().err
    assert "[shard 0 setup_workspace] cannot create database" in err
    assert "setup_workspace failed (exit 3)" in err
    assert (suite / "teardown-workspace-ran").exists()
    assert (suite / "teardown-ran").exists()  # --plan-hooks: this executor runs them too
    case = report_cases(suite / "paratest-results" / "shard-0.xml")["test_ok"]
    assert children(case) == ["error"]


@pytest.fixture
def scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `files` project of two shell-script tests (no pytest: fast) and its plan."""
    project = script_suite(tmp_path / "project", {"a.sh": "exit 0", "b.sh": "exit 0"})
    monkeypatch.chdir(project)
    for name in ("TEST_SHARD_STATUS_FILE", "GITHUB_RUN_ATTEMPT", "CI_NODE_INDEX"):
        monkeypatch.delenv(name, raising=False)
    files_run(tmp_path, project, [["tests/a.sh", "tests/b.sh"]])  # writes tmp_path/plan
    return project


def test_once_per_plan_hooks_do_not_run_on_an_executor(
    scripts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = [
        "--setup",
        "touch setup-ran",
        "--teardown",
        "touch teardown-ran",
        "--setup-workspace",
        "touch ws-setup-ran",
    ]
    assert main(["run", "--plan", str(tmp_path / "plan"), "--index", "0", *hooks]) == 0
    assert "setup/teardown run once per plan: in the plan/merge job or with --plan-hooks" in (
        capsys.readouterr().err
    )
    assert (scripts / "ws-setup-ran").exists()
    assert not (scripts / "setup-ran").exists()
    assert not (scripts / "teardown-ran").exists()
    assert (
        main(["run", "--plan", str(tmp_path / "plan"), "--index", "0", "--plan-hooks", *hooks]) == 0
    )
    assert (scripts / "setup-ran").exists()
    assert (scripts / "teardown-ran").exists()
    assert "once per plan" not in capsys.readouterr().err


def test_bazel_status_file_exists_before_the_tests_run(
    scripts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = tmp_path / "bazel-status"
    monkeypatch.setenv("TEST_SHARD_STATUS_FILE", str(status))
    # the tests see the file already (Bazel checks it even when a run dies midway)
    assert (
        main(
            [
                "run",
                "--plan",
                str(tmp_path / "plan"),
                "--index",
                "0",
                "--",
                "sh",
                "-c",
                'test -e "$TEST_SHARD_STATUS_FILE"',
            ]
        )
        == 0
    )
    assert status.exists()
