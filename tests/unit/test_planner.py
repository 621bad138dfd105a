from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError, UsageError
from paratest_split.core.model import Estimate, EstimateSource, GroupBy, ShardCosts, TestItem
from paratest_split.core.planner import PlanOptions, build_plan, build_plan_bounds
from paratest_split.plan_inputs import read_test_list


def items_and_estimates(
    spec: dict[str, float], source: EstimateSource = EstimateSource.EXACT
) -> tuple[list[TestItem], dict[str, Estimate]]:
    items = []
    for nodeid in spec:
        path, _, name = nodeid.partition("::")
        items.append(
            TestItem(
                id=nodeid,
                file=path,
                classname=path.removesuffix(".py").replace("/", "."),
                name=name,
            )
        )
    return items, {k: Estimate(seconds=v, source=source) for k, v in spec.items()}


def options(shards: int | None = 2, group_by: GroupBy = GroupBy.TEST, **kw: object) -> PlanOptions:
    base: dict[str, object] = {
        "shards": shards,
        "group_by": group_by,
        "algorithm": "best",
        "discover": "pytest",
        "per_test_overhead": 0.0,
        "per_shard_overhead": 0.0,
    }
    base.update(kw)
    return PlanOptions(**base)  # type: ignore[arg-type]


SPEC = {
    "tests/a.py::t1": 3.0,
    "tests/a.py::t2": 3.0,
    "tests/b.py::t3": 2.0,
    "tests/b.py::t4": 2.0,
    "tests/c.py::t5": 2.0,
}


def test_plan_is_optimal_where_lpt_is_not() -> None:
    items, est = items_and_estimates(SPEC)
    plan = build_plan(items, est, options())
    assert plan.predicted_makespan_seconds == 6.0  # LPT would give 7
    assert plan.lower_bound_seconds == 6.0
    assert sorted(t for s in plan.shards_detail for t in s.tests) == sorted(SPEC)


def test_groups_never_split_and_shards_run_longest_first() -> None:
    items, est = items_and_estimates(SPEC)
    plan = build_plan(items, est, options(group_by=GroupBy.FILE))
    for shard in plan.shards_detail:
        files = [t.split("::")[0] for t in shard.tests]
        for f in set(files):
            assert all(
                t.split("::")[0] != f for s in plan.shards_detail if s is not shard for t in s.tests
            )
        seconds = [est[t].seconds for t in shard.tests]
        assert seconds == sorted(seconds, reverse=True) or len(set(files)) > 1


def test_same_inputs_in_any_order_give_the_same_plan() -> None:
    items, est = items_and_estimates(
        {f"tests/m{i % 7}.py::t{i}": (i * 37 % 11) + 0.5 for i in range(60)}
    )
    first = build_plan(items, est, options(shards=4))
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert build_plan(shuffled, est, options(shards=4)) == first


def test_more_shards_than_tests_gives_empty_shards() -> None:
    items, est = items_and_estimates({"tests/a.py::t1": 1.0, "tests/a.py::t2": 2.0})
    plan = build_plan(items, est, options(shards=5))
    assert plan.shards == 5
    assert [len(s.tests) for s in plan.shards_detail].count(0) == 3
    assert all(s.predicted_seconds == 0.0 for s in plan.shards_detail if not s.tests)


def test_overheads_enter_predictions_and_bound() -> None:
    items, est = items_and_estimates(SPEC)
    plan = build_plan(items, est, options(per_test_overhead=0.5, per_shard_overhead=10.0))
    assert plan.predicted_makespan_seconds == pytest.approx(6.0 + 0.5 * 2 + 10.0, abs=0.6)
    assert plan.lower_bound_seconds == pytest.approx((12 + 2.5) / 2 + 10.0)


