"""Make a plan: tests + history + options -> Plan (the library behind `split` and `local`).

Pure in its core (`build_plan`); `make_plan` gathers the inputs (discovery, test lists, JUnit
history) through the adapters and then calls it.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import math
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import add
from pathlib import Path

from paratest_split import partition
from paratest_split.config import Settings
from paratest_split.errors import (
    BadInputError,
    NoTestsError,
    ParatestError,
    PluginError,
    UsageError,
)
from paratest_split.manifest import StoredItems
from paratest_split.model import Estimate, EstimateSource, GroupBy, Plan, Shard, TestItem
from paratest_split.timings import Estimator, Overheads, learn_overheads


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    shards: int | None  # None: choose by target_seconds
    group_by: GroupBy
    algorithm: str
    discover: str
    per_test_overhead: float
    per_shard_overhead: float
    target_seconds: float | None = None
    max_shards: int = 64


@dataclass(frozen=True, kw_only=True)
class PlanReport:
    """The plan plus what the user should know about how it was made."""

    plan: Plan
    estimates: Mapping[str, Estimate]
    overheads: Overheads
    history_files: int = 0
    known_cases: int = 0
    warnings: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)  # EstimateSource value -> tests
    # What plan.json must list of the items (`make_plan(lean=True)` leaves `plan.items` empty
    # and says it here); None: `manifest.write_plan` works it out from `plan.items`.
    stored: StoredItems | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """The planning core's input as parallel lists: one entry per test, any order.

    `groups[i]` is test i's `--group-by` key (None: every test is its own group, keyed by id).
    `unknown` are the ids whose estimate is not EXACT. A million tests cost a few lists here
    instead of a TestItem and an Estimate each.
    """

    ids: Sequence[str]
    seconds: Sequence[float]
    groups: Sequence[str] | None = None
    unknown: Sequence[str] = ()


def _digest(ids: Sequence[str], weights: Sequence[float], options: PlanOptions, shards: int) -> str:
    """sha256 of the options (compact sorted JSON), a line feed, then the tests in canonical
    order (`partition.canonical_order` of the per-test weights: longest first, ties by id):
    their ids joined by line feeds (ids hold none), a line feed, and their weights (estimate +
    per-test overhead, which the options hold) as little-endian IEEE doubles.
    Hashed in chunks: a million ids never make one string.
    """
    head = {
        "shards": shards,
        "group_by": options.group_by.value,
        "algorithm": options.algorithm,
        "discover": options.discover,
        "per_test_overhead": round(options.per_test_overhead, 6),
        "per_shard_overhead": round(options.per_shard_overhead, 6),
        "tests": len(ids),
    }
    digest = hashlib.sha256()
    text = json.dumps(head, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest.update(text.encode() + b"\n")
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        digest.update(("\n".join(chunk) + "\n").encode("utf-8", "surrogatepass"))
    numbers = array("d", weights)
    if sys.byteorder != "little":
        numbers.byteswap()
    digest.update(b"\n" + numbers.tobytes())
    return "sha256:" + digest.hexdigest()


_CHUNK = 1 << 16


def _assign(
    keys: Sequence[str], weights: Sequence[float], shards: int, algorithm: str
) -> tuple[list[list[int]], list[float]]:
    """Group indices per shard, as `partition` orders them, and each shard's exact total;
    keys/weights in canonical order."""
    if weights and not (min(weights) >= 0 and max(weights) < math.inf):
        try:  # let partition name the bad group
            partition.partition(list(zip(keys, weights, strict=True)), shards, algorithm=algorithm)
        except ValueError as exc:
            raise UsageError(
                f"predicted durations overflow (check --test-overhead/--shard-overhead): {exc}"
            ) from None
    try:
        return partition.place_canonical(keys, weights, shards, algorithm=algorithm)
    except ValueError as exc:
        raise UsageError(f"--algorithm {algorithm}: {exc}") from None


def build_plan(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> Plan:
    """Partition `items` into shards. Deterministic: a pure function of its arguments."""
    ordered = sorted(items, key=lambda i: i.id)
    by = options.group_by
    table = Table(
        ids=[item.id for item in ordered],
        seconds=[estimates[item.id].seconds for item in ordered],
        groups=None if by is GroupBy.TEST else [item.group_key(by) for item in ordered],
        unknown=[
            item.id for item in ordered if estimates[item.id].source is not EstimateSource.EXACT
        ],
    )
    return plan_table(table, options, items=tuple(ordered))


def plan_table(table: Table, options: PlanOptions, *, items: tuple[TestItem, ...] = ()) -> Plan:
    """The core of `build_plan` on parallel lists; `items` only go into `Plan.items`."""
    overhead = options.per_test_overhead
    weights = list(map(add, table.seconds, repeat(overhead)))  # per test
    order = partition.canonical_order(table.ids, weights)
    ids = list(map(table.ids.__getitem__, order))
    weights = list(map(weights.__getitem__, order))
    if table.groups is None:  # every test its own group, keyed by id: already canonical
        keys, group_weights = ids, weights
        members: list[list[int]] | None = None
    else:
        keys, group_weights, members = _groups(weights, [table.groups[i] for i in order])
    shards = options.shards
    if shards is None:
        shards = choose_shards(keys, group_weights, options)
    assignment, loads = _assign(keys, group_weights, shards, options.algorithm)
    details = []
    for index, (groups, load) in enumerate(zip(assignment, loads, strict=True)):
        if members is None:
            tests = tuple(map(ids.__getitem__, groups))
        else:
            tests = tuple(ids[i] for g in groups for i in members[g])
        predicted = load + options.per_shard_overhead if tests else 0.0
        details.append(Shard(index=index, predicted_seconds=predicted, tests=tests))
    bound = partition.lower_bound(group_weights, shards) + (
        options.per_shard_overhead if group_weights else 0.0
    )
    return Plan(
        shards=shards,
        group_by=options.group_by,
        algorithm=options.algorithm,
        inputs_digest=_digest(ids, weights, options, shards),
        predicted_makespan_seconds=max((s.predicted_seconds for s in details), default=0.0),
        lower_bound_seconds=bound,
        shards_detail=tuple(details),
        unknown_tests=tuple(sorted(table.unknown)),
        discover=options.discover,
        items=items,
    )


def _groups(
    weights: list[float], group_of: list[str]
) -> tuple[list[str], list[float], list[list[int]]]:
    """Groups in canonical order: (keys, weights, member test indices). The tests (`weights`,
    `group_of`) are in canonical order, so each group's come out longest first, ties by id."""
    members: dict[str, list[int]] = {}
    for i, key in enumerate(group_of):
        found = members.get(key)
        if found is None:
            members[key] = [i]
        else:
            found.append(i)
    names = list(members)
    sums = [sum(map(weights.__getitem__, members[key])) for key in names]
    order = partition.canonical_order(names, sums)
    return (
        [names[g] for g in order],
        [sums[g] for g in order],
        [members[names[g]] for g in order],
    )


