"""paratest-split's default plan against pytest-split's `least_duration` on real PyPI suites.

Run by hand (never in CI, takes minutes; wall time is noisy on a shared machine, CPU time is the
robust figure):

    python benchmarks/real_suites.py                       # networkx and scipy.sparse, N=4
    python benchmarks/real_suites.py --suite networkx --shards 4 --out benchmarks/results/x.md

For each suite, in a pinned venv under the cache directory (default ~/.cache/paratest-bench,
outside the repository) holding the suite, pytest, pytest-split and this checkout
(`pip install -e`), all in the SAME venv (paratest-split's dependencies change which tests run,
FIELD-NOTES):

1. one serial pytest run writes the JUnit history (with paratest-split installed its pytest
   plugin records start-up and per-file collection times in it);
2. `paratest-split split --shards N` with the default options (`group_by: auto`) plans from that
   one file, and `paratest-split run --index I` runs each shard;
3. pytest-split runs `--splits N --group I --splitting-algorithm least_duration` with a
   durations file made from the same JUnit file (node id -> setup+call+teardown seconds, as
   its `--store-durations` writes; passed as `--durations-path=FILE`: the space form silently
   matches nothing, FIELD-NOTES);
4. every shard of both tools runs one after another; each is timed as a whole process (wall,
   and CPU of the process and its children from `resource.getrusage(RUSAGE_CHILDREN)`);
5. `paratest-split merge --plan` checks that our shards ran every planned test once.

Printed per suite: `uptime` load, per-shard wall/CPU of both tools, makespans, ratios to
serial/N, and our predicted vs actual time per shard.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from paratest_split.core.identity import pytest_nodeid_candidates  # noqa: E402
from paratest_split.discovery.pytest import parse_collect_output  # noqa: E402
from paratest_split.junit.reader import read_report  # noqa: E402


@dataclass(frozen=True)
class Suite:
    name: str
    python: str  # interpreter for the venv
    packages: tuple[str, ...]  # pinned
    args: tuple[str, ...]  # pytest arguments (ids depend on them: same for every run)


PYTHON = "python3.12"
COMMON = ("pytest==8.4.2", "pytest-split==0.10.0")
SUITES = {
    "networkx": Suite(
        name="networkx",
        python=PYTHON,
        packages=("networkx==3.6", "numpy==2.2.6", "scipy==1.15.3", *COMMON),
        args=("--pyargs", "networkx", "-p", "no:cacheprovider"),
    ),
    "scipy.sparse": Suite(
        name="scipy",  # the venv's name
        python=PYTHON,
        packages=("scipy==1.15.3", "numpy==2.2.6", "hypothesis==6.135.0", *COMMON),
        args=("--pyargs", "scipy.sparse", "-p", "no:cacheprovider"),
    ),
}
# single-threaded BLAS: CPU time then measures the tests, not idle spinning threads
QUIET_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Timed:
    wall: float
    cpu: float
    code: int


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Timed:
    """Run one process to completion; its wall time and the CPU time of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(
            list(argv), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        ).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall=wall, cpu=cpu, code=code)


def venv(cache: Path, suite: Suite) -> Path:
    """The suite's venv (built once): pinned packages, then this checkout, editable."""
    path = cache / suite.name
    marker = path / ".paratest-bench-ready"
    wanted = "\n".join(suite.packages)
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        return path
    python = shutil.which(suite.python) or sys.executable
    subprocess.run([python, "-m", "venv", "--clear", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, *suite.packages], check=True)
    subprocess.run([*pip, "-e", str(REPO)], check=True)
    marker.write_text(wanted, encoding="utf-8")
    return path


def suite_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PARATEST_"))}
    env.update(QUIET_ENV)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHASHSEED", None)
    return env


def durations_file(junit: Path, collected: Sequence[str], target: Path) -> int:
    """pytest-split's durations file (node id -> seconds) from a JUnit report; how many ids."""
    known = set(collected)
    cases, _, _ = read_report(junit)
    durations: dict[str, float] = {}
    for case in cases:
        if not case.final.time_known:
            continue
        for nodeid in pytest_nodeid_candidates(case.classname, case.name):
            if nodeid in known:
                durations[nodeid] = durations.get(nodeid, 0.0) + case.final.time
                break
    target.write_text(json.dumps(durations, sort_keys=True, indent=1), encoding="utf-8")
    return len(durations)