def test_digest_changes_with_inputs_and_options() -> None:
    items, est = items_and_estimates(SPEC)
    a = build_plan(items, est, options()).inputs_digest
    b = build_plan(items, est, options(group_by=GroupBy.FILE)).inputs_digest
    est2 = dict(est)
    est2["tests/a.py::t1"] = Estimate(seconds=3.5, source=EstimateSource.EXACT)
    c = build_plan(items, est2, options()).inputs_digest
    assert len({a, b, c}) == 3
    assert a.startswith("sha256:")


def test_unknown_tests_are_listed() -> None:
    items, est = items_and_estimates(SPEC)
    est["tests/c.py::t5"] = Estimate(seconds=2.0, source=EstimateSource.MEDIAN)
    assert build_plan(items, est, options()).unknown_tests == ("tests/c.py::t5",)


def test_target_seconds_picks_the_smallest_shard_count() -> None:
    items, est = items_and_estimates({f"tests/a.py::t{i}": 10.0 for i in range(12)})
    assert build_plan(items, est, options(shards=None, target_seconds=40.0)).shards == 3
    assert build_plan(items, est, options(shards=None, target_seconds=39.0)).shards == 4
    # impossible target: the most shards allowed
    assert (
        build_plan(items, est, options(shards=None, target_seconds=1.0, max_shards=5)).shards == 5
    )


def test_unknown_algorithm_is_a_usage_error() -> None:
    items, est = items_and_estimates(SPEC)
    with pytest.raises(UsageError, match="--algorithm nope"):
        build_plan(items, est, options(algorithm="nope"))


def test_read_test_list(tmp_path: Path) -> None:
    path = tmp_path / "tests.txt"
    path.write_text("\ufeff# comment\ntests/a.py::t1\n", encoding="utf-8")
    assert read_test_list("tests.txt", tmp_path) == ("# comment\ntests/a.py::t1\n", "tests.txt")
    assert read_test_list("-", tmp_path, stdin=lambda: "a\nb\n") == ("a\nb\n", "<stdin>")
    with pytest.raises(BadInputError, match="no such file"):
        read_test_list("missing.txt", tmp_path)


def test_plan_table_is_build_plan_on_parallel_lists() -> None:
    from paratest_split.core.planner import Table, plan_table

    items, est = items_and_estimates(SPEC)
    for by in (GroupBy.TEST, GroupBy.FILE):
        plan = build_plan(items, est, options(group_by=by, shards=3))
        table = Table(
            ids=[i.id for i in items],
            seconds=[est[i.id].seconds for i in items],
            groups=None if by is GroupBy.TEST else [i.group_key(by) for i in items],
        )
        assert plan_table(table, options(group_by=by, shards=3), items=plan.items) == plan


def test_digest_is_independent_of_input_order_and_sees_every_test() -> None:
    spec = {f"tests/m{i % 7}.py::t{i}": float(i % 5) for i in range(200)}
    items, est = items_and_estimates(spec)
    first = build_plan(items, est, options(shards=4)).inputs_digest
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert build_plan(shuffled, est, options(shards=4)).inputs_digest == first
    renamed = [*items[:-1], TestItem(id=items[-1].id + "x", name="t")]
    est2 = {**est, items[-1].id + "x": est[items[-1].id]}
    assert build_plan(renamed, est2, options(shards=4)).inputs_digest != first


@pytest.mark.parametrize(
    ("seconds", "overhead"),
    [
        (1e308, 1e308),  # each finite, the total is not
        (float("nan"), 0.0),
        (float("inf"), 0.0),
        (-1.0, 0.0),
    ],
)
def test_unusable_weights_are_a_usage_error_naming_the_overflow(
    seconds: float, overhead: float
) -> None:
    items, est = items_and_estimates({**SPEC, "tests/d.py::bad": seconds})
    with pytest.raises(UsageError, match="predicted durations overflow"):
        build_plan(items, est, options(per_test_overhead=overhead))


def auto_options(costs: ShardCosts, shards: int = 2) -> PlanOptions:
    return options(
        shards=shards,
        group_by=GroupBy.AUTO,
        costs=costs,
        per_test_overhead=costs.per_test,
        per_shard_overhead=costs.startup,
    )


