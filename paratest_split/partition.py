"""Pure partitioning core: split weighted groups into N shards of nearly equal total time.

`partition(groups, shards)` is the one entry point the planner uses. `groups` are
(group key, predicted seconds) pairs; the result is exactly `shards` tuples of keys.

Determinism: the result is a pure function of the *multiset* of (key, seconds) pairs. Input is
first put in canonical order (longest first, ties by key), every tie anywhere is broken by that
order or by shard index, and every search is bounded by a count of steps, never by a clock.
Internally durations become integers (`_ticks`) so that loads are exact; the final choice
between candidate plans is made on exact (`math.fsum`) sums of the original seconds.

Strategies:
- `lpt`: Longest Processing Time first (Graham): largest group onto the least-loaded shard.
  Up to 4/3 of optimal; what pytest-split's `least_duration`, Jenkins and Knapsack use.
- `kk`: Karmarkar-Karp multiway differencing: repeatedly combine the two partial partitions with
  the largest spread, pairing the heaviest subset of one with the lightest of the other.
- `best`: LPT and KK, each polished by a bounded local search (move one group or swap two
  between the heaviest shard and another), then a bounded exact branch-and-bound for small
  inputs; keeps the best plan found, so it is never worse than LPT.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right, insort
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Protocol, runtime_checkable

__all__ = [
    "LPT",
    "STRATEGIES",
    "Best",
    "KarmarkarKarp",
    "Strategy",
    "available",
    "lower_bound",
    "makespan",
    "partition",
]

Group = tuple[str, float]

ENTRY_POINT_GROUP = "paratest_split.strategies"

# Integer resolution of durations, relative to the largest group: 2**40 ticks for the largest,
# so quantisation error is ~1e-12 of it, far below anything a timing can tell apart.
_RESOLUTION = 2**40
# Work budgets, in elementary steps (a bisection, a node of the search tree), never wall-clock.
_LOCAL_SEARCH_BUDGET = 300_000
_KK_BUDGET = 150_000  # groups x shards: 2,000 groups on 32 shards fit; 100,000 on 50 do not
_BNB_MAX_GROUPS = 120
_BNB_BUDGET = 200_000


@runtime_checkable
class Strategy(Protocol):
    """A way to split groups into shards.

    `split` receives validated groups in canonical order (longest first, ties by key), with
    unique keys and finite seconds >= 0, and `shards >= 1`. It returns `shards` sequences of
    keys; every key must appear in exactly one of them. Order inside a shard and the order of
    shards do not matter: `partition` puts both in canonical order. A strategy must be
    deterministic: same input, same output, on every machine.
    """

    name: str
    description: str

    def split(self, groups: Sequence[Group], shards: int) -> Sequence[Sequence[str]]:
        """Assign every key of `groups` to one of `shards` shards."""
        ...


# --------------------------------------------------------------------------- public API


def lower_bound(seconds: Sequence[float], shards: int) -> float:
    """No plan can finish before max(total / shards, largest group)."""
    _check_shards(shards)
    if not seconds:
        return 0.0
    try:
        total = math.fsum(seconds)
    except OverflowError:
        return math.inf
    return max(total / shards, max(seconds))


def makespan(plan: Sequence[Sequence[str]], seconds: Mapping[str, float]) -> float:
    """Predicted wall time of a plan: the exact sum of its heaviest shard (0 for no shards)."""
    return max((math.fsum(seconds[key] for key in shard) for shard in plan), default=0.0)


def partition(
    groups: Sequence[Group], shards: int, *, algorithm: str = "best"
) -> tuple[tuple[str, ...], ...]:
    """Split `groups` into exactly `shards` shards with `algorithm`.

    Returns one tuple of keys per shard: heaviest shard first (ties by its first key), empty
    shards last; inside a shard, longest group first, ties by key. Raises ValueError for
    `shards < 1`, duplicate keys, seconds that are negative or not finite, an unknown
    algorithm, or a strategy that returns a malformed plan.
    """
    _check_shards(shards)
    canonical = _canonical(groups)
    strategy = _resolve(algorithm)
    raw = strategy.split(canonical, shards)
    return _normalize(raw, canonical, shards, strategy.name)


class LPT:
    """Longest Processing Time first: largest group onto the least-loaded shard."""

    name = "lpt"
    description = "largest group first onto the least-loaded shard (Graham's LPT, <= 4/3 opt)"

    def split(self, groups: Sequence[Group], shards: int) -> Sequence[Sequence[str]]:
        ticks = _ticks(groups)
        return _keys(groups, _lpt(ticks, shards), shards)


class KarmarkarKarp:
    """Karmarkar-Karp largest differencing method, generalised to N shards."""

    name = "kk"
    description = "Karmarkar-Karp multiway differencing (largest differencing method)"

    def split(self, groups: Sequence[Group], shards: int) -> Sequence[Sequence[str]]:
        ticks = _ticks(groups)
        return _keys(groups, _kk(ticks, shards), shards)


class Best:
    """LPT and KK, polished by bounded local search and small-input branch-and-bound."""

    name = "best"
    description = "best of LPT and Karmarkar-Karp after local search (never worse than LPT)"

    def split(self, groups: Sequence[Group], shards: int) -> Sequence[Sequence[str]]:
        ticks = _ticks(groups)
        return _keys(groups, _best(groups, ticks, shards), shards)


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (LPT(), KarmarkarKarp(), Best())}


def available() -> dict[str, Strategy]:
    """Built-in strategies plus third-party ones from entry-point group `paratest_split.strategies`.

    An entry point is loaded and instantiated with no arguments. A plugin that fails to load or
    does not implement `Strategy` raises `PluginError` naming it; built-in names cannot be
    overridden. Sorted by name.
    """
    from importlib.metadata import entry_points  # noqa: PLC0415 - metadata IO only when asked

    from paratest_split.errors import PluginError  # noqa: PLC0415 - keep the core import-light

    found: dict[str, Strategy] = dict(STRATEGIES)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        builtin = STRATEGIES.get(ep.name)
        if builtin is not None:
            if ep.value == f"{__name__}:{type(builtin).__name__}":
                continue  # our own registration of a built-in
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) clashes with the built-in strategy"
            )
        if ep.name in found:
            raise PluginError(f"strategy plugin {ep.name!r} is registered twice ({ep.value})")
        try:
            loaded = ep.load()
            strategy = loaded() if isinstance(loaded, type) else loaded
        except Exception as exc:
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        if not isinstance(strategy, Strategy) or not isinstance(
            getattr(strategy, "name", None), str
        ):
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) is not a Strategy: it needs "
                "`name`, `description` and `split(groups, shards)`"
            )
        found[ep.name] = strategy
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------- validation


def _check_shards(shards: int) -> None:
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ValueError(f"number of shards must be an integer >= 1, got {shards!r}")


def _canonical(groups: Sequence[Group]) -> list[Group]:
    """Validate and sort longest first, ties by key."""
    bad_key = sorted(repr(g[0]) for g in groups if not isinstance(g[0], str))
    if bad_key:
        raise ValueError(f"group keys must be strings, got {bad_key[0]}")
    bad = sorted(
        (key, seconds)
        for key, seconds in groups
        if isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or seconds < 0
    )
    if bad:
        key, seconds = bad[0]
        raise ValueError(
            f"group {key!r}: predicted seconds must be a finite number >= 0, got {seconds!r}"
        )
    ordered = sorted(((key, float(seconds)) for key, seconds in groups), key=_order)
    by_key = sorted(key for key, _ in ordered)
    for first, second in zip(by_key, by_key[1:]):
        if first == second:
            raise ValueError(f"duplicate group key {first!r}")
    return ordered


def _order(group: Group) -> tuple[float, str]:
    return (-group[1], group[0])


def _resolve(algorithm: str) -> Strategy:
    strategy = STRATEGIES.get(algorithm)
    if strategy is not None:
        return strategy
    plugins = available()
    strategy = plugins.get(algorithm)
    if strategy is None:
        raise ValueError(
            f"unknown partitioning algorithm {algorithm!r} (choose from {', '.join(plugins)})"
        )
    return strategy


def _normalize(
    raw: Sequence[Sequence[str]], canonical: Sequence[Group], shards: int, name: str
) -> tuple[tuple[str, ...], ...]:
    """Check a strategy's answer; canonical order inside and between shards."""
    if len(raw) != shards:
        raise ValueError(f"strategy {name!r} returned {len(raw)} shards instead of {shards}")
    rank = {key: i for i, (key, _) in enumerate(canonical)}
    seen = [False] * len(canonical)
    indexed: list[list[int]] = []
    for shard in raw:
        members = []
        for key in shard:
            i = rank.get(key)
            if i is None:
                raise ValueError(f"strategy {name!r} returned unknown key {key!r}")
            if seen[i]:
                raise ValueError(f"strategy {name!r} placed {key!r} in more than one shard")
            seen[i] = True
            members.append(i)
        members.sort()
        indexed.append(members)
    if not all(seen):
        missing = canonical[seen.index(False)][0]
        raise ValueError(f"strategy {name!r} left out {missing!r}")
    n = len(canonical)

    def shard_order(members: list[int]) -> tuple[float, int]:
        return (-math.fsum(canonical[i][1] for i in members), members[0] if members else n)

    indexed.sort(key=shard_order)
    return tuple(tuple(canonical[i][0] for i in members) for members in indexed)


