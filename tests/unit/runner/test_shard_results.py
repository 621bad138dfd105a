"""run_shard: ids, placeholders, per-test mode, empty shards, matching (real processes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from paratest_split.config import Settings
from paratest_split.core.errors import BadInputError, ExitCode
from paratest_split.core.model import TestItem
from paratest_split.manifest import read_plan, write_plan
from paratest_split.runner.shard import run_shard
from tests.unit.runner.helpers import PLAIN, children, copy_suite, report_cases, shard_run

pytestmark = pytest.mark.slow


def test_hostile_ids_run_and_nothing_is_executed(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    tests = [
        f"{PLAIN}::test_hostile[$(touch PWNED)]",
        f"{PLAIN}::test_hostile[`touch PWNED`]",
        f"{PLAIN}::test_hostile[x; touch PWNED]",
        f'{PLAIN}::test_hostile[it\'s "quoted"]',
    ]
    hook = "echo {tests_file} > hook-saw.txt; cat {tests_file} >> hook-saw.txt"
    settings = Settings(setup_workspace=hook, teardown_workspace=hook, per_test=False)
    outcome = run_shard(shard_run(tmp_path, suite, [tests], settings=settings))
    assert outcome.exit_code is ExitCode.OK, outcome.message
    assert len(report_cases(outcome.report)) == 4
    assert not list(tmp_path.rglob("PWNED"))
    assert "$(touch PWNED)" in (suite / "hook-saw.txt").read_text()


def test_hostile_ids_as_argv_items_and_per_test(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    tests = [f"{PLAIN}::test_hostile[$(touch PWNED)]", f"{PLAIN}::test_hostile[`touch PWNED`]"]
    settings = Settings(
        command=("python", "-m", "pytest", "{tests}"),
        per_test=True,
        setup_test="echo setting up {tests_file}",
    )
    outcome = run_shard(shard_run(tmp_path, suite, [tests], settings=settings))
    assert outcome.exit_code is ExitCode.OK, outcome.message
    assert not list(tmp_path.rglob("PWNED"))


def test_empty_shard_writes_an_empty_report(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    settings = Settings(setup_workspace="touch setup-ran")
    outcome = run_shard(
        shard_run(tmp_path, suite, [[f"{PLAIN}::test_ok"], []], index=1, settings=settings)
    )
    assert (outcome.exit_code, outcome.attempts) == (ExitCode.OK, 0)
    assert report_cases(outcome.report) == {}
    assert outcome.report.name == "shard-1.xml"
    assert not (suite / "setup-ran").exists()


def test_index_out_of_range(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    run = shard_run(tmp_path, suite, [[], []], index=7)
    with pytest.raises(BadInputError, match=r"plan has 2 shards .*index 7 requested"):
        run_shard(run)


def test_missing_test_counts_as_error_never_as_passed(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    tests = [f"{PLAIN}::test_ok", f"{PLAIN}::test_gone"]
    outcome = run_shard(shard_run(tmp_path, suite, [tests]))
    assert outcome.exit_code is ExitCode.TESTS_FAILED
    cases = report_cases(outcome.report)
    assert children(cases["test_ok"]) == []
    assert children(cases["test_gone"]) == ["error"]
    assert str(cases["test_gone"][0].get("message")).startswith("no result: the runner crashed")


def test_results_for_tests_outside_the_shard_are_kept_with_a_warning(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    # names {tests_file}, so no ids are appended: the command decides what runs
    command = (
        "python",
        "-m",
        "pytest",
        f"{PLAIN}::test_ok",
        f"{PLAIN}::test_skipped",
        "--paratest-progress={tests_file}.progress",
    )
    outcome = run_shard(
        shard_run(tmp_path, suite, [[f"{PLAIN}::test_ok"]], settings=Settings(command=command))
    )
    assert outcome.exit_code is ExitCode.OK, outcome.message
    cases = report_cases(outcome.report)
    assert sorted(cases) == ["test_ok", "test_skipped"]
    assert any("1 result(s) for tests not in shard 0" in w for w in outcome.warnings)


def test_seed_plugin_commands_run_per_test_and_exit_code_decides(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    run = shard_run(
        tmp_path,
        suite,
        [["seed/ok", "seed/boom"]],
        settings=Settings(setup_test="echo setup {shard}"),
    )
    items = (
        TestItem(id="seed/ok", command=("sh", "-c", "echo fine in {workspace}")),
        TestItem(id="seed/boom", command=("sh", "-c", "echo boom; exit 2")),
    )
    write_plan(dataclasses.replace(run.plan, items=items), tmp_path / "plan")
    outcome = run_shard(dataclasses.replace(run, plan=read_plan(tmp_path / "plan")))
    assert outcome.exit_code is ExitCode.TESTS_FAILED
    assert outcome.attempts == 1
    cases = report_cases(outcome.report)
    assert children(cases["seed/ok"]) == ["system-out"]
    assert cases["seed/ok"].findtext("system-out") == f"fine in {suite}"
    assert children(cases["seed/boom"]) == ["failure", "system-out"]
    assert cases["seed/boom"][0].get("message") == "exit code 2"
