"""The `local` orchestration with recording fakes at its two boundaries: the planner (no
discovery) and the unit runner (no processes; it writes the shard report a real engine would)."""

from __future__ import annotations

import gzip
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from paratest_split import plan_inputs
from paratest_split.config import Settings
from paratest_split.core.model import (
    Attempt,
    CaseResult,
    Estimate,
    EstimateSource,
    GroupBy,
    Outcome,
    Plan,
    Shard,
    TestItem,
)
from paratest_split.core.timings import Overheads
from paratest_split.junit.writer import write_report
from paratest_split.local import progress as pg
from paratest_split.local.session import LocalResult, combine, run_local
from paratest_split.local.units import UnitJob, UnitRecord
from paratest_split.local.workspaces import WORKSPACES_DIR

TESTS = {  # id -> seconds
    "tests/test_a.py::test_1": 3.0,
    "tests/test_a.py::test_2": 1.0,
    "tests/test_b.py::test_1": 2.0,
    "tests/test_c.py::test_1": 0.5,
    "tests/test_c.py::test_2": 0.5,
}


def _item(test: str) -> TestItem:
    file, _, name = test.partition("::")
    return TestItem(id=test, file=file, classname=file[:-3].replace("/", "."), name=name)


def _fake_plan(shards: list[list[str]]) -> plan_inputs.PlanReport:
    plan = Plan(
        shards=len(shards),
        group_by=GroupBy.FILE,
        algorithm="best",
        inputs_digest="sha256:fake",
        predicted_makespan_seconds=max(sum(TESTS[t] for t in s) for s in shards),
        lower_bound_seconds=3.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=sum(TESTS[t] for t in s), tests=tuple(s))
            for i, s in enumerate(shards)
        ),
        unknown_tests=(),
        discover="pytest",
        items=tuple(_item(t) for t in sorted(TESTS)),
    )
    return plan_inputs.PlanReport(
        plan=plan,
        estimates={t: Estimate(seconds=s, source=EstimateSource.EXACT) for t, s in TESTS.items()},
        overheads=Overheads(),
        history_files=1,
        counts={"exact": len(TESTS)},
    )


class FakeRunner:
    """Writes the report a real engine would; records where each unit ran."""

    def __init__(self, fail: frozenset[str] = frozenset(), interrupt_on: int | None = None) -> None:
        self.fail = fail
        self.interrupt_on = interrupt_on
        self.calls: list[tuple[int, int, Path, bool]] = []
        self.lock = threading.Lock()

    def __call__(self, job: UnitJob) -> UnitRecord:
        with self.lock:
            self.calls.append(
                (
                    job.worker,
                    job.unit.index,
                    job.workspace.path,
                    (job.workspace.path / "tests" / "test_a.py").exists(),
                )
            )
        if self.interrupt_on == job.unit.index:
            job.stop.set()
        cases = []
        for test in job.unit.tests:
            item = _item(test)
            outcome = Outcome.FAILED if test in self.fail else Outcome.PASSED
            job.on_event(pg.Event(worker=job.worker, kind=pg.TEST, detail=outcome.value, test=test))
            assert item.classname is not None
            assert item.name is not None
            cases.append(
                CaseResult(
                    classname=item.classname,
                    name=item.name,
                    final=Attempt(outcome=outcome, time=TESTS[test]),
                )
            )
        report = job.output / f"shard-{job.unit.index}.xml"
        write_report(
            report, [("pytest", cases)], properties=(("paratest.shard", str(job.unit.index)),)
        )
        code = 1 if any(t in self.fail for t in job.unit.tests) else 0
        return UnitRecord(
            worker=job.worker,
            unit=job.unit,
            exit_code=code,
            message="",
            elapsed=0.01,
            report=report,
        )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("a", "b", "c"):
        path = tmp_path / "tests" / f"test_{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return tmp_path


def _run(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    runner: Callable[[UnitJob], UnitRecord],
    shards: list[list[str]],
    **settings: Any,
) -> tuple[LocalResult, list[pg.Event], str]:
    monkeypatch.setattr(plan_inputs, "make_plan", lambda *_args: _fake_plan(shards))
    events: list[pg.Event] = []

    class Recorder(pg.LineLog):
        def event(self, event: pg.Event) -> None:
            events.append(event)
            super().event(event)

    out = io.StringIO()
    result = run_local(
        Settings(shards=len(shards), **settings),
        {},
        project,
        display_factory=lambda board: Recorder(board, out),
        runner=runner,
    )
    return result, events, out.getvalue()


