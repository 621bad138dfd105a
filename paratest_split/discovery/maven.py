"""`--discover maven`: JUnit test classes of a Maven project, one id per class.

Ids: fully qualified class names (`com.foo.BarTest`), class-level items (`classname` = the id,
`name=None`); a `--tests-from` list may also name methods, `com.foo.BarTest#testX`.

Discovery reads the sources, like Surefire's defaults: files under any `src/test/java`
directory (multi-module projects included) named `Test*.java`, `*Test.java`, `*Tests.java` or
`*TestCase.java`, without `abstract class` and not nested classes. The class name comes from
the path below `src/test/java`. The same class in two modules is one id (`-Dtest` selects it in
every module). `--pattern` replaces the default name globs (e.g. `*IT.java`).

Running: `mvn -q test -Dtest=A,B#m -DfailIfNoTests=false -Dsurefire.failIfNoSpecifiedTests=false
-Dsurefire.reportsDirectory=<junit_dir>/surefire <args>`: every module writes its
`TEST-*.xml` reports into that one directory (`Invocation.junit` is the directory).

Gradle: use a COMMAND, e.g. `-- ./gradlew test {tests_file}` with a small init script, or
`--discover lines`; Gradle wants one `--tests X` per class, which the placeholders cannot
express, so it is not built in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation

SOURCE_ROOT = ("src", "test", "java")
DEFAULT_NAMES = ("Test*.java", "*Test.java", "*Tests.java", "*TestCase.java")
REPORTS = "surefire"
_ABSTRACT = re.compile(r"\babstract\s+(?:\w+\s+)*class\s+(?P<name>\w+)")
_SKIPPED_DIRS = frozenset({"target", "node_modules", "build"})


def class_name(relative: PurePosixPath) -> str:
    """`com/foo/BarTest.java` (below src/test/java) -> `com.foo.BarTest`."""
    return ".".join((*relative.parent.parts, relative.stem))


def _is_abstract(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(match.group("name") == path.stem for match in _ABSTRACT.finditer(text))


def find_test_classes(root: Path, names: Sequence[str] = DEFAULT_NAMES) -> list[TestItem]:
    found: dict[str, TestItem] = {}
    for path in sorted(root.rglob("*.java")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        parts = relative.parts
        if any(p.startswith(".") or p in _SKIPPED_DIRS for p in parts[:-1]):
            continue
        for start in range(len(parts) - 3):
            if parts[start : start + 3] == SOURCE_ROOT:
                below = PurePosixPath(*parts[start + 3 :])
                break
        else:
            continue
        if "$" in below.name or not any(below.match(pattern) for pattern in names):
            continue
        if _is_abstract(path):
            continue
        fqcn = class_name(below)
        found.setdefault(fqcn, TestItem(id=fqcn, file=str(relative), classname=fqcn))
    return [found[key] for key in sorted(found)]


def surefire_selector(tests: Sequence[str]) -> str:
    """Surefire's `-Dtest` value: classes comma-separated, methods of one class joined by `+`."""
    methods: dict[str, list[str]] = {}
    order: list[str] = []
    for test_id in tests:
        cls, sep, method = test_id.partition("#")
        if cls not in methods:
            methods[cls] = []
            order.append(cls)
        if sep:
            methods[cls].append(method)
    return ",".join(f"{cls}#{'+'.join(methods[cls])}" if methods[cls] else cls for cls in order)


class MavenDiscoverer:
    """JUnit test classes under src/test/java (Surefire's name rules); runs `mvn test -Dtest`."""

    name: ClassVar[str] = "maven"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        if not options.root.is_dir():
            raise PluginError(f"maven: root directory {options.root} does not exist")
        names = (options.pattern,) if options.pattern else DEFAULT_NAMES
        return find_test_classes(options.root, names)

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("maven", identity.java_item, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        for test_id in request.tests:
            self.item_for_id(test_id)  # rejects ids surefire could misread
        if request.user_command:
            return [user_invocation(request, report_name="maven.xml")]
        reports = request.junit_dir / REPORTS
        argv = (
            "mvn",
            "-q",
            "test",
            f"-Dtest={surefire_selector(request.tests)}",
            "-DfailIfNoTests=false",
            "-Dsurefire.failIfNoSpecifiedTests=false",
            f"-Dsurefire.reportsDirectory={reports}",
            *request.args,
        )
        return [
            Invocation(argv=argv, junit=str(reports), cwd=str(request.root), tests=request.tests)
        ]
