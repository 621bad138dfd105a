"""`paratest-split local` end to end: real pytest, real workspaces, hooks, merge, history.

Small sleep suites (a second or two each) keep this file fast; speed-up numbers are measured
by benchmarks/local_speedup.py, not asserted here.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from paratest_split.cli import main

pytestmark = pytest.mark.slow

SUITE = {
    "tests/test_alpha.py": (
        "import time\n\n"
        "def test_long():\n    time.sleep(0.6)\n\n"
        "def test_short():\n    time.sleep(0.05)\n"
    ),
    "tests/test_beta.py": (
        "import time\nimport pytest\n\n"
        "@pytest.mark.parametrize('n', range(4))\n"
        "def test_param(n):\n    time.sleep(0.1)\n\n"
        "class TestGroup:\n"
        "    def test_one(self):\n        time.sleep(0.3)\n\n"
        "    def test_two(self):\n        time.sleep(0.2)\n"
    ),
    "tests/test_gamma.py": (
        "import time\nfrom pathlib import Path\n\n"
        "def test_workspace_marker():\n"
        "    # written by setup_workspace in this test's own workspace (the cwd)\n"
        "    assert Path('ws.txt').read_text().strip().isdigit()\n\n"
        "def test_flaky_once_per_workspace():\n"
        "    marker = Path('flaky-seen')\n"
        "    if not marker.exists():\n"
        "        marker.write_text('x')\n"
        "        raise AssertionError('first attempt in this workspace')\n"
    ),
}
IDS = [
    "tests/test_alpha.py::test_long",
    "tests/test_alpha.py::test_short",
    *[f"tests/test_beta.py::test_param[{n}]" for n in range(4)],
    "tests/test_beta.py::TestGroup::test_one",
    "tests/test_beta.py::TestGroup::test_two",
    "tests/test_gamma.py::test_workspace_marker",
    "tests/test_gamma.py::test_flaky_once_per_workspace",
]
CONFIG = """\
retries: 1
max_retry_fraction: 0.5
setup: echo setup >> {source}/hooks.log
teardown: echo teardown >> {source}/hooks.log
setup_workspace: echo {shard} > {workspace}/ws.txt
teardown_workspace: echo "teardown_workspace {shard}" >> {source}/hooks.log
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    _write(root, {**SUITE, "pytest.ini": "[pytest]\ntestpaths = tests\n", "paratest.yaml": CONFIG})
    monkeypatch.chdir(root)
    # the runner uses `python` on PATH: make it this environment's
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    for name in [n for n in os.environ if n.startswith("PARATEST_")]:
        monkeypatch.delenv(name)
    # hypothesis (a dev tool of ours, not of this suite) costs ~1 s of CPU per pytest start
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    return root


def _cases(report: Path) -> list[etree._Element]:
    return list(etree.parse(str(report)).getroot().iter("testcase"))


def _node_id(case: etree._Element) -> str:
    classname = case.get("classname") or ""
    parts = classname.split(".")
    module = next(i for i in range(len(parts), 0, -1) if parts[i - 1].startswith("test_"))
    path = "/".join(parts[:module]) + ".py"
    return "::".join([path, *parts[module:], case.get("name") or ""])


def _plan(root: Path) -> Any:
    return json.loads((root / "paratest-plan" / "plan.json").read_text())


def test_two_runs_second_is_balanced_by_stored_history(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "--shards", "2", "--group-by", "test"])
    out = capsys.readouterr().out
    assert code == 0, out
    merged = project / "paratest-results" / "junit.xml"
    cases = _cases(merged)
    assert sorted(_node_id(c) for c in cases) == sorted(IDS)  # every test once
    flaky = [c for c in cases if c.find("flakyFailure") is not None]
    assert [_node_id(c) for c in flaky] == ["tests/test_gamma.py::test_flaky_once_per_workspace"]
    history = sorted((project / ".paratest" / "history").iterdir())
    assert len(history) == 1
    with gzip.open(history[0]) as stored:
        assert b"test_long" in stored.read()
    first = _plan(project)
    assert sorted(first["unknown_tests"]) == sorted(IDS)
    # no history yet: every test counts 1 s, an equal-count split
    assert [s["predicted_seconds"] for s in first["shards_detail"]] == [
        float(len(s["tests"])) for s in first["shards_detail"]
    ]
    assert "static plan, 2 workers, copy workspaces" in out
    assert not (project / ".paratest" / "workspaces").exists()
    log = (project / "hooks.log").read_text().split("\n")
    assert log[0] == "setup"
    assert log[-2] == "teardown"
    assert sorted(log[1:-2]) == [f"teardown_workspace {i}" for i in range(2)]

    code = main(["local", "--shards", "2", "--group-by", "test", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    second = _plan(project)
    assert second["unknown_tests"] == []  # every estimate from the stored history
    shards = second["shards_detail"]
    with_long = next(s for s in shards if "tests/test_alpha.py::test_long" in s["tests"])
    assert with_long["predicted_seconds"] >= 0.6  # measured, not the 1 s default
    assert sum(s["predicted_seconds"] for s in shards) < len(IDS)
    assert len(list((project / ".paratest" / "history").iterdir())) == 2
    assert summary["mode"] == "static"
    assert summary["tests"] == len(IDS)
    assert summary["flaky"] == 1
    assert summary["history_files"] == 1
    assert [w["tests"] for w in summary["workers"]] == [
        len(s["tests"]) for s in second["shards_detail"]
    ]


def test_failing_setup_hook_runs_teardown_and_no_tests(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "--shards", "2", "--setup", "echo broken >&2; exit 3"])
    captured = capsys.readouterr()
    assert code == 12
    assert "setup failed (exit 3)" in captured.err
    assert (project / "hooks.log").read_text() == "teardown\n"
    assert not (project / ".paratest" / "history").exists()
    assert list((project / "paratest-results").iterdir()) == []  # no shard ran a test
