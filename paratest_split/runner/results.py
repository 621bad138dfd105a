"""Turn a runner's JUnit report into results per planned test.

A planned test is matched by its JUnit key (TestItem): `classname` + `name` for a test-level
item, `classname` alone for a class-level item (name None), `file` for a file-level item (the
case's `file` attribute or its suite's name); see `Matcher` for the tolerances merge shares.
One test may own several cases (a file-level item runs a whole file); one key seen twice in
the same report (pytest reports a teardown error as a second case) keeps its worst result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from paratest_split.junit import reader as junit_reader
from paratest_split.model import Attempt, CaseResult, Outcome, TestItem, Warning_
from paratest_split.timings import module_of

_RANK = {Outcome.SKIPPED: 0, Outcome.PASSED: 1, Outcome.FAILED: 2, Outcome.ERROR: 3}


def worst(outcomes: Iterable[Outcome]) -> Outcome | None:
    """The most serious outcome: error > failed > passed > skipped; None for no outcomes."""
    result: Outcome | None = None
    for outcome in outcomes:
        if result is None or _RANK[outcome] > _RANK[result]:
            result = outcome
    return result


def read_report(path: Path) -> tuple[list[CaseResult], list[Warning_]]:
    """All `<testcase>`s of one runner report and its warnings (BadInputError if unreadable)."""
    cases, _suites, warnings = junit_reader.read_report(path, details=True)
    return cases, warnings


def dedupe(cases: Sequence[CaseResult]) -> list[CaseResult]:
    """One case per key, the worst of duplicates, in first-seen order."""
    chosen: dict[tuple[str, str], CaseResult] = {}
    for case in cases:
        previous = chosen.get(case.key)
        if previous is None or _RANK[case.final.outcome] > _RANK[previous.final.outcome]:
            chosen[case.key] = case
    return list(chosen.values())


class Matcher:
    """Which planned test a case belongs to; the same rules as `completeness.Checker` (merge),
    so `run` and `merge` agree on what a result is a result of:

    - test-level item: the same (classname, name); an item without a classname by name alone;
      else, when exactly one item of that name qualifies, a classname that differs only by
      leading packages (pytest started from another rootdir: `tests.test_a` vs
      `proj.tests.test_a`), at a dot boundary;
    - class-level item: that class or a class nested in it (`classname` + `.`...);
    - file-level item: the case's `file` (or its suite's name) is that path or ends with it at a
      `/`, or its classname is the file's module path (`tests/test_x.py` -> `tests.test_x`) or a
      class in it.
    """

    def __init__(self, items: Sequence[TestItem]) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, str] = {}  # items without a classname
        self._named: dict[str, list[tuple[str, str]]] = {}  # name -> [(classname, id)]
        self._by_class: dict[str, str] = {}
        self._by_module: dict[str, str] = {}
        self._by_file: dict[str, str] = {}
        for item in items:
            if item.name is not None:
                if item.classname:
                    self._by_key.setdefault((item.classname, item.name), item.id)
                    self._named.setdefault(item.name, []).append((item.classname, item.id))
                else:
                    self._by_name.setdefault(item.name, item.id)
            elif item.classname:
                self._by_class.setdefault(item.classname, item.id)
            elif item.file:
                file = _norm(item.file)
                self._by_file.setdefault(file, item.id)
                self._by_module.setdefault(module_of(file), item.id)
            else:  # no key at all: the id itself may be the case name
                self._by_name.setdefault(item.id, item.id)

    def test_for(self, case: CaseResult) -> str | None:
        found = self._by_key.get(case.key) or self._by_name.get(case.name)
        if found is not None:
            return found
        if case.classname and (self._by_class or self._by_module):
            for prefix in _dotted_prefixes(case.classname):
                found = self._by_class.get(prefix) or self._by_module.get(prefix)
                if found is not None:
                    return found
        if self._by_file:
            for candidate in (case.file, case.suite):
                for suffix in _path_suffixes(_norm(candidate or "")):
                    found = self._by_file.get(suffix)
                    if found is not None:
                        return found
        return self._by_suffix(case)

    def _by_suffix(self, case: CaseResult) -> str | None:
        """The one item of this name whose classname differs only by leading packages."""
        matches = []
        for planned, test in self._named.get(case.name, ()):
            longer, shorter = sorted((planned, case.classname), key=len, reverse=True)
            if shorter and longer.endswith("." + shorter):
                matches.append(test)
        return matches[0] if len(matches) == 1 else None


def _dotted_prefixes(classname: str) -> Iterator[str]:
    """`a.b.C` -> `a.b.C`, `a.b`, `a` (longest first)."""
    current = classname
    while current:
        yield current
        head, sep, _ = current.rpartition(".")
        if not sep:
            return
        current = head


def _path_suffixes(path: str) -> Iterator[str]:
    """`x/tests/t.py` -> `x/tests/t.py`, `tests/t.py`, `t.py`."""
    current = path
    while current:
        yield current
        _, sep, tail = current.partition("/")
        if not sep:
            return
        current = tail


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def placeholder_case(item: TestItem, attempt: Attempt) -> CaseResult:
    """A case for a planned test that produced none of its own (not run, crashed, per-test)."""
    return CaseResult(
        classname=item.classname or "",
        name=item.name or item.id,
        file=item.file,
        suite="paratest-split",
        final=attempt,
    )


STARTED = "started"  # a progress line `started\t<node id>`: the test began


def read_progress(
    path: Path, offset: int, *, started: list[str] | None = None
) -> tuple[list[tuple[Outcome | None, str]], int]:
    """New complete lines `<outcome>\\t<node id>` of a progress file since `offset`.

    `started\\t<node id>` lines (a runner saying a test began) go to `started` when given (else
    they are skipped); an unknown outcome reads as None.
    """
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            data = stream.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    lines = []
    for raw in data[: end + 1].decode("utf-8", "replace").splitlines():
        outcome_text, sep, test = raw.partition("\t")
        if not sep:
            continue
        if outcome_text == STARTED:
            if started is not None:
                started.append(test)
            continue
        try:
            outcome: Outcome | None = Outcome(outcome_text)
        except ValueError:
            outcome = None
        lines.append((outcome, test))
    return lines, offset + end + 1
