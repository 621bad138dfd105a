"""run_shard when things go wrong: failing setup, timeouts, `stop` (real processes)."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from paratest_split.config import Settings
from paratest_split.core.errors import ExitCode
from paratest_split.runner import events as ev
from paratest_split.runner.shard import run_shard
from tests.unit.runner.helpers import (
    PLAIN,
    SLOW,
    children,
    copy_suite,
    files_run,
    pid_alive,
    report_cases,
    script_suite,
    shard_run,
)

A, B = "tests/a.sh", "tests/b.sh"

pytestmark = pytest.mark.slow


def _wait_for(path: Path, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def test_failing_setup_workspace_stops_the_shard_but_teardowns_run(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    settings = Settings(
        setup="touch setup-ran",
        setup_workspace="echo preparing {shard}; exit 3",
        teardown_workspace="touch teardown-workspace-ran",
        teardown="touch teardown-ran",
    )
    run = dataclasses.replace(
        shard_run(tmp_path, suite, [[f"{PLAIN}::test_ok"]], settings=settings), plan_hooks=True
    )
    seen: list[ev.Event] = []
    outcome = run_shard(run, on_event=seen.append)
    assert outcome.exit_code is ExitCode.HOOK_FAILED
    assert "setup_workspace failed (exit 3)" in outcome.message
    assert (suite / "setup-ran").exists()
    assert (suite / "teardown-workspace-ran").exists()
    assert (suite / "teardown-ran").exists()
    assert outcome.attempts == 0
    case = report_cases(outcome.report)["test_ok"]
    assert children(case) == ["error"]
    assert "not run: setup_workspace failed (exit 3)" in str(case[0].get("message"))
    lines = [e.prefixed for e in seen if isinstance(e, ev.Output)]
    assert lines == ["[shard 0 setup_workspace] preparing 0"]
    hooks = [(e.hook, e.exit_code) for e in seen if isinstance(e, ev.HookFinished)]
    assert hooks == [
        ("setup", 0),
        ("setup_workspace", 3),
        ("teardown_workspace", 0),
        ("teardown", 0),
    ]


def test_failing_teardown_exits_12_after_passing_tests(tmp_path: Path) -> None:
    project = script_suite(tmp_path / "p", {"a.sh": "exit 0"})
    settings = Settings(teardown_workspace="exit 4")
    outcome = run_shard(files_run(tmp_path, project, [[A]], settings=settings))
    assert outcome.exit_code is ExitCode.HOOK_FAILED
    assert "teardown_workspace failed (exit 4)" in outcome.message
    assert children(report_cases(outcome.report)[A]) == []


def test_hung_batch_is_killed_on_shard_timeout(tmp_path: Path) -> None:
    project = script_suite(
        tmp_path / "p", {"a.sh": "exit 0", "b.sh": "sleep 30 & echo $! > sleep.pid; wait"}
    )
    settings = Settings(
        timeout=1.5,
        grace=0.5,
        teardown_workspace="touch teardown-ran",
        retries=2,
        max_retry_fraction=1,
    )
    started = time.monotonic()
    outcome = run_shard(files_run(tmp_path, project, [[A, B]], settings=settings))
    assert time.monotonic() - started < 8
    assert outcome.exit_code is ExitCode.TESTS_FAILED
    assert "--timeout 1.5" in outcome.message
    assert outcome.attempts == 1  # no retry after a timeout
    cases = report_cases(outcome.report)
    assert children(cases[B]) == ["error"]
    assert cases[B][0].get("message") == (
        "timeout while running: the shard's --timeout of 1.5 s expired"
    )
    assert not pid_alive(int((project / "sleep.pid").read_text()))
    assert children(cases[A]) == []  # finished before the kill
    assert (project / "teardown-ran").exists()


def test_per_test_timeout_kills_one_test_and_the_shard_goes_on(tmp_path: Path) -> None:
    project = script_suite(tmp_path / "p", {"a.sh": "exec sleep 30", "b.sh": "exit 0"})
    settings = Settings(
        per_test=True, test_timeout=1, grace=0.5, teardown_test="echo {tests_file} >> teardowns.txt"
    )
    outcome = run_shard(files_run(tmp_path, project, [[A, B]], settings=settings))
    assert outcome.exit_code is ExitCode.TESTS_FAILED
    cases = report_cases(outcome.report)
    assert "killed after 1 s (--test-timeout)" in str(cases[A][0].get("message"))
    assert children(cases[B]) == []
    assert len((project / "teardowns.txt").read_text().splitlines()) == 2


def test_stop_event_kills_the_group_runs_teardowns_and_exits_2(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    state = tmp_path / "state"
    tests = [f"{PLAIN}::test_ok", f"{SLOW}::test_long_child", f"{PLAIN}::test_flaky"]
    settings = Settings(teardown_workspace="touch teardown-ran", grace=2, retries=1)
    stop = threading.Event()

    def stopper() -> None:
        _wait_for(state / "sleep.pid")
        stop.set()

    thread = threading.Thread(target=stopper)
    thread.start()
    started = time.monotonic()
    outcome = run_shard(shard_run(tmp_path, suite, [tests], settings=settings), stop=stop)
    thread.join()
    assert time.monotonic() - started < 15
    assert outcome.exit_code is ExitCode.INTERRUPTED
    assert (suite / "teardown-ran").exists()
    assert not pid_alive(int((state / "sleep.pid").read_text()))
    cases = report_cases(outcome.report)
    # collection order: test_plain.py ran first; its outcomes come from the live progress
    assert children(cases["test_ok"]) == []
    assert children(cases["test_flaky"]) == ["failure"]
    assert "from the live progress" in str(cases["test_flaky"][0].get("message"))
    assert children(cases["test_long_child"]) == ["error"]
    assert "interrupted" in str(cases["test_long_child"][0].get("message"))
    assert outcome.attempts == 1  # no retry after a stop
