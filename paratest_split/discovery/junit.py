"""`--discover junit`: the tests are the distinct testcases of the timing history itself.

For projects whose runner cannot list its tests: every distinct (classname, name) of the
`--junit` reports is one test. Module-level skip pseudo-cases (`classname=""`, FIELD-NOTES) are
not tests and are left out.

Id format (round-trips through `item_for_id`):
- when a pytest module for the case exists under the root (`identity.pytest_nodeid_candidates`,
  first existing `path/to/module.py`), the pytest node id: `tests/test_x.py::TestA::test_b[1]`,
  runnable as `--discover pytest` would run it;
- otherwise `<classname>::<name>` (`com.foo.BarTest::testX`, `github.com/u/m/pkg::TestA`): split
  at the FIRST `::`, so a name may hold `::` but a classname may not (such a report is rejected).
A first part ending in `.py` is a pytest node id. Items from `item_for_id` have no `file` (a
report's `file` attribute cannot be rebuilt from the id).

Running: the user's COMMAND with the ids (`command.expand_command`); an all-pytest list without a
COMMAND runs like `--discover pytest`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import BadInputError, UsageError
from paratest_split.core.model import CaseResult, Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation
from paratest_split.discovery.pytest import PytestDiscoverer
from paratest_split.junit import reader

if TYPE_CHECKING:
    from paratest_split.history import History

SEPARATOR = "::"


def junit_id(
    classname: str, name: str, root: Path | None = None, modules: dict[str, bool] | None = None
) -> str:
    """The runnable id of a history case (see the module docstring).

    `modules` caches which module paths exist under `root` (pass one dict for many calls)."""
    if root is not None:
        seen = {} if modules is None else modules
        for candidate in identity.pytest_nodeid_candidates(classname, name):
            module = candidate.partition(SEPARATOR)[0]
            exists = seen.get(module)
            if exists is None:
                exists = seen[module] = (root / module).is_file()
            if exists:
                return candidate
    return f"{classname}{SEPARATOR}{name}"


@dataclass(frozen=True, slots=True)
class _Class:
    """What every test of one classname shares: how its ids start, its default file."""

    prefix: str  # the id up to the test name, "::" included
    module: str | None  # the pytest module path when the ids are pytest node ids
    file: str | None  # the file of its tests unless the history names another one
    rebuilt: bool  # item_for_id(prefix + name) gives back (classname, name) for plain names


def _class_info(
    classname: str, root: Path, modules: dict[str, bool], class_file: str | None
) -> _Class:
    probe = "x"
    test_id = junit_id(classname, probe, root, modules)
    prefix = test_id[: -len(probe)]
    head = test_id.partition(SEPARATOR)[0]
    if head.endswith(".py") and head != classname:  # a pytest node id: file = the module
        try:
            rebuilt = identity.pytest_item(test_id)
        except ValueError:
            rebuilt = TestItem(id=test_id)
        same = (rebuilt.classname, rebuilt.name, rebuilt.file) == (classname, probe, head)
        return _Class(prefix=prefix, module=head, file=class_file or head, rebuilt=same)
    return _Class(prefix=prefix, module=None, file=class_file, rebuilt=not head.endswith(".py"))


@dataclass(kw_only=True, slots=True)
class HistoryTests:
    """`--discover junit` straight from a loaded History, as parallel lists (no TestItem each).

    Test i has runnable id `ids[i]`, JUnit key `keys[i]` and file `files[i]`; the first
    `timed` tests have a usable time in the history (`times[i]`: a float, or the per-build
    list), the others are `History.untimed`. Order: the history's, not sorted.
    """

    ids: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)
    files: list[str | None] = field(default_factory=list)
    times: list[float | list[float]] = field(default_factory=list)
    timed: int = 0
    classes: dict[str, _Class] = field(default_factory=dict)
    # tests to look at one by one: a file of their own, `::` in the name, or an empty name
    odd: list[int] = field(default_factory=list)
    unique: bool = True  # ids are distinct by construction (else: check)

    def item(self, index: int) -> TestItem:
        classname, name = self.keys[index]
        return TestItem(id=self.ids[index], file=self.files[index], classname=classname, name=name)

    def stored(self) -> tuple[list[TestItem], dict[str, str]]:
        """What a plan must list so that `JUnitDiscoverer.item_for_id` rebuilds every item:
        `(items, class_files)` as `manifest.StoredItems` takes them (see there).

        Most tests need nothing: a pytest node id whose file is its module, or a
        `classname::name` id whose file is its class's first file (`class_files`). Only the
        tests `history_tests` marked `odd` (own file, `::` in or empty name) and those of
        classes whose ids do not rebuild are looked at one by one."""
        class_files: dict[str, str] = {}
        whole: set[str] = set()  # classnames whose every test is listed
        for classname, info in self.classes.items():
            if not info.rebuilt or (info.module is not None and info.file != info.module):
                # ids that do not rebuild, or pytest ids whose history names another file
                whole.add(classname)
            elif info.module is None and info.file is not None:
                class_files[classname] = info.file
        suspects = set(self.odd)
        if whole:
            suspects.update(i for i, key in enumerate(self.keys) if key[0] in whole)
        stored: list[TestItem] = []
        for index in suspects:
            classname, name = self.keys[index]
            info = self.classes[classname]
            file = self.files[index]
            if info.module is not None:
                plain = (
                    info.rebuilt
                    and file == info.module
                    and SEPARATOR not in name
                    and _rebuilds_as_pytest(self.ids[index], classname, name)
                )
            else:
                plain = info.rebuilt and bool(name) and file == class_files.get(classname)
            if not plain:
                stored.append(self.item(index))
        stored.sort(key=lambda item: item.id)
        return stored, class_files


# a name starting with one of these may not read back as the same pytest node id
_ODD_START = frozenset("[ ")


def _rebuilds_as_pytest(test_id: str, classname: str, name: str) -> bool:
    try:
        item = identity.pytest_item(test_id)
    except ValueError:
        return False
    return (item.classname, item.name) == (classname, name)


def history_tests(history: History, root: Path) -> HistoryTests:
    """The tests of `--discover junit`, taken from an already loaded history: no second parse.

    Same tests, ids and files as `JUnitDiscoverer.discover` on the same reports. A classname
    holding `::` is a BadInputError naming the first report that has it."""
    from paratest_split.history import CaseTable

    cases = history.cases
    if not isinstance(cases, CaseTable):  # only load_history's tables are walked this way
        raise TypeError("history_tests needs a History from load_history")
    out = HistoryTests()
    modules: dict[str, bool] = {}
    classes = out.classes
    own = cases.own_files()
    ids, keys, files, times = out.ids, out.keys, out.files, out.times
    add_id, add_key, add_file, add_time = ids.append, keys.append, files.append, times.append
    odd = out.odd.append
    # the timed tests first (their times in `times`), then the ones seen only without a time
    entries = itertools.chain(cases.raw_times(), zip(history.untimed, itertools.repeat(None)))
    for key, value in entries:
        classname, name = key
        if not classname:
            continue  # pytest's module-level skip pseudo-case, or no class at all: not a test
        info = classes.get(classname)
        if info is None:
            info = classes[classname] = _checked_class(classname, root, modules, cases, history)
        if not name or SEPARATOR in name or name[0] in _ODD_START or key in own:
            odd(len(ids))
        add_id(info.prefix + name)
        add_key(key)
        add_file(own.get(key, info.file))
        if value is not None:
            add_time(value)
    out.timed = len(times)
    # distinct keys give distinct ids unless two classes share an id prefix or a name holds
    # `::` (then one id could be another's prefix plus more)
    prefixes = {info.prefix for info in classes.values()}
    out.unique = len(prefixes) == len(classes) and not any(SEPARATOR in keys[i][1] for i in out.odd)
    return out


def _checked_class(
    classname: str, root: Path, modules: dict[str, bool], cases: object, history: History
) -> _Class:
    from paratest_split.history import CaseTable

    if SEPARATOR in classname:
        raise BadInputError(_report_with(classname, history), _double_colon(classname))
    class_file = cases.class_file(classname) if isinstance(cases, CaseTable) else None
    return _class_info(classname, root, modules, class_file)


def _report_with(classname: str, history: History) -> str:
    """The first report (in build order) with a testcase of `classname` (error path only)."""
    for source in history.sources:
        for row in reader.iter_timing_rows(Path(source)):
            if isinstance(row, tuple) and row[0] == classname:
                return source
    return ", ".join(history.sources) or "--junit"


def _double_colon(classname: str) -> str:
    return (
        f"testcase classname {classname!r} contains '::': "
        "it cannot be told apart from the name in a test id"
    )


def item_for_junit_id(test_id: str) -> TestItem:
    head, sep, name = test_id.partition(SEPARATOR)
    if not sep or not head or not name:
        raise ValueError(f"junit test id {test_id!r} is not of the form 'classname::name'")
    if head.endswith(".py"):
        return identity.pytest_item(test_id)
    return TestItem(id=test_id, classname=head, name=name)


def items_from_cases(
    cases: Iterable[tuple[str, CaseResult]], root: Path | None = None
) -> list[TestItem]:
    """(report, case) pairs -> one item per distinct (classname, name), sorted by id.

    The first non-empty `file` attribute seen for a key is kept.
    """
    files: dict[tuple[str, str], str | None] = {}
    for source, case in cases:
        if not case.classname or reader.is_pseudo_case(case.classname, case.name):
            continue  # pytest's module-level skip pseudo-case: not a test
        if SEPARATOR in case.classname:
            raise BadInputError(source, _double_colon(case.classname))
        if files.get(case.key) is None:
            files[case.key] = case.file
    items = []
    modules: dict[str, bool] = {}
    for (classname, name), file in files.items():
        test_id = junit_id(classname, name, root, modules)
        item = item_for_junit_id(test_id)
        if file is not None or item.file is None:
            item = TestItem(id=item.id, file=file or item.file, classname=classname, name=name)
        items.append(item)
    items.sort(key=lambda item: item.id)
    return items


class JUnitDiscoverer:
    """The distinct testcases of the --junit history (for runners that cannot list tests)."""

    name: ClassVar[str] = "junit"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        if not options.junit_paths:
            raise UsageError("--discover junit needs --junit reports to take the tests from")
        cases: list[tuple[str, CaseResult]] = []
        paths, _unmatched = reader.expand_paths(list(options.junit_paths), options.root)
        for path in paths:
            cases.extend(
                (str(path), event)
                for event in reader.iter_report(path, details=False)
                if isinstance(event, CaseResult)
            )
        return items_from_cases(cases, options.root)

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("junit", item_for_junit_id, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        if request.user_command:
            return [user_invocation(request, report_name="tests.xml")]
        if all(test_id.partition(SEPARATOR)[0].endswith(".py") for test_id in request.tests):
            return PytestDiscoverer().invocations(request)
        raise UsageError(
            "--discover junit has no runner of its own for these ids: give the test command "
            "after `--` (or `command:` in paratest.yaml)"
        )
