from __future__ import annotations

import os
import sys
from pathlib import Path

from paratest_split.discovery.base import RunRequest

PROJECTS = Path(__file__).resolve().parents[2] / "fixtures" / "projects"


def venv_env() -> dict[str, str]:
    """PATH with this venv first, so `python` is the interpreter that has paratest-split."""
    return {"PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}


def run_request(
    tmp_path: Path,
    tests: tuple[str, ...],
    *,
    user_command: tuple[str, ...] | None = None,
    args: tuple[str, ...] = (),
) -> RunRequest:
    """A RunRequest with the tests file `tmp_path/t.txt` and report directory `tmp_path/j`."""
    return RunRequest(
        tests=tests,
        tests_file=tmp_path / "t.txt",
        junit_dir=tmp_path / "j",
        root=tmp_path,
        user_command=user_command,
        args=args,
    )