def _files(tests: tuple[str, ...]) -> set[str]:
    return {t.split("::")[0] for t in tests}


def test_auto_keeps_files_whole_when_collection_is_dear() -> None:
    # 4 files of 2 x 1 s tests, each costing 3 s to collect: splitting a file pays it twice
    spec = {f"f{i}.py::t{j}": 1.0 for i in range(4) for j in range(2)}
    items, est = items_and_estimates(spec)
    costs = ShardCosts(startup=2.0, default_module=3.0)
    plan, bounds = build_plan_bounds(items, est, auto_options(costs))
    assert [len(_files(s.tests)) for s in plan.shards_detail] == [2, 2]
    assert all(s.predicted_seconds == 2.0 + 2 * (3.0 + 2.0) for s in plan.shards_detail)
    assert bounds.floor == 2.0 + (8.0 + 12.0) / 2
    assert plan.lower_bound_seconds == bounds.test_level
    every = sorted(t for s in plan.shards_detail for t in s.tests)
    assert every == sorted(spec)


def test_auto_splits_a_file_bigger_than_a_shards_share() -> None:
    # one file holds 80% of the time (scipy's test_64bit is 30% of its suite)
    spec = {f"big.py::t{j:02d}": 1.0 for j in range(16)}
    spec.update({f"small{i}.py::t": 1.0 for i in range(4)})
    items, est = items_and_estimates(spec)
    costs = ShardCosts(startup=1.0, default_module=0.5)
    plan, bounds = build_plan_bounds(items, est, auto_options(costs, shards=4))
    holding_big = [s for s in plan.shards_detail if "big.py" in _files(s.tests)]
    assert len(holding_big) >= 3
    whole = build_plan(items, est, options(shards=4, group_by=GroupBy.FILE))
    assert plan.predicted_makespan_seconds < whole.predicted_makespan_seconds - 8
    assert plan.predicted_makespan_seconds <= bounds.floor * 1.15
    # pieces of a file are contiguous runs of ids (classes and parameters stay together)
    for shard in holding_big:
        mine = sorted(t for t in shard.tests if t.startswith("big.py"))
        numbers = [int(t[-2:]) for t in mine]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_auto_is_deterministic_and_records_discover_args() -> None:
    spec = {f"m{i % 9}.py::t{i}": (i * 37 % 11) + 0.5 for i in range(80)}
    items, est = items_and_estimates(spec)
    costs = ShardCosts(startup=1.0, modules=(("m1.py", 4.0), ("m2.py", 9.0)), default_module=1.0)
    base = auto_options(costs, shards=3)
    first = build_plan(items, est, base)
    again = build_plan(list(reversed(items)), est, base)
    assert first == again
    other = build_plan(items, est, auto_options(ShardCosts(startup=1.0), shards=3))
    assert other.inputs_digest != first.inputs_digest


def test_auto_charges_each_test_its_files_measured_overhead() -> None:
    # same testcase times; pytest spends 0.5 s more per test of slow.py (reporting, skips):
    # measured per file, so the two shards balance on the real cost, not on the case times
    spec = {f"slow.py::t{j}": 1.0 for j in range(4)}
    spec.update({f"fast{i}.py::t": 1.0 for i in range(6)})
    items, est = items_and_estimates(spec)
    costs = ShardCosts(startup=1.0, per_test=0.01, test_overheads=(("slow.py", 0.5),))
    plan = build_plan(items, est, auto_options(costs))
    loads = sorted(s.predicted_seconds for s in plan.shards_detail)
    total = 10 * 1.0 + 4 * 0.5 + 6 * 0.01
    assert sum(s - 1.0 for s in loads) == pytest.approx(total)
    assert loads[-1] - 1.0 <= total / 2 + 0.5 + 1e-9
    blind = build_plan(items, est, auto_options(replace(costs, test_overheads=())))
    assert blind.inputs_digest != plan.inputs_digest
    assert blind.predicted_makespan_seconds < plan.predicted_makespan_seconds
