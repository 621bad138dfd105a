"""Frozen value types shared by every part of paratest-split. No IO here.

Vocabulary:
- a *test* is what a runner can be told to run; `TestItem.id` is its runnable id (a pytest node
  id, `pkg:TestName` for Go, `com.foo.BarTest#testX` for Java, a file path for file-level runners).
- a *case* is one `<testcase>` of a JUnit report: `CaseResult` (classname, name, file + verdict).
- an *attempt* is one execution of a test; retries make several, `retry.fold` turns them into
  one `CaseResult` (final verdict + earlier failed attempts, Maven Surefire style).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

# Suite properties of the shard reports `paratest-split run` writes: `merge` checks shards and
# plans by them, the cost model tells a shard report (runner wall time) from pytest's own.
SHARD_PROPERTY = "paratest.shard"
SHARDS_PROPERTY = "paratest.shards"
DIGEST_PROPERTY = "paratest.plan_digest"
ATTEMPT_PROPERTY = "paratest.attempt"
ATTEMPTS_PROPERTY = "paratest.attempts"
# Suite properties of the cost model, which our pytest plugin writes into every JUnit report
# (`pytest_plugin`), `run` keeps in the shard report, `merge` carries into the merged one and
# `timings.learn_costs` learns from: start-up, collection (whole and per file), per-test
# overhead (total and per file).
STARTUP_PROPERTY = "paratest.startup"
COLLECT_PROPERTY = "paratest.collect"
MODULE_PROPERTY_PREFIX = "paratest.collect:"
OVERHEAD_PROPERTY = "paratest.overhead"
OVERHEAD_PROPERTY_PREFIX = "paratest.overhead:"
# Full (generation-2) garbage collections walk every object the collector tracks, so a test
# that triggers them (gc.collect() in a leak test) is slower in a whole-suite run than in a
# shard, whose process holds fewer objects. The heap: tracked objects at session start, per
# allocated block that collection added, per test run; allocated blocks each file's
# collection added. Per test with at least `FULL_GC_MIN_SECONDS` of full collections: those
# seconds and the tracked objects right after it.
HEAP_START_PROPERTY = "paratest.heap.start"
HEAP_PER_BLOCK_PROPERTY = "paratest.heap.per_block"
HEAP_PER_TEST_PROPERTY = "paratest.heap.per_test"
HEAP_BLOCKS_PROPERTY_PREFIX = "paratest.heap.blocks:"
FULL_GC_PROPERTY_PREFIX = "paratest.gc:"
FULL_GC_HEAP_PROPERTY_PREFIX = "paratest.gc.heap:"
FULL_GC_MIN_SECONDS = 0.005


def is_cost_property(name: str) -> bool:
    """One of the cost model's suite properties (above)."""
    return name == STARTUP_PROPERTY or name.startswith(_COST_PREFIXES)


_COST_PREFIXES = (
    COLLECT_PROPERTY,  # and MODULE_PROPERTY_PREFIX
    OVERHEAD_PROPERTY,  # and OVERHEAD_PROPERTY_PREFIX
    HEAP_START_PROPERTY,
    HEAP_PER_BLOCK_PROPERTY,
    HEAP_PER_TEST_PROPERTY,
    HEAP_BLOCKS_PROPERTY_PREFIX,
    FULL_GC_PROPERTY_PREFIX,
    FULL_GC_HEAP_PROPERTY_PREFIX,
)


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_bad(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ERROR)


class GroupBy(str, enum.Enum):
    """Granularity that must stay together in one shard (`--group-by`)."""

    TEST = "test"
    CLASS = "class"
    FILE = "file"
    DIR = "dir"
    # the cost model decides: a file (module) stays together when that pays (its collection
    # is paid once per shard that holds any of its tests), a file bigger than a shard's share
    # is split; keyed by file like FILE
    AUTO = "auto"


@dataclass(frozen=True, kw_only=True, slots=True)
class TestItem:
    """A runnable test, as a discovery plugin reports it.

    `classname`/`name` are the JUnit key the runner's report will carry for it. A file-level
    item (the runner runs whole files) has `name=None` and is matched by `file`; a class-level
    item has `name=None` and a `classname`. `command` is set only for tests of the seed tool's
    `paratest` plugins, which carry their own command line.
    """

    __test__ = False  # not a pytest test class

    id: str
    file: str | None = None
    classname: str | None = None
    name: str | None = None
    command: tuple[str, ...] | None = None

    def group_key(self, by: GroupBy) -> str:
        """The key that must not be split across shards for `--group-by`."""
        if by is GroupBy.TEST:
            return self.id
        if by is GroupBy.CLASS:
            if self.classname:
                return self.classname
            return self.file or self.id
        file = self.file or (self.classname.replace(".", "/") if self.classname else self.id)
        if by is GroupBy.FILE or by is GroupBy.AUTO:
            return file
        head, sep, _ = file.rpartition("/")
        return head if sep else "."


class EstimateSource(str, enum.Enum):
    """Where a test's predicted duration came from (DESIGN "Test identity" fallback chain)."""

    EXACT = "exact"  # the test itself was in the history
    SIBLINGS = "siblings"  # mean of known tests of the same class/file
    DIR = "dir"  # mean of known tests in the same directory
    MEDIAN = "median"  # median of all known tests
    DEFAULT = "default"  # no history at all: every test counts the same (1 s)


