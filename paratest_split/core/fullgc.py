"""Pure: what a test's full garbage collections cost in a shard (`group_by: auto`).

A full (generation-2) collection walks every object the collector tracks, so a test that
calls `gc.collect()` (leak tests do, several times) takes longer in a whole-suite run, whose
process holds every module and every collected item, than in a shard: networkx's
`test_memory_leak` tests spend 1.0-1.2 s in full collections in a serial run (375-410k
tracked objects) and 0.3 s in a shard (137-155k). Predicting the shard from the serial
time was 25% off for the shards that hold them.

The pytest plugin records, per test with full collections, their seconds and the tracked
objects right after the test, and how the heap grows: tracked objects at session start, per
allocated block that collection added (and each file's blocks), per test run. A shard's
tracked objects right after its k-th test (tests run in id order, roughly: pytest collects
files in path order) are predicted as
    start + per_block x (its files' blocks) + per_test x k
and the test's full-collection time scales by that over the objects it ran with.
Only the collector's own time is scaled: what else the test does with the heap (walking
`gc.get_objects()`) stays as recorded.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Mapping, Sequence

from paratest_split.core.model import (
    FULL_GC_HEAP_PROPERTY_PREFIX,
    FULL_GC_PROPERTY_PREFIX,
    HEAP_BLOCKS_PROPERTY_PREFIX,
    HEAP_PER_BLOCK_PROPERTY,
    HEAP_PER_TEST_PROPERTY,
    HEAP_START_PROPERTY,
    HeapCosts,
)
from paratest_split.core.properties import prefixed_numbers, property_number

# a prediction is never scaled further than this from what was recorded
_MIN_RATIO, _MAX_RATIO = 0.05, 20.0


def learn_heap(reports: Sequence[Mapping[str, str]]) -> HeapCosts | None:
    """The heap model from the reports' suite properties: medians over the reports that
    recorded the heap; None when none did or no test had full collections."""
    starts: list[float] = []
    per_blocks: list[float] = []
    per_tests: list[float] = []
    blocks: dict[str, list[float]] = {}
    tests: dict[str, list[tuple[float, float]]] = {}
    for properties in reports:
        scalars = [
            property_number(properties.get(name))
            for name in (HEAP_START_PROPERTY, HEAP_PER_BLOCK_PROPERTY, HEAP_PER_TEST_PROPERTY)
        ]
        if any(value is None for value in scalars):
            continue
        start, per_block, per_test = (float(v or 0.0) for v in scalars)
        starts.append(start)
        per_blocks.append(per_block)
        per_tests.append(per_test)
        for file, count in prefixed_numbers(properties, HEAP_BLOCKS_PROPERTY_PREFIX).items():
            blocks.setdefault(file, []).append(count)
        objects = prefixed_numbers(properties, FULL_GC_HEAP_PROPERTY_PREFIX)
        for nodeid, seconds in prefixed_numbers(properties, FULL_GC_PROPERTY_PREFIX).items():
            if objects.get(nodeid, 0.0) > 0:
                tests.setdefault(nodeid, []).append((seconds, objects[nodeid]))
    if not starts or not tests:
        return None
    learned_blocks = {file: statistics.median(values) for file, values in sorted(blocks.items())}
    return HeapCosts(
        start=statistics.median(starts),
        per_block=statistics.median(per_blocks),
        per_test=statistics.median(per_tests),
        blocks=tuple(learned_blocks.items()),
        default_blocks=statistics.median(learned_blocks.values()) if learned_blocks else 0.0,
        tests=tuple(
            (
                nodeid,
                statistics.median(s for s, _ in pairs),
                statistics.median(o for _, o in pairs),
            )
            for nodeid, pairs in sorted(tests.items())
        ),
    )


class FullGc:
    """The heap model applied to one list of tests (`ids`, `modules[i]` test i's file)."""

    def __init__(self, heap: HeapCosts, ids: Sequence[str], modules: Sequence[str]) -> None:
        self.heap = heap
        self.ids = ids
        self.modules = modules
        self.blocks = dict(heap.blocks)
        recorded = {nodeid: (seconds, objects) for nodeid, seconds, objects in heap.tests}
        # test index -> (full-collection seconds, objects it ran with)
        self.tests = {i: recorded[t] for i, t in enumerate(ids) if t in recorded}
        self.sorted_ids = sorted(ids)
        files = set(modules)
        self.all_blocks = sum(self._blocks_of(m) for m in sorted(files))

    def _blocks_of(self, module: str) -> float:
        return self.blocks.get(module, self.heap.default_blocks)

    def _scaled(self, i: int, objects: float) -> float:
        seconds, recorded = self.tests[i]
        ratio = min(_MAX_RATIO, max(_MIN_RATIO, objects / recorded))
        return seconds * ratio

    def share_weights(self, weights: Sequence[float], shards: int) -> list[float]:
        """`weights` with each recorded test's full collections scaled to a shard holding
        1/`shards` of every file and test: what the partitioner balances."""
        adjusted = list(weights)
        heap = self.heap
        for i, (seconds, _) in self.tests.items():
            rank = bisect.bisect_right(self.sorted_ids, self.ids[i])
            objects = (
                heap.start
                + heap.per_block * self.all_blocks / shards
                + heap.per_test * rank / shards
            )
            adjusted[i] = max(0.0, weights[i] - seconds + self._scaled(i, objects))
        return adjusted

    def shard_correction(
        self, tests: Sequence[int], weights: Sequence[float], shared: Sequence[float]
    ) -> float:
        """How much a shard holding `tests` (indices) takes beyond its `shared` weights: each
        recorded test's full collections scaled to this shard's own heap, minus what
        `share_weights` assumed."""
        mine = [i for i in tests if i in self.tests]
        if not mine:
            return 0.0
        heap = self.heap
        files = sorted({self.modules[i] for i in tests})
        base = heap.start + heap.per_block * sum(self._blocks_of(m) for m in files)
        order = sorted(self.ids[i] for i in tests)
        correction = 0.0
        for i in mine:
            seconds, _ = self.tests[i]
            ran = bisect.bisect_right(order, self.ids[i])
            exact = max(0.0, weights[i] - seconds + self._scaled(i, base + heap.per_test * ran))
            correction += exact - shared[i]
        return correction
