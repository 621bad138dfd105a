"""The pytest plugin imports only the shard's test modules: real pytest processes on a small
project whose unused modules would fail on import."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from paratest_split import cli
from paratest_split.pytest_plugin import file_part, is_wanted, wanted_files

pytestmark = pytest.mark.slow

LOG = "imports.log"

_LOGGER = """\
import os, pathlib
with open(pathlib.Path(os.environ["IMPORT_LOG"]), "a") as _log:
    _log.write(__name__ + "\\n")
"""


def _project(root: Path) -> Path:
    """proj/: tests/ as a package with conftests at two levels, a parametrized module with
    `::` and brackets in ids, a class, a doctest text file, a module that raises on import
    unless FORBID is unset, and a flaky test that fails once (for retries)."""
    files = {
        "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n",
        "pkg/__init__.py": "",
        "pkg/tests/__init__.py": "",
        "pkg/tests/conftest.py": _LOGGER + "import pytest\n@pytest.fixture\ndef top(): return 1\n",
        "pkg/tests/test_used.py": _LOGGER
        + textwrap.dedent(
            """\
            import pytest
            @pytest.mark.parametrize("p", ["a::b", "[x", "c d"])
            def test_param(p, top): assert top == 1
            class TestK:
                def test_m(self): pass
            """
        ),
        "pkg/tests/test_broken.py": _LOGGER
        + 'if os.environ.get("FORBID"):\n    raise RuntimeError("test_broken imported")\n'
        + "def test_never(): pass\n",
        "pkg/tests/sub/__init__.py": "",
        "pkg/tests/sub/conftest.py": _LOGGER
        + "import pytest\n@pytest.fixture\ndef deep(): return 2\n",
        "pkg/tests/sub/test_deep.py": _LOGGER
        + "def test_deep(deep, top): assert deep + top == 3\n",
        "pkg/tests/sub/test_other.py": _LOGGER
        + 'if os.environ.get("FORBID"):\n    raise RuntimeError("test_other imported")\n'
        + "def test_o(): pass\n",
        "pkg/tests/test_flaky.py": _LOGGER
        + textwrap.dedent(
            """\
            def test_flaky():
                mark = pathlib.Path(os.environ["IMPORT_LOG"]).with_name("flaky.mark")
                if not mark.exists():
                    mark.write_text("x")
                    raise AssertionError("first attempt fails")
            def test_steady(): pass
            """
        ),
        "pkg/tests/test_doc.txt": ">>> 1 + 1\n2\n",
    }
    proj = root / "proj"
    for name, text in files.items():
        path = proj / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return proj


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PARATEST_"))}
    env.update(IMPORT_LOG=str(tmp_path / LOG), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _pytest(proj: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _imports(tmp_path: Path) -> list[str]:
    path = tmp_path / LOG
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return sorted(set(lines))


def _collected(proj: Path, env: dict[str, str], *args: str) -> list[str]:
    done = _pytest(proj, env, "--collect-only", "-q", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize(
    "args",
    [
        ("pkg/tests", "--doctest-glob=*.txt"),
        ("--pyargs", "pkg.tests", "--doctest-glob=*.txt"),
        (str(Path("pkg") / "tests" / "sub" / ".." / "."), "--doctest-glob=*.txt"),
    ],
    ids=["path", "pyargs", "dotted-path"],
)
def test_a_shard_imports_only_its_modules_with_ids_of_a_full_run(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    proj = _project(tmp_path)
    env = _env(tmp_path, PYTHONPATH=str(proj))
    full = _collected(proj, env, *args)
    assert any("test_broken" in i for i in full), full
    _imports(tmp_path)
    shard = [i for i in full if "test_used" in i or "test_deep" in i or "test_doc" in i]
    ids = tmp_path / "shard.txt"
    ids.write_text("\n".join(shard) + "\n", encoding="utf-8")
    junit = tmp_path / "out.xml"
    forbidden = {**env, "FORBID": "1"}
    done = _pytest(proj, forbidden, *args, f"--paratest-shard-file={ids}", f"--junitxml={junit}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(shard)} passed" in done.stdout, done.stdout
    # every conftest loads (directories are never skipped); unused modules are not imported
    assert _imports(tmp_path) == [
        "pkg.tests.conftest",
        "pkg.tests.sub.conftest",
        "pkg.tests.sub.test_deep",
        "pkg.tests.test_used",
    ]
    # the ids are those of the full run: every listed id ran, none deselected
    assert _collected(proj, forbidden, *args, f"--paratest-shard-file={ids}") == shard
    suite = etree.parse(str(junit)).getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert float(properties["paratest.startup"] or "") > 0
    assert float(properties["paratest.collect"] or "") > 0
    modules = sorted(name for name in properties if name and name.startswith("paratest.collect:"))
    assert [m.rsplit("/", 1)[-1] for m in modules] == [
        "test_deep.py",
        "test_doc.txt",
        "test_used.py",
    ]


def test_collect_all_turns_skipping_off(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    env = _env(tmp_path)
    full = _collected(proj, env, "pkg/tests")
    ids = tmp_path / "shard.txt"
    ids.write_text(full[0] + "\n", encoding="utf-8")
    done = _pytest(proj, env, "pkg/tests", f"--paratest-shard-file={ids}", "--paratest-collect-all")
    assert "1 passed" in done.stdout, done.stdout
    assert "pkg.tests.test_broken" in _imports(tmp_path)


def test_retries_collect_only_the_failed_tests_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = _project(tmp_path)
    monkeypatch.setenv("IMPORT_LOG", str(tmp_path / LOG))
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    plan = tmp_path / "plan"
    base = ["--root", str(proj), "--discover-args", "pkg/tests"]
    split = ["split", *base, "--shards", "1", "--group-by", "test", "--out", str(plan)]
    assert cli.main(split) == 0
    _imports(tmp_path)
    output = str(tmp_path / "results")
    run = ["run", *base, "--plan", str(plan), "--index", "0", "--retries", "1", "--output", output]
    assert cli.main(run) == 0  # the flaky test passed on its retry
    lines = (tmp_path / LOG).read_text(encoding="utf-8").splitlines()
    # each pytest process imports the top conftest first: one block per attempt
    starts = [i for i, line in enumerate(lines) if line == "pkg.tests.conftest"]
    assert len(starts) == 2, lines
    first, retry = set(lines[: starts[1]]), set(lines[starts[1] :])
    assert {"pkg.tests.test_used", "pkg.tests.test_broken", "pkg.tests.test_flaky"} <= first
    assert retry == {"pkg.tests.conftest", "pkg.tests.sub.conftest", "pkg.tests.test_flaky"}


@pytest.mark.parametrize(
    ("nodeid", "part"),
    [
        ("tests/test_x.py::TestA::test_b[p::q-1]", "tests/test_x.py"),
        ("../other/test_y.py::test_z", "other/test_y.py"),
        ("./a.py::t", "a.py"),
        ("/abs/b.py::t", "abs/b.py"),
        ("docs/index.rst::index.rst", "docs/index.rst"),
        ("tests/test_m.py", "tests/test_m.py"),
    ],
)
def test_file_part(nodeid: str, part: str) -> None:
    assert file_part(nodeid) == part


def test_is_wanted_matches_at_a_slash() -> None:
    files = wanted_files(["tests/test_x.py::t", "b.py::t"])
    assert files is not None
    assert is_wanted(Path("/root/proj/tests/test_x.py"), files)
    assert is_wanted(Path("/root/b.py"), files)
    assert not is_wanted(Path("/root/proj/xtests/test_x.py"), files)
    assert not is_wanted(Path("/root/ab.py"), files)
    assert wanted_files(["::odd"]) is None
