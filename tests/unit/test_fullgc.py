"""The full-collection part of the cost model (`core.fullgc`): learned from the plugin's
suite properties, scaled to a shard's own heap, and used by `group_by: auto`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from paratest_split.core.fullgc import FullGc, learn_heap
from paratest_split.core.model import HeapCosts, ShardCosts
from paratest_split.core.planner import Table, plan_auto, plan_table
from tests.unit.test_planner import auto_options

LEAK = "tests/test_leak.py::test_leak"


def _properties(**extra: str) -> dict[str, str]:
    found = {
        "paratest.heap.start": "30000",
        "paratest.heap.per_block": "0.5",
        "paratest.heap.per_test": "10",
        "paratest.heap.blocks:tests/test_big.py": "800000",
        "paratest.heap.blocks:tests/test_leak.py": "2000",
        f"paratest.gc:{LEAK}": "0.4",
        f"paratest.gc.heap:{LEAK}": "431000",
    }
    found.update(extra)
    return found


def test_learns_medians_over_the_reports() -> None:
    heap = learn_heap(
        [
            _properties(),
            _properties(**{f"paratest.gc:{LEAK}": "0.6", "paratest.heap.start": "31000"}),
            _properties(**{f"paratest.gc:{LEAK}": "0.5", "paratest.heap.start": "32000"}),
        ]
    )
    assert heap is not None
    assert heap.start == 31000
    assert heap.per_block == 0.5
    assert heap.per_test == 10
    assert dict(heap.blocks) == {"tests/test_big.py": 800000, "tests/test_leak.py": 2000}
    assert heap.tests == ((LEAK, 0.5, 431000),)


@pytest.mark.parametrize(
    "properties",
    [
        {},  # no heap recorded (an older plugin, another runner)
        {k: v for k, v in _properties().items() if not k.startswith("paratest.gc")},  # no gc
        _properties(**{"paratest.heap.per_test": "lots"}),  # unusable scalar
        _properties(**{f"paratest.gc.heap:{LEAK}": "0"}),  # no heap size for the test
    ],
)
def test_nothing_to_scale_is_none(properties: dict[str, str]) -> None:
    assert learn_heap([properties]) is None


HEAP = HeapCosts(
    start=30000,
    per_block=0.5,
    per_test=10,
    blocks=(("tests/test_big.py", 800000.0), ("tests/test_leak.py", 2000.0)),
    default_blocks=2000,
    tests=((LEAK, 0.4, 431000.0),),
)
IDS = ["tests/test_big.py::test_a", "tests/test_big.py::test_b", LEAK]
MODULES = ["tests/test_big.py", "tests/test_big.py", "tests/test_leak.py"]


def test_a_shard_without_the_big_file_collects_for_a_fraction_of_the_time() -> None:
    model = FullGc(HEAP, IDS, MODULES)
    weights = [1.0, 1.0, 0.5]  # the leak test: 0.4 s of full collections, 0.1 s else
    shared = model.share_weights(weights, 2)
    # a shard of half the heap: 30000 + 0.5 * 802000 / 2 + 10 * 3 / 2 objects
    assert shared[2] == pytest.approx(0.1 + 0.4 * (30000 + 200500 + 15) / 431000)
    assert shared[:2] == weights[:2]
    alone = model.shard_correction([2], weights, shared)
    # alone: 30000 + 0.5 * 2000 + 10 * 1 objects
    assert shared[2] + alone == pytest.approx(0.1 + 0.4 * 31010 / 431000)
    together = model.shard_correction([0, 1, 2], weights, shared)
    assert shared[2] + together == pytest.approx(0.1 + 0.4 * (30000 + 401000 + 30) / 431000)


def test_the_scaling_is_bounded() -> None:
    tiny = HeapCosts(
        start=0, per_block=0, per_test=0, blocks=(), default_blocks=0, tests=((LEAK, 0.4, 1e9),)
    )
    model = FullGc(tiny, [LEAK], ["tests/test_leak.py"])
    assert model.share_weights([0.5], 4)[0] == pytest.approx(0.1 + 0.4 * 0.05)


def test_auto_plans_predict_the_shard_heap() -> None:
    ids = [f"tests/test_big.py::test_{i}" for i in range(4)] + [LEAK]
    modules = ["tests/test_big.py"] * 4 + ["tests/test_leak.py"]
    weights = [0.5, 0.5, 0.5, 0.5, 1.0]
    options = auto_options(ShardCosts())
    plain, plain_loads, _ = plan_auto(
        ids, weights, modules, costs=ShardCosts(), shards=2, options=options
    )
    scaled, scaled_loads, _ = plan_auto(
        ids, weights, modules, costs=ShardCosts(heap=HEAP), shards=2, options=options
    )
    leak_plain = next(j for j, tests in enumerate(plain) if LEAK in tests)
    leak_scaled = next(j for j, tests in enumerate(scaled) if LEAK in tests)
    assert plain_loads[leak_plain] == pytest.approx(0.5 * (len(plain[leak_plain]) - 1) + 1.0)
    # the leak test's shard holds part of test_big.py: its heap is that file's blocks, the
    # start and the tests it ran (in id order: the leak test runs last)
    big = len(scaled[leak_scaled]) - 1
    objects = 30000 + 0.5 * (800000 + 2000) + 10 * (big + 1)
    assert scaled_loads[leak_scaled] == pytest.approx(0.5 * big + 0.6 + 0.4 * objects / 431000)
    assert scaled_loads[1 - leak_scaled] == pytest.approx(0.5 * (4 - big))


def test_the_heap_model_is_part_of_the_plan_digest() -> None:
    table = Table(ids=IDS, seconds=[1.0, 1.0, 0.5], groups=MODULES)
    options = auto_options(ShardCosts())
    plain = plan_table(table, options).inputs_digest
    with_heap = plan_table(table, replace(options, costs=ShardCosts(heap=HEAP))).inputs_digest
    other = replace(HEAP, tests=((LEAK, 0.3, 431000.0),))
    with_other = plan_table(table, replace(options, costs=ShardCosts(heap=other))).inputs_digest
    assert len({plain, with_heap, with_other}) == 3
    assert plan_table(table, options).inputs_digest == plain  # and stable


def test_the_heap_properties_travel_with_the_other_costs() -> None:
    from paratest_split.core.model import is_cost_property
    from paratest_split.core.timings import merged_cost_properties

    shard = {"paratest.startup": "1", "paratest.collect": "2", **_properties()}
    assert all(is_cost_property(name) for name in _properties())
    assert not is_cost_property("paratest.gcx")
    other = {**shard, f"paratest.gc:{LEAK}": "0.2", "paratest.heap.start": "40000"}
    merged = dict(merged_cost_properties([shard, other]))
    # what `merge` writes for the next plan: the median over the shards that recorded it
    assert float(merged[f"paratest.gc:{LEAK}"]) == pytest.approx(0.3)
    assert float(merged["paratest.heap.start"]) == 35000
    assert float(merged["paratest.heap.blocks:tests/test_big.py"]) == 800000
    heap = learn_heap([merged])
    assert heap is not None
    assert heap.tests == ((LEAK, 0.3, 431000),)
