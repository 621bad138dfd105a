from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from paratest_split.core.completeness import Checker
from paratest_split.core.matching import (
    PlannedIndex,
    dotted_prefixes,
    dotted_suffix_match,
    module_of,
    norm_file,
    path_suffixes,
    suffix_match,
)
from paratest_split.core.model import Attempt, CaseResult, Outcome, TestItem
from paratest_split.runner.results import Matcher
from tests.unit.test_completeness import _plan


def test_norm_file() -> None:
    assert norm_file("tests/t.py") == "tests/t.py"
    assert norm_file("././tests\\sub\\t.py") == "tests/sub/t.py"
    assert norm_file(".\\t.py") == "t.py"
    assert norm_file("../t.py") == "../t.py"


def test_module_of() -> None:
    assert module_of("tests/sub/test_x.py") == "tests.sub.test_x"
    assert module_of("./spec/a.test.js") == "spec.a.test"
    assert module_of("pkg/Foo.java") == "pkg.Foo"
    assert module_of("data/x.txt") == "data.x.txt"  # not a source file: kept whole


def test_suffix_match_is_at_a_slash() -> None:
    assert suffix_match("tests/t.py", "tests/t.py")
    assert suffix_match("../venv/pkg/tests/t.py", "tests/t.py")
    assert suffix_match("tests/t.py", "../venv/pkg/tests/t.py")
    assert not suffix_match("xtests/t.py", "tests/t.py")
    assert not suffix_match("tests/t.py", "tests/u.py")


def test_dotted_suffix_match_is_at_a_dot_and_never_equal_or_empty() -> None:
    assert dotted_suffix_match("proj.tests.test_a", "tests.test_a")
    assert dotted_suffix_match("test_a", "proj.tests.test_a")
    assert not dotted_suffix_match("xtests.test_a", "tests.test_a")
    assert not dotted_suffix_match("tests.test_a", "tests.test_a")
    assert not dotted_suffix_match("tests.test_a", "")
    assert not dotted_suffix_match("", "")


def test_prefixes_and_suffixes_longest_first() -> None:
    assert list(dotted_prefixes("a.b.C")) == ["a.b.C", "a.b", "a"]
    assert list(dotted_prefixes("")) == []
    assert list(path_suffixes("x/tests/t.py")) == ["x/tests/t.py", "tests/t.py", "t.py"]
    assert list(path_suffixes("t.py")) == ["t.py"]
    assert list(path_suffixes("")) == []


ONE = TestItem(id="tests/test_a.py::test_x", classname="tests.test_a", name="test_x")
OPAQUE = TestItem(id="seed-test", name="seed-test")
KEYLESS = TestItem(id="lint")
BAR = TestItem(id="com.foo.BarTest", classname="com.foo.BarTest")
FILE_Z = TestItem(id="tests/test_z.py", file="./tests/test_z.py")
SPEC = TestItem(id="spec/login.spec.js", file="spec/login.spec.js")


def test_every_rule_in_order() -> None:
    index = PlannedIndex([ONE, OPAQUE, KEYLESS, BAR, FILE_Z, SPEC])
    assert index.position("tests.test_a", "test_x") == 0
    assert index.match("tests.test_a", "test_x") == ONE.id
    assert index.match("any.class", "seed-test") == OPAQUE.id  # no classname: name alone
    assert index.match("", "lint") == KEYLESS.id  # no key at all: the id as a name
    assert index.match("com.foo.BarTest", "testX") == BAR.id
    assert index.match("com.foo.BarTest.Inner", "t") == BAR.id  # nested class
    assert index.match("com.foo.BarTest$Inner", "t") is None  # `$` is not a `.`
    assert index.match("com.foo", "t") is None  # a package of the class is not the class
    assert index.match("tests.test_z", "t") == FILE_Z.id  # pytest xunit2: the module
    assert index.match("tests.test_z.TestK", "t") == FILE_Z.id  # a class in it
    assert index.match("c", "t", "/ci/build/tests/test_z.py") == FILE_Z.id  # path suffix
    assert index.match("c", "t", "build\\tests\\test_z.py") == FILE_Z.id
    assert index.match("c", "t", "xtests/test_z.py") is None  # not at a `/`
    assert index.match("Login", "logs in", None, suite="spec/login.spec.js") == SPEC.id
    assert index.match("Login", "logs in", "other.js", suite="./spec/login.spec.js") == SPEC.id
    assert index.match("proj.tests.test_a", "test_x") == ONE.id  # leading packages
    assert index.match("tests.test_a", "test_y") is None
    assert index.match("", "test_x") is None  # no classname: no leading-package match


def test_exact_key_beats_containers_and_containers_beat_leading_packages() -> None:
    exact = TestItem(id="e", classname="tests.test_z.TestK", name="t")
    wider = TestItem(id="w", classname="a.tests.test_q", name="t")
    index = PlannedIndex([FILE_Z, exact, wider])
    assert index.match("tests.test_z.TestK", "t") == "e"
    assert index.match("tests.test_z.TestK", "u") == FILE_Z.id
    # `tests.test_q` is `a.tests.test_q` by leading packages, but the file's path wins
    assert index.match("tests.test_q", "t", "tests/test_z.py") == FILE_Z.id
    assert index.match("tests.test_q", "t") == "w"


