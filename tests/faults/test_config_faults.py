"""Issue 11, item 9: configuration files that used to be ignored or half-read silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.conftest import in_shell, no_traceback, paratest

pytestmark = pytest.mark.slow
SPLIT = ["--shards", "2", "--discover", "pytest", "--out", "plan"]


def _split_refused(project: Path, *words: str) -> None:
    """`split` exits 4 with one line holding `words`, and writes no plan."""
    result = paratest(SPLIT, project)
    no_traceback(result)
    assert result.returncode == 4, result.stderr
    assert not (project / "plan").exists(), "a plan was written from a bad configuration"
    line = result.stderr.strip()
    assert "\n" not in line, result.stderr
    for word in words:
        assert word in line, line


def test_config_that_is_a_directory_is_an_error(three: Path) -> None:
    (three / "paratest.yaml").mkdir()
    _split_refused(three, "paratest.yaml", "not a regular file")


def test_config_that_is_a_dangling_symlink_is_an_error(three: Path) -> None:
    (three / "paratest.yaml").symlink_to(three / "gone.yaml")
    _split_refused(three, "paratest.yaml", "dangling symlink")


def test_duplicate_key_names_both_lines(three: Path) -> None:
    (three / "paratest.yaml").write_text("retries: 1\nshards: 2\nretries: 3\n", encoding="utf-8")
    _split_refused(three, "paratest.yaml:3", "'retries' given twice", "line 1")


def test_null_key_is_named_as_written(three: Path) -> None:
    (three / "paratest.yaml").write_text("shards: 2\nnull: 3\n", encoding="utf-8")
    _split_refused(three, "paratest.yaml:2", "unknown key 'null'")


def test_good_config_still_plans(three: Path) -> None:
    (three / "paratest.yaml").write_text("retries: 1\n", encoding="utf-8")
    result = paratest(SPLIT, three)
    assert result.returncode == 0, result.stderr
    assert (three / "plan" / "plan.json").is_file()


@pytest.mark.parametrize("value", ["-1", "x"])
def test_timings_limit_must_be_a_count(three: Path, value: str) -> None:
    result = paratest(["timings", "--limit", value], three)
    no_traceback(result)
    assert result.returncode == 4, result.stderr
    assert "argument --limit" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        "paratest-split --shards 2 --tests-from /dev/zero --out plan",
        "yes tests/test_a.py::test_a1 | paratest-split --shards 2 --tests-from - --out plan",
    ],
    ids=["dev-zero", "yes-pipe"],
)
def test_an_endless_test_list_is_refused(three: Path, command: str) -> None:
    """It grew without bound until MemoryError; now exit 10 after 256 MiB, in about a second."""
    result = in_shell(command, three, timeout=60)
    no_traceback(result)
    assert result.returncode == 10, result.stderr
    assert "the test list is larger than 256 MiB" in result.stderr
    assert not (three / "plan").exists()
