"""Adapter: gather a plan's inputs — tests from discovery or a list, timing history from JUnit
reports — and make the plan with the pure `planner` (the library behind `split` and `local`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from paratest_split.config import Settings
from paratest_split.core.errors import (
    BadInputError,
    NoTestsError,
    ParatestError,
    PluginError,
    UsageError,
)
from paratest_split.core.model import (
    Estimate,
    EstimateSource,
    GroupBy,
    Plan,
    ShardCosts,
    SuiteSummary,
    TestItem,
)
from paratest_split.core.partition import Strategy
from paratest_split.core.planner import (
    Bounds,
    PlanOptions,
    Table,
    build_plan_bounds,
    check_ids,
    plan_table_bounds,
)
from paratest_split.core.timings import Estimator, Overheads, learn_costs, learn_overheads
from paratest_split.manifest import StoredItems


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
    bounds: Bounds = field(default_factory=Bounds)
    costs: ShardCosts | None = None  # group_by auto: the cost model used


def read_test_list(
    source: str, cwd: Path, stdin: Callable[[], str] | None = None
) -> tuple[str, str]:
    """`--tests-from FILE|-` -> (text, name to show in errors). At most `TEST_LIST_LIMIT`
    bytes: `/dev/zero` or `yes ID |` would otherwise grow until memory runs out."""
    if source == "-":
        if stdin is not None:
            return stdin(), "<stdin>"
        return _bounded_text(sys.stdin.buffer, "<stdin>"), "<stdin>"
    path = Path(source) if Path(source).is_absolute() else cwd / source
    try:
        with path.open("rb") as raw:
            return _bounded_text(raw, source), source
    except FileNotFoundError:
        raise BadInputError(source, "no such file (--tests-from)") from None
    except OSError as exc:
        raise BadInputError(source, f"cannot read the test list: {exc}") from None


TEST_LIST_LIMIT = 256 << 20  # 256 MiB: a million ids of 250 characters


def _bounded_text(raw: BinaryIO, where: str) -> str:
    data = raw.read(TEST_LIST_LIMIT + 1)
    if len(data) > TEST_LIST_LIMIT:
        raise BadInputError(
            where,
            f"the test list is larger than {TEST_LIST_LIMIT >> 20} MiB: not a list of test ids "
            "(an endless stream such as /dev/zero or `yes`?)",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(where, f"cannot read the test list: {exc}") from None


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
    check_ids([item.id for item in items], where)
    return items


def _options(
    settings: Settings,
    env: Mapping[str, str],
    overheads: Overheads,
    costs: ShardCosts | None = None,
) -> PlanOptions:
    from paratest_split import ci

    shards: int | None = None
    if settings.shards is not None:
        shards = ci.resolve_total(settings.shards, env)
    elif settings.target_seconds is None:
        raise UsageError("give --shards N (or auto), or --target-seconds T")
    per_test, per_shard = overheads.per_test, overheads.per_shard
    if costs is not None:
        per_test, per_shard = costs.per_test, costs.startup
    return PlanOptions(
        shards=shards,
        group_by=GroupBy(settings.group_by),
        algorithm=settings.algorithm,
        strategy=_plugin_strategy(settings.algorithm),
        discover=settings.discover,
        per_test_overhead=per_test,
        per_shard_overhead=per_shard,
        target_seconds=settings.target_seconds,
        max_shards=max(1, settings.max_shards),
        costs=costs,
        discover_args=tuple(settings.discover_args),
    )


def _plugin_strategy(algorithm: str) -> Strategy | None:
    """A strategy plugin's `Strategy` for `--algorithm NAME` (None for a built-in): entry
    points are read here, never in the core."""
    from paratest_split.core.partition import STRATEGIES

    if algorithm in STRATEGIES:
        return None
    from paratest_split import plugins

    try:
        return plugins.load_strategy(algorithm)
    except ValueError as exc:
        raise UsageError(f"--algorithm {algorithm}: {exc}") from None


def _overheads(settings: Settings, learned: Overheads) -> Overheads:
    return Overheads(
        per_test=learned.per_test if settings.test_overhead is None else settings.test_overhead,
        per_shard=learned.per_shard if settings.shard_overhead is None else settings.shard_overhead,
        learned_from=learned.learned_from,
    )


def _costs(
    settings: Settings, paths: Sequence[Path], suites: Sequence[SuiteSummary], files: int
) -> ShardCosts | None:
    """`group_by: auto`'s cost model from the reports' recorded collection times (their heads
    only) or their suite times; `--shard-overhead`/`--test-overhead` override its start-up
    and per-test cost. None for the other `group_by`s."""
    if settings.group_by != GroupBy.AUTO.value:
        return None
    from dataclasses import replace

    from paratest_split.junit.reader import suite_properties

    reports = [(str(path), suite_properties(path)) for path in paths]
    costs = learn_costs(reports, suites, files)
    if settings.shard_overhead is not None:
        costs = replace(costs, startup=settings.shard_overhead)
    if settings.test_overhead is not None:
        costs = replace(costs, per_test=settings.test_overhead)
    return costs


def make_plan(
    settings: Settings, env: Mapping[str, str], cwd: Path, *, lean: bool = False
) -> PlanReport:
    """Discover (or read) the tests, read the history, estimate, partition.

    `lean=True` (for callers that only write the plan) leaves `plan.items` empty when the
    items are many and says what plan.json must list in `PlanReport.stored` instead."""
    from paratest_split.history import load_history
    from paratest_split.junit.gcpause import paused_gc

    paths, warnings = history_paths(settings, cwd)
    if _tests_from_history(settings, paths):
        with paused_gc():  # millions of new objects, no cycles: see history.load_history
            return _plan_from_history(settings, env, cwd, paths, warnings, lean=lean)
    items = discover_items(settings, env, cwd, paths)
    history = load_history(paths, skip_bad=settings.skip_bad_reports)
    warnings.extend(str(w) for w in history.warnings)
    estimator = Estimator(history.cases)
    estimates = {item.id: estimator.estimate(item) for item in items}
    overheads = _overheads(settings, learn_overheads(history.suites))
    files = len({item.group_key(GroupBy.FILE) for item in items})
    costs = _costs(settings, paths, history.suites, files)
    options = _options(settings, env, overheads, costs)
    plan, bounds = build_plan_bounds(items, estimates, options)
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
        bounds=bounds,
        costs=costs,
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
    check_ids(ids, where, unique=tests.unique)
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
    by = GroupBy(settings.group_by)
    groups = None if by is GroupBy.TEST else [tests.item(i).group_key(by) for i in range(len(ids))]
    costs = _costs(settings, paths, history.suites, len(set(groups or ())))
    options = _options(settings, env, overheads, costs)
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
    plan, bounds = plan_table_bounds(table, options, items=items)
    return PlanReport(
        plan=plan,
        estimates=_Estimates(ids, seconds, times, others),
        overheads=overheads,
        history_files=len(paths),
        known_cases=known,
        warnings=tuple(warnings),
        counts=counts,
        stored=stored,
        bounds=bounds,
        costs=costs,
    )
