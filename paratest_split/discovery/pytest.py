"""`--discover pytest`: node ids from `python -m pytest --collect-only`.

Ids are pytest node ids exactly as pytest prints them (`tests/test_x.py::TestA::test_b[p-1]`);
the JUnit key follows pytest's xunit2 rule (`identity.pytest_item`).

Interpreter: `python` on PATH (the project's environment, as a user would run pytest), else the
interpreter running paratest-split. Discovery and runs use the same one from the same root, so
the ids match the history's (FIELD-NOTES: ids depend on how pytest was started).

Discovery: `python -m pytest --collect-only <discover args> --verbosity=-1` in the root. The
user's arguments and configuration are kept; `--verbosity=-1` comes last so that `-q`/`-v` in
`addopts` cannot switch pytest to its per-file (`-qq`) or tree (`-v`) listing.

Running: the user's command stays unchanged and a pytest plugin deselects the tests not in the
shard (faster than thousands of ids as arguments, FIELD-NOTES):
`python -m pytest <args> -p no:paratest_split -p paratest_split.pytest_plugin
--paratest-shard-file=<tests_file> --junitxml=<junit_dir>/pytest.xml` (`=` form: see
`shard_options`).
`-p no:paratest_split` blocks the `pytest11` entry point, so the plugin loads exactly once
whether or not autoloading is on (loading it twice is a pluggy error); paratest-split must be
installed in the environment pytest runs in.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path, PureWindowsPath
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import (
    expand_command,
    names_junit,
    names_tests,
    user_invocation,
)
from paratest_split.runner.process import capture

PLUGIN_ARGS = ("-p", "no:paratest_split", "-p", "paratest_split.pytest_plugin")
SHARD_FILE_OPTION = "--paratest-shard-file"
REPORT_NAME = "pytest.xml"
_MAX_MESSAGE = 600

# pytest exit codes (pytest.ExitCode), spelled out to keep pytest out of our imports
_OK = 0
_NO_TESTS = 5


def python_executable(env: Mapping[str, str] | None = None) -> str:
    """`python` on the PATH of `env` (or ours), else the interpreter running paratest-split."""
    path = (env or os.environ).get("PATH")
    return shutil.which("python", path=path) or sys.executable


def collect_command(python: str, args: Sequence[str]) -> list[str]:
    return [python, "-m", "pytest", "--collect-only", *args, "--verbosity=-1"]


_SUMMARY = re.compile(r"^(no tests collected|\d+(/\d+)? tests? collected|\d+ errors?)\b")


def parse_collect_output(stdout: str) -> list[str]:
    """Node ids of a `--collect-only --verbosity=-1` listing (pytest 7, 8, 9), in order, unique.

    The ids are the first block of lines; it ends at the first blank line, section rule
    (`=====`) or summary line ("3 tests collected in 0.1s"). Lines without `::` (output of
    plugins, warnings) are skipped: every item id has one.
    """
    ids: list[str] = []
    seen: set[str] = set()
    for raw in stdout.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            if ids:
                break
            continue
        if line.startswith(("===", "!!!", "___")) or _SUMMARY.match(line):
            break
        if "::" not in line or line.startswith((" ", "\t")):
            continue
        if line not in seen:
            seen.add(line)
            ids.append(line)
    return ids


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


def condense_errors(stdout: str, stderr: str) -> str:
    """pytest's own error message in one line.

    Uses its "ERROR collecting X" headings with their `E   ` lines, its `ERROR:` / `error:`
    lines (usage errors, missing paths) and conftest import errors; otherwise the last
    non-empty lines of its output.
    """
    parts: list[str] = []
    current: list[str] | None = None
    for raw in (stdout + "\n" + stderr).splitlines():
        line = raw.strip()
        heading = re.match(r"^_+ (ERROR collecting .+?) _+$", line)
        if heading:
            current = [heading.group(1) + ":"]
            parts.append("")
            continue
        if line.startswith("E   ") or (line.startswith("E ") and current is not None):
            detail = line[1:].strip()
            if current is None:
                current = []
                parts.append("")
            current.append(detail)
            parts[-1] = " ".join(current)
            continue
        if line.startswith(("ERROR: ", "ImportError while loading conftest")) or re.match(
            r"^[^:]*pytest[^:]*: error: ", line
        ):
            current = None
            if line.startswith("ERROR: usage:"):
                continue
            parts.append(line)
            continue
        if line.startswith(("====", "____")):
            current = None
    message = "; ".join(p for p in parts if p)
    if not message:
        tail = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
        message = " ".join(tail[-3:]) or "no output"
    return _one_line(message)


def is_pytest_command(argv: Sequence[str]) -> bool:
    """`pytest ...`, `py.test ...`, `python -m pytest ...`, `uv run pytest ...` and the like."""
    for i, arg in enumerate(argv):
        stem = PureWindowsPath(arg).name.lower().removesuffix(".exe")  # `\` and `/` both split
        if stem in ("pytest", "py.test"):
            return True
        if arg == "-m" and i + 1 < len(argv) and argv[i + 1] == "pytest":
            return True
    return False


def shard_options(tests_file: Path, junit: Path) -> tuple[str, ...]:
    """Options in `--opt=value` form: pytest picks its rootdir from the command line's path
    arguments before plugins register their options, so a separate value of an unknown
    option (`--paratest-shard-file /tmp/x`) would count as a path and move the rootdir,
    changing every node id (seen)."""
    return (*PLUGIN_ARGS, f"{SHARD_FILE_OPTION}={tests_file}", f"--junitxml={junit}")


class PytestDiscoverer:
    """pytest node ids from `python -m pytest --collect-only`; runs deselect outside the shard."""

    name: ClassVar[str] = "pytest"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        argv = collect_command(python_executable({**os.environ, **options.env}), options.args)
        done = capture(argv, cwd=options.root, env=options.env, what="pytest")
        if done.returncode == _NO_TESTS:
            return []
        if done.returncode != _OK:
            message = condense_errors(done.stdout, done.stderr)
            raise PluginError(
                f"pytest collection failed (exit {done.returncode}) in {options.root}: {message}"
            )
        ids = parse_collect_output(done.stdout)
        return [self.item_for_id(test_id) for test_id in ids]

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("pytest", identity.pytest_item, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        junit = request.junit_dir / REPORT_NAME
        command = request.user_command
        if command and not is_pytest_command(command):
            return [user_invocation(request, report_name=REPORT_NAME)]
        if command:
            takes_ids = names_tests(command)
            argv = expand_command(
                command,
                tests=request.tests if takes_ids else (),
                tests_file=request.tests_file,
                junit=junit,
            )
            if not takes_ids:
                argv = (*argv, *PLUGIN_ARGS, f"{SHARD_FILE_OPTION}={request.tests_file}")
            if not names_junit(command):
                argv = (*argv, f"--junitxml={junit}")
        else:
            argv = (
                python_executable(request.env or None),
                "-m",
                "pytest",
                *request.args,
                *shard_options(request.tests_file, junit),
            )
        return [Invocation(argv=argv, junit=str(junit), cwd=str(request.root), tests=request.tests)]


__all__ = [
    "PLUGIN_ARGS",
    "PytestDiscoverer",
    "collect_command",
    "condense_errors",
    "is_pytest_command",
    "parse_collect_output",
    "python_executable",
]
