from __future__ import annotations

import dataclasses

from paratest_split.core.completeness import Checker, planned_items
from paratest_split.core.model import GroupBy, Plan, Shard, TestItem


def _plan(*shards: list[TestItem]) -> Plan:
    return Plan(
        shards=len(shards),
        group_by=GroupBy.TEST,
        algorithm="lpt",
        inputs_digest="d",
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=1.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=1.0, tests=tuple(t.id for t in items))
            for i, items in enumerate(shards)
        ),
        unknown_tests=(),
        discover="pytest",
        items=tuple(t for items in shards for t in items),
    )


A = TestItem(
    id="tests/test_a.py::test_one",
    file="tests/test_a.py",
    classname="tests.test_a",
    name="test_one",
)
B = TestItem(
    id="tests/test_a.py::test_two",
    file="tests/test_a.py",
    classname="tests.test_a",
    name="test_two",
)
C = TestItem(id="com.foo.BarTest", classname="com.foo.BarTest")  # class-level
F = TestItem(id="tests/test_files.py", file="tests/test_files.py")  # file-level
G = TestItem(id="spec/login.spec.js", file="spec/login.spec.js")  # file-level, matched by file attr


def test_every_result_present_is_complete() -> None:
    checker = Checker(_plan([A, C], [B, F, G]))
    assert checker.observe("tests.test_a", "test_one", None, 0)
    assert checker.observe("com.foo.BarTest$Inner", "x", None, 0) is False  # `$` is not a `.`
    assert checker.observe("com.foo.BarTest.Inner", "testX", None, 0)  # nested class
    assert checker.observe("tests.test_a", "test_two", None, 1)
    assert checker.observe("tests.test_files.TestK", "test_k", None, 1)  # pytest xunit2: module
    assert checker.observe("Login", "logs in", "/ci/work/spec/login.spec.js", 1)  # suffix of file
    result = checker.result(reported_shards=frozenset({0, 1}))
    assert result.ok
    assert (result.planned, result.complete) == (5, 5)
    assert result.unplanned == (("com.foo.BarTest$Inner", "x"),)


def test_missing_says_why_by_what_was_reported() -> None:
    plan = _plan([A], [B], [C])
    checker = Checker(plan)
    checker.observe("tests.test_a", "test_one", None, 0)
    result = checker.result(reported_shards=frozenset({0, 1}))
    assert not result.ok
    assert [(m.item.id, m.shard) for m in result.missing] == [(B.id, 1), (C.id, 2)]
    assert result.missing[0].message == "not run: shard 1 report has no result for it"
    assert result.missing[1].message == "not run: no report from shard 2 was merged"
    assert (result.missing[0].classname, result.missing[0].name) == ("tests.test_a", "test_two")
    assert (result.missing[1].classname, result.missing[1].name) == ("com.foo.BarTest", C.id)
    assert result.missing_by_shard() == {1: 1, 2: 1}
    unknown = Checker(plan).result(reported_shards=None)
    assert unknown.missing[0].message.startswith("not run: no result for it in the merged reports")


def test_a_test_in_two_shards_is_duplicated_but_a_retry_in_one_shard_is_not() -> None:
    checker = Checker(_plan([A], [B]))
    checker.observe("tests.test_a", "test_one", None, 0)
    checker.observe("tests.test_a", "test_one", None, 0)  # retried in its own shard
    checker.observe("tests.test_a", "test_two", None, 1)
    checker.observe("tests.test_a", "test_two", None, 0)  # also ran in shard 0!
    checker.observe("tests.test_a", "test_two", None, None)  # and a report of unknown shard
    result = checker.result(reported_shards=frozenset({0, 1}))
    assert [(d.test, d.planned_shard, d.shards) for d in result.duplicated] == [(B.id, 1, (0, 1))]
    assert result.missing == ()
    assert not result.ok


def test_classname_differing_by_leading_packages_still_matches() -> None:
    checker = Checker(_plan([A, B]))
    checker.observe("src.tests.test_a", "test_one", None, 0)  # pytest started one level up
    checker.observe("other", "test_zzz", None, 0)
    result = checker.result()
    assert [m.item.id for m in result.missing] == [B.id]
    assert result.unplanned == (("other", "test_zzz"),)


def test_bare_ids_get_a_key_from_their_form() -> None:
    plan = _plan([TestItem(id="tests/test_b.py::TestK::test_z[1]"), TestItem(id="pkg/x:TestFoo")])
    items = planned_items(dataclasses.replace(plan, items=()))
    assert [(i.classname, i.name) for i, _ in items] == [
        ("tests.test_b.TestK", "test_z[1]"),
        ("pkg/x", "TestFoo"),
    ]
    checker = Checker(plan)
    assert checker.observe("tests.test_b.TestK", "test_z[1]", None, 0)
    assert checker.shard_of("pkg/x", "TestFoo", None) == 0
    assert checker.shard_of("pkg/x", "TestBar", None) is None


def test_locate_records_like_observe_and_names_the_planned_shard() -> None:
    checker = Checker(_plan([A], [B, F]))
    assert checker.locate("tests.test_a", "test_two", None, None) == 1
    assert checker.locate("tests.test_files", "test_x", "tests/test_files.py", 1) == 1
    assert checker.locate("x", "unplanned", None, 0) is None
    result = checker.result()
    assert [m.item.id for m in result.missing] == [A.id]
    assert result.unplanned == (("x", "unplanned"),)


def test_leading_packages_match_at_once_like_run_and_only_when_unambiguous() -> None:
    # the rules `run` uses (matching.PlannedIndex): the result counts for its shard at once
    checker = Checker(_plan([A], [B]))
    assert checker.locate("src.tests.test_a", "test_one", None, 0) == 0
    assert checker.shard_of("test_a", "test_two", None) == 1
    assert checker.planned_test("src.tests.test_a", "test_two", None) == B
    checker.observe("src.tests.test_a", "test_two", None, 1)
    checker.observe("src.tests.test_a", "test_two", None, 0)  # also ran in shard 0
    result = checker.result()
    assert [(d.test, d.shards) for d in result.duplicated] == [(B.id, (0, 1))]
    assert result.missing == ()
    assert result.unplanned == ()
    twin = TestItem(
        id="other/tests/test_a.py::test_one", classname="other.tests.test_a", name="test_one"
    )
    ambiguous = Checker(_plan([A, twin]))
    assert ambiguous.observe("tests.test_a", "test_one", None, 0)  # exact: A
    assert not ambiguous.observe("test_a", "test_one", None, 0)  # A or twin
    assert ambiguous.result().unplanned == (("test_a", "test_one"),)
