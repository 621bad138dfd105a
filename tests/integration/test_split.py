"""`paratest-split split` end to end: real pytest discovery, real JUnit history, plan files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from paratest_split.cli import main

TESTS = {
    "tests/api/test_orders.py": "import time\n\nclass TestFlow:\n"
    + "".join(f"    def test_step_{i}(self):\n        time.sleep(0)\n" for i in range(6)),
    "tests/api/test_users.py": "import pytest\n\n@pytest.mark.parametrize('who', ['admin', 'a b', '$(touch PWNED)', 'ü`x`'])\n"
    "def test_login(who):\n    pass\n",
    "tests/db/test_pool.py": "".join(f"def test_pool_{i}():\n    pass\n" for i in range(5)),
    "tests/test_new.py": "def test_brand_new():\n    pass\n",
}


def junit(cases: list[tuple[str, str, float]], suite_time: float | None = None) -> str:
    body = "".join(
        f'<testcase classname="{c}" name="{n.replace("&", "&amp;").replace(chr(34), "&quot;")}" time="{t}"/>'
        for c, n, t in cases
    )
    attr = f' time="{suite_time}"' if suite_time is not None else ""
    return f'<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="{len(cases)}"{attr}>{body}</testsuite></testsuites>'


HISTORY = [
    *[("tests.api.test_orders.TestFlow", f"test_step_{i}", 2.0 + i) for i in range(6)],
    # pytest escapes non-ASCII in ids and JUnit names alike (FIELD-NOTES): ü -> \xfc as text
    *[
        ("tests.api.test_users", f"test_login[{w}]", 0.5)
        for w in ("admin", "a b", "$(touch PWNED)", "\\xfc`x`")
    ],
    *[("tests.db.test_pool", f"test_pool_{i}", 4.0) for i in range(5)],
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel, text in TESTS.items():
        path = tmp_path / "proj" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    history = tmp_path / "proj" / "previous"
    (history / "build-1").mkdir(parents=True)
    (history / "build-2").mkdir(parents=True)
    (history / "build-1" / "junit.xml").write_text(junit(HISTORY, 60.0), encoding="utf-8")
    slower = [(c, n, t * 3 if n == "test_step_0" else t) for c, n, t in HISTORY]
    (history / "build-2" / "junit.xml").write_text(junit(slower, 70.0), encoding="utf-8")
    return tmp_path / "proj"


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONHASHSEED", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "paratest_split", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
    )


def test_split_with_real_pytest_discovery_and_history(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert (
        main(["--shards", "3", "--junit", "previous", "--group-by", "test", "--out", "plan"]) == 0
    )
    out = capsys.readouterr().out
    assert "16 tests in 3 shards" in out
    plan = json.loads((project / "plan" / "plan.json").read_text())
    planned = [t for s in plan["shards_detail"] for t in s["tests"]]
    assert len(planned) == len(set(planned)) == 16
    assert plan["unknown_tests"] == ["tests/test_new.py::test_brand_new"]
    assert "tests/api/test_users.py::test_login[$(touch PWNED)]" in planned
    for shard in plan["shards_detail"]:
        assert (project / "plan" / f"shard-{shard['index']}.txt").read_text().splitlines() == shard[
            "tests"
        ]
    assert not (project / "PWNED").exists()
    # the median of the two builds: test_step_0 took 2 s then 6 s -> 4 s (not max, min, last)
    assert plan["lower_bound_seconds"] >= (sum(t for _, _, t in HISTORY) + 2.0) / 3
    assert main(["timings", "--junit", "previous", "--format", "json"]) == 0
    rows = {row["test"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    step_0 = rows["tests.api.test_orders.TestFlow::test_step_0"]
    assert (step_0["estimate"], step_0["builds"], step_0["min"], step_0["max"]) == (
        4.0,
        2,
        2.0,
        6.0,
    )


def test_default_auto_plan_records_split_discover_args_and_says_how_overhead_was_found(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    # one flag value holding two arguments is split like the yaml and environment forms
    argv = ["--shards", "2", "--junit", "previous", "--out", "plan"]
    assert main([*argv, "--discover-args", "tests/db 'tests/api'"]) == 0
    out = capsys.readouterr().out
    plan = json.loads((project / "plan" / "plan.json").read_text())
    assert plan["group_by"] == "auto"
    assert plan["discover_args"] == ["tests/db", "tests/api"]
    planned = [t for s in plan["shards_detail"] for t in s["tests"]]
    assert len(planned) == 15  # tests/test_new.py is outside the discovery arguments
    assert "test by test" in out
    assert "physical floor" in out
    # the history has suite times but no recorded collection times: estimated, and said so
    assert "estimated from the suite time" in out
    assert main([*argv, "--format", "json", "--discover-args", "tests/db tests/api"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["module_costs_learned"] is False
    assert summary["floor_seconds"] <= summary["predicted_makespan_seconds"]
    assert summary["test_lower_bound_seconds"] <= summary["predicted_makespan_seconds"]


def test_index_prints_only_that_shards_ids(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["--shards", "3", "--junit", "previous", "--out", "plan"]) == 0
    plan = json.loads((project / "plan" / "plan.json").read_text())
    capsys.readouterr()
    assert main(["--shards", "3", "--junit", "previous", "--out", "plan", "--index", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == plan["shards_detail"][1]["tests"]


def test_index_auto_reads_gitlab_variables(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("CI_NODE_INDEX", "2")  # 1-based
    monkeypatch.setenv("CI_NODE_TOTAL", "3")
    assert (
        main(["--shards", "auto", "--index", "auto", "--junit", "previous", "--out", "plan"]) == 0
    )
    plan = json.loads((project / "plan" / "plan.json").read_text())
    assert plan["shards"] == 3
    assert capsys.readouterr().out.splitlines() == plan["shards_detail"][1]["tests"]


def test_plan_is_byte_identical_across_hash_seeds_and_file_order(
    project: Path, tmp_path: Path
) -> None:
    results = []
    for seed, order in (("0", ["build-1", "build-2"]), ("12345", ["build-2", "build-1"])):
        hist = tmp_path / f"hist-{seed}"
        for position, name in enumerate(order):  # copy builds under names that sort differently
            shutil.copytree(project / "previous" / name, hist / f"{position}-{name}")
        result = run_cli(
            ["--shards", "3", "--junit", str(hist), "--out", f"plan-{seed}"],
            project,
            {"PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
        results.append((project / f"plan-{seed}" / "plan.json").read_bytes())
    assert results[0] == results[1]


def test_tests_from_a_plain_list(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "ids.txt").write_text(
        "tests/db/test_pool.py::test_pool_0\ntests/api/test_orders.py::TestFlow::test_step_5\n"
    )
    argv = ["--shards", "2", "--tests-from", "ids.txt", "--junit", "previous", "--out", "plan"]
    argv += ["--group-by", "file"]  # the per-test/per-shard overhead model (auto: below)
    assert main([*argv, "--test-overhead", "0"]) == 0
    plan = json.loads((project / "plan" / "plan.json").read_text())
    assert plan["unknown_tests"] == []
    assert sorted(s["predicted_seconds"] for s in plan["shards_detail"]) == [4.0, 7.0]
    # the suites took 60 s and 70 s for 15 cases whose times sum to 49 s and 53 s: the extra
    # time is learned as per-test overhead, (11 + 17) / 30 s = 0.933 s
    assert main(argv) == 0
    plan = json.loads((project / "plan" / "plan.json").read_text())
    assert sorted(s["predicted_seconds"] for s in plan["shards_detail"]) == [4.933, 7.933]


HOSTILE = {
    "xxe.xml": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite><testcase classname="a" name="&x;"/></testsuite>',
    "laughs.xml": '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><testsuite><testcase classname="a" name="&c;"/></testsuite>',
    "truncated.xml": '<?xml version="1.0"?><testsuites><testsuite name="x"><testcase classname="a" name="b"',
    "empty.xml": "",
    "html.xml": "<html><body>502 Bad Gateway</body></html>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_history_is_exit_10_naming_the_file(project: Path, name: str) -> None:
    (project / "bad").mkdir()
    (project / "bad" / name).write_text(HOSTILE[name], encoding="utf-8")
    (project / "ids.txt").write_text("tests/db/test_pool.py::test_pool_0\n")
    argv = ["--shards", "2", "--tests-from", "ids.txt", "--junit", "bad", "--junit", "previous"]
    result = run_cli(argv, project)
    assert result.returncode == 10, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]
    assert "Traceback" not in result.stderr
    assert "root:" not in result.stderr  # nothing of /etc/passwd
    skipped = run_cli([*argv, "--skip-bad-reports"], project)
    assert skipped.returncode == 0, skipped.stderr
    assert name in skipped.stderr


def test_no_tests_is_exit_5(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    result = run_cli(["--shards", "2"], tmp_path)
    assert result.returncode == 5, result.stderr
    assert "no tests" in result.stderr


def test_bad_ids_in_a_test_list_are_exit_10_naming_file_and_line(project: Path) -> None:
    (project / "ids.txt").write_text("tests/db/test_pool.py::test_pool_0\ntests/a.py::\n")
    result = run_cli(["--shards", "2", "--tests-from", "ids.txt"], project)
    assert result.returncode == 10, result.stderr
    assert "ids.txt: line 2:" in result.stderr
    (project / "ids.txt").write_text(
        "tests/db/test_pool.py::test_pool_0\n\ntests/db/test_pool.py::test_pool_0\n"
    )
    result = run_cli(["--shards", "2", "--tests-from", "ids.txt"], project)
    assert result.returncode == 10, result.stderr
    assert "line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_discover_junit_plan_lists_only_items_ids_cannot_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paratest_split.discovery.base import DiscoverOptions
    from paratest_split.discovery.junit import JUnitDiscoverer
    from paratest_split.manifest import read_plan

    monkeypatch.chdir(tmp_path)
    cases = "".join(
        f'<testcase classname="com.acme.T{i % 4}" name="test_{i}" time="{i % 7}.5"'
        + (' file="src/Odd.java"' if i == 8 else ' file="src/T.java"' if i % 4 == 0 else "")
        + "/>"
        for i in range(40)
    )
    (tmp_path / "r.xml").write_text(f"<testsuite>{cases}</testsuite>", encoding="utf-8")
    argv = ["--shards", "3", "--discover", "junit", "--junit", "r.xml", "--out", "plan"]
    assert main(argv) == 0
    data = json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in data["items"]] == ["com.acme.T0::test_8"]
    assert data["item_files"] == {"com.acme.T0": "src/T.java"}
    found = JUnitDiscoverer().discover(DiscoverOptions(root=tmp_path, junit_paths=("r.xml",)))
    plan = read_plan(tmp_path / "plan")
    assert plan.items == tuple(found)
    planned = sorted(t for s in plan.shards_detail for t in s.tests)
    assert planned == sorted(item.id for item in found)


def test_junit_ids_with_edge_spaces_survive_split_and_run(tmp_path: Path) -> None:
    # Jest/Cypress titles may end in a space; the plan must keep such ids and run must read it
    hist = tmp_path / "hist"
    hist.mkdir()
    (hist / "r.xml").write_text(
        junit([("ui.Button", "renders ", 1.0), ("ui.Button", " clicks", 2.0)])
    )
    split = run_cli(
        ["--shards", "2", "--discover", "junit", "--junit", "hist", "--group-by", "test"], tmp_path
    )
    assert split.returncode == 0, split.stderr
    plan = json.loads((tmp_path / "paratest-plan" / "plan.json").read_text())
    assert sorted(t for s in plan["shards_detail"] for t in s["tests"]) == [
        "ui.Button:: clicks",
        "ui.Button::renders ",
    ]
    for index in (0, 1):
        ran = run_cli(["run", "--index", str(index), "--", "true"], tmp_path)
        assert ran.returncode == 0, ran.stderr
    names = sorted(
        str(case.get("name"))
        for report in (tmp_path / "paratest-results").glob("shard-*.xml")
        for case in etree.parse(str(report)).iter("testcase")
    )
    assert names == [" clicks", "renders "]  # the runs reported the ids with their spaces


def test_lean_junit_plan_keeps_items_that_do_not_rebuild(tmp_path: Path) -> None:
    # a pytest module exists, so ids become node ids; a name starting with "[" is not one
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_ok():\n    pass\n")
    hist = tmp_path / "hist"
    hist.mkdir()
    (hist / "r.xml").write_text(
        junit([("tests.test_a", "test_ok", 1.0), ("tests.test_a", "[weird]", 2.0)])
    )
    split = run_cli(
        ["--shards", "2", "--discover", "junit", "--junit", "hist", "--group-by", "test"], tmp_path
    )
    assert split.returncode == 0, split.stderr
    merged = run_cli(
        ["merge", "hist", "--plan", "paratest-plan", "-o", "m.xml", "--format", "json"], tmp_path
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    completeness = json.loads(merged.stdout)["completeness"]
    assert (completeness["planned"], completeness["complete"], completeness["missing"]) == (
        2,
        2,
        [],
    )
