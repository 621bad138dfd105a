"""The pytest plugin measures, per test file, what running a test costs beyond its testcase
time (pytest's reporting and bookkeeping), in a real pytest process whose conftest makes the
reporting of one file's tests slow."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

pytestmark = pytest.mark.slow

SLOW_REPORT = 0.03  # seconds the conftest's report hook sleeps per phase of test_slow.py's tests


def _run(tmp_path: Path) -> dict[str, float]:
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "tests" / "conftest.py").write_text(
        textwrap.dedent(
            f"""\
            import time
            def pytest_runtest_logreport(report):
                if "test_slow.py" in report.nodeid:
                    time.sleep({SLOW_REPORT})
            """
        ),
        encoding="utf-8",
    )
    (proj / "tests" / "test_slow.py").write_text(
        "".join(f"def test_s{i}(): pass\n" for i in range(4)), encoding="utf-8"
    )
    (proj / "tests" / "test_fast.py").write_text(
        "import time\n" + "".join(f"def test_f{i}(): time.sleep(0.05)\n" for i in range(4)),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PARATEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--junitxml=r.xml", "tests"],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tree = etree.parse(str(proj / "r.xml"))
    found: dict[str, float] = {}
    for prop in tree.iter("property"):
        name, value = prop.get("name") or "", prop.get("value") or ""
        if name.startswith("paratest.overhead"):
            found[name] = float(value)
    return found


def test_overhead_is_measured_per_file_outside_testcase_times(tmp_path: Path) -> None:
    overheads = _run(tmp_path)
    assert set(overheads) == {
        "paratest.overhead",
        "paratest.overhead:tests/test_slow.py",
        "paratest.overhead:tests/test_fast.py",
    }
    slow = overheads["paratest.overhead:tests/test_slow.py"]
    fast = overheads["paratest.overhead:tests/test_fast.py"]
    # three phases reported per test, each slept in the hook: outside the testcase time
    assert slow >= 3 * SLOW_REPORT
    # test_fast's own 50 ms sleeps are testcase time, not overhead
    assert fast < SLOW_REPORT
    assert overheads["paratest.overhead"] == pytest.approx(4 * slow + 4 * fast, abs=0.001)
