"""Placeholders in hooks and test commands, and running a hook.

Placeholders (DESIGN "Hooks and placeholders"): `{shard}`, `{shards}`, `{workspace}`,
`{source}`, `{output}`, `{tests_file}`, `{junit}`. Only these exact names are replaced, so
shell text like `${HOME}` or `awk '{print $1}'` passes through untouched.

- In a hook (a shell command string) each value is inserted shell-quoted for where it stands
  (`shell_substitute`): `cd {workspace}`, `cd '{workspace}'` and `cd "{workspace}"` all reach
  the directory, whatever its name holds (spaces, `$(...)`, quotes).
- In a test command (an argv list, never run through a shell) values are inserted verbatim
  inside their argument (`substitute_arg`), except in the script of a shell wrapper
  (`sh -c SCRIPT`, `bash -ec SCRIPT`...: `shell_script_index`), which is shell text and gets
  quoted values too (`substitute_argv`). The engine fills the shard's values in every argument
  and leaves `{tests}`, `{tests_file}` and `{junit}` to the discoverer
  (`discovery.files.expand_command`: `{tests}` as one argument per id, ids appended when neither
  `{tests}` nor `{tests_file}` is named; quoted inside a shell script).
"""

from __future__ import annotations

import re
import shlex
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

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


# Shells whose `-c SCRIPT` argument is shell text (a seed plugin's `sh -c`, a user's wrapper).
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"})
# Left in a test command for the discoverer, which knows their values.
RUNNER_PLACEHOLDERS = ("tests_file", "junit")


def _fill(text: str, values: Mapping[str, str], *, quote: bool, leave: Collection[str]) -> str:
    def value(name: str) -> list[str] | None:
        if name in leave:
            return None
        if name not in values:
            raise UsageError(f"placeholder {{{name}}} has no value here: {text!r}")
        return [values[name]]

    if quote:
        return shell_substitute(text, _PATTERN, value)

    def replace(match: re.Match[str]) -> str:
        found = value(match.group(1))
        return match.group(0) if found is None else found[0]

    return _PATTERN.sub(replace, text)


def _quote_states(text: str) -> list[str]:
    """For each position of a POSIX shell text, the quoting in force there: "" (none), "'" or
    '"' (inside such quotes), "\\" (right after an escaping backslash)."""
    states = []
    state = ""
    escaped = False
    for char in text:
        states.append("\\" if escaped else state)
        if escaped:
            escaped = False
        elif state == "'":
            if char == "'":
                state = ""
        elif char == "\\":
            escaped = True
        elif state == '"':
            if char == '"':
                state = ""
        elif char in "'\"":
            state = char
    return states


_DOUBLE_QUOTED_SPECIAL = re.compile(r'([\\"$`])')


def _quote_in(state: str, value: str) -> str:
    """`value` as literal text at a place of a shell text with quoting `state`."""
    quoted = shlex.quote(value)
    if quoted == value:  # nothing special in it: the same text anywhere
        return value
    if state == "'":  # close the quotes, insert, reopen: 'a'\''b' style
        return f"'{quoted}'"
    if state == '"':
        return _DOUBLE_QUOTED_SPECIAL.sub(r"\\\1", value)
    return quoted


def shell_substitute(
    text: str, pattern: re.Pattern[str], value: Callable[[str], Sequence[str] | None]
) -> str:
    """Replace each match of `pattern` (group 1: the name) in a shell text by `value(name)`:
    each string shell-quoted for where it stands (unquoted, inside '...' or "..."), several
    joined by spaces; None leaves the match as it is. A value is never read as shell syntax,
    whether the user wrote `{workspace}`, `'{workspace}'` or `"{workspace}"`."""
    states: list[str] | None = None
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        found = value(match.group(1))
        if found is None:
            continue
        if states is None:
            states = _quote_states(text)
        state = states[match.start()]
        out.append(text[last : match.start()])
        out.append(" ".join(_quote_in(state, v) for v in found))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def substitute_shell(
    command: str, values: Mapping[str, str], *, leave: Collection[str] = ()
) -> str:
    """Replace known placeholders in a shell command with shell-quoted values.

    A placeholder without a value (e.g. `{junit}` where there is none) is an error; those in
    `leave` stay as they are.
    """
    return _fill(command, values, quote=True, leave=leave)


def substitute_arg(arg: str, values: Mapping[str, str], *, leave: Collection[str] = ()) -> str:
    """Replace known placeholders inside one argv item, verbatim (no shell involved)."""
    return _fill(arg, values, quote=False, leave=leave)


def shell_script_index(argv: Sequence[str]) -> int | None:
    """Where the script of a shell wrapper is: `sh -c SCRIPT` -> 2, `bash -e -o pipefail -c
    SCRIPT` -> 5; None when argv is not `SHELL [options] -c SCRIPT ...`."""
    if not argv or PurePath(argv[0]).name not in SHELLS:
        return None
    position = 1
    while position < len(argv):
        arg = argv[position]
        if arg in ("-o", "+o"):  # takes a value
            position += 2
            continue
        if len(arg) < 2 or arg[0] not in "-+" or arg.startswith("--"):
            return None
        if arg[0] == "-" and "c" in arg[1:]:
            return position + 1 if position + 1 < len(argv) else None
        position += 1
    return None


def substitute_argv(
    argv: Sequence[str], values: Mapping[str, str], *, leave: Collection[str] = ()
) -> tuple[str, ...]:
    """Placeholders in a command's argv: verbatim in each item, shell-quoted in the script of a
    shell wrapper (`sh -c SCRIPT`), so no value is ever read as shell syntax."""
    script = shell_script_index(argv)
    return tuple(
        substitute_shell(arg, values, leave=leave)
        if position == script
        else substitute_arg(arg, values, leave=leave)
        for position, arg in enumerate(argv)
    )


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
