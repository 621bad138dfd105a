"""`merge --html FILE`: one self-contained page (inline CSS and SVG; no script, no network
resource) with a timeline of the shards: one bar per shard, its length the time the shard took,
a dashed outline for what the plan predicted, its slowest tests as named segments, and badges for
failed, flaky and missing tests. Below: the slowest tests and the tests needing attention.
Pure: a MergeResult in, a string out. Hover texts use SVG `<title>` (works without script).
"""

from __future__ import annotations

import math
from html import escape

from paratest_split.junit.merge import MergeResult, ShardStats, SlowTest
from paratest_split.report.summary import completeness_lines, status_line

ROW_HEIGHT = 46
BAR_HEIGHT = 26
LABEL_WIDTH = 250
RIGHT_WIDTH = 200
CHART_WIDTH = 1280
SHOWN = 15

CSS = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; padding: 28px 36px; background: #0b1120; color: #e2e8f0;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
header { display: flex; align-items: center; gap: 18px; margin-bottom: 20px; }
h1 { font-size: 26px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 16px; margin: 0 0 10px; color: #94a3b8; font-weight: 600;
  text-transform: uppercase; letter-spacing: 0.06em; }
.pill { padding: 5px 14px; border-radius: 999px; font-weight: 700; font-size: 14px;
  letter-spacing: 0.05em; }
