"""`paratest-split plugins` and plugin loading with a REAL installed third-party distribution.

tests/fixtures/projects/plugin_dist is pip-installed (`--target`) once per session; it holds a
seed-tool plugin (group `paratest`, named `dummy` after its distribution `paratest-dummy`), a
paratest-split discoverer (`dummy-list`) and a broken entry point (`broken`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paratest_split import cli, plugins
from paratest_split.core.errors import PluginError
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.seed import SeedDiscoverer

DIST = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "plugin_dist"
SCRIPT = Path(sys.executable).parent / "paratest-split"


@pytest.fixture(scope="session")
def plugin_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin-target")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(DIST),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def run_cli(*args: str, target: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if target is not None:
        env["PYTHONPATH"] = str(target)
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )


@pytest.mark.slow
def test_plugins_lists_installed_third_party_plugins(plugin_target: Path) -> None:
    done = run_cli("plugins", target=plugin_target)
    assert done.returncode == 11, done.stderr  # the broken entry point
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert "seed plugin" in rows["dummy"]
    assert "paratest-dummy 1.2.3" in rows["dummy"]
    assert "Dummy seed plugin: one test per *.case file." in rows["dummy"]
    assert "Tests listed in tests.list, run with ./run." in rows["dummy-list"]
    assert (
        "ERROR: discovery plugin 'broken' (paratest_dummy.missing_module:Nope from "
        "paratest-dummy 1.2.3) failed to load: ModuleNotFoundError" in rows["broken"]
    )
    assert "pytest" in rows
    assert "lpt" in rows
    assert done.stderr.count("\n") == 1  # one warning line for the broken plugin


@pytest.mark.slow
def test_plugins_json(plugin_target: Path) -> None:
    done = run_cli("plugins", "--format", "json", target=plugin_target)
    data = json.loads(done.stdout)
    assert data["version"] == 1
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["dummy"]["group"] == "paratest"
    assert by_name["dummy"]["version"] == "1.2.3"
    assert by_name["jest"]["file_level"] is True
    assert by_name["best"]["kind"] == "strategy"
    assert by_name["broken"]["error"]
    names = [(p["group"], p["name"]) for p in data["plugins"]]
    assert names == list(dict.fromkeys(names))  # no duplicates, stable order


def test_plugins_in_process_without_third_party(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "FROM", "FILE-LEVEL", "DESCRIPTION"]
    names = [line.split()[0] for line in lines[1:]]
    for builtin in ("files", "go", "jest", "junit", "lines", "maven", "nunit", "pytest"):
        assert builtin in names
    assert cli.main(["plugins"]) == 0
    assert capsys.readouterr().out == out  # deterministic


@pytest.mark.slow
def test_seed_plugin_loads_discovers_and_runs(
    plugin_target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(plugin_target))
    (tmp_path / "b.case").write_text("")
    (tmp_path / "a b.case").write_text("")
    discoverer = plugins.load_discoverer("dummy")
    assert isinstance(discoverer, SeedDiscoverer)
    items = discoverer.discover(DiscoverOptions(root=tmp_path))
    assert [(i.id, i.command) for i in items] == [
        (
            "a b",
            (
                "check-case",
                "--worker",
                "{shard}",
                "--out",
                "{output}",
                "{workspace}/a",
                "b.case",
                "a b",
            ),
        ),
        (
            "b",
            ("check-case", "--worker", "{shard}", "--out", "{output}", "{workspace}/b.case", "b"),
        ),
        ("piped", ("sh", "-c", "run-all | tee {workspace}/log.txt")),
    ]
    invs = discoverer.invocations(
        RunRequest(
            tests=("b", "piped"), tests_file=tmp_path / "t", junit_dir=tmp_path, root=tmp_path
        )
    )
    assert [(i.argv, i.tests) for i in invs] == [
        (items[1].command, ("b",)),
        (items[2].command, ("piped",)),
    ]


@pytest.mark.slow
def test_third_party_discoverer_and_broken_plugin(
    plugin_target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(plugin_target))
    (tmp_path / "tests.list").write_text("alpha\nbeta\n")
    discoverer = plugins.load_discoverer("dummy-list")
    assert [i.id for i in discoverer.discover(DiscoverOptions(root=tmp_path))] == ["alpha", "beta"]
    with pytest.raises(PluginError) as info:
        plugins.load_discoverer("broken")
    assert str(info.value).startswith(
        "discovery plugin 'broken' (paratest_dummy.missing_module:Nope from paratest-dummy 1.2.3)"
        " failed to load: ModuleNotFoundError:"
    )
    assert "\n" not in str(info.value)
    assert "dummy" in plugins.available_names()


@pytest.mark.slow
def test_renderer_plugin_writes_a_pipeline_and_is_listed(plugin_target: Path) -> None:
    import yaml

    done = run_cli("pipeline", "woodpecker", "--shards", "3", target=plugin_target)
    assert done.returncode == 0, done.stderr
    steps = yaml.safe_load(done.stdout)["steps"]
    assert list(steps) == ["plan", "shard-0", "shard-1", "shard-2", "merge"]
    assert steps["plan"]["commands"][-1].startswith("paratest-split split --shards 3 --out ")
    for i in range(3):
        run = steps[f"shard-{i}"]["commands"][-1]
        assert run.startswith(f"paratest-split run --plan paratest-plan --index {i} ")
        assert steps[f"shard-{i}"]["depends_on"] == ["plan"]
    assert steps["merge"]["commands"][-1].startswith("paratest-split merge ")
    assert steps["merge"]["depends_on"] == ["shard-0", "shard-1", "shard-2"]
    # our checks still apply to a plugin: its limit, its styles
    over = run_cli("pipeline", "woodpecker", "--shards", "51", target=plugin_target)
    assert over.returncode == 4
    assert "Woodpecker CI runs at most 50 parallel executors" in over.stderr
    style = run_cli("pipeline", "woodpecker", "--style", "matrix", target=plugin_target)
    assert style.returncode == 4
    assert "unknown --style 'matrix' (choose from steps)" in style.stderr
    listed = run_cli("plugins", target=plugin_target)
    row = next(line for line in listed.stdout.splitlines() if line.startswith("woodpecker "))
    assert row.split()[1:4] == ["renderer", "paratest-dummy", "1.2.3"]
    assert row.endswith("Woodpecker CI")
    unknown = run_cli("pipeline", "drone", target=plugin_target)
    assert unknown.returncode == 4
    assert "unknown target 'drone' (choose from azure, " in unknown.stderr
    assert ", teamcity, woodpecker)" in unknown.stderr
