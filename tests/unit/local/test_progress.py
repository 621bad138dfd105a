from __future__ import annotations

import io

from paratest_split.local import progress as pg


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_board_counts_tests_once_and_failures_by_latest_attempt() -> None:
    clock = Clock()
    board = pg.Board(workers=2, clock=clock)
    board.plan(0, tests=3, predicted=9.0)
    board.apply(pg.Event(worker=0, kind=pg.UNIT_START, count=3, seconds=9.0))
    board.apply(pg.Event(worker=0, kind=pg.TEST, detail="passed", test="a"))
    board.apply(pg.Event(worker=0, kind=pg.TEST, detail="failed", test="b"))
    state = board.apply(pg.Event(worker=0, kind=pg.TEST, detail="error", test="c"))
    assert (state.done, state.failed) == (3, 2)
    board.apply(pg.Event(worker=0, kind=pg.PHASE, detail="retry 1: 2 tests"))
    state = board.apply(pg.Event(worker=0, kind=pg.TEST, detail="passed", test="b"))
    assert (state.done, state.failed, state.status) == (3, 1, "retry 1: 2 tests")
    clock.now = 112.5
    state = board.apply(pg.Event(worker=0, kind=pg.WORKER_END, detail="failed"))
    assert state.elapsed(999.0) == 12.5
    assert state.predicted == 9.0  # planned, not added again by the unit
    assert pg.row(state, 999.0) == ("0", "3/3", "1", "12.5s", "9.0s", "failed")
    assert board.snapshot()[1].status == "waiting"


def test_board_dynamic_units_accumulate() -> None:
    board = pg.Board(workers=1, clock=Clock())
    board.apply(pg.Event(worker=0, kind=pg.UNIT_START, count=2, seconds=3.0))
    state = board.apply(pg.Event(worker=0, kind=pg.UNIT_START, count=5, seconds=1.5))
    assert (state.total, state.planned_total, state.predicted, state.units) == (7, 7, 4.5, 2)


def test_fmt_seconds() -> None:
    assert pg.fmt_seconds(3.04) == "3.0s"
    assert pg.fmt_seconds(-1) == "0.0s"
    assert pg.fmt_seconds(125) == "2m05s"
    assert pg.fmt_seconds(3 * 3600 + 120) == "3h02m"


def test_line_log_prints_notable_events_only() -> None:
    out = io.StringIO()
    board = pg.Board(workers=1, clock=Clock())
    log = pg.make_display(board, out, live=False)
    assert isinstance(log, pg.LineLog)
    log.start()
    log.event(pg.Event(worker=0, kind=pg.UNIT_START, detail="shard 0", count=8, seconds=4.0))
    for i in range(8):
        log.event(pg.Event(worker=0, kind=pg.TEST, detail="passed", test=f"t{i}"))
    log.event(pg.Event(worker=0, kind=pg.TEST, detail="failed", test="t3"))
    log.event(pg.Event(worker=0, kind=pg.UNIT_END, detail="failed"))
    log.message("hello")
    log.stop()
    lines = out.getvalue().splitlines()
    assert lines[0] == "[local] worker 0: start shard 0 (8 tests, predicted 4.0s)"
    # quarters 1-3 of 8 tests, not every test
    assert [line for line in lines if "/8 tests," in line and "start" not in line][:3] == [
        "[local] worker 0: 2/8 tests, 0.0s",
        "[local] worker 0: 4/8 tests, 0.0s",
        "[local] worker 0: 6/8 tests, 0.0s",
    ]
    assert "[local] worker 0: FAILED t3" in lines
    assert lines[-2] == "[local] worker 0: failed: 8/8 tests, 1 failed, 0.0s"
    assert lines[-1] == "[local] hello"


def test_live_display_renders_a_row_per_worker() -> None:
    out = io.StringIO()
    board = pg.Board(workers=2, clock=Clock())
    board.plan(1, tests=4, predicted=2.0)
    live = pg.make_display(board, out, live=True, title="t")
    assert isinstance(live, pg.LiveDisplay)
    live.start()
    live.event(pg.Event(worker=1, kind=pg.TEST, detail="passed", test="x"))
    live.message("note")
    live.stop()
    text = out.getvalue()
    assert "1/4" in text
    assert "note" in text
    assert "worker" in text


def test_make_display_picks_lines_when_not_a_tty() -> None:
    assert isinstance(pg.make_display(pg.Board(workers=1), io.StringIO()), pg.LineLog)


def test_worker_end_keeps_an_earlier_failure_visible() -> None:
    board = pg.Board(workers=1, clock=Clock())
    board.apply(pg.Event(worker=0, kind=pg.UNIT_START, count=1, seconds=1.0))
    board.apply(pg.Event(worker=0, kind=pg.TEST, detail="failed", test="a"))
    board.apply(pg.Event(worker=0, kind=pg.UNIT_END, detail="failed"))
    board.apply(pg.Event(worker=0, kind=pg.UNIT_START, count=1, seconds=1.0))
    board.apply(pg.Event(worker=0, kind=pg.TEST, detail="passed", test="b"))
    board.apply(pg.Event(worker=0, kind=pg.UNIT_END, detail="passed"))
    assert board.apply(pg.Event(worker=0, kind=pg.WORKER_END)).status == "failed"
    other = pg.Board(workers=1, clock=Clock())
    other.apply(pg.Event(worker=0, kind=pg.UNIT_END, detail="passed"))
    assert other.apply(pg.Event(worker=0, kind=pg.WORKER_END)).status == "passed"
    assert other.apply(pg.Event(worker=0, kind=pg.WORKER_END, detail="interrupted")).status == (
        "interrupted"
    )
