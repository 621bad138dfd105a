"""Every exception paratest-split raises on purpose, each with its exit code.

Only `cli.main` catches these: it prints `paratest-split: <message>` on one line and returns
`exit_code`. A traceback appears only with `--debug`.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes of DESIGN.md (pytest's first six, then ours)."""

    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS = 5
    BAD_INPUT = 10
    PLUGIN_ERROR = 11
    HOOK_FAILED = 12


_WORDS: dict[int, str] = {
    ExitCode.OK: "passed",
    ExitCode.TESTS_FAILED: "failed",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.INTERNAL_ERROR: "internal error",
    ExitCode.HOOK_FAILED: "hook failed",
}


def exit_word(code: int) -> str:
    """A run's exit code as a status word (`passed`, `failed`, `interrupted`, `internal
    error`, `hook failed`); any other code as `exit <code>`."""
    return _WORDS.get(code, f"exit {code}")


class ParatestError(Exception):
    """Base class. `str(error)` is the one-line message shown to the user."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR


class UsageError(ParatestError):
    """Bad flag, bad flag value, bad or unknown configuration key."""

    exit_code = ExitCode.USAGE_ERROR


class ConfigError(UsageError):
    """Configuration file or PARATEST_* variable is wrong (names file/key/line)."""


class NoTestsError(ParatestError):
    """Discovery or the test list produced no tests where some were expected."""

    exit_code = ExitCode.NO_TESTS


class BadInputError(ParatestError):
    """An input file (JUnit, plan, timings, test list) is unreadable or malformed.

    The message must name the file and say what is wrong.
    """

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PluginError(ParatestError):
    """A discovery plugin failed to load or failed while discovering (e.g. pytest collection)."""

    exit_code = ExitCode.PLUGIN_ERROR


class HookError(ParatestError):
    """A setup or teardown hook failed."""

    exit_code = ExitCode.HOOK_FAILED


class Interrupted(ParatestError):  # noqa: N818 - reads as a state, like KeyboardInterrupt
    """SIGTERM/SIGINT reached us; teardowns ran, partial results were written."""

    exit_code = ExitCode.INTERRUPTED
