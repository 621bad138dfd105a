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

from paratest_split import partition
from paratest_split.errors import (
    BadInputError,
    UsageError,
)
from paratest_split.model import Estimate, EstimateSource, GroupBy, Plan, Shard, TestItem


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
    head = {
        "shards": shards,
        "group_by": options.group_by.value,
        "algorithm": options.algorithm,
        "discover": options.discover,
        "per_test_overhead": round(options.per_test_overhead, 6),
        "per_shard_overhead": round(options.per_shard_overhead, 6),
        "tests": len(ids),
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


def _assign(
    keys: Sequence[str], weights: Sequence[float], shards: int, algorithm: str
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
        raise UsageError(f"--algorithm {algorithm}: {exc}") from None


def build_plan(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> Plan:
    """Partition `items` into shards. Deterministic: a pure function of its arguments."""
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
    return plan_table(table, options, items=tuple(ordered))


def plan_table(table: Table, options: PlanOptions, *, items: tuple[TestItem, ...] = ()) -> Plan:
    """The core of `build_plan` on parallel lists; `items` only go into `Plan.items`."""
    overhead = options.per_test_overhead
    weights = list(map(add, table.seconds, repeat(overhead)))  # per test
    order = partition.canonical_order(table.ids, weights)
    ids = list(map(table.ids.__getitem__, order))
    weights = list(map(weights.__getitem__, order))
    if table.groups is None:  # every test its own group, keyed by id: already canonical
        keys, group_weights = ids, weights
        members: list[list[int]] | None = None
    else:
        keys, group_weights, members = _groups(weights, [table.groups[i] for i in order])
    shards = options.shards
    if shards is None:
        shards = choose_shards(keys, group_weights, options)
    assignment, loads = _assign(keys, group_weights, shards, options.algorithm)
    details = []
    for index, (groups, load) in enumerate(zip(assignment, loads, strict=True)):
        if members is None:
            tests = tuple(map(ids.__getitem__, groups))
        else:
            tests = tuple(ids[i] for g in groups for i in members[g])
        predicted = load + options.per_shard_overhead if tests else 0.0
        details.append(Shard(index=index, predicted_seconds=predicted, tests=tests))
    bound = partition.lower_bound(group_weights, shards) + (
        options.per_shard_overhead if group_weights else 0.0
    )
    return Plan(
        shards=shards,
        group_by=options.group_by,
        algorithm=options.algorithm,
        inputs_digest=_digest(ids, weights, options, shards),
        predicted_makespan_seconds=max((s.predicted_seconds for s in details), default=0.0),
        lower_bound_seconds=bound,
        shards_detail=tuple(details),
        unknown_tests=tuple(sorted(table.unknown)),
        discover=options.discover,
        items=items,
    )


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
        _, loads = _assign(keys, weights, n, options.algorithm)
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
