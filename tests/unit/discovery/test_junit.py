from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError, PluginError, UsageError
from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.discovery.base import DiscoverOptions
from paratest_split.discovery.junit import (
    JUnitDiscoverer,
    history_tests,
    item_for_junit_id,
    junit_id,
)
from paratest_split.history import load_history
from paratest_split.manifest import stored_items
from tests.unit.discovery.helpers import PROJECTS, run_request

# A real report of pytest 9 on the pytest_basic project (with its module-level skip).
HISTORY = PROJECTS / "junit_history" / "pytest-basic.xml"

SUREFIRE_LIKE = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.foo.BarTest" tests="3">
  <testcase classname="com.foo.BarTest" name="testX" time="1.5"/>
  <testcase classname="com.foo.BarTest" name="testY(int)[1]" time="0.5"/>
  <testcase classname="github.com/u/m/pkg" name="TestA/sub::x" time="0.1" file="pkg/a_test.go"/>
</testsuite>
"""


def test_pytest_history_gives_node_ids_when_modules_exist() -> None:
    items = JUnitDiscoverer().discover(
        DiscoverOptions(root=PROJECTS / "pytest_basic", junit_paths=(str(HISTORY),))
    )
    ids = [item.id for item in items]
    assert len(ids) == 17  # the module-level skip pseudo-case is not a test
    assert ids == sorted(ids)
    assert "tests/test_mod.py::TestOuter::TestInner::test_deep" in ids
    assert "tests/sub/test_params.py::test_nasty[a::b]" in ids
    assert "tests/sub/test_params.py::TestParams::test_pair[q.2]" in ids
    for item in items:
        assert JUnitDiscoverer().item_for_id(item.id) == item


def test_without_the_sources_ids_are_classname_name(tmp_path: Path) -> None:
    shutil.copy(HISTORY, tmp_path / "h.xml")
    items = JUnitDiscoverer().discover(DiscoverOptions(root=tmp_path, junit_paths=("*.xml",)))
    ids = [item.id for item in items]
    assert "tests.test_mod.TestOuter.TestInner::test_deep" in ids
    assert "tests.sub.test_params::test_nasty[a::b]" in ids
    for item in items:
        rebuilt = JUnitDiscoverer().item_for_id(item.id)
        assert (rebuilt.classname, rebuilt.name) == (item.classname, item.name)


def test_other_tools_and_file_attribute(tmp_path: Path) -> None:
    (tmp_path / "TEST-x.xml").write_text(SUREFIRE_LIKE, encoding="utf-8")
    items = JUnitDiscoverer().discover(DiscoverOptions(root=tmp_path, junit_paths=(str(tmp_path),)))
    assert [(i.id, i.classname, i.name, i.file) for i in items] == [
        ("com.foo.BarTest::testX", "com.foo.BarTest", "testX", None),
        ("com.foo.BarTest::testY(int)[1]", "com.foo.BarTest", "testY(int)[1]", None),
        ("github.com/u/m/pkg::TestA/sub::x", "github.com/u/m/pkg", "TestA/sub::x", "pkg/a_test.go"),
    ]
    assert item_for_junit_id("github.com/u/m/pkg::TestA/sub::x").name == "TestA/sub::x"


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        JUnitDiscoverer().discover(DiscoverOptions(root=tmp_path))
    (tmp_path / "bad.xml").write_text(
        '<testsuite><testcase classname="a::b" name="c"/></testsuite>', encoding="utf-8"
    )
    with pytest.raises(BadInputError, match=r"bad\.xml: testcase classname 'a::b' contains '::'"):
        JUnitDiscoverer().discover(DiscoverOptions(root=tmp_path, junit_paths=("bad.xml",)))
    with pytest.raises(PluginError):
        JUnitDiscoverer().item_for_id("no-separator")
    assert junit_id("a.B", "t") == "a.B::t"


def test_invocations(tmp_path: Path) -> None:
    [inv] = JUnitDiscoverer().invocations(run_request(tmp_path, ("tests/a.py::t",)))
    assert inv.argv[1:3] == ("-m", "pytest")
    [inv] = JUnitDiscoverer().invocations(
        run_request(tmp_path, ("a.B::t",), user_command=("run", "{tests_file}"))
    )
    assert inv.argv == ("run", str(tmp_path / "t.txt"))
    with pytest.raises(UsageError):
        JUnitDiscoverer().invocations(run_request(tmp_path, ("a.B::t",)))


def _fast_items(root: Path, paths: list[Path]) -> list[TestItem]:
    tests = history_tests(load_history(paths), root)
    return sorted((tests.item(i) for i in range(len(tests.ids))), key=lambda item: item.id)


@pytest.mark.parametrize("with_sources", [True, False])
def test_history_tests_are_what_discover_finds(tmp_path: Path, with_sources: bool) -> None:
    root = PROJECTS / "pytest_basic" if with_sources else tmp_path
    shutil.copy(HISTORY, tmp_path / "h.xml")
    (tmp_path / "TEST-x.xml").write_text(SUREFIRE_LIKE, encoding="utf-8")
    paths = [tmp_path / "h.xml", tmp_path / "TEST-x.xml"]
    slow = JUnitDiscoverer().discover(
        DiscoverOptions(root=root, junit_paths=tuple(str(p) for p in paths))
    )
    assert _fast_items(root, paths) == slow


def test_history_tests_list_only_what_ids_cannot_rebuild(tmp_path: Path) -> None:
    (tmp_path / "TEST-x.xml").write_text(SUREFIRE_LIKE, encoding="utf-8")
    (tmp_path / "TEST-y.xml").write_text(
        '<testsuite><testcase classname="com.foo.Baz" name="a" file="Baz.java" time="1"/>'
        '<testcase classname="com.foo.Baz" name="b" file="Other.java" time="1"/>'
        '<testcase classname="com.foo.Baz" name="c" time="1"/></testsuite>',
        encoding="utf-8",
    )
    tests = history_tests(
        load_history([tmp_path / "TEST-x.xml", tmp_path / "TEST-y.xml"]), tmp_path
    )
    items = sorted((tests.item(i) for i in range(len(tests.ids))), key=lambda item: item.id)
    listed, class_files = tests.stored()
    # the generic (one item_for_id per test) answer for the same items agrees
    plan = Plan(
        shards=1, group_by=GroupBy.TEST, algorithm="best", inputs_digest="", discover="junit",
        predicted_makespan_seconds=0.0, lower_bound_seconds=0.0, unknown_tests=(),
        shards_detail=(Shard(index=0, predicted_seconds=0.0, tests=tuple(i.id for i in items)),),
        items=tuple(items),
    )  # fmt: skip
    generic = stored_items(plan)
    assert tuple(listed) == generic.items
    assert [i.id for i in listed] == ["com.foo.Baz::b"]  # not its class's file
    assert class_files == dict(generic.class_files)
    assert class_files["com.foo.Baz"] == "Baz.java"
    # a `::` in a classname::name id's name still splits at the first `::`: rebuilt, not listed
    assert class_files["github.com/u/m/pkg"] == "pkg/a_test.go"
    assert tests.unique is False  # a name holds '::': the planner checks for duplicates


def test_history_tests_name_the_report_of_a_bad_classname(tmp_path: Path) -> None:
    (tmp_path / "ok.xml").write_text(
        '<testsuite><testcase classname="a" name="b" time="1"/></testsuite>'
    )
    (tmp_path / "bad.xml").write_text(
        '<testsuite><testcase classname="a::b" name="c" time="1"/></testsuite>'
    )
    history = load_history([tmp_path / "ok.xml", tmp_path / "bad.xml"])
    with pytest.raises(BadInputError, match=r"bad\.xml: testcase classname 'a::b' contains '::'"):
        history_tests(history, tmp_path)
