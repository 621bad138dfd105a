"""`--discover go`: Go tests, one id per top-level test function: `<import path>:<TestName>`.

Ids: `example.com/m/calc:TestAdd`; a list may also name a subtest `example.com/m/calc:TestT/sub`
(as `go test -v` names it). JUnit key: classname = import path, name = test name, which is what
go-junit-report, gotestsum and our own converter below write.

Discovery: `go test -list . -json <args>` in the root (args default `./...`; flags such as
`-tags=integration` may come first). Test, example and fuzz functions are kept; benchmarks are
not (they do not run without -bench). Ids are sorted.

Running (no COMMAND): one process per package,
`python -m paratest_split.discovery.go --junit R --package P [--test T]... -- go test -json -v
-run '^(TestA|TestB)$' <flags> P`: this module runs `go test -json`, prints its output as
`go test -v` would, and writes the JUnit report R itself (no go-junit-report or gotestsum
needed). A requested test without a result (the package failed to build, a panic) becomes an
`error` case carrying the package's output. Subtests are not separate cases: their output and
failures are part of their top-level test's case, unless the subtest itself was requested.
Discover flags reach `go test` only in `-flag=value` form (package patterns are dropped).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from paratest_split import identity
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.files import user_invocation
from paratest_split.errors import PluginError
from paratest_split.model import Attempt, CaseResult, Invocation, Outcome, TestItem
from paratest_split.runner.process import capture

_RUNNABLE = re.compile(r"^(Test|Example|Fuzz)\w*$")
_LOCATION = re.compile(r"^\s+\S+\.go:\d+: ")
_MAX_MESSAGE = 600


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


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


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
                for line in _plain_output(done.stdout).splitlines()
                if line.startswith("FAIL")
            ]
            detail = _one_line(" ".join([*failed, done.stderr.strip()])) or "no output"
            raise PluginError(
                f"go test -list failed (exit {done.returncode}) in {options.root}: {detail}"
            )
        return [identity.go_item(test_id) for test_id in parse_list_output(done.stdout)]

    def item_for_id(self, test_id: str) -> TestItem:
        try:
            return identity.go_item(test_id)
        except ValueError as exc:
            raise PluginError(f"go: {exc}") from None

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
                    "paratest_split.discovery.go",
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


# ----------------------------------------------------------------- go test -json -> JUnit


def _plain_output(stdout: str) -> str:
    """The text `go test` would have printed, from its -json events (other lines kept)."""
    out = []
    for line in stdout.splitlines(keepends=True):
        try:
            event = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        if isinstance(event, dict) and event.get("Action") == "output":
            out.append(str(event.get("Output", "")))
    return "".join(out)


@dataclass
class _Test:
    outcome: Outcome | None = None
    elapsed: float = 0.0
    output: list[str] = field(default_factory=list)
    failed_subtests: list[str] = field(default_factory=list)


_OUTCOMES = {"pass": Outcome.PASSED, "fail": Outcome.FAILED, "skip": Outcome.SKIPPED}


def cases_from_events(
    lines: Iterable[str], package: str, requested: Sequence[str]
) -> list[CaseResult]:
    """`go test -json` output lines (stderr merged in) -> one case per requested test."""
    tests: dict[str, _Test] = {}
    loose: list[str] = []
    wanted = set(requested)

    def owner(name: str) -> str | None:
        if name in wanted:
            return name
        top = name.split("/", 1)[0]
        return top if top in wanted else None

    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            loose.append(line if line.endswith("\n") else line + "\n")
            continue
        if not isinstance(event, dict):
            continue
        action = event.get("Action")
        name = event.get("Test")
        if event.get("Package") not in (None, package):
            continue
        if not name:
            if action == "output":
                loose.append(str(event.get("Output", "")))
            continue
        target = owner(str(name))
        if target is None:
            continue
        record = tests.setdefault(target, _Test())
        if action == "output":
            record.output.append(str(event.get("Output", "")))
        elif action in _OUTCOMES and name == target:
            record.outcome = _OUTCOMES[action]
            record.elapsed = float(event.get("Elapsed") or 0.0)
        elif action == "fail":
            record.failed_subtests.append(str(name))
    cases = []
    for name in requested:
        record = tests.get(name, _Test())
        text = "".join(record.output)
        if record.outcome is None:
            details = "".join(loose) + text
            attempt = Attempt(
                outcome=Outcome.ERROR,
                message=f"go test reported no result for {name} (see the package output)",
                type="NoResult",
                details=details,
            )
        elif record.outcome is Outcome.PASSED:
            attempt = Attempt(outcome=Outcome.PASSED, time=record.elapsed, stdout=text)
        else:
            located = [ln.strip() for ln in text.splitlines() if _LOCATION.match(ln)]
            if record.outcome is Outcome.SKIPPED:
                message = located[-1] if located else "skipped"
            else:
                failed = ", ".join(record.failed_subtests)
                message = located[-1] if located else f"failed {failed}".strip()
            attempt = Attempt(
                outcome=record.outcome,
                time=record.elapsed,
                message=_one_line(message),
                details=text,
            )
        cases.append(CaseResult(classname=package, name=name, final=attempt, suite=package))
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    """Run `go test -json ...`, echo its plain output, write the JUnit report; go's exit code."""
    from paratest_split.junit.writer import write_report

    parser = argparse.ArgumentParser(prog="python -m paratest_split.discovery.go")
    parser.add_argument("--junit", required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--test", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no go command after --")
    lines: list[str] = []
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        lines.append(f"cannot start {command[0]}: {exc.strerror or exc}\n")
        code = 127
    else:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                lines.append(line)
                sys.stdout.write(_plain_output(line))
                sys.stdout.flush()
        code = process.wait()
    cases = cases_from_events(lines, args.package, args.test)
    write_report(Path(args.junit), [(args.package, cases)], name="go test")
    return code


if __name__ == "__main__":
    sys.exit(main())