.pill.ok { background: #14532d; color: #86efac; }
.pill.bad { background: #7f1d1d; color: #fecaca; }
.sub { color: #94a3b8; margin-left: auto; font-size: 13px; text-align: right; }
.cards { display: grid; grid-template-columns: repeat(8, minmax(0, 1fr)); gap: 12px;
  margin-bottom: 22px; }
.card { background: #111a2e; border: 1px solid #1e293b; border-radius: 12px; padding: 12px 14px; }
.card .v { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .k { color: #94a3b8; font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; }
.card .s { color: #64748b; font-size: 12px; margin-top: 2px; }
.card.bad .v { color: #f87171; } .card.warn .v { color: #fbbf24; }
.card.miss .v { color: #c4b5fd; } .card.good .v { color: #4ade80; }
section { background: #111a2e; border: 1px solid #1e293b; border-radius: 12px;
  padding: 16px 18px; margin-bottom: 18px; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; }
.legend { display: flex; gap: 18px; color: #94a3b8; font-size: 13px; margin-top: 8px;
  flex-wrap: wrap; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px;
  margin-right: 6px; vertical-align: middle; }
.cols { display: grid; grid-template-columns: 1.3fr 1fr; gap: 18px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
td, th { padding: 5px 8px; border-bottom: 1px solid #1e293b; text-align: left;
  vertical-align: top; }
th { color: #94a3b8; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { word-break: break-all; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
  monospace; font-size: 12.5px; }
ul { margin: 0; padding-left: 18px; } li { margin: 2px 0; word-break: break-all;
  font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
.tag { display: inline-block; font-size: 11px; font-weight: 700; padding: 1px 7px;
  border-radius: 6px; margin-right: 6px; font-family: system-ui, sans-serif; }
.tag.f { background: #7f1d1d; color: #fecaca; } .tag.k { background: #78350f; color: #fde68a; }
.tag.m { background: #4c1d95; color: #ddd6fe; }
.muted { color: #64748b; }
footer { color: #64748b; font-size: 12.5px; margin-top: 6px; }
footer p { margin: 2px 0; }
"""

GREEN, RED, AMBER, VIOLET = "#22c55e", "#ef4444", "#f59e0b", "#a78bfa"
SEGMENT_SHADES = ("#0f5132", "#13653e", "#187a4b")


def duration(seconds: float) -> str:
    """`42.3 s`, `12m 05s`, `1h 02m`."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes}m {rest:02d}s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h {rest // 60:02d}m"


_CLOCK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)


def nice_step(span: float, target_ticks: int = 8) -> float:
    """A tick step giving at most about `target_ticks` ticks over `span` seconds: 1/2/5 x 10^k
    below a second, clock steps (5 s, 30 s, 2 min, 15 min, 1 h...) above."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    if raw < 1:
        magnitude = 10 ** math.floor(math.log10(raw))
        for factor in (1, 2, 5, 10):
            if raw <= factor * magnitude:
                return float(factor * magnitude)
    for step in _CLOCK_STEPS:
        if raw <= step:
            return float(step)
    return float(math.ceil(raw / 3600) * 3600)


def _bar_colour(row: ShardStats) -> str:
    if row.failed or row.missing:
        return RED
    if row.flaky:
        return AMBER
    return GREEN


def _shard_label(row: ShardStats) -> str:
    return "unknown shard" if row.index is None else f"shard {row.index}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1) :]


def _test_tip(test: SlowTest) -> str:
    note = (
        " (flaky)" if test.flaky else "" if not test.outcome.is_bad else f" ({test.outcome.value})"
    )
    return f"{test.label}: {duration(test.seconds)}{note}"


def timeline_svg(result: MergeResult) -> str:
    rows = result.shards
    longest = max([r.seconds for r in rows] + [r.predicted_seconds or 0.0 for r in rows] + [0.001])
    step = nice_step(longest)
    axis_max = math.ceil(longest * 1.02 / step) * step
    plot_width = CHART_WIDTH - LABEL_WIDTH - RIGHT_WIDTH
    top = 8
    height = top + ROW_HEIGHT * max(len(rows), 1) + 34

    def x(seconds: float) -> float:
        return LABEL_WIDTH + plot_width * (seconds / axis_max)

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
            f'role="img" aria-label="Timeline of {len(rows)} shards">'
        ),
        (
            '<defs><pattern id="miss" width="8" height="8" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="8" height="8" fill="#2e1065"/>'
            f'<rect width="3" height="8" fill="{VIOLET}"/></pattern></defs>'
        ),
    ]
    for n in range(round(axis_max / step) + 1):
        tick = n * step
        px = x(tick)
        parts.append(
            f'<line x1="{px:.1f}" y1="{top - 6}" x2="{px:.1f}" y2="{height - 30}" '
            'stroke="#1e293b" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{px:.1f}" y="{height - 12}" fill="#64748b" font-size="12" '
            f'text-anchor="middle">{escape(duration(tick))}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        mid = bar_y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="0" y="{mid - 7:.1f}" fill="#e2e8f0" font-size="15" font-weight="600">'
            f"{escape(_shard_label(row))}</text>"
        )
        parts.append(
            f'<text x="0" y="{mid + 10:.1f}" fill="#64748b" font-size="12">'
            f"{row.tests} tests{'' if row.reports else ' - no report'}</text>"
        )
        # badges
        bx = 84.0
        for count, colour, text in (
            (row.failed, RED, "failed"),
            (row.flaky, AMBER, "flaky"),
            (row.missing, VIOLET, "missing"),
        ):
            if not count:
                continue
            label = f"{count} {text}"
            width = 10 + 6.6 * len(label)
            parts.append(
                f'<g><title>{escape(label)}</title><rect x="{bx:.1f}" y="{mid - 20:.1f}" '
                f'width="{width}" height="18" rx="5" fill="{colour}" fill-opacity="0.22" '
                f'stroke="{colour}" stroke-width="1"/><text x="{bx + width / 2:.1f}" '
                f'y="{mid - 7:.1f}" fill="{colour}" font-size="11.5" font-weight="700" '
                f'text-anchor="middle">{escape(label)}</text></g>'
            )
            bx += width + 5
        # track
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{bar_y:.1f}" width="{plot_width}" height="{BAR_HEIGHT}" '
            'rx="5" fill="#0f172a"/>'
        )
        actual = row.seconds
        colour = _bar_colour(row)
        if actual > 0:
            bar_width = max(x(actual) - LABEL_WIDTH, 2.0)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y:.1f}" width="{bar_width:.1f}" '
                f'height="{BAR_HEIGHT}" rx="5" fill="{colour}" fill-opacity="0.85">'
                f"<title>{escape(_shard_label(row))}: took {escape(duration(actual))}</title>"
                "</rect>"
            )
            # the slowest tests, as darker named segments from the start of the bar
            sx = float(LABEL_WIDTH)
            for n, test in enumerate(row.slowest):
                seg = plot_width * (min(test.seconds, actual) / axis_max)
                if seg < 1.5 or sx + seg > LABEL_WIDTH + bar_width + 0.1:
                    break
                shade = SEGMENT_SHADES[n % len(SEGMENT_SHADES)] if colour == GREEN else "#00000055"
                parts.append(
                    f"<g><title>{escape(_test_tip(test))}</title>"
                    f'<rect x="{sx:.1f}" y="{bar_y + 3:.1f}" width="{max(seg - 2, 1):.1f}" '
                    f'height="{BAR_HEIGHT - 6}" rx="3" fill="{shade}" fill-opacity="0.75"/>'
                )
                chars = int((seg - 10) / 6.6)
                if chars >= 6:
                    parts.append(
                        f'<text x="{sx + 5:.1f}" y="{bar_y + BAR_HEIGHT / 2 + 4:.1f}" '
                        f'fill="#f8fafc" font-size="11">{escape(_short(test.name, chars))}</text>'
                    )
                parts.append("</g>")
                sx += seg
        if row.missing and row.tests == 0:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y:.1f}" width="{plot_width * 0.04:.1f}" '
                f'height="{BAR_HEIGHT}" rx="5" fill="url(#miss)"><title>no results</title></rect>'
            )
        predicted = row.predicted_seconds
        if predicted is not None and predicted > 0:
            px = x(predicted)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y - 3:.1f}" width="{px - LABEL_WIDTH:.1f}" '
                f'height="{BAR_HEIGHT + 6}" rx="6" fill="none" stroke="#cbd5e1" '
                'stroke-width="1.5" stroke-dasharray="5 4" stroke-opacity="0.8">'
                f"<title>predicted {escape(duration(predicted))}</title></rect>"
            )
        right = duration(actual) if row.reports or actual else "no results"
        delta = ""
        if predicted:
            change = (actual - predicted) / predicted * 100
            delta = f"  ({'+' if change >= 0 else ''}{change:.0f}% vs plan)"
        parts.append(
            f'<text x="{CHART_WIDTH - RIGHT_WIDTH + 14}" y="{mid:.1f}" fill="#e2e8f0" '
            f'font-size="14" font-weight="600">{escape(right)}'
            f'<tspan fill="#94a3b8" font-size="12" font-weight="400">{escape(delta)}</tspan></text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _cards(result: MergeResult) -> str:
    t = result.totals
    missing = result.missing
    failed = t.failures + t.errors - missing
    passed = t.tests - t.failures - t.errors - t.skipped
    seconds = [r.seconds for r in result.shards if r.index is not None or r.tests]
    makespan = max(seconds, default=0.0)
    mean = sum(seconds) / len(seconds) if seconds else 0.0
    balance = f"{makespan / mean:.2f}x" if mean > 0 else "-"
    predicted = result.predicted_makespan
    plan_note = f"plan: {duration(predicted)}" if predicted is not None else "no plan"
    missing_value = "-" if result.completeness is None else str(missing)
    cards = [
        ("Tests", str(t.tests - missing), "", f"{len(result.reports)} reports"),
        ("Passed", str(passed), "good", ""),
        ("Failed", str(failed), "bad" if failed else "", ""),
        ("Flaky", str(t.flaky), "warn" if t.flaky else "", "passed on retry"),
        ("Missing", missing_value, "miss" if missing else "", "planned, no result"),
        ("Skipped", str(t.skipped), "", ""),
        ("Makespan", duration(makespan), "", plan_note),
        ("Balance", balance, "", "slowest / mean shard"),
    ]
    return "".join(
        f'<div class="card {cls}"><div class="v">{escape(value)}</div>'
        f'<div class="k">{escape(key)}</div><div class="s">{escape(note)}</div></div>'
        for key, value, cls, note in cards
    )


def _slowest_table(result: MergeResult) -> str:
    if not result.slowest:
        return '<p class="muted">No test results.</p>'
    rows = []
    for n, test in enumerate(result.slowest, 1):
        tag = ""
        if test.flaky:
            tag = '<span class="tag k">FLAKY</span>'
        elif test.outcome.is_bad:
            tag = '<span class="tag f">FAILED</span>'
        shard = "?" if test.shard is None else str(test.shard)
        rows.append(
            f'<tr><td class="n">{n}</td><td class="n">{escape(duration(test.seconds))}</td>'
            f'<td class="n">{shard}</td><td class="t">{tag}{escape(test.label)}</td></tr>'
        )
    return (
        '<table><tr><th></th><th style="text-align:right">time</th>'
        '<th style="text-align:right">shard</th><th>test</th></tr>' + "".join(rows) + "</table>"
    )


def _attention(result: MergeResult) -> str:
    items: list[str] = []
    c = result.completeness
    if c is not None:
        items.extend(
            f'<li><span class="tag m">MISSING</span>{escape(m.item.id)} '
            f'<span class="muted">shard {m.shard}</span></li>'
            for m in c.missing[:SHOWN]
        )
        items.extend(
            f'<li><span class="tag m">2 SHARDS</span>{escape(d.test)} <span class="muted">'
            f"shards {', '.join(str(s) for s in d.shards)}</span></li>"
            for d in c.duplicated[:SHOWN]
        )
    items.extend(
        f'<li><span class="tag f">FAILED</span>{escape(n)}</li>' for n in result.failed[:SHOWN]
    )
    items.extend(
        f'<li><span class="tag k">FLAKY</span>{escape(n)}</li>' for n in result.flaky[:SHOWN]
    )
    if not items:
        return '<p class="muted">Nothing: every test passed on its first attempt.</p>'
    hidden = (
        (len(c.missing) + len(c.duplicated) if c is not None else 0)
        + len(result.failed)
        + len(result.flaky)
        - len(items)
    )
    more = (
        f'<p class="muted">... and {hidden} more (see the text summary)</p>' if hidden > 0 else ""
    )
    return f"<ul>{''.join(items)}</ul>{more}"


def render_html(result: MergeResult, *, title: str = "paratest-split") -> str:
    ok = result.exit_code == 0
    shards = sum(1 for r in result.shards if r.index is not None)
    footer = [status_line(result), *completeness_lines(result)[:1]]
    footer.append(
        f"{len(result.reports)} report{'s' if len(result.reports) != 1 else ''} merged into "
        f"{result.out}; {result.folded} test{'s' if result.folded != 1 else ''} had results in "
        "more than one place (attempts folded)."
    )
    legend = (
        f'<div class="legend"><span><i style="background:{GREEN}"></i>shard passed</span>'
        f'<span><i style="background:{AMBER}"></i>flaky test(s)</span>'
        f'<span><i style="background:{RED}"></i>failed or missing test(s)</span>'
        '<span><i style="border:1.5px dashed #cbd5e1"></i>predicted by the plan</span>'
        '<span><i style="background:#13653e"></i>slowest tests (hover for names)</span></div>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}: {escape(status_line(result))}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{escape(title)} &middot; {shards} shard{"s" if shards != 1 else ""}</h1>
<span class="pill {"ok" if ok else "bad"}">{"PASSED" if ok else "FAILED"}</span>
<div class="sub">{escape(str(result.totals.tests - result.missing))} tests in
{len(result.reports)} report{"s" if len(result.reports) != 1 else ""}<br>
total test time {escape(duration(result.totals.time))}</div>
</header>
<div class="cards">{_cards(result)}</div>
<section>
<h2>Shard timeline</h2>
{timeline_svg(result)}
{legend}
</section>
<div class="cols">
<section><h2>Slowest tests</h2>{_slowest_table(result)}</section>
<section><h2>Needs attention</h2>{_attention(result)}</section>
</div>
<footer>{"".join(f"<p>{escape(line)}</p>" for line in footer)}</footer>
</body>
</html>
"""
