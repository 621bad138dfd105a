"""`paratest-split split` (the default command): discover, estimate, partition, write the plan."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paratest_split.commands import Context, existing_dir
from paratest_split.core.errors import ExitCode, UsageError
from paratest_split.manifest import write_plan
from paratest_split.plan_inputs import PlanReport, make_plan

HELP = "discover tests, estimate durations from JUnit history, write an N-shard plan"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Writes DIR/plan.json and DIR/shard-<i>.txt (--out, default paratest-plan). With --index I "
        "prints only shard I's test ids, one a line. The plan depends only on the tests, the "
        "history and the options: every executor computes the same one."
    )


def handle(ctx: Context) -> int:
    settings = ctx.settings
    existing_dir(ctx.path(settings.root), "--root", settings.root)
    report = make_plan(settings, ctx.env, ctx.cwd, lean=True)
    for warning in report.warnings:
        ctx.warn(warning)
    out = ctx.path(settings.out)
    write_plan(report.plan, out, report.stored)
    if settings.index is not None:
        from paratest_split import ci

        index = ci.resolve_index(settings.index, ctx.env)
        if index >= report.plan.shards:
            raise UsageError(
                f"--index {index}: the plan has {report.plan.shards} shards (0-based indexes "
                f"0..{report.plan.shards - 1})"
            )
        for test in report.plan.shard(index).tests:
            print(test, file=ctx.stdout)
        return int(ExitCode.OK)
    if settings.format == "json":
        print(json.dumps(summary_json(report, out), indent=2, sort_keys=True), file=ctx.stdout)
    else:
        print(summary_text(report, out), file=ctx.stdout)
    return int(ExitCode.OK)


def _ratio(report: PlanReport) -> float:
    bound = report.plan.lower_bound_seconds
    return report.plan.predicted_makespan_seconds / bound if bound > 0 else 1.0


def _overhead(report: PlanReport) -> dict[str, object]:
    costs = report.costs
    if costs is None:
        return {
            "per_test_overhead_seconds": report.overheads.per_test,
            "per_shard_overhead_seconds": report.overheads.per_shard,
        }
    return {
        "per_test_overhead_seconds": costs.per_test,
        "per_shard_overhead_seconds": costs.startup,
        "module_costs_learned": costs.learned,
        "module_costs_seconds": round(
            sum(s for _, s in costs.modules) if costs.modules else costs.default_module, 3
        ),
        "overhead_source": costs.how,
    }


def summary_json(report: PlanReport, out: Path) -> dict[str, object]:
    plan = report.plan
    bounds = report.bounds
    return {
        "plan": str(out),
        "shards": [
            {
                "index": s.index,
                "tests": len(s.tests),
                "predicted_seconds": round(s.predicted_seconds, 3),
            }
            for s in plan.shards_detail
        ],
        "predicted_makespan_seconds": round(plan.predicted_makespan_seconds, 3),
        "lower_bound_seconds": round(plan.lower_bound_seconds, 3),
        "grouped_lower_bound_seconds": round(bounds.grouped, 3),
        "test_lower_bound_seconds": round(bounds.test_level, 3),
        "floor_seconds": round(bounds.floor, 3),
        "ratio_to_bound": round(_ratio(report), 4),
        "estimates": dict(report.counts),
        "history_files": report.history_files,
        **_overhead(report),
        "inputs_digest": plan.inputs_digest,
    }


def _overhead_line(report: PlanReport) -> str:
    costs = report.costs
    if costs is None:
        learned = report.overheads.learned_from
        how = (
            f"learned from {learned} suite(s)"
            if learned
            else "none learned: no suite time in the history (give --shard-overhead)"
        )
        return (
            f"overhead: {report.overheads.per_test * 1000:.2f} ms per test, "
            f"{report.overheads.per_shard:.1f} s per shard ({how})"
        )
    if costs.modules:
        collection = f"{sum(s for _, s in costs.modules):.1f} s over {len(costs.modules)} files"
    else:
        collection = f"{costs.default_module:.3f} s per file"
    per_test = f"{costs.per_test * 1000:.2f} ms per test"
    if costs.test_overheads:
        per_test += f" (measured per file for {len(costs.test_overheads)} files)"
    return (
        f"overhead: start-up {costs.startup:.1f} s per shard, collection {collection}, "
        f"{per_test} ({costs.how})"
    )


def summary_text(report: PlanReport, out: Path) -> str:
    plan = report.plan
    bounds = report.bounds
    total = sum(len(s.tests) for s in plan.shards_detail)
    counts = report.counts
    estimated = counts.get("siblings", 0) + counts.get("dir", 0) + counts.get("median", 0)
    tests = f"{total} test" + ("" if total == 1 else "s")
    shards = f"{plan.shards} shard" + ("" if plan.shards == 1 else "s")
    lines = [
        (
            f"{tests} in {shards} (group by {plan.group_by.value}, {plan.algorithm})"
            f" -> {out}/plan.json"
        ),
        (
            f"history: {report.history_files} report file(s), {report.known_cases} known cases; "
            f"estimates: {counts.get('exact', 0)} matched, {estimated} estimated from similar "
            f"tests, {counts.get('default', 0)} with no history (1 s each)"
        ),
        _overhead_line(report),
        "",
        f"{'shard':>5}  {'tests':>7}  {'predicted':>10}",
    ]
    lines.extend(
        f"{shard.index:>5}  {len(shard.tests):>7}  {shard.predicted_seconds:>9.1f}s"
        for shard in plan.shards_detail
    )
    lines.append("")
    lines.append(
        f"longest shard {plan.predicted_makespan_seconds:.1f}s, lower bound "
        f"{plan.lower_bound_seconds:.1f}s (ratio {_ratio(report):.3f})"
    )
    grouping = "pieces" if plan.group_by.value == "auto" else f"{plan.group_by.value} groups"
    floor = bounds.floor
    lines.append(
        f"lower bounds: {bounds.grouped:.1f}s with these {grouping}, {bounds.test_level:.1f}s "
        f"test by test; physical floor {floor:.1f}s (start-up {bounds.startup:.1f}s + "
        f"{bounds.total:.1f}s / {plan.shards}), predicted "
        f"{plan.predicted_makespan_seconds / floor if floor > 0 else 1.0:.3f} x floor"
    )
    return "\n".join(lines)
