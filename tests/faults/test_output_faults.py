"""Issue 11, item 1: the verdict and the report never depend on the terminal.

A reader that stops reading (`| head`), a full device (`>/dev/full`) or a closed stdout
(`>&-`) used to give exit 0 with no report (broken pipe), exit 3 (full) or an AttributeError
(closed). Now the report is written, a failing verdict stands, and the loss is one line on
stderr.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.conftest import in_shell, no_traceback, paratest

pytestmark = pytest.mark.slow
FAILING = "tests/test_b.py::test_b2"


def _plan(project: Path) -> int:
    """A 2-shard plan of the three-module project; the index of the shard with the failure."""
    result = paratest(
        ["--shards", "2", "--discover", "pytest", "--group-by", "test", "--out", "plan"], project
    )
    assert result.returncode == 0, result.stderr
    for index in (0, 1):
        if FAILING in (project / "plan" / f"shard-{index}.txt").read_text().splitlines():
            return index
    raise AssertionError("the failing test is in no shard")


def _report(project: Path, index: int) -> str:
    report = project / "paratest-results" / f"shard-{index}.xml"
    assert report.is_file(), "no shard report was written"
    return report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("redirect", "lost"),
    [
        ("| head -n3", "Broken pipe"),
        ("| head -c0", "Broken pipe"),
        (">/dev/full", "No space left on device"),
        (">&-", "the stream is closed"),
    ],
    ids=["head-n3", "head-c0", "dev-full", "closed"],
)
def test_run_with_failing_test_keeps_exit_1_and_writes_report(
    three: Path, redirect: str, lost: str
) -> None:
    index = _plan(three)
    # stdout of the whole pipeline is captured; the pipe's reader is `head`
    result = in_shell(
        f"set -o pipefail; paratest-split run --plan plan --index {index} {redirect}", three
    )
    no_traceback(result)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert 'name="test_b2"' in _report(three, index)
    assert "<failure" in _report(three, index)
    assert f"stdout: output lost: {lost}" in result.stderr


def test_run_passing_to_a_full_device_is_not_a_silent_pass(three: Path) -> None:
    failing = _plan(three)
    passing = 1 - failing
    result = in_shell(f"paratest-split run --plan plan --index {passing} >/dev/full", three)
    no_traceback(result)
    # the tests passed and the report is there, but output the user asked for is gone
    assert result.returncode == 4, result.stderr
    assert "<failure" not in _report(three, passing)
    assert "output lost: No space left on device" in result.stderr


def test_run_passing_into_a_closed_pipe_passes(three: Path) -> None:
    failing = _plan(three)
    passing = 1 - failing
    result = in_shell(
        f"set -o pipefail; paratest-split run --plan plan --index {passing} | head -c0", three
    )
    no_traceback(result)
    assert result.returncode == 0, result.stderr  # the reader chose to stop reading
    assert "<testcase" in _report(three, passing)


def test_merge_with_missing_tests_into_a_closed_pipe_fails(three: Path) -> None:
    index = _plan(three)
    other = 1 - index
    ran = paratest(["run", "--plan", "plan", "--index", str(other)], three)
    assert ran.returncode == 0, ran.stderr  # the passing shard; the other one is lost
    result = in_shell(
        "set -o pipefail; paratest-split merge paratest-results --plan plan -o junit.xml "
        "| head -c0",
        three,
    )
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    merged = (three / "junit.xml").read_text(encoding="utf-8")
    assert "test_b2" in merged  # written as missing
    assert "missing" in merged


def test_local_with_a_failure_into_a_closed_pipe_fails(three: Path) -> None:
    result = in_shell(
        "set -o pipefail; paratest-split local --shards 2 --discover pytest | head -c0", three
    )
    no_traceback(result)
    assert result.returncode == 1, result.stderr
