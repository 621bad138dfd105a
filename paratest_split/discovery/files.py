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

The placeholder rules of a user's COMMAND, which every discoverer uses, are in
`discovery.command`; `expand_command` is still importable from here, where plugins written
against earlier releases find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import expand_command, user_invocation

DEFAULT_PATTERN = "tests/**/test_*"
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


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
        return item_from_id("files", identity.file_item, test_id)

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


__all__ = ["DEFAULT_PATTERN", "FilesDiscoverer", "expand_command", "glob_files"]
