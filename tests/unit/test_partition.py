"""Tests for paratest_split.core.partition: contract properties of every strategy, known hard cases,
validation, determinism across hash seeds, and strategy plugins."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paratest_split import plugins
from paratest_split.core import partition as partition_module
from paratest_split.core.errors import PluginError
from paratest_split.core.partition import (
    LPT,
    STRATEGIES,
    Best,
    KarmarkarKarp,
    Strategy,
    lower_bound,
    makespan,
    partition,
)
from paratest_split.partition import available
from paratest_split.partition import partition as public_partition

Groups = list[tuple[str, float]]
NAMES = sorted(STRATEGIES)
ROOT = Path(__file__).resolve().parents[2]

# Durations: mostly "nice" values with many ties, plus arbitrary floats and zeros.
seconds_st = st.one_of(
    st.integers(0, 50).map(float),
    st.floats(0, 1000, allow_nan=False, allow_infinity=False),
    st.just(0.0),
)
groups_st = st.dictionaries(st.text(min_size=1, max_size=6), seconds_st, max_size=24).map(
    lambda d: list(d.items())
)
shards_st = st.integers(1, 9)
PROPERTY = settings(max_examples=100, deadline=None)


def span(plan: Sequence[Sequence[str]], groups: Groups) -> float:
    seconds = dict(groups)
    return max((math.fsum(seconds[key] for key in shard) for shard in plan), default=0.0)


def plans(groups: Groups, shards: int) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {name: partition(groups, shards, algorithm=name) for name in NAMES}


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(groups=groups_st, shards=shards_st, data=st.data())
def test_contract(name: str, groups: Groups, shards: int, data: st.DataObject) -> None:
    plan = partition(groups, shards, algorithm=name)
    # exactly N shards, every key exactly once
    assert len(plan) == shards
    placed = [key for shard in plan for key in shard]
    assert sorted(placed) == sorted(key for key, _ in groups)
    # inside a shard: longest first, ties by key
    seconds = dict(groups)
    for shard in plan:
        assert list(shard) == sorted(shard, key=lambda key: (-seconds[key], key))
    # shards: heaviest first, empty ones last
    loads = [math.fsum(seconds[key] for key in shard) for shard in plan]
    assert loads == sorted(loads, reverse=True)
    sizes = [len(shard) for shard in plan]
    assert sizes == sorted(sizes, key=lambda n: n == 0)
    # more shards than groups: empty shards
    if shards > len(groups):
        assert sizes.count(0) == shards - len(groups)  # each group alone, the rest empty
    # the classic list-scheduling guarantee
    if groups:
        total = math.fsum(seconds.values())
        largest = max(seconds.values())
        assert span(plan, groups) <= (total / shards + largest) * (1 + 1e-9)
        assert span(plan, groups) >= lower_bound(list(seconds.values()), shards) * (1 - 1e-9)
    # independent of input order
    shuffled = data.draw(st.permutations(groups))
    assert partition(shuffled, shards, algorithm=name) == plan


@PROPERTY
@given(groups=groups_st, shards=shards_st)
def test_best_is_never_worse_than_lpt_or_kk(groups: Groups, shards: int) -> None:
    found = plans(groups, shards)
    assert span(found["best"], groups) <= span(found["lpt"], groups)
    assert span(found["best"], groups) <= span(found["kk"], groups)


@PROPERTY
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=9),
    shards=st.integers(2, 3),
)
def test_best_is_optimal_on_small_integer_inputs(sizes: list[int], shards: int) -> None:
    groups = [(f"g{i}", float(size)) for i, size in enumerate(sizes)]
    optimum = min(
        max(
            sum(size for size, j in zip(sizes, code, strict=True) if j == shard)
            for shard in range(shards)
        )
        for code in _assignments(len(sizes), shards)
    )
    assert span(partition(groups, shards), groups) == optimum


def _assignments(n: int, shards: int) -> list[tuple[int, ...]]:
    codes: list[tuple[int, ...]] = [()]
    for _ in range(n):
        codes = [(*code, j) for code in codes for j in range(shards)]
    return codes


# --------------------------------------------------------------------------- known cases


def test_four_thirds_worst_case_two_shards() -> None:
    groups = [("a", 3.0), ("b", 3.0), ("c", 2.0), ("d", 2.0), ("e", 2.0)]
    assert span(partition(groups, 2, algorithm="lpt"), groups) == 7
    best = partition(groups, 2)
    assert span(best, groups) == 6
    assert best == (("a", "b"), ("c", "d", "e"))


@pytest.mark.parametrize("m", [2, 3, 4, 5, 8])
def test_graham_worst_case_family(m: int) -> None:
    """2m+1 jobs 2m-1, 2m-1, 2m-2, 2m-2, ..., m+1, m+1, m, m, m: LPT 4m-1, optimum 3m."""
    sizes = [s for s in range(2 * m - 1, m, -1) for _ in range(2)] + [m, m, m]
    groups = [(f"t{i:02d}", float(s)) for i, s in enumerate(sizes)]
    assert span(partition(groups, m, algorithm="lpt"), groups) == 4 * m - 1
    assert span(partition(groups, m), groups) == 3 * m


def test_karmarkar_karp_beats_lpt() -> None:
    groups = [(k, float(s)) for k, s in zip("abcde", [8, 7, 6, 5, 4], strict=True)]
    assert span(partition(groups, 2, algorithm="lpt"), groups) == 17
    assert span(partition(groups, 2, algorithm="kk"), groups) == 16
    assert span(partition(groups, 2), groups) == 15


@pytest.mark.parametrize(
    ("sizes", "shards", "optimum"),
    [
        ([18, 12, 10, 8, 7, 7, 6], 3, 24),
        ([24, 24, 17, 12, 11, 11, 10, 9], 3, 41),
        ([29, 25, 22, 18, 15, 13, 5, 5, 2, 2], 2, 68),
    ],
)
def test_exact_search_beats_local_search(sizes: list[int], shards: int, optimum: int) -> None:
    """Inputs where LPT, KK and their local search all stop short of the optimum."""
    groups = [(f"g{i}", float(size)) for i, size in enumerate(sizes)]
    assert span(partition(groups, shards, algorithm="lpt"), groups) > optimum
    assert span(partition(groups, shards, algorithm="kk"), groups) > optimum
    assert span(partition(groups, shards), groups) == optimum


def test_canonical_output_order() -> None:
    groups = [("b", 1.0), ("a", 1.0), ("c", 2.0)]
    assert partition(groups, 2, algorithm="lpt") == (("c",), ("a", "b"))
    assert partition(groups, 4, algorithm="lpt") == (("c",), ("a",), ("b",), ())


def test_empty_input_and_single_shard() -> None:
    for name in NAMES:
        assert partition([], 3, algorithm=name) == ((), (), ())
        assert partition([("x", 1.0), ("y", 2.0)], 1, algorithm=name) == (("y", "x"),)


def test_zero_durations_are_spread_by_count() -> None:
    groups = [(f"t{i}", 0.0) for i in range(7)]
    for name in NAMES:
        plan = partition(groups, 3, algorithm=name)
        assert sorted(key for shard in plan for key in shard) == sorted(k for k, _ in groups)
        assert [len(s) for s in plan] == [3, 2, 2], name  # kk too: zeros are dealt, not piled
    # zeros after real work: where LPT puts them (the lightest shard), by every strategy
    mixed = [("a", 5.0), ("b", 4.0), ("c", 1.0), *((f"z{i}", 0.0) for i in range(4))]
    expected = (("a",), ("b",), ("c", "z0", "z1", "z2", "z3"))
    for name in NAMES:
        assert partition(mixed, 3, algorithm=name) == expected, name


def test_integer_seconds_are_accepted() -> None:
    assert partition([("a", 2), ("b", 1)], 2) == (("a",), ("b",))


def test_close_to_bound_where_lpt_is_not() -> None:
    """60 files on 12 shards: LPT lands 2.3% above the bound, best within 0.5%."""
    rng = random.Random(5)
    groups = [(f"tests/test_{i:04d}.py", rng.lognormvariate(1.0, 0.8)) for i in range(60)]
    bound = lower_bound([s for _, s in groups], 12)
    assert span(partition(groups, 12, algorithm="lpt"), groups) > bound * 1.02
    assert span(partition(groups, 12), groups) <= bound * 1.005


def test_large_input_uses_lpt_plus_local_search() -> None:
    rng = random.Random(11)
    groups = [(f"t{i:05d}", rng.lognormvariate(0.0, 1.0)) for i in range(20_000)]
    plan = partition(groups, 16)
    assert span(plan, groups) <= lower_bound([s for _, s in groups], 16) * 1.0001
    assert span(plan, groups) <= span(partition(groups, 16, algorithm="lpt"), groups)


# --------------------------------------------------------------------------- helpers


def test_lower_bound() -> None:
    assert lower_bound([3.0, 3.0, 2.0, 2.0, 2.0], 2) == 6.0
    assert lower_bound([10.0, 1.0, 1.0], 3) == 10.0
    assert lower_bound([], 4) == 0.0
    with pytest.raises(ValueError, match="shards"):
        lower_bound([1.0], 0)


def test_makespan() -> None:
    seconds = {"a": 1.5, "b": 2.0, "c": 0.25}
    assert makespan((("a", "c"), ("b",)), seconds) == 2.0
    assert makespan((), seconds) == 0.0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("shards", [0, -1, True, 1.5])
def test_rejects_bad_shard_counts(shards: object) -> None:
    with pytest.raises(ValueError, match=r"number of shards must be an integer >= 1"):
        partition([("a", 1.0)], shards)  # type: ignore[arg-type]


def test_rejects_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="duplicate group key 'a'"):
        partition([("a", 1.0), ("b", 2.0), ("a", 3.0)], 2)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf, "1", None, True])
def test_rejects_bad_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match=r"group 'b': predicted seconds must be a finite"):
        partition([("a", 1.0), ("b", bad)], 2)  # type: ignore[list-item]


def test_rejects_non_string_keys() -> None:
    with pytest.raises(ValueError, match="group keys must be strings, got 3"):
        partition([(3, 1.0)], 2)  # type: ignore[list-item]


def test_error_names_the_same_group_whatever_the_input_order() -> None:
    groups: list[tuple[str, float]] = [("z", -1.0), ("a", 1.0), ("m", -2.0)]
    for order in (groups, groups[::-1]):
        with pytest.raises(ValueError, match="group 'm'"):
            partition(order, 2)


def test_rejects_unknown_algorithm(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"unknown partitioning algorithm 'nope' \(choose from"):
        partition([("a", 1.0)], 2, algorithm="nope")
    # the public path also looks among the plugins, and lists them
    eps = _entry_points(("rr", f"{__name__}:RoundRobin"))
    monkeypatch.setattr(plugins, "entry_points", lambda **_: eps)
    with pytest.raises(ValueError, match=r"'nope' \(choose from best, kk, lpt, rr\)"):
        public_partition([("a", 1.0)], 2, algorithm="nope")


# --------------------------------------------------------------------------- registry/plugins


def test_registry_matches_entry_points_and_protocol() -> None:
    assert NAMES == ["best", "kk", "lpt"]
    for cls in (LPT, KarmarkarKarp, Best):
        strategy = cls()
        assert isinstance(strategy, Strategy)
        assert STRATEGIES[strategy.name].__class__ is cls
        assert strategy.description
        assert "\n" not in strategy.description
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name, registered in STRATEGIES.items():
        line = f'{name} = "paratest_split.core.partition:{type(registered).__name__}"'
        assert line in pyproject


@pytest.mark.parametrize("name", NAMES)
def test_split_protocol_method_returns_keys(name: str) -> None:
    groups = [("a", 3.0), ("b", 3.0), ("c", 2.0), ("d", 2.0), ("e", 2.0)]
    raw = STRATEGIES[name].split(groups, 2)
    assert sorted(key for shard in raw for key in shard) == ["a", "b", "c", "d", "e"]


class RoundRobin:
    """A third-party strategy, as a plugin would ship it."""

    name = "rr"
    description = "deal groups round robin"

    def split(self, groups: Sequence[tuple[str, float]], shards: int) -> list[list[str]]:
        out: list[list[str]] = [[] for _ in range(shards)]
        for i, (key, _) in enumerate(groups):
            out[i % shards].append(key)
        return out


class Lossy(RoundRobin):
    name = "lossy"

    def split(self, groups: Sequence[tuple[str, float]], shards: int) -> list[list[str]]:
        return [*super().split(groups, shards)[:-1], []]


def _entry_points(*specs: tuple[str, str]) -> list[importlib.metadata.EntryPoint]:
    return [importlib.metadata.EntryPoint(name, value, plugins.STRATEGIES) for name, value in specs]


def test_plugin_strategy_is_found_and_used(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = _entry_points(
        ("lpt", "paratest_split.core.partition:LPT"),
        ("kk", "paratest_split.partition:KarmarkarKarp"),  # an install's older metadata
        ("rr", f"{__name__}:RoundRobin"),
    )
    monkeypatch.setattr(plugins, "entry_points", lambda **_: eps)
    found = available()
    assert list(found) == ["best", "kk", "lpt", "rr"]
    assert found["lpt"] is STRATEGIES["lpt"]
    groups = [("a", 1.0), ("b", 5.0), ("c", 3.0), ("d", 2.0)]
    # round robin in canonical order b, c, d, a; shards heaviest first
    assert public_partition(groups, 2, algorithm="rr") == (("b", "d"), ("c", "a"))


def test_plugin_returning_a_bad_plan_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = _entry_points(("lossy", f"{__name__}:Lossy"))
    monkeypatch.setattr(plugins, "entry_points", lambda **_: eps)
    with pytest.raises(ValueError, match="strategy 'lossy' left out"):
        public_partition([("a", 1.0), ("b", 1.0), ("c", 1.0)], 2, algorithm="lossy")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (("broken", "no_such_module_xyz:Thing"), "strategy plugin 'broken' .* failed to load"),
        (("odd", "builtins:object"), "strategy plugin 'odd' .* is not a Strategy"),
        (("lpt", f"{__name__}:RoundRobin"), "clashes with the built-in strategy"),
    ],
)
def test_broken_plugin_raises_plugin_error(
    monkeypatch: pytest.MonkeyPatch, spec: tuple[str, str], message: str
) -> None:
    eps = _entry_points(spec)
    monkeypatch.setattr(plugins, "entry_points", lambda **_: eps)
    with pytest.raises(PluginError, match=message):
        available()


# --------------------------------------------------------------------------- determinism

_CHILD = """
import json, random, sys
from paratest_split.core.partition import STRATEGIES, partition
rng = random.Random(3)
groups = [(f"k{rng.randrange(10**6)}-{i}", float(rng.choice([0, 1, 1, 2, 3, 5, 8, 13])))
          for i in range(60)]
