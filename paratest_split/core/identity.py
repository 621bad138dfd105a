"""Pure mapping between runnable test ids and the JUnit keys their results carry.

Runnable id forms (DESIGN "Test identity"):

- pytest node id `tests/sub/test_x.py::TestA::TestB::test_b[p-1]`: file `tests/sub/test_x.py`,
  classname `tests.sub.test_x.TestA.TestB` (pytest xunit2: module path with `/` -> `.`, `.py`
  dropped, then the classes), name `test_b[p-1]` (function + parameter id as-is). The parameter
  part starts at the FIRST `[`: ids may hold `::`, brackets, quotes and `\\x00` as text there.
  A node id without `::` (`tests/test_x.py`) is a whole module: a file-level item.
- Go `pkg/path:TestName`, subtests `pkg/path:TestA/sub`: classname = package import path,
  name = test name (what go-junit-report, gotestsum and our own `go test -json` converter write).
- Java `com.foo.BarTest#testX` or `com.foo.BarTest.testX` (method; classname = the class, name =
  the method) and `com.foo.BarTest` (class-level, name=None).
- a file path: file-level item (`file` = the path, matched by the report's `file` attribute).

No IO here.
"""

from __future__ import annotations

import re

from paratest_split.core.model import TestItem

# Test functions `go test` runs: tests, examples and fuzz targets (their seed corpus). Benchmarks
# only run with -bench, but a list may still name one.
_GO_ID = re.compile(r"^(?P<pkg>[^\s:]+):(?P<name>(?:Test|Example|Fuzz|Benchmark)[^\s/]*(?:/\S*)?)$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_JAVA_IDENT = r"[A-Za-z_$][\w$]*"
_JAVA_CLASS = re.compile(rf"^{_JAVA_IDENT}(?:\.{_JAVA_IDENT})*$")
_JAVA_DOTTED = re.compile(rf"^{_JAVA_IDENT}(?:\.{_JAVA_IDENT})+$")

# Extensions that make a dotted name a file rather than a Java class (`Foo.java`, `test_x.py`).
SOURCE_EXTENSIONS = frozenset(
    {
        "bash",
        "bats",
        "c",
        "cc",
        "cjs",
        "clj",
        "cpp",
        "cs",
        "cts",
        "dart",
        "erl",
        "ex",
        "exs",
        "feature",
        "fs",
        "go",
        "groovy",
        "h",
        "hpp",
        "java",
        "js",
        "json",
        "jsx",
        "kt",
        "kts",
        "lua",
        "m",
        "mjs",
        "mts",
        "php",
        "pl",
        "ps1",
        "py",
        "r",
        "rb",
        "robot",
        "rs",
        "scala",
        "sh",
        "sql",
        "swift",
        "t",
        "toml",
        "ts",
        "tsx",
        "txt",
        "vb",
        "xml",
        "yaml",
        "yml",
        "zsh",
    }
)


def _require(test_id: str) -> None:
    if not test_id.strip():
        raise ValueError("empty test id")
    if "\n" in test_id or "\r" in test_id:
        raise ValueError(f"test id {test_id!r} contains a line break")


def pytest_classname(path_part: str, classes: list[str]) -> str:
    """pytest's xunit2 classname for a module path and its class names (mangle_test_address)."""
    module = path_part.replace("/", ".")
    module = module.removesuffix(".py")
    return ".".join([module, *classes])


def pytest_item(nodeid: str) -> TestItem:
    """A pytest node id -> TestItem with pytest's JUnit key (see the module docstring)."""
    _require(nodeid)
    # pytest's own mangle_test_address: everything from the FIRST `[` is the parameter id.
    path, bracket, params = nodeid.partition("[")
    parts = path.split("::")
    file = parts[0]
    if not file:
        raise ValueError(f"pytest node id {nodeid!r} has no file part")
    if len(parts) == 1:
        if bracket:
            raise ValueError(f"pytest node id {nodeid!r} has a parameter but no test name")
        return TestItem(id=nodeid, file=file, classname=pytest_classname(file, []))
    if not all(parts[1:]):
        raise ValueError(f"pytest node id {nodeid!r} has an empty part between '::'")
    name = parts[-1] + bracket + params
    return TestItem(id=nodeid, file=file, classname=pytest_classname(file, parts[1:-1]), name=name)


def pytest_nodeid_candidates(classname: str, name: str) -> list[str]:
    """Node ids whose JUnit key is (classname, name): one per split of classname into module
    path + classes, the deepest module first. Checking them against the collected ids recovers
    the node id (FIELD-NOTES). Dots inside file names (`test_x.v2.py`) are not guessed."""
    if not classname or not name:
        return []
    parts = classname.split(".")
    candidates = []
    for split in range(len(parts), 0, -1):
        module = "/".join(parts[:split]) + ".py"
        candidates.append("::".join([module, *parts[split:], name]))
    return candidates


_DOTTED_MODULE = re.compile(r"^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*$")
MODULE_SKIP_MESSAGE = "collection skipped"


def is_pytest_module_skip(classname: str, name: str, *, skipped: bool, message: str = "") -> bool:
    """True for pytest's pseudo-case of a module skipped while collecting (`pytest.skip(...,
    allow_module_level=True)`, `importorskip` at module level): `classname=""`, the dotted
    module path as `name` (`tests.sub.test_x`), skipped, "collection skipped" as its message
    (pytest writes that text; some writers drop it). It has no node id and cannot be selected
    or planned: `run` and `merge` ignore it (no "not in shard" warning, never folded) and
    timings never learn from it. A collection *error* looks alike but is not skipped: it stays.
    """
    if classname or not skipped or not _DOTTED_MODULE.match(name):
        return False
    return not message or message == MODULE_SKIP_MESSAGE


def go_item(test_id: str) -> TestItem:
    """`pkg/path:TestName` (or `pkg:TestA/sub`) -> classname pkg, name TestName."""
    _require(test_id)
    pkg, sep, name = test_id.partition(":")
    if not sep or not pkg or not name:
        raise ValueError(f"Go test id {test_id!r} is not of the form 'package:TestName'")
    return TestItem(id=test_id, classname=pkg, name=name)


def java_item(test_id: str) -> TestItem:
    """`com.foo.BarTest#testX`, `com.foo.BarTest.testX` (method) or `com.foo.BarTest` (class).

    Without `#`, the class is everything up to the last segment that starts with an upper-case
    letter (Java naming conventions); one lower-case segment after it is the method.
    """
    _require(test_id)
    cls, sep, method = test_id.partition("#")
    if sep:
        if not _JAVA_CLASS.match(cls) or not method:
            raise ValueError(f"Java test id {test_id!r} is not 'com.foo.BarTest#method'")
        return TestItem(id=test_id, classname=cls, name=method)
    if not _JAVA_CLASS.match(test_id):
        raise ValueError(f"Java test id {test_id!r} is not a class name")
    segments = test_id.split(".")
    last_class = max((i for i, s in enumerate(segments) if s[:1].isupper()), default=-1)
    if last_class == len(segments) - 2:
        return TestItem(id=test_id, classname=".".join(segments[:-1]), name=segments[-1])
    return TestItem(id=test_id, classname=test_id)


def file_item(path: str) -> TestItem:
    _require(path)
    return TestItem(id=path, file=path)


def _looks_like_java(test_id: str) -> bool:
    if not _JAVA_DOTTED.match(test_id):
        return False
    segments = test_id.split(".")
    if segments[-1].lower() in SOURCE_EXTENSIONS:
        return False
    last_class = max((i for i, s in enumerate(segments) if s[:1].isupper()), default=-1)
    # a class somewhere, and at most one (method) segment after the last class segment
    return last_class >= 0 and last_class >= len(segments) - 2


def item_from_id(test_id: str) -> TestItem:
    """Guess the kind of a bare runnable id (a `--tests-from` list), first rule that applies:

    1. contains `::`: a pytest node id;
    2. starts with a Windows drive (`C:\\`, `C:/`): a file path;
    3. `package:TestName` where the name starts with Test/Example/Fuzz/Benchmark: a Go test;
    4. contains `#` and the part before it is a dotted Java name: a Java method;
    5. contains `/` or `\\`: a file path;
    6. dotted Java-style name with a capitalised class segment (`com.foo.BarTest`,
       `com.foo.BarTest.testX`) and no source-file extension: a Java class or method;
    7. contains a `.` (a file extension): a file path;
    8. anything else (`test_login`, `LoginSpec`): an opaque name, `TestItem(id=x, name=x)`.

    Raises ValueError for an empty id or one with a line break (ids are one a line).
    """
    _require(test_id)
    if "::" in test_id:
        return pytest_item(test_id)
    if _WINDOWS_DRIVE.match(test_id):
        return file_item(test_id)
    if _GO_ID.match(test_id):
        return go_item(test_id)
    if "#" in test_id and _JAVA_CLASS.match(test_id.partition("#")[0]):
        return java_item(test_id)
    if "/" in test_id or "\\" in test_id:
        return file_item(test_id)
    if _looks_like_java(test_id):
        return java_item(test_id)
    if "." in test_id:
        return file_item(test_id)
    return TestItem(id=test_id, name=test_id)


__all__ = [
    "SOURCE_EXTENSIONS",
    "file_item",
    "go_item",
    "is_pytest_module_skip",
    "item_from_id",
    "java_item",
    "pytest_classname",
    "pytest_item",
    "pytest_nodeid_candidates",
]
