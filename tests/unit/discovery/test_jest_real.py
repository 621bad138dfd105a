"""Real jest + jest-junit on a tiny project (external: needs npm and the npm registry once).

node_modules is installed once into ~/.cache/paratest-split-tests/jest (about 20 s) and linked
into each temporary project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from paratest_split.core.errors import PluginError
from paratest_split.discovery.base import DiscoverOptions
from paratest_split.discovery.jest import JestDiscoverer
from tests.unit.discovery.helpers import run_request

CACHE = Path.home() / ".cache" / "paratest-split-tests" / "jest"


@pytest.fixture(scope="session")
def jest_modules() -> Path:
    if shutil.which("npm") is None:
        pytest.skip("needs npm")
    modules = CACHE / "node_modules"
    if not (modules / ".bin" / "jest").exists() or not (modules / "jest-junit").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text('{"name": "cache", "private": true}\n')
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "jest@29", "jest-junit@16"],
            cwd=CACHE,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot install jest: {done.stderr[-300:]}")
    return modules


def make_project(root: Path, modules: Path) -> None:
    (root / "src" / "sub").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "p", "private": true}\n')
    (root / "node_modules").symlink_to(modules)
    (root / "src" / "a.test.js").write_text(
        'test("adds", () => { expect(1 + 1).toBe(2); });\n'
        'describe("group", () => {\n'
        '  test("env", () => { expect(process.env.JFAIL).toBeUndefined(); });\n'
        "});\n"
    )
    (root / "src" / "xa.test.js").write_text('test("other", () => {});\n')
    (root / "src" / "sub" / "b (1).test.js").write_text('test("parens", () => {});\n')


@pytest.mark.external
@pytest.mark.slow
def test_real_jest_lists_and_runs_by_exact_path(jest_modules: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    make_project(root, jest_modules)
    items = JestDiscoverer().discover(DiscoverOptions(root=root))
    assert [i.id for i in items] == ["src/a.test.js", "src/sub/b (1).test.js", "src/xa.test.js"]
    work = tmp_path / "w"
    (work / "j").mkdir(parents=True)
    [inv] = JestDiscoverer().invocations(run_request(work, ("src/a.test.js",)))
    done = subprocess.run(
        inv.argv,
        cwd=root,
        env={**os.environ, **dict(inv.env), "JFAIL": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert inv.junit is not None
    report = Path(inv.junit).read_text(encoding="utf-8")
    # exactly a.test.js ran (a regex `src/a.test.js` would also have matched xa.test.js)
    assert report.count("<testcase") == 2
    assert 'file="src/a.test.js"' in report
    assert "<failure" in report


@pytest.mark.external
def test_missing_jest_is_a_plugin_error(tmp_path: Path) -> None:
    if shutil.which("npx") is None:
        pytest.skip("needs npx")
    (tmp_path / "package.json").write_text('{"name": "p", "private": true}\n')
    with pytest.raises(PluginError, match="jest --listTests failed"):
        JestDiscoverer().discover(
            DiscoverOptions(root=tmp_path, env={"npm_config_offline": "true"})
        )
