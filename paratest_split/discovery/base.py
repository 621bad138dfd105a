"""The discovery-plugin protocol: what every discoverer (built-in or third-party) provides.

Third-party plugins register an object (class or instance) under the entry-point group
`paratest_split.discoverers`; `plugins.load_discoverer(name)` instantiates classes with no
arguments. The seed tool's `paratest` group is adapted by `discovery/seed.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem


@dataclass(frozen=True, kw_only=True, slots=True)
class DiscoverOptions:
    """What `split`/`local` pass to `Discoverer.discover`.

    `root` is the directory tests are discovered in (and run from); `args` are the
    plugin-specific arguments from `--discover-args`/config `discover_args` (e.g. pytest
    arguments, a glob pattern); `env` is the environment to give subprocesses.
    `junit_paths` are the history inputs (used by the `junit` discoverer).
    """

    root: Path
    args: tuple[str, ...] = ()
    pattern: str | None = None  # files: glob pattern; seed plugins: test_pattern
    file_pattern: str | None = None  # seed plugins: file_pattern
    source: str | None = None  # lines: a file path, or a command (with `command=True`)
    command: bool = False
    junit_paths: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class RunRequest:
    """What `run` asks a discoverer to turn into processes.

    `tests_file` already holds `tests`, one id a line. `junit_dir` is an empty directory the
    invocations may write their reports into (each Invocation says where in `junit`).
    `user_command` is the COMMAND after `--` (or config `command`), already split into argv;
    when given, the plugin must honour it (append ids unless it names `{tests}`/`{tests_file}`,
    see `runner` placeholders) instead of its default runner command.
    """

    tests: tuple[str, ...]
    tests_file: Path
    junit_dir: Path
    root: Path
    user_command: tuple[str, ...] | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)  # the run's environment (PATH decides
    # which interpreter or tool runs the tests)


@runtime_checkable
class Discoverer(Protocol):
    """A discovery plugin. Pure of global state; safe to instantiate more than once."""

    name: ClassVar[str]
    # True when results come back at the granularity of whole files (files, jest): such
    # items have name=None and are matched by file.
    file_level: ClassVar[bool]

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        """All tests, with their JUnit keys. Raise PluginError on a runner's own failure."""
        ...

    def item_for_id(self, test_id: str) -> TestItem:
        """Rebuild a TestItem (with JUnit key) from a runnable id alone.

        Used for `--tests-from` lists and plans; must agree with `discover` for the same id.
        """
        ...

    def invocations(self, request: RunRequest) -> list[Invocation]:
        """The processes that run exactly `request.tests` and write JUnit where they say."""
        ...


__all__ = ["DiscoverOptions", "Discoverer", "RunRequest"]


def item_from_id(discoverer: str, parse: Callable[[str], TestItem], test_id: str) -> TestItem:
    """`item_for_id` of a discoverer whose ids `parse` reads: its ValueError (an id it cannot
    read) becomes a PluginError naming the discoverer."""
    try:
        return parse(test_id)
    except ValueError as exc:
        raise PluginError(f"{discoverer}: {exc}") from None