# --------------------------------------------------------------------------- algorithms
# All of these work on `ticks`: exact integer durations indexed in canonical order (so index
# order is (-seconds, key) order), and return `assign[i]` = shard of group i.


def _ticks(groups: Sequence[Group]) -> list[int]:
    largest = max((s for _, s in groups), default=0.0)
    if largest <= 0:
        return [0] * len(groups)
    scale = _RESOLUTION / largest
    return [round(s * scale) for _, s in groups]


def _keys(groups: Sequence[Group], assign: Sequence[int], shards: int) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(shards)]
    for (key, _), shard in zip(groups, assign):
        out[shard].append(key)
    return out


def _lpt(ticks: Sequence[int], shards: int) -> list[int]:
    """Graham's LPT; ties go to the lowest shard index. `ticks` must be in canonical order."""
    heap = [(0, j) for j in range(shards)]
    assign = [0] * len(ticks)
    for i, size in enumerate(ticks):
        load, j = heap[0]
        assign[i] = j
        heapq.heapreplace(heap, (load + size, j))
    return assign


def _kk(ticks: Sequence[int], shards: int) -> list[int]:
    """Multiway largest differencing method (Karmarkar & Karp 1982, Korf 2009 for k-way)."""
    n = len(ticks)
    assign = [0] * n
    if n == 0:
        return assign
    by_sum = itemgetter(0)
    heap: list[tuple[int, int, list[tuple[int, object]]]] = []
    empty: list[tuple[int, object]] = [(0, None)] * (shards - 1)
    for i, size in enumerate(ticks):
        heap.append((-size, i, [(size, i), *empty]))
    heapq.heapify(heap)
    seq = n
    while len(heap) > 1:
        _, _, first = heapq.heappop(heap)
        _, _, second = heapq.heappop(heap)
        # heaviest subset of one with the lightest of the other
        combined = [(a[0] + b[0], _join(a[1], b[1])) for a, b in zip(first, reversed(second))]
        combined.sort(key=by_sum, reverse=True)
        heapq.heappush(heap, (combined[-1][0] - combined[0][0], seq, combined))
        seq += 1
    _, _, final = heap[0]
    for j, (_, tree) in enumerate(final):
        stack = [tree]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            if isinstance(node, int):
                assign[node] = j
            else:
                stack.extend(node)  # type: ignore[arg-type]
    return assign


