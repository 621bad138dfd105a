"""Contract tests over every registered renderer, plus structure checks from each CI's docs
(GoCD and TeamCity have no offline validator: these and the golden files are their tests)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from paratest_split.config import Settings
from paratest_split.core.errors import UsageError
from paratest_split.render import RENDERERS, render, render_settings
from paratest_split.render.base import PipelineSpec, spec_from_settings
from tests.unit.render.test_quoting import _groovy_unquote, _kotlin_unquote

HOOK = (
    'docker compose -p "ws-{shard}" up -d: now # ${{ secrets.T }} $HOME $(id) '
    "#{p} %X% << q >> 'x'"
)
TEARDOWN = "echo 'bye' && rm -rf \"$TMP\"/x # done"
ALL_STYLES = [(t, s) for t, r in RENDERERS.items() for s in r.styles]


def _spec(shards: int = 3, **kw: Any) -> PipelineSpec:
    return spec_from_settings(Settings(shards=shards, **kw))


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _same(text: str) -> str:
    return text


UNESCAPE: dict[str, Callable[[str], str]] = {
    "github": lambda s: s.replace("${{ '${{' }}", "${{"),
    "azure": lambda s: s.replace("${{ '${{' }}", "${{"),
    "buildkite": lambda s: s.replace("$$", "$"),
    "k8s": lambda s: s.replace("$$", "$"),
    "gocd": lambda s: s.replace("##", "#"),
    "circleci": lambda s: s.replace("\\<<", "<<"),
    "teamcity": lambda s: s.replace("%%", "%"),
}


def command_strings(target: str, text: str) -> list[str]:
    """Every string of the file as the CI hands it to the shell."""
    if target == "jenkins":
        found = [_groovy_unquote(m) for m in re.findall(r"'(?:[^'\\\n]|\\.)*'", text)]
    elif target == "teamcity":
        literals = re.findall(r'"(?:[^"\\\n]|\\.)*"', text)
        # the shard command is two literals around `+ index +`
        joined = re.findall(r'("(?:[^"\\\n]|\\.)*") \+ index \+ ("(?:[^"\\\n]|\\.)*")', text)
        ours = re.compile(r"(?<!\\)\$(index|\{Paratest\.)")  # our own Kotlin templates
        parts = {part for pair in joined for part in pair}
        found = [_kotlin_unquote(m) for m in literals if not ours.search(m) and m not in parts]
        found += [_kotlin_unquote(a) + "7" + _kotlin_unquote(b) for a, b in joined]
    else:
        found = [s for doc in yaml.safe_load_all(text) for s in _strings(doc)]
    return [UNESCAPE.get(target, _same)(s) for s in found]


@pytest.mark.parametrize(("target", "style"), ALL_STYLES)
def test_output_is_deterministic_and_ends_with_newline(target: str, style: str) -> None:
    first = render(target, _spec(retries=2), style)
    assert first == render(target, _spec(retries=2), style)
    assert first.endswith("\n")
    assert not first.endswith("\n\n")
    assert "\t" not in first


@pytest.mark.parametrize(("target", "style"), ALL_STYLES)
def test_hostile_hook_values_survive_exactly(target: str, style: str) -> None:
    """The command the CI hands to the shell carries the hook as one argv item, unchanged."""
    text = render(target, _spec(setup_workspace=HOOK, teardown_workspace=TEARDOWN), style)
    runs = [s for s in command_strings(target, text) if "paratest-split run" in s]
    if style == "child":  # the parent only plans; the child-jobs file runs the shards
        runs = [s for s in command_strings(target, text) if "pipeline gitlab" in s]
        assert runs, "the plan job must write the child pipeline"
        return
    assert runs, f"no run command found in {target}/{style}"
    for command in runs:
        line = next(li for li in command.splitlines() if "paratest-split run" in li)
        argv = shlex.split(line)
        assert argv[argv.index("--setup-workspace") + 1] == HOOK
        assert argv[argv.index("--teardown-workspace") + 1] == TEARDOWN


@pytest.mark.parametrize(("target", "style"), ALL_STYLES)
def test_install_command_is_configurable(target: str, style: str) -> None:
    install = 'pip install "$CI_PROJECT_DIR" # local'
    text = render(target, _spec(install=install), style)
    assert any(install in s.splitlines() for s in command_strings(target, text)) or any(
        s == install for s in command_strings(target, text)
    )
    assert "pip install paratest-split" not in text


@pytest.mark.parametrize(("target", "style"), ALL_STYLES)
def test_every_shard_index_is_reachable(target: str, style: str) -> None:
    text = render(target, _spec(shards=5), style)
    if style == "child":
        return  # the child pipeline is written by the plan job
    if style == "scripted":
        assert "def shards = 5" in text
    elif target in ("jenkins", "github", "bamboo"):
        for i in range(5):
            assert re.search(rf"\b{i}\b", text)
    elif target == "teamcity":
        assert "(0 until Paratest.SHARDS)" in text
        assert "const val SHARDS = 5" in text
    else:
        assert "--index auto" in text
        assert re.search(r"\b5\b", text)


YAML_TARGETS = [t for t, r in RENDERERS.items() if r.filename.endswith((".yml", ".yaml"))]


@pytest.mark.parametrize("target", YAML_TARGETS)
def test_yaml_targets_parse(target: str) -> None:
    # circleci: a resource class; k8s: a label value
    agent = {"circleci": "acme/a-b", "k8s": "a-b.c"}.get(target, "a b: c")
    for style in RENDERERS[target].styles:
        docs = list(yaml.safe_load_all(render(target, _spec(agent=agent), style)))
        assert docs
        assert all(isinstance(d, dict) for d in docs)


def test_gocd_structure_follows_the_yaml_plugin() -> None:
    data = yaml.safe_load(render("gocd", _spec(shards=4)))
    assert data["format_version"] == 10
    stages = data["pipelines"]["paratest"]["stages"]
    assert [next(iter(s)) for s in stages] == ["plan", "test", "merge"]
    shard = stages[1]["test"]["jobs"]["shard"]
    assert shard["run_instances"] == 4
    assert "run_instance_count" not in shard  # the JSON plugin's name: silently ignored in YAML
    fetches = [t["fetch"] for t in stages[2]["merge"]["jobs"]["merge"]["tasks"] if "fetch" in t]
    jobs = [f["job"] for f in fetches if f["stage"] == "test"]
    assert jobs == [f"shard-runInstance-{k}" for k in range(1, 5)]
    assert len({f.get("destination") for f in fetches if f["stage"] == "test"}) == 4
    for stage in stages:
        for job in next(iter(stage.values()))["jobs"].values():
            for task in job["tasks"]:
                if "exec" in task:
                    assert task["exec"]["command"] == "/bin/sh"
                    assert task["exec"]["arguments"][0] == "-c"


def test_gocd_doubles_hash_signs() -> None:
    text = render("gocd", _spec(setup_workspace="echo #{x} # c"))
    assert "echo ##{x} ## c" in text


def test_gocd_shard_task_is_the_run_command_itself() -> None:
    """No `exit 0` after failed tests: a red shard job (and stage) is GoCD's failure view."""
    data = yaml.safe_load(render("gocd", _spec()))
    tasks = data["pipelines"]["paratest"]["stages"][1]["test"]["jobs"]["shard"]["tasks"]
    script = tasks[-1]["exec"]["arguments"][1]
    assert script.startswith("paratest-split run ")
    assert "exit" not in script


