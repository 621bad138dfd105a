"""Summaries of a merge: a text table (stdout), JSON (`--format json`) and Markdown
(`--summary-md`, for a GitHub step summary or a GitLab merge-request note). Pure: strings in,
strings out."""

from __future__ import annotations

import json
from typing import Any

from paratest_split.junit.merge import MergeResult, ShardStats

SHOWN = 20  # names listed per category in text/markdown (JSON has up to merge.LIST_LIMIT)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _where(shard: int | None) -> str:
    return "?" if shard is None else str(shard)


def _shard_name(row: ShardStats) -> str:
    return "?" if row.index is None else str(row.index)


def status_line(result: MergeResult) -> str:
    t = result.totals
    passed = t.tests - t.failures - t.errors - t.skipped
    missing = result.missing
    verdict = "FAILED" if result.exit_code else "PASSED"
    parts = [
        f"{t.tests} tests",
        f"{passed} passed",
        f"{t.failures + t.errors - missing} failed",
        f"{t.skipped} skipped",
        f"{t.flaky} flaky",
    ]
    if result.completeness is not None:
        parts.append(f"{missing} missing")
        parts.append(f"{result.duplicated} in two shards")
    if result.unreported:
        parts.append(
            f"{len(result.unreported)} shard{'s' if len(result.unreported) != 1 else ''}"
            " without a report"
        )
    return f"{verdict}: " + ", ".join(parts)


def _table_rows(result: MergeResult) -> list[list[str]]:
    return [
        [
            _shard_name(row),
            str(row.tests),
            _s(row.predicted_seconds),
            _s(row.seconds),
            str(row.failed),
            str(row.flaky),
            str(row.missing),
        ]
        for row in result.shards
    ]


HEADERS = ["shard", "tests", "predicted s", "actual s", "failed", "flaky", "missing"]


def _recorded_shard_lines(result: MergeResult) -> list[str]:
    """Without a plan: what the reports' own `paratest.shards` let us check."""
    if not result.recorded_plans:
        return ["completeness: not checked (no --plan given)"]
    if not result.unreported:
        return [
            (
                "completeness: tests not checked (no --plan given); every shard the reports "
                "record has a report"
            )
        ]
    count = len(result.unreported)
    lines = [
        (
            f"completeness: tests not checked (no --plan given); {count} shard"
            f"{'s' if count != 1 else ''} recorded by the reports (paratest.shards) "
            f"{'have' if count != 1 else 'has'} no report: their tests are lost"
        )
    ]
    lines.extend(
        f"  no report: shard {u.index} of {u.shards}"
        + (f" (plan {u.digest[:19]}...)" if u.digest else "")
        for u in result.unreported[:SHOWN]
    )
    if len(result.unreported) > SHOWN:
        lines.append(f"  ... and {len(result.unreported) - SHOWN} more shards without a report")
    return lines


def completeness_lines(result: MergeResult) -> list[str]:
    c = result.completeness
    if c is None:
        return _recorded_shard_lines(result)
    lines = [
        (
            f"completeness: {c.complete} of {c.planned} planned tests have results; "
            f"{len(c.missing)} missing, {len(c.duplicated)} ran in more than one shard, "
            f"{len(c.unplanned)} results not in the plan (kept)"
        )
    ]
    lines.extend(
        f"  missing: {miss.item.id} (shard {miss.shard}): {miss.message}"
        for miss in c.missing[:SHOWN]
    )
    if len(c.missing) > SHOWN:
        lines.append(f"  ... and {len(c.missing) - SHOWN} more missing")
    for dup in c.duplicated[:SHOWN]:
        shards = ", ".join(str(s) for s in dup.shards)
        lines.append(
            f"  in shards {shards}: {dup.test} (planned in {dup.planned_shard}; counted once)"
        )
    if len(c.duplicated) > SHOWN:
        lines.append(f"  ... and {len(c.duplicated) - SHOWN} more in two shards")
    for classname, name in c.unplanned[:SHOWN]:
        lines.append(
            f"  not in the plan: {classname}::{name}" if classname else f"  not in the plan: {name}"
        )
    if len(c.unplanned) > SHOWN:
        lines.append(f"  ... and {len(c.unplanned) - SHOWN} more not in the plan")
    return lines


