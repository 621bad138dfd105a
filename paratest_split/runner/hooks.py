"""Running a hook: one shell command per hook level, placeholders filled by `placeholders`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from paratest_split.core.placeholders import HOOKS, SHELL, check_hook, hook_env, substitute_shell
from paratest_split.runner.process import ProcessResult, run_process


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
    """Run one hook through `/bin/sh -c` in `cwd`, placeholders substituted shell-quoted
    (`substitute_shell`; `PTS_<NAME>` variables hold the values for the places where only a
    variable reference is safe).

    A placeholder without a value, `{tests}` or an unknown `{name}` is a UsageError naming the
    hook (`placeholders.check_hook`), raised before anything runs.
    Teardowns should be called without `stop`/`deadline`: they run even after an interruption.
    The hook's process group is not killed when the shell exits, so a setup hook may start a
    background service for the tests.
    """
    if hook not in HOOKS:
        raise ValueError(f"unknown hook {hook!r}")
    check_hook(hook, command, values)
    text = substitute_shell(command, values)
    started = time.monotonic()
    if deadline is not None and started >= deadline:
        return HookResult(
            hook=hook,
            command=text,
            process=ProcessResult(
                argv=(SHELL, "-c", text),
                pid=0,
                returncode=None,
                elapsed=0.0,
                output="",
                timed_out=True,
            ),
        )
    process = run_process(
        (SHELL, "-c", text),
        cwd=cwd,
        env={**env, **hook_env(values)},
        on_line=on_line,
        stop=stop,
        deadline=deadline,
        grace=grace,
        kill_leftovers=False,
    )
    return HookResult(hook=hook, command=text, process=process)
