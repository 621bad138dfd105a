"""What a `local` worker hands the shard engine and gets back: a unit of tests (`UnitJob`),
its record (`UnitRecord`), and `engine_runner`, which runs a unit through
`runner.shard.run_shard` in-process and turns the engine's events into progress events."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paratest_split.config import Settings
from paratest_split.core.model import Plan
from paratest_split.local import progress as pg
from paratest_split.local.schedule import Unit
from paratest_split.local.workspaces import Workspace


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitJob:
    """One unit for the engine: what to run, where, and how to report and stop."""

    worker: int
    unit: Unit
    plan: Plan  # the plan whose shard `unit.index` is this unit
    workspace: Workspace
    source: Path
    output: Path
    settings: Settings
    env: Mapping[str, str]
    on_event: Callable[[pg.Event], None]
    stop: threading.Event


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitRecord:
    worker: int
    unit: Unit
    exit_code: int
    message: str
    elapsed: float
    report: Path | None  # the unit's report, when one was written
    failed: int = 0
    flaky: int = 0


UnitRunner = Callable[[UnitJob], UnitRecord]


# -- the engine adapter ----------------------------------------------------------------------


def engine_runner(discoverer: Any, *, workspace_hooks: bool, dynamic: bool) -> UnitRunner:
    """Run units through `runner.shard.run_shard`; `workspace_hooks=False` switches the
    engine's setup_workspace/teardown_workspace off (the worker runs them); `dynamic`: units
    are parts of a worker's work, so `unit_retry_fraction` applies."""
    from paratest_split.runner import events as ev
    from paratest_split.runner.shard import ShardRun, run_shard

    def run(job: UnitJob) -> UnitRecord:
        settings = job.settings
        if not workspace_hooks:
            settings = settings.replace(setup_workspace=None, teardown_workspace=None)
        if dynamic:
            settings = settings.replace(
                max_retry_fraction=unit_retry_fraction(
                    settings.max_retry_fraction, len(job.unit.tests)
                )
            )
        shard_run = ShardRun(
            plan=job.plan,
            index=job.unit.index,
            settings=settings,
            workspace=job.workspace.path,
            source=job.source,
            output=job.output,
            env=job.env,
            discoverer=discoverer,
            plan_hooks=False,
        )

        def on_event(event: ev.Event) -> None:
            translated = translate(job.worker, event)
            if translated is not None:
                job.on_event(translated)

        started = time.monotonic()
        outcome = run_shard(shard_run, on_event=on_event, stop=job.stop)
        return UnitRecord(
            worker=job.worker,
            unit=job.unit,
            exit_code=int(outcome.exit_code),
            message=outcome.message,
            elapsed=time.monotonic() - started,
            report=outcome.report if outcome.report.exists() else None,
            failed=outcome.failed,
            flaky=outcome.flaky,
        )

    return run


def unit_retry_fraction(fraction: float, tests: int) -> float:
    """`--max-retry-fraction` for a dynamic unit: the fraction is meant for a whole shard; in a
    unit so small that one failure exceeds it, one failure is still retried."""
    if tests <= 0:
        return fraction
    return max(fraction, 1.0 / tests)


_QUIET_HOOKS = ("setup_test", "teardown_test")


def translate(worker: int, event: object) -> pg.Event | None:
    """An engine event as a progress event of `worker` (None: not worth showing)."""
    from paratest_split.runner import events as ev

    if isinstance(event, ev.HookStarted) and event.hook not in _QUIET_HOOKS:
        return pg.Event(worker=worker, kind=pg.PHASE, detail=event.hook)
    if isinstance(event, ev.HookFinished) and not event.ok:
        code = "killed" if event.exit_code is None else f"exit {event.exit_code}"
        return pg.Event(worker=worker, kind=pg.PHASE, detail=f"{event.hook} failed ({code})")
    if isinstance(event, ev.AttemptStarted):
        if event.attempt == 1:
            return pg.Event(worker=worker, kind=pg.PHASE, detail="running")
        count = len(event.tests)
        return pg.Event(
            worker=worker,
            kind=pg.PHASE,
            detail=f"retry {event.attempt - 1}: {count} test{'s' if count != 1 else ''}",
        )
    if isinstance(event, ev.TestFinished):
        outcome = event.outcome.value if event.outcome is not None else "done"
        return pg.Event(worker=worker, kind=pg.TEST, detail=outcome, test=event.test)
    if isinstance(event, ev.Message) and event.warning:
        return pg.Event(worker=worker, kind=pg.PHASE, detail=f"warning: {event.text}")
    return None
