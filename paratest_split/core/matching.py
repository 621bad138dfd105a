"""Pure: which planned test a JUnit result is a result of: one set of rules for `run` (the
engine's `runner.results.Matcher`) and `merge --plan` (`completeness.Checker`), so the two agree.

`PlannedIndex` is built once from the planned `TestItem`s; `position`/`match` then say, for one
result (`classname`, `name`, `file`), which item it belongs to, first rule that applies:

1. test-level item (`name` set): the same (classname, name); an item without a classname by
   name alone; an item without any key (no name, classname or file) by its id as the name;
2. class-level item (`name=None`, `classname` set): that class or a class nested in it
   (`classname` + `.`...; a Java `$` inner class is not nested);
3. file-level item (`name=None`, only `file`): the result's classname is the file's module path
   (`tests/test_x.py` -> `tests.test_x`, pytest's xunit2 classname) or a class in it;
4. file-level item: the result's `file` (then `suite`, which some runners name after the file)
   is that path or ends with it at a `/` (xunit1's `file` is relative to the directory pytest
   ran from, FIELD-NOTES);
5. test-level item: when exactly one item of that name qualifies, a classname that differs
   only by leading packages at a dot boundary (pytest started from another rootdir:
   `tests.test_a` vs `proj.tests.test_a`).

When several items share a key the first wins; a rule-5 match that is ambiguous is no match.
Also the path and module helpers the estimator (`timings`) shares. No IO here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from paratest_split.core.identity import is_pytest_module_skip
from paratest_split.core.model import CaseResult, Outcome, TestItem


def is_module_skip(case: CaseResult) -> bool:
    """A pytest "collection skipped" pseudo-case (`identity.is_pytest_module_skip`): not the
    result of any test. `run` keeps it in the shard report without calling it a result "not in
    shard"; `merge` writes it once (every shard that collected the module reports it), never
    counts it folded nor, unless the plan names it (an opaque id can look alike), unplanned."""
    return is_pytest_module_skip(
        case.classname,
        case.name,
        skipped=case.final.outcome is Outcome.SKIPPED,
        message=case.final.message,
    )


def norm_file(path: str) -> str:
    """`.\\tests\\t.py` -> `tests/t.py`: forward slashes, no leading `./`."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def module_of(path: str) -> str:
    """`tests/sub/test_x.py` -> `tests.sub.test_x` (pytest's classname for a module)."""
    stem = path.removeprefix("./")
    for ext in (".py", ".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs", ".java", ".kt", ".go", ".rb"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    return stem.replace("/", ".")


def suffix_match(a: str, b: str) -> bool:
    """True when one path ends with the other at a `/` boundary (xunit1 files are relative
    to the launch dir, FIELD-NOTES)."""
    if a == b:
        return True
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer.endswith("/" + shorter)


def dotted_suffix_match(a: str, b: str) -> bool:
    """True when two classnames differ only by leading packages, at a `.` boundary
    (`proj.tests.test_a` and `tests.test_a`; not `xtests.test_a`); equal ones do not count."""
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return bool(shorter) and longer.endswith("." + shorter)


def dotted_prefixes(classname: str) -> Iterator[str]:
    """`a.b.C` -> `a.b.C`, `a.b`, `a` (longest first)."""
    current = classname
    while current:
        yield current
        head, sep, _ = current.rpartition(".")
        if not sep:
            return
        current = head


def path_suffixes(path: str) -> Iterator[str]:
    """`x/tests/t.py` -> `x/tests/t.py`, `tests/t.py`, `t.py` (longest first)."""
    current = path
    while current:
        yield current
        _, sep, tail = current.partition("/")
        if not sep:
            return
        current = tail


class PlannedIndex:
    """The planned items by every key a result can match them by (module docstring); build
    once, query many. Positions are indexes into the `items` it was built from."""

    def __init__(self, items: Sequence[TestItem]) -> None:
        self._items = items
        by_key: dict[tuple[str, str], int] = {}
        self._by_name: dict[str, int] = {}  # items without a classname (or any key)
        self._by_class: dict[str, int] = {}
        self._by_module: dict[str, int] = {}
        self._by_file: dict[str, int] = {}
        for position, item in enumerate(items):
            name, classname = item.name, item.classname
            if name is not None:
                if classname:
                    by_key.setdefault((classname, name), position)
                else:
                    self._by_name.setdefault(name, position)
            elif classname:
                self._by_class.setdefault(classname, position)
            elif item.file:
                file = norm_file(item.file)
                self._by_file.setdefault(file, position)
                self._by_module.setdefault(module_of(file), position)
            else:  # no key at all: the id itself may be the case name
                self._by_name.setdefault(item.id, position)
        self._by_key = by_key
        self._has_containers = bool(self._by_class or self._by_module or self._by_file)
        # rule 5, built on first need: (last class segment, name) -> first position of it,
        # and all positions when several
        self._named: dict[tuple[str, str], int] | None = None
        self._named_more: dict[tuple[str, str], list[int]] = {}

    def position(
        self, classname: str, name: str, file: str | None = None, suite: str | None = None
    ) -> int | None:
        """The position of the planned item this result belongs to (None: nothing matches,
        or only ambiguously); `suite` is tried as a path after `file`. No keyword-only
        parameters: CPython specialises calls only without them (merge calls it a lot)."""
        found = self._by_key.get((classname, name))
        if found is not None:
            return found
        if self._by_name:
            found = self._by_name.get(name)
            if found is not None:
                return found
        if self._has_containers:
            found = self._in_container(classname, file, suite)
            if found is not None:
                return found
        if classname and self._by_key:
            return self._by_leading_packages(classname, name)
        return None

    def match(
        self, classname: str, name: str, file: str | None = None, *, suite: str | None = None
    ) -> str | None:
        """The id of the planned item this result belongs to (None: not planned)."""
        found = self.position(classname, name, file, suite)
        return None if found is None else self._items[found].id

    def _in_container(self, classname: str, file: str | None, suite: str | None) -> int | None:
        """Rules 2-4: a class-level item, or a file-level one by module or path."""
        if classname and (self._by_class or self._by_module):
            for prefix in dotted_prefixes(classname):
                found = self._by_class.get(prefix)
                if found is None:
                    found = self._by_module.get(prefix)
                if found is not None:
                    return found
        if self._by_file:
            for candidate in (file, suite):
                if not candidate:
                    continue
                for suffix in path_suffixes(norm_file(candidate)):
                    found = self._by_file.get(suffix)
                    if found is not None:
                        return found
        return None

    def _by_leading_packages(self, classname: str, name: str) -> int | None:
        """Rule 5: the one test-level item of this name whose classname differs only by
        leading packages (so both end with the same class: the index is by that and the name,
        built on first need, ~1 s for a million keys)."""
        named = self._named
        if named is None:
            named = self._named = {}
            more = self._named_more
            for key, position in self._by_key.items():
                tail = (key[0].rpartition(".")[2], key[1])
                if tail in named:
                    more.setdefault(tail, [named[tail]]).append(position)
                else:
                    named[tail] = position
        tail = (classname.rpartition(".")[2], name)
        only = named.get(tail)
        if only is None:
            return None
        found = None
        for position in self._named_more.get(tail, (only,)):
            if dotted_suffix_match(self._items[position].classname or "", classname):
                if found is not None:
                    return None  # ambiguous
                found = position
        return found
