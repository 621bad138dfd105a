"""How a setting's text becomes its value: the parsers (`_shards`, `_float`, `_path`, ...), their
limits, and `opt`, the field metadata every `Settings` field is made with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

CONFIG_FILE = "paratest.yaml"
ENV_PREFIX = "PARATEST_"

Parser = Callable[[str], Any]

ALL = ("split", "run", "merge", "pipeline", "local", "timings", "plugins")
PLANNING = ("split", "local", "pipeline")
RUNNING = ("run", "local", "pipeline")


MAX_SHARDS = 10_000  # more executors than any CI runs; a typo of 1e8 must not exhaust memory
MAX_SECONDS = 7 * 24 * 3600.0  # durations, timeouts and overheads above a week are mistakes


def _shards(text: str) -> int | str:
    if text == "auto":
        return text
    value = _int(text)
    if not 1 <= value <= MAX_SHARDS:
        raise ValueError(f"must be 'auto' or a whole number from 1 to {MAX_SHARDS}")
    return value


def _shard_count(text: str) -> int:
    value = _shards(text)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")  # noqa: TRY004 - parsers raise ValueError
    return value


def _index(text: str) -> int | str:
    if text == "auto":
        return text
    value = _int(text)
    if value < 0:
        raise ValueError("must be 'auto' or a whole number >= 0 (shard indexes are 0-based)")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _nonneg_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:  # noqa: PLR0124
        raise ValueError(f"{text!r} must be a finite number >= 0")
    if value > MAX_SECONDS:
        raise ValueError(f"{text!r} is more than a week ({MAX_SECONDS:.0f} s)")
    return value


def _fraction(text: str) -> float:
    value = _float(text)
    if value > 1:
        raise ValueError(f"{text!r} must be between 0 and 1")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def _choice(*choices: str) -> Parser:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    parse.choices = choices  # type: ignore[attr-defined]
    return parse


def _str(text: str) -> str:
    return text


def _path(text: str) -> str:
    """A file or directory: an empty one would quietly mean the working directory or 'unset'."""
    if not text:
        raise ValueError("must not be empty (a file or directory path)")
    return text


def opt(
    help: str,  # noqa: A002 - mirrors argparse
    *,
    commands: Sequence[str],
    parse: Parser = _str,
    repeat: bool = False,
    flag_only: bool = False,
    metavar: str | None = None,
    short: str | None = None,
) -> dict[str, Any]:
    """Field metadata. `repeat`: a list; the flag may be given many times; in paratest.yaml and
    in a variable a string is split like a shell would (`-m 'not slow'` is two items).
    `flag_only`: no config key or variable (e.g. `--config` itself).
    A bool field is a switch: `--flag` / `--no-flag`."""
    if parse is _str and metavar in ("DIR", "FILE"):
        parse = _path
    return {
        "help": help,
        "commands": tuple(commands),
        "parse": parse,
        "repeat": repeat,
        "flag_only": flag_only,
        "metavar": metavar,
        "short": short,
    }
