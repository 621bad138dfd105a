"""Benchmark `merge_reports`: many shard reports, a million testcases in all.

    python benchmarks/merge_speed.py [--files 100] [--cases 1000000] [--retried 0.01] [--dir D]
                                     [--with-plan] [--profile]

Writes the shard reports (pytest-like: dotted classnames, parametrised names with brackets,
quotes and non-ASCII, 1% failures with a traceback, 3% skipped) into D (a temporary directory by
default; an existing D/results made with the same options is reused), the last file re-running
`--retried` of the tests (so that share is folded), then merges them in a fresh process and
prints the merge's wall time, CPU time and peak RSS. The merge also runs with a plan of every
test when `--with-plan` is given; `--profile` prints the top of a cProfile of the merge.

Acceptance (issue 4): 100 files, 1,000,000 testcases: <= 15 s and <= 500 MB peak RSS on the
2-core CI box. Measured there (shared: load average 1-3.5, so wall time varies):
- before (two passes, a CaseResult per case): 14.8-34 s wall (15-19 s CPU), 122 MB; 61 s
  under heavy load;
- after (one pass; plain passes in bulk as columns; first results taken back out only for
  repeated keys): 5.2-8.5 s wall (5-8 s CPU), 164-173 MB. The reader's lxml parse and
  callbacks are now about two thirds of it.
- `--with-plan` (a plan of all 1M tests): 31 s before, 15.5 s after, 1.5 GB; of that,
  `manifest.read_plan` takes 6-7 s and ~1 GB and building the `Checker` 3-4 s.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

PARAMS = ("", "", "[en-US]", "[a b]", "[caf\u00e9-\u00fc]", "[timedelta64[s](NaT)]", "['q'-\"d\"]")


def _case(rng: random.Random, shard: int, n: int, *, fail_rate: float = 0.01) -> str:
    classname = f"tests.area{shard % 10}.test_mod{n // 50}.TestThing{n % 7}"
    name = f"test_case_{shard}_{n}{PARAMS[n % len(PARAMS)]}"
    seconds = rng.lognormvariate(-3.2, 1.5)
    head = f'<testcase classname={quoteattr(classname)} name={quoteattr(name)} time="{seconds:.3f}"'
    roll = rng.random()
    if roll < fail_rate:
        trace = (
            f"def {name}():\n>       assert x == 1\nE       assert 2 == 1\n\n"
            f"tests/x.py:{n}: AssertionError"
        )
        return f'{head}><failure message="assert 2 == 1">{escape(trace)}</failure></testcase>\n'
    if roll < fail_rate + 0.03:
        return f'{head}><skipped type="pytest.skip" message="later">skip</skipped></testcase>\n'
    return head + "/>\n"


def generate(directory: Path, files: int, cases: int, retried: float) -> list[Path]:
    rng = random.Random(7)
    directory.mkdir(parents=True, exist_ok=True)
    rerun = int(cases * retried)
    per_file = (cases - rerun) // (files - 1 if rerun else files)
    written = []
    for shard in range(files - 1 if rerun else files):
        path = directory / f"shard-{shard}.xml"
        with path.open("w", encoding="utf-8") as fh:
            fh.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest tests">')
            fh.write(
                f'<testsuite name="pytest" tests="{per_file}" errors="0" failures="0" '
                'skipped="0">\n'
            )
            fh.write(
                f'<properties><property name="paratest.shard" value="{shard}"/></properties>\n'
            )
            fh.writelines(_case(rng, shard, n) for n in range(per_file))
            fh.write("</testsuite></testsuites>\n")
        written.append(path)
    if rerun:
        # a re-run of shard 0's first tests (attempt 2): these get folded
        path = directory / "shard-0-attempt-2.xml"
        with path.open("w", encoding="utf-8") as fh:
            fh.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest tests">')
            fh.write('<testsuite name="pytest" tests="0" errors="0" failures="0" skipped="0">\n')
            fh.write(
                '<properties><property name="paratest.shard" value="0"/>'
                '<property name="paratest.attempt" value="2"/></properties>\n'
            )
            fh.writelines(_case(rng, 0, n, fail_rate=0.0) for n in range(min(rerun, per_file)))
            fh.write("</testsuite></testsuites>\n")
        written.append(path)
    return written


CHILD = """
import cProfile, io, json, pstats, resource, sys, time
from pathlib import Path
from paratest_split.junit.merge import merge_reports
from paratest_split.manifest import read_plan
plan = read_plan(Path(sys.argv[4])) if len(sys.argv) > 4 else None
profile = cProfile.Profile() if sys.argv[3] == "profile" else None
start, cpu = time.perf_counter(), time.process_time()
if profile is not None:
    profile.enable()
result = merge_reports([sys.argv[1]], Path(sys.argv[2]), plan=plan)
if profile is not None:
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(25)
    print(text.getvalue(), file=sys.stderr)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
                  "peak_rss_mb": round(peak, 1),
                  "tests": result.totals.tests, "folded": result.folded,
                  "flaky": result.totals.flaky,
                  "failures": result.totals.failures, "reports": len(result.reports),
                  "missing": result.missing}))
"""


def _write_plan(directory: Path, reports: list[Path], plan_dir: Path) -> None:
    from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
    from paratest_split.junit.reader import iter_timing_rows
    from paratest_split.manifest import write_plan

    shards, items = [], []
    for index, report in enumerate(r for r in reports if "attempt" not in r.name):
        ids = []
        for row in iter_timing_rows(report):
            if isinstance(row, tuple):
                test_id = f"{row[0]}::{row[1]}"
                ids.append(test_id)
                items.append(TestItem(id=test_id, classname=row[0], name=row[1]))
        shards.append(Shard(index=index, predicted_seconds=100.0, tests=tuple(ids)))
    write_plan(
        Plan(
            shards=len(shards),
            group_by=GroupBy.TEST,
            algorithm="bench",
            inputs_digest="b",
            predicted_makespan_seconds=100.0,
            lower_bound_seconds=100.0,
            shards_detail=tuple(shards),
            unknown_tests=(),
            discover="lines",
            items=tuple(items),
        ),
        plan_dir,
    )
    del directory


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--retried", type=float, default=0.01)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--with-plan", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the merge")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        start = time.perf_counter()
        stamp = base / "results" / ".options"
        options = f"{args.files} {args.cases} {args.retried}"
        if stamp.is_file() and stamp.read_text() == options:
            reports = sorted((base / "results").glob("*.xml"))
            print(f"reusing {len(reports)} files in {base / 'results'}")
        else:
            reports = generate(base / "results", args.files, args.cases, args.retried)
            stamp.write_text(options)
        size = sum(p.stat().st_size for p in reports) / 1e6
        print(f"{len(reports)} files, {size:.0f} MB, ready in {time.perf_counter() - start:.1f} s")
        argv = [
            sys.executable,
            "-c",
            CHILD,
            str(base / "results"),
            str(base / "merged.xml"),
            "profile" if args.profile else "-",
        ]
        if args.with_plan:
            _write_plan(base, reports, base / "plan")
            argv.append(str(base / "plan"))
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        if args.profile:
            print(done.stderr)
        data = json.loads(done.stdout)
        data["merged_mb"] = round((base / "merged.xml").stat().st_size / 1e6, 1)
        print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
