from __future__ import annotations

from dataclasses import dataclass

import pytest

from paratest_split.core.matching import module_of
from paratest_split.core.model import EstimateSource, SuiteSummary, TestItem
from paratest_split.core.timings import (
    DEFAULT_PER_TEST,
    DEFAULT_STARTUP,
    RUN_OVERHEAD,
    Estimator,
    learn_costs,
    learn_overheads,
    merged_cost_properties,
)


@dataclass(frozen=True)
class Known:
    classname: str
    name: str
    file: str | None
    estimate: float
    builds: int = 3


def estimator(*cases: Known) -> Estimator:
    return Estimator({(c.classname, c.name): c for c in cases})


HISTORY = (
    Known("tests.api.test_orders.TestFlow", "test_create", None, 4.0),
    Known("tests.api.test_orders.TestFlow", "test_cancel", None, 2.0),
    Known("tests.api.test_orders", "test_module_level", None, 1.0),
    Known("tests.api.test_users", "test_login[admin]", None, 3.0),
    Known("tests.db.test_pool", "test_open", None, 10.0),
)


def item(nodeid: str) -> TestItem:
    path, _, rest = nodeid.partition("::")
    *classes, name = rest.split("::")
    return TestItem(
        id=nodeid, file=path, classname=".".join([module_of(path), *classes]), name=name
    )


def test_exact_match_by_junit_key() -> None:
    est = estimator(*HISTORY).estimate(item("tests/api/test_orders.py::TestFlow::test_create"))
    assert (est.seconds, est.source, est.builds) == (4.0, EstimateSource.EXACT, 3)


def test_exact_match_survives_another_rootdir() -> None:
    # history was made with rootdir one level up: classname has an extra leading package
    history = [Known("proj.tests.api.test_users", "test_login[admin]", None, 3.0)]
    est = estimator(*history).estimate(item("tests/api/test_users.py::test_login[admin]"))
    assert est.source is EstimateSource.EXACT
    assert est.seconds == 3.0


def test_new_test_in_known_class_gets_the_mean_of_its_siblings() -> None:
    est = estimator(*HISTORY).estimate(item("tests/api/test_orders.py::TestFlow::test_new"))
    assert (est.seconds, est.source) == (3.0, EstimateSource.SIBLINGS)


def test_new_test_in_known_file_without_class_uses_the_file() -> None:
    est = estimator(*HISTORY).estimate(item("tests/api/test_users.py::test_logout"))
    assert (est.seconds, est.source) == (3.0, EstimateSource.SIBLINGS)


def test_new_file_in_known_directory_gets_the_directory_mean() -> None:
    est = estimator(*HISTORY).estimate(item("tests/api/test_new.py::test_x"))
    assert est.source is EstimateSource.DIR
    assert est.seconds == pytest.approx((4 + 2 + 1 + 3) / 4)


def test_unknown_everywhere_gets_the_median_of_all() -> None:
    est = estimator(*HISTORY).estimate(item("other/test_z.py::test_q"))
    assert (est.seconds, est.source) == (3.0, EstimateSource.MEDIAN)


def test_no_history_at_all_counts_every_test_the_same() -> None:
    est = estimator().estimate(item("tests/test_a.py::test_a"))
    assert (est.seconds, est.source) == (1.0, EstimateSource.DEFAULT)


def test_file_level_item_sums_its_cases_by_classname_module() -> None:
    est = estimator(*HISTORY).estimate(
        TestItem(id="tests/api/test_orders.py", file="tests/api/test_orders.py")
    )
    assert (est.seconds, est.source) == (7.0, EstimateSource.EXACT)


def test_file_level_item_matches_file_attribute_relative_to_another_dir() -> None:
    history = [
        Known("x", "a", "../venv/lib/pkg/tests/test_x.py", 1.5),
        Known("x", "b", "../venv/lib/pkg/tests/test_x.py", 2.5),
        Known("y", "c", "tests/test_y.py", 9.0),
    ]
    est = estimator(*history).estimate(TestItem(id="tests/test_x.py", file="tests/test_x.py"))
    assert (est.seconds, est.source) == (4.0, EstimateSource.EXACT)


def test_unknown_file_level_item_gets_median_of_known_files() -> None:
    history = [
        Known("a", "t", "a/test_a.js", 2.0),
        Known("b", "t", "b/test_b.js", 4.0),
        Known("c", "t", "c/test_c.js", 9.0),
    ]
    est = estimator(*history).estimate(TestItem(id="d/test_d.js", file="d/test_d.js"))
    assert (est.seconds, est.source) == (4.0, EstimateSource.MEDIAN)


