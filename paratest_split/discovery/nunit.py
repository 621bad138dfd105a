"""`--discover nunit`: NUnit 3 test cases of .NET assemblies, through `nunit3-console`.

Discover arguments: the test assemblies (or NUnit projects), then any other `nunit3-console`
options (`--where=cat==Slow`...). Ids are NUnit full names, one per test case:
`Shop.Tests.CartTests.AddsItem`, `Shop.Tests.CartTests.Sums(1,2)`, `Shop.Tests.Outer+Inner.X`.
JUnit key: classname = the fixture's class (the full name up to the method's `.`, without
fixture arguments), name = method name + arguments, as NUnit's `classname`/`name` attributes.

Discovery: `nunit3-console <args> --noheader --explore=<tmp>;format=cases` writes the full names
one a line.

Running: `nunit3-console <args> --noheader --testlist=<tests_file>
--result=<junit_dir>/nunit.xml;transform=<junit_dir>/nunit3-junit.xslt
--result=<junit_dir>/nunit3.xml`. NUnit writes its own XML format, not JUnit; the console applies
the XSLT 1.0 transform `JUNIT_XSLT` (written into the report directory by `invocations`) to turn
its result into JUnit, and keeps the native result beside it. `--testlist` takes the ids from the
file, so no id passes through a command line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from paratest_split.core.errors import PluginError, UsageError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation
from paratest_split.discovery.pytest import condense_errors
from paratest_split.runner.process import capture

CONSOLE = "nunit3-console"
REPORT_NAME = "nunit.xml"
NATIVE_NAME = "nunit3.xml"
XSLT_NAME = "nunit3-junit.xslt"

# NUnit 3 result (test-run/test-suite*/test-case) -> JUnit. XSLT 1.0: .NET's XslCompiledTransform,
# which nunit3-console uses, supports nothing newer.
JUNIT_XSLT = """\
<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes" encoding="utf-8"/>
  <xsl:template match="/test-run">
    <testsuites name="nunit" tests="{count(//test-case)}" time="{@duration}">
      <xsl:for-each select="//test-suite[test-case]">
        <testsuite name="{@fullname}" tests="{count(test-case)}" time="{@duration}"
            failures="{count(test-case[@result='Failed' and not(@label='Error')])}"
            errors="{count(test-case[@result='Failed' and @label='Error'])}"
            skipped="{count(test-case[@result='Skipped' or @result='Inconclusive'])}">
          <xsl:for-each select="test-case">
            <testcase classname="{@classname}" name="{@name}" time="{@duration}">
              <xsl:choose>
                <xsl:when test="@result='Failed' and @label='Error'">
                  <error message="{failure/message}" type="{@label}">
                    <xsl:value-of select="failure/stack-trace"/>
                  </error>
                </xsl:when>
                <xsl:when test="@result='Failed'">
                  <failure message="{failure/message}" type="{@label}">
                    <xsl:value-of select="failure/stack-trace"/>
                  </failure>
                </xsl:when>
                <xsl:when test="@result='Skipped' or @result='Inconclusive'">
                  <skipped message="{reason/message}"/>
                </xsl:when>
              </xsl:choose>
              <xsl:if test="output">
                <system-out><xsl:value-of select="output"/></system-out>
              </xsl:if>
            </testcase>
          </xsl:for-each>
        </testsuite>
      </xsl:for-each>
    </testsuites>
  </xsl:template>
</xsl:stylesheet>
"""


def split_full_name(full_name: str) -> tuple[str, str]:
    """`Ns.Class(1).Method("a.b")` -> (`Ns.Class`, `Method("a.b")`).

    The method is after the last `.` outside parentheses and quotes; fixture arguments are
    dropped from the class, as in NUnit's `classname` attribute.
    """
    depth = 0
    quote = ""
    last_dot = -1
    class_chars: list[str] = []
    escaped = False
    for index, char in enumerate(full_name):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "." and depth == 0:
            last_dot = index
    if last_dot <= 0 or last_dot == len(full_name) - 1:
        raise ValueError(f"NUnit test name {full_name!r} is not 'Namespace.Class.Method'")
    depth = 0
    for char in full_name[:last_dot]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            class_chars.append(char)
    return "".join(class_chars), full_name[last_dot + 1 :]


def nunit_item(full_name: str) -> TestItem:
    classname, name = split_full_name(full_name)
    return TestItem(id=full_name, classname=classname, name=name)


def explore_command(args: Sequence[str], output: Path) -> list[str]:
    return [CONSOLE, *args, "--noheader", f"--explore={output};format=cases"]


def run_command(args: Sequence[str], tests_file: Path, junit_dir: Path) -> tuple[str, ...]:
    return (
        CONSOLE,
        *args,
        "--noheader",
        f"--testlist={tests_file}",
        f"--result={junit_dir / REPORT_NAME};transform={junit_dir / XSLT_NAME}",
        f"--result={junit_dir / NATIVE_NAME}",
    )


def parse_explore(text: str) -> list[str]:
    """`--explore=...;format=cases` output: full names one a line -> sorted unique ids."""
    return sorted({line.strip() for line in text.splitlines() if line.strip()})


class NUnitDiscoverer:
    """NUnit 3 test cases via nunit3-console --explore; runs --testlist with a JUnit XSLT."""

    name: ClassVar[str] = "nunit"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        if not options.args:
            raise UsageError("--discover nunit needs the test assemblies as --discover-args")
        with tempfile.TemporaryDirectory(prefix="paratest-nunit-") as tmp:
            output = Path(tmp) / "cases.txt"
            argv = explore_command(options.args, output)
            done = capture(argv, cwd=options.root, env=options.env, what="nunit")
            if done.returncode != 0 or not output.is_file():
                raise PluginError(
                    f"{CONSOLE} --explore failed (exit {done.returncode}) in {options.root}: "
                    f"{condense_errors('', done.stderr or done.stdout)}"
                )
            text = output.read_text(encoding="utf-8-sig", errors="replace")
        return [self.item_for_id(full_name) for full_name in parse_explore(text)]

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("nunit", nunit_item, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        if request.user_command:
            return [user_invocation(request, report_name=REPORT_NAME)]
        (request.junit_dir / XSLT_NAME).write_text(JUNIT_XSLT, encoding="utf-8")
        argv = run_command(request.args, request.tests_file, request.junit_dir)
        return [
            Invocation(
                argv=argv,
                junit=str(request.junit_dir / REPORT_NAME),
                cwd=str(request.root),
                tests=request.tests,
            )
        ]
