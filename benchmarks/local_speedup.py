"""Speed-up of `paratest-split local --shards 4` against serial pytest (run by hand).

    .venv/bin/python benchmarks/local_speedup.py [--shards 4] [--scale 1.0] [--keep DIR]

Writes a sleep-bound pytest suite (~16 s serial at scale 1, longest test 3 s, 38 tests over 6
files, some parametrized; split by test) to a temporary directory, then measures wall times:

1. serial `python -m pytest` on the suite;
2. `paratest-split local --shards N`, run 1: no history, equal-count split;
3. the same again, run 2: balanced by the history run 1 stored in `.paratest/history/`.

and prints them with the speed-ups (serial / local). It also measures the floor of any runner that
starts one pytest per workspace: N `pytest --collect-only` started together (their start-ups and
collections compete for the machine's cores), plus the longest shard's sleep; serial divided by
that is the best speed-up such a runner can reach here, before any planning, merging or CLI.
Acceptance: run 2 >= 3.6x at 4 shards (ideal 4.0: the longest test is 3 s of 16 s).
Sleep-bound tests keep this meaningful on a 2-core machine: 4 shards wait in parallel, they do
not compute.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# file -> list of (test name, seconds); sums to 16.0 s, longest 3.0 s.
SUITE: dict[str, list[tuple[str, float]]] = {
    "test_api.py": [
        ("test_login", 3.0),
        ("test_logout", 0.2),
        ("test_profile", 0.4),
        ("test_tokens", 0.4),
    ],
    "test_billing.py": [("test_invoice", 2.5), ("test_refund", 0.3), ("test_tax", 0.5)],
    "test_catalog.py": [("test_import", 2.0), ("test_search", 0.7)],
    "test_orders.py": [("test_checkout", 1.5), ("test_cancel", 0.4), ("test_history", 0.3)],
    "test_reports.py": [("test_monthly", 1.2), ("test_daily", 0.3)],
}
# parametrized: (file, test, params, seconds each)
PARAMETRIZED = [
    ("test_notify.py", "test_channel", 10, 0.05),
    ("test_orders.py", "test_amount", 8, 0.15),
    ("test_catalog.py", "test_sku", 6, 0.1),
]


def suite_seconds(scale: float = 1.0) -> float:
    plain = sum(s for tests in SUITE.values() for _, s in tests)
    return scale * (plain + sum(n * s for _, _, n, s in PARAMETRIZED))


def write_suite(root: Path, scale: float = 1.0) -> list[str]:
    """The suite under `root`; returns its node ids."""
    tests_dir = root / "tests"
    tests_dir.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    sources: dict[str, list[str]] = {}
    ids: list[str] = []
    for file, tests in SUITE.items():
        lines = sources.setdefault(file, ["import time", "import pytest", ""])
        for name, seconds in tests:
            lines += [f"def {name}():", f"    time.sleep({seconds * scale!r})", ""]
            ids.append(f"tests/{file}::{name}")
    for file, name, count, seconds in PARAMETRIZED:
        lines = sources.setdefault(file, ["import time", "import pytest", ""])
        lines += [
            f"@pytest.mark.parametrize('n', range({count}))",
            f"def {name}(n):",
            f"    time.sleep({seconds * scale!r})",
            "",
        ]
        ids += [f"tests/{file}::{name}[{n}]" for n in range(count)]
    for file, lines in sources.items():
        (tests_dir / file).write_text("\n".join(lines))
    return ids


def _env(all_plugins: bool) -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.pop("PYTEST_ADDOPTS", None)
    if not all_plugins:
        # Our dev environment's hypothesis plugin costs ~1 s of CPU per pytest start; the suite
        # does not use it. Serial and local runs get the same flags.
        env["PYTEST_ADDOPTS"] = "-p no:hypothesispytest"
    return env


def timed(argv: list[str], cwd: Path, all_plugins: bool = False) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run(
        argv, cwd=cwd, env=_env(all_plugins), capture_output=True, text=True, check=False
    )
    return time.monotonic() - started, done.returncode, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every sleep")
    parser.add_argument("--workspaces", default="copy")
    parser.add_argument("--dynamic", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="build the suite here and keep it")
    parser.add_argument(
        "--all-plugins",
        action="store_true",
        help="load every installed pytest plugin (default: not hypothesis)",
    )
    args = parser.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="paratest-bench-"))
    try:
        ids = write_suite(root, args.scale)
        print(
            f"suite: {len(ids)} tests, {suite_seconds(args.scale):.1f} s of sleep, "
            f"longest {3.0 * args.scale:.1f} s, in {root}"
        )
        python = sys.executable
        serial, code, _ = timed(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], root, args.all_plugins
        )
        print(f"serial pytest:        {serial:6.2f} s (exit {code})")
        tool = [
            python,
            "-m",
            "paratest_split",
            "local",
            "--shards",
            str(args.shards),
            "--workspaces",
            args.workspaces,
            "--group-by",
            "test",
            "--format",
            "json",
        ]
        if args.dynamic:
            tool.append("--dynamic")
        rows = []
        for run in (1, 2):
            wall, code, output = timed(tool, root, args.all_plugins)
            summary = _summary(output)
            inner = summary.get("wall_seconds")
            predicted = summary.get("predicted_makespan_seconds")
            rows.append((run, wall, code, inner, predicted))
            print(
                f"local run {run} (exit {code}): {wall:6.2f} s wall, {serial / wall:4.2f}x "
                f"faster than serial; shards took {inner} s, predicted makespan {predicted} s"
            )
            if code != 0:
                print(output)
        starts = _concurrent_starts(root, args.shards, args.all_plugins)
        floor = starts + suite_seconds(args.scale) / args.shards
        print(
            f"floor: {args.shards} pytest start-ups + collections started together take "
            f"{starts:.2f} s here ({os.cpu_count()} cores); with a perfectly balanced plan no "
            f"runner of one pytest per workspace beats {floor:.2f} s = {serial / floor:.2f}x"
        )
        best = serial / rows[-1][1]
        ideal = suite_seconds(args.scale) / max(
            suite_seconds(args.scale) / args.shards, 3.0 * args.scale
        )
        print(f"run 2 speed-up: {best:.2f}x (ideal {ideal:.2f}x, acceptance >= 3.6x at 4 shards)")
        return 0 if all(code == 0 for _, _, code, _, _ in rows) else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _concurrent_starts(root: Path, shards: int, all_plugins: bool, repeat: int = 3) -> float:
    """Best wall time of `shards` `pytest --collect-only -q` started together in `root`."""
    argv = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    best = float("inf")
    for _ in range(repeat):
        started = time.monotonic()
        running = [
            subprocess.Popen(argv, cwd=root, env=_env(all_plugins), stdout=subprocess.DEVNULL)
            for _ in range(shards)
        ]
        for process in running:
            process.wait()
        best = min(best, time.monotonic() - started)
    return best


def _summary(output: str) -> dict[str, object]:
    start = output.find("{\n")
    if start < 0:
        return {}
    try:
        data = json.JSONDecoder().raw_decode(output[start:])[0]
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


if __name__ == "__main__":
    sys.exit(main())
