from __future__ import annotations

import threading

import pytest

from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.local.schedule import (
    DynamicQueue,
    StaticSchedule,
    Unit,
    group_units,
    simulate,
    static_units,
    units_plan,
)


def _plan(shards: list[list[str]], items: list[TestItem] | None = None) -> Plan:
    return Plan(
        shards=len(shards),
        group_by=GroupBy.FILE,
        algorithm="best",
        inputs_digest="sha256:x",
        predicted_makespan_seconds=3.0,
        lower_bound_seconds=2.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=float(i + 1), tests=tuple(t))
            for i, t in enumerate(shards)
        ),
        unknown_tests=(),
        discover="pytest",
        items=tuple(items or ()),
    )


def _item(test: str) -> TestItem:
    file, _, name = test.partition("::")
    return TestItem(id=test, file=file, classname=file[:-3].replace("/", "."), name=name)


def test_static_units_are_the_plan_shards() -> None:
    plan = _plan([["a.py::x", "a.py::y"], [], ["b.py::z"]])
    units = static_units(plan)
    assert [u.index for u in units] == [0, 1, 2]
    assert [u.tests for u in units] == [("a.py::x", "a.py::y"), (), ("b.py::z",)]
    assert [u.predicted_seconds for u in units] == [1.0, 2.0, 3.0]
    schedule = StaticSchedule(units)
    assert schedule.workers == 3
    assert schedule.next_for(1) == units[1]
    assert schedule.next_for(1) is None  # each worker runs its shard once
    assert schedule.remaining() == 2


def test_group_units_longest_first_by_file() -> None:
    tests = ["a.py::x", "a.py::y", "b.py::z", "c.py::w"]
    plan = _plan([["a.py::x", "b.py::z"], ["a.py::y", "c.py::w"]], [_item(t) for t in tests])
    estimates = {"a.py::x": 1.0, "a.py::y": 2.0, "b.py::z": 4.0, "c.py::w": 0.5}
    units = group_units(plan, estimates)
    assert [(u.key, u.predicted_seconds) for u in units] == [
        ("b.py", 4.0),
        ("a.py", 3.0),
        ("c.py", 0.5),
    ]
    assert units[1].tests == ("a.py::x", "a.py::y")
    assert [u.index for u in units] == [0, 1, 2]
    # by test: every test its own unit
    per_test = group_units(plan, estimates, GroupBy.TEST)
    assert [u.key for u in per_test] == ["b.py::z", "a.py::y", "a.py::x", "c.py::w"]


def test_group_units_ties_broken_by_key_whatever_the_plan_order() -> None:
    items = [_item(t) for t in ["b.py::t", "a.py::t"]]
    one = group_units(_plan([["b.py::t"], ["a.py::t"]], items), {})
    two = group_units(_plan([["a.py::t"], ["b.py::t"]], items), {})
    assert [u.key for u in one] == [u.key for u in two] == ["a.py", "b.py"]


def test_units_plan_has_one_shard_per_unit() -> None:
    plan = _plan([["a.py::x", "b.py::z"]], [_item("a.py::x"), _item("b.py::z")])
    units = group_units(plan, {"a.py::x": 1.0, "b.py::z": 2.0})
    derived = units_plan(plan, units)
    assert derived.shards == 2
    assert [s.tests for s in derived.shards_detail] == [("b.py::z",), ("a.py::x",)]
    assert derived.items == plan.items


def _unit(index: int, seconds: float, key: str = "") -> Unit:
    return Unit(
        index=index, key=key or f"g{index}", predicted_seconds=seconds, tests=(f"t{index}",)
    )


def test_dynamic_queue_gives_the_largest_remaining_unit() -> None:
    units = [_unit(0, 1.0), _unit(1, 5.0), _unit(2, 3.0), _unit(3, 3.0, key="a")]
    queue = DynamicQueue(units, workers=2)
    taken = [queue.next_for(0), queue.next_for(1), queue.next_for(0), queue.next_for(0)]
    assert [u.index for u in taken if u is not None] == [1, 3, 2, 0]
    assert queue.next_for(1) is None
    assert queue.remaining() == 0


def test_dynamic_queue_never_more_workers_than_units() -> None:
    assert DynamicQueue([_unit(0, 1.0)], workers=4).workers == 1
    assert DynamicQueue([], workers=4).workers == 0
    with pytest.raises(ValueError):
        DynamicQueue([_unit(0, 1.0)], workers=0)


def test_dynamic_queue_each_unit_once_under_threads() -> None:
    units = [_unit(i, float(i % 7)) for i in range(500)]
    queue = DynamicQueue(units, workers=8)
    got: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while (unit := queue.next_for(0)) is not None:
            with lock:
                got.append(unit.index)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(500))


def test_simulate_greedy_longest_first() -> None:
    units = [_unit(0, 3.0), _unit(1, 3.0), _unit(2, 2.0), _unit(3, 2.0), _unit(4, 2.0)]
    assigned, makespan = simulate(units, 2)
    assert assigned == [[0, 2, 4], [1, 3]]
    assert makespan == 7.0
    assert simulate([], 3) == ([[], [], []], 0.0)
    with pytest.raises(ValueError):
        simulate(units, 0)


def test_dynamic_give_back_lets_another_worker_take_it() -> None:
    queue = DynamicQueue([_unit(0, 1.0), _unit(1, 2.0)], workers=2)
    first = queue.next_for(0)
    assert first is not None
    queue.give_back(first)
    assert queue.next_for(1) == first
    static = StaticSchedule([_unit(0, 1.0)])
    taken = static.next_for(0)
    assert taken is not None
    static.give_back(taken)
    assert static.next_for(0) is None  # a static shard belongs to its worker


def test_chunk_units_batches_the_small_tail() -> None:
    from paratest_split.local.schedule import chunk_units

    groups = [_unit(0, 8.0), _unit(1, 4.0), *[_unit(i, 0.5) for i in range(2, 14)]]
    units = chunk_units(groups, workers=2, min_seconds=1.0)
    # 18 s over 2 workers: targets 4.5, 2.5, 1.5, 1.125, then the 1 s minimum
    assert [u.predicted_seconds for u in units] == [8.0, 4.0, 1.5, 1.0, 1.0, 1.0, 1.0, 0.5]
    assert [u.index for u in units] == list(range(len(units)))
    assert units[0].key == "g0"
    assert units[2].key == "g10 +2"  # ties by key: g10 < g11 < g12 < ... < g2
    tests = [t for u in units for t in u.tests]
    assert sorted(tests) == sorted(t for g in groups for t in g.tests)  # each test once
    with pytest.raises(ValueError):
        chunk_units(groups, workers=0)


def test_chunk_units_without_minimum_keeps_big_groups_apart() -> None:
    from paratest_split.local.schedule import chunk_units

    groups = [_unit(i, s) for i, s in enumerate([3.0, 3.0, 3.0, 3.0])]
    assert [u.tests for u in chunk_units(groups, workers=4)] == [(f"t{i}",) for i in range(4)]
    assert chunk_units([], workers=2) == []
