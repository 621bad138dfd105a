"""pytest plugin: run only one shard's tests, keeping the user's command and node ids unchanged.

Registered under `pytest11`, so it loads in every pytest run where paratest-split is installed;
it does nothing unless one of its options is given:

- `--paratest-shard-file FILE`: after collection, deselect (as `-k` does, through the
  `pytest_deselected` hook) every item whose node id is not a line of FILE. Collecting normally
  and deselecting is much faster than passing thousands of ids as arguments (FIELD-NOTES), and
  the ids and configuration stay identical to the history run. Ids listed but not collected
  simply do not run: `paratest-split run` then reports them as errors ("no result").
- `--paratest-progress FILE`: append one line per finished test, `<outcome>\\t<node id>`, for
  live progress (`paratest-split local`). Outcomes: passed, failed, error, skipped. The
  engine asks for it through the environment variable PYTEST_PARATEST_PROGRESS instead (so it
  works with any pytest command line); the plugin removes the variable from its own
  environment, so pytest runs started by the tests do not write into the same file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import pytest

SHARD_FILE_OPTION = "--paratest-shard-file"
PROGRESS_OPTION = "--paratest-progress"
PROGRESS_ENV = "PYTEST_PARATEST_PROGRESS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("paratest-split", "paratest-split sharding")
    group.addoption(
        SHARD_FILE_OPTION,
        dest="paratest_shard_file",
        default=None,
        metavar="FILE",
        help="run only the tests whose node ids are lines of FILE; deselect the others",
    )
    group.addoption(
        PROGRESS_OPTION,
        dest="paratest_progress",
        default=None,
        metavar="FILE",
        help="append '<outcome>\\t<node id>' to FILE as each test finishes",
    )


def read_ids(path: Path) -> set[str]:
    """The node ids of a shard file: one a line, exact (no stripping beyond the line end)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise pytest.UsageError(
            f"{SHARD_FILE_OPTION} {path}: cannot read: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise pytest.UsageError(f"{SHARD_FILE_OPTION} {path}: not UTF-8 text") from None
    return {line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard_file = config.getoption("paratest_shard_file")
    if shard_file is None:
        return
    wanted = read_ids(Path(shard_file))
    keep = [item for item in items if item.nodeid in wanted]
    drop = [item for item in items if item.nodeid not in wanted]
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


class _Progress:
    """Writes a line when a test starts and one when it finishes (the worst of its phases)."""

    def __init__(self, path: Path) -> None:
        self._out: IO[str] = path.open("a", encoding="utf-8", buffering=1)
        self._outcomes: dict[str, str] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.passed:
            outcome = "passed"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "failed"
        else:
            outcome = "error"
        previous = self._outcomes.get(report.nodeid)
        if previous in (None, "passed") or outcome == "error":
            self._outcomes[report.nodeid] = outcome

    @pytest.hookimpl
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        # lets the engine name the test that was running when a shard is stopped
        self._out.write(f"started\t{nodeid}\n")

    @pytest.hookimpl
    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        outcome = self._outcomes.pop(nodeid, "passed")
        self._out.write(f"{outcome}\t{nodeid}\n")

    @pytest.hookimpl
    def pytest_unconfigure(self) -> None:
        self._out.close()


def pytest_configure(config: pytest.Config) -> None:
    progress = config.getoption("paratest_progress") or os.environ.pop(PROGRESS_ENV, None)
    if progress is not None:
        config.pluginmanager.register(_Progress(Path(progress)), "paratest_split_progress")