def _balanced(text: str, pairs: str = "{}()[]") -> bool:
    stack: list[str] = []
    opening, closing = pairs[::2], pairs[1::2]
    # ignore brackets inside string literals
    stripped = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    stripped = re.sub(r"'(?:[^'\\\n]|\\.)*'", "''", stripped)
    stripped = re.sub(r"//[^\n]*", "", stripped)
    for ch in stripped:
        if ch in opening:
            stack.append(closing[opening.index(ch)])
        elif ch in closing and (not stack or stack.pop() != ch):
            return False
    return not stack


def test_teamcity_structure() -> None:
    text = render("teamcity", _spec(shards=4, agent="linux", setup_workspace=HOOK))
    assert _balanced(text)
    assert 'version = "2024.03"' in text
    for name in ("Plan", "Merge", "Tests"):
        assert f"object {name} : BuildType(" in text
    assert "class Shard(index: Int) : BuildType(" in text
    assert "type = BuildTypeSettings.Type.COMPOSITE" in text
    assert "reportType = XmlReport.XmlReportType.JUNIT" in text
    assert "onDependencyFailure = FailureAction.ADD_PROBLEM" in text
    assert text.index("object Shards") < text.index("project {")
    # every `$` outside our own templates is escaped, every `%` doubled
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', text):
        assert not re.search(r"(?<!\\)\$(?!\{Paratest\.|index)", literal), literal
        assert not re.search(r"(?<!%)%(?!%)", literal), literal


@pytest.mark.parametrize("style", RENDERERS["jenkins"].styles)
def test_jenkins_structure(style: str) -> None:
    text = render("jenkins", _spec(shards=3), style)
    assert _balanced(text)
    for i in range(3):
        assert f"paratest-results-{i}" in text or "paratest-results-${index}" in text
    assert "copyArtifacts(" in text
    assert "junit testResults: 'junit.xml'" in text
    assert "catchError(buildResult: 'FAILURE', stageResult: 'FAILURE')" in text
    if style == "declarative":
        assert text.lstrip("/ \n").count("pipeline {") == 1
        assert "values '0', '1', '2'" in text
    else:
        assert "parallel branches" in text