def render_text(result: MergeResult) -> str:
    rows = _table_rows(result)
    t = result.totals
    total_predicted = result.predicted_makespan
    slowest_shard = max((r.seconds for r in result.shards), default=0.0)
    footer = [
        "max",
        str(t.tests),
        _s(total_predicted),
        _s(slowest_shard),
        str(sum(r.failed for r in result.shards)),
        str(t.flaky),
        str(result.missing) if result.completeness is not None else "-",
    ]
    widths = [max(len(r[i]) for r in [HEADERS, *rows, footer]) for i in range(len(HEADERS))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [status_line(result), "", line(HEADERS), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    out.append(line(footer))
    out.append("")
    out.append(
        f"merged {len(result.reports)} report{'s' if len(result.reports) != 1 else ''} into "
        f"{result.out}; {result.folded} test{'s' if result.folded != 1 else ''} had results in "
        "more than one place (attempts folded into one testcase)"
    )
    out.extend(completeness_lines(result))
    if result.flaky:
        out.append(f"flaky (passed on a later attempt): {t.flaky}")
        out.extend(f"  {name}" for name in result.flaky[:SHOWN])
    if result.failed:
        out.append(f"failed: {t.failures + t.errors - result.missing}")
        out.extend(f"  {name}" for name in result.failed[:SHOWN])
    if result.slowest:
        out.append("slowest tests:")
        out.extend(
            f"  {test.seconds:8.2f} s  shard {_where(test.shard)}  {test.label}"
            for test in result.slowest
        )
    return "\n".join(out) + "\n"


def to_json(result: MergeResult) -> dict[str, Any]:
    t = result.totals
    c = result.completeness
    data: dict[str, Any] = {
        "version": 1,
        "out": str(result.out),
        "exit_code": int(result.exit_code),
        "totals": {
            "tests": t.tests,
            "failures": t.failures,
            "errors": t.errors,
            "skipped": t.skipped,
            "flaky": t.flaky,
            "time": round(t.time, 3),
        },
        "folded": result.folded,
        "reports": [
            {
                "path": str(r.path),
                "shard": r.shard,
                "attempt": r.attempt,
                "cases": r.cases,
                "seconds": round(r.seconds, 3),
            }
            for r in result.reports
        ],
        "skipped_reports": list(result.skipped_reports),
        "shards": [
            {
                "index": row.index,
                "reports": row.reports,
                "tests": row.tests,
                "predicted_seconds": row.predicted_seconds,
                "actual_seconds": round(row.seconds, 3),
                "failed": row.failed,
                "skipped": row.skipped,
                "flaky": row.flaky,
                "missing": row.missing,
                "slowest": [{"test": s.label, "seconds": s.seconds} for s in row.slowest],
            }
            for row in result.shards
        ],
        "failed": list(result.failed),
        "flaky": list(result.flaky),
        "slowest": [
            {"test": s.label, "seconds": s.seconds, "shard": s.shard, "outcome": s.outcome.value}
            for s in result.slowest
        ],
        "warnings": [str(w) for w in result.warnings],
        "completeness": None,
        "unreported_shards": [
            {"shard": u.index, "shards": u.shards, "plan_digest": u.digest}
            for u in result.unreported
        ],
    }
    if c is not None:
        data["completeness"] = {
            "planned": c.planned,
            "complete": c.complete,
            "missing": [
                {"test": m.item.id, "shard": m.shard, "message": m.message} for m in c.missing
            ],
            "duplicated": [
                {"test": d.test, "planned_shard": d.planned_shard, "shards": list(d.shards)}
                for d in c.duplicated
            ],
            "unplanned": [{"classname": cn, "name": n} for cn, n in c.unplanned],
        }
    return data


def render_json(result: MergeResult) -> str:
    return json.dumps(to_json(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def render_markdown(result: MergeResult) -> str:
    ok = result.exit_code == 0
    icon = ":white_check_mark:" if ok else ":x:"
    out = [f"### {icon} paratest-split merge: {status_line(result)}", ""]
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("| --- | " + " | ".join("---:" for _ in HEADERS[1:]) + " |")
    out.extend("| " + " | ".join(r) + " |" for r in _table_rows(result))
    out.append("")
    out.extend(
        f"- {_md_cell(line.strip())}" if line.startswith("  ") else _md_cell(line)
        for line in completeness_lines(result)
    )
    out.append("")
    sections = (
        ("Flaky tests (passed on a later attempt)", result.flaky),
        ("Failed tests", result.failed),
    )
    for title, names in sections:
        if names:
            out.append(f"<details><summary>{title}: {len(names)}</summary>\n")
            out.extend(f"- `{_md_cell(n)}`" for n in names[:SHOWN])
            if len(names) > SHOWN:
                out.append(f"- ... and {len(names) - SHOWN} more")
            out.append("\n</details>\n")
    if result.slowest:
        out.append("**Slowest tests**\n")
        out.append("| seconds | shard | test |")
        out.append("| ---: | ---: | --- |")
        out.extend(
            f"| {s.seconds:.2f} | {'?' if s.shard is None else s.shard} | `{_md_cell(s.label)}` |"
            for s in result.slowest
        )
        out.append("")
    return "\n".join(out) + "\n"
