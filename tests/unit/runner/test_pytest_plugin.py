"""The pytest plugin, loaded by entry point in a real pytest process on the fixture suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.runner.helpers import PLAIN, copy_suite, suite_env

pytestmark = pytest.mark.slow


def _pytest(suite: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=suite,
        env=suite_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )


def test_shard_file_deselects_and_progress_is_written(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    ids = tmp_path / "ids.txt"
    ids.write_text(
        f"{PLAIN}::test_ok\n{PLAIN}::test_always_fails\n{PLAIN}::test_hostile[`touch PWNED`]\n"
        f"{PLAIN}::test_skipped\n{PLAIN}::not_collected\n",
        encoding="utf-8",
    )
    progress = tmp_path / "progress.txt"
    done = _pytest(
        suite, tmp_path, f"--paratest-shard-file={ids}", f"--paratest-progress={progress}"
    )
    # 6 deselected, or fewer where the plugin does not even collect modules outside the shard
    assert re.search(r"1 failed, 2 passed, 1 skipped, [46] deselected", done.stdout), done.stdout
    assert progress.read_text().splitlines() == [
        f"started\t{PLAIN}::test_ok",
        f"passed\t{PLAIN}::test_ok",
        f"started\t{PLAIN}::test_always_fails",
        f"failed\t{PLAIN}::test_always_fails",
        f"started\t{PLAIN}::test_hostile[`touch PWNED`]",
        f"passed\t{PLAIN}::test_hostile[`touch PWNED`]",
        f"started\t{PLAIN}::test_skipped",
        f"skipped\t{PLAIN}::test_skipped",
    ]


def test_inert_without_its_option(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    done = _pytest(suite, tmp_path, "--collect-only", "-q")
    assert "10 tests collected" in done.stdout


def test_unreadable_shard_file_is_a_usage_error(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    done = _pytest(suite, tmp_path, f"--paratest-shard-file={tmp_path / 'missing.txt'}")
    assert done.returncode == 4
    assert "missing.txt: cannot read" in done.stderr


def test_engine_and_plugin_agree_on_the_progress_variable() -> None:
    from paratest_split import pytest_plugin
    from paratest_split.runner import shard

    assert shard.PROGRESS_ENV == pytest_plugin.PROGRESS_ENV == "PYTEST_PARATEST_PROGRESS"