def choose_shards(keys: Sequence[str], weights: Sequence[float], options: PlanOptions) -> int:
    """Smallest N <= max_shards whose predicted makespan fits target_seconds (else max_shards).

    `keys`/`weights` are the groups in canonical order (`partition.canonical_order`)."""
    target = options.target_seconds
    if target is None:
        raise UsageError("give --shards N, --shards auto or --target-seconds T")
    low_n = max(1, options.max_shards)
    for n in range(1, low_n + 1):
        if partition.lower_bound(weights, n) + options.per_shard_overhead > target:
            continue
        _, loads = _assign(keys, weights, n, options.algorithm)
        makespan = max(loads, default=0.0)
        if makespan + options.per_shard_overhead <= target:
            return n
    return low_n


# -- gathering inputs (adapters) --------------------------------------------------------------


def read_test_list(
    source: str, cwd: Path, stdin: Callable[[], str] | None = None
) -> tuple[str, str]:
    """`--tests-from FILE|-` -> (text, name to show in errors)."""
    if source == "-":
        return (stdin or sys.stdin.read)(), "<stdin>"
    path = Path(source) if Path(source).is_absolute() else cwd / source
    try:
        return path.read_text(encoding="utf-8-sig"), source
    except FileNotFoundError:
        raise BadInputError(source, "no such file (--tests-from)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(source, f"cannot read the test list: {exc}") from None


def history_paths(settings: Settings, cwd: Path) -> tuple[list[Path], list[str]]:
    """The JUnit files of `--junit` plus the stored history (`history_dir`) when it exists."""
    from paratest_split.junit.reader import expand_paths

    patterns = list(settings.junit)
    stored = cwd / settings.history_dir
    if stored.is_dir():
        patterns.append(str(stored))
    files, warnings = expand_paths(patterns, cwd)
    return files, list(warnings)


def discover_items(
    settings: Settings, env: Mapping[str, str], cwd: Path, junit_paths: Sequence[Path]
) -> list[TestItem]:
    """Tests from `--tests-from` or the discovery plugin; no duplicates, no line breaks in ids."""
    from paratest_split import plugins
    from paratest_split.discovery.base import DiscoverOptions
    from paratest_split.discovery.lines import parse_lines

    root = (cwd / settings.root).resolve()
    discoverer = plugins.load_discoverer(settings.discover)
    if settings.tests_from:
        text, where = read_test_list(settings.tests_from, cwd)
        items = parse_lines(text.splitlines(), where, discoverer.item_for_id)
    else:
        options = DiscoverOptions(
            root=root,
            args=settings.discover_args,
            pattern=settings.pattern,
            file_pattern=settings.file_pattern,
            source=str(cwd / settings.lines_from)
            if settings.lines_from and not settings.lines_command
            else settings.lines_from,
            command=settings.lines_command,
            junit_paths=tuple(str(p) for p in junit_paths),
            env=dict(env),
        )
        try:
            items = discoverer.discover(options)
        except ParatestError:
            raise
        except Exception as exc:  # a third-party plugin's bug is a plugin error, not ours
            raise PluginError(
                f"discovery plugin '{settings.discover}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        where = f"--discover {settings.discover}"
    if not items:
        raise NoTestsError(f"{where}: no tests found in {root}")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise BadInputError(where, f"test id {item.id!r} appears twice")
        if "\n" in item.id or "\r" in item.id:
            raise BadInputError(
                where, f"test id {item.id!r} contains a line break; shard files hold one id a line"
            )
        seen.add(item.id)
    return items


def _options(settings: Settings, env: Mapping[str, str], overheads: Overheads) -> PlanOptions:
    from paratest_split import ci

    shards: int | None = None
    if settings.shards is not None:
        shards = ci.resolve_total(settings.shards, env)
    elif settings.target_seconds is None:
        raise UsageError("give --shards N (or auto), or --target-seconds T")
    return PlanOptions(
        shards=shards,
        group_by=GroupBy(settings.group_by),
        algorithm=settings.algorithm,
        discover=settings.discover,
        per_test_overhead=overheads.per_test,
        per_shard_overhead=overheads.per_shard,
        target_seconds=settings.target_seconds,
        max_shards=max(1, settings.max_shards),
    )


def _overheads(settings: Settings, learned: Overheads) -> Overheads:
    return Overheads(
        per_test=learned.per_test if settings.test_overhead is None else settings.test_overhead,
        per_shard=learned.per_shard if settings.shard_overhead is None else settings.shard_overhead,
        learned_from=learned.learned_from,
    )


def make_plan(
    settings: Settings, env: Mapping[str, str], cwd: Path, *, lean: bool = False
) -> PlanReport:
    """Discover (or read) the tests, read the history, estimate, partition.

    `lean=True` (for callers that only write the plan) leaves `plan.items` empty when the
    items are many and says what plan.json must list in `PlanReport.stored` instead."""
    from paratest_split.history import load_history

    paths, warnings = history_paths(settings, cwd)
    if _tests_from_history(settings, paths):
        was_enabled = gc.isenabled()
        gc.disable()  # millions of new objects, no cycles: see history.load_history
        try:
            return _plan_from_history(settings, env, cwd, paths, warnings, lean=lean)
        finally:
            if was_enabled:
                gc.enable()
    items = discover_items(settings, env, cwd, paths)
    history = load_history(paths, skip_bad=settings.skip_bad_reports)
    warnings.extend(str(w) for w in history.warnings)
    estimator = Estimator(history.cases)
    estimates = {item.id: estimator.estimate(item) for item in items}
    overheads = _overheads(settings, learn_overheads(history.suites))
    options = _options(settings, env, overheads)
    plan = build_plan(items, estimates, options)
    counts: dict[str, int] = {source.value: 0 for source in EstimateSource}
    for estimate in estimates.values():
        counts[estimate.source.value] += 1
    return PlanReport(
        plan=plan,
        estimates=estimates,
        overheads=overheads,
        history_files=len(paths),
        known_cases=estimator.known,
        warnings=tuple(warnings),
        counts=counts,
    )


# -- `--discover junit`: the tests are the history's own cases --------------------------------


def _tests_from_history(settings: Settings, paths: Sequence[Path]) -> bool:
    """True when the tests can be taken from the loaded history (the built-in junit plugin)."""
    if settings.discover != "junit" or settings.tests_from or not paths:
        return False
    from paratest_split import plugins
    from paratest_split.discovery.junit import JUnitDiscoverer

    return isinstance(plugins.load_discoverer("junit"), JUnitDiscoverer)


class _Estimates(Mapping[str, Estimate]):
    """`PlanReport.estimates` over parallel lists: an Estimate is made only when asked for."""

    def __init__(
        self,
        ids: Sequence[str],
        seconds: Sequence[float],
        times: Sequence[float | list[float]],
        others: Mapping[str, Estimate],
    ) -> None:
        self._ids = ids
        self._seconds = seconds
        self._times = times  # per-build times of the EXACT ones (the first len(times) ids)
        self._others = others
        self._index: dict[str, int] | None = None

    def __getitem__(self, test: str) -> Estimate:
        if self._index is None:
            self._index = dict(zip(self._ids, range(len(self._times)), strict=False))
        i = self._index.get(test)
        if i is None:
            return self._others[test]
        value = self._times[i]
        builds = 1 if isinstance(value, float) else len(value)
        return Estimate(seconds=self._seconds[i], source=EstimateSource.EXACT, builds=builds)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _plan_from_history(
    settings: Settings,
    env: Mapping[str, str],
    cwd: Path,
    paths: Sequence[Path],
    warnings: list[str],
    *,
    lean: bool,
) -> PlanReport:
    """`make_plan` for `--discover junit`: one read of the reports, no TestItem per test."""
    from paratest_split.discovery.junit import history_tests
    from paratest_split.history import load_history, median

    root = (cwd / settings.root).resolve()
    where = f"--discover {settings.discover}"
    history = load_history(paths, skip_bad=settings.skip_bad_reports)
    warnings.extend(str(w) for w in history.warnings)
    tests = history_tests(history, root)
    ids = tests.ids
    if not ids:
        raise NoTestsError(f"{where}: no tests found in {root}")
    _check_ids(ids, where, unique=tests.unique)
    timed = tests.timed
    seconds = [v if v.__class__ is float else median(v) for v in tests.times]  # type: ignore[arg-type]
    others: dict[str, Estimate] = {}
    if timed < len(ids):
        estimator = Estimator(history.cases)
        for i in range(timed, len(ids)):
            estimate = estimator.estimate(tests.item(i))
            others[ids[i]] = estimate
            seconds.append(estimate.seconds)
    overheads = _overheads(settings, learn_overheads(history.suites))
    options = _options(settings, env, overheads)
    by = options.group_by
    groups = None if by is GroupBy.TEST else [tests.item(i).group_key(by) for i in range(len(ids))]
    stored: StoredItems | None = None
    items: tuple[TestItem, ...] = ()
    if lean:
        listed, class_files = tests.stored()
        stored = StoredItems(items=tuple(listed), class_files=class_files)
    else:
        items = tuple(sorted((tests.item(i) for i in range(len(ids))), key=lambda i: i.id))
    known = len(history.cases)
    times = tests.times
    del history, tests  # the history's names and key tuples go: ids are what is left
    counts: dict[str, int] = {source.value: 0 for source in EstimateSource}
    counts[EstimateSource.EXACT.value] = timed
    for estimate in others.values():
        counts[estimate.source.value] += 1
    unknown = [test for test, e in others.items() if e.source is not EstimateSource.EXACT]
    table = Table(ids=ids, seconds=seconds, groups=groups, unknown=unknown)
    plan = plan_table(table, options, items=items)
    return PlanReport(
        plan=plan,
        estimates=_Estimates(ids, seconds, times, others),
        overheads=overheads,
        history_files=len(paths),
        known_cases=known,
        warnings=tuple(warnings),
        counts=counts,
        stored=stored,
    )


def _check_ids(ids: Sequence[str], where: str, *, unique: bool = False) -> None:
    """No duplicates (unless known `unique`), no line breaks (C-speed passes over the ids)."""
    if not unique and len(set(ids)) != len(ids):
        ordered = sorted(ids)
        twice = next(a for a, b in itertools.pairwise(ordered) if a == b)
        raise BadInputError(where, f"test id {twice!r} appears twice")
    if not all(map(str.strip, ids)):
        raise BadInputError(where, "a test id is empty or only white space")
    for start in range(0, len(ids), _CHUNK):
        text = "".join(ids[start : start + _CHUNK])
        if "\n" in text or "\r" in text:
            bad = next(t for t in ids[start : start + _CHUNK] if "\n" in t or "\r" in t)
            raise BadInputError(
                where, f"test id {bad!r} contains a line break; shard files hold one id a line"
            )
