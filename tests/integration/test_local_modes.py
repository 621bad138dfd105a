"""`paratest-split local` end to end, part 2: dynamic mode, failures, SIGTERM.

Small sleep suites (a second or two each) keep this file fast; speed-up numbers are measured
by benchmarks/local_speedup.py, not asserted here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paratest_split.cli import main
from tests.integration.test_local import IDS, _cases, _plan, _write, project

__all__ = ["project"]  # the fixture, shared with test_local.py

pytestmark = pytest.mark.slow


def test_dynamic_workers_keep_their_workspace(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "--shards", "2", "--dynamic", "--group-by", "file", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0, summary
    assert summary["mode"] == "dynamic"
    assert summary["tests"] == len(IDS)
    assert summary["missing"] == 0
    assert sum(w["units"] for w in summary["workers"]) == 3  # one unit per file
    assert len(summary["workers"]) == 2
    log = (project / "hooks.log").read_text().split("\n")
    # workspace hooks once per worker, not once per group
    assert sorted(line for line in log if line.startswith("teardown_workspace")) == [
        "teardown_workspace 0",
        "teardown_workspace 1",
    ]
    plan = _plan(project)
    assert plan["shards"] == 3


def test_failing_test_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, {"tests/test_delta.py": "def test_broken():\n    assert 1 == 2\n"})
    code = main(
        [
            "local",
            "--shards",
            "2",
            "--workspaces",
            "none",
            "--retries",
            "0",
            "--teardown-workspace",
            "rm -f {workspace}/flaky-seen",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "failed" in out
    merged = _cases(project / "paratest-results" / "junit.xml")
    broken = [c for c in merged if c.get("name") == "test_broken"]
    assert len(broken) == 1
    assert broken[0].find("failure") is not None


def test_sigterm_stops_everything_and_cleans_up(project: Path) -> None:
    _write(
        project,
        {
            "tests/test_slow.py": (
                "import os, time\nfrom pathlib import Path\n\n"
                "def test_hangs():\n"
                "    Path(os.environ['PIDS']).joinpath(str(os.getpid())).write_text('')\n"
                "    time.sleep(60)\n"
            ),
        },
    )
    pids = project.parent / "pids"
    pids.mkdir()
    env = {**os.environ, "PIDS": str(pids)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "paratest_split", "local", "--shards", "2", "--grace", "1"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(pids.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(pids.iterdir()), "the slow test never started"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2, out
    assert time.monotonic() - started < 15
    assert "interrupted" in out
    for pid_file in pids.iterdir():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.name), 0)
    log = (project / "hooks.log").read_text().split("\n")
    assert sorted(line for line in log if line.startswith("teardown_workspace")) == [
        "teardown_workspace 0",
        "teardown_workspace 1",
    ]
    assert "teardown" in log
    assert not (project / ".paratest" / "workspaces").exists()
    assert not (project / ".paratest" / "history").exists()


def test_script_workspaces_are_made_by_the_hook(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make = "mkdir -p {workspace} && cp -R tests pytest.ini {workspace}/"
    code = main(
        [
            "local",
            "--shards",
            "2",
            "--workspaces",
            "script",
            "--format",
            "json",
            "--setup-workspace",
            f"{make} && echo {{shard}} > {{workspace}}/ws.txt",
            "--teardown-workspace",
            'rm -rf {workspace} && echo "teardown_workspace {shard}" >> hooks.log',
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 0, summary
    assert summary["tests"] == len(IDS)
    assert summary["flaky"] == 1
    log = (project / "hooks.log").read_text().split("\n")
    assert sorted(line for line in log if line.startswith("teardown_workspace")) == [
        "teardown_workspace 0",
        "teardown_workspace 1",
    ]
    assert not (project / ".paratest" / "workspaces").exists()