def test_first_item_of_a_key_wins() -> None:
    again = dataclasses.replace(ONE, id="again")
    other_file = TestItem(id="f2", file="tests/test_z.py")
    index = PlannedIndex([ONE, again, FILE_Z, other_file])
    assert index.match("tests.test_a", "test_x") == ONE.id
    assert index.match("proj.tests.test_a", "test_x") == ONE.id
    assert index.match("tests.test_z", "t") == FILE_Z.id


def test_leading_packages_only_when_unambiguous() -> None:
    a = TestItem(id="a", classname="a.test_m", name="test_y")
    b = TestItem(id="b", classname="b.test_m", name="test_y")
    c = TestItem(id="c", classname="c.test_n", name="test_y")
    index = PlannedIndex([a, b, c])
    assert index.match("test_m", "test_y") is None  # a. or b.
    assert index.match("root.a.test_m", "test_y") == "a"
    assert index.match("test_n", "test_y") == "c"
    assert index.match("xa.test_m", "test_y") is None  # not at a dot
    assert index.match("root.a.test_m", "test_z") is None
    # the name index is built on first need and then reused: same answers
    assert index.match("root.a.test_m", "test_y") == "a"
    assert index.match("test_m", "test_y") is None


def test_empty_index_matches_nothing() -> None:
    index = PlannedIndex([])
    assert index.position("a", "b", "c.py", "d") is None
    assert index.match("", "") is None


_SEGMENT = st.sampled_from(["a", "b", "tests", "test_a", "TestK"])
_DOTTED = st.lists(_SEGMENT, min_size=1, max_size=3).map(".".join)
_PATH = st.lists(_SEGMENT, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".py")
_NAME = st.sampled_from(["t", "u", "seed"])
_ITEM = st.one_of(
    st.builds(lambda c, n: TestItem(id=f"{c}::{n}", classname=c, name=n), _DOTTED, _NAME),
    st.builds(lambda n: TestItem(id=f"opaque:{n}", name=n), _NAME),
    st.builds(lambda c: TestItem(id=f"class:{c}", classname=c), _DOTTED),
    st.builds(lambda f: TestItem(id=f"file:{f}", file=f), _PATH),
)
_RESULT = st.tuples(st.one_of(st.just(""), _DOTTED), _NAME, st.one_of(st.none(), _PATH))


@st.composite
def _near(draw: st.DrawFn, item: TestItem) -> tuple[str, str, str | None]:
    """A result close to a planned item: its key with packages added or dropped in front,
    a nested class, its file under another directory."""
    classname = item.classname or (module_of(item.file) if item.file else "")
    parts = classname.split(".") if classname else []
    parts = draw(st.lists(_SEGMENT, max_size=2)) + parts[draw(st.integers(0, len(parts))) :]
    parts += draw(st.lists(_SEGMENT, max_size=1))
    file = item.file and "/".join([*draw(st.lists(_SEGMENT, max_size=2)), item.file])
    return ".".join(parts), item.name or draw(_NAME), draw(st.sampled_from([None, file]))


def _reference(items: list[TestItem], classname: str, name: str, file: str | None) -> str | None:
    """The module docstring's rules, one linear scan each: the spec the index must meet."""
    keyed = [i for i in items if i.name is not None and i.classname]
    for item in keyed:
        if (item.classname, item.name) == (classname, name):
            return item.id
    for item in items:
        if (item.name is not None and not item.classname and item.name == name) or (
            item.name is None and not item.classname and not item.file and item.id == name
        ):
            return item.id
    modules = [i for i in items if i.name is None and not i.classname and i.file]
    for prefix in dotted_prefixes(classname):
        for item in items:
            if item.name is None and item.classname == prefix:
                return item.id
        for item in modules:
            if module_of(norm_file(item.file or "")) == prefix:
                return item.id
    for suffix in path_suffixes(norm_file(file or "")):
        for item in modules:
            if norm_file(item.file or "") == suffix:
                return item.id
    if not classname:
        return None
    near = [
        i.id for i in keyed if i.name == name and dotted_suffix_match(i.classname or "", classname)
    ]
    return near[0] if len(near) == 1 else None


@settings(max_examples=300, deadline=None)
@given(data=st.data(), items=st.lists(_ITEM, max_size=6, unique_by=lambda i: i.id))
def test_run_and_merge_match_results_alike(data: st.DataObject, items: list[TestItem]) -> None:
    results = data.draw(st.lists(_RESULT, max_size=3))
    for item in items:
        results += data.draw(st.lists(_near(item), max_size=3))
    matcher = Matcher(items)
    checker = Checker(_plan(items))
    for classname, name, file in results:
        case = CaseResult(
            classname=classname, name=name, file=file, final=Attempt(outcome=Outcome.PASSED)
        )
        planned = checker.planned_test(classname, name, file)
        expected = _reference(items, classname, name, file)
        assert matcher.test_for(case) == expected
        assert (None if planned is None else planned.id) == expected


def test_module_skip_pseudo_case() -> None:
    from paratest_split.core.matching import is_module_skip
    from paratest_split.core.model import Attempt, CaseResult, Outcome

    skipped = Attempt(outcome=Outcome.SKIPPED, message="collection skipped")
    assert is_module_skip(CaseResult(classname="", name="pkg.tests.test_a", final=skipped))
    error = Attempt(outcome=Outcome.ERROR, message="collection failure")
    assert not is_module_skip(CaseResult(classname="", name="pkg.tests.test_a", final=error))
