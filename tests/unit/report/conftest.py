from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.core.completeness import Completeness, Duplicate, Missing
from paratest_split.core.model import Outcome, TestItem
from paratest_split.junit.merge import MergeResult, ReportInfo, ShardStats, SlowTest
from paratest_split.junit.writer import Totals


def _slow(
    name: str, seconds: float, shard: int, *, outcome: Outcome = Outcome.PASSED, flaky: bool = False
) -> SlowTest:
    return SlowTest(
        classname="tests.test_app",
        name=name,
        seconds=seconds,
        shard=shard,
        outcome=outcome,
        flaky=flaky,
    )


@pytest.fixture
def result() -> MergeResult:
    """A merge of 3 shards: shard 1 has a flaky test, shard 2 a failure and a missing test."""
    slow = (
        _slow("test_checkout_<flow>", 310.0, 2, outcome=Outcome.FAILED),
        _slow("test_import_big", 250.0, 0),
        _slow("test_flaky_login", 120.0, 1, flaky=True),
    )
    shards = (
        ShardStats(
            index=0,
            reports=1,
            tests=120,
            failed=0,
            skipped=2,
            flaky=0,
            missing=0,
            actual_seconds=598.0,
            wall_seconds=610.0,
            predicted_seconds=600.0,
            slowest=(slow[1],),
        ),
        ShardStats(
            index=1,
            reports=2,
            tests=131,
            failed=0,
            skipped=0,
            flaky=1,
            missing=0,
            actual_seconds=560.0,
            wall_seconds=None,
            predicted_seconds=598.0,
            slowest=(slow[2],),
        ),
        ShardStats(
            index=2,
            reports=1,
            tests=97,
            failed=1,
            skipped=0,
            flaky=0,
            missing=1,
            actual_seconds=705.5,
            wall_seconds=None,
            predicted_seconds=601.0,
            slowest=(slow[0],),
        ),
    )
    missing = Missing(
        item=TestItem(
            id="tests/test_app.py::test_gone", classname="tests.test_app", name="test_gone"
        ),
        shard=2,
        message="not run: shard 2 report has no result for it",
    )
    dup = Duplicate(test="tests/test_app.py::test_twice", planned_shard=0, shards=(0, 2))
    completeness = Completeness(
        planned=349,
        complete=348,
        missing=(missing,),
        duplicated=(dup,),
        unplanned=(("tests.test_new", "test_added"),),
    )
    return MergeResult(
        out=Path("junit.xml"),
        totals=Totals(tests=349, failures=1, errors=1, skipped=2, flaky=1, time=1863.5),
        reports=tuple(
            ReportInfo(
                path=Path(f"shard-{i}.xml"),
                order=i,
                shard=i,
                attempt=None,
                cases=100,
                seconds=600.0,
            )
            for i in range(3)
        ),
        shards=shards,
        completeness=completeness,
        warnings=(),
        folded=1,
        failed=("tests.test_app::test_checkout_<flow>",),
        flaky=("tests.test_app::test_flaky_login",),
        slowest=slow,
        predicted_makespan=601.0,
    )
