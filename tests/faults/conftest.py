"""Fault injection with real processes: the installed `paratest-split` script, real pytest
projects copied into temporary directories, real signals, pipes and full disks.

Every test here reproduces one fault that a user met (issue 11's list) or one that already
holds and must stay held. Helpers shared by the files of this folder live here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "paratest-split"
PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment with the venv first on PATH and no PARATEST_*/CI variables leaking in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARATEST_", "GITLAB_", "CI_", "GITHUB_", "BUILDKITE"))
        and k not in ("CI", "PYTEST_ADDOPTS")
    }
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def paratest(
    args: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    **kwargs: object,
) -> subprocess.CompletedProcess[str]:
    """Run the installed script; stdout/stderr captured as text unless given."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(SCRIPT), *args],
        cwd=cwd,
        env=tool_env(env),
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def in_shell(
    command: str, cwd: Path, *, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """A shell line as a CI job runs it (`set -o pipefail` where it matters is the caller's)."""
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=tool_env(env),
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in (result.stdout or ""), result.stdout


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """A little pytest project: pytest.ini plus the given files (path -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/projects/pytest_basic (passing, skipped and parametrized tests)."""
    target = tmp_path / "project"
    shutil.copytree(PROJECTS / "pytest_basic", target)
    return target


# A project of three modules, one failing test: enough for shards, merges and verdicts.
THREE_MODULES = {
    "tests/test_a.py": "def test_a1():\n    pass\n\ndef test_a2():\n    pass\n",
    "tests/test_b.py": "def test_b1():\n    pass\n\ndef test_b2():\n    assert False, 'b2 fails'\n",
    "tests/test_c.py": "def test_c1():\n    pass\n\ndef test_c2():\n    pass\n",
}


@pytest.fixture
def three(tmp_path: Path) -> Path:
    return write_project(tmp_path / "three", THREE_MODULES)
