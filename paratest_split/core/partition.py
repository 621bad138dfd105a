"""Pure partitioning core: split weighted groups into N shards of nearly equal total time.

`partition(groups, shards)` is the one entry point the planner uses. `groups` are
(group key, predicted seconds) pairs; the result is exactly `shards` tuples of keys.

Determinism: the result is a pure function of the *multiset* of (key, seconds) pairs. Input is
first put in canonical order (longest first, ties by key), every tie anywhere is broken by that
order or by shard index, and every search is bounded by a count of steps, never by a clock.
Internally durations become integers (`_ticks`) so that loads are exact; the final choice
between candidate plans is made on exact (`math.fsum`) sums of the original seconds.

Strategies:
- `lpt`: Longest Processing Time first (Graham): largest group onto the least-loaded shard
  (ties: fewer groups, then lower index). Up to 4/3 of optimal; what pytest-split's
  `least_duration`, Jenkins and Knapsack use.
- `kk`: Karmarkar-Karp multiway differencing: repeatedly combine the two partial partitions with
  the largest spread, pairing the heaviest subset of one with the lightest of the other.
- `best`: LPT and KK, each polished by a bounded local search (move one group or swap two
  between the heaviest shard and another), then a bounded exact branch-and-bound for small
  inputs; keeps the best plan found, so it is never worse than LPT.

Size (~660 lines): the three strategies share the integer ticks, the local search, the
branch-and-bound and the canonical ordering; split apart, one algorithm would be spread
over several files.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_right, insort
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import itemgetter, mul, truediv
from typing import NoReturn, Protocol, runtime_checkable

__all__ = [
    "LPT",
    "STRATEGIES",
    "Best",
    "KarmarkarKarp",
    "Strategy",
    "canonical_order",
    "lower_bound",
    "makespan",
    "partition",
    "partition_canonical",
    "place_canonical",
]

Group = tuple[str, float]
Placed = tuple[list[int], list[list[int]], "list[float] | None"]

# Integer resolution of durations, relative to the largest group: 2**40 ticks for the largest,
# so quantisation error is ~1e-12 of it, far below anything a timing can tell apart.
_RESOLUTION = 2**40
# Work budgets, in elementary steps (a bisection, a node of the search tree), never wall-clock.
_NORMAL = 1e-250  # a largest group this long or longer: 2**40 / largest cannot overflow
_LOCAL_SEARCH_BUDGET = 50_000
_KK_BUDGET = 150_000  # groups x shards: 2,000 groups on 32 shards fit; 100,000 on 50 do not
_BNB_MAX_GROUPS = 120
_CLOSE_ENOUGH = 100_000  # a plan within 1/_CLOSE_ENOUGH of the lower bound is not polished
_BNB_BUDGET = 150_000


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
    return max(total / shards, *seconds)


def makespan(plan: Sequence[Sequence[str]], seconds: Mapping[str, float]) -> float:
    """Predicted wall time of a plan: the exact sum of its heaviest shard (0 for no shards)."""
    return max((math.fsum(seconds[key] for key in shard) for shard in plan), default=0.0)


def partition(
    groups: Sequence[Group], shards: int, *, algorithm: str | Strategy = "best"
) -> tuple[tuple[str, ...], ...]:
    """Split `groups` into exactly `shards` shards with `algorithm`.

    Returns one tuple of keys per shard: heaviest shard first (ties by its first key), empty
    shards last; inside a shard, longest group first, ties by key. Raises ValueError for
    `shards < 1`, duplicate keys, seconds that are negative or not finite, an unknown
    algorithm, or a strategy that returns a malformed plan.
    """
    _check_shards(shards)
    keys, seconds = _prepare(groups)
    return partition_canonical(keys, seconds, shards, algorithm=algorithm)


def partition_canonical(
    keys: Sequence[str],
    seconds: Sequence[float],
    shards: int,
    *,
    algorithm: str | Strategy = "best",
) -> tuple[tuple[str, ...], ...]:
    """`partition` for input already valid and in canonical order (see `canonical_order`):
    unique keys, finite seconds >= 0, longest first, ties by key. Skips the checks and the
    sort, for callers that hold a million groups and have done both."""
    members, _ = place_canonical(keys, seconds, shards, algorithm=algorithm)
    return tuple(tuple(map(keys.__getitem__, shard)) for shard in members)


def place_canonical(
    keys: Sequence[str],
    seconds: Sequence[float],
    shards: int,
    *,
    algorithm: str | Strategy = "best",
) -> tuple[list[list[int]], list[float]]:
    """`partition_canonical`, answering with group indices instead of keys: `(shards, loads)`,
    the indices of each shard's groups (in partition's order) and each shard's exact total."""
    _check_shards(shards)
    strategy = _resolve(algorithm)
    sums: list[float] | None = None
    if isinstance(strategy, _BuiltIn):
        _, members, sums = strategy.place(seconds, shards)
    else:
        canonical = list(zip(keys, seconds, strict=True))
        assign = _assignment(strategy.split(canonical, shards), keys, shards, strategy.name)
        members = _members(assign, shards)
    return _arrange(seconds, members, sums)


