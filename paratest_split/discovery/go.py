"""`--discover go`: Go tests, one id per top-level test function: `<import path>:<TestName>`.

Ids: `example.com/m/calc:TestAdd`; a list may also name a subtest `example.com/m/calc:TestT/sub`
(as `go test -v` names it). JUnit key: classname = import path, name = test name, which is what
go-junit-report, gotestsum and our own converter (`discovery.gojson`) write.

Discovery: `go test -list . -json <args>` in the root (args default `./...`; flags such as
`-tags=integration` may come first). Test, example and fuzz functions are kept; benchmarks are
not (they do not run without -bench). Ids are sorted.

Running (no COMMAND): one process per package,
`python -m paratest_split.discovery.gojson --junit R --package P [--test T]... -- go test -json
-v -run '^(TestA|TestB)$' <flags> P`: that module runs `go test -json`, prints its output as
`go test -v` would, and writes the JUnit report R itself (no go-junit-report or gotestsum
needed). A requested test without a result (the package failed to build, a panic) becomes an
`error` case carrying the package's output. Subtests are not separate cases: their output and
failures are part of their top-level test's case, unless the subtest itself was requested.
Discover flags reach `go test` only in `-flag=value` form (package patterns are dropped).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation
from paratest_split.discovery.gojson import one_line, plain_output
from paratest_split.runner.process import capture

_RUNNABLE = re.compile(r"^(Test|Example|Fuzz)\w*$")


def list_command(args: Sequence[str]) -> list[str]:
    packages = [a for a in args if not a.startswith("-")]
    flags = [a for a in args if a.startswith("-")]
    return ["go", "test", "-list", ".", "-json", *flags, *(packages or ["./..."])]


def parse_list_output(stdout: str) -> list[str]:
    """`go test -list . -json` output -> sorted unique `pkg:TestName` ids."""
    ids: set[str] = set()
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("Action") != "output" or event.get("Test"):
            continue
        name = str(event.get("Output", "")).strip()
        package = event.get("Package")
        if package and _RUNNABLE.match(name):
            ids.add(f"{package}:{name}")
    return sorted(ids)


def run_pattern(names: Iterable[str]) -> str:
    """The `-run` regexp selecting exactly these top-level tests (or one subtest path)."""
    names = list(names)
    if len(names) == 1 and "/" in names[0]:
        return "/".join(f"^{re.escape(part)}$" for part in names[0].split("/"))
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def _flags(args: Sequence[str]) -> list[str]:
    return [a for a in args if a.startswith("-")]


class GoDiscoverer:
    """Go tests from `go test -list`; runs per package and writes JUnit from `go test -json`."""

    name: ClassVar[str] = "go"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        argv = list_command(options.args)
        done = capture(argv, cwd=options.root, env=options.env, what="go")
        if done.returncode != 0:
            failed = [
                line.strip()
                for line in plain_output(done.stdout).splitlines()
                if line.startswith("FAIL")
            ]
            detail = one_line(" ".join([*failed, done.stderr.strip()])) or "no output"
            raise PluginError(
                f"go test -list failed (exit {done.returncode}) in {options.root}: {detail}"
            )
        return [identity.go_item(test_id) for test_id in parse_list_output(done.stdout)]

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("go", identity.go_item, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        if request.user_command:
            return [user_invocation(request, report_name="go.xml")]
        by_package: dict[str, list[str]] = {}
        for test_id in request.tests:
            item = self.item_for_id(test_id)
            by_package.setdefault(item.classname or "", []).append(item.name or "")
        invocations = []
        for number, (package, names) in enumerate(by_package.items()):
            top = [n for n in names if "/" not in n]
            groups = ([top] if top else []) + [[n] for n in names if "/" in n]
            for part, group in enumerate(groups):
                junit = request.junit_dir / f"go-{number}-{part}.xml"
                go = (
                    "go",
                    "test",
                    "-json",
                    "-v",
                    "-run",
                    run_pattern(group),
                    *_flags(request.args),
                    package,
                )
                tests = [f"{package}:{name}" for name in group]
                argv = (
                    sys.executable,
                    "-m",
                    "paratest_split.discovery.gojson",
                    "--junit",
                    str(junit),
                    "--package",
                    package,
                    *(arg for name in group for arg in ("--test", name)),
                    "--",
                    *go,
                )
                invocations.append(
                    Invocation(
                        argv=argv, junit=str(junit), cwd=str(request.root), tests=tuple(tests)
                    )
                )
        return invocations
