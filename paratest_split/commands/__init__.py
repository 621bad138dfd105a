"""One module per subcommand. Each defines:

- `HELP`: one line for `paratest-split --help`;
- `add_arguments(parser)`: the command's own positional/extra arguments (settings flags from
  `config.Settings` are added by `cli.py` for every command that lists them);
- `handle(ctx) -> int`: build what it needs from `ctx.settings`, call one library function,
  print the result, return an ExitCode. Raise `errors.ParatestError` subclasses for failures.
"""

from __future__ import annotations

import argparse
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