def _merged_names(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return sorted(f"{c.get('classname')}::{c.get('name')}" for c in root.iter("testcase"))


def test_static_runs_shard_i_on_worker_i_in_its_own_copy(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner()
    shards = [
        ["tests/test_a.py::test_1"],
        ["tests/test_b.py::test_1", "tests/test_c.py::test_1"],
        ["tests/test_a.py::test_2", "tests/test_c.py::test_2"],
    ]
    stale = project / "paratest-results" / "shard-7.xml"
    stale.parent.mkdir()
    stale.write_text("<testsuites/>")
    result, _, log = _run(project, monkeypatch, runner, shards)
    assert result.exit_code == 0, result.messages
    assert result.mode == "static"
    assert sorted((w, u) for w, u, _, _ in runner.calls) == [(0, 0), (1, 1), (2, 2)]
    paths = {p for _, _, p, _ in runner.calls}
    assert paths == {project / WORKSPACES_DIR / f"shard-{i}" for i in range(3)}
    assert all(copied for *_, copied in runner.calls)
    assert not (project / WORKSPACES_DIR).exists()  # removed afterwards
    assert not stale.exists()
    assert result.merged == project / "paratest-results" / "junit.xml"
    assert _merged_names(result.merged) == sorted(
        f"{_item(t).classname}::{_item(t).name}" for t in TESTS
    )
    assert result.stored is not None
    assert result.stored.parent == project / ".paratest" / "history"
    with gzip.open(result.stored) as stored:
        assert b"test_1" in stored.read()
    assert (project / "paratest-plan" / "plan.json").exists()
    assert result.predicted == {0: 3.0, 1: 2.5, 2: 1.5}
    assert result.test_seconds == pytest.approx(7.0)
    assert "static: 5 tests in 3 shards" in log


def test_failed_test_exit_1_and_history_still_stored(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner(fail=frozenset({"tests/test_c.py::test_2"}))
    result, _, _ = _run(project, monkeypatch, runner, [list(TESTS)[:3], list(TESTS)[3:]])
    assert result.exit_code == 1
    assert result.merge.totals.failures == 1
    assert result.stored is not None


def test_empty_shard_gets_no_workspace(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = FakeRunner()
    result, _, _ = _run(project, monkeypatch, runner, [list(TESTS), []])
    assert result.exit_code == 0
    assert [w for w, *_ in runner.calls] == [0]
    assert [len(w.units) for w in result.workers] == [1, 0]


def test_dynamic_runs_each_group_once_longest_first(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner()
    shards = [list(TESTS)[:3], list(TESTS)[3:]]
    result, events, _ = _run(project, monkeypatch, runner, shards, dynamic=True, workspaces="none")
    assert result.exit_code == 0, result.messages
    assert result.mode == "dynamic"
    # groups by file: a (4 s), b (2 s), c (1 s) -> units 0, 1, 2
    assert result.plan.shards == 3
    assert [s.tests for s in result.plan.shards_detail] == [
        ("tests/test_a.py::test_1", "tests/test_a.py::test_2"),
        ("tests/test_b.py::test_1",),
        ("tests/test_c.py::test_1", "tests/test_c.py::test_2"),
    ]
    assert sorted(u for _, u, _, _ in runner.calls) == [0, 1, 2]
    assert {p for _, _, p, _ in runner.calls} == {project.resolve()}
    assert result.merge.totals.tests == len(TESTS)
    assert result.merge.missing == 0
    assert sum(1 for e in events if e.kind == pg.UNIT_START) == 3
    assert result.predicted == {0: 4.0, 1: 3.0}  # simulated: a | b then c


def test_interrupt_stops_new_work_and_stores_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner(interrupt_on=0)
    shards = [[t] for t in TESTS]
    result, _, _ = _run(project, monkeypatch, runner, shards[:1], dynamic=True)
    assert result.exit_code == 2
    assert result.interrupted
    assert result.stored is None
    assert not (project / ".paratest" / "history").exists()
    assert not (project / WORKSPACES_DIR).exists()


def test_worker_crash_is_exit_3_and_others_finish(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = FakeRunner()

    def runner(job: UnitJob) -> UnitRecord:
        if job.unit.index == 1:
            raise RuntimeError("boom")
        return inner(job)

    result, _, _ = _run(project, monkeypatch, runner, [list(TESTS)[:2], list(TESTS)[2:]])
    assert result.exit_code == 3
    assert any("RuntimeError: boom" in m for m in result.messages)
    assert result.merge.missing == 3  # shard 1's tests: planned, no result
    assert not (project / WORKSPACES_DIR).exists()


def test_combine_precedence() -> None:
    assert combine([]) == 0
    assert combine([0, 0]) == 0
    assert combine([0, 1]) == 1
    assert combine([1, 12, 0]) == 12
    assert combine([12, 2, 1]) == 2
    assert combine([1, 3]) == 3
    assert combine([0, 42]) == 42


def test_unit_retry_fraction() -> None:
    from paratest_split.local.units import unit_retry_fraction

    assert unit_retry_fraction(0.2, 10) == 0.2
    assert unit_retry_fraction(0.2, 2) == 0.5  # one failure of two may still be retried
    assert unit_retry_fraction(0.2, 0) == 0.2


def test_summary_table_and_json(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paratest_split.commands.local import summary_json, summary_text

    runner = FakeRunner(fail=frozenset({"tests/test_b.py::test_1"}))
    result, _, _ = _run(project, monkeypatch, runner, [list(TESTS)[:2], list(TESTS)[2:], []])
    text = summary_text(result, "copy").splitlines()
    assert text[0].split() == ["shard", "tests", "predicted", "actual", "failed", "flaky", "status"]
    assert text[1].split()[:3] == ["0", "2", "4.0s"]
    assert text[1].split()[-2:] == ["0", "passed"]
    assert text[2].split()[:3] == ["1", "3", "3.0s"]
    assert text[2].split()[-3:] == ["1", "0", "failed"]
    assert text[3].split()[:2] == ["2", "0"]
    assert text[3].endswith("idle (empty shard)")
    assert "mode: static plan, 3 workers, copy workspaces" in text
    assert any(
        line.startswith("merged: ") and "(5 tests, 1 failed, 0 flaky, 0 missing)" in line
        for line in text
    )
    assert any("x speedup" in line for line in text)
    data = summary_json(result)
    assert data["mode"] == "static"
    assert data["exit_code"] == 1
    assert (data["tests"], data["failed"], data["missing"]) == (5, 1, 0)
    assert [w["tests"] for w in data["workers"]] == [2, 3, 0]
    assert data["test_seconds"] == 7.0
    assert data["stored"] is not None


def test_summary_when_nothing_ran(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paratest_split.commands.local import summary_text

    result, _, _ = _run(project, monkeypatch, FakeRunner(), [list(TESTS)], setup="exit 3")
    assert result.exit_code == 12
    assert result.stored is None
    assert "(no shard ran)" in summary_text(result, "copy")


def test_dynamic_unit_of_a_failed_workspace_goes_to_another_worker(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner()
    log = project / "teardowns.log"
    result, _, _ = _run(
        project,
        monkeypatch,
        runner,
        [list(TESTS)[:3], list(TESTS)[3:]],
        dynamic=True,
        workspaces="script",
        # worker 1 is slow to set up, so worker 0 surely takes a unit first
        setup_workspace="test {shard} != 0 && sleep 0.5 && mkdir -p {workspace}/tests && "
        "touch {workspace}/tests/test_a.py",
        teardown_workspace=f"echo {{shard}} >> {log}",
    )
    assert result.exit_code == 12  # worker 0's setup_workspace failed
    assert {w for w, *_ in runner.calls} == {1}
    assert sorted(u for _, u, _, _ in runner.calls) == [0, 1, 2]  # every unit still ran
    assert result.merge.missing == 0
    assert sorted(log.read_text().split()) == ["0", "1"]  # teardowns even after a failed setup
    assert result.stored is None
    assert not (project / WORKSPACES_DIR).exists()