def _join(a: object, b: object) -> object:
    """A KK subset's tree: None (empty), an int (group index) or a pair of trees."""
    if a is None:
        return b
    if b is None:
        return a
    return (a, b)


def _loads(ticks: Sequence[int], assign: Sequence[int], shards: int) -> list[int]:
    loads = [0] * shards
    for size, j in zip(ticks, assign):
        loads[j] += size
    return loads


def _local_search(
    ticks: Sequence[int], assign: Sequence[int], shards: int, floor: int, budget: int
) -> list[int]:
    """Move one group or swap two between the heaviest shard and a lighter one, while that
    lowers the heaviest shard, best-balancing step first.

    Each accepted step leaves both shards strictly below the old maximum, so the sorted load
    vector decreases lexicographically: no cycles. Stops at `floor` (a lower bound), when no
    step helps, or after `budget` elementary steps.
    """
    members: list[list[tuple[int, int]]] = [[] for _ in range(shards)]
    for i, j in enumerate(assign):
        members[j].append((ticks[i], i))
    for m in members:
        m.sort()
    loads = [sum(size for size, _ in m) for m in members]
    work = 0
    while work < budget:
        top = max(loads)
        if top <= floor:
            break
        h = loads.index(top)
        hm = members[h]
        hsizes = [size for size, _ in hm]
        work += len(hm)
        step: tuple[int, int, int] | None = None  # (target shard, index in h, index in j or -1)
        for j in sorted(range(shards), key=lambda s: (loads[s], s)):
            if j == h:
                continue
            gap = top - loads[j]
            if gap < 2:  # noqa: PLR2004 - no integer amount strictly between 0 and 1 to move
                break
            half = gap // 2
            gain = 0
            # move: the group in h closest to gap/2 on either side
            p = bisect_right(hsizes, half)
            for q in (p - 1, p):
                if 0 <= q < len(hsizes):
                    g = min(hsizes[q], gap - hsizes[q])
                    if g > gain:
                        gain, step = g, (j, q, -1)
            if gain < half:
                # swap a in h with b in j, a - b closest to gap/2
                jsizes = [size for size, _ in members[j]]
                work += len(jsizes)
                previous = -1
                for q, a in enumerate(hsizes):
                    if a == previous:
                        continue
                    previous = a
                    work += 1
                    r = bisect_right(jsizes, a - half)
                    for t in (r - 1, r):
                        if 0 <= t < len(jsizes):
                            g = min(a - jsizes[t], gap - a + jsizes[t])
                            if g > gain:
                                gain, step = g, (j, q, t)
                    if gain >= half:
                        break
            if gain > 0:
                break
        if step is None:
            break
        j, q, t = step
        moved = hm.pop(q)
        loads[h] -= moved[0]
        loads[j] += moved[0]
        if t >= 0:
            back = members[j].pop(t)
            loads[j] -= back[0]
            loads[h] += back[0]
            insort(hm, back)
        insort(members[j], moved)
    out = list(assign)
    for j, m in enumerate(members):
        for _, i in m:
            out[i] = j
    return out


