from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from paratest_split.core.errors import PluginError, UsageError
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.maven import MavenDiscoverer, surefire_selector
from paratest_split.discovery.nunit import (
    JUNIT_XSLT,
    NUnitDiscoverer,
    explore_command,
    parse_explore,
    split_full_name,
)
from paratest_split.testing import assert_discoverer_contract
from tests.unit.discovery.helpers import PROJECTS

# ------------------------------------------------------------------------------- maven


def test_maven_discovers_surefire_default_classes() -> None:
    items = MavenDiscoverer().discover(DiscoverOptions(root=PROJECTS / "maven_multi"))
    assert [(i.id, i.file) for i in items] == [
        ("com.foo.BarTest", "core/src/test/java/com/foo/BarTest.java"),  # first module wins
        ("com.foo.CartTests", "core/src/test/java/com/foo/CartTests.java"),
        ("com.foo.web.PageTestCase", "web/src/test/java/com/foo/web/PageTestCase.java"),
        ("com.foo.web.TestLegacy", "web/src/test/java/com/foo/web/TestLegacy.java"),
    ]
    assert all(i.classname == i.id and i.name is None for i in items)


def test_maven_pattern_and_contract(tmp_path: Path) -> None:
    items = MavenDiscoverer().discover(
        DiscoverOptions(root=PROJECTS / "maven_multi", pattern="*IT.java")
    )
    assert [i.id for i in items] == ["com.foo.web.CheckoutIT"]
    assert (
        len(
            assert_discoverer_contract(
                MavenDiscoverer(), DiscoverOptions(root=PROJECTS / "maven_multi"), tmp_path
            )
        )
        == 4
    )


def test_maven_selector_and_invocation(tmp_path: Path) -> None:
    assert surefire_selector(["a.BTest", "a.CTest#m1", "a.CTest#m2"]) == "a.BTest,a.CTest#m1+m2"
    [inv] = MavenDiscoverer().invocations(
        RunRequest(
            tests=("com.foo.BarTest", "com.foo.Baz#testX"),
            tests_file=tmp_path / "t",
            junit_dir=tmp_path / "j",
            root=tmp_path,
            args=("-pl", "core"),
        )
    )
    assert inv.argv == (
        "mvn",
        "-q",
        "test",
        "-Dtest=com.foo.BarTest,com.foo.Baz#testX",
        "-DfailIfNoTests=false",
        "-Dsurefire.failIfNoSpecifiedTests=false",
        f"-Dsurefire.reportsDirectory={tmp_path / 'j' / 'surefire'}",
        "-pl",
        "core",
    )
    assert inv.junit == str(tmp_path / "j" / "surefire")
    with pytest.raises(PluginError):
        MavenDiscoverer().invocations(
            RunRequest(
                tests=("$(id)",), tests_file=tmp_path / "t", junit_dir=tmp_path, root=tmp_path
            )
        )


# ------------------------------------------------------------------------------- nunit


@pytest.mark.parametrize(
    ("full_name", "classname", "name"),
    [
        ("Shop.Tests.CartTests.AddsItem", "Shop.Tests.CartTests", "AddsItem"),
        ('Shop.Tests.CartTests.Sums(1.5,"a.b")', "Shop.Tests.CartTests", 'Sums(1.5,"a.b")'),
        ("Shop.Tests.Fixture(2.0).Works", "Shop.Tests.Fixture", "Works"),
        ('Ns.C.M("q\\").x")', "Ns.C", 'M("q\\").x")'),
        ("Ns.Outer+Inner.Test", "Ns.Outer+Inner", "Test"),
    ],
)
def test_nunit_full_names(full_name: str, classname: str, name: str) -> None:
    assert split_full_name(full_name) == (classname, name)
    item = NUnitDiscoverer().item_for_id(full_name)
    assert (item.id, item.classname, item.name) == (full_name, classname, name)


def test_nunit_bad_names() -> None:
    for bad in ("NoDot", "Trailing.", ".Leading"):
        with pytest.raises(PluginError):
            NUnitDiscoverer().item_for_id(bad)
    with pytest.raises(UsageError):
        NUnitDiscoverer().discover(DiscoverOptions(root=Path()))


def test_nunit_commands(tmp_path: Path) -> None:
    assert explore_command(["bin/Shop.Tests.dll"], tmp_path / "c.txt") == [
        "nunit3-console",
        "bin/Shop.Tests.dll",
        "--noheader",
        f"--explore={tmp_path / 'c.txt'};format=cases",
    ]
    assert parse_explore("\ufeffB.C.d\nA.B.c\n\nA.B.c\n".lstrip("\ufeff")) == ["A.B.c", "B.C.d"]
    junit = tmp_path / "j"
    junit.mkdir()
    [inv] = NUnitDiscoverer().invocations(
        RunRequest(
            tests=("A.B.c",),
            tests_file=tmp_path / "t.txt",
            junit_dir=junit,
            root=tmp_path,
            args=("Shop.Tests.dll",),
        )
    )
    assert inv.argv == (
        "nunit3-console",
        "Shop.Tests.dll",
        "--noheader",
        f"--testlist={tmp_path / 't.txt'}",
        f"--result={junit / 'nunit.xml'};transform={junit / 'nunit3-junit.xslt'}",
        f"--result={junit / 'nunit3.xml'}",
    )
    assert (junit / "nunit3-junit.xslt").read_text(encoding="utf-8") == JUNIT_XSLT


# An NUnit 3 result file in the documented format (test-run / test-suite / test-case).
NUNIT3_RESULT = (PROJECTS / "captured" / "nunit3-result.xml").read_text(encoding="utf-8")


def test_nunit_xslt_turns_a_result_into_junit() -> None:
    transform = etree.XSLT(etree.fromstring(JUNIT_XSLT.encode()))
    junit = transform(etree.fromstring(NUNIT3_RESULT.encode()))
    root = junit.getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert (
        suite.get("name"),
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == ("Shop.Tests.CartTests", "4", "1", "1", "1")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert {c.get("classname") for c in cases.values()} == {"Shop.Tests.CartTests"}
    assert list(cases["AddsItem"]) == []
    failure = cases["Sums(1,2)"].find("failure")
    assert failure is not None
    assert failure.get("message") == "Expected 3 but was 4"
    assert "Cart.cs:line 9" in (failure.text or "")
    assert cases["Sums(1,2)"].findtext("system-out") == "debug out"
    assert cases["Boom"].find("error") is not None
    skipped = cases["Later"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not yet"