def test_class_level_java_item_sums_methods_and_inner_classes() -> None:
    history = [
        Known("com.acme.OrderTest", "testA", None, 1.0),
        Known("com.acme.OrderTest", "testB", None, 2.0),
        Known("com.acme.OrderTest$Nested", "testC", None, 4.0),
        Known("com.acme.OrderTestSlow", "testD", None, 100.0),
    ]
    est = estimator(*history).estimate(
        TestItem(id="com.acme.OrderTest", classname="com.acme.OrderTest")
    )
    assert (est.seconds, est.source) == (7.0, EstimateSource.EXACT)


def test_module_level_skip_pseudo_cases_are_not_known_tests() -> None:
    est = estimator(Known("", "tests.test_skipped", None, 0.0)).estimate(
        item("tests/test_a.py::test_a")
    )
    assert est.source is EstimateSource.DEFAULT


def test_module_of() -> None:
    assert module_of("tests/sub/test_x.py") == "tests.sub.test_x"
    assert module_of("./spec/a.test.js") == "spec.a.test"


def suite(cases: int, extra: float, source: str) -> SuiteSummary:
    return SuiteSummary(
        name="pytest", time=cases * 0.01 + extra, cases=cases, case_time=cases * 0.01, source=source
    )


def test_overheads_separate_fixed_and_per_test_cost() -> None:
    # extra = 5 s collection + 1 ms per test, in three reports of different sizes
    suites = [suite(n, 5.0 + 0.001 * n, f"shard-{i}.xml") for i, n in enumerate((1000, 3000, 6000))]
    learned = learn_overheads(suites)
    assert learned.per_test == pytest.approx(0.001, rel=1e-3)
    assert learned.per_shard == pytest.approx(5.0, abs=0.01)
    assert learned.learned_from == 3


def test_overheads_with_one_suite_spread_over_tests() -> None:
    learned = learn_overheads([suite(100, 1.0, "a.xml")])
    assert learned.per_test == pytest.approx(0.01)
    assert learned.per_shard == 0.0


def test_overheads_ignore_suites_without_time_or_faster_than_their_cases() -> None:
    suites = [
        SuiteSummary(name="s", time=None, cases=10, case_time=1.0, source="a"),
        SuiteSummary(name="s", time=0.5, cases=10, case_time=1.0, source="b"),  # parallel runner
    ]
    assert learn_overheads(suites).learned_from == 0
    assert learn_overheads(suites).per_test == 0.0


def test_overheads_of_per_class_suites_are_not_per_shard() -> None:
    # Surefire: many suites per report; the fixed part is per class, not per shard
    suites = [suite(n, 0.5, "TEST-all.xml") for n in (2, 5, 9)]
    assert learn_overheads(suites).per_shard == 0.0


def test_overheads_ignore_suites_with_untimed_cases() -> None:
    # issue 11: a case with a NaN or missing time has its real time in the suite's time, not
    # in case_time; counting it as 0 s turned it into "overhead" (0 -> 50 ms per test)
    good = suite(100, 0.0, "a.xml")
    nan = SuiteSummary(name="pytest", time=7.0, cases=100, case_time=1.0, source="b.xml", untimed=1)
    assert learn_overheads([good, nan]) == learn_overheads([good])
    assert learn_overheads([nan]).learned_from == 0


PLUGIN_PROPERTIES = {
    "paratest.startup": "1.5",
    "paratest.collect": "4.0",  # 3.5 s in files, 0.5 s in directories and conftests
    "paratest.collect:tests/test_a.py": "3.0",
    "paratest.collect:tests/test_b.py": "0.5",
    "other": "x",
}


def test_costs_learned_from_the_plugins_properties() -> None:
    properties = PLUGIN_PROPERTIES
    serial = SuiteSummary(name="pytest", time=15.0, cases=1000, case_time=10.0, source="h.xml")
    costs = learn_costs([("h.xml", properties)], [serial], files=2)
    assert costs.learned
    assert costs.startup == pytest.approx(1.5 + 0.5 + RUN_OVERHEAD)
    assert costs.module_costs() == {"tests/test_a.py": 3.0, "tests/test_b.py": 0.5}
    assert costs.default_module == pytest.approx(1.75)
    assert costs.per_test == pytest.approx(0.001)  # (15 - 4 - 10) s over 1000 cases
    assert "learned" in costs.how


