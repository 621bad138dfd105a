"""Pure: check merged results against the plan (DESIGN `merge`: planned-but-missing and
duplicated tests are errors; results for tests the plan does not know are kept and listed).

`Checker` is fed each result's JUnit key and the shard its report came from, one at a time (so a
million results need no list), then `result()` says which planned tests have no result, which
ran in more than one shard and which results were not planned.

How a result matches a planned item (`TestItem`):
- test-level item (`name` set): the same (classname, name); an item without a classname
  matches by name alone. If nothing matches exactly, a result whose classname differs only by
  leading packages (pytest started from another directory) matches at a dot boundary.
- class-level item (`name=None`, `classname` set): any result of that class or a class nested in
  it (`classname` equal, or starting with it plus `.`).
- file-level item (`name=None`, only `file`): any result whose `file` is that path (or ends with
  it at a `/`), or whose classname is the file's module path (`tests/test_x.py` ->
  `tests.test_x`, pytest's xunit2 classname), or a class in it.
A file- or class-level item is complete when at least one result matches it.

No IO here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from paratest_split.identity import item_from_id
from paratest_split.model import Plan, TestItem
from paratest_split.timings import module_of

NO_SHARD = -1


@dataclass(frozen=True, kw_only=True, slots=True)
class Missing:
    """A planned test without any result."""

    item: TestItem
    shard: int  # the shard the plan put it in
    message: str

    @property
    def classname(self) -> str:
        if self.item.classname:
            return self.item.classname
        if self.item.file:
            return module_of(self.item.file)
        return ""

    @property
    def name(self) -> str:
        return self.item.name or self.item.id


@dataclass(frozen=True, kw_only=True, slots=True)
class Duplicate:
    """A planned test with results from more than one shard (counted once in the report)."""

    test: str  # the runnable id
    planned_shard: int
    shards: tuple[int, ...]  # every shard a result came from, sorted


@dataclass(frozen=True, kw_only=True, slots=True)
class Completeness:
    planned: int  # planned tests (items)
    complete: int  # planned tests with at least one result
    missing: tuple[Missing, ...]
    duplicated: tuple[Duplicate, ...]
    unplanned: tuple[tuple[str, str], ...]  # (classname, name) of results the plan lacks, sorted

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicated

    def missing_by_shard(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for miss in self.missing:
            counts[miss.shard] = counts.get(miss.shard, 0) + 1
        return dict(sorted(counts.items()))


def _norm_file(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


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


def planned_items(plan: Plan) -> list[tuple[TestItem, int]]:
    """Every planned test with its shard, in plan order; a bare id gets a JUnit key guessed from
    its form (`identity.item_from_id`) when the plan carries no item for it."""
    known = {item.id: item for item in plan.items}
    result: list[tuple[TestItem, int]] = []
    for shard in plan.shards_detail:
        for test in shard.tests:
            item = known.get(test)
            if item is None or (item.name is None and item.classname is None and not item.file):
                try:
                    item = item_from_id(test)
                except ValueError:
                    item = TestItem(id=test, name=test)
            result.append((item, shard.index))
    return result


class Checker:
    """Accumulates which planned tests got results; see the module docstring for matching."""

    def __init__(self, plan: Plan) -> None:
        self._items = planned_items(plan)
        self._by_key: dict[tuple[str, str], int] = {}
        self._by_name: dict[str, int] = {}
        self._by_class: dict[str, int] = {}
        self._by_module: dict[str, int] = {}
        self._by_file: dict[str, int] = {}
        for position, (item, _) in enumerate(self._items):
            if item.name is not None:
                if item.classname:
                    self._by_key.setdefault((item.classname, item.name), position)
                else:
                    self._by_name.setdefault(item.name, position)
            elif item.classname:
                self._by_class.setdefault(item.classname, position)
            elif item.file:
                file = _norm_file(item.file)
                self._by_file.setdefault(file, position)
                self._by_module.setdefault(module_of(file), position)
        # first shard a result for the item came from (NO_SHARD: found, shard unknown)
        self._found: dict[int, int] = {}
        self._other_shards: dict[int, set[int]] = {}
        self._unplanned: list[tuple[str, str]] = []
        self._has_containers = bool(self._by_class or self._by_module or self._by_file)

    def _match(self, classname: str, name: str, file: str | None) -> int | None:
        position = self._by_key.get((classname, name))
        if position is not None:
            return position
        if self._by_name:
            position = self._by_name.get(name)
            if position is not None:
                return position
        if not self._has_containers:
            return None
        if classname:
            for prefix in _dotted_prefixes(classname):
                position = self._by_class.get(prefix)
                if position is None:
                    position = self._by_module.get(prefix)
                if position is not None:
                    return position
        if file and self._by_file:
            for suffix in _path_suffixes(_norm_file(file)):
                position = self._by_file.get(suffix)
                if position is not None:
                    return position
        return None

    def planned_test(self, classname: str, name: str, file: str | None) -> TestItem | None:
        """The planned item this result belongs to (None: not planned)."""
        position = self._match(classname, name, file)
        return None if position is None else self._items[position][0]

    def shard_of(self, classname: str, name: str, file: str | None) -> int | None:
        """The shard the plan put the test of this result in (None: not planned)."""
        position = self._match(classname, name, file)
        return None if position is None else self._items[position][1]

    def observe(self, classname: str, name: str, file: str | None, shard: int | None) -> bool:
        """Record one result; True when it matched a planned test."""
        position = self._match(classname, name, file)
        if position is None:
            self._unplanned.append((classname, name))
            return False
        self._record(position, NO_SHARD if shard is None else shard)
        return True

    def locate(self, classname: str, name: str, file: str | None, shard: int | None) -> int | None:
        """`observe`, returning the shard the plan put the test in (None: not planned)."""
        position = self._match(classname, name, file)
        if position is None:
            self._unplanned.append((classname, name))
            return None
        self._record(position, NO_SHARD if shard is None else shard)
        return self._items[position][1]

    def _record(self, position: int, shard: int) -> None:
        first = self._found.get(position)
        if first is None:
            self._found[position] = shard
        elif shard not in (first, NO_SHARD):
            if first == NO_SHARD:
                self._found[position] = shard
            else:
                self._other_shards.setdefault(position, set()).add(shard)

    def _rescue_by_suffix(self) -> list[tuple[str, str]]:
        """Unplanned results that are a missing test under a longer/shorter classname."""
        missing_by_name: dict[str, list[int]] = {}
        for (_, name), position in self._by_key.items():
            if position not in self._found:
                missing_by_name.setdefault(name, []).append(position)
        if not missing_by_name:
            return self._unplanned
        still: list[tuple[str, str]] = []
        for classname, name in self._unplanned:
            matched = False
            for position in missing_by_name.get(name, ()):
                planned = self._items[position][0].classname or ""
                longer, shorter = (
                    (classname, planned) if len(classname) > len(planned) else (planned, classname)
                )
                if shorter and longer.endswith("." + shorter):
                    self._record(position, NO_SHARD)
                    matched = True
                    break
            if not matched:
                still.append((classname, name))
        return still

    def result(self, *, reported_shards: frozenset[int] | None = None) -> Completeness:
        """`reported_shards`: the shards whose reports were merged, when known (for messages)."""
        unplanned = self._rescue_by_suffix()
        missing: list[Missing] = []
        duplicated: list[Duplicate] = []
        for position, (item, shard) in enumerate(self._items):
            first = self._found.get(position)
            if first is None:
                missing.append(
                    Missing(item=item, shard=shard, message=_why(shard, reported_shards))
                )
                continue
            others = self._other_shards.get(position)
            if others:
                duplicated.append(
                    Duplicate(
                        test=item.id, planned_shard=shard, shards=tuple(sorted({first, *others}))
                    )
                )
        return Completeness(
            planned=len(self._items),
            complete=len(self._items) - len(missing),
            missing=tuple(missing),
            duplicated=tuple(duplicated),
            unplanned=tuple(sorted(set(unplanned))),
        )


def _why(shard: int, reported: frozenset[int] | None) -> str:
    if reported is None:
        return f"not run: no result for it in the merged reports (planned in shard {shard})"
    if shard in reported:
        return f"not run: shard {shard} report has no result for it"
    return f"not run: no report from shard {shard} was merged"
