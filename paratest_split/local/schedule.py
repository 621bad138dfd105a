"""Which work each worker of `paratest-split local` runs next. Pure, apart from one lock.

A *unit* is a list of tests run as one shard by the engine (its own setup/test/retry cycle and
its own report). Two modes:

- static (default): unit i is shard i of the plan; worker i runs exactly unit i. All shards
  start together, which is what the CI executors will do, so `local` predicts CI.
- dynamic (`--dynamic`): the plan's groups (`--group-by`) go into one shared queue, longest
  first (ties by key: deterministic). An idle worker takes the next-largest remaining unit, so
  a mis-estimated test delays only its own worker; each worker keeps its workspace and runs its
  units one after another. Each unit is one test run (one process start, one collection), so
  small groups are batched into units by guided self-scheduling (`chunk_units`).
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paratest_split.core.model import GroupBy, Plan, Shard, TestItem

STATIC = "static"
DYNAMIC = "dynamic"


@dataclass(frozen=True, kw_only=True, slots=True)
class Unit:
    index: int  # unique, 0-based: the shard index the engine reports under (shard-<index>.xml)
    key: str  # the shard index as text (static) or the group key (dynamic)
    predicted_seconds: float
    tests: tuple[str, ...]


def static_units(plan: Plan) -> list[Unit]:
    """One unit per shard of the plan, worker i runs unit i."""
    return [
        Unit(index=s.index, key=str(s.index), predicted_seconds=s.predicted_seconds, tests=s.tests)
        for s in plan.shards_detail
    ]


def group_units(
    plan: Plan, estimates: Mapping[str, float], group_by: GroupBy | None = None
) -> list[Unit]:
    """The plan's tests as one unit per group, longest first then by key, indexes 0..G-1.

    `estimates` maps test id -> predicted seconds (missing: 0). Test order inside a unit is the
    plan's order. Items the plan does not describe form a group of their own id.
    """
    by = group_by or plan.group_by
    items: dict[str, TestItem] = {item.id: item for item in plan.items}
    order: list[str] = []
    groups: dict[str, list[str]] = {}
    for shard in plan.shards_detail:
        for test in shard.tests:
            item = items.get(test)
            key = item.group_key(by) if item is not None else test
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(test)
    weighted = [(sum(estimates.get(t, 0.0) for t in groups[key]), key) for key in order]
    weighted.sort(key=lambda pair: (-pair[0], pair[1]))
    return [
        Unit(index=i, key=key, predicted_seconds=seconds, tests=tuple(groups[key]))
        for i, (seconds, key) in enumerate(weighted)
    ]


def chunk_units(groups: Sequence[Unit], workers: int, min_seconds: float = 0.0) -> list[Unit]:
    """Batch small groups so that each unit is worth the start-up of a test run.

    Guided self-scheduling ("factoring"): walking the groups longest first, a unit takes the
    next groups while it stays within max(remaining / (2 * workers), min_seconds) predicted
    seconds (always at least one group). Large groups stay alone and go first; the tail is cut
    into ever smaller units, down to `min_seconds`, so workers still finish together. Returns
    units indexed 0..U-1 in that order; a unit's key is its first group's key, plus "+N".
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    ordered = sorted(groups, key=_priority)
    remaining = sum(g.predicted_seconds for g in ordered)
    units: list[Unit] = []
    position = 0
    while position < len(ordered):
        target = max(remaining / (2 * workers), min_seconds)
        chunk = [ordered[position]]
        load = ordered[position].predicted_seconds
        position += 1
        while position < len(ordered) and load + ordered[position].predicted_seconds <= target:
            chunk.append(ordered[position])
            load += ordered[position].predicted_seconds
            position += 1
        remaining -= load
        key = chunk[0].key + (f" +{len(chunk) - 1}" if len(chunk) > 1 else "")
        tests = tuple(t for group in chunk for t in group.tests)
        units.append(Unit(index=len(units), key=key, predicted_seconds=load, tests=tests))
    return units


def units_plan(plan: Plan, units: Sequence[Unit]) -> Plan:
    """A plan whose shard i is unit i: what the engine and merge are given in dynamic mode."""
    from dataclasses import replace

    return replace(
        plan,
        shards=len(units),
        shards_detail=tuple(
            Shard(index=u.index, predicted_seconds=u.predicted_seconds, tests=u.tests)
            for u in units
        ),
    )


def simulate(units: Sequence[Unit], workers: int) -> tuple[list[list[int]], float]:
    """Predicted dynamic schedule: which unit indexes each worker runs, and the makespan.

    Greedy list scheduling over the queue order: the worker that becomes idle first (ties: lower
    worker index) takes the next unit. Same rule as the real queue, with predicted durations.
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    assigned: list[list[int]] = [[] for _ in range(workers)]
    heap = [(0.0, w) for w in range(workers)]
    for unit in sorted(units, key=_priority):
        free_at, worker = heapq.heappop(heap)
        assigned[worker].append(unit.index)
        heapq.heappush(heap, (free_at + unit.predicted_seconds, worker))
    return assigned, max(t for t, _ in heap)


def _priority(unit: Unit) -> tuple[float, str, int]:
    return (-unit.predicted_seconds, unit.key, unit.index)


class StaticSchedule:
    """Worker i runs unit i, once."""

    mode = STATIC

    def __init__(self, units: Sequence[Unit]) -> None:
        self._pending: dict[int, Unit | None] = dict(enumerate(units))
        self._lock = threading.Lock()
        self.workers = len(units)
        self.units = tuple(units)

    def next_for(self, worker: int) -> Unit | None:
        with self._lock:
            unit = self._pending.get(worker)
            self._pending[worker] = None
            return unit

    def remaining(self) -> int:
        with self._lock:
            return sum(1 for u in self._pending.values() if u is not None)

    def give_back(self, unit: Unit) -> None:
        """A worker could not run its shard: no other worker may take it (static)."""
        del unit


class DynamicQueue:
    """Shared longest-first queue; any idle worker takes the largest remaining unit."""

    mode = DYNAMIC

    def __init__(self, units: Sequence[Unit], workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._heap = [(*_priority(u), u) for u in units]
        heapq.heapify(self._heap)
        self._lock = threading.Lock()
        self.workers = min(workers, len(units)) if units else 0
        self.units = tuple(units)

    def next_for(self, worker: int) -> Unit | None:
        del worker
        with self._lock:
            if not self._heap:
                return None
            return heapq.heappop(self._heap)[-1]

    def remaining(self) -> int:
        with self._lock:
            return len(self._heap)

    def give_back(self, unit: Unit) -> None:
        """A worker could not run `unit` (its workspace failed): another worker may take it."""
        with self._lock:
            heapq.heappush(self._heap, (*_priority(unit), unit))
