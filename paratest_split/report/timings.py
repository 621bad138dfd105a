"""Pure: what the timing history knows (`timings`) and how a run drifted from its plan
(`timings --drift`). History and results in, rows and text/JSON out.

Per test: estimate (median of its per-build times), builds seen, min, max and spread
(max - min). Per class/file/dir: the sums of its tests' medians, minima and maxima, the most
builds any of its tests was seen in, and how many tests it has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paratest_split.core.completeness import Checker, planned_items
from paratest_split.core.model import Plan
from paratest_split.core.timings import Estimator
from paratest_split.history import median

BY = ("test", "class", "file", "dir")
SORTS = ("time", "name", "spread", "builds")


@dataclass(frozen=True, kw_only=True, slots=True)
class TimingRow:
    key: str
    estimate: float
    builds: int
    min: float
    max: float
    tests: int = 1

    @property
    def spread(self) -> float:
        return self.max - self.min

    @property
    def spread_ratio(self) -> float:
        return self.spread / self.estimate if self.estimate > 0 else 0.0


def _file_of(classname: str) -> str:
    """The file of a result without a `file` attribute, from its classname: pytest's
    `tests.test_x.TestA` -> `tests/test_x.py` (cut after the last `test_*`/`*_test` module);
    otherwise the classname as a path (`com.foo.BarTest` -> `com/foo/BarTest`)."""
    parts = classname.split(".")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].startswith("test_") or parts[i].endswith("_test"):
            return "/".join(parts[: i + 1]) + ".py"
    return "/".join(parts)


def _group_key(classname: str, name: str, file: str | None, by: str) -> str:
    if by == "test":
        return f"{classname}::{name}" if classname else name
    if by == "class":
        return classname or (file or name)
    path = file or (_file_of(classname) if classname else name)
    if by == "file":
        return path
    head, sep, _ = path.rpartition("/")
    return head if sep else "."


def timing_rows(cases: Mapping[tuple[str, str], Any], by: str = "test") -> list[TimingRow]:
    """Rows per test/class/file/dir from `History.cases` (values with classname, name, file,
    times). Unsorted: see `sort_rows`."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    groups: dict[str, list[float]] = {}  # key -> [estimate, builds, min, max, tests]
    for (classname, name), case in cases.items():
        times: tuple[float, ...] = case.times
        if not times:
            continue
        key = _group_key(classname, name, case.file, by)
        acc = groups.get(key)
        est, low, high = median(times), min(times), max(times)
        if acc is None:
            groups[key] = [est, float(len(times)), low, high, 1.0]
        else:
            acc[0] += est
            acc[1] = max(acc[1], float(len(times)))
            acc[2] += low
            acc[3] += high
            acc[4] += 1
    return [
        TimingRow(key=key, estimate=v[0], builds=int(v[1]), min=v[2], max=v[3], tests=int(v[4]))
        for key, v in groups.items()
    ]


def sort_rows(rows: list[TimingRow], sort: str = "time") -> list[TimingRow]:
    """time/spread/builds: largest first; name: alphabetical. Ties by name (deterministic)."""
    if sort == "name":
        return sorted(rows, key=lambda r: r.key)
    if sort == "spread":
        return sorted(rows, key=lambda r: (-r.spread, r.key))
    if sort == "builds":
        return sorted(rows, key=lambda r: (-r.builds, -r.estimate, r.key))
    if sort == "time":
        return sorted(rows, key=lambda r: (-r.estimate, r.key))
    raise ValueError(f"sort must be one of {', '.join(SORTS)}")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i < len(cells) - 1 else c
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_rows_text(rows: list[TimingRow], *, by: str, total: int, sources: int) -> str:
    head = (
        f"{total} {by if by != 'class' else 'classe'}s known from {sources} report"
        f"{'s' if sources != 1 else ''}" + (f" (showing {len(rows)})" if len(rows) < total else "")
    )
    body = [
        [
            f"{r.estimate:.3f}",
            str(r.builds),
            f"{r.min:.3f}",
            f"{r.max:.3f}",
            f"{r.spread:.3f}",
            f"{r.spread_ratio * 100:.0f}%",
            *([str(r.tests)] if by != "test" else []),
            r.key,
        ]
        for r in rows
    ]
    headers = [
        "median s",
        "builds",
        "min s",
        "max s",
        "spread s",
        "spread",
        *(["tests"] if by != "test" else []),
        by,
    ]
    return "\n".join([head, "", *_table(headers, body)]) + "\n"


