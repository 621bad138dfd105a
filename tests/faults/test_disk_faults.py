"""Issue 11, item 6: a full device where reports are written.

On a real, small tmpfs (mounted here as root; skipped where the machine does not allow it).
It used to be exit 3 "internal error: OSError [Errno 28]" with a `.spool-*.part` left in the
full directory. Now: exit 4 naming the flag, the path and the reason; no temporary file left;
a shard report that cannot be written is saved in the temporary directory, named in the error.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import no_traceback, paratest

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs at tmp_path/disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or 'not root'}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, kib: int) -> None:
    with (disk / "filler").open("wb") as out:
        try:
            out.write(b"\0" * kib * 1024)
            out.flush()
        except OSError:
            pass


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name != "filler" and p.is_file())


def _big_report(path: Path, cases: int = 3000) -> Path:
    body = "".join(
        f'<testcase classname="tests.test_a" name="test_{i}" time="0.01"/>' for i in range(cases)
    )
    path.write_text(f'<testsuite name="big">{body}</testsuite>', encoding="utf-8")
    return path


def test_merge_onto_a_full_device(tmp_path: Path, small_disk: Path) -> None:
    _big_report(tmp_path / "big.xml")  # ~190 KB of cases: more than the device holds
    result = paratest(["merge", "big.xml", "-o", str(small_disk / "junit.xml")], tmp_path)
    no_traceback(result)
    assert result.returncode == 4, result.stderr
    assert re.search(
        r"-o/--out \S+junit\.xml: cannot write the report: No space left", result.stderr
    )
    assert _leftovers(small_disk) == []  # no spool, no half report


def test_merge_store_onto_a_full_device(tmp_path: Path, small_disk: Path) -> None:
    """Held before: the merged report is written, history is not, exit 4, nothing left."""
    _big_report(tmp_path / "big.xml")
    history = small_disk / "history"
    history.mkdir()
    _fill(small_disk, 64)
    result = paratest(["merge", "big.xml", "-o", "junit.xml", "--store", str(history)], tmp_path)
    no_traceback(result)
    assert result.returncode == 4, result.stderr
    assert "not stored" in result.stderr
    assert "No space left on device" in result.stderr
    assert (tmp_path / "junit.xml").is_file()  # the merged report itself was written
    assert _leftovers(small_disk) == []


def test_run_report_onto_a_full_device_is_saved_elsewhere(three: Path, small_disk: Path) -> None:
    plan = paratest(["--shards", "1", "--discover", "pytest", "--out", "plan"], three)
    assert plan.returncode == 0, plan.stderr
    _fill(small_disk, 64)
    out = small_disk / "results"
    result = paratest(["run", "--plan", "plan", "--index", "0", "--output", str(out)], three)
    no_traceback(result)
    assert result.returncode == 4, result.stderr
    match = re.search(r"the report was saved as (\S+\.xml)", result.stderr)
    assert match, result.stderr
    saved = Path(match.group(1))
    try:
        text = saved.read_text(encoding="utf-8")
        assert text.count("<testcase") == 6  # every result kept
        assert "<failure" in text
    finally:
        saved.unlink(missing_ok=True)
    assert _leftovers(small_disk) == []
