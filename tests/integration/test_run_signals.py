"""`paratest-split run` as a real process, stopped by SIGTERM/SIGINT in the middle of a test."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_test_runs_teardown_kills_everything_exits_2(
    tmp_path: Path, signum: signal.Signals
) -> None:
    suite = copy_suite("basic", tmp_path)
    state = tmp_path / "state"
    plan = make_plan(tmp_path / "plan", [[f"{PLAIN}::test_ok", f"{SLOW}::test_long_child"]])
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            str(SCRIPT),
            "run",
            "--plan",
            str(plan),
            "--index",
            "0",
            "--grace",
            "2",
            "--teardown-workspace",
            "echo tearing down; touch teardown-ran",
        ],
        cwd=suite,
        env=suite_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid_file = state / "sleep.pid"
    while not pid_file.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - started < 12, "the long test never started"
        time.sleep(0.05)
    sleep_pid = int(pid_file.read_text())
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 2, err
    assert time.monotonic() - started < 15
    assert (suite / "teardown-ran").exists()
    assert "[shard 0 teardown_workspace] tearing down" in err
    assert not pid_alive(sleep_pid)
    cases = report_cases(suite / "paratest-results" / "shard-0.xml")
    assert children(cases["test_ok"]) == []
    assert children(cases["test_long_child"]) == ["error"]
    assert "interrupted" in str(cases["test_long_child"][0].get("message"))
    assert "test_plain.py" in out  # the runner's own output streamed through
