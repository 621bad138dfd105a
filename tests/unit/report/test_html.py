from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from paratest_split.junit.merge import MergeResult
from paratest_split.report.html import duration, nice_step, render_html


def test_page_is_self_contained_and_marks_shards(result: MergeResult) -> None:
    page = render_html(result)
    assert "<script" not in page.lower()
    # the only URL is the SVG namespace: no stylesheet, font or image is fetched
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]
    assert "@import" not in page
    assert "url(" not in page.replace("url(#miss)", "")
    # valid markup (HTML parser), a timeline with one bar group per shard
    doc = etree.fromstring(page.encode(), etree.HTMLParser())
    svg = doc.find(".//svg")
    assert svg is not None
    texts = [str(t.xpath("string()")) for t in svg.iter("text")]
    assert [t for t in texts if t.startswith("shard ")] == ["shard 0", "shard 1", "shard 2"]
    assert "1 flaky" in texts
    assert "1 failed" in texts
    assert "1 missing" in texts
    titles = [str(t.xpath("string()")) for t in svg.iter("title")]
    assert "tests.test_app::test_checkout_<flow>: 5m 10s (failed)" in titles
    assert "predicted 10m 00s" in titles
    # escaped, never raw markup
    assert "test_checkout_<flow>" not in page
    assert "FAILED" in page


def test_duration_and_ticks() -> None:
    assert duration(0.25) == "0.25 s"
    assert duration(42.34) == "42.3 s"
    assert duration(725) == "12m 05s"
    assert duration(3720) == "1h 02m"
    assert nice_step(700) == 120.0  # 2-minute ticks
    assert nice_step(0.2) == 0.05
    assert nice_step(40) == 5.0
    assert nice_step(5 * 3600) == 3600.0


@pytest.mark.external
def test_renders_in_headless_chromium_without_console_errors(
    result: MergeResult, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(render_html(result), encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            "--window-size=1400,900",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "CONSOLE" not in done.stderr
    assert shot.stat().st_size > 10_000
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "shard 2" in dom.stdout
    assert "<svg" in dom.stdout
