"""Generate a large, realistic pytest-like JUnit XML report (deterministic, seeded).

    python benchmarks/gen_junit.py OUT.xml --cases 1000000 [--suites 300] [--seed 7]

About 170 bytes per case: 1M cases make a ~170 MB file. Classnames are dotted module paths plus
a class (`tests.integration.api.test_orders.TestOrderFlow`), names carry pytest parameter ids
with brackets, spaces, quotes and non-ASCII characters. Cases of every other suite have
xunit1-style `file` and `line` attributes (the others are xunit2: none). Times are lognormal
(median ~40 ms, long tail); about 1% of cases fail with a multi-line traceback and 3% are
skipped. Cases are spread over a few hundred `<testsuite>`s; a few names repeat inside a
suite, as real reports sometimes do.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

AREAS = ("api", "db", "ui", "billing", "auth", "search", "sync", "reports", "admin", "mail")
LEVELS = ("integration", "acceptance", "functional", "e2e")
NOUNS = (
    "orders",
    "users",
    "invoices",
    "payments",
    "sessions",
    "carts",
    "products",
    "coupons",
    "shipments",
    "tokens",
    "exports",
    "webhooks",
    "accounts",
    "profiles",
    "audit",
)
VERBS = (
    "create",
    "update",
    "delete",
    "list",
    "get",
    "retry",
    "cancel",
    "refund",
    "export",
    "import",
    "merge",
    "validate",
    "render",
    "notify",
    "search",
)
PARAMS = (
    "",
    "",
    "",
    "[en-US-1]",
    "[de_DE-2]",
    "[user-42-EUR]",
    "[a b]",
    "[café-ü]",
    "[日本語]",
    "[timedelta64[s](NaT)]",
    "[str-[]",
    "['quoted'-\"dq\"]",
    "[None-0.5]",
    "[<lt>&amp]",
    "[\\x00-ctrl]",
    "[path/to/file.txt]",
    "[True-False-True]",
)


def _case_lines(rng: random.Random, classname: str, file: str, index: int, *, xunit1: bool) -> str:
    verb = VERBS[rng.randrange(len(VERBS))]
    noun = NOUNS[rng.randrange(len(NOUNS))]
    param = PARAMS[rng.randrange(len(PARAMS))]
    if param and rng.random() < 0.5:
        param = param[:-1] + f"-{index}]"
    name = f"test_{verb}_{noun}_{index % 97}{param}"
    seconds = min(rng.lognormvariate(math.log(0.04), 1.6), 900.0)
    where = f'file="{file}" line="{index % 900 + 10}" ' if xunit1 else ""
    head = (
        f"<testcase classname={quoteattr(classname)} name={quoteattr(name)} "
        f'{where}time="{seconds:.3f}"'
    )
    roll = rng.random()
    if roll < 0.01:
        message = f"AssertionError: assert {rng.randrange(100)} == {rng.randrange(100)}"
        function = name.split("[", maxsplit=1)[0]
        trace = (
            f"self = <{classname} object at 0x7f00>\n\n    def {function}(self):\n"
            f">       assert response.status == 200\nE       {message}\n\n{file}:{index % 900}: "
            "AssertionError"
        )
        return (
            f"{head}><failure message={quoteattr(message)}>{escape(trace)}</failure>"
            f"<system-out>{escape('log line ' * 5)}</system-out></testcase>\n"
        )
    if roll < 0.04:
        reason = f"{file}:{index % 900}: needs network access"
        return (
            f'{head}><skipped type="pytest.skip" message={quoteattr(reason)}>'
            f"{escape(reason)}</skipped></testcase>\n"
        )
    return head + " />\n"


def generate(out: Path, cases: int, suites: int, seed: int) -> int:
    rng = random.Random(seed)
    suites = max(1, min(suites, cases))
    per_suite = [cases // suites + (1 if i < cases % suites else 0) for i in range(suites)]
    written = 0
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest tests">\n')
        for s, count in enumerate(per_suite):
            level = LEVELS[s % len(LEVELS)]
            area = AREAS[(s // len(LEVELS)) % len(AREAS)]
            fh.write(
                f'<testsuite name="{level}.{area}.part{s}" errors="0" failures="0" '
                f'skipped="0" tests="{count}" time="{count * 0.05:.3f}" '
                f'timestamp="2024-05-01T12:00:00.000000" hostname="ci-runner-{s % 8}">\n'
            )
            done = 0
            while done < count:
                noun = NOUNS[rng.randrange(len(NOUNS))]
                module = f"tests.{level}.{area}.test_{noun}_{s}"
                file = module.replace(".", "/") + ".py"
                for cls in (f"Test{noun.title()}Flow", f"Test{noun.title()}Errors", ""):
                    classname = f"{module}.{cls}" if cls else module
                    for _ in range(min(rng.randrange(5, 60), count - done)):
                        fh.write(_case_lines(rng, classname, file, written, xunit1=s % 2 == 0))
                        written += 1
                        done += 1
            fh.write("</testsuite>\n")
        fh.write("</testsuites>\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--suites", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n = generate(args.out, args.cases, args.suites, args.seed)
    size = args.out.stat().st_size
    print(f"{args.out}: {n} cases, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
