"""pytest-split's two splitting algorithms, rewritten from their documented behaviour.

Used only by `benchmarks/balance.py` to compare plans; not part of paratest-split.

- `least_duration`: LPT. Items sorted by name, then (stably) by duration descending; each goes
  to the group with the smallest duration sum, ties to the lowest group index.
- `duration_based_chunks`: contiguous chunks of the input (collection) order; a new group starts
  once the current one has reached total / splits. Groups at the end can stay empty.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def least_duration(items: Sequence[tuple[str, float]], splits: int) -> list[list[str]]:
    ordered = sorted(
        sorted(items, key=lambda item: item[0]), key=lambda item: item[1], reverse=True
    )
    groups: list[list[str]] = [[] for _ in range(splits)]
    heap: list[tuple[float, int]] = [(0.0, i) for i in range(splits)]
    for name, seconds in ordered:
        total, index = heapq.heappop(heap)
        groups[index].append(name)
        heapq.heappush(heap, (total + seconds, index))
    return groups


def duration_based_chunks(items: Sequence[tuple[str, float]], splits: int) -> list[list[str]]:
    per_group = sum(seconds for _, seconds in items) / splits
    groups: list[list[str]] = [[] for _ in range(splits)]
    durations = [0.0] * splits
    index = 0
    for name, seconds in items:
        if durations[index] >= per_group and index < splits - 1:
            index += 1
        groups[index].append(name)
        durations[index] += seconds
    return groups
