"""Make a plan: tests + history + options -> Plan (the library behind `split` and `local`).

Pure in its core (`build_plan`); `make_plan` gathers the inputs (discovery, test lists, JUnit
history) through the adapters and then calls it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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


def _digest(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions, shards: int
) -> str:
    payload = {
        "tests": [
            [item.id, round(estimates[item.id].seconds, 6)]
            for item in sorted(items, key=lambda i: i.id)
        ],
        "options": {
            "shards": shards,
            "group_by": options.group_by.value,
            "algorithm": options.algorithm,
            "discover": options.discover,
            "per_test_overhead": round(options.per_test_overhead, 6),
            "per_shard_overhead": round(options.per_shard_overhead, 6),
        },
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _groups(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> tuple[dict[str, list[TestItem]], dict[str, float]]:
    members: dict[str, list[TestItem]] = {}
    for item in items:
        members.setdefault(item.group_key(options.group_by), []).append(item)
    weights: dict[str, float] = {}
    for key in sorted(members):
        tests = sorted(members[key], key=lambda i: (-estimates[i.id].seconds, i.id))
        members[key] = tests
        weights[key] = sum(estimates[i.id].seconds + options.per_test_overhead for i in tests)
    return members, weights


def _assign(
    weights: Mapping[str, float], shards: int, algorithm: str
) -> tuple[tuple[str, ...], ...]:
    try:
        return partition.partition(sorted(weights.items()), shards, algorithm=algorithm)
    except ValueError as exc:
        raise UsageError(f"--algorithm {algorithm}: {exc}") from None


def build_plan(
    items: Sequence[TestItem], estimates: Mapping[str, Estimate], options: PlanOptions
) -> Plan:
    """Partition `items` into shards. Deterministic: a pure function of its arguments."""
    members, weights = _groups(items, estimates, options)
    shards = options.shards
    if shards is None:
        shards = choose_shards(weights, options)
    assignment = _assign(weights, shards, options.algorithm)
    details = []
    for index, keys in enumerate(assignment):
        tests = tuple(item.id for key in keys for item in members[key])
        load = sum(weights[key] for key in keys)
        predicted = load + options.per_shard_overhead if tests else 0.0
        details.append(Shard(index=index, predicted_seconds=predicted, tests=tests))
    values = list(weights.values())
    bound = partition.lower_bound(values, shards) + (options.per_shard_overhead if values else 0.0)
    unknown = tuple(
        sorted(item.id for item in items if estimates[item.id].source is not EstimateSource.EXACT)
    )
    return Plan(
        shards=shards,
        group_by=options.group_by,
        algorithm=options.algorithm,
        inputs_digest=_digest(items, estimates, options, shards),
        predicted_makespan_seconds=max((s.predicted_seconds for s in details), default=0.0),
        lower_bound_seconds=bound,
        shards_detail=tuple(details),
        unknown_tests=unknown,
        discover=options.discover,
        items=tuple(sorted(items, key=lambda i: i.id)),
    )


def choose_shards(weights: Mapping[str, float], options: PlanOptions) -> int:
    """Smallest N <= max_shards whose predicted makespan fits target_seconds (else max_shards)."""
    target = options.target_seconds
    if target is None:
        raise UsageError("give --shards N, --shards auto or --target-seconds T")
    pairs = sorted(weights.items())
    low_n = max(1, options.max_shards)
    for n in range(1, low_n + 1):
        if partition.lower_bound([w for _, w in pairs], n) + options.per_shard_overhead > target:
            continue
        assignment = _assign(weights, n, options.algorithm)
        makespan = max((sum(weights[k] for k in keys) for keys in assignment), default=0.0)
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


def make_plan(settings: Settings, env: Mapping[str, str], cwd: Path) -> PlanReport:
    """Discover (or read) the tests, read the history, estimate, partition."""
    from paratest_split import ci
    from paratest_split.history import load_history

    paths, warnings = history_paths(settings, cwd)
    items = discover_items(settings, env, cwd, paths)
    history = load_history(paths, skip_bad=settings.skip_bad_reports)
    warnings.extend(str(w) for w in history.warnings)
    estimator = Estimator(history.cases)
    estimates = {item.id: estimator.estimate(item) for item in items}
    learned = learn_overheads(history.suites)
    overheads = Overheads(
        per_test=learned.per_test if settings.test_overhead is None else settings.test_overhead,
        per_shard=learned.per_shard if settings.shard_overhead is None else settings.shard_overhead,
        learned_from=learned.learned_from,
    )
    shards: int | None = None
    if settings.shards is not None:
        shards = ci.resolve_total(settings.shards, env)
    elif settings.target_seconds is None:
        raise UsageError("give --shards N (or auto), or --target-seconds T")
    options = PlanOptions(
        shards=shards,
        group_by=GroupBy(settings.group_by),
        algorithm=settings.algorithm,
        discover=settings.discover,
        per_test_overhead=overheads.per_test,
        per_shard_overhead=overheads.per_shard,
        target_seconds=settings.target_seconds,
        max_shards=max(1, settings.max_shards),
    )
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
