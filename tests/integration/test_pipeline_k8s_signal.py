"""Deleting a pod of the generated Kubernetes Job: SIGTERM reaches `paratest-split run`, whose
teardown_workspace runs.

The container's command string is taken from the rendered manifest, with `$$` turned into `$`
as Kubernetes does, and run as the container would: `/bin/sh -c SCRIPT` (dash here, as in the
python:*-slim images), with JOB_COMPLETION_INDEX and JOB_NAME set, in a tiny pytest project
whose only test sleeps. Only the shared volume's path (`/paratest`) is moved into a temporary
directory. SIGTERM goes to the shell's pid alone, as the kubelet sends it to PID 1. The same
script without `exec` is the control: there the shell stands between, and no teardown runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from paratest_split.config import Settings
from paratest_split.render import render
from paratest_split.render.base import spec_from_settings
from paratest_split.render.k8s import MOUNT

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
TEST = """\
import time


def test_waits_for_the_signal():
    time.sleep(60)
"""


def _container_script(log: Path) -> str:
    settings = Settings(
        shards=1,
        install=f'export PATH="{BIN}:$PATH"',
        discover="pytest",
        setup_workspace=f"echo setup >> {log}",
        teardown_workspace=f"echo teardown >> {log}",
        grace=2,
    )
    doc = list(yaml.safe_load_all(render("k8s", spec_from_settings(settings))))[1]
    args = doc["spec"]["template"]["spec"]["containers"][0]["args"]
    assert doc["spec"]["template"]["spec"]["containers"][0]["command"] == ["/bin/sh", "-c"]
    return str(args[0]).replace("$$", "$")  # what Kubernetes hands to the shell


def _start(tmp_path: Path, script: str) -> tuple[subprocess.Popen[str], Path]:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_wait.py").write_text(TEST)
    volume = tmp_path / "volume"
    volume.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARATEST_")}
    env.update(JOB_COMPLETION_INDEX="0", JOB_NAME="paratest-x7k2p")
    proc = subprocess.Popen(
        ["/bin/sh", "-c", script.replace(MOUNT + "/", f"{volume}/")],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # to clean up the control's orphans, never to signal the test
    )
    return proc, volume


def _wait_for(path: Path, line: str, proc: subprocess.Popen[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and line in path.read_text().split():
            return True
        if proc.poll() is not None and line == "setup":
            raise AssertionError(proc.communicate()[0])
        time.sleep(0.1)
    return False


def test_sigterm_to_the_containers_shell_runs_teardown_workspace(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    script = _container_script(log)
    assert script.splitlines()[-1].startswith("exec paratest-split run ")
    proc, volume = _start(tmp_path, script)
    try:
        assert _wait_for(log, "setup", proc, 60), "the shard never started its test"
        time.sleep(1)  # the test is sleeping now
        os.kill(proc.pid, signal.SIGTERM)  # the kubelet: SIGTERM to PID 1 only
        out = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert log.read_text().split() == ["setup", "teardown"], out
    assert proc.returncode == 2, out  # interrupted
    # the report went to this run's own directory on the volume
    assert (volume / "runs" / "paratest-x7k2p" / "shard-0.xml").is_file(), out


def test_control_without_exec_the_shell_keeps_the_signal_from_paratest(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    script = _container_script(log).replace("exec paratest-split run ", "paratest-split run ")
    proc, _volume = _start(tmp_path, script)
    try:
        assert _wait_for(log, "setup", proc, 60), "the shard never started its test"
        time.sleep(1)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)  # the shell dies; paratest-split runs on, unaware
        assert not _wait_for(log, "teardown", proc, 5)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the orphaned paratest-split and pytest
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