@dataclass(frozen=True, kw_only=True, slots=True)
class Estimate:
    seconds: float
    source: EstimateSource
    builds: int = 0  # how many builds of history contributed (EXACT only)


@dataclass(frozen=True, kw_only=True, slots=True)
class Shard:
    index: int
    predicted_seconds: float
    tests: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """Everything `split` decides; `manifest.py` writes it as plan.json + shard-<i>.txt."""

    shards: int
    group_by: GroupBy
    algorithm: str
    inputs_digest: str
    predicted_makespan_seconds: float
    lower_bound_seconds: float
    shards_detail: tuple[Shard, ...]
    unknown_tests: tuple[str, ...]
    discover: str  # name of the discovery plugin that owns the ids
    version: int = 1
    # The discovery plugin's arguments the plan was made with (`run` uses the same ones);
    # None: not recorded (a plan written by an older version).
    discover_args: tuple[str, ...] | None = None
    # Per-test JUnit keys, so `run`/`merge` can match results to planned tests without
    # re-running discovery: id -> (file, classname, name) as in TestItem.
    items: tuple[TestItem, ...] = ()

    def shard(self, index: int) -> Shard:
        return self.shards_detail[index]


@dataclass(frozen=True, kw_only=True, slots=True)
class Attempt:
    """One execution of one test, as its JUnit `<testcase>` said."""

    outcome: Outcome
    time: float = 0.0
    # False when the report had no usable time (missing, NaN, negative...) or when paratest-split
    # made the result up (a test with no result, interrupted, missing from a merge): such a time
    # is not a duration and must never become timing history. Written without a `time` attribute.
    time_known: bool = True
    message: str = ""
    type: str = ""
    details: str = ""  # text of the <failure>/<error>/<skipped> element
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseResult:
    """One `<testcase>`: its key, final verdict and earlier failed attempts.

    Reading a Surefire-style report fills `earlier` from `<flakyFailure>`/`<flakyError>`
    (final passed) or `<rerunFailure>`/`<rerunError>` (final failed) children.
    `time` of a case is `final.time` (Surefire convention); attempts each keep their own.
    """

    classname: str
    name: str
    final: Attempt
    file: str | None = None
    suite: str = ""  # name of the innermost <testsuite>
    earlier: tuple[Attempt, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def flaky(self) -> bool:
        return self.final.outcome is Outcome.PASSED and any(a.outcome.is_bad for a in self.earlier)

    @property
    def key(self) -> tuple[str, str]:
        return (self.classname, self.name)


@dataclass(frozen=True, kw_only=True, slots=True)
class SuiteSummary:
    """A `<testsuite>`'s own totals, for learning per-test/per-suite overhead.

    Emitted by the reader after the suite's cases. `time` is the suite's own `time` attribute
    (None when absent), `case_time` the sum of its direct and nested cases' times.
    """

    name: str
    time: float | None
    cases: int
    case_time: float
    source: str = ""
    # cases without a usable time (missing, NaN...): their real time is in `time` but not in
    # `case_time`, so `time - case_time` is no overhead for such a suite
    untimed: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class HeapCosts:
    """The full garbage collections of the history's tests, and how big a shard's heap gets.

    A shard's tracked objects right after one of its tests: `start` + `per_block` x the
    allocated blocks its files' collection adds (`blocks[file]`, else `default_blocks`) +
    `per_test` x the tests it ran so far. A test's full-collection time scales with that
    number over the one it ran with (`tests[id] = (seconds, objects)`)."""

    start: float
    per_block: float
    per_test: float
    blocks: tuple[tuple[str, float], ...]  # sorted by file
    default_blocks: float
    tests: tuple[tuple[str, float, float], ...]  # sorted by id: (id, seconds, objects)


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardCosts:
    """What a shard pays besides its tests' own times (the cost model of `group_by: auto`).

    `startup` once per shard; `modules[file]` (else `default_module`) once per shard that holds
    any test of that file (its import and collection); for every test, `test_overheads[file]`
    of its file (what pytest spends per test beyond the testcase time: it differs from file to
    file), else `per_test`. `learned`: from collection times recorded in earlier reports;
    otherwise estimated (`how` says how).
    """

    startup: float = 0.0
    modules: tuple[tuple[str, float], ...] = ()  # sorted by file
    default_module: float = 0.0
    per_test: float = 0.0
    learned: bool = False
    how: str = ""
    test_overheads: tuple[tuple[str, float], ...] = ()  # sorted by file
    heap: HeapCosts | None = None  # None: no full collections recorded

    def module_costs(self) -> dict[str, float]:
        return dict(self.modules)

    def test_overhead_costs(self) -> dict[str, float]:
        return dict(self.test_overheads)


@dataclass(frozen=True, kw_only=True, slots=True)
class Warning_:  # noqa: N801 - avoid shadowing the builtin Warning
    """Something wrong but survivable in an input (a NaN time, a duplicate case)."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Invocation:
    """One process a runner starts for a list of tests."""

    argv: tuple[str, ...]
    junit: str | None = None  # where the runner writes its JUnit report
    env: tuple[tuple[str, str], ...] = ()  # added to the inherited environment
    cwd: str | None = None
    tests: tuple[str, ...] = field(default=())  # the test ids this invocation covers