def test_k8s_one_indexed_job_per_run_with_a_generated_name() -> None:
    docs = list(yaml.safe_load_all(render("k8s", _spec(shards=5))))
    kinds = [d["kind"] for d in docs]
    assert kinds == ["PersistentVolumeClaim", "Job"]
    meta = docs[1]["metadata"]
    assert "name" not in meta
    assert meta["generateName"] == "paratest-"  # `kubectl create`: a new name every run
    job = docs[1]["spec"]
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == 6  # 5 shards and the merge
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = pod["containers"][0]
    assert container["env"] == [
        {
            "name": "JOB_NAME",
            "valueFrom": {
                "fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-name']"}
            },
        }
    ]
    script = container["args"][0].replace("$$", "$")
    merge, shard = script.split("\nfi\n")
    assert merge.startswith('if [ "$JOB_COMPLETION_INDEX" -eq 5 ]; then\n')
    # every branch ends in `exec`: the shell (PID 1) hands its process to paratest-split
    assert merge.splitlines()[-1].startswith(
        "exec paratest-split merge '/paratest/runs/'\"$JOB_NAME\"'/**/*.xml'"
    )
    assert shard.splitlines()[-1].startswith("exec paratest-split run ")
    assert "--index auto --output '/paratest/runs/'\"$JOB_NAME\"''" in shard
    assert "-ge 5 ]" in merge  # waits for this run's 5 reports only
    assert 'ls /paratest/runs/"$JOB_NAME" ' in merge


def test_gitlab_one_shard_has_no_parallel_keyword() -> None:
    data = yaml.safe_load(render("gitlab", _spec(shards=1)))
    assert "parallel" not in data["shard"]
    assert "--index 0" in data["shard"]["script"][1]
    assert yaml.safe_load(render("gitlab", _spec(shards=2)))["shard"]["parallel"] == 2


def test_azure_parallel_is_a_string_as_microsoft_types_it() -> None:
    data = yaml.safe_load(render("azure", _spec(shards=7)))
    assert data["jobs"][1]["strategy"]["parallel"] == "7"


def test_shard_limits_of_the_ci_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="at most 200"):
        render("gitlab", _spec(shards=201))


def test_styles_and_child_flag() -> None:
    assert "trigger:" in render_settings("gitlab", Settings(shards=2, child=True))
    assert "parallel branches" in render_settings("jenkins", Settings(shards=2, style="scripted"))
    with pytest.raises(UsageError, match="unknown --style 'scripted'"):
        render_settings("gitlab", Settings(shards=2, style="scripted"))
    with pytest.raises(UsageError, match="only for gitlab"):
        render_settings("github", Settings(shards=2, child=True))
    with pytest.raises(UsageError, match="unknown target"):
        render("travis", _spec())


@pytest.mark.parametrize(
    ("agent", "runs_on"),
    [
        (None, "ubuntu-latest"),
        ("ubuntu-24.04", "ubuntu-24.04"),
        ("integration", ["self-hosted", "integration"]),
        ("linux, x64, gpu", ["self-hosted", "linux", "x64", "gpu"]),
        ("self-hosted, big", ["self-hosted", "big"]),
    ],
)
def test_github_runs_on_hosted_images_as_they_are_and_other_labels_self_hosted(
    agent: str | None, runs_on: str | list[str]
) -> None:
    jobs = yaml.safe_load(render("github", _spec(agent=agent)))["jobs"]
    assert [job["runs-on"] for job in jobs.values()] == [runs_on] * 3


@pytest.mark.parametrize("agent", ["large", "2xlarge+", "arm.medium", "acme/integration-runner"])
def test_circleci_takes_docker_resource_classes_and_runner_classes(agent: str) -> None:
    data = yaml.safe_load(render("circleci", _spec(agent=agent)))
    assert data["executors"]["paratest"]["resource_class"] == agent


@pytest.mark.parametrize("agent", ["linux-large", "integration", "a/b/c", "medium.gen2x"])
def test_circleci_refuses_what_is_no_resource_class_of_the_docker_executor(agent: str) -> None:
    with pytest.raises(UsageError, match="not a resource class of the docker executor"):
        render("circleci", _spec(agent=agent))


@pytest.mark.parametrize(
    ("agent", "ok"),
    [
        ("integration", True),
        ("pool-a_1.x", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("linux && docker", False),
        ("-x", False),
        ("x.", False),
    ],
)
def test_k8s_agent_must_be_a_label_value(agent: str, ok: bool) -> None:
    if ok:
        doc = list(yaml.safe_load_all(render("k8s", _spec(agent=agent))))[1]
        assert doc["spec"]["template"]["spec"]["nodeSelector"] == {"paratest": agent}
    else:
        with pytest.raises(UsageError, match="not a Kubernetes label value"):
            render("k8s", _spec(agent=agent))
