"""run_shard with shell-script tests (the `files` plugin, seed-style commands): placeholders and
quoting, plugin errors, teardown limits, exit-code verdicts, stops. Real processes, no pytest."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from paratest_split.config import Settings
from paratest_split.core.errors import ExitCode, UsageError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.files import FilesDiscoverer
from paratest_split.discovery.seed import command_argv
from paratest_split.runner import events as ev
from paratest_split.runner.shard import run_shard
from tests.unit.runner.helpers import (
    children,
    files_run,
    pid_alive,
    report_cases,
    script_suite,
)

A, B = "tests/a.sh", "tests/b.sh"


def _hooks(seen: list[ev.Event]) -> list[tuple[str, int | None]]:
    return [(e.hook, e.exit_code) for e in seen if isinstance(e, ev.HookFinished)]


def test_seed_shell_command_quotes_the_name_and_the_workspace(tmp_path: Path) -> None:
    name = "login; touch PWNED"
    workspace = script_suite(tmp_path / "my proj" / "$(touch PWNED)", {})
    (workspace / "run.sh").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    (workspace / "run.sh").chmod(0o755)
    command = command_argv("cd {WORKSPACE} && ./run.sh {TID_NAME} > out.log", name)
    run = files_run(
        tmp_path, workspace, [[name]], items=[TestItem(id=name, name=name, command=command)]
    )
    outcome = run_shard(run)
    assert outcome.exit_code is ExitCode.OK, outcome.message
    assert (workspace / "out.log").read_text() == f"{name}\n"  # one argument, intact
    assert not list(tmp_path.rglob("PWNED"))


def test_every_placeholder_is_filled_next_to_tests_and_in_shell_scripts(tmp_path: Path) -> None:
    workspace = script_suite(tmp_path / "w s", {"a.sh": "exit 0", "b.sh": "exit 0"})
    command = (
        "sh",
        "-c",
        'printf \'%s\\n\' "$@" > args.txt; echo "{workspace}" > ws.txt',
        "sh",
        "shard{shard}of{shards}:{tests}",
        "{output}/x",
    )
    seen: list[ev.Event] = []
    run = files_run(tmp_path, workspace, [[A, B], []], settings=Settings(command=command))
    outcome = run_shard(run, on_event=seen.append)
    assert outcome.exit_code is ExitCode.OK, outcome.message
    assert (workspace / "args.txt").read_text().splitlines() == [
        f"shard0of2:{A} {B}",
        f"{tmp_path / 'out'}/x",
    ]
    assert (workspace / "ws.txt").read_text() == f"{workspace}\n"
    # no {junit} in the command: its exit code is every test's verdict, and it says so
    assert sorted(report_cases(outcome.report)) == [A, B]
    assert any("names no {junit}" in w for w in outcome.warnings)


def test_without_junit_a_failing_exit_code_fails_every_test_of_the_command(
    tmp_path: Path,
) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0", "b.sh": "exit 0"})
    run = files_run(tmp_path, workspace, [[A, B]], settings=Settings(command=("false",)))
    outcome = run_shard(run)
    assert (outcome.exit_code, outcome.failed) == (ExitCode.TESTS_FAILED, 2)
    for case in report_cases(outcome.report).values():
        assert children(case) == ["failure"]
        assert case[0].get("message") == "exit code 1 (the verdict of all 2 tests of this command)"
        assert case.get("time") is None  # a share of the command's time is no test's timing


def test_files_run_as_their_own_programs_get_their_exit_codes(tmp_path: Path) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "echo fine", "b.sh": "echo bad; exit 3"})
    outcome = run_shard(files_run(tmp_path, workspace, [[A, B]]))
    assert outcome.exit_code is ExitCode.TESTS_FAILED
    cases = report_cases(outcome.report)
    assert children(cases[A]) == ["system-out"]
    assert children(cases[B]) == ["failure", "system-out"]
    assert cases[B][0].get("message") == "exit code 3"
    assert not outcome.warnings  # no COMMAND: judging by exit code is the documented rule


class _Broken(FilesDiscoverer):
    """A third-party plugin whose `invocations` crashes (on the attempt `fail_on`)."""

    name: ClassVar[str] = "broken"
    fail_on = 1
    calls = 0
    error: Exception = RuntimeError("cannot build the command")

    def invocations(self, request: RunRequest) -> list[Invocation]:
        self.calls += 1
        if self.calls >= self.fail_on:
            raise self.error
        return super().invocations(request)

    def discover(self, options: DiscoverOptions) -> list[TestItem]:  # pragma: no cover
        return super().discover(options)


def test_plugin_crash_before_setup_runs_no_hook_and_reports_every_test(tmp_path: Path) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0", "b.sh": "exit 0"})
    settings = Settings(setup_workspace="touch setup-ran", teardown_workspace="touch td-ran")
    seen: list[ev.Event] = []
    run = files_run(tmp_path, workspace, [[A, B]], settings=settings, discoverer=_Broken())
    outcome = run_shard(run, on_event=seen.append)
    assert outcome.exit_code is ExitCode.PLUGIN_ERROR
    assert "discovery plugin 'files' failed: RuntimeError: cannot build the command" in (
        outcome.message
    )
    assert _hooks(seen) == []  # nothing was set up, so nothing to tear down
    cases = report_cases(outcome.report)
    assert sorted(cases) == [A, B]
    assert all(children(c) == ["error"] for c in cases.values())
    assert str(cases[A][0].get("message")).startswith("not run: discovery plugin 'files'")


def test_plugin_error_on_a_retry_still_runs_teardowns_and_writes_the_report(
    tmp_path: Path,
) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0", "b.sh": "exit 1"})
    broken = _Broken()
    broken.fail_on = 2
    broken.error = UsageError("--discover-args: bad value")
    settings = Settings(retries=1, max_retry_fraction=1, teardown_workspace="touch td-ran")
    run = files_run(tmp_path, workspace, [[A, B]], settings=settings, discoverer=broken)
    outcome = run_shard(run)
    assert outcome.exit_code is ExitCode.USAGE_ERROR
    assert outcome.message.endswith("; --discover-args: bad value")
    assert (workspace / "td-ran").exists()
    cases = report_cases(outcome.report)
    assert children(cases[A]) == []  # its first attempt passed
    assert children(cases[B]) == ["failure"]


def test_hung_teardown_is_killed_after_teardown_timeout_and_exits_12(tmp_path: Path) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0"})
    settings = Settings(
        teardown_workspace="sleep 30 & echo $! > sleep.pid; wait", teardown_timeout=0.5, grace=0.5
    )
    started = time.monotonic()
    outcome = run_shard(files_run(tmp_path, workspace, [[A]], settings=settings))
    assert time.monotonic() - started < 5
    assert outcome.exit_code is ExitCode.HOOK_FAILED
    assert "teardown_workspace timed out (--teardown-timeout 0.5 s" in outcome.message
    assert not pid_alive(int((workspace / "sleep.pid").read_text()))
    assert children(report_cases(outcome.report)[A]) == []


def test_stop_labels_the_running_test_and_the_unstarted_one(tmp_path: Path) -> None:
    workspace = script_suite(
        tmp_path / "p", {"a.sh": "touch a-started; exec sleep 30", "b.sh": "exit 0"}
    )
    stop = threading.Event()

    def stopper() -> None:
        end = time.monotonic() + 10
        while not (workspace / "a-started").exists() and time.monotonic() < end:
            time.sleep(0.02)
        stop.set()

    thread = threading.Thread(target=stopper)
    thread.start()
    outcome = run_shard(
        files_run(tmp_path, workspace, [[A, B]], settings=Settings(grace=0.5)), stop=stop
    )
    thread.join()
    assert outcome.exit_code is ExitCode.INTERRUPTED
    cases = report_cases(outcome.report)
    assert cases[A][0].get("message") == "interrupted while running: the shard was stopped"
    assert cases[B][0].get("message") == "interrupted: not run, the shard was stopped"


def test_test_timeout_without_per_test_is_said_to_be_ignored(tmp_path: Path) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0"})
    outcome = run_shard(files_run(tmp_path, workspace, [[A]], settings=Settings(test_timeout=5)))
    assert outcome.exit_code is ExitCode.OK
    assert any("--test-timeout 5 is ignored without --per-test" in w for w in outcome.warnings)
    per_test = Settings(test_timeout=5, per_test=True)
    assert not run_shard(files_run(tmp_path, workspace, [[A]], settings=per_test)).warnings


@pytest.mark.parametrize(
    ("env", "attempt"),
    [({}, "1"), ({"GITHUB_RUN_ATTEMPT": "3"}, "3"), ({"BUILDKITE_RETRY_COUNT": "1"}, "2")],
)
def test_report_carries_the_ci_job_attempt(
    tmp_path: Path, env: dict[str, str], attempt: str
) -> None:
    workspace = script_suite(tmp_path / "p", {"a.sh": "exit 0"})
    outcome = run_shard(files_run(tmp_path, workspace, [[A]], env={"PATH": "/usr/bin:/bin", **env}))
    assert f'<property name="paratest.attempt" value="{attempt}"/>' in outcome.report.read_text()