class _BuiltIn:
    """Shared plumbing of the built-in strategies: they work on group indices."""

    name = ""
    description = ""

    def split(self, groups: Sequence[Group], shards: int) -> Sequence[Sequence[str]]:
        keys = [key for key, _ in groups]
        _, members, _ = self.place([seconds for _, seconds in groups], shards)
        return [[keys[i] for i in indices] for indices in members]

    def place(self, seconds: Sequence[float], shards: int) -> Placed:
        """`(assign, members, sums)`: `assign[i]` is the shard of group i, `members[j]` the
        groups of shard j in increasing index order, `sums[j]` their exact total seconds (None:
        not computed); `seconds` are in canonical order."""
        assign = self.assign(seconds, shards)
        return assign, _members(assign, shards), None

    def assign(self, seconds: Sequence[float], shards: int) -> list[int]:
        """`result[i]` is the shard of group i; `seconds` are in canonical order."""
        raise NotImplementedError


class LPT(_BuiltIn):
    """Longest Processing Time first: largest group onto the least-loaded shard."""

    name = "lpt"
    description = "largest group first onto the least-loaded shard (Graham's LPT, <= 4/3 opt)"

    def assign(self, seconds: Sequence[float], shards: int) -> list[int]:
        return _lpt(_ticks(seconds), shards)


class KarmarkarKarp(_BuiltIn):
    """Karmarkar-Karp largest differencing method, generalised to N shards."""

    name = "kk"
    description = "Karmarkar-Karp multiway differencing (largest differencing method)"

    def assign(self, seconds: Sequence[float], shards: int) -> list[int]:
        return _kk(_ticks(seconds), shards)


class Best(_BuiltIn):
    """LPT and KK, polished by bounded local search and small-input branch-and-bound."""

    name = "best"
    description = "best of LPT and Karmarkar-Karp after local search (never worse than LPT)"

    def assign(self, seconds: Sequence[float], shards: int) -> list[int]:
        return self.place(seconds, shards)[0]

    def place(self, seconds: Sequence[float], shards: int) -> Placed:
        return _best(seconds, _ticks(seconds), shards)


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (LPT(), KarmarkarKarp(), Best())}


# --------------------------------------------------------------------------- validation


def _check_shards(shards: object) -> None:
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ValueError(f"number of shards must be an integer >= 1, got {shards!r}")


def _prepare(groups: Sequence[Group]) -> tuple[list[str], list[float]]:
    """Validate; keys and seconds in canonical order (longest first, ties by key)."""
    loose: Sequence[tuple[object, object]] = groups  # callers may not be type-checked
    try:
        keys: list[str] = [key for key, _ in groups]
        seconds: list[float] = [value for _, value in groups]
    except (TypeError, ValueError):
        _reject_shape(loose)
    if not _valid_fast(keys, seconds):  # the rare slow path: ints, bools, bad values
        values = []
        for key, value in loose:
            checked = _seconds(value)
            if checked is None or not isinstance(key, str):
                _reject(loose)
            values.append(checked)
        seconds = values
    if len(set(keys)) != len(keys):
        _reject(loose)
    order = canonical_order(keys, seconds)
    return list(map(keys.__getitem__, order)), list(map(seconds.__getitem__, order))


