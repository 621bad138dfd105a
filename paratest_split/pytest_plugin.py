"""pytest plugin: run only one shard's tests, keeping the user's command and node ids unchanged.

Registered under `pytest11`, so it loads in every pytest run where paratest-split is installed;
it does nothing unless one of its options is given:

- `--paratest-shard-file FILE`: after collection, deselect (as `-k` does, through the
  `pytest_deselected` hook) every item whose node id is not a line of FILE. Collecting normally
  and deselecting is much faster than passing thousands of ids as arguments (FIELD-NOTES), and
  the ids and configuration stay identical to the history run. Ids listed but not collected
  simply do not run: `paratest-split run` then reports them as errors ("no result").
  Test modules that hold none of the shard's ids are not even imported (`pytest_ignore_collect`
  on files, never directories, so every conftest.py still loads and node ids and fixtures stay
  those of a full run): a shard pays the import and collection of its own modules only, and a
  retry (the engine passes a shard file of the failed ids) collects only their modules.
  A file is kept when its path ends, at a `/`, with the file part of a wanted id (the part
  before the first `::`), so ids relative to the rootdir, to a `--pyargs` package or to an
  argument all match; `conftest.py`, `__init__.py` and directories are always kept.
  `--paratest-collect-all` turns the skipping off (deselection only).
- Collection costs, written as `<properties>` of the JUnit suite whenever `--junitxml` is on
  (paratest-split learns a shard's fixed cost from them): `paratest.startup` (process start to
  session start: interpreter, pytest, plugins, initial conftests), `paratest.collect` (the
  whole collection phase) and one `paratest.collect:<file>` per test file that was collected
  (its import plus the collection of its classes and items), in seconds. And what running
  the tests cost beyond their testcase times (pytest's per-test protocol: reporting, warning
  filters, skip and xfail bookkeeping; 0.5-3 ms a test depending on the file):
  `paratest.overhead`, the total, and one `paratest.overhead:<file>` per test file that ran,
  the mean per test of that file. And what full (generation-2) garbage collections cost:
  `paratest.gc:<id>` (seconds in them during that test, for tests with at least 5 ms of
  them: a `gc.collect()` in the test walks every tracked object, so it is slower in a
  whole-suite process than in a shard's) with `paratest.gc.heap:<id>` (the tracked objects
  right after the test), and the heap's growth: `paratest.heap.start` (tracked objects at
  session start), `paratest.heap.blocks:<file>` (allocated blocks its collection added),
  `paratest.heap.per_block` and `paratest.heap.per_test` (tracked objects per such block and
  per test run), measured only in runs that write a JUnit report. Counting the tracked
  objects costs a few ms; it is done three times a run plus once after each such test,
  outside the tests' times.
- `--paratest-progress FILE`: append one line per finished test, `<outcome>\\t<node id>`, for
  live progress (`paratest-split local`). Outcomes: passed, failed, error, skipped. The
  engine asks for it through the environment variable PYTEST_PARATEST_PROGRESS instead (so it
  works with any pytest command line); the plugin removes the variable from its own
  environment, so pytest runs started by the tests do not write into the same file.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pytest

from paratest_split.core.matching import path_suffixes
from paratest_split.core.model import (  # the core's pure modules import nothing heavy
    COLLECT_PROPERTY,
    FULL_GC_HEAP_PROPERTY_PREFIX,
    FULL_GC_MIN_SECONDS,
    FULL_GC_PROPERTY_PREFIX,
    HEAP_BLOCKS_PROPERTY_PREFIX,
    HEAP_PER_BLOCK_PROPERTY,
    HEAP_PER_TEST_PROPERTY,
    HEAP_START_PROPERTY,
    MODULE_PROPERTY_PREFIX,
    OVERHEAD_PROPERTY,
    OVERHEAD_PROPERTY_PREFIX,
    STARTUP_PROPERTY,
)

SHARD_FILE_OPTION = "--paratest-shard-file"
PROGRESS_OPTION = "--paratest-progress"
PROGRESS_ENV = "PYTEST_PARATEST_PROGRESS"
COLLECT_ALL_OPTION = "--paratest-collect-all"
_ALWAYS_KEPT = frozenset({"conftest.py", "__init__.py"})
_IMPORTED_AT = time.perf_counter()


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
    group.addoption(
        COLLECT_ALL_OPTION,
        dest="paratest_collect_all",
        action="store_true",
        default=False,
        help=f"with {SHARD_FILE_OPTION}: import every test module (deselect only)",
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


def file_part(nodeid: str) -> str:
    """The file an id's item lives in, normalised for suffix matching: the part before the
    first `::` (a parameter id may hold `::`, but only after the file part), without leading
    `./`, `../` and `/` (ids of files outside the rootdir)."""
    path = nodeid.partition("::")[0].replace("\\", "/")
    while True:
        stripped = path.removeprefix("../").removeprefix("./").lstrip("/")
        if stripped == path:
            break
        path = stripped
    return path


def wanted_files(ids: Iterable[str]) -> frozenset[str] | None:
    """The file parts of `ids`; None (keep every file) when one has no usable file part."""
    files = set()
    for nodeid in ids:
        part = file_part(nodeid)
        if not part or part in (".", ".."):
            return None
        files.add(part)
    return frozenset(files)


def is_wanted(path: Path, files: frozenset[str]) -> bool:
    """True when `path` ends, at a `/`, with one of `files`."""
    return any(suffix in files for suffix in path_suffixes(path.as_posix().lstrip("/")))


_WANTED = pytest.StashKey["frozenset[str] | None"]()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    files = config.stash.get(_WANTED, None)
    if files is None or collection_path.name in _ALWAYS_KEPT:
        return None
    if collection_path.is_dir() or is_wanted(collection_path, files):
        return None
    return True


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard_file = config.getoption("paratest_shard_file")
    if shard_file is None:
        return
    wanted = config.stash.get(_IDS, None)
    if wanted is None:
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


_IDS = pytest.StashKey["set[str]"]()


def process_age() -> float | None:
    """Seconds since this process started (Linux `/proc`), None where that is unknown."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:  # noqa: PTH123 - hot path
            fields = stat.read().rpartition(")")[2].split()
        with open("/proc/uptime", encoding="ascii") as uptime:  # noqa: PTH123
            now = float(uptime.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(0.0, now - int(fields[19]) / ticks)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class _Costs:
    """Measures start-up, per-file collection time and per-file test overhead; writes them as
    JUnit suite properties."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.times: dict[str, float] = {}
        self.startup = 0.0
        self.collect_started = 0.0
        self.collect_seconds = 0.0
        self.overheads: dict[str, list[float]] = {}  # file -> [seconds, tests]
        self.phases = 0.0  # the running test's phase durations so far
        self.heap = _Heap()

    @pytest.hookimpl
    def pytest_unconfigure(self) -> None:
        self.heap.stop()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        age = process_age()
        # the plugin module is imported early: its age is a floor where /proc is missing
        self.startup = age if age is not None else time.perf_counter() - _IMPORTED_AT
        if self._xml() is not None:
            self.heap.session_started()

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self) -> None:
        self.collect_started = time.perf_counter()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Iterator[None]:
        blocks = sys.getallocatedblocks()
        start = time.perf_counter()
        yield
        file = _file_of(collector)
        if file is not None:
            self.times[file] = self.times.get(file, 0.0) + time.perf_counter() - start
            self.heap.collected(file, sys.getallocatedblocks() - blocks)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self) -> None:
        self.collect_seconds = time.perf_counter() - self.collect_started
        self.heap.collection_finished()
        xml = self._xml()
        if xml is None:
            return
        xml.add_global_property(STARTUP_PROPERTY, f"{self.startup:.4f}")
        xml.add_global_property(COLLECT_PROPERTY, f"{self.collect_seconds:.4f}")
        for file in sorted(self.times):
            xml.add_global_property(MODULE_PROPERTY_PREFIX + file, f"{self.times[file]:.4f}")

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        # the outermost wrapper: the whole protocol, minus what the testcase time carries
        self.phases = 0.0
        self.heap.test_started()
        start = time.perf_counter()
        yield
        spent = time.perf_counter() - start - self.phases
        entry = self.overheads.setdefault(_file_of(item) or item.nodeid, [0.0, 0])
        entry[0] += max(0.0, spent)
        entry[1] += 1
        self.heap.test_finished(item.nodeid)  # after the clock: its count is not overhead

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # JUnit's testcase time is the sum of these (junit_duration_report = total)
        self.phases += report.duration

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        # before junitxml's own pytest_sessionfinish writes the report
        xml = self._xml()
        if xml is None or not self.overheads:
            return
        for name, value in self.heap.properties():
            xml.add_global_property(name, value)
        total = math.fsum(seconds for seconds, _ in self.overheads.values())
        xml.add_global_property(OVERHEAD_PROPERTY, f"{total:.4f}")
        for file in sorted(self.overheads):
            seconds, tests = self.overheads[file]
            xml.add_global_property(OVERHEAD_PROPERTY_PREFIX + file, f"{seconds / tests:.6f}")

    def _xml(self) -> _LogXML | None:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - a pytest without it
            return None
        found: object = self.config.stash.get(xml_key, None)
        if found is None or not hasattr(found, "add_global_property"):
            return None
        return found  # type: ignore[return-value]


class _Heap:
    """Full garbage collections during each test (through `gc.callbacks`) and the heap's
    growth, for the cost model (see the module docstring). Silent where the interpreter has
    no allocated-block count (not CPython)."""

    def __init__(self) -> None:
        self.enabled = False  # measuring: from session start, with a JUnit report, on CPython
        self.started_at: float | None = None  # the running collection's start
        self.in_test = False
        self.seconds = 0.0  # full collections during the running test
        self.tests: dict[str, tuple[float, int]] = {}  # id -> (seconds, objects after it)
        self.blocks: dict[str, int] = {}  # file -> allocated blocks its collection added
        self.objects_start = self.blocks_start = 0
        self.objects_collected = self.blocks_collected = 0
        self.tests_run = 0

    def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started_at = time.perf_counter()
        elif self.started_at is not None:
            if self.in_test and info.get("generation") == 2:
                self.seconds += time.perf_counter() - self.started_at
            self.started_at = None

    def session_started(self) -> None:
        """Starts measuring (only for a run that writes a JUnit report: a callback on every
        collection is not free)."""
        self.enabled = sys.getallocatedblocks() > 0
        if self.enabled:
            gc.callbacks.append(self._on_gc)
            self.objects_start = len(gc.get_objects())
            self.blocks_start = sys.getallocatedblocks()

    def collected(self, file: str, blocks: int) -> None:
        self.blocks[file] = self.blocks.get(file, 0) + blocks

    def collection_finished(self) -> None:
        if self.enabled:
            self.objects_collected = len(gc.get_objects())
            self.blocks_collected = sys.getallocatedblocks()

    def test_started(self) -> None:
        self.in_test = True
        self.seconds = 0.0

    def test_finished(self, nodeid: str) -> None:
        self.in_test = False
        self.tests_run += 1
        if self.enabled and self.seconds >= FULL_GC_MIN_SECONDS:
            self.tests[nodeid] = (self.seconds, len(gc.get_objects()))

    def properties(self) -> list[tuple[str, str]]:
        """The heap's suite properties; none when nothing was measured."""
        added = self.blocks_collected - self.blocks_start
        if not self.enabled or not self.tests_run or self.objects_collected <= 0 or added <= 0:
            return []
        per_block = max(0, self.objects_collected - self.objects_start) / added
        per_test = max(0, len(gc.get_objects()) - self.objects_collected) / self.tests_run
        found = [
            (HEAP_START_PROPERTY, str(self.objects_start)),
            (HEAP_PER_BLOCK_PROPERTY, f"{per_block:.4f}"),
            (HEAP_PER_TEST_PROPERTY, f"{per_test:.2f}"),
        ]
        found.extend(
            (HEAP_BLOCKS_PROPERTY_PREFIX + file, str(max(0, self.blocks[file])))
            for file in sorted(self.blocks)
        )
        for nodeid in sorted(self.tests):
            seconds, objects = self.tests[nodeid]
            found.append((FULL_GC_PROPERTY_PREFIX + nodeid, f"{seconds:.4f}"))
            found.append((FULL_GC_HEAP_PROPERTY_PREFIX + nodeid, str(objects)))
        return found


def _file_of(node: pytest.Item | pytest.Collector) -> str | None:
    """The node id of the test file a node lives in (None above files): the one key of both
    the collection and the overhead properties, so the cost model can join them."""
    current: pytest.Item | pytest.Collector | None = node
    while current is not None and not isinstance(current, pytest.File):
        parent = current.parent
        current = parent if isinstance(parent, (pytest.Item, pytest.Collector)) else None
    return None if current is None else current.nodeid


class _LogXML:  # the one method of pytest's LogXML used here
    def add_global_property(self, name: str, value: object) -> None: ...


def pytest_configure(config: pytest.Config) -> None:
    shard_file = config.getoption("paratest_shard_file")
    if shard_file is not None:
        ids = read_ids(Path(shard_file))
        config.stash[_IDS] = ids
        if not config.getoption("paratest_collect_all"):
            config.stash[_WANTED] = wanted_files(ids)
    config.pluginmanager.register(_Costs(config), "paratest_split_costs")
    progress = config.getoption("paratest_progress") or os.environ.pop(PROGRESS_ENV, None)
    if progress is not None:
        config.pluginmanager.register(_Progress(Path(progress)), "paratest_split_progress")
