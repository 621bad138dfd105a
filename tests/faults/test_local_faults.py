"""Issue 11, item 3: two `paratest-split local` runs in one directory.

They used to share workspaces, shard reports and the plan with no lock: one run's merged report
held the other's tests (7 missing) and both stored the mix as timing history. Now the second
run is refused at once, naming the first one's pid, and the first one is untouched.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.conftest import SCRIPT, no_traceback, paratest, tool_env, write_project

pytestmark = pytest.mark.slow

SLOW_PROJECT = {
    "tests/test_fast.py": "def test_one():\n    pass\n\ndef test_two():\n    pass\n",
    "tests/test_slow.py": (
        "import os, pathlib, time\n\n"
        "def test_slow():\n"
        "    pathlib.Path(os.environ['MARKER']).touch()\n"
        "    time.sleep(float(os.environ.get('SLEEP', '4')))\n"
    ),
}


def _start_local(project: Path, marker: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(SCRIPT), "local", "--shards", "2", "--discover", "pytest", "--format", "json"],
        cwd=project,
        env=tool_env({"MARKER": str(marker)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first run never reached its slow test"
        time.sleep(0.05)
    return proc


def test_second_local_run_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", SLOW_PROJECT)
    first = _start_local(project, tmp_path / "marker-1")
    second = paratest(
        ["local", "--shards", "2", "--discover", "pytest"],
        project,
        env={"MARKER": str(tmp_path / "marker-2"), "SLEEP": "0"},
    )
    no_traceback(second)
    assert second.returncode == 4, second.stderr
    assert f"(pid {first.pid})" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert not (tmp_path / "marker-2").exists(), "the refused run ran tests"
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    merged = (project / "paratest-results" / "junit.xml").read_text(encoding="utf-8")
    assert merged.count("<testcase") == 3
    assert "missing" not in merged
    stored = list((project / ".paratest" / "history").glob("*.xml*"))
    assert len(stored) == 1, stored  # one run, one build of history
    # the lock goes with its run: the next one may start
    again = paratest(
        ["local", "--shards", "2", "--discover", "pytest"],
        project,
        env={"MARKER": str(tmp_path / "marker-3"), "SLEEP": "0"},
    )
    assert again.returncode == 0, again.stderr


def test_a_killed_run_leaves_no_stale_lock(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", SLOW_PROJECT)
    first = _start_local(project, tmp_path / "marker-1")
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    # its pytest children may still run for a moment; they hold no lock
    after = paratest(
        ["local", "--shards", "2", "--discover", "pytest"],
        project,
        env={"MARKER": str(tmp_path / "marker-2"), "SLEEP": "0"},
    )
    no_traceback(after)
    assert after.returncode == 0, after.stderr
