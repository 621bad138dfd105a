"""One module per subcommand. Each defines:

- `HELP`: one line for `paratest-split --help`;
- `add_arguments(parser)`: the command's own positional/extra arguments (settings flags from
  `config.Settings` are added by `cli.py` for every command that lists them);
- `handle(ctx) -> int`: build what it needs from `ctx.settings`, call one library function,
  print the result, return an ExitCode. Raise `errors.ParatestError` subclasses for failures.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from paratest_split.config import Settings

NAMES = ("split", "run", "merge", "pipeline", "local", "timings", "plugins")


@dataclass(kw_only=True)
class Context:
    settings: Settings
    args: argparse.Namespace  # the command's own arguments from add_arguments
    env: Mapping[str, str]
    cwd: Path
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def warn(self, message: str) -> None:
        print(f"paratest-split: warning: {message}", file=self.stderr)

    def info(self, message: str) -> None:
        print(message, file=self.stderr)

    def path(self, value: str | Path) -> Path:
        """A path the user gave (flag, variable, paratest.yaml): `~` expanded, relative to the
        working directory. The one way every command reads its paths."""
        path = Path(value)
        with contextlib.suppress(RuntimeError):  # `~name` of an unknown user: kept as written
            path = path.expanduser()
        return self.cwd / path


def writable_dir(path: Path, flag: str, given: str | None = None, *, create: bool = True) -> Path:
    """Make sure `path` is (or, without `create`, can become) a directory we can write into,
    before any work is done.

    An output that fails only after a shard ran loses its results: say so up front, naming the
    flag (exit 4).
    """
    import os
    import tempfile

    from paratest_split.core.errors import UsageError

    try:
        if not create:
            existing = path
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if not existing.is_dir():
                raise NotADirectoryError(20, "not a directory")
            if not os.access(existing, os.W_OK | os.X_OK):
                raise PermissionError(13, "permission denied")
            return path
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".paratest-check-"):
            pass
    except OSError as exc:
        shown = given if given is not None else path
        raise UsageError(f"{flag} {shown}: cannot write there: {exc.strerror or exc}") from None
    return path


def existing_dir(path: Path, flag: str, given: str | None = None) -> Path:
    """`path` must be an existing directory (exit 4 naming the flag otherwise)."""
    from paratest_split.core.errors import UsageError

    if not path.is_dir():
        raise UsageError(f"{flag} {given if given is not None else path}: no such directory")
    return path


def with_user_command(ctx: Context) -> Settings:
    """The settings with `-- COMMAND ...` (if given) as `command`. Arguments are kept as
    given, empty ones too: a test command may take an empty argument on purpose."""
    command = list(getattr(ctx.args, "user_command", None) or ())
    if command[:1] == ["--"]:
        command = command[1:]
    return ctx.settings.replace(command=tuple(command)) if command else ctx.settings


def add_user_command(parser: argparse.ArgumentParser) -> None:
    """`-- COMMAND ...`: the test command of `run` and `local`."""
    parser.add_argument(
        "user_command",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND",
        help="test command (argv, no shell); test ids are appended unless it names {tests} or "
        "{tests_file}; {junit} is where it must write JUnit",
    )
