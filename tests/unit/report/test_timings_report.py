from __future__ import annotations

import json

import pytest

from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.history import CaseHistory
from paratest_split.report.timings import (
    compute_drift,
    drift_json,
    render_drift_text,
    render_rows_text,
    rows_json,
    sort_rows,
    timing_rows,
)


def _hist(classname: str, name: str, *times: float, file: str | None = None) -> CaseHistory:
    return CaseHistory(classname=classname, name=name, file=file, times=times)


CASES = {
    (c.classname, c.name): c
    for c in (
        _hist("tests.test_a", "test_1", 1.0, 3.0, 2.0),
        _hist("tests.test_a.TestK", "test_2", 4.0),
        _hist("tests.test_b", "test_3", 0.5, 9.5),
        _hist("com.foo.BarTest", "testX", 2.0, 2.0, file="src/test/java/com/foo/BarTest.java"),
    )
}


def test_rows_per_test_and_per_file() -> None:
    rows = {r.key: r for r in timing_rows(CASES, "test")}
    one = rows["tests.test_a::test_1"]
    assert (one.estimate, one.builds, one.min, one.max, one.spread) == (2.0, 3, 1.0, 3.0, 2.0)
    assert rows["tests.test_b::test_3"].estimate == 5.0
    files = {r.key: r for r in timing_rows(CASES, "file")}
    assert sorted(files) == [
        "src/test/java/com/foo/BarTest.java",
        "tests/test_a.py",
        "tests/test_b.py",
    ]
    a = files["tests/test_a.py"]  # a module and a class in it
    assert (a.tests, a.estimate, a.min, a.max, a.builds) == (2, 6.0, 5.0, 7.0, 3)
    dirs = {r.key: r.tests for r in timing_rows(CASES, "dir")}
    assert dirs == {"tests": 3, "src/test/java/com/foo": 1}
    classes = {r.key for r in timing_rows(CASES, "class")}
    assert classes == {"tests.test_a", "tests.test_a.TestK", "tests.test_b", "com.foo.BarTest"}
    with pytest.raises(ValueError):
        timing_rows(CASES, "module")


def test_sorting_is_deterministic() -> None:
    rows = timing_rows(CASES, "test")
    assert [r.key for r in sort_rows(rows, "time")][:2] == [
        "tests.test_b::test_3",
        "tests.test_a.TestK::test_2",
    ]
    assert sort_rows(rows, "spread")[0].key == "tests.test_b::test_3"
    assert [r.key for r in sort_rows(rows, "builds")][:3] == [
        "tests.test_a::test_1",  # 3 builds
        "tests.test_b::test_3",  # 2 builds, 5 s
        "com.foo.BarTest::testX",  # 2 builds, 2 s
    ]
    assert [r.key for r in sort_rows(rows, "name")] == sorted(r.key for r in rows)
    text = render_rows_text(sort_rows(rows, "time"), by="test", total=4, sources=3)
    assert text.startswith("4 tests known from 3 reports")
    data = json.loads(rows_json(rows[:1], by="test", total=4, sources=["a.xml"]))
    assert data["rows"][0]["test"] == rows[0].key


def test_drift_per_shard_and_test() -> None:
    a1 = TestItem(id="tests/test_a.py::test_1", classname="tests.test_a", name="test_1")
    b3 = TestItem(id="tests/test_b.py::test_3", classname="tests.test_b", name="test_3")
    plan = Plan(
        shards=2,
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="d",
        predicted_makespan_seconds=5.0,
        lower_bound_seconds=3.5,
        shards_detail=(
            Shard(index=0, predicted_seconds=2.0, tests=(a1.id,)),
            Shard(index=1, predicted_seconds=5.0, tests=(b3.id,)),
        ),
        unknown_tests=(),
        discover="pytest",
        items=(a1, b3),
    )
    results = [
        ("tests.test_a", "test_1", None, 2.5),
        ("tests.test_b", "test_3", None, 11.0),
        ("tests.test_new", "test_9", None, 1.5),
    ]
    drift = compute_drift(plan, results, CASES, top=2)
    assert [(s.index, s.predicted, s.actual) for s in drift.shards] == [
        (0, 2.0, 2.5),
        (1, 5.0, 11.0),
    ]
    assert [(t.test, t.predicted, t.actual) for t in drift.tests] == [
        (b3.id, 5.0, 11.0),
        (a1.id, 2.0, 2.5),
    ]
    assert drift.unplanned_seconds == 1.5
    assert [r.key for r in drift.variable] == ["tests.test_b::test_3", "tests.test_a::test_1"]
    text = render_drift_text(drift)
    assert "+120%" in text
    assert json.loads(drift_json(drift))["shards"][1]["actual_seconds"] == 11.0
