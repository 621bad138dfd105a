from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError
from paratest_split.core.model import Attempt, CaseResult, Outcome
from paratest_split.junit.reader import read_report
from paratest_split.junit.writer import write_report
from paratest_split.store import STORED_NAME, prune, store_problem, store_report, stored_runs

UTC = dt.timezone.utc


def _report(path: Path, seconds: float) -> Path:
    flaky = CaseResult(
        classname="c",
        name="flaky",
        final=Attempt(outcome=Outcome.PASSED, time=seconds),
        earlier=(Attempt(outcome=Outcome.FAILED, time=seconds * 10, message="x"),),
    )
    write_report(path, [("s", [flaky])])
    return path


def test_stored_name_sorts_by_utc_time_and_content_is_gzip(tmp_path: Path) -> None:
    report = _report(tmp_path / "junit.xml", 2.0)
    local = dt.datetime(2026, 3, 1, 14, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    stored = store_report(report, tmp_path / "hist", 5, now=local)
    assert STORED_NAME.match(stored.name)
    assert stored.name.startswith("20260301T120509Z-")
    with gzip.open(stored) as fh:
        assert fh.read() == report.read_bytes()
    # history learns the final attempt's time, not the sum of the retried attempts
    cases, _, _ = read_report(stored)
    assert cases[0].final.time == 2.0
    assert cases[0].flaky


def test_prunes_to_keep_and_leaves_foreign_files(tmp_path: Path) -> None:
    history = tmp_path / "hist"
    history.mkdir()
    (history / "notes.txt").write_text("mine")
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    stored = [
        store_report(
            _report(tmp_path / f"r{i}.xml", float(i)),
            history,
            3,
            now=start + dt.timedelta(minutes=i),
        )
        for i in range(5)
    ]
    assert stored_runs(history) == stored[2:]
    assert (history / "notes.txt").exists()
    assert [p.name for p in stored_runs(history)] == sorted(p.name for p in stored[2:])
    assert prune(history, 0) == []  # 0 keeps everything
    assert len(stored_runs(history)) == 3
    assert prune(history, 1) == stored[2:4]


def test_same_report_same_second_is_one_run_and_gz_input_is_copied(tmp_path: Path) -> None:
    report = _report(tmp_path / "junit.xml", 1.0)
    moment = dt.datetime(2026, 5, 5, 5, 5, 5, tzinfo=UTC)
    first = store_report(report, tmp_path / "h", 10, now=moment)
    again = store_report(report, tmp_path / "h", 10, now=moment)
    assert first == again
    packed = tmp_path / "junit.xml.gz"
    packed.write_bytes(gzip.compress(report.read_bytes()))
    third = store_report(packed, tmp_path / "h", 10, now=moment)
    assert third == first  # digest of the uncompressed content
    assert len(stored_runs(tmp_path / "h")) == 1


def test_unreadable_report_is_bad_input(tmp_path: Path) -> None:
    broken = tmp_path / "junit.xml.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(BadInputError, match=r"junit\.xml\.gz"):
        store_report(broken, tmp_path / "h", 3)


def test_made_up_results_never_become_history(tmp_path: Path) -> None:
    """Finding 2: a missing test (no `time`) stored as history is not a 0 s timing."""
    from paratest_split.history import load_history
    from paratest_split.junit.reader import iter_timing_rows

    report = tmp_path / "junit.xml"
    made_up = CaseResult(
        classname="c",
        name="missing",
        final=Attempt(outcome=Outcome.ERROR, type="missing", time_known=False),
    )
    ran = CaseResult(classname="c", name="ran", final=Attempt(outcome=Outcome.PASSED, time=3.0))
    write_report(report, [("s", [made_up, ran])])
    stored = store_report(report, tmp_path / "hist", 5)
    rows = {r[1]: r[3] for r in iter_timing_rows(stored) if isinstance(r, tuple)}
    assert rows == {"missing": None, "ran": 3.0}
    history = load_history([stored])
    assert history.estimate(("c", "ran")) == 3.0
    assert history.estimate(("c", "missing")) is None


def test_a_file_where_the_store_should_be_is_a_clear_error(tmp_path: Path) -> None:
    """Finding 4: `merge --store storefile` crashed (FileExistsError from mkdir, exit 3)."""
    report = _report(tmp_path / "junit.xml", 1.0)
    blocker = tmp_path / "storefile"
    blocker.write_text("not a directory")
    assert store_problem(blocker) == "not a directory"
    assert store_problem(blocker / "sub") is not None  # cannot be created under a file
    with pytest.raises(BadInputError, match=r"storefile: cannot store the report: "):
        store_report(report, blocker, 3)
    with pytest.raises(BadInputError, match=r"storefile/sub: cannot store the report: "):
        store_report(report, blocker / "sub", 3)
    assert blocker.read_text() == "not a directory"
    fresh = tmp_path / "a" / "b"
    assert store_problem(fresh) is None
    assert fresh.is_dir()  # created, ready for the store after the merge


@pytest.mark.parametrize("name", ["junit.xml", "junit.xml.gz"])
def test_reports_and_stored_history_follow_the_umask_not_mkstemps_0600(
    tmp_path: Path, name: str
) -> None:
    """Written as root in a container, collected by a CI agent of another user."""
    import os

    old = os.umask(0o027)  # not the usual 022: the mode must come from the umask
    try:
        report = _report(tmp_path / name, 1.0)
        stored = store_report(report, tmp_path / "hist", 5)
    finally:
        os.umask(old)
    assert report.stat().st_mode & 0o777 == 0o640
    assert stored.stat().st_mode & 0o777 == 0o640