groups += [(f"f{i}", rng.lognormvariate(0, 1)) for i in range(400)]
rng.shuffle(groups)
print(json.dumps({name: partition(groups, 7, algorithm=name) for name in sorted(STRATEGIES)}))
"""


def test_same_plan_under_different_hash_seeds() -> None:
    outputs = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert sorted(outputs[0]) == NAMES


def test_canonical_order_is_longest_first_ties_by_key_whatever_the_input_order() -> None:
    rng = random.Random(4)
    groups = [(f"k{rng.randrange(10**6)}-{i}", float(rng.choice([0, 1, 2, 3]))) for i in range(500)]
    expected = sorted(groups, key=lambda g: (-g[1], g[0]))
    for _ in range(3):
        rng.shuffle(groups)
        keys = [k for k, _ in groups]
        order = partition_module.canonical_order(keys, [s for _, s in groups])
        assert [groups[i] for i in order] == expected
    distinct = [(f"d{i}", float(i)) for i in range(50)]
    order = partition_module.canonical_order([k for k, _ in distinct], [s for _, s in distinct])
    assert order == list(range(49, -1, -1))


@pytest.mark.parametrize("name", NAMES)
def test_partition_canonical_matches_partition(name: str) -> None:
    rng = random.Random(9)
    groups = [(f"g{i:03d}", round(rng.lognormvariate(0, 1), 2)) for i in range(300)]
    canonical = sorted(groups, key=lambda g: (-g[1], g[0]))
    keys, seconds = [k for k, _ in canonical], [s for _, s in canonical]
    plan = partition(groups, 7, algorithm=name)
    assert partition_module.partition_canonical(keys, seconds, 7, algorithm=name) == plan
    indices, loads = partition_module.place_canonical(keys, seconds, 7, algorithm=name)
    assert [tuple(keys[i] for i in shard) for shard in indices] == list(plan)
    assert loads == [math.fsum(dict(groups)[k] for k in shard) for shard in plan]


def test_hundred_thousand_groups_best_is_never_worse_than_lpt() -> None:
    """The large-input path (no KK, budgeted polish skipped near the bound) keeps the contract."""
    rng = random.Random(12)
    groups = [
        (f"tests/t{i % 300}.py::test_{i}", round(rng.lognormvariate(math.log(0.04), 1.6), 3))
        for i in range(100_000)
    ]
    best = partition(groups, 50)
    lpt = partition(groups, 50, algorithm="lpt")
    assert sorted(k for shard in best for k in shard) == sorted(k for k, _ in groups)
    assert span(best, groups) <= span(lpt, groups)
    assert span(best, groups) <= lower_bound([s for _, s in groups], 50) * 1.0001
