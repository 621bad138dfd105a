"""Issue 11, items 4, 5, 8 and 9 (runner part): `paratest-split run` as a real process, hit by
real signals, real crashes of the test runner, a broken interpreter and bad hooks; plus the
faults that already held (signals in tests and hooks, hung tests, orphans), so they stay held.

Each test runs the installed `paratest-split` script on a copy of tests/fixtures/suites/basic
(plus a module of its own where a test needs one) and checks the exit code, the report and that
no traceback was printed. Self-contained: helpers come from tests/unit/runner/helpers.py only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from lxml import etree

from tests.unit.runner.helpers import (
    PLAIN,
    SLOW,
    children,
    copy_suite,
    make_plan,
    pid_alive,
    report_cases,
    suite_env,
)

pytestmark = pytest.mark.slow
SCRIPT = Path(sys.executable).parent / "paratest-split"
CRASH = "tests/test_crash.py"
LIMIT = 60.0  # no test here may take longer, whatever goes wrong

# A module whose second test kills its own runner (how: CRASH_HOW; when: CRASH_WHEN, "once" =
# only on the first attempt, "always" = on every attempt). Every test logs its runs.
CRASH_MODULE = """
import os
import signal
import subprocess
import time
from pathlib import Path

STATE = Path(os.environ["SUITE_STATE"])


def _log(name):
    with (STATE / "runs.log").open("a") as log:
        log.write(name + "\\n")


def test_a_passes():
    _log("a")


def test_b_crashes():
    _log("b")
    marker = STATE / "crashed-once"
    if os.environ.get("CRASH_WHEN") == "once" and marker.exists():
        return
    marker.write_text("1")
    child = subprocess.Popen(["sleep", "60"])  # must not outlive the crash
    (STATE / "child.pid").write_text(str(child.pid))
    how = os.environ["CRASH_HOW"]
    if how == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif how == "exit":
        os._exit(3)
    elif how == "sigkill":  # killed from outside (an OOM killer, a CI agent)
        (STATE / "runner.pid").write_text(str(os.getpid()))
        time.sleep(30)


def test_c_passes():
    _log("c")


def test_d_passes():
    _log("d")


def test_e_passes():
    _log("e")