def _valid_fast(keys: list[str], seconds: list[float]) -> bool:
    """True when every key is a str and every value a finite float >= 0 (checked in C loops)."""
    if not keys:
        return True
    if set(map(type, keys)) != {str} or set(map(type, seconds)) != {float}:
        return False
    return min(seconds) >= 0 and max(seconds) < math.inf and not any(map(math.isnan, seconds))


def _reject_shape(groups: Sequence[tuple[object, object]]) -> NoReturn:
    raise ValueError(f"groups must be (key, seconds) pairs, got {list(groups)[:1]!r}...")


def canonical_order(keys: Sequence[str], seconds: Sequence[float]) -> list[int]:
    """Indices of the groups in canonical order: longest first, ties by key. `keys` unique.

    With distinct durations one sort by seconds does it; with ties, a stable sort by seconds
    of the indices sorted by key (two C sorts: much faster on a million groups than sorting
    each run of equal seconds on its own).
    """
    n = len(keys)
    if len(set(seconds)) == n:
        return sorted(range(n), key=seconds.__getitem__, reverse=True)
    order = sorted(range(n), key=keys.__getitem__)
    order.sort(key=seconds.__getitem__, reverse=True)  # stable, even reversed: ties by key
    return order


def _seconds(seconds: object) -> float | None:
    """`seconds` as a float, or None unless it is a finite real number >= 0."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    value = float(seconds)
    return value if 0 <= value < math.inf else None  # NaN fails both comparisons


def _reject(groups: Sequence[tuple[object, object]]) -> NoReturn:
    """Raise the ValueError for the first bad group in key order (independent of input order)."""
    bad_key = sorted(repr(key) for key, _ in groups if not isinstance(key, str))
    if bad_key:
        raise ValueError(f"group keys must be strings, got {bad_key[0]}")
    bad = sorted((str(key), repr(seconds)) for key, seconds in groups if _seconds(seconds) is None)
    if bad:
        key, seconds = bad[0]
        raise ValueError(
            f"group {key!r}: predicted seconds must be a finite number >= 0, got {seconds}"
        )
    keys = sorted(str(key) for key, _ in groups)
    duplicate = next(first for first, second in itertools.pairwise(keys) if first == second)
    raise ValueError(f"duplicate group key {duplicate!r}")


def _resolve(algorithm: str | Strategy) -> Strategy:
    """A built-in strategy by name, or the strategy given (a plugin's: the adapters load
    plugins, `paratest_split.partition` finds them by name)."""
    if not isinstance(algorithm, str):
        return algorithm
    strategy = STRATEGIES.get(algorithm)
    if strategy is None:
        names = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"unknown partitioning algorithm {algorithm!r} (choose from {names})")
    return strategy


def _assignment(
    raw: Sequence[Sequence[str]], keys: Sequence[str], shards: int, name: str
) -> list[int]:
    """Check a plugin strategy's answer and turn it into `assign[i]` = shard of group i."""
    if len(raw) != shards:
        raise ValueError(f"strategy {name!r} returned {len(raw)} shards instead of {shards}")
    rank = {key: i for i, key in enumerate(keys)}
    assign = [-1] * len(keys)
    for j, shard in enumerate(raw):
        for key in shard:
            i = rank.get(key)
            if i is None:
                raise ValueError(f"strategy {name!r} returned unknown key {key!r}")
            if assign[i] >= 0:
                raise ValueError(f"strategy {name!r} placed {key!r} in more than one shard")
            assign[i] = j
    if -1 in assign:
        missing = keys[assign.index(-1)]
        raise ValueError(f"strategy {name!r} left out {missing!r}")
    return assign


def _members(assign: Sequence[int], shards: int) -> list[list[int]]:
    """`members[j]`: the groups of shard j, in increasing index (canonical) order."""
    members: list[list[int]] = [[] for _ in range(shards)]
    appenders = [m.append for m in members]
    for i, j in enumerate(assign):
        appenders[j](i)
    return members


