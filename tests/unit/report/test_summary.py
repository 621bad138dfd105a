from __future__ import annotations

import json

from paratest_split.junit.merge import MergeResult
from paratest_split.report.summary import render_json, render_markdown, render_text


def test_text_table_says_everything_in_numbers(result: MergeResult) -> None:
    text = render_text(result)
    lines = text.splitlines()
    assert lines[0] == (
        "FAILED: 349 tests, 345 passed, 1 failed, 2 skipped, 1 flaky, 1 missing, 1 in two shards"
    )
    header = next(line for line in lines if line.startswith("shard"))
    assert header.split() == [
        "shard",
        "tests",
        "predicted",
        "s",
        "actual",
        "s",
        "failed",
        "flaky",
        "missing",
    ]
    rows = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert rows["0"] == ["0", "120", "600.0", "610.0", "0", "0", "0"]  # the report's own time
    assert rows["1"] == ["1", "131", "598.0", "560.0", "0", "1", "0"]
    assert rows["2"] == ["2", "97", "601.0", "705.5", "1", "0", "1"]
    assert (
        "completeness: 348 of 349 planned tests have results; 1 missing, 1 ran in more than "
        "one shard, 1 results not in the plan (kept)" in text
    )
    assert (
        "  missing: tests/test_app.py::test_gone (shard 2): not run: shard 2 report has no "
        "result for it" in text
    )
    assert "in shards 0, 2: tests/test_app.py::test_twice" in text
    assert "not in the plan: tests.test_new::test_added" in text
    assert "tests.test_app::test_flaky_login" in text


def test_json_is_complete_and_sorted(result: MergeResult) -> None:
    data = json.loads(render_json(result))
    assert data["exit_code"] == 1
    assert [s["actual_seconds"] for s in data["shards"]] == [610.0, 560.0, 705.5]
    assert data["completeness"]["missing"] == [
        {
            "test": "tests/test_app.py::test_gone",
            "shard": 2,
            "message": "not run: shard 2 report has no result for it",
        }
    ]
    assert data["completeness"]["duplicated"][0]["shards"] == [0, 2]
    assert (
        render_json(result) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def test_markdown_table_and_escaping(result: MergeResult) -> None:
    md = render_markdown(result)
    assert md.startswith("### :x: paratest-split merge: FAILED")
    assert "| shard | tests | predicted s | actual s | failed | flaky | missing |" in md
    assert "| 2 | 97 | 601.0 | 705.5 | 1 | 0 | 1 |" in md
    assert "`tests.test_app::test_checkout_<flow>`" in md
    assert "<details><summary>Flaky tests (passed on a later attempt): 1</summary>" in md