"""
CRASH_TESTS = [f"{CRASH}::test_{n}" for n in ("a_passes", "b_crashes", "c_passes", "d_passes")]
CRASH_TESTS.append(f"{CRASH}::test_e_passes")


def _start(args: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCRIPT), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(args: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )
    _no_traceback(result.stdout, result.stderr)
    return result


def _launch(
    tmp_path: Path, tests: Sequence[str], *extra: str
) -> tuple[Path, subprocess.Popen[str], float]:
    """`run` started in the background on a copy of the basic suite: (suite, process, start)."""
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [list(tests)])
    return suite, _start(_shard(plan, *extra), suite, _env(tmp_path)), time.monotonic()


def _shard(plan: Path, *extra: str) -> list[str]:
    """`run` of shard 0 of `plan`, with `extra` options."""
    return ["run", "--plan", str(plan), "--index", "0", *extra]


def _no_traceback(out: str, err: str) -> None:
    assert "Traceback" not in err, err
    assert "Traceback (most recent call last)" not in out or "test_" in out, out


def _wait_for(path: Path, proc: subprocess.Popen[str], started: float) -> None:
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"exited {proc.returncode} before {path.name}: {err}\n{out}")
        assert time.monotonic() - started < LIMIT, f"{path.name} never appeared"
        time.sleep(0.02)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = suite_env(tmp_path)
    for name in list(env):
        if name.startswith(("PARATEST_", "CI_", "GITHUB_", "GITLAB_", "BUILDKITE")) or name in (
            "CI",
            "TEST_SHARD_STATUS_FILE",
        ):
            del env[name]
    env.update(extra)
    return env


def _last_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    return lines[-1]


def _report(suite: Path) -> dict[str, etree._Element]:
    path = suite / "paratest-results" / "shard-0.xml"
    assert path.is_file(), "no shard report was written"
    return report_cases(path)


def _message(case: etree._Element) -> str:
    return " ".join(str(child.get("message")) for child in case)


# -- item 4: an interrupt during teardown_workspace ------------------------------------------------


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGTERM,), (signal.SIGINT,), (signal.SIGTERM, signal.SIGINT, signal.SIGTERM)],
    ids=["SIGTERM", "SIGINT", "three"],
)
def test_interrupt_during_teardown_exits_2_and_teardown_completes(
    tmp_path: Path, signals: tuple[signal.Signals, ...]
) -> None:
    suite, proc, started = _launch(
        tmp_path,
        [f"{PLAIN}::test_ok"],
        "--teardown-workspace",
        "touch td-started; sleep 1; touch td-done",
    )
    _wait_for(suite / "td-started", proc, started)
    for signum in signals:
        proc.send_signal(signum)
        time.sleep(0.1)
    out, err = proc.communicate(timeout=LIMIT)
    _no_traceback(out, err)
    assert proc.returncode == 2, err
    assert (suite / "td-done").exists(), "the teardown did not complete"
    assert "interrupted" in _last_line(err)
    cases = _report(suite)
    assert children(cases["test_ok"]) == []  # the test's own result stands


def test_interrupt_during_a_hung_teardown_is_bounded_by_teardown_timeout(tmp_path: Path) -> None:
    suite, proc, started = _launch(
        tmp_path,
        [f"{PLAIN}::test_ok"],
        "--teardown-timeout",
        "1",
        "--grace",
        "1",
        "--teardown-workspace",
        "touch td-started; sleep 30",
    )
    _wait_for(suite / "td-started", proc, started)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=LIMIT)
    _no_traceback(out, err)
    assert proc.returncode == 2, err
    assert time.monotonic() - started < 20
    assert "teardown_workspace timed out" in err
    assert (suite / "paratest-results" / "shard-0.xml").is_file()


# -- item 5: a crash of the test runner ------------------------------------------------------------


def _crash_suite(tmp_path: Path) -> Path:
    suite = copy_suite("basic", tmp_path)
    (suite / CRASH).write_text(CRASH_MODULE, encoding="utf-8")
    return suite


def _runs(tmp_path: Path) -> list[str]:
    log = tmp_path / "state" / "runs.log"
    return log.read_text().split() if log.exists() else []


def _crash_run(
    tmp_path: Path, suite: Path, how: str, when: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    plan = make_plan(tmp_path / "plan", [CRASH_TESTS])
    args = _shard(plan, "--max-retry-fraction", "0.1", *extra)
    env = _env(tmp_path, CRASH_HOW=how, CRASH_WHEN=when)
    if how != "sigkill":
        return _run(args, suite, env)
    started = time.monotonic()
    proc = _start(args, suite, env)
    pid_file = tmp_path / "state" / "runner.pid"
    _wait_for(pid_file, proc, started)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    out, err = proc.communicate(timeout=LIMIT)
    _no_traceback(out, err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


CRASHES = {
    "segv": "killed by signal 11 (SIGSEGV)",
    "exit": "exited with code 3",
    "sigkill": "killed by signal 9 (SIGKILL)",
}


@pytest.mark.parametrize("how", sorted(CRASHES))
def test_crash_keeps_earlier_results_names_the_test_and_retries_the_rest(
    tmp_path: Path, how: str
) -> None:
    suite = _crash_suite(tmp_path)
    result = _crash_run(tmp_path, suite, how, "once", "--retries", "2")
    # 1 crash of 5 tests: under --max-retry-fraction 0.1 only because the 3 tests the crash
    # kept from running are not failures; the retry saves all of them
    assert result.returncode == 0, result.stderr
    assert _runs(tmp_path).count("a") == 1, "a test that passed before the crash ran again"
    cases = _report(suite)
    assert children(cases["test_a_passes"]) == []
    assert children(cases["test_b_crashes"]) == ["flakyError"]
    message = _message(cases["test_b_crashes"])
    assert "crashed while running this test" in message, message
    assert CRASHES[how] in message, message
    for name in ("test_c_passes", "test_d_passes", "test_e_passes"):
        assert children(cases[name]) == [], name  # not run is not flaky
    assert "(1 flaky)" in result.stderr
    # the retry line tells the crashed test from the ones it kept from running
    assert "attempt 2: re-running 1 failed test and 3 not reached after a crash" in result.stderr
    assert not pid_alive(int((tmp_path / "state" / "child.pid").read_text())), "orphan left"


def test_crash_without_retries_names_the_crashing_test_and_the_ones_not_run(
    tmp_path: Path,
) -> None:
    suite = _crash_suite(tmp_path)
    result = _crash_run(tmp_path, suite, "segv", "always")
    assert result.returncode == 1, result.stderr
    cases = _report(suite)
    assert children(cases["test_a_passes"]) == []
    crasher = cases["test_b_crashes"]
    assert children(crasher) == ["error", "system-out"]  # the runner's last words: a stack
    assert "crashed while running this test" in _message(crasher)
    assert "Segmentation fault" in str(crasher.findtext("system-out"))
    for name in ("test_c_passes", "test_d_passes", "test_e_passes"):
        assert children(cases[name]) == ["error"], name
        message = _message(cases[name])
        assert "not run" in message, message
        assert f"{CRASH}::test_b_crashes" in message, message
    assert f"{CRASH}::test_b_crashes" in result.stderr  # said once, on stderr, by name


def test_a_test_that_always_crashes_does_not_take_the_others_down(tmp_path: Path) -> None:
    suite = _crash_suite(tmp_path)
    result = _crash_run(tmp_path, suite, "exit", "always", "--retries", "1")
    assert result.returncode == 1, result.stderr
    cases = _report(suite)
    assert children(cases["test_b_crashes"])[:2] == ["error", "rerunError"]
    for name in ("test_a_passes", "test_c_passes", "test_d_passes", "test_e_passes"):
        assert children(cases[name]) == [], name
    assert "1 failed" in _last_line(result.stderr)


# -- item 8: an interpreter that cannot load the pytest plugin -------------------------------------


def _python_without_paratest(tmp_path: Path) -> Path:
    """A `python` (in a bin directory) with pytest and everything else of this venv, but not
    paratest-split: what a CI job gets when the tool runs from one environment and the
    project's interpreter is another."""
    site = Path(pytest.__file__).resolve().parents[1]
    shadow = tmp_path / "site"
    shadow.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith(("paratest_split", "_editable")) or entry.suffix == ".pth":
            continue
        (shadow / entry.name).symlink_to(entry)
    bin_dir = tmp_path / "other-bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(
        f'#!/bin/sh\nPYTHONPATH={shadow} exec {sys.executable} -S "$@"\n', encoding="utf-8"
    )
    (bin_dir / "pytest").write_text(f'#!/bin/sh\nexec {python} -m pytest "$@"\n', encoding="utf-8")
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    return python


