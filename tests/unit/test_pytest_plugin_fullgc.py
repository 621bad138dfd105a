"""Full garbage collections, end to end with real processes: the plugin records a leak
test's `gc.collect()` time and the heap it ran with, the plan predicts it for the shard's
own (smaller) heap, and the shard's real run shows that smaller time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

pytestmark = pytest.mark.slow

LEAK = "tests/test_leak.py::test_leak"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PARATEST_"))}


def _pytest(proj: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests", *args],
        cwd=proj,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _properties(report: Path) -> dict[str, str]:
    tree = etree.parse(str(report))
    return {p.get("name") or "": p.get("value") or "" for p in tree.iter("property")}


def _predicted(proj: Path, history: Path, out: str) -> float:
    """The predicted time of the shard that holds the leak test."""
    done = subprocess.run(
        [sys.executable, "-m", "paratest_split", "split", "--shards", "2", "--junit",
         str(history), "--discover-args", "tests", "--out", out],
        cwd=proj, env=_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    plan = json.loads((proj / out / "plan.json").read_text(encoding="utf-8"))
    (shard,) = [s for s in plan["shards_detail"] if LEAK in s["tests"]]
    assert not any("test_big" in t for t in shard["tests"]), shard
    return float(shard["predicted_seconds"])


def test_full_collections_are_predicted_for_the_shards_heap(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    # a module that holds 400k tracked objects, and slow to collect (so the plan keeps the
    # leak test away from it: it costs the shard that imports it)
    (proj / "tests" / "test_big.py").write_text(
        textwrap.dedent(
            """\
            import time
            BIG = [[i] for i in range(400_000)]
            time.sleep(0.5)
            def test_big_a(): assert len(BIG) == 400_000
            def test_big_b(): assert BIG[0] == [0]
            """
        ),
        encoding="utf-8",
    )
    (proj / "tests" / "test_leak.py").write_text(
        "import gc\ndef test_leak():\n    for _ in range(5): gc.collect()\n"
        "def test_plain(): pass\n",
        encoding="utf-8",
    )
    _pytest(proj, "--junitxml=serial.xml")
    serial = _properties(proj / "serial.xml")
    serial_gc = float(serial[f"paratest.gc:{LEAK}"])
    assert float(serial[f"paratest.gc.heap:{LEAK}"]) > 400_000
    assert float(serial["paratest.heap.blocks:tests/test_big.py"]) > 100 * float(
        serial["paratest.heap.blocks:tests/test_leak.py"]
    )
    assert 0 < float(serial["paratest.heap.per_block"]) < 1
    assert not any(n.startswith("paratest.gc:") and n != f"paratest.gc:{LEAK}" for n in serial)

    # the same history as a plugin without the heap model would write it
    tree = etree.parse(str(proj / "serial.xml"))
    for prop in list(tree.iter("property")):
        if (prop.get("name") or "").startswith(("paratest.gc", "paratest.heap")):
            prop.getparent().remove(prop)
    tree.write(str(proj / "older.xml"))
    scaled = _predicted(proj, proj / "serial.xml", "plan")
    unscaled = _predicted(proj, proj / "older.xml", "plan-older")
    # the shard's heap is ~7% of the serial run's: most of the collection time goes away
    assert unscaled - scaled > 0.6 * serial_gc

    (leak_shard,) = [
        p for p in sorted((proj / "plan").glob("shard-*.txt")) if LEAK in p.read_text("utf-8")
    ]
    _pytest(proj, f"--paratest-shard-file={leak_shard}", "--junitxml=shard.xml")
    shard = _properties(proj / "shard.xml")
    assert float(shard[f"paratest.gc.heap:{LEAK}"]) < 100_000
    assert float(shard.get(f"paratest.gc:{LEAK}", "0")) < 0.5 * serial_gc


def test_no_collector_callback_without_a_junit_report(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "tests" / "test_callbacks.py").write_text(
        textwrap.dedent(
            """\
            import gc
            def ours():
                return [c for c in gc.callbacks if type(getattr(c, "__self__", None)).__name__
                        == "_Heap"]
            def test_callbacks(request):
                junit = request.config.option.xmlpath is not None
                assert len(ours()) == (1 if junit else 0)
            """
        ),
        encoding="utf-8",
    )
    _pytest(proj)
    _pytest(proj, "--junitxml=r.xml")
