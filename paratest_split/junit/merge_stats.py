"""A merge's per-shard figures: each shard's counts (a `writer.Totals`) and its slowest cases,
the bounded heaps behind the `slowest` lists, and the rows of the per-shard summary.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

from paratest_split.core.completeness import Completeness
from paratest_split.core.model import Plan
from paratest_split.junit.merge_inputs import Input
from paratest_split.junit.merge_result import ShardStats, SlowTest
from paratest_split.junit.writer import Totals

Slow = tuple[float, int, SlowTest, int]  # seconds, -counter (ties: first written first), hash


@dataclass(kw_only=True)
class ShardAcc(Totals):
    """One shard's counts (`Totals.add_case`, the report's own counting: failures and errors,
    skipped, flaky, time spent) and its slowest cases."""

    slowest: list[Slow] = field(default_factory=list)
    floor: float = 0.0  # a case must be slower than this to enter `slowest`


def push_pair(heap: list[tuple[float, int]], entry: tuple[float, int], size: int) -> None:
    if len(heap) < size:
        heapq.heappush(heap, entry)
    elif entry > heap[0]:
        heapq.heapreplace(heap, entry)


def heap_floor(heap: list[Slow], size: int) -> float:
    return heap[0][0] if len(heap) >= size else 0.0


def without(heap: list[Slow], markers: set[int]) -> list[Slow]:
    kept = [entry for entry in heap if entry[3] not in markers]
    heapq.heapify(kept)
    return kept


def push(heap: list[Slow], entry: Slow, size: int) -> None:
    if len(heap) < size:
        heapq.heappush(heap, entry)
    else:
        heapq.heappushpop(heap, entry)


def top_slowest(heap: list[Slow]) -> tuple[SlowTest, ...]:
    """Slowest first (ties: first written first); tests that took no time are not "slow"."""
    ordered = sorted(heap, key=lambda e: (-e[0], -e[1]))
    return tuple(entry[2] for entry in ordered if entry[0] > 0)


def shard_rows(
    plan: Plan | None,
    shard_acc: dict[int | None, ShardAcc],
    inputs: Sequence[Input],
    completeness: Completeness | None,
) -> tuple[ShardStats, ...]:
    """One row per shard: the plan's, those results name, then results of unknown shard."""
    missing = completeness.missing_by_shard() if completeness else {}
    indexes: set[int] = {i for i in shard_acc if i is not None}
    indexes.update(missing)
    if plan is not None:
        indexes.update(range(plan.shards))
    latest: dict[int, Input] = {}
    reports: dict[int | None, int] = {}
    for source in inputs:
        reports[source.shard] = reports.get(source.shard, 0) + 1
        if source.shard is not None:
            current = latest.get(source.shard)
            if current is None or source.sort_key >= current.sort_key:
                latest[source.shard] = source
    rows = []
    ordered: list[int | None] = [*sorted(indexes)]
    if None in shard_acc:
        ordered.append(None)
    for index in ordered:
        acc = shard_acc.get(index, ShardAcc())
        predicted = None
        if plan is not None and index is not None and index < plan.shards:
            predicted = plan.shard(index).predicted_seconds
        wall = None
        if index is not None and index in latest:
            source = latest[index]
            wall = max(source.suite_seconds, source.case_seconds)
        rows.append(
            ShardStats(
                index=index,
                reports=reports.get(index, 0),
                tests=acc.tests,
                failed=acc.failures + acc.errors,
                skipped=acc.skipped,
                flaky=acc.flaky,
                missing=missing.get(index, 0) if index is not None else 0,
                actual_seconds=acc.time,
                wall_seconds=wall,
                predicted_seconds=predicted,
                slowest=top_slowest(acc.slowest),
            )
        )
    return tuple(rows)
