"""`--discover files`: every file matching a glob is one test; the runner runs whole files.

Ids are paths relative to the root, with `/` separators, sorted (`tests/api/test_login.sh`).
Items are file-level (`file` = the id, `name=None`): a report's cases are matched by their
`file` attribute.

Pattern: `--pattern` (one glob), else the discover arguments (several globs), else
`DEFAULT_PATTERN`. `**` matches any number of directories. Paths inside hidden directories,
`__pycache__` and `node_modules` are skipped unless the pattern names them.

Running: with a COMMAND, `COMMAND file1 file2 ...` (or the `{tests}`/`{tests_file}`
placeholders, see `expand_command`); without one, each file is executed as its own program
(`./tests/a.sh`), one invocation per file, with no JUnit report of its own (the runner judges it
by its exit code). Likewise a COMMAND that names no `{junit}` writes no report we know of: the
runner gives each test of the invocation the command's exit code as verdict.

This module also holds `expand_command`, the placeholder rule every discoverer uses for a
user's COMMAND.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import ClassVar

from paratest_split import identity
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.errors import PluginError
from paratest_split.model import Invocation, TestItem
from paratest_split.placeholders import shell_script_index, shell_substitute

DEFAULT_PATTERN = "tests/**/test_*"
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})

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


def _skipped(relative: PurePosixPath, pattern: str) -> bool:
    named = set(PurePosixPath(pattern).parts)
    return any(
        (part.startswith(".") or part in _SKIPPED_DIRS) and part not in named
        for part in relative.parts[:-1]
    )


def glob_files(root: Path, patterns: Sequence[str]) -> list[str]:
    """Files under root matching any pattern: sorted, unique, relative posix paths."""
    if not root.is_dir():
        raise PluginError(f"files: root directory {root} does not exist")
    found: set[str] = set()
    for pattern in patterns:
        if PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts:
            raise PluginError(f"files: pattern {pattern!r} must be relative to the root {root}")
        for path in root.glob(pattern):
            if not path.is_file():
                continue
            relative = PurePosixPath(path.relative_to(root).as_posix())
            if not _skipped(relative, pattern):
                found.add(str(relative))
    return sorted(found)


class FilesDiscoverer:
    """Each file matching a glob is one test (default tests/**/test_*); runs whole files."""

    name: ClassVar[str] = "files"
    file_level: ClassVar[bool] = True

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        patterns: Sequence[str] = (
            (options.pattern,) if options.pattern else options.args or (DEFAULT_PATTERN,)
        )
        return [identity.file_item(path) for path in glob_files(options.root, patterns)]

    def item_for_id(self, test_id: str) -> TestItem:
        try:
            return identity.file_item(test_id)
        except ValueError as exc:
            raise PluginError(f"files: {exc}") from None

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        if request.user_command:
            return [user_invocation(request, report_name="files.xml")]
        # No command: each file is a program of its own.
        return [
            Invocation(
                argv=(str(request.root / test), *request.args),
                cwd=str(request.root),
                tests=(test,),
            )
            for test in request.tests
        ]