def _arrange(
    seconds: Sequence[float], members: list[list[int]], sums: list[float] | None = None
) -> tuple[list[list[int]], list[float]]:
    """Canonical output: heaviest shard first (ties by first key, empty shards last); groups
    inside a shard in canonical order (longest first, ties by key). `members` lists each
    shard's group indices in increasing order."""
    n = len(seconds)
    weigh = seconds.__getitem__
    if sums is None:
        sums = [math.fsum(map(weigh, indices)) for indices in members]
    ranked = sorted(
        zip(members, sums, strict=True),
        key=lambda pair: (-pair[1], pair[0][0] if pair[0] else n),
    )
    return [indices for indices, _ in ranked], [total for _, total in ranked]


# --------------------------------------------------------------------------- algorithms
# All of these work on `ticks`: exact integer durations indexed in canonical order (so index
# order is (-seconds, key) order), and return `assign[i]` = shard of group i.


def _ticks(seconds: Sequence[float]) -> list[int]:
    """Exact integer durations; `seconds` in canonical order, so the first is the largest."""
    largest = seconds[0] if seconds else 0.0
    if largest <= 0:
        return [0] * len(seconds)
    if largest >= _NORMAL:  # one multiplication each; 2**40 / largest is finite
        return list(map(round, map(mul, seconds, repeat(_RESOLUTION / largest))))
    # s / largest <= 1 stays finite even for subnormal `largest`; * 2**40 is exact
    scaled = map(mul, map(truediv, seconds, repeat(largest)), repeat(float(_RESOLUTION)))
    return list(map(round, scaled))


def _lpt(ticks: Sequence[int], shards: int) -> list[int]:
    """Graham's LPT. `ticks` must be in canonical order. Ties between equally loaded shards go
    to the one with fewer groups, then the lowest index, so zero-second groups are dealt out
    evenly instead of piling onto one shard."""
    return _lpt_loads(ticks, shards)[0]


def _lpt_loads(ticks: Sequence[int], shards: int) -> tuple[list[int], list[int]]:
    """`_lpt` and the final load (in ticks) of every shard."""
    heap = [(0, 0, j) for j in range(shards)]
    assign = [0] * len(ticks)
    replace = heapq.heapreplace
    for i, size in enumerate(ticks):
        load, count, j = heap[0]
        assign[i] = j
        replace(heap, (load + size, count + 1, j))
    loads = [0] * shards
    for load, _, j in heap:
        loads[j] = load
    return assign, loads


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
        combined = [
            (a[0] + b[0], _join(a[1], b[1])) for a, b in zip(first, reversed(second), strict=True)
        ]
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
    _deal_zeros(ticks, assign, shards)
    return assign


def _deal_zeros(ticks: Sequence[int], assign: list[int], shards: int) -> None:
    """Zero-tick groups (the last ones, in canonical order) weigh nothing, so differencing
    leaves them wherever they were merged: place them as LPT does instead (the least-loaded
    shard, then the one with fewer groups, then the lowest index). No load changes."""
    first_zero = len(ticks)
    while first_zero and ticks[first_zero - 1] == 0:
        first_zero -= 1
    if first_zero == len(ticks):
        return
    loads = [0] * shards
    counts = [0] * shards
    for i in range(first_zero):
        loads[assign[i]] += ticks[i]
        counts[assign[i]] += 1
    heap = [(loads[j], counts[j], j) for j in range(shards)]
    heapq.heapify(heap)
    for i in range(first_zero, len(ticks)):
        load, count, j = heap[0]
        assign[i] = j
        heapq.heapreplace(heap, (load, count + 1, j))


def _join(a: object, b: object) -> object:
    """A KK subset's tree: None (empty), an int (group index) or a pair of trees."""
    if a is None:
        return b
    if b is None:
        return a
    return (a, b)


