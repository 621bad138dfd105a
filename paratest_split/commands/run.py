"""`paratest-split run`: one shard of a plan, with its hooks and retries, on this executor.

    paratest-split run --plan DIR --index I|auto [--retries K] [--output OUT] [-- COMMAND ...]

Writes OUT/shard-<I>.xml. SIGTERM/SIGINT stop the running tests (SIGTERM to their process
group, SIGKILL after --grace seconds), run the teardowns, write the partial report, exit 2.

The once-per-plan `setup`/`teardown` hooks do not run here: every CI executor runs `run`, and
shard 0's teardown must not drop a resource the others still use. They belong to the plan or
merge job; `--plan-hooks` runs them here too (one executor, no other shard).
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from paratest_split import ci
from paratest_split.commands import (
    Context,
    add_user_command,
    existing_dir,
    with_user_command,
    writable_dir,
)
from paratest_split.manifest import PLAN_FILE, read_plan
from paratest_split.plugins import load_discoverer
from paratest_split.runner import events as ev
from paratest_split.runner.process import stop_on_signals
from paratest_split.runner.shard import ShardRun, check_index, run_shard

HELP = "run one shard of a plan: setup hooks, its tests with retries, teardown hooks, a report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_user_command(parser)


class _Printer:
    """Events to the terminal: hook and engine lines on stderr, the runner's output on stdout."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, event: ev.Event) -> None:
        out, err = self.ctx.stdout, self.ctx.stderr
        if isinstance(event, ev.Output):
            if event.source == "tests":
                print(event.line, file=out, flush=True)
            else:
                print(event.prefixed, file=err, flush=True)
        elif isinstance(event, ev.HookStarted):
            target = f" for {event.test}" if event.test else ""
            print(
                f"[shard {event.shard}] {event.hook}{target}: {event.command}", file=err, flush=True
            )
        elif isinstance(event, ev.AttemptStarted) and event.attempt > 1:
            failed = len(event.tests) - event.not_run
            parts = [f"{failed} failed test{'s' if failed != 1 else ''}"] if failed else []
            if event.not_run:
                parts.append(f"{event.not_run} not reached after a crash")
            print(
                f"[shard {event.shard}] attempt {event.attempt}: re-running {' and '.join(parts)}",
                file=err,
                flush=True,
            )
        elif isinstance(event, ev.Message):
            kind = "warning: " if event.warning else ""
            print(f"[shard {event.shard}] {kind}{event.text}", file=err, flush=True)


def handle(ctx: Context) -> int:
    settings = ctx.settings
    plan_dir = ctx.path(settings.plan)
    index = ci.resolve_index(settings.index, ctx.env)
    plan = read_plan(plan_dir, items_of=index)  # this executor needs only its shard's items
    if settings.index == "auto":
        info = ci.detect(ctx.env)
        if info is not None and info.total is not None and info.total != plan.shards:
            ctx.warn(
                f"{info.ci.value} runs {info.total} executors but the plan has "
                f"{plan.shards} shards: some tests will not run or some executors idle"
            )
    check_index(plan, index, plan_dir / PLAN_FILE if plan_dir.is_dir() else plan_dir)
    settings = with_user_command(ctx)
    root = existing_dir(ctx.path(settings.root).resolve(), "--root", settings.root)
    output = writable_dir(ctx.path(settings.output), "--output", settings.output)
    if (settings.setup or settings.teardown) and not settings.plan_hooks:
        ctx.warn(
            "setup/teardown run once per plan: in the plan/merge job or with --plan-hooks; "
            "not run here (this executor runs setup_workspace/teardown_workspace)"
        )
    shard_run = ShardRun(
        plan=plan,
        index=index,
        settings=settings,
        workspace=root,
        source=root,
        output=output,
        env=ctx.env,
        discoverer=load_discoverer(plan.discover),
        plan_hooks=settings.plan_hooks,
    )
    status = ctx.env.get("TEST_SHARD_STATUS_FILE")
    if status:  # Bazel: we honour TEST_SHARD_INDEX (say so first: a crash must not hide it)
        with contextlib.suppress(OSError):
            Path(status).touch()
    stop = threading.Event()
    with stop_on_signals(stop):
        outcome = run_shard(shard_run, on_event=_Printer(ctx), stop=stop)
    ctx.info(f"paratest-split: {outcome.message}; report: {outcome.report}")
    return int(outcome.exit_code)
