from __future__ import annotations

import pytest

from paratest_split.core import identity
from paratest_split.core.model import TestItem


def key(item: TestItem) -> tuple[str | None, str | None, str | None]:
    return (item.file, item.classname, item.name)


# --------------------------------------------------------------------------- pytest node ids

PYTEST_CASES = [
    # node id, file, classname, name
    (
        "tests/sub/test_x.py::TestA::TestB::test_b[p-1]",
        "tests/sub/test_x.py",
        "tests.sub.test_x.TestA.TestB",
        "test_b[p-1]",
    ),
    ("test_x.py::test_a", "test_x.py", "test_x", "test_a"),
    ("tests/test_x.py::TestA::test_a", "tests/test_x.py", "tests.test_x.TestA", "test_a"),
    # parameter ids hold `::`, brackets, quotes, spaces, dots, backslashes, escapes: all kept
    ("t/test_p.py::test_nasty[a::b]", "t/test_p.py", "t.test_p", "test_nasty[a::b]"),
    (
        "t/test_p.py::test_scalar[timedelta64[s](NaT)]",
        "t/test_p.py",
        "t.test_p",
        "test_scalar[timedelta64[s](NaT)]",
    ),
    ("t/test_p.py::test_delimiter[ ]", "t/test_p.py", "t.test_p", "test_delimiter[ ]"),
    (
        "t/test_p.py::test_arbitrary_element[str-[]",
        "t/test_p.py",
        "t.test_p",
        "test_arbitrary_element[str-[]",
    ),
    ("t/test_p.py::test_n[nul\\x00byte]", "t/test_p.py", "t.test_p", "test_n[nul\\x00byte]"),
    ("t/test_p.py::test_u[\\xe9t\\xe9]", "t/test_p.py", "t.test_p", "test_u[\\xe9t\\xe9]"),
    ('t/test_p.py::test_q[it\'s "q"]', "t/test_p.py", "t.test_p", 'test_q[it\'s "q"]'),
    ("t/test_p.py::test_s[$(rm -rf /)]", "t/test_p.py", "t.test_p", "test_s[$(rm -rf /)]"),
    ("t/test_p.py::test_s[`id`;a|b&c > d]", "t/test_p.py", "t.test_p", "test_s[`id`;a|b&c > d]"),
    ("t/test_p.py::TestK::test_f[1.5-x.y]", "t/test_p.py", "t.test_p.TestK", "test_f[1.5-x.y]"),
    # non-python items (doctest text files) keep their suffix in the classname, like pytest
    ("README.txt::README.txt", "README.txt", "README.txt", "README.txt"),
    ("pkg/mod.py::pkg.mod.func", "pkg/mod.py", "pkg.mod", "pkg.mod.func"),
]


@pytest.mark.parametrize(("nodeid", "file", "classname", "name"), PYTEST_CASES)
def test_pytest_item_follows_pytest_xunit2_rule(
    nodeid: str, file: str, classname: str, name: str
) -> None:
    item = identity.pytest_item(nodeid)
    assert item.id == nodeid
    assert key(item) == (file, classname, name)


def test_module_level_id_is_a_file_level_item() -> None:
    item = identity.pytest_item("tests/test_x.py")
    assert key(item) == ("tests/test_x.py", "tests.test_x", None)


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "tests/x.py::", "tests/x.py::::t", "::test_a", "tests/x.py[1]", "a.py::t\nb.py::t"],
)
def test_bad_pytest_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        identity.pytest_item(bad)


@pytest.mark.parametrize(("nodeid", "file", "classname", "name"), PYTEST_CASES[:13])
def test_nodeid_candidates_recover_the_node_id(
    nodeid: str, file: str, classname: str, name: str
) -> None:
    del file
    candidates = identity.pytest_nodeid_candidates(classname, name)
    assert nodeid in candidates
    # every candidate maps back to the same JUnit key
    for candidate in candidates:
        item = identity.pytest_item(candidate)
        assert (item.classname, item.name) == (classname, name)


def test_nodeid_candidates_order_deepest_module_first() -> None:
    assert identity.pytest_nodeid_candidates("a.b.C", "t[x.y]") == [
        "a/b/C.py::t[x.y]",
        "a/b.py::C::t[x.y]",
        "a.py::b::C::t[x.y]",
    ]
    assert identity.pytest_nodeid_candidates("", "t") == []


def test_nodeid_candidates_pick_the_collected_id() -> None:
    collected = {"tests/sub/test_x.py::TestA::test_b[p-1]", "tests/sub/test_y.py::test_b[p-1]"}
    found = [
        c
        for c in identity.pytest_nodeid_candidates("tests.sub.test_x.TestA", "test_b[p-1]")
        if c in collected
    ]
    assert found == ["tests/sub/test_x.py::TestA::test_b[p-1]"]


# --------------------------------------------------------------------------- Go and Java


def test_go_ids() -> None:
    assert key(identity.go_item("example.com/m/pkg:TestName")) == (
        None,
        "example.com/m/pkg",
        "TestName",
    )
    assert key(identity.go_item("pkg:TestA/sub_case#01")) == (None, "pkg", "TestA/sub_case#01")
    with pytest.raises(ValueError):
        identity.go_item("TestA")


