"""Placeholders in hooks and test commands, and running a hook.

Placeholders (DESIGN "Hooks and placeholders"): `{shard}`, `{shards}`, `{workspace}`,
`{source}`, `{output}`, `{tests_file}`, `{junit}`. Only these exact names are replaced, so
shell text like `${HOME}` or `awk '{print $1}'` passes through untouched.

- In a hook (a shell command string) each value is inserted shell-quoted (`shlex.quote`).
- In a test command (an argv list, never run through a shell) values are inserted verbatim
  inside their argument (`substitute_arg`). The engine fills the shard's values and leaves
  `{tests}`, `{tests_file}` and `{junit}` to the discoverer (`discovery.files.expand_command`:
  `{tests}` as one argument per id, ids appended when neither `{tests}` nor `{tests_file}`
  is named).
"""

from __future__ import annotations

import re
import shlex
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from paratest_split.errors import UsageError
from paratest_split.runner.process import ProcessResult, run_process

HOOKS = (
    "setup",
    "setup_workspace",
    "setup_test",
    "teardown_test",
    "teardown_workspace",
    "teardown",
)
PLACEHOLDERS = ("shard", "shards", "workspace", "source", "output", "tests_file", "junit")

_PATTERN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
SHELL = "/bin/sh"


def substitute_shell(command: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders in a shell command with shell-quoted values.

    A placeholder without a value (e.g. `{junit}` where there is none) is an error.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UsageError(f"placeholder {{{name}}} has no value here: {command!r}")
        return shlex.quote(values[name])

    return _PATTERN.sub(replace, command)


def substitute_arg(arg: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders inside one argv item, verbatim (no shell involved)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UsageError(f"placeholder {{{name}}} has no value here: {arg!r}")
        return values[name]

    return _PATTERN.sub(replace, arg)


@dataclass(frozen=True, kw_only=True, slots=True)
class HookResult:
    hook: str
    command: str  # after substitution
    process: ProcessResult

    @property
    def ok(self) -> bool:
        return self.process.ok

    def describe(self) -> str:
        """`setup_workspace failed (exit 3)`-style words for messages."""
        proc = self.process
        if proc.start_error:
            return f"{self.hook} could not start: {proc.start_error}"
        if proc.timed_out:
            return f"{self.hook} timed out"
        if proc.stopped:
            return f"{self.hook} was interrupted"
        if proc.returncode is not None and proc.returncode < 0:
            return f"{self.hook} was killed by signal {-proc.returncode}"
        return f"{self.hook} failed (exit {proc.returncode})"


def run_hook(
    hook: str,
    command: str,
    *,
    values: Mapping[str, str],
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    deadline: float | None = None,
    grace: float = 5.0,
) -> HookResult:
    """Run one hook through `/bin/sh -c` in `cwd`, placeholders substituted shell-quoted.

    Teardowns should be called without `stop`/`deadline`: they run even after an interruption.
    The hook's process group is not killed when the shell exits, so a setup hook may start a
    background service for the tests.
    """
    if hook not in HOOKS:
        raise ValueError(f"unknown hook {hook!r}")
    text = substitute_shell(command, values)
    started = time.monotonic()
    if deadline is not None and started >= deadline:
        return HookResult(
            hook=hook,
            command=text,
            process=ProcessResult(
                argv=(SHELL, "-c", text), pid=0, returncode=None, elapsed=0.0, output="",
                timed_out=True,
            ),
        )
    process = run_process(
        (SHELL, "-c", text),
        cwd=cwd,
        env=env,
        on_line=on_line,
        stop=stop,
        deadline=deadline,
        grace=grace,
        kill_leftovers=False,
    )
    return HookResult(hook=hook, command=text, process=process)
