"""`go test -json` -> JUnit: run as `python -m paratest_split.discovery.gojson --junit R
--package P [--test T]... -- go test -json -v ...` (the go discoverer's invocations), it runs the
go command, echoes go's plain output, writes the JUnit report of the tests it was asked for
(`cases_from_events`) and exits with go's exit code."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paratest_split.core.model import Attempt, CaseResult, Outcome

_LOCATION = re.compile(r"^\s+\S+\.go:\d+: ")
_MAX_MESSAGE = 600


def one_line(text: str) -> str:
    """`text` on one line, at most 600 characters (a report message, an error's detail)."""
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


def plain_output(stdout: str) -> str:
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
                message=one_line(message),
                details=text,
            )
        cases.append(CaseResult(classname=package, name=name, final=attempt, suite=package))
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    """Run `go test -json ...`, echo its plain output, write the JUnit report; go's exit code."""
    from paratest_split.junit.writer import write_report

    parser = argparse.ArgumentParser(prog="python -m paratest_split.discovery.gojson")
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
                sys.stdout.write(plain_output(line))
                sys.stdout.flush()
        code = process.wait()
    cases = cases_from_events(lines, args.package, args.test)
    write_report(Path(args.junit), [(args.package, cases)], name="go test")
    return code


if __name__ == "__main__":
    sys.exit(main())
