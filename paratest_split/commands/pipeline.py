"""`paratest-split pipeline` (not built yet)."""

from __future__ import annotations

import argparse

from paratest_split.commands import Context
from paratest_split.errors import UsageError

HELP = "pipeline (not built yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def handle(ctx: Context) -> int:
    del ctx
    raise UsageError("'pipeline' is not built yet")
