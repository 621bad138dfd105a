"""The partitioning library's public import path (docs/plugins.md): the algorithms of the pure
core (`paratest_split.core.partition`), re-exported, and `partition(algorithm=NAME)`, which also
finds strategy plugins registered under `paratest_split.strategies` (`plugins.strategies`): the
core itself never reads entry points, so its canonical-order calls take a built-in's name or a
`Strategy`."""

from __future__ import annotations

from collections.abc import Sequence

from paratest_split.core import partition as _core
from paratest_split.core.partition import (
    LPT,
    STRATEGIES,
    Best,
    Group,
    KarmarkarKarp,
    Strategy,
    canonical_order,
    lower_bound,
    makespan,
    partition_canonical,
    place_canonical,
)

__all__ = [
    "LPT",
    "STRATEGIES",
    "Best",
    "Group",
    "KarmarkarKarp",
    "Strategy",
    "available",
    "canonical_order",
    "lower_bound",
    "makespan",
    "partition",
    "partition_canonical",
    "place_canonical",
]


def available() -> dict[str, Strategy]:
    """Built-in strategies plus the plugins' (PluginError naming one that fails to load or
    clashes with a built-in), sorted by name."""
    from paratest_split import plugins

    return plugins.strategies()


def _strategy(algorithm: str | Strategy) -> str | Strategy:
    """A plugin's strategy by name; built-in names and strategies pass through (the core
    checks its input before it resolves those)."""
    if not isinstance(algorithm, str) or algorithm in STRATEGIES:
        return algorithm
    from paratest_split import plugins

    return plugins.load_strategy(algorithm)


def partition(
    groups: Sequence[Group], shards: int, *, algorithm: str | Strategy = "best"
) -> tuple[tuple[str, ...], ...]:
    """`paratest_split.core.partition.partition`, the algorithm a built-in's or a plugin's
    name, or a `Strategy`. ValueError for an unknown name, listing the known ones."""
    return _core.partition(groups, shards, algorithm=_strategy(algorithm))