def rows_json(rows: list[TimingRow], *, by: str, total: int, sources: list[str]) -> str:
    data = {
        "version": 1,
        "by": by,
        "total": total,
        "sources": sources,
        "rows": [
            {
                by: r.key,
                "estimate": round(r.estimate, 6),
                "builds": r.builds,
                "min": round(r.min, 6),
                "max": round(r.max, 6),
                "spread": round(r.spread, 6),
                **({"tests": r.tests} if by != "test" else {}),
            }
            for r in rows
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- drift -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class TestDrift:
    __test__ = False  # not a pytest class

    test: str
    shard: int
    predicted: float
    actual: float | None  # None: no result for it

    @property
    def delta(self) -> float:
        return (self.actual or 0.0) - self.predicted


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardDrift:
    index: int
    predicted: float
    actual: float
    tests: int
    with_results: int


@dataclass(frozen=True, kw_only=True)
class Drift:
    shards: tuple[ShardDrift, ...]
    tests: tuple[TestDrift, ...]  # every planned test, largest |delta| first
    unplanned_seconds: float  # time of results the plan does not know
    variable: tuple[TimingRow, ...]  # tests whose time varies most across builds


def compute_drift(
    plan: Plan,
    results: Iterable[tuple[str, str, str | None, float]],
    history_cases: Mapping[tuple[str, str], Any],
    *,
    top: int = 20,
) -> Drift:
    """Predicted (the history's estimate of each planned test, as `split` makes it; the plan's
    own per-shard prediction) against actual (`results`: classname, name, file, seconds; a test
    seen twice keeps its last time)."""
    checker = Checker(plan)
    items = planned_items(plan)
    actual: dict[str, float] = {}
    unplanned = 0.0
    for classname, name, file, seconds in results:
        test = checker.planned_test(classname, name, file)
        if test is None:
            unplanned += seconds
            continue
        item_id = test.id
        if test.name is None:  # file-/class-level item: the sum of its cases
            actual[item_id] = actual.get(item_id, 0.0) + seconds
        else:
            actual[item_id] = seconds
    estimator = Estimator(history_cases)
    tests = []
    per_shard: dict[int, list[float]] = {s.index: [0.0, 0.0, 0.0] for s in plan.shards_detail}
    for item, shard in items:
        predicted = estimator.estimate(item).seconds
        got = actual.get(item.id)
        tests.append(TestDrift(test=item.id, shard=shard, predicted=predicted, actual=got))
        acc = per_shard[shard]
        acc[0] += 1
        if got is not None:
            acc[1] += 1
            acc[2] += got
    tests.sort(key=lambda t: (-abs(t.delta), t.test))
    shards = tuple(
        ShardDrift(
            index=s.index,
            predicted=s.predicted_seconds,
            actual=per_shard[s.index][2],
            tests=int(per_shard[s.index][0]),
            with_results=int(per_shard[s.index][1]),
        )
        for s in plan.shards_detail
    )
    variable = tuple(
        r for r in sort_rows(timing_rows(history_cases, "test"), "spread")[:top] if r.spread > 0
    )
    return Drift(shards=shards, tests=tuple(tests), unplanned_seconds=unplanned, variable=variable)


def _pct(actual: float, predicted: float) -> str:
    if predicted <= 0:
        return "-"
    change = (actual - predicted) / predicted * 100
    return f"{'+' if change >= 0 else ''}{change:.0f}%"


def render_drift_text(drift: Drift, *, top: int = 20) -> str:
    shard_rows = [
        [
            str(s.index),
            str(s.tests),
            str(s.with_results),
            f"{s.predicted:.1f}",
            f"{s.actual:.1f}",
            _pct(s.actual, s.predicted),
        ]
        for s in drift.shards
    ]
    out = ["per shard (predicted: the plan; actual: sum of its tests' result times)", ""]
    out += _table(
        ["shard", "tests", "with results", "predicted s", "actual s", "change"], shard_rows
    )
    out.append("")
    out.append(f"tests furthest from their prediction (top {min(top, len(drift.tests))}):")
    test_rows = [
        [
            f"{t.predicted:.3f}",
            "-" if t.actual is None else f"{t.actual:.3f}",
            f"{t.delta:+.3f}",
            str(t.shard),
            t.test,
        ]
        for t in drift.tests[:top]
    ]
    out += _table(["predicted s", "actual s", "delta s", "shard", "test"], test_rows)
    if drift.unplanned_seconds:
        out.append(f"\nresults not in the plan took {drift.unplanned_seconds:.1f} s")
    out.append("")
    if drift.variable:
        out.append("tests whose time varies most across builds:")
        out += _table(
            ["median s", "min s", "max s", "builds", "test"],
            [
                [f"{r.estimate:.3f}", f"{r.min:.3f}", f"{r.max:.3f}", str(r.builds), r.key]
                for r in drift.variable
            ],
        )
    else:
        out.append("no test's time varies across builds in the history")
    return "\n".join(out) + "\n"


def drift_json(drift: Drift, *, top: int = 20) -> str:
    data = {
        "version": 1,
        "shards": [
            {
                "index": s.index,
                "tests": s.tests,
                "with_results": s.with_results,
                "predicted_seconds": round(s.predicted, 3),
                "actual_seconds": round(s.actual, 3),
            }
            for s in drift.shards
        ],
        "tests": [
            {
                "test": t.test,
                "shard": t.shard,
                "predicted": round(t.predicted, 6),
                "actual": None if t.actual is None else round(t.actual, 6),
            }
            for t in drift.tests[:top]
        ],
        "unplanned_seconds": round(drift.unplanned_seconds, 3),
        "variable": [
            {"test": r.key, "estimate": r.estimate, "min": r.min, "max": r.max, "builds": r.builds}
            for r in drift.variable
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
