"""`paratest-split local`: plan, run every shard in its own workspace in parallel, merge, store.

One thread per worker drives the shard engine (`runner.shard.run_shard`) in-process: progress
comes straight from the engine's events, and cancellation is one `threading.Event` that every
engine watches (it stops its process group, runs the teardowns, writes a partial report).
SIGINT/SIGTERM only set that event, so nothing is torn down half-way by an exception.

Order: plan (and write it to `--out`), `setup` once, workers (each: create its workspace on
demand, run its units, remove the workspace), `teardown` once (always), merge the shard reports
into `OUTPUT/junit.xml` checked against the plan, store the merged report as timing history
(only when the tests ran: exit 0 or 1), so the next run is balanced with no flags.

Workers run the workspace hooks themselves (the engine's are switched off) in dynamic mode, once
per worker because a worker keeps its workspace across the units it runs, and with `script`
workspaces, whose hooks create the workspace and so run in the project directory.

Size (~600 lines): one session's flow (`_run_local`, `_worker`) and the small pieces only it
uses (hook values, exit-code precedence); the engine adapter (`units`), the schedule,
workspaces, progress display and lock are modules of their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paratest_split.config import Settings
from paratest_split.core.errors import ExitCode, ParatestError, UsageError, exit_word
from paratest_split.core.model import Plan
from paratest_split.core.placeholders import placeholder_values
from paratest_split.local import lock
from paratest_split.local import progress as pg
from paratest_split.local.schedule import (
    DYNAMIC,
    DynamicQueue,
    StaticSchedule,
    Unit,
    chunk_units,
    group_units,
    simulate,
    static_units,
    units_plan,
)
from paratest_split.local.units import UnitJob, UnitRecord, UnitRunner, engine_runner
from paratest_split.local.workspaces import Workspace, WorkspaceManager
from paratest_split.runner.process import stop_on_signals

MERGED_NAME = "junit.xml"
# A dynamic unit is one test run, one start-up: units are at least this many predicted seconds,
# 4 learned per-shard overheads, and 1/UNITS_PER_WORKER of a worker's share, so a worker runs
# a handful of units (start-ups), not one per test.
MIN_UNIT_SECONDS = 2.0
UNITS_PER_WORKER = 3


@dataclass(frozen=True, kw_only=True)
class WorkerRecord:
    index: int
    units: tuple[UnitRecord, ...]
    elapsed: float
    workspace: str = ""
    error: str = ""  # why this worker stopped early (workspace or hook failure)
    error_code: int = 0


@dataclass(frozen=True, kw_only=True)
class LocalResult:
    mode: str
    plan: Plan  # the plan that ran (dynamic: one shard per group)
    workers: tuple[WorkerRecord, ...]
    predicted: dict[int, float]  # worker -> predicted seconds
    wall_seconds: float
    exit_code: int
    interrupted: bool
    merge: Any = None  # junit.merge.MergeResult (None when nothing could be merged)
    merged: Path | None = None
    stored: Path | None = None
    messages: tuple[str, ...] = ()
    history_files: int = 0
    groups: int = 0  # groups (--group-by) of the plan: dynamic mode batches them into units
    kept: tuple[str, ...] = ()  # workspaces left in place (--keep-workspaces)

    @property
    def test_seconds(self) -> float:
        return float(self.merge.totals.time) if self.merge is not None else 0.0

    @property
    def speedup(self) -> float | None:
        if self.wall_seconds <= 0 or not self.test_seconds:
            return None
        return self.test_seconds / self.wall_seconds


# -- the session -------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _Shared:
    display: pg.Display
    stop: threading.Event
    records: dict[int, WorkerRecord] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _hook_values(
    settings: Settings,
    source: Path,
    output: Path,
    *,
    shard: int | None = None,
    workspace: object = None,
) -> dict[str, str]:
    """A worker's (or, without shard and workspace, the plan's) hook placeholders."""
    return placeholder_values(
        shards=str(settings.shards),  # as before: the setting as given
        workspace=source if workspace is None else workspace,
        source=source,
        output=output,
        shard=shard,
    )


def _run_once_hook(
    name: str,
    command: str,
    *,
    values: Mapping[str, str],
    cwd: Path,
    settings: Settings,
    env: Mapping[str, str],
    stop: threading.Event | None,
    display: pg.Display,
) -> str:
    """Run a hook; '' when it passed, else the one-line reason."""
    from paratest_split.runner.hooks import run_hook

    display.message(f"{name}: {command}")
    deadline = None
    if name.startswith("teardown") and settings.teardown_timeout:
        deadline = time.monotonic() + settings.teardown_timeout  # teardowns get their own limit
    result = run_hook(
        name,
        command,
        values=values,
        cwd=cwd,
        env=env,
        stop=stop,
        grace=settings.grace,
        deadline=deadline,
    )
    if result.ok:
        return ""
    tail = result.process.output.strip().splitlines()[-5:]
    reason = f"{result.describe()}: {result.command}"
    for line in tail:
        display.message(f"  {name}| {line}")
    display.message(reason)
    return reason


def _worker(
    index: int,
    schedule: StaticSchedule | DynamicQueue,
    *,
    plan: Plan,
    runner: UnitRunner,
    manager: WorkspaceManager,
    settings: Settings,
    env: Mapping[str, str],
    source: Path,
    output: Path,
    own_workspace_hooks: bool,
    shared: _Shared,
) -> None:
    started = time.monotonic()
    units: list[UnitRecord] = []
    workspace: Workspace | None = None
    error = ""
    error_code = 0
    teardown_due = False
    pending: Unit | None = None  # taken from the schedule, not yet handed to the engine
    emit = shared.display.event
    try:
        while not shared.stop.is_set():
            unit = pending = schedule.next_for(index)
            if unit is None:
                break
            if not unit.tests:
                continue
            if workspace is None:
                emit(pg.Event(worker=index, kind=pg.PHASE, detail="creating workspace"))
                workspace = manager.create(index)
                teardown_due = own_workspace_hooks
                if own_workspace_hooks and settings.setup_workspace:
                    emit(pg.Event(worker=index, kind=pg.PHASE, detail="setup_workspace"))
                    reason = _run_once_hook(
                        "setup_workspace",
                        settings.setup_workspace,
                        values=_hook_values(
                            settings,
                            source,
                            output,
                            shard=index,
                            workspace=workspace.path,
                        ),
                        cwd=_hook_cwd(workspace, source),
                        settings=settings,
                        env=env,
                        stop=shared.stop,
                        display=shared.display,
                    )
                    if reason:
                        error, error_code = reason, int(ExitCode.HOOK_FAILED)
                        break
                if not workspace.path.is_dir():
                    error = (
                        f"setup_workspace did not create {{workspace}} ({workspace.path}), "
                        "as --workspaces script expects"
                    )
                    error_code = int(ExitCode.HOOK_FAILED)
                    break
            emit(
                pg.Event(
                    worker=index,
                    kind=pg.UNIT_START,
                    detail=_unit_label(unit, schedule),
                    count=len(unit.tests),
                    seconds=unit.predicted_seconds,
                )
            )
            pending = None
            record = runner(
                UnitJob(
                    worker=index,
                    unit=unit,
                    plan=plan,
                    workspace=workspace,
                    source=source,
                    output=output,
                    settings=settings,
                    env=env,
                    on_event=emit,
                    stop=shared.stop,
                )
            )
            units.append(record)
            emit(pg.Event(worker=index, kind=pg.UNIT_END, detail=_verdict(record.exit_code)))
    except ParatestError as exc:
        error, error_code = str(exc), int(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - a bug in one worker must not hang the others
        error, error_code = f"{type(exc).__name__}: {exc}", int(ExitCode.INTERNAL_ERROR)
    finally:
        if pending is not None:  # dynamic: another worker may still run it
            schedule.give_back(pending)
        if teardown_due and workspace is not None and settings.teardown_workspace:
            emit(pg.Event(worker=index, kind=pg.PHASE, detail="teardown_workspace"))
            reason = _run_once_hook(
                "teardown_workspace",
                settings.teardown_workspace,
                values=_hook_values(
                    settings, source, output, shard=index, workspace=workspace.path
                ),
                cwd=_hook_cwd(workspace, source),
                settings=settings,
                env=env,
                stop=None,
                display=shared.display,
            )
            if reason and not error:
                error, error_code = reason, int(ExitCode.HOOK_FAILED)
        if workspace is not None:
            manager.remove(workspace)
        if error:
            shared.display.message(f"worker {index}: {error}")
        status = "interrupted" if shared.stop.is_set() else ("error" if error else "")
        if not (error or units):
            status = "idle"
        emit(pg.Event(worker=index, kind=pg.WORKER_END, detail=status))
        with shared.lock:
            shared.records[index] = WorkerRecord(
                index=index,
                units=tuple(units),
                elapsed=time.monotonic() - started,
                workspace=str(workspace.path) if workspace is not None else "",
                error=error,
                error_code=error_code,
            )


def _hook_cwd(workspace: Workspace, source: Path) -> Path:
    """Workspace hooks run in the workspace; with `script` workspaces (which the hooks create
    and may delete) in the project directory."""
    if workspace.kind == "script" or not workspace.path.is_dir():
        return source
    return workspace.path


def _unit_label(unit: Unit, schedule: StaticSchedule | DynamicQueue) -> str:
    return f"group {unit.key}" if schedule.mode == DYNAMIC else f"shard {unit.index}"


def _verdict(code: int) -> str:
    """A unit's end on the progress board: `errors.exit_word`, except that the board has always
    shown an internal error (3) as `exit 3` (kept: this layout change alters no output)."""
    return f"exit {code}" if code == ExitCode.INTERNAL_ERROR else exit_word(code)


# Which exit code wins when several parts disagree: interruption, then setup/teardown failures,
# internal errors, bad input, then failed tests.
_PRECEDENCE = (
    ExitCode.INTERRUPTED,
    ExitCode.HOOK_FAILED,
    ExitCode.INTERNAL_ERROR,
    ExitCode.PLUGIN_ERROR,
    ExitCode.BAD_INPUT,
    ExitCode.USAGE_ERROR,
    ExitCode.NO_TESTS,
    ExitCode.TESTS_FAILED,
)


def combine(codes: Sequence[int]) -> int:
    """The exit code of the whole run from those of its parts."""
    present = set(codes)
    for code in _PRECEDENCE:
        if int(code) in present:
            return int(code)
    others = sorted(c for c in present if c != 0)
    return others[0] if others else 0


def _outside(path: Path, root: Path) -> str | None:
    """`path` relative to `root` (POSIX) when inside it, else None."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _clear_reports(output: Path) -> None:
    """Old shard reports would be merged with this run's: remove them first."""
    if not output.is_dir():
        return
    for stale in sorted(output.glob("shard-*.xml")):
        stale.unlink(missing_ok=True)