@pytest.mark.parametrize(
    ("test_id", "classname", "name"),
    [
        ("com.foo.BarTest#testX", "com.foo.BarTest", "testX"),
        ("com.foo.BarTest.testX", "com.foo.BarTest", "testX"),
        ("com.foo.BarTest", "com.foo.BarTest", None),
        ("com.foo.Outer.Inner", "com.foo.Outer.Inner", None),
        ("com.foo.Outer$Inner#test_it", "com.foo.Outer$Inner", "test_it"),
        ("BarTest#m", "BarTest", "m"),
    ],
)
def test_java_ids(test_id: str, classname: str, name: str | None) -> None:
    assert key(identity.java_item(test_id)) == (None, classname, name)


@pytest.mark.parametrize("bad", ["com.foo.BarTest#", "com foo#x", "a/b.C", "1abc.Def"])
def test_bad_java_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        identity.java_item(bad)


# --------------------------------------------------------------------------- guessing


@pytest.mark.parametrize(
    ("test_id", "expected"),
    [
        # 1. `::` -> pytest, even with a Windows drive or `#` in the parameters
        ("tests/test_a.py::test_x[#1]", ("tests/test_a.py", "tests.test_a", "test_x[#1]")),
        ("C:\\proj\\test_a.py::test_x", ("C:\\proj\\test_a.py", "C:\\proj\\test_a", "test_x")),
        # 2. Windows drive -> file, not Go `C:...`
        ("C:\\proj\\TestThing.ps1", ("C:\\proj\\TestThing.ps1", None, None)),
        ("C:/proj/Test_x", ("C:/proj/Test_x", None, None)),
        # 3. Go
        ("github.com/u/m/pkg:TestLogin", (None, "github.com/u/m/pkg", "TestLogin")),
        ("./pkg:TestA/with_sub", (None, "./pkg", "TestA/with_sub")),
        ("pkg:ExampleHello", (None, "pkg", "ExampleHello")),
        ("pkg:FuzzParse", (None, "pkg", "FuzzParse")),
        # 4. Java method with #
        ("com.foo.BarTest#testX", (None, "com.foo.BarTest", "testX")),
        # 5. paths
        ("tests/api/login.sh", ("tests/api/login.sh", None, None)),
        ("tests/a#b.sh", ("tests/a#b.sh", None, None)),
        ("spec/my test $(rm -rf ~).rb", ("spec/my test $(rm -rf ~).rb", None, None)),
        ("tests\\win\\test_a.bat", ("tests\\win\\test_a.bat", None, None)),
        ("tests/a:b.sh", ("tests/a:b.sh", None, None)),
        # 6. Java classes and methods without #
        ("com.foo.BarTest", (None, "com.foo.BarTest", None)),
        ("com.foo.BarTest.testX", (None, "com.foo.BarTest", "testX")),
        # ... but a source extension makes it a file
        ("BarTest.java", ("BarTest.java", None, None)),
        ("test_login.py", ("test_login.py", None, None)),
        ("Login.feature", ("Login.feature", None, None)),
        # 7. other dotted names are files
        ("app.test.js", ("app.test.js", None, None)),
        ("com.foo.bar", ("com.foo.bar", None, None)),
        # 8. opaque names
        ("test_login", (None, None, "test_login")),
        ("LoginSpec", (None, None, "LoginSpec")),
        ("`touch pwned`", (None, None, "`touch pwned`")),
        ('it\'s "quoted"', (None, None, 'it\'s "quoted"')),
        ("\u00e9t\u00e9", (None, None, "\u00e9t\u00e9")),
        ("$(id)", (None, None, "$(id)")),
    ],
)
def test_item_from_id_guesses_the_kind(
    test_id: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    item = identity.item_from_id(test_id)
    assert item.id == test_id
    assert key(item) == expected


@pytest.mark.parametrize("bad", ["", "  ", "a\nb", "tests/a.py\r"])
def test_item_from_id_rejects_empty_and_multiline(bad: str) -> None:
    with pytest.raises(ValueError):
        identity.item_from_id(bad)


def test_item_from_id_agrees_with_the_specific_parsers() -> None:
    for nodeid, *_ in PYTEST_CASES:
        assert identity.item_from_id(nodeid) == identity.pytest_item(nodeid)
    assert identity.item_from_id("pkg/x:TestA") == identity.go_item("pkg/x:TestA")
    assert identity.item_from_id("a.B#c") == identity.java_item("a.B#c")


def test_pytest_module_skip_pseudo_cases_are_recognised() -> None:
    from paratest_split.core.identity import is_pytest_module_skip

    assert is_pytest_module_skip(
        "", "networkx.drawing.tests.test_pylab", skipped=True, message="collection skipped"
    )
    assert is_pytest_module_skip("", "tests.test_x", skipped=True)  # message dropped
    # a collection error looks alike but is not skipped; a real skipped test has a classname
    assert not is_pytest_module_skip("", "tests.test_x", skipped=False)
    assert not is_pytest_module_skip("tests.test_x", "test_a", skipped=True)
    assert not is_pytest_module_skip("", "tests.test_x", skipped=True, message="other reason")
    assert not is_pytest_module_skip("", "login spec", skipped=True)
