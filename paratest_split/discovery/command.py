"""A user's COMMAND (`run -- COMMAND`, `command:` in paratest.yaml) made into the invocation of
a shard's tests: the `{tests}`, `{tests_file}` and `{junit}` rules every discoverer uses
(`expand_command`), its generic invocation (`user_invocation`) and what `run` says when it names
no report (`no_junit_warning`). The shard's own placeholders (`{shard}`, `{workspace}`...) are
the engine's, through `core.placeholders`."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from paratest_split.core.model import Invocation
from paratest_split.core.placeholders import shell_script_index, shell_substitute
from paratest_split.discovery.base import RunRequest

TESTS = "{tests}"
TESTS_FILE = "{tests_file}"
JUNIT = "{junit}"


def names_tests(argv: Sequence[str]) -> bool:
    """Does the command take the ids itself (`{tests}` or `{tests_file}`)?"""
    return any(TESTS in arg or TESTS_FILE in arg for arg in argv)


def names_junit(argv: Sequence[str]) -> bool:
    return any(JUNIT in arg for arg in argv)


def expand_command(
    argv: Sequence[str],
    *,
    tests: Sequence[str],
    tests_file: Path | str,
    junit: Path | str | None = None,
) -> tuple[str, ...]:
    """A user's COMMAND with the test ids in it, never through a shell.

    - an argv item that is exactly `{tests}` becomes one item per id;
    - `{tests}` inside a longer item becomes the ids joined by spaces (`--ids={tests}`);
    - `{tests_file}` becomes the path of the file holding the ids, one a line;
    - `{junit}` becomes the report path the runner reads (when `junit` is given);
    - without `{tests}` or `{tests_file}`, the ids are appended as separate items.

    In the script of a shell wrapper (`sh -c 'pytest {tests} --junitxml={junit}'`) every value
    is shell-quoted (each id on its own), so an id is never read as shell syntax.
    Other `{...}` placeholders (`{shard}`, `{workspace}`...) are left for the runner.
    """
    takes_ids = names_tests(argv)
    script = shell_script_index(argv)
    out: list[str] = []
    for position, arg in enumerate(argv):
        if position == script:
            out.append(_expand_script(arg, tests, tests_file, junit))
            continue
        if arg == TESTS:
            out.extend(tests)
            continue
        value = arg.replace(TESTS_FILE, str(tests_file))
        if junit is not None:
            value = value.replace(JUNIT, str(junit))
        # ids last, so that an id holding "{junit}" is never substituted itself
        value = value.replace(TESTS, " ".join(tests))
        out.append(value)
    if not takes_ids:
        out.extend(tests)
    return tuple(out)


_RUNNER_PATTERN = re.compile(r"\{(tests|tests_file|junit)\}")


def _expand_script(
    script: str, tests: Sequence[str], tests_file: Path | str, junit: Path | str | None
) -> str:
    """The placeholders of a `sh -c` script, each value quoted for the shell (one pass: a
    value is never substituted again)."""

    def value(name: str) -> list[str] | None:
        if name == "tests":
            return list(tests)
        if name == "tests_file":
            return [str(tests_file)]
        return None if junit is None else [str(junit)]

    return shell_substitute(script, _RUNNER_PATTERN, value)


def no_junit_warning(argv: Sequence[str]) -> str:
    """What `run` says about a COMMAND that names no `{junit}` (and is not pytest, which gets
    `--junitxml` added)."""
    shown = " ".join(shlex.quote(a) for a in argv)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return (
        f"the command names no {JUNIT} ({shown}): no per-test results; each test it ran gets "
        "its exit code as verdict (0: passed, else failed)"
    )


def user_invocation(request: RunRequest, *, report_name: str) -> Invocation:
    """The generic invocation of `request.user_command` (which must be set).

    The report is `junit_dir/report_name` when the command names `{junit}`, else unknown (None):
    the runner then judges every test of the invocation by its exit code (`no_junit_warning`).
    """
    assert request.user_command is not None
    junit = request.junit_dir / report_name
    argv = expand_command(
        request.user_command, tests=request.tests, tests_file=request.tests_file, junit=junit
    )
    return Invocation(
        argv=argv,
        junit=str(junit) if names_junit(request.user_command) else None,
        cwd=str(request.root),
        tests=request.tests,
    )