def uptime() -> str:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def bench(suite_key: str, shards: int, cache: Path, *, reuse_history: bool) -> str:
    suite = SUITES[suite_key]
    env_dir = venv(cache, suite)
    bin_dir = env_dir / "bin"
    python = str(bin_dir / "python")
    tool = str(bin_dir / "paratest-split")
    work = cache / "work" / suite.name
    work.mkdir(parents=True, exist_ok=True)
    env = suite_env(bin_dir)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    args = list(suite.args)
    lines = [f"## {suite_key}, N={shards}", "", f"load before: `{uptime()}`", ""]

    # 1. one serial run: the history
    history = work / "history" / "serial.xml"
    history.parent.mkdir(exist_ok=True)
    if reuse_history and history.exists():
        serial = None
    else:
        serial = timed(
            [python, "-m", "pytest", *args, f"--junitxml={history}", "-q"],
            work,
            env,
            logs / "serial.log",
        )
    collect = subprocess.run(
        [python, "-m", "pytest", "--collect-only", *args, "--verbosity=-1"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    collected = parse_collect_output(collect.stdout)
    serial_case_time = sum(c.final.time for c in read_report(history)[0] if c.final.time_known)

    # 2. our default plan and its shards
    plan_dir = work / "plan"
    results = work / "results"
    shutil.rmtree(results, ignore_errors=True)
    discover = ["--discover-args", " ".join(args)]
    planned = subprocess.run(
        [
            tool,
            "split",
            "--shards",
            str(shards),
            "--junit",
            str(history),
            "--out",
            str(plan_dir),
            *discover,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if planned.returncode != 0:
        raise SystemExit(f"split failed: {planned.stdout}{planned.stderr}")
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    ours: list[Timed] = []
    for index in range(shards):
        ours.append(  # noqa: PERF401 - one shard after another, each timed
            timed(
                [
                    tool,
                    "run",
                    "--plan",
                    str(plan_dir),
                    "--index",
                    str(index),
                    "--output",
                    str(results),
                    *discover,
                ],
                work,
                env,
                logs / f"ours-{index}.log",
            )
        )
    merged = subprocess.run(
        [
            tool,
            "merge",
            *map(str, sorted(results.glob("shard-*.xml"))),
            "--plan",
            str(plan_dir),
            "-o",
            str(work / "merged.xml"),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    # 3. pytest-split least_duration from the same history
    durations = work / "durations.json"
    matched = durations_file(history, collected, durations)
    theirs: list[Timed] = []
    for index in range(shards):
        theirs.append(  # noqa: PERF401 - one shard after another, each timed
            timed(
                [
                    python,
                    "-m",
                    "pytest",
                    *args,
                    "-q",
                    "--splits",
                    str(shards),
                    "--group",
                    str(index + 1),
                    "--splitting-algorithm",
                    "least_duration",
                    f"--durations-path={durations}",
                    f"--junitxml={work / f'ps-{index}.xml'}",
                ],
                work,
                env,
                logs / f"pytest-split-{index}.log",
            )
        )

    # 4. the table
    if serial is not None:
        lines.append(
            f"serial: wall {serial.wall:.1f} s, CPU {serial.cpu:.1f} s (exit {serial.code}); "
            f"{len(collected)} tests collected, JUnit case times {serial_case_time:.1f} s; "
            f"{matched} durations matched for pytest-split"
        )
        ideal_wall, ideal_cpu = serial.wall / shards, serial.cpu / shards
        # the history's times are wall times under the load of its run; CPU / wall of that run
        # turns a predicted wall time into a predicted CPU time, which load does not change
        busy = serial.cpu / serial.wall
    else:
        lines.append(f"serial: history reused ({history})")
        ideal_wall = ideal_cpu = busy = float("nan")
    summary = [
        line
        for line in planned.stdout.splitlines()
        if line.startswith(("overhead", "lower", "longest"))
    ]
    lines += ["", *(f"    {line}" for line in summary), ""]
    lines.append(
        "| shard | ours wall | ours CPU | predicted | pred/actual wall | pred x serial CPU/wall "
        "/ actual CPU | tests | pytest-split wall | pytest-split CPU |"
    )
    lines.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for index in range(shards):
        detail = plan["shards_detail"][index]
        predicted = detail["predicted_seconds"]
        mine, other = ours[index], theirs[index]
        ratio = predicted / mine.wall if mine.wall else float("nan")
        lines.append(
            f"| {index} | {mine.wall:.1f} | {mine.cpu:.1f} | {predicted:.1f} | {ratio:.2f} | "
            f"{predicted * busy / mine.cpu:.2f} | {len(detail['tests'])} | {other.wall:.1f} | "
            f"{other.cpu:.1f} |"
        )
    our_wall, our_cpu = max(t.wall for t in ours), max(t.cpu for t in ours)
    their_wall, their_cpu = max(t.wall for t in theirs), max(t.cpu for t in theirs)
    worst = max(
        abs(p["predicted_seconds"] / t.wall - 1)
        for p, t in zip(plan["shards_detail"], ours, strict=True)
    )
    worst_cpu = max(
        abs(p["predicted_seconds"] * busy / t.cpu - 1)
        for p, t in zip(plan["shards_detail"], ours, strict=True)
    )
    merge_line = (merged.stdout.strip().splitlines() or [""])[0]
    lines.append("")
    lines.append(
        f"makespan: ours wall {our_wall:.1f} s / CPU {our_cpu:.1f} s; pytest-split "
        f"least_duration wall {their_wall:.1f} s / CPU {their_cpu:.1f} s"
    )
    lines.append(
        f"ours / pytest-split: wall {our_wall / their_wall:.3f}, CPU {our_cpu / their_cpu:.3f} "
        "(acceptance: <= 0.90 both)"
    )
    lines.append(
        f"ratio to serial/{shards}: ours wall {our_wall / ideal_wall:.3f} CPU "
        f"{our_cpu / ideal_cpu:.3f}; pytest-split wall {their_wall / ideal_wall:.3f} CPU "
        f"{their_cpu / ideal_cpu:.3f}"
    )
    lines.append(
        f"predicted vs actual: worst {worst:.1%} in wall time, {worst_cpu:.1%} in CPU time "
        f"(predicted x serial CPU/wall {busy:.3f}) (acceptance: within 15% every shard)"
    )
    lines.append(
        f"exit codes: ours {[t.code for t in ours]}, pytest-split {[t.code for t in theirs]}; "
        f"merge: exit {merged.returncode}, {merge_line}"
    )
    lines += ["", f"load after: `{uptime()}`", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", choices=sorted(SUITES))
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "paratest-bench")
    parser.add_argument("--out", type=Path, help="also append the tables to this file")
    parser.add_argument(
        "--reuse-history", action="store_true", help="keep the serial history of an earlier run"
    )
    options = parser.parse_args(argv)
    for key in options.suite or sorted(SUITES):
        table = bench(key, options.shards, options.cache, reuse_history=options.reuse_history)
        print(table, flush=True)
        if options.out is not None:
            options.out.parent.mkdir(parents=True, exist_ok=True)
            with options.out.open("a", encoding="utf-8") as out:
                out.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
