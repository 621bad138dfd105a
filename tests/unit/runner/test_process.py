from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from paratest_split.runner.process import run_process
from tests.unit.runner.helpers import pid_alive

ENV = dict(os.environ)


def test_output_is_streamed_line_by_line(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_process(
        ["sh", "-c", "echo one; printf 'two\\r\\nthree'; echo err >&2; exit 4"],
        cwd=tmp_path,
        env=ENV,
        on_line=lines.append,
    )
    assert result.returncode == 4
    # one pipe for stdout and stderr: the unterminated "three" and "err" share a line
    assert lines == ["one", "two", "threeerr"]
    assert "one" in result.output


def test_deadline_kills_the_whole_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    result = run_process(
        ["sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"],
        cwd=tmp_path,
        env=ENV,
        deadline=time.monotonic() + 0.5,
        grace=1,
    )
    assert result.timed_out
    assert result.returncode is None
    assert time.monotonic() - started < 5
    assert not pid_alive(int(pid_file.read_text()))


def test_sigterm_ignored_means_sigkill_after_grace(tmp_path: Path) -> None:
    stop = threading.Event()
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(30)"
    )

    def on_line(line: str) -> None:
        if line == "ready":  # SIGTERM is ignored from now on: stop it
            stop.set()

    started = time.monotonic()
    result = run_process(
        [sys.executable, "-c", script], cwd=tmp_path, env=ENV, stop=stop, on_line=on_line, grace=0.5
    )
    assert result.stopped
    assert result.output == "ready"
    assert 0.4 < time.monotonic() - started < 10


def test_leftover_children_of_a_runner_are_killed_and_do_not_block(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    # the background sleep keeps our pipe open after the shell exits
    result = run_process(
        ["sh", "-c", f"sleep 30 & echo $! > {pid_file}; echo done"], cwd=tmp_path, env=ENV, grace=1
    )
    assert result.returncode == 0
    assert time.monotonic() - started < 5
    assert not pid_alive(int(pid_file.read_text()))


def test_hook_style_leaves_background_services_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    result = run_process(
        ["sh", "-c", f"sleep 30 > /dev/null 2>&1 & echo $! > {pid_file}"],
        cwd=tmp_path,
        env=ENV,
        kill_leftovers=False,
    )
    pid = int(pid_file.read_text())
    try:
        assert result.returncode == 0
        assert pid_alive(pid)
    finally:
        os.kill(pid, 9)


def test_missing_program_is_reported_not_raised(tmp_path: Path) -> None:
    result = run_process(["no-such-program-xyz"], cwd=tmp_path, env=ENV)
    assert result.returncode == 127
    assert "cannot start 'no-such-program-xyz'" in result.start_error