def _local_search(
    ticks: Sequence[int], members: list[list[int]], floor: int, budget: int
) -> list[list[int]] | None:
    """Move one group or swap two between the heaviest shard and a lighter one, while that
    lowers the heaviest shard, best-balancing step first.

    `members[j]` are the groups of shard j in increasing index order. Each accepted step leaves
    both shards strictly below the old maximum, so the sorted load vector decreases
    lexicographically: no cycles. Stops at `floor` (a lower bound), when no step helps, or
    after `budget` elementary steps. Returns the new members (increasing order), or None when
    nothing moved. A shard's sorted sizes are only built when a step looks at it, so a huge
    input costs what the budget allows, not a pass over every group.
    """
    shards = len(members)
    size_of = ticks.__getitem__
    loads = [sum(map(size_of, m)) for m in members]
    built: dict[int, list[tuple[int, int]]] = {}

    def sized(j: int) -> list[tuple[int, int]]:
        found = built.get(j)
        if found is None:
            found = sorted(zip(map(size_of, members[j]), members[j], strict=True))
            built[j] = found
        return found

    work = 0
    while work < budget:
        top = max(loads)
        if top <= floor:
            break
        h = loads.index(top)
        hm = sized(h)
        hsizes = [size for size, _ in hm]
        work += len(hm)
        step: tuple[int, int, int] | None = None  # (target shard, index in h, index in j or -1)
        for j in sorted(range(shards), key=lambda s: (loads[s], s)):
            if j == h:
                continue
            gap = top - loads[j]
            if gap < 2:
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
                jsizes = [size for size, _ in sized(j)]
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
        jm = sized(j)
        moved = hm.pop(q)
        loads[h] -= moved[0]
        loads[j] += moved[0]
        if t >= 0:
            back = jm.pop(t)
            loads[j] -= back[0]
            loads[h] += back[0]
            insort(hm, back)
        insort(jm, moved)
    if not built:
        return None
    out = list(members)  # shards no step looked at keep their (shared) lists
    for j, m in built.items():
        out[j] = sorted(i for _, i in m)
    return out


def _branch_and_bound(
    ticks: Sequence[int], shards: int, incumbent: int, floor: int, budget: int
) -> list[int] | None:
    """Exhaustive search for a plan with makespan < `incumbent`, groups largest first, shards
    tried least-loaded first, skipping shards whose load equals one already tried (symmetry).
    Returns the best plan found, or None if it found nothing better within `budget` steps
    (a node counts `shards` steps).
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
        nodes += shards  # a node costs about one look at every shard
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


def _best(seconds: Sequence[float], ticks: Sequence[int], shards: int) -> Placed:
    n = len(ticks)
    if n == 0 or shards == 1:
        return [0] * n, [list(range(n)), *([] for _ in range(shards - 1))], None
    floor = max(-(-sum(ticks) // shards), ticks[0])  # ticks[0] is the largest
    lpt, lpt_loads = _lpt_loads(ticks, shards)
    starts = [(lpt, _members(lpt, shards), max(lpt_loads))]
    size_of = ticks.__getitem__
    if n * shards <= _KK_BUDGET:
        kk = _kk(ticks, shards)
        kk_members = _members(kk, shards)
        starts.append((kk, kk_members, max(sum(map(size_of, m)) for m in kk_members)))
    candidates = [(assign, members) for assign, members, _ in starts]
    incumbent = math.inf
    for start, members, start_high in starts:
        high = start_high
        # within 10 ppm of the bound (36 ms on an hour) nothing measurable is left to gain
        if high > floor and (high - floor) * _CLOSE_ENOUGH > floor:
            polished = _local_search(ticks, members, floor, _LOCAL_SEARCH_BUDGET)
            if polished is not None:
                candidates.append((_assign_of(polished, start, members), polished))
                high = max(sum(map(size_of, m)) for m in polished)
        incumbent = min(incumbent, high)
    if n <= _BNB_MAX_GROUPS and incumbent > floor:
        found = _branch_and_bound(ticks, shards, int(incumbent), floor, _BNB_BUDGET)
        if found is not None:
            candidates.append((found, _members(found, shards)))
    if len(candidates) == 1:
        return lpt, candidates[0][1], None
    # Choose on exact sums of the original seconds, so `best` is never worse than `lpt` even
    # by a rounding error; ties go to the earlier candidate (LPT first).
    weigh = seconds.__getitem__
    scored = [
        (assign, members, [math.fsum(map(weigh, m)) for m in members])
        for assign, members in candidates
    ]
    return min(scored, key=lambda c: sorted(c[2], reverse=True))


def _assign_of(members: list[list[int]], start: list[int], before: list[list[int]]) -> list[int]:
    """The assignment of `members`, from `start` (whose members are `before`): only the shards
    whose list changed are rewritten."""
    assign = list(start)
    for j, (m, old) in enumerate(zip(members, before, strict=True)):
        if m is not old:
            for i in m:
                assign[i] = j
    return assign