def run_local(
    settings: Settings,
    env: Mapping[str, str],
    cwd: Path,
    *,
    display_factory: Callable[[pg.Board], pg.Display],
    runner: UnitRunner | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LocalResult:
    """The whole `local` command (see the module docstring). Raises ParatestError for planning
    problems (before anything ran); everything after is reported in the LocalResult. One run
    at a time per source tree (`lock.exclusive`): a second one is refused before it plans."""
    with lock.exclusive((cwd / settings.root).resolve()):
        return _run_local(
            settings, env, cwd, display_factory=display_factory, runner=runner, clock=clock
        )


def _run_local(
    settings: Settings,
    env: Mapping[str, str],
    cwd: Path,
    *,
    display_factory: Callable[[pg.Board], pg.Display],
    runner: UnitRunner | None,
    clock: Callable[[], float],
) -> LocalResult:
    from paratest_split import plan_inputs, store
    from paratest_split.junit.merge import merge_reports
    from paratest_split.manifest import write_plan

    if not isinstance(settings.shards, int):
        raise UsageError("local needs --shards N (a number: it is this machine's parallelism)")
    workers_wanted = settings.shards
    source = (cwd / settings.root).resolve()
    output = (cwd / settings.output).resolve()
    report = plan_inputs.make_plan(settings, env, cwd)
    plan = report.plan
    dynamic = settings.dynamic
    if dynamic:
        estimates = {test: e.seconds + 0.0 for test, e in report.estimates.items()}
        groups = group_units(plan, estimates)
        share = sum(g.predicted_seconds for g in groups) / workers_wanted
        smallest = max(MIN_UNIT_SECONDS, 4 * report.overheads.per_shard, share / UNITS_PER_WORKER)
        units = chunk_units(groups, workers_wanted, smallest)
        run_plan = units_plan(plan, units)
        schedule: StaticSchedule | DynamicQueue = DynamicQueue(units, workers_wanted)
        assigned, _ = simulate(units, max(schedule.workers, 1))
        by_index = {u.index: u for u in units}
        predicted = {
            w: sum(by_index[i].predicted_seconds for i in idx) for w, idx in enumerate(assigned)
        }
    else:
        groups = []
        units = static_units(plan)
        run_plan = plan
        schedule = StaticSchedule(units)
        predicted = {u.index: u.predicted_seconds for u in units}
    workers = schedule.workers if dynamic else len(units)
    write_plan(run_plan, (cwd / settings.out).resolve())
    output.mkdir(parents=True, exist_ok=True)
    _clear_reports(output)

    board = pg.Board(workers=max(workers, 1), clock=clock)
    if not dynamic:
        for unit in units:
            board.plan(unit.index, tests=len(unit.tests), predicted=unit.predicted_seconds)
    display = display_factory(board)
    stop = threading.Event()
    shared = _Shared(display=display, stop=stop)
    skip = tuple(
        rel
        for rel in (
            _outside(output, source),
            _outside(cwd / settings.out, source),
            _outside(cwd / settings.history_dir, source),
        )
        if rel
    )
    manager = WorkspaceManager(
        source=source, kind=settings.workspaces, keep=settings.keep_workspaces, skip=skip
    )
    # Workspace hooks: the engine runs them around each shard, except where a worker must run
    # them itself: dynamic (once per worker, not per group) and script (they create the
    # workspace, so they cannot run inside it).
    own_hooks = dynamic or settings.workspaces == "script"
    if runner is None:
        from paratest_split import plugins

        runner = engine_runner(
            plugins.load_discoverer(settings.discover),
            workspace_hooks=not own_hooks,
            dynamic=dynamic,
        )

    def plan_hook(name: str, command: str, cancel: threading.Event | None) -> str:
        """The once-per-plan `setup`/`teardown`, in the project directory."""
        return _run_once_hook(
            name,
            command,
            values=_hook_values(settings, source, output),
            cwd=source,
            settings=settings,
            env=env,
            stop=cancel,
            display=display,
        )

    messages: list[str] = []
    codes: list[int] = []
    setup_failed = ""
    started = clock()
    display.start()
    try:
        with stop_on_signals(stop):
            display.message(_plan_line(run_plan, report, dynamic, workers, len(groups)))
            if settings.setup:
                setup_failed = plan_hook("setup", settings.setup, stop)
            if setup_failed:
                messages.append(setup_failed)
                codes.append(int(ExitCode.HOOK_FAILED))
            else:
                threads = [
                    threading.Thread(
                        target=_worker,
                        name=f"paratest-worker-{i}",
                        args=(i, schedule),
                        kwargs={
                            "plan": run_plan,
                            "runner": runner,
                            "manager": manager,
                            "settings": settings,
                            "env": env,
                            "source": source,
                            "output": output,
                            "own_workspace_hooks": own_hooks,
                            "shared": shared,
                        },
                        daemon=True,
                    )
                    for i in range(workers)
                ]
                for thread in threads:
                    thread.start()
                said = False
                for thread in threads:
                    while thread.is_alive():
                        thread.join(0.1)
                        if stop.is_set() and not said:
                            said = True
                            display.message(
                                "interrupted: stopping every shard, running the "
                                "teardowns, removing the workspaces..."
                            )
            if settings.teardown:
                failed = plan_hook("teardown", settings.teardown, None)
                if failed:
                    messages.append(failed)
                    codes.append(int(ExitCode.HOOK_FAILED))
    finally:
        manager.cleanup()
        display.stop()
    wall = clock() - started
    interrupted = stop.is_set()
    records = tuple(shared.records[i] for i in sorted(shared.records))
    for record in records:
        codes.extend(u.exit_code for u in record.units)
        if record.error:
            codes.append(record.error_code)
            messages.append(f"worker {record.index}: {record.error}")
    reports = [u.report for r in records for u in r.units if u.report is not None]
    merged_path = output / MERGED_NAME
    merge = None
    stored = None
    if not setup_failed or reports:
        try:
            merge = merge_reports(
                reports,
                merged_path,
                plan=run_plan,
                root=cwd,
                fail_on_flaky=settings.fail_on_flaky,
            )
            codes.append(int(merge.exit_code))
        except ParatestError as exc:
            messages.append(f"merge: {exc}")
            codes.append(int(exc.exit_code))
    if interrupted:
        codes.append(int(ExitCode.INTERRUPTED))
    exit_code = combine(codes)
    # Timings are worth keeping only when the tests ran: not after an interruption, a hook
    # failure or a crash (their not-run tests carry 0 s and would skew the next plan).
    if merge is not None and exit_code in (ExitCode.OK, ExitCode.TESTS_FAILED):
        stored = store.store_report(merged_path, (cwd / settings.history_dir), settings.keep)
    return LocalResult(
        mode=schedule.mode,
        plan=run_plan,
        workers=records,
        predicted=predicted,
        wall_seconds=wall,
        exit_code=exit_code,
        interrupted=interrupted,
        merge=merge,
        merged=merged_path if merge is not None else None,
        stored=stored,
        messages=tuple(messages),
        history_files=report.history_files,
        groups=len(groups),
        kept=tuple(r.workspace for r in records if r.workspace)
        if settings.keep_workspaces and settings.workspaces != "none"
        else (),
    )


def _plan_line(plan: Plan, report: Any, dynamic: bool, workers: int, groups: int) -> str:
    tests = sum(len(s.tests) for s in plan.shards_detail)
    if report.history_files:
        known = report.counts.get("exact", 0)
        basis = f"timings of {known}/{tests} tests from {report.history_files} report(s)"
    else:
        basis = "no timing history yet: equal-count split (the next run uses this run's times)"
    if dynamic:
        return (
            f"dynamic: {tests} tests, {groups} groups batched into {plan.shards} units for "
            f"{workers} workers, longest first; {basis}"
        )
    return (
        f"static: {tests} tests in {plan.shards} shards, predicted "
        f"{plan.predicted_makespan_seconds:.1f} s each at most; {basis}"
    )
