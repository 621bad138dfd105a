"""Balance benchmark for paratest_split.core.partition (run by hand, not part of the test suite).

    .venv/bin/python benchmarks/balance.py

Prints a markdown table: for each input shape and shard count, makespan / lower bound
(lower bound = max(total / N, largest item)) for our `best`, our `lpt`, and pytest-split's
`least_duration` and `duration_based_chunks`, plus the wall time of `best`. Then times `best` on
100,000 lognormal items over 50 shards. Every input comes from a fixed seed.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pytest_split_algorithms import duration_based_chunks, least_duration

from paratest_split.core.partition import lower_bound, partition

Items = list[tuple[str, float]]
SHARDS = (2, 4, 6, 10, 32)


def lognormal(rng: random.Random, n: int = 2000) -> Items:
    return [(f"tests/test_{i:05d}.py::t", rng.lognormvariate(0.0, 1.2)) for i in range(n)]


def pareto(rng: random.Random, n: int = 2000) -> Items:
    return [(f"tests/test_{i:05d}.py::t", 0.05 * rng.paretovariate(1.1)) for i in range(n)]


def bimodal(rng: random.Random, n: int = 2000) -> Items:
    items = [(f"tests/test_{i:05d}.py::t", rng.uniform(0.01, 0.5)) for i in range(n - 12)]
    items += [(f"tests/test_slow_{i:02d}.py::t", rng.uniform(30.0, 90.0)) for i in range(12)]
    return items


def file_grouped(rng: random.Random, n: int = 4000) -> Items:
    """4,000 tests in files of 1-30 tests (about 260 files); the files are the items."""
    files: Items = []
    left, index = n, 0
    while left > 0:
        size = min(left, rng.randint(1, 30))
        files.append(
            (
                f"tests/test_mod{index:04d}.py",
                sum(rng.lognormvariate(-1.0, 1.3) for _ in range(size)),
            )
        )
        left -= size
        index += 1
    return files


def few_items(rng: random.Random, n: int = 40) -> Items:
    return [(f"tests/test_{i:02d}.py", rng.lognormvariate(3.0, 0.8)) for i in range(n)]


SHAPES: dict[str, Callable[[random.Random], Items]] = {
    "lognormal 2000": lognormal,
    "pareto 2000": pareto,
    "bimodal 2000": bimodal,
    "file-grouped": file_grouped,
    "few items (40)": few_items,
}


def span(plan: Sequence[Sequence[str]], seconds: dict[str, float]) -> float:
    return max((math.fsum(seconds[k] for k in shard) for shard in plan), default=0.0)


def main() -> None:
    print("| shape | items | N | best | lpt | least_duration | duration_based_chunks | best ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed, (shape, make) in enumerate(SHAPES.items()):
        items = make(random.Random(1000 + seed))
        seconds = dict(items)
        for n in SHARDS:
            bound = lower_bound([s for _, s in items], n)
            start = time.perf_counter()
            best = partition(items, n, algorithm="best")
            elapsed = time.perf_counter() - start
            cells = [
                span(best, seconds),
                span(partition(items, n, algorithm="lpt"), seconds),
                span(least_duration(items, n), seconds),
                span(duration_based_chunks(items, n), seconds),
            ]
            ratios = " | ".join(f"{c / bound:.5f}" for c in cells)
            print(f"| {shape} | {len(items)} | {n} | {ratios} | {elapsed * 1000:.0f} |")

    rng = random.Random(7)
    big = [(f"tests/test_{i:06d}.py::t", rng.lognormvariate(0.0, 1.2)) for i in range(100_000)]
    start = time.perf_counter()
    plan = partition(big, 50)
    elapsed = time.perf_counter() - start
    ratio = span(plan, dict(big)) / lower_bound([s for _, s in big], 50)
    print(
        f"\n100,000 lognormal items on 50 shards: best {elapsed:.3f} s, makespan/bound {ratio:.6f}"
    )


if __name__ == "__main__":
    main()