@pytest.mark.parametrize("command", [(), ("--", "pytest")], ids=["default-runner", "pytest"])
def test_python_without_the_plugin_is_a_plugin_error_naming_the_interpreter(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    suite = copy_suite("basic", tmp_path)
    python = _python_without_paratest(tmp_path)
    env = _env(tmp_path)
    env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{PLAIN}::test_flaky"]])
    result = _run(_shard(plan, "--retries", "2", *command), suite, env)
    assert result.returncode == 11, result.stderr
    line = _last_line(result.stderr)
    assert str(python.parent / (command[-1] if command else "python")) in line, line
    assert "paratest_split" in line or "paratest-split" in line, line
    assert "install" in line, line
    assert "attempt 2" not in result.stderr  # no retry of a runner that cannot start
    cases = _report(suite)
    for name in ("test_ok", "test_flaky"):
        assert children(cases[name]) == ["error"]
        assert "not run" in _message(cases[name])


def test_pytest_refusing_its_command_line_is_a_usage_error_not_failed_tests(
    tmp_path: Path,
) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"]])
    result = _run(
        _shard(plan, "--retries", "1", "--discover-args=--no-such-pytest-option"),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 4, result.stderr
    line = _last_line(result.stderr)
    assert "refused its command line" in line, line
    assert "unrecognized arguments: --no-such-pytest-option" in line, line
    assert "attempt 2" not in result.stderr
    assert "not run" in _message(_report(suite)["test_ok"])


# -- item 9: placeholders in hooks, a COMMAND that cannot start ------------------------------------


@pytest.mark.parametrize(
    ("option", "command", "words"),
    [
        ("--setup-workspace", "echo {tests} > hook-ran", ("setup_workspace", "{tests}")),
        ("--setup-workspace", "echo {bogus} > hook-ran", ("setup_workspace", "{bogus}")),
        (
            "--teardown-workspace",
            'echo "{shards_}" > hook-ran',
            ("teardown_workspace", "{shards_}"),
        ),
        ("--setup-test", "echo {test} > hook-ran", ("setup_test", "{test}")),
    ],
)
def test_placeholder_without_a_value_in_a_hook_is_a_usage_error(
    tmp_path: Path, option: str, command: str, words: tuple[str, ...]
) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"]])
    result = _run(
        _shard(plan, "--per-test", option, command),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 4, result.stderr
    line = _last_line(result.stderr)
    for word in words:
        assert word in line, line
    assert not (suite / "hook-ran").exists(), "a hook ran with a placeholder left in it"
    cases = _report(suite)
    assert children(cases["test_ok"]) == ["error"]
    assert "not run" in _message(cases["test_ok"])


def test_shell_braces_that_are_no_placeholders_still_run(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok"]])
    hook = (
        "echo a b | awk '{print}' > awk.txt; echo ${HOME:+set} {} > more.txt; "
        "echo {shard}/{shards} > values.txt"
    )
    result = _run(
        _shard(plan, "--setup-workspace", hook),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert (suite / "awk.txt").read_text() == "a b\n"
    assert (suite / "more.txt").read_text() == "set {}\n"
    assert (suite / "values.txt").read_text() == "0/1\n"


def test_command_that_cannot_start_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{PLAIN}::test_flaky"]])
    result = _run(
        _shard(
            plan,
            "--retries",
            "2",
            "--teardown-workspace",
            "touch td-ran",
            "--",
            "nonexistent-command-xyz",
            "--junitxml={junit}",
        ),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 4, result.stderr
    line = _last_line(result.stderr)
    assert "nonexistent-command-xyz" in line, line
    assert "cannot start" in line, line
    assert "attempt 2" not in result.stderr
    assert (suite / "td-ran").exists()
    cases = _report(suite)
    for name in ("test_ok", "test_flaky"):
        assert children(cases[name]) == ["error"]
        assert "not run" in _message(cases[name])


# -- what already held: signals in tests and hooks, hung tests, orphans ----------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_a_test_kills_its_group_runs_teardown_exits_2(
    tmp_path: Path, signum: signal.Signals
) -> None:
    suite, proc, started = _launch(
        tmp_path,
        [f"{PLAIN}::test_ok", f"{SLOW}::test_long_child"],
        "--grace",
        "1",
        "--teardown-workspace",
        "touch td-ran",
    )
    pid_file = tmp_path / "state" / "sleep.pid"
    _wait_for(pid_file, proc, started)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=LIMIT)
    _no_traceback(out, err)
    assert proc.returncode == 2, err
    assert (suite / "td-ran").exists()
    assert not pid_alive(int(pid_file.read_text())), "the test's child outlived the shard"
    cases = _report(suite)
    assert children(cases["test_ok"]) == []
    assert children(cases["test_long_child"]) == ["error"]
    assert "interrupted" in _message(cases["test_long_child"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_setup_hook_stops_it_runs_teardown_exits_2(
    tmp_path: Path, signum: signal.Signals
) -> None:
    suite, proc, started = _launch(
        tmp_path,
        [f"{PLAIN}::test_ok"],
        "--grace",
        "1",
        "--setup-workspace",
        "touch setup-started; sleep 30; touch setup-done",
        "--teardown-workspace",
        "touch td-ran",
    )
    _wait_for(suite / "setup-started", proc, started)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=LIMIT)
    _no_traceback(out, err)
    assert proc.returncode == 2, err
    assert time.monotonic() - started < 20
    assert not (suite / "setup-done").exists()
    assert (suite / "td-ran").exists()
    cases = _report(suite)
    assert children(cases["test_ok"]) == ["error"]
    assert "interrupted" in _message(cases["test_ok"])


def test_hung_test_is_killed_by_test_timeout_with_its_children_and_the_shard_goes_on(
    tmp_path: Path,
) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{SLOW}::test_long_child", f"{PLAIN}::test_ok"]])
    started = time.monotonic()
    result = _run(
        _shard(
            plan,
            "--per-test",
            "--test-timeout",
            "6",
            "--grace",
            "1",
        ),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 1, result.stderr
    assert time.monotonic() - started < 30
    assert not pid_alive(int((tmp_path / "state" / "sleep.pid").read_text()))
    cases = _report(suite)
    assert children(cases["test_long_child"])[0] == "error"
    assert "timeout" in _message(cases["test_long_child"])
    assert children(cases["test_ok"]) == [], _message(cases["test_ok"])


def test_shard_timeout_stops_a_hang_and_reports_it(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{SLOW}::test_hang"]])
    started = time.monotonic()
    result = _run(
        _shard(plan, "--timeout", "4", "--grace", "1"),
        suite,
        _env(tmp_path),
    )
    assert result.returncode == 1, result.stderr
    assert time.monotonic() - started < 30
    assert "--timeout 4" in _last_line(result.stderr)
    cases = _report(suite)
    assert children(cases["test_ok"]) == []
    assert "timeout" in _message(cases["test_hang"])


def _system_python_without_paratest() -> Path | None:
    """The machine's own python3 (outside our venv) when it has pytest but not paratest-split:
    its pytest ends with an uncaught ImportError (exit 1), not pytest's usage error (exit 4)."""
    venv_bin = Path(sys.executable).parent
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != venv_bin
    )
    found = shutil.which("python3", path=path)
    if found is None:
        return None
    probe = subprocess.run(
        [
            found,
            "-I",
            "-c",
            "import pytest\ntry:\n import paratest_split\nexcept ImportError: pass\n"
            "else: raise SystemExit(3)",
        ],
        capture_output=True,
        check=False,
    )
    return Path(found) if probe.returncode == 0 else None


def test_another_python_whose_pytest_cannot_import_the_plugin_is_a_plugin_error(
    tmp_path: Path,
) -> None:
    system = _system_python_without_paratest()
    if system is None:
        pytest.skip("no python3 outside the venv that has pytest and lacks paratest-split")
    suite = copy_suite("basic", tmp_path)
    bin_dir = tmp_path / "other-bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(system)
    env = _env(tmp_path)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{PLAIN}::test_flaky"]])
    result = _run(_shard(plan, "--retries", "2"), suite, env)
    assert result.returncode == 11, result.stderr
    assert "cannot load paratest-split's pytest plugin" in _last_line(result.stderr)
    assert "attempt 2" not in result.stderr
