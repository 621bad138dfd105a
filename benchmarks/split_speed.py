"""Time `split` on a 1M-testcase JUnit file against a bare lxml parse of the same file.

    python benchmarks/split_speed.py [--file BIG.xml | --cases 1000000] [--repeat 3]

Generates the file with gen_junit.py unless `--file` is given, then measures, each in its own
child process (best wall time of `--repeat` runs, peak RSS of that child):

- bare: `lxml.etree.iterparse` touching each testcase's classname/name/time, clearing as it goes
  (the reference: nothing can read the file much faster in Python);
- rows: `junit.reader.iter_timing_rows` (the reader's lean stream that history uses);
- cases: `junit.reader.iter_report(details=False)` (CaseResult objects);
- history: `history.load_history([FILE])`, our share of `split`;
- floor: the least any `split` of this file must do in Python, with no estimation, balancing,
  digest or checks: the bare parse keeping each case's classname, name and time, one id per
  case, the canonical sort (longest first, ties by id), a round-robin deal into the shards,
  and the outputs DESIGN requires (plan.json's test lists through the C JSON encoder, one
  shard file each). If the floor alone is near 2x bare, the 2.0x target cannot be met by
  more work done better, only by less Python per test;
- split: `paratest-split split --shards 50 --discover junit --group-by test --junit FILE
  --out TMP` (skipped, with a note, while the command is not built).

Targets: split <= 2.0x bare, <= 500 MB peak RSS. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

BARE = """
import json, resource, sys, time
from lxml import etree
start = time.perf_counter()
n = 0
for _, el in etree.iterparse(sys.argv[1], events=("end",), tag="testcase"):
    el.get("classname"); el.get("name"); el.get("time")
    n += 1
    el.clear(keep_tail=True)
    while el.getprevious() is not None:
        del el.getparent()[0]
print(json.dumps({"seconds": time.perf_counter() - start, "items": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ROWS = """
import json, resource, sys, time
from pathlib import Path
from paratest_split.junit.reader import iter_timing_rows
start = time.perf_counter()
n = sum(1 for _ in iter_timing_rows(Path(sys.argv[1])))
print(json.dumps({"seconds": time.perf_counter() - start, "items": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CASES = """
import json, resource, sys, time
from pathlib import Path
from paratest_split.junit.reader import iter_report
start = time.perf_counter()
n = sum(1 for _ in iter_report(Path(sys.argv[1]), details=False))
print(json.dumps({"seconds": time.perf_counter() - start, "items": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

HISTORY = """
import json, resource, sys, time
from pathlib import Path
from paratest_split.history import load_history
start = time.perf_counter()
history = load_history([Path(sys.argv[1])])
loaded = time.perf_counter() - start
estimates = history.estimates()
print(json.dumps({"seconds": loaded, "items": len(history.cases),
                  "estimates_seconds": time.perf_counter() - start - loaded,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = r"""
import json, os, resource, sys, tempfile, time
from lxml import etree
start = time.perf_counter()
rows = []
keep = rows.append
for _, el in etree.iterparse(sys.argv[1], events=("end",), tag="testcase"):
    keep((el.get("classname"), el.get("name"), el.get("time")))
    el.clear(keep_tail=True)
    while el.getprevious() is not None:
        del el.getparent()[0]
prefix = {}
ids = [prefix.setdefault(c, c + "::") + n for c, n, _ in rows]
seconds = [float(t or 0) for _, _, t in rows]
del rows
order = sorted(range(len(ids)), key=ids.__getitem__)
order.sort(key=seconds.__getitem__, reverse=True)
ids = [ids[i] for i in order]
shards = int(sys.argv[2])
out = tempfile.mkdtemp()
with open(os.path.join(out, "plan.json"), "w", encoding="utf-8") as plan:
    for j in range(shards):
        plan.write(json.dumps(ids[j::shards], ensure_ascii=False, separators=(",\n      ", ": ")))
for j in range(shards):
    with open(os.path.join(out, f"shard-{j}.txt"), "w", encoding="utf-8") as shard:
        shard.write("\n".join(ids[j::shards]) + "\n")
print(json.dumps({"seconds": time.perf_counter() - start, "items": len(ids),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# A wrapper whose only child is the command, so RUSAGE_CHILDREN is that command's peak RSS.
COMMAND = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - start, "returncode": done.returncode,
                  "stderr": done.stderr[-2000:],
                  "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(code: str, args: list[str], repeat: int) -> dict[str, object]:
    runs = [_child(code, *args) for _ in range(repeat)]
    return min(runs, key=lambda run: float(str(run["seconds"])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="an existing JUnit file (default: generate)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="split-speed-"))
    try:
        junit = args.file
        if junit is None:
            junit = work / "big.xml"
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "gen_junit.py"),
                    str(junit),
                    "--cases",
                    str(args.cases),
                ],
                check=True,
            )
        print(f"file: {junit} ({junit.stat().st_size / 1e6:.0f} MB)")
        results: dict[str, dict[str, object]] = {}
        for label, code in (("bare", BARE), ("rows", ROWS), ("cases", CASES), ("history", HISTORY)):
            results[label] = _best(code, [str(junit)], args.repeat)
        results["floor"] = _best(FLOOR, [str(junit), str(args.shards)], args.repeat)
        exe = shutil.which("paratest-split") or str(Path(sys.executable).parent / "paratest-split")
        split_argv = [
            exe, "split", "--shards", str(args.shards), "--discover", "junit",
            "--group-by", "test", "--junit", str(junit), "--out", str(work / "plan"),
        ]  # fmt: skip
        split = _best(COMMAND, split_argv, args.repeat)
        if split.get("returncode") == 0:
            results["split"] = split
        else:
            print(f"split: not measured (exit {split.get('returncode')}): {split.get('stderr')}")
        bare = float(str(results["bare"]["seconds"]))
        for label, run in results.items():
            seconds = float(str(run["seconds"]))
            extra = ""
            if "estimates_seconds" in run:
                extra = f"  (+{float(str(run['estimates_seconds'])):.2f} s for all estimates)"
            print(
                f"{label:8} {seconds:6.2f} s  {seconds / bare:4.2f}x bare  "
                f"peak RSS {float(str(run['rss_mb'])):6.0f} MB  items {run.get('items', '-')}"
                f"{extra}"
            )
        if "split" in results:
            ratio = float(str(results["split"]["seconds"])) / bare
            rss = float(str(results["split"]["rss_mb"]))
            verdict = "OK" if ratio <= 2.0 and rss <= 500 else "OVER TARGET"
            print(f"split target (<= 2.0x bare, <= 500 MB): {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
