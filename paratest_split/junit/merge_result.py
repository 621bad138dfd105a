"""What `merge_reports` returns: the merged report's totals, its inputs, per-shard rows, the
summary lists and the verdict (`MergeResult.exit_code`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paratest_split.core.completeness import Completeness
from paratest_split.core.errors import ExitCode
from paratest_split.core.model import Outcome, Warning_
from paratest_split.junit.writer import (
    Totals,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportInfo:
    """One merged input file."""

    path: Path
    order: int  # position among the inputs
    shard: int | None
    attempt: int | None
    cases: int
    seconds: float  # the longest suite `time`, or the sum of its cases' times if larger


@dataclass(frozen=True, kw_only=True, slots=True)
class SlowTest:
    classname: str
    name: str
    seconds: float
    shard: int | None
    outcome: Outcome
    flaky: bool = False

    @property
    def label(self) -> str:
        return f"{self.classname}::{self.name}" if self.classname else self.name


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardStats:
    """One row of the per-shard summary. `index=None` gathers results of unknown shard."""

    index: int | None
    reports: int
    tests: int
    failed: int  # failures + errors (final verdicts)
    skipped: int
    flaky: int
    missing: int
    actual_seconds: float  # every attempt's time of the shard's cases
    wall_seconds: float | None  # the shard's latest report's own time, when a report says
    predicted_seconds: float | None
    slowest: tuple[SlowTest, ...]

    @property
    def seconds(self) -> float:
        """What the shard took: the report's time when known, else the sum of its cases."""
        return self.wall_seconds if self.wall_seconds is not None else self.actual_seconds


@dataclass(frozen=True, kw_only=True, slots=True)
class UnreportedShard:
    """A shard no merged report came from, although other reports of its plan say it exists."""

    index: int
    shards: int  # the plan's shard count, as its reports record it
    digest: str  # the plan's `paratest.plan_digest` ("" when the reports carry none)


@dataclass(frozen=True, kw_only=True)
class MergeResult:
    out: Path
    totals: Totals  # of the written report (missing tests count as errors)
    reports: tuple[ReportInfo, ...]
    shards: tuple[ShardStats, ...]
    completeness: Completeness | None  # None: merged without a plan
    warnings: tuple[Warning_, ...]
    folded: int  # tests with results in more than one place, folded into one case
    failed: tuple[str, ...]  # up to LIST_LIMIT labels of tests whose verdict is failure/error
    flaky: tuple[str, ...]  # up to LIST_LIMIT labels of tests that passed on a later attempt
    slowest: tuple[SlowTest, ...]
    skipped_reports: tuple[str, ...] = ()  # unreadable inputs left out (--skip-bad-reports)
    predicted_makespan: float | None = None
    fail_on_flaky: bool = False
    # without a plan: shards that the reports say exist (`paratest.shards`) but none reported
    unreported: tuple[UnreportedShard, ...] = ()
    recorded_plans: int = 0  # without a plan: how many plans the reports' properties name

    @property
    def missing(self) -> int:
        return len(self.completeness.missing) if self.completeness else 0

    @property
    def duplicated(self) -> int:
        return len(self.completeness.duplicated) if self.completeness else 0

    @property
    def exit_code(self) -> ExitCode:
        t = self.totals
        if t.failures or t.errors or self.missing or self.duplicated or self.unreported:
            return ExitCode.TESTS_FAILED
        if self.fail_on_flaky and t.flaky:
            return ExitCode.TESTS_FAILED
        return ExitCode.OK
