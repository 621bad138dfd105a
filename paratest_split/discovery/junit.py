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

Running: the user's COMMAND with the ids (`files.expand_command`); an all-pytest list without a
COMMAND runs like `--discover pytest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from paratest_split import identity
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.files import user_invocation
from paratest_split.discovery.pytest import PytestDiscoverer
from paratest_split.errors import BadInputError, PluginError, UsageError
from paratest_split.junit import reader
from paratest_split.model import CaseResult, Invocation, TestItem

SEPARATOR = "::"


def junit_id(classname: str, name: str, root: Path | None = None) -> str:
    """The runnable id of a history case (see the module docstring)."""
    if root is not None:
        for candidate in identity.pytest_nodeid_candidates(classname, name):
            module = candidate.partition(SEPARATOR)[0]
            if (root / module).is_file():
                return candidate
    return f"{classname}{SEPARATOR}{name}"


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
            raise BadInputError(
                source,
                f"testcase classname {case.classname!r} contains '::': "
                "it cannot be told apart from the name in a test id",
            )
        if files.get(case.key) is None:
            files[case.key] = case.file
    items = []
    for (classname, name), file in files.items():
        test_id = junit_id(classname, name, root)
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
        try:
            return item_for_junit_id(test_id)
        except ValueError as exc:
            raise PluginError(f"junit: {exc}") from None

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
