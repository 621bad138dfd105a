"""Pure: tests + estimates + options -> Plan (partition into shards, predictions, digest).

No IO: `plan_inputs.make_plan` gathers the inputs (discovery, test lists, JUnit history)
through the adapters and calls `plan_table`/`build_plan`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add

from paratest_split.core import partition
from paratest_split.core.errors import (
    BadInputError,
    UsageError,
)
from paratest_split.core.fullgc import FullGc
from paratest_split.core.model import (
    Estimate,
    EstimateSource,
    GroupBy,
    Plan,
    Shard,
    ShardCosts,
    TestItem,
)


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    shards: int | None  # None: choose by target_seconds
    group_by: GroupBy
    algorithm: str
    discover: str
    per_test_overhead: float
    per_shard_overhead: float
    target_seconds: float | None = None
    max_shards: int = 64
    # `group_by: auto`: start-up, per-file collection and per-test costs (per_test_overhead
    # and per_shard_overhead then hold the same per_test and startup)
    costs: ShardCosts | None = None
    discover_args: tuple[str, ...] | None = None
    # a plugin's strategy, loaded by the adapters for `algorithm` (the core reads no entry
    # points); None: `algorithm` names a built-in
    strategy: partition.Strategy | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Bounds:
    """What no plan can beat, for the summary. `grouped`: no plan of the groups actually used
    (`--group-by`, or auto's pieces); `test_level`: no plan at all, every test its own group
    (with auto: plus its file's collection); `floor`: start-up + total / N, where total is
    every test's time plus (auto) each file's collection once."""

    grouped: float = 0.0
    test_level: float = 0.0
    floor: float = 0.0
    startup: float = 0.0
    total: float = 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """The planning core's input as parallel lists: one entry per test, any order.

    `groups[i]` is test i's `--group-by` key (None: every test is its own group, keyed by id).
    `unknown` are the ids whose estimate is not EXACT. A million tests cost a few lists here
    instead of a TestItem and an Estimate each.
    """

    ids: Sequence[str]
    seconds: Sequence[float]
    groups: Sequence[str] | None = None
    unknown: Sequence[str] = ()


def _digest(ids: Sequence[str], weights: Sequence[float], options: PlanOptions, shards: int) -> str:
    """sha256 of the options (compact sorted JSON), a line feed, then the tests in canonical
    order (`partition.canonical_order` of the per-test weights: longest first, ties by id):
    their ids joined by line feeds (ids hold none), a line feed, and their weights (estimate +
    per-test overhead, which the options hold) as little-endian IEEE doubles.
    Hashed in chunks: a million ids never make one string.
    """
    head: dict[str, object] = {
        "shards": shards,
        "group_by": options.group_by.value,
        "algorithm": options.algorithm,
        "discover": options.discover,
        "per_test_overhead": round(options.per_test_overhead, 6),
        "per_shard_overhead": round(options.per_shard_overhead, 6),
        "tests": len(ids),
    }
    if options.discover_args:
        head["discover_args"] = list(options.discover_args)
    if options.group_by is GroupBy.AUTO and options.costs is not None:
        head["module_costs"] = [
            [name, round(seconds, 6)] for name, seconds in options.costs.modules
        ]
        head["default_module_cost"] = round(options.costs.default_module, 6)
        if options.costs.test_overheads:
            head["test_overheads"] = [
                [name, round(seconds, 6)] for name, seconds in options.costs.test_overheads
            ]
        heap = options.costs.heap
        if heap is not None:  # it moves tests between shards: part of what the plan is of
            head["heap"] = {
                "start": round(heap.start, 6),
                "per_block": round(heap.per_block, 6),
                "per_test": round(heap.per_test, 6),
                "default_blocks": round(heap.default_blocks, 6),
                "blocks": [[name, round(count, 6)] for name, count in heap.blocks],
                "tests": [[t, round(sec, 6), round(obj, 6)] for t, sec, obj in heap.tests],
            }
    digest = hashlib.sha256()
    text = json.dumps(head, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest.update(text.encode() + b"\n")
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        digest.update(("\n".join(chunk) + "\n").encode("utf-8", "surrogatepass"))
    numbers = array("d", weights)
    if sys.byteorder != "little":
        numbers.byteswap()
    digest.update(b"\n" + numbers.tobytes())
    return "sha256:" + digest.hexdigest()


_CHUNK = 1 << 16


def _algorithm(options: PlanOptions) -> str | partition.Strategy:
    return options.algorithm if options.strategy is None else options.strategy


def _assign(
    keys: Sequence[str], weights: Sequence[float], shards: int, algorithm: str | partition.Strategy
) -> tuple[list[list[int]], list[float]]:
    """Group indices per shard, as `partition` orders them, and each shard's exact total;
    keys/weights in canonical order."""
    # canonical order is longest first, so the last is the smallest; a NaN or an infinity
    # makes the (C-speed) sum NaN or infinite, and so does an overflowing total
    if weights and not (weights[-1] >= 0 and sum(weights) < math.inf):
        try:  # let partition name the bad group
            partition.partition(list(zip(keys, weights, strict=True)), shards, algorithm=algorithm)
        except ValueError as exc:
            raise UsageError(
                f"predicted durations overflow (check --test-overhead/--shard-overhead): {exc}"
            ) from None
    try:
        return partition.place_canonical(keys, weights, shards, algorithm=algorithm)
    except ValueError as exc:
        name = algorithm if isinstance(algorithm, str) else algorithm.name
        raise UsageError(f"--algorithm {name}: {exc}") from None


def build_plan(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> Plan:
    """Partition `items` into shards. Deterministic: a pure function of its arguments."""
    return build_plan_bounds(items, estimates, options)[0]


def build_plan_bounds(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> tuple[Plan, Bounds]:
    """`build_plan` and its `Bounds`."""
    ordered = sorted(items, key=lambda i: i.id)
    by = options.group_by
    table = Table(
        ids=[item.id for item in ordered],
        seconds=[estimates[item.id].seconds for item in ordered],
        groups=None if by is GroupBy.TEST else [item.group_key(by) for item in ordered],
        unknown=[
            item.id for item in ordered if estimates[item.id].source is not EstimateSource.EXACT
        ],
    )
    return plan_table_bounds(table, options, items=tuple(ordered))


def plan_table(table: Table, options: PlanOptions, *, items: tuple[TestItem, ...] = ()) -> Plan:
    """The core of `build_plan` on parallel lists; `items` only go into `Plan.items`."""
    return plan_table_bounds(table, options, items=items)[0]


def plan_table_bounds(
    table: Table, options: PlanOptions, *, items: tuple[TestItem, ...] = ()
) -> tuple[Plan, Bounds]:
    """`plan_table` and its `Bounds`."""
    weights = _test_weights(table, options)
    order = partition.canonical_order(table.ids, weights)
    ids = list(map(table.ids.__getitem__, order))
    weights = list(map(weights.__getitem__, order))
    startup = options.per_shard_overhead
    if options.group_by is GroupBy.AUTO and table.groups is not None:
        shards = options.shards
        costs = options.costs or ShardCosts()
        modules = [table.groups[i] for i in order]
        if shards is None:
            shards = _choose_auto(ids, weights, modules, costs, options)
        tests_of, loads, bounds = plan_auto(
            ids, weights, modules, costs=costs, shards=shards, options=options
        )
        details = [
            Shard(index=j, predicted_seconds=load + startup if tests else 0.0, tests=tests)
            for j, (tests, load) in enumerate(zip(tests_of, loads, strict=True))
        ]
        lower = bounds.test_level
    else:
        details, shards, bounds = _plan_groups(table, options, ids, weights, order)
        lower = bounds.grouped
    plan = Plan(
        shards=shards,
        group_by=options.group_by,
        algorithm=options.algorithm,
        inputs_digest=_digest(ids, weights, options, shards),
        predicted_makespan_seconds=max((s.predicted_seconds for s in details), default=0.0),
        lower_bound_seconds=lower,
        shards_detail=tuple(details),
        unknown_tests=tuple(sorted(table.unknown)),
        discover=options.discover,
        discover_args=options.discover_args,
        items=items,
    )
    return plan, bounds


def _test_weights(table: Table, options: PlanOptions) -> list[float]:
    """Each test's estimate plus what running it costs beyond that: its file's learned
    per-test overhead under `group_by: auto` where the history recorded one, else the
    suite-wide per-test overhead."""
    overhead = options.per_test_overhead
    costs = options.costs
    if options.group_by is GroupBy.AUTO and costs and costs.test_overheads and table.groups:
        per_file = costs.test_overhead_costs()
        return [
            seconds + per_file.get(group, overhead)
            for seconds, group in zip(table.seconds, table.groups, strict=True)
        ]
    return list(map(add, table.seconds, repeat(overhead)))


def _plan_groups(
    table: Table, options: PlanOptions, ids: list[str], weights: list[float], order: list[int]
) -> tuple[list[Shard], int, Bounds]:
    """`--group-by test|class|file|dir`: groups never split, one cost per shard."""
    if table.groups is None:  # every test its own group, keyed by id: already canonical
        keys, group_weights = ids, weights
        members: list[list[int]] | None = None
    else:
        keys, group_weights, members = _groups(weights, [table.groups[i] for i in order])
    shards = options.shards
    if shards is None:
        shards = choose_shards(keys, group_weights, options)
    assignment, loads = _assign(keys, group_weights, shards, _algorithm(options))
    details = []
    for index, (groups, load) in enumerate(zip(assignment, loads, strict=True)):
        if members is None:
            tests = tuple(map(ids.__getitem__, groups))
        else:
            tests = tuple(ids[i] for g in groups for i in members[g])
        predicted = load + options.per_shard_overhead if tests else 0.0
        details.append(Shard(index=index, predicted_seconds=predicted, tests=tests))
    fixed = options.per_shard_overhead if group_weights else 0.0
    total = math.fsum(weights) if weights and weights[-1] >= 0 else 0.0
    bounds = Bounds(
        grouped=partition.lower_bound(group_weights, shards) + fixed,
        test_level=partition.lower_bound(weights, shards) + fixed,
        floor=total / shards + fixed,
        startup=fixed,
        total=total,
    )
    return details, shards, bounds


# --------------------------------------------------------------------------- group_by: auto
# A shard pays its start-up once and each file's collection once if it holds any test of the
# file. Files are kept whole, or the big ones cut into contiguous (by id) pieces of at most
# tau seconds of tests, each piece paying its file's collection; several values of tau are
# tried and the plan with the smallest predicted makespan (pieces of one file that land in
# the same shard pay its collection once) wins.

_TAU_FRACTIONS = (math.inf, 1.0, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1)


def plan_auto(
    ids: Sequence[str],
    weights: Sequence[float],
    modules: Sequence[str],
    *,
    costs: ShardCosts,
    shards: int,
    options: PlanOptions,
) -> tuple[list[tuple[str, ...]], list[float], Bounds]:
    """Tests (in canonical order, `modules[i]` the file of test i) into `shards` shards:
    each shard's tests, its predicted load without start-up, and the bounds. Tests with
    recorded full garbage collections are balanced at their time in a shard of 1/N of the
    heap, and each shard's load then corrected for its own heap (`fullgc`)."""
    full_gc = FullGc(costs.heap, ids, modules) if costs.heap is not None else None
    if full_gc is not None and not full_gc.tests:
        full_gc = None  # none of these tests had full collections
    recorded = weights
    if full_gc is not None:
        weights = full_gc.share_weights(weights, shards)
    cost_of = costs.module_costs()
    members: dict[str, list[int]] = {}
    for i, module in enumerate(modules):
        members.setdefault(module, []).append(i)
    names = sorted(members)
    by_id = {m: sorted(members[m], key=ids.__getitem__) for m in names}
    collect = {m: cost_of.get(m, costs.default_module) for m in names}
    test_time = {m: math.fsum(weights[i] for i in members[m]) for m in names}
    total = math.fsum(weights) + math.fsum(collect.values())
    share = total / shards
    best: tuple[float, list[float], list[list[int]], float] | None = None
    tried: set[tuple[int, ...]] = set()
    for fraction in _TAU_FRACTIONS:
        pieces = _pieces(
            names, by_id, weights, collect=collect, test_time=test_time, tau=share * fraction
        )
        signature = tuple(len(p) for _, p in pieces)
        if signature in tried:
            continue
        tried.add(signature)
        keys = [key for key, _ in pieces]
        piece_weights = [
            collect[key.partition("\0")[0]] + math.fsum(weights[i] for i in p) for key, p in pieces
        ]
        order = partition.canonical_order(keys, piece_weights)
        placed, _ = _assign(
            [keys[g] for g in order], [piece_weights[g] for g in order], shards, _algorithm(options)
        )
        groups = [[order[g] for g in shard] for shard in placed]
        loads = [_load(pieces, shard, weights, collect) for shard in groups]
        makespan = max(loads, default=0.0)
        biggest = max(piece_weights, default=0.0)
        if best is None or makespan < best[0] - 1e-9:
            tests = [[i for g in shard for i in pieces[g][1]] for shard in groups]
            best = (makespan, loads, tests, biggest)
    assert best is not None
    _, loads, tests, biggest = best
    if full_gc is not None:
        loads = [
            load + full_gc.shard_correction(shard, recorded, weights)
            for load, shard in zip(loads, tests, strict=True)
        ]
    ranked = sorted(
        range(shards), key=lambda j: (-loads[j], min((ids[i] for i in tests[j]), default="\uffff"))
    )
    startup = costs.startup if ids else 0.0
    widest = max((weights[i] + collect[modules[i]] for i in range(len(ids))), default=0.0)
    bounds = Bounds(
        grouped=startup + max(share, biggest),
        test_level=startup + max(share, widest),
        floor=startup + share,
        startup=startup,
        total=total,
    )
    return (
        [tuple(ids[i] for i in sorted(tests[j])) for j in ranked],
        [loads[j] for j in ranked],
        bounds,
    )


def _pieces(
    names: Sequence[str],
    by_id: Mapping[str, list[int]],
    weights: Sequence[float],
    *,
    collect: Mapping[str, float],
    test_time: Mapping[str, float],
    tau: float,
) -> list[tuple[str, list[int]]]:
    """Each file whole, or (when its tests and collection exceed `tau`) cut into k contiguous
    pieces of about equal test time, k as small as keeps each piece within `tau`."""
    pieces: list[tuple[str, list[int]]] = []
    for m in names:
        tests = by_id[m]
        size = test_time[m]
        if size + collect[m] <= tau or len(tests) == 1 or size <= 0:
            pieces.append((m, tests))
            continue
        room = max(tau - collect[m], tau * 0.1)
        k = min(len(tests), max(1, math.ceil(size / room)))
        if k == 1:
            pieces.append((m, tests))
            continue
        cut: list[int] = []
        done = 0.0
        part = 0
        for i in tests:
            if cut and done + weights[i] / 2 > size * (part + 1) / k and part < k - 1:
                pieces.append((f"{m}\0{part}", cut))
                cut = []
                part += 1
            cut.append(i)
            done += weights[i]
        pieces.append((f"{m}\0{part}" if part else m, cut))
    return pieces


def _load(
    pieces: Sequence[tuple[str, list[int]]],
    shard: Sequence[int],
    weights: Sequence[float],
    collect: Mapping[str, float],
) -> float:
    """A shard's predicted time without start-up: its tests, and each file's collection once."""
    files = {pieces[g][0].partition("\0")[0] for g in shard}
    tests = math.fsum(weights[i] for g in shard for i in pieces[g][1])
    return tests + math.fsum(collect[m] for m in sorted(files))


def _choose_auto(
    ids: Sequence[str],
    weights: Sequence[float],
    modules: Sequence[str],
    costs: ShardCosts,
    options: PlanOptions,
) -> int:
    """`choose_shards` for auto: the smallest N whose predicted makespan fits the target."""
    target = options.target_seconds
    if target is None:
        raise UsageError("give --shards N, --shards auto or --target-seconds T")
    top = max(1, options.max_shards)
    for n in range(1, top + 1):
        _, loads, bounds = plan_auto(ids, weights, modules, costs=costs, shards=n, options=options)
        if bounds.floor > target:
            continue
        if max(loads, default=0.0) + bounds.startup <= target:
            return n
    return top


def _groups(
    weights: list[float], group_of: list[str]
) -> tuple[list[str], list[float], list[list[int]]]:
    """Groups in canonical order: (keys, weights, member test indices). The tests (`weights`,
    `group_of`) are in canonical order, so each group's come out longest first, ties by id."""
    members: dict[str, list[int]] = {}
    for i, key in enumerate(group_of):
        found = members.get(key)
        if found is None:
            members[key] = [i]
        else:
            found.append(i)
    names = list(members)
    sums = [sum(map(weights.__getitem__, members[key])) for key in names]
    order = partition.canonical_order(names, sums)
    return (
        [names[g] for g in order],
        [sums[g] for g in order],
        [members[names[g]] for g in order],
    )


def choose_shards(keys: Sequence[str], weights: Sequence[float], options: PlanOptions) -> int:
    """Smallest N <= max_shards whose predicted makespan fits target_seconds (else max_shards).

    `keys`/`weights` are the groups in canonical order (`partition.canonical_order`)."""
    target = options.target_seconds
    if target is None:
        raise UsageError("give --shards N, --shards auto or --target-seconds T")
    low_n = max(1, options.max_shards)
    for n in range(1, low_n + 1):
        if partition.lower_bound(weights, n) + options.per_shard_overhead > target:
            continue
        _, loads = _assign(keys, weights, n, _algorithm(options))
        makespan = max(loads, default=0.0)
        if makespan + options.per_shard_overhead <= target:
            return n
    return low_n


def check_ids(ids: Sequence[str], where: str, *, unique: bool = False) -> None:
    """No duplicates (unless known `unique`), no line breaks (C-speed passes over the ids)."""
    if not unique and len(set(ids)) != len(ids):
        ordered = sorted(ids)
        twice = next(a for a, b in itertools.pairwise(ordered) if a == b)
        raise BadInputError(where, f"test id {twice!r} appears twice")
    if not all(map(str.strip, ids)):
        raise BadInputError(where, "a test id is empty or only white space")
    for start in range(0, len(ids), _CHUNK):
        text = "".join(ids[start : start + _CHUNK])
        if "\n" in text or "\r" in text:
            bad = next(t for t in ids[start : start + _CHUNK] if "\n" in t or "\r" in t)
            raise BadInputError(
                where, f"test id {bad!r} contains a line break; shard files hold one id a line"
            )
        if "\0" in text:
            bad = next(t for t in ids[start : start + _CHUNK] if "\0" in t)
            raise BadInputError(
                where, f"test id {bad!r} contains a NUL byte; no command line can hold it"
            )