def test_costs_from_our_shard_report_count_its_whole_wall_time_as_fixed_cost() -> None:
    """`run` copies the plugin's properties into the shard report, whose time is the runner's
    whole wall time: what no case and no collection took is the shard's fixed cost, not a
    per-test cost (it was learned as 0.47 s per test on a 3-test shard)."""
    properties = {
        "paratest.shard": "0",
        "paratest.startup": "0.35",
        "paratest.collect": "0.02",
        "paratest.collect:tests/test_a.py": "0.01",
    }
    shard = SuiteSummary(name="pytest", time=1.62, cases=3, case_time=0.0, source="s.xml")
    costs = learn_costs([("s.xml", properties)], [shard], files=1)
    assert costs.learned
    assert costs.per_test == pytest.approx(DEFAULT_PER_TEST)
    assert costs.startup == pytest.approx(1.62 - 0.02 - 3 * DEFAULT_PER_TEST + RUN_OVERHEAD)


def test_costs_estimated_from_one_serial_suite_time() -> None:
    serial = SuiteSummary(name="pytest", time=30.0, cases=1000, case_time=20.0, source="h.xml")
    costs = learn_costs([("h.xml", {})], [serial], files=19)
    assert not costs.learned
    assert costs.per_test == pytest.approx(0.0005)
    assert costs.default_module == pytest.approx((10.0 - 0.5) / 19)
    assert costs.startup == DEFAULT_STARTUP + RUN_OVERHEAD
    assert "estimated" in costs.how


def test_costs_never_silently_zero() -> None:
    untimed = SuiteSummary(
        name="pytest", time=30.0, cases=10, case_time=1.0, source="h.xml", untimed=2
    )
    for suites in ([], [untimed]):
        costs = learn_costs([], suites, files=3)
        assert costs.startup == DEFAULT_STARTUP + RUN_OVERHEAD
        assert costs.default_module == 0.0
        assert "assumed" in costs.how
        assert "unknown" in costs.how


def test_costs_learn_each_files_measured_per_test_overhead() -> None:
    """With the plugin's `paratest.overhead*` properties the per-test cost is measured per
    file; what the session spent beyond collection, cases and that overhead is paid once."""
    properties = {
        **PLUGIN_PROPERTIES,
        "paratest.overhead": "0.8",
        "paratest.overhead:tests/test_a.py": "0.0015",
        "paratest.overhead:tests/test_b.py": "0.0001",
    }
    serial = SuiteSummary(name="pytest", time=15.0, cases=1000, case_time=10.0, source="h.xml")
    costs = learn_costs([("h.xml", properties)], [serial], files=2)
    assert costs.test_overhead_costs() == {"tests/test_a.py": 0.0015, "tests/test_b.py": 0.0001}
    assert costs.per_test == pytest.approx(0.0008)  # the mean, for files not measured
    # 15 - 4 - 10 - 0.8 = 0.2 s of the session is neither: a fixed cost
    assert costs.startup == pytest.approx(1.5 + 0.5 + 0.2 + RUN_OVERHEAD)
    shard = SuiteSummary(name="pytest", time=16.0, cases=1000, case_time=10.0, source="s.xml")
    ours = learn_costs([("s.xml", {**properties, "paratest.shard": "0"})], [shard], files=2)
    assert ours.startup == pytest.approx(1.5 + 0.5 + 1.2 + RUN_OVERHEAD)


def test_merged_report_carries_the_shards_cost_properties() -> None:
    """`merge` gives the merged report (the next build's history) the shards' costs: medians
    per file and per fixed cost, the overhead total summed; nothing without the plugin's."""
    shards = [
        {**PLUGIN_PROPERTIES, "paratest.shard": "0", "paratest.overhead": "0.5",
         "paratest.overhead:tests/test_a.py": "0.001"},
        {**PLUGIN_PROPERTIES, "paratest.startup": "2.5", "paratest.overhead": "0.25",
         "paratest.collect:tests/test_a.py": "5.0", "paratest.overhead:tests/test_a.py": "0.003"},
    ]  # fmt: skip
    merged = dict(merged_cost_properties(shards))
    assert merged == {
        "paratest.startup": "2.0000",
        "paratest.collect": "4.0000",
        "paratest.collect:tests/test_a.py": "4.0000",
        "paratest.collect:tests/test_b.py": "0.5000",
        "paratest.overhead": "0.7500",
        "paratest.overhead:tests/test_a.py": "0.002000",
    }
    assert merged_cost_properties([{"other": "x"}, {"paratest.startup": "1"}]) == ()
    # learnable: the next plan reads them as recorded collection times
    suite = SuiteSummary(name="pytest", time=20.0, cases=1000, case_time=20.0, source="m.xml")
    costs = learn_costs([("m.xml", merged)], [suite], files=2)
    assert costs.learned
    assert costs.module_costs()["tests/test_a.py"] == 4.0
    assert costs.per_test == pytest.approx(0.00075)
