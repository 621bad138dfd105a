"""Pure: check merged results against the plan (DESIGN `merge`: planned-but-missing and
duplicated tests are errors; results for tests the plan does not know are kept and listed).

`Checker` is fed each result's JUnit key and the shard its report came from, one at a time (so a
million results need no list), then `result()` says which planned tests have no result, which
ran in more than one shard and which results were not planned.

A result matches a planned item (`TestItem`) by `matching.PlannedIndex`'s rules, the ones
`run` uses too: the same key, a class nested in a class-level item, a file-level item's module
or path, a classname that differs only by leading packages when unambiguous. A file- or
class-level item is complete when at least one result matches it.

No IO here.
"""

from __future__ import annotations

from dataclasses import dataclass

from paratest_split.core.identity import item_from_id
from paratest_split.core.matching import PlannedIndex, module_of
from paratest_split.core.model import Plan, TestItem

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
        # position of a result's planned item in `_items` (None: not planned); bound once,
        # since merge calls it for every result
        self._match = PlannedIndex([item for item, _ in self._items]).position
        # first shard a result for the item came from (NO_SHARD: found, shard unknown)
        self._found: dict[int, int] = {}
        self._other_shards: dict[int, set[int]] = {}
        self._unplanned: list[tuple[str, str]] = []

    def planned_test(
        self, classname: str, name: str, file: str | None, suite: str | None = None
    ) -> TestItem | None:
        """The planned item this result belongs to (None: not planned). `suite`: the name of
        the result's innermost suite, which some runners name after the file (as in `run`)."""
        position = self._match(classname, name, file, suite)
        return None if position is None else self._items[position][0]

    def shard_of(
        self, classname: str, name: str, file: str | None, suite: str | None = None
    ) -> int | None:
        """The shard the plan put the test of this result in (None: not planned)."""
        position = self._match(classname, name, file, suite)
        return None if position is None else self._items[position][1]

    def observe(self, classname: str, name: str, file: str | None, shard: int | None) -> bool:
        """Record one result; True when it matched a planned test."""
        return self.locate(classname, name, file, shard) is not None

    def locate(
        self,
        classname: str,
        name: str,
        file: str | None,
        shard: int | None,
        suite: str | None = None,
        *,
        maybe_test: bool = True,
    ) -> int | None:
        """`observe`, returning the shard the plan put the test in (None: not planned).
        `maybe_test=False`: a result that may be no test at all (pytest's module-skip
        pseudo-case): when it is not planned, it is not listed as unplanned either."""
        position = self._match(classname, name, file, suite)
        if position is None:
            if maybe_test:
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

    def result(self, *, reported_shards: frozenset[int] | None = None) -> Completeness:
        """`reported_shards`: the shards whose reports were merged, when known (for messages)."""
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
            unplanned=tuple(sorted(set(self._unplanned))),
        )


def _why(shard: int, reported: frozenset[int] | None) -> str:
    if reported is None:
        return f"not run: no result for it in the merged reports (planned in shard {shard})"
    if shard in reported:
        return f"not run: shard {shard} report has no result for it"
    return f"not run: no report from shard {shard} was merged"
