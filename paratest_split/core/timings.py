"""Pure: predict each test's duration from what the history knows (DESIGN "Test identity").

The lookup for one test falls back in this order:
1. EXACT: the test itself (its JUnit key; or, for a file-/class-level item, the sum of the
   cases of that file/class). A JUnit classname that differs only by leading packages (pytest
   started from another rootdir) still matches, at a dot boundary.
2. SIBLINGS: mean of the known tests of the same class or file (test-level items only).
3. DIR: mean of the known tests (or files/classes, for such items) in the same directory.
4. MEDIAN: median of all known tests (or files/classes).
5. DEFAULT: no history at all: 1 s each, so the split balances test counts.

Everything is deterministic: indexes are sorted, sums taken in sorted order.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from paratest_split.core.fullgc import learn_heap
from paratest_split.core.matching import module_of, norm_file, suffix_match
from paratest_split.core.model import (
    COLLECT_PROPERTY,
    MODULE_PROPERTY_PREFIX,
    OVERHEAD_PROPERTY,
    OVERHEAD_PROPERTY_PREFIX,
    SHARD_PROPERTY,
    STARTUP_PROPERTY,
    Estimate,
    EstimateSource,
    ShardCosts,
    SuiteSummary,
    TestItem,
    is_cost_property,
)
from paratest_split.core.properties import prefixed_numbers, property_number

DEFAULT_SECONDS = 1.0
# The cost model's defaults where the history cannot tell (FIELD-NOTES: a one-test pytest run
# starts in 0.5-2 s; `paratest-split run` adds 0.3-0.5 s; pytest spends 0.4-0.9 ms per test
# that no testcase time carries).
DEFAULT_STARTUP = 1.0
RUN_OVERHEAD = 0.4
DEFAULT_PER_TEST = 0.0005
# JUnit suite properties the pytest plugin writes (`pytest_plugin`)


class CaseTiming(Protocol):
    """What the estimator needs of a known case (history.CaseHistory provides it)."""

    @property
    def classname(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str | None: ...
    @property
    def estimate(self) -> float: ...
    @property
    def builds(self) -> int: ...


class _Sorted:
    """Sorted (key, seconds) with prefix sums: the sum of all keys under a prefix, fast."""

    def __init__(self, pairs: Iterable[tuple[str, float]]) -> None:
        ordered = sorted(pairs)
        self.keys = [k for k, _ in ordered]
        self.sums = [0.0]
        for _, seconds in ordered:
            self.sums.append(self.sums[-1] + seconds)

    def _range(self, low: str, high: str) -> tuple[int, int]:
        return bisect.bisect_left(self.keys, low), bisect.bisect_left(self.keys, high)

    def under(self, prefix: str, sep: str) -> tuple[float, int]:
        """(sum, count) of keys equal to prefix or starting with prefix + sep."""
        total, count = 0.0, 0
        for low, high in ((prefix, prefix + "\x00"), (prefix + sep, prefix + chr(ord(sep) + 1))):
            i, j = self._range(low, high)
            total += self.sums[j] - self.sums[i]
            count += j - i
        return total, count


@dataclass(frozen=True, kw_only=True, slots=True)
class Overheads:
    """Costs JUnit case times do not carry (FIELD-NOTES): per test and per shard, in seconds."""

    per_test: float = 0.0
    per_shard: float = 0.0
    learned_from: int = 0  # how many suites the numbers were learned from


def learn_overheads(suites: Sequence[SuiteSummary]) -> Overheads:
    """Fit `suite time - sum(case times) = per_shard + per_test * cases` over the suites.

    With suites of at least two sizes, least squares separates the fixed part (collection,
    start-up) from the per-test part; with one size, the extra time is spread over the tests.
    The fixed part counts as a per-shard cost only when every report holds one suite (pytest's
    layout: one suite per run); otherwise it is a per-suite cost we do not model (0).
    Suites without a time, with less time than their cases (parallel runners), or with cases
    whose time is missing or unusable (their real time is in the suite's, not in the cases':
    counting them as 0 s would call it overhead) are ignored.
    """
    points = sorted(
        (s.cases, s.time - s.case_time, s.source)
        for s in suites
        if s.time is not None
        and s.cases > 0
        and not s.untimed
        and math.isfinite(s.time)
        and s.time >= s.case_time
    )
    if not points:
        return Overheads()
    sources = [p[2] for p in points]
    one_suite_per_report = len(set(sources)) == len(sources)
    xs = [float(p[0]) for p in points]
    ys = [p[1] for p in points]
    per_test, fixed = sum(ys) / sum(xs), 0.0
    if len(set(xs)) >= 2 and one_suite_per_report:
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        var = sum((x - mean_x) ** 2 for x in xs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
        if slope < 0:
            per_test, fixed = 0.0, mean_y
        else:
            per_test, fixed = slope, mean_y - slope * mean_x
            if fixed < 0:
                per_test, fixed = sum(ys) / sum(xs), 0.0
    elif one_suite_per_report and len(points) >= 1 and len(set(xs)) == 1:
        per_test, fixed = sum(ys) / sum(xs), 0.0
    return Overheads(
        per_test=round(per_test, 6), per_shard=round(fixed, 3), learned_from=len(points)
    )


def _median(values: Sequence[float]) -> float:
    return statistics.median(sorted(values))


def learn_costs(
    reports: Sequence[tuple[str, Mapping[str, str]]],
    suites: Sequence[SuiteSummary],
    files: int,
) -> ShardCosts:
    """The cost model of `group_by: auto` from the history.

    `reports` are (report path, its suite properties); `suites` the history's suite totals;
    `files` how many test files (modules) the planned tests live in.

    Learned, from reports with the pytest plugin's properties: start-up (process start to
    session start) plus what collection spent outside test files (directories, conftests: every
    shard pays it) plus `RUN_OVERHEAD`; each file's collection time; each file's per-test
    overhead (`paratest.overhead:<file>`) and, for files without one, their mean; what the
    session spent neither collecting, nor in cases, nor in that overhead (its end, the summary)
    counts as start-up. Reports of older plugins without the overhead properties: per test,
    the suite time not spent collecting nor in cases, over the cases. Medians over the reports.

    Estimated, from one-suite reports whose every case has a time (pytest's layout): the suite
    time minus the case times is collection plus per-test overhead; `DEFAULT_PER_TEST` of it
    (at most half) goes to the tests, the rest is spread evenly over the files; start-up is
    `DEFAULT_STARTUP + RUN_OVERHEAD`. With neither, module costs are unknown (0) and `how`
    says so: never a silent 0.
    """
    startups: list[float] = []
    modules: dict[str, list[float]] = {}
    overheads: dict[str, list[float]] = {}
    per_tests: list[float] = []
    by_source: dict[str, list[SuiteSummary]] = {}
    for suite in suites:
        by_source.setdefault(suite.source, []).append(suite)
    for source, properties in sorted(reports):
        startup = property_number(properties.get(STARTUP_PROPERTY))
        collect = property_number(properties.get(COLLECT_PROPERTY))
        if startup is None or collect is None:
            continue
        recorded = _collect_prefixed(properties, MODULE_PROPERTY_PREFIX, modules)
        _collect_prefixed(properties, OVERHEAD_PROPERTY_PREFIX, overheads)
        fixed = startup + max(0.0, collect - math.fsum(recorded))
        own = by_source.get(source, [])
        if len(own) == 1 and own[0].time is not None and not own[0].untimed and own[0].cases:
            spare = own[0].time - collect - own[0].case_time
            measured = property_number(properties.get(OVERHEAD_PROPERTY))
            if measured is not None:
                # the per-test overhead is measured: the rest of the session (its end, the
                # summary; for our shard report, the runner's own time) is paid once a shard
                per_tests.append(measured / own[0].cases)
                fixed += max(0.0, spare - measured)
            elif SHARD_PROPERTY in properties:
                # our shard report: its time is the runner's whole wall time (process start to
                # exit), so what no case and no collection took is the shard's fixed cost
                fixed = max(fixed, spare - DEFAULT_PER_TEST * own[0].cases)
            else:  # pytest's own report: session time, start-up not in it
                per_tests.append(max(0.0, spare / own[0].cases))
        startups.append(fixed)
    if startups:
        learned = {name: round(_median(values), 4) for name, values in sorted(modules.items())}
        default = _median(list(learned.values())) if learned else 0.0
        per_test = _median(per_tests) if per_tests else DEFAULT_PER_TEST
        return ShardCosts(
            startup=round(_median(startups) + RUN_OVERHEAD, 4),
            modules=tuple(learned.items()),
            default_module=round(default, 4),
            per_test=round(per_test, 6),
            learned=True,
            how=f"learned from {len(startups)} report(s) with recorded collection times",
            test_overheads=tuple(
                (name, round(_median(values), 6)) for name, values in sorted(overheads.items())
            ),
            heap=learn_heap([properties for _, properties in sorted(reports)]),
        )
    estimates: list[tuple[float, float]] = []  # (per test, per module)
    for source in sorted(by_source):
        own = by_source[source]
        if len(own) != 1:
            continue
        suite = own[0]
        if suite.time is None or suite.untimed or not suite.cases or not math.isfinite(suite.time):
            continue
        spare = suite.time - suite.case_time
        if spare < 0:
            continue
        per_test = min(DEFAULT_PER_TEST, spare / suite.cases / 2)
        estimates.append((per_test, (spare - per_test * suite.cases) / max(1, files)))
    if estimates:
        return ShardCosts(
            startup=DEFAULT_STARTUP + RUN_OVERHEAD,
            default_module=round(_median([m for _, m in estimates]), 4),
            per_test=round(_median([t for t, _ in estimates]), 6),
            how=(
                f"estimated from the suite time of {len(estimates)} report(s) (no recorded "
                f"collection times; start-up assumed {DEFAULT_STARTUP + RUN_OVERHEAD:.1f} s)"
            ),
        )
    return ShardCosts(
        startup=DEFAULT_STARTUP + RUN_OVERHEAD,
        per_test=DEFAULT_PER_TEST,
        how=(
            "assumed: no report with a suite time and every case timed, so module costs are "
            f"unknown (0 s) and start-up {DEFAULT_STARTUP + RUN_OVERHEAD:.1f} s"
        ),
    )


def merged_cost_properties(
    reports: Sequence[Mapping[str, str]],
) -> tuple[tuple[str, str], ...]:
    """The cost properties a merged report carries for the next plan (`merge`): from the
    shard reports' `paratest.startup`, `paratest.collect*` and `paratest.overhead*`, each
    file's and each fixed cost the median over the shards that have it, the overhead total
    their sum (it is spread over every case of the merged report). Empty when no report has
    the plugin's start-up and collection times (nothing learned is better than a made-up 0)."""
    timed = [
        r for r in reports if property_number(r.get(STARTUP_PROPERTY)) is not None
        and property_number(r.get(COLLECT_PROPERTY)) is not None
    ]  # fmt: skip
    if not timed:
        return ()
    values: dict[str, list[float]] = {}
    for report in timed:
        for name, value in report.items():
            number = property_number(value)
            if number is not None and is_cost_property(name):
                values.setdefault(name, []).append(number)
    merged = []
    for name in sorted(values):
        numbers = values[name]
        if name == OVERHEAD_PROPERTY:
            if len(numbers) != len(timed):
                continue  # a shard without it: the total would be short
            figure = math.fsum(numbers)
        else:
            figure = _median(numbers)
        digits = 6 if name.startswith(OVERHEAD_PROPERTY_PREFIX) else 4
        merged.append((name, f"{figure:.{digits}f}"))
    return tuple(merged)


def _collect_prefixed(
    properties: Mapping[str, str], prefix: str, into: dict[str, list[float]]
) -> list[float]:
    """Appends each `<prefix><file>` property's number to `into[file]`; returns the numbers."""
    found = prefixed_numbers(properties, prefix)
    for file, seconds in found.items():
        into.setdefault(file, []).append(seconds)
    return list(found.values())


class Estimator:
    """Estimates for TestItems from known cases. Build once, query many."""

    def __init__(self, cases: Mapping[tuple[str, str], CaseTiming]) -> None:
        self._cases = cases
        self._by_key: dict[tuple[str, str], tuple[float, int]] = {
            key: (case.estimate, case.builds) for key, case in cases.items() if key[0]
        }
        # Cases with no classname: opaque names (lines, seed plugins, per-test commands). Only
        # an item with the same bare name matches them; they stay out of medians and means,
        # since pytest's module-level skip pseudo-cases look the same (FIELD-NOTES).
        self._bare: dict[str, tuple[float, int]] = {
            key[1]: (case.estimate, case.builds) for key, case in cases.items() if not key[0]
        }
        self._lazy_built = False
        self._by_name: dict[str, list[tuple[str, float, int]]] = {}
        self._classnames: _Sorted = _Sorted(())
        self._class_totals: dict[str, tuple[float, int]] = {}
        self._files: dict[str, tuple[float, int, int]] = {}  # file -> (sum, count, builds)
        self._files_by_base: dict[str, list[str]] = {}
        self._file_sorted: _Sorted = _Sorted(())
        self._case_files: _Sorted = _Sorted(())
        self._median_case = (
            statistics.median(sorted(v for v, _ in self._by_key.values())) if self._by_key else None
        )

    @property
    def known(self) -> int:
        return len(self._by_key) + len(self._bare)

    def _build(self) -> None:
        if self._lazy_built:
            return
        self._lazy_built = True
        for (classname, name), (seconds, builds) in sorted(self._by_key.items()):
            self._by_name.setdefault(name, []).append((classname, seconds, builds))
            total, count = self._class_totals.get(classname, (0.0, 0))
            self._class_totals[classname] = (total + seconds, count + 1)
        self._classnames = _Sorted((k[0], v[0]) for k, v in sorted(self._by_key.items()))
        for key in sorted(self._by_key):
            file = self._cases[key].file
            if not file:
                continue
            norm = norm_file(file)
            seconds, builds = self._by_key[key]
            total, count, most = self._files.get(norm, (0.0, 0, 0))
            self._files[norm] = (total + seconds, count + 1, max(most, builds))
        for norm in sorted(self._files):
            self._files_by_base.setdefault(norm.rsplit("/", 1)[-1], []).append(norm)
        self._file_sorted = _Sorted((f, v[0]) for f, v in sorted(self._files.items()))
        self._case_files = _Sorted(
            (norm_file(self._cases[k].file or ""), v[0])
            for k, v in sorted(self._by_key.items())
            if self._cases[k].file
        )

    # -- exact lookups -------------------------------------------------------------------
    def _exact_case(self, classname: str, name: str) -> tuple[float, int] | None:
        hit = self._by_key.get((classname, name))
        if hit is not None:
            return hit
        self._build()
        candidates = [
            (c, s, b)
            for c, s, b in self._by_name.get(name, ())
            if c.endswith("." + classname) or classname.endswith("." + c)
        ]
        if len(candidates) == 1:
            return candidates[0][1], candidates[0][2]
        return None

    def _file_total(self, file: str) -> tuple[float, int, int] | None:
        """(seconds, cases, builds) of one file, by `file` attribute or module classname."""
        self._build()
        norm = norm_file(file)
        if norm in self._files:
            return self._files[norm]
        matches = [
            f for f in self._files_by_base.get(norm.rsplit("/", 1)[-1], ()) if suffix_match(f, norm)
        ]
        if len(matches) == 1:
            return self._files[matches[0]]
        module = module_of(norm)
        parts = module.split(".")
        for start in range(len(parts)):
            total, count = self._classnames.under(".".join(parts[start:]), ".")
            if count:
                return total, count, 1
        return None

    def _class_total(self, classname: str) -> tuple[float, int] | None:
        self._build()
        total, count = self._classnames.under(classname, "$")  # Java inner classes: Outer$Inner
        exact = self._class_totals.get(classname)
        if exact is not None or count:
            return total, count
        return None

    # -- fallbacks -----------------------------------------------------------------------
    def _dir_mean(self, item: TestItem, *, per_case: bool) -> float | None:
        """Mean of the known tests (per_case) or files/classes in the item's directory."""
        self._build()
        if item.file:
            directory = norm_file(item.file).rpartition("/")[0]
        else:
            directory = (item.classname or "").rpartition(".")[0].replace(".", "/")
        if not directory:
            return None
        dotted = directory.replace("/", ".")
        if per_case:
            total, count = self._case_files.under(directory, "/")
            if not count:
                total, count = self._classnames.under(dotted, ".")
        else:
            total, count = self._file_sorted.under(directory, "/")
            if not count:
                groups = [
                    v[0]
                    for k, v in sorted(self._class_totals.items())
                    if k.startswith(dotted + ".")
                ]
                total, count = sum(groups), len(groups)
        return total / count if count else None

    def estimate(self, item: TestItem) -> Estimate:
        if item.name is not None and not item.classname and not item.file:
            bare = self._bare.get(item.name)
            if bare is not None:
                return Estimate(seconds=bare[0], source=EstimateSource.EXACT, builds=bare[1])
        if item.name is not None and item.classname is not None:
            hit = self._exact_case(item.classname, item.name)
            if hit is not None:
                return Estimate(seconds=hit[0], source=EstimateSource.EXACT, builds=hit[1])
            sibling = self._class_total(item.classname)
            if sibling is None and item.file:
                whole = self._file_total(item.file)
                sibling = (whole[0], whole[1]) if whole else None
            if sibling is not None and sibling[1]:
                return Estimate(seconds=sibling[0] / sibling[1], source=EstimateSource.SIBLINGS)
        elif item.file is not None and item.name is None and item.classname is None:
            whole = self._file_total(item.file)
            if whole is not None:
                return Estimate(seconds=whole[0], source=EstimateSource.EXACT, builds=whole[2])
        elif item.classname is not None and item.name is None:
            total = self._class_total(item.classname)
            if total is not None:
                return Estimate(seconds=total[0], source=EstimateSource.EXACT, builds=1)
        return self._fallback(item)

    def _fallback(self, item: TestItem) -> Estimate:
        if not self._by_key:
            return Estimate(seconds=DEFAULT_SECONDS, source=EstimateSource.DEFAULT)
        mean = self._dir_mean(item, per_case=item.name is not None)
        if mean is not None:
            return Estimate(seconds=mean, source=EstimateSource.DIR)
        assert self._median_case is not None
        if item.name is not None:
            return Estimate(seconds=self._median_case, source=EstimateSource.MEDIAN)
        return Estimate(seconds=self._median_group(item), source=EstimateSource.MEDIAN)

    def _median_group(self, item: TestItem) -> float:
        """For file-/class-level items: the median of known files (or classes)."""
        self._build()
        if item.file is not None and self._files:
            return statistics.median(sorted(v[0] for v in self._files.values()))
        return statistics.median(sorted(v[0] for v in self._class_totals.values()))