def _branch_and_bound(
    ticks: Sequence[int], shards: int, incumbent: int, floor: int, budget: int
) -> list[int] | None:
    """Exhaustive search for a plan with makespan < `incumbent`, groups largest first, shards
    tried least-loaded first, skipping shards whose load equals one already tried (symmetry).
    Returns the best plan found, or None if it found nothing better within `budget` nodes.
    """
    n = len(ticks)
    suffix = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + ticks[i]
    loads = [0] * shards
    current = [0] * n
    best: list[int] | None = None
    limit = incumbent  # we want makespan < limit
    nodes = 0

    def search(i: int, high: int) -> bool:
        """True when the search must stop (bound reached or budget spent)."""
        nonlocal best, limit, nodes
        if i == n:
            best = list(current)
            limit = high
            return limit <= floor
        nodes += 1
        if nodes > budget:
            return True
        # everything left must fit under the limit on average
        if -(-(sum(loads) + suffix[i]) // shards) >= limit:
            return False
        size = ticks[i]
        tried: set[int] = set()
        for j in sorted(range(shards), key=lambda s: (loads[s], s)):
            load = loads[j]
            if load in tried:
                continue
            tried.add(load)
            if load + size >= limit:
                break  # shards are in increasing load order: no other fits either
            loads[j] = load + size
            current[i] = j
            stop = search(i + 1, max(high, load + size))
            loads[j] = load
            if stop:
                return True
        return False

    search(0, 0)
    return best


def _best(groups: Sequence[Group], ticks: Sequence[int], shards: int) -> list[int]:
    n = len(ticks)
    if n == 0 or shards == 1:
        return [0] * n
    floor = max(-(-sum(ticks) // shards), max(ticks))
    candidates = [_lpt(ticks, shards)]
    if n * shards <= _KK_BUDGET:
        candidates.append(_kk(ticks, shards))
    for start in list(candidates):
        if max(_loads(ticks, start, shards)) > floor:
            candidates.append(_local_search(ticks, start, shards, floor, _LOCAL_SEARCH_BUDGET))
    incumbent = min(max(_loads(ticks, c, shards)) for c in candidates)
    if n <= _BNB_MAX_GROUPS and incumbent > floor:
        found = _branch_and_bound(ticks, shards, incumbent, floor, _BNB_BUDGET)
        if found is not None:
            candidates.append(found)
    # Choose on exact sums of the original seconds, so `best` is never worse than `lpt` even
    # by a rounding error; ties go to the earlier candidate (LPT first).
    return min(candidates, key=lambda c: _profile(groups, c, shards))


def _profile(groups: Sequence[Group], assign: Sequence[int], shards: int) -> list[float]:
    """Shard loads in seconds, heaviest first: compared lexicographically."""
    per: list[list[float]] = [[] for _ in range(shards)]
    for (_, seconds), j in zip(groups, assign):
        per[j].append(seconds)
    return sorted((math.fsum(p) for p in per), reverse=True)
