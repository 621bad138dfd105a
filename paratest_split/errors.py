"""The errors' public import path for plugins (docs/plugins.md: `PluginError`). They live in
the pure core, `paratest_split.core.errors`; this module re-exports them unchanged."""

from paratest_split.core.errors import (
    BadInputError,
    ConfigError,
    ExitCode,
    HookError,
    Interrupted,
    NoTestsError,
    ParatestError,
    PluginError,
    UsageError,
    exit_word,
)

__all__ = [
    "BadInputError",
    "ConfigError",
    "ExitCode",
    "HookError",
    "Interrupted",
    "NoTestsError",
    "ParatestError",
    "PluginError",
    "UsageError",
    "exit_word",
]
