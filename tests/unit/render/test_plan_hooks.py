"""`setup`/`teardown` run once per plan: `setup` in the plan job (before the split), `teardown`
in the merge job (after the merge, also when shards or the merge failed), never in a shard job.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from paratest_split import cli
from paratest_split.config import Settings
from paratest_split.core.errors import UsageError
from paratest_split.render import RENDERERS, render
from paratest_split.render.base import (
    PipelineSpec,
    plan_hook_command,
    spec_from_settings,
    subshell,
)
from tests.unit.render.test_renderers import UNESCAPE, _same, _strings, command_strings

SETUP = "make shared-db-up N={shards} # 100% $HOME #{x}"
TEARDOWN = "make shared-db-down REPORTS={output}"
SETUP_MARK, TEARDOWN_MARK = "make shared-db-up", "make shared-db-down"
# GoCD runs `setup` but refuses `teardown`: no GoCD job surely runs after failed shards.
TEARDOWN_REFUSED = ("gocd",)
HOOKED = [
    (t, s)
    for t, r in RENDERERS.items()
    if r.plan_hooks and t not in TEARDOWN_REFUSED
    for s in r.styles
]


def _spec(**kw: Any) -> PipelineSpec:
    values: dict[str, Any] = {
        "shards": 3,
        "setup": SETUP,
        "teardown": TEARDOWN,
        "setup_workspace": "ws-up {workspace}",
        "teardown_workspace": "ws-down {workspace}",
    }
    values.update(kw)
    return spec_from_settings(Settings(**values))


def _yaml_jobs(target: str, text: str) -> dict[str, Any]:
    """{job name: job} with the names plan, shard (all shard jobs) and merge."""
    data = yaml.safe_load(text)
    if target == "gitlab":
        return {name: data[name] for name in ("plan", "shard", "merge", "tests") if name in data}
    if target == "github":
        return dict(data["jobs"])
    if target == "circleci":
        return dict(data["jobs"])
    if target == "buildkite":
        return {step["key"]: step for step in data["steps"]}
    if target == "azure":
        return {job["job"]: job for job in data["jobs"]}
    if target == "bamboo":
        shards = [v for k, v in data.items() if k.startswith("Shard ")]
        return {"plan": data["Plan"], "shard": shards, "merge": data["Merge"]}
    if target == "gocd":
        stages = data["pipelines"]["paratest"]["stages"]
        return {k: v for stage in stages for job in stage.values() for k, v in job["jobs"].items()}
    raise AssertionError(target)


def _text_jobs(target: str, text: str) -> dict[str, str]:
    """Jenkins and TeamCity: the text of each job, cut at its header."""
    if target == "jenkins":
        marks = {"plan": "stage('plan')", "shard": "stage('shards')", "merge": "stage('merge')"}
    else:
        marks = {"plan": "object Plan :", "shard": "class Shard(", "merge": "object Merge :"}
    starts = sorted((text.index(mark), name) for name, mark in marks.items())
    ends = [s for s, _ in starts[1:]] + [len(text)]
    return {name: text[start:end] for (start, name), end in zip(starts, ends, strict=True)}


def _jobs(target: str, text: str) -> dict[str, str]:
    """{plan|shard|merge: everything the CI hands to a shell in that job, one string}."""
    if target in ("jenkins", "teamcity"):
        return {
            name: "\n".join(command_strings(target, part)) if target == "jenkins" else part
            for name, part in _text_jobs(target, text).items()
        }
    unescape = UNESCAPE.get(target, _same)
    return {
        name: "\n".join(unescape(s) for s in _strings(job))
        for name, job in _yaml_jobs(target, text).items()
    }


@pytest.mark.parametrize(("target", "style"), HOOKED)
def test_setup_once_in_plan_job_teardown_once_in_merge_job_never_in_shards(
    target: str, style: str
) -> None:
    text = render(target, _spec(), style)
    jobs = _jobs(target, text)
    assert "shard" in jobs or style == "child"
    for name, body in jobs.items():
        want_setup = 1 if name == "plan" and style != "child-jobs" else 0
        want_teardown = 1 if name == "merge" else 0
        assert body.count(SETUP_MARK) == want_setup, (name, body)
        if style == "child" and name == "plan":
            # the parent's plan job hands teardown on to the child pipeline it writes
            line = next(li for li in body.splitlines() if "pipeline gitlab" in li)
            argv = shlex.split(line.split(" > ")[0])
            assert argv[argv.index("--teardown") + 1] == TEARDOWN
            assert "--setup" not in argv
            continue
        assert body.count(TEARDOWN_MARK) == want_teardown, (name, body)
    # the whole file: exactly once each (the child-jobs file has no plan job)
    flat = "\n".join(command_strings(target, text)) if target != "teamcity" else text
    assert flat.count(SETUP_MARK) == (0 if style == "child-jobs" else 1)
    assert flat.count(TEARDOWN_MARK) == 1 or style == "child"


@pytest.mark.parametrize(("target", "style"), HOOKED)
def test_shard_jobs_run_only_the_per_shard_hooks(target: str, style: str) -> None:
    text = render(target, _spec(), style)
    runs = [
        li
        for s in command_strings(target, text)
        for li in s.splitlines()
        if "paratest-split run " in li
    ]
    if style == "child":
        assert runs == []
        return
    assert runs
    for line in runs:
        argv = shlex.split(line.split(" ; ")[0])
        assert "--setup" not in argv
        assert "--teardown" not in argv
        assert "--plan-hooks" not in argv
        assert "--no-plan-hooks" in argv  # whatever paratest.yaml says where the shard runs
        assert argv[argv.index("--setup-workspace") + 1] == "ws-up {workspace}"
        assert argv[argv.index("--teardown-workspace") + 1] == "ws-down {workspace}"


@pytest.mark.parametrize(("target", "style"), HOOKED)
def test_setup_runs_before_the_split_and_teardown_after_the_merge(target: str, style: str) -> None:
    text = render(target, _spec(), style)
    flat = "\n".join(command_strings(target, text)) if target != "teamcity" else text
    if style != "child-jobs":
        assert SETUP_MARK in flat
        assert flat.index("install") < flat.index(SETUP_MARK) < flat.index("paratest-split split")
    if style != "child":
        assert flat.index("paratest-split merge") < flat.index(TEARDOWN_MARK)


def _teardown_step(target: str, text: str) -> Any:
    jobs = _yaml_jobs(target, text)
    steps = jobs["merge"].get("steps") or jobs["merge"].get("tasks") or []
    return next(s for s in steps if TEARDOWN_MARK in yaml.safe_dump(s, width=10**6))


def test_teardown_runs_when_the_merge_or_a_step_before_it_failed() -> None:
    """Each CI's own "always" for the teardown step (the merge job itself already runs after
    failed shards), and where the CI has one, its "also when cancelled"."""
    github = _teardown_step("github", render("github", _spec()))
    assert github["if"] == "${{ always() }}"
    github_merge = yaml.safe_load(render("github", _spec()))["jobs"]["merge"]
    assert github_merge["if"].startswith("${{ always() &&")  # cancelled runs too
    circleci = _teardown_step("circleci", render("circleci", _spec()))
    assert circleci["run"]["when"] == "always"
    azure = _teardown_step("azure", render("azure", _spec()))
    assert azure["condition"] == "always()"
    azure_merge = _yaml_jobs("azure", render("azure", _spec()))["merge"]
    assert azure_merge["condition"].startswith("and(always(),")
    bamboo = yaml.safe_load(render("bamboo", _spec()))["Merge"]
    assert TEARDOWN_MARK in yaml.safe_dump(bamboo["final-tasks"])
    assert TEARDOWN_MARK not in yaml.safe_dump(bamboo["tasks"])
    teamcity = _text_jobs("teamcity", render("teamcity", _spec()))["merge"]
    step = teamcity[teamcity.index('name = "teardown"') :]
    assert step.index("executionMode = BuildStep.ExecutionMode.ALWAYS") < step.index("}")
    # Jenkins: at the pipeline's end, also when the build is aborted in any stage
    declarative = render("jenkins", _spec())
    tail = declarative[declarative.rindex("    post {") :]
    assert re.fullmatch(
        r"    post \{\n\s+//[^\n]*\n\s+cleanup \{\n\s+node \{\n\s+checkout scm\n\s+sh '[^\n]*make shared-db-down"
        r"[^\n]*'\n\s+\}\n\s+\}\n    \}\n\}\n",
        tail,
    ), tail
    scripted = render("jenkins", _spec(), "scripted")
    assert scripted.startswith("try {", scripted.index("def label") + len("def label = ''\n\n"))
    tail = scripted[scripted.rindex("} finally {") :]
    assert re.search(
        r"stage\('teardown'\) \{\n\s+node\(label\) \{\n\s+checkout scm\n\s+sh '[^\n]*make shared-db-down",
        tail,
    )


def test_gocd_runs_setup_and_refuses_teardown() -> None:
    text = render("gocd", _spec(teardown=None))
    jobs = _jobs("gocd", text)
    assert jobs["plan"].count(SETUP_MARK) == 1
    assert SETUP_MARK not in jobs["shard"] + jobs["merge"]
    with pytest.raises(UsageError, match="GoCD cannot do when a shard fails"):
        render("gocd", _spec())


def test_gocd_shard_jobs_fail_when_tests_fail(tmp_path: Path) -> None:
    """The shard job's task is the run command itself: its exit status is the job's."""
    script = str(
        _yaml_jobs("gocd", render("gocd", _spec(teardown=None)))["shard"]["tasks"][-1]["exec"][
            "arguments"
        ][1]
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for code in (0, 1, 12):
        fake = bin_dir / "paratest-split"
        fake.write_text(f"#!/bin/sh\nexit {code}\n")
        fake.chmod(0o755)
        assert _run_sh(script.replace("##", "#"), tmp_path, bin_dir).returncode == code


def _run_sh(script: str, cwd: Path, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{path}:{os.environ['PATH']}" if path else os.environ["PATH"]}
    return subprocess.run(
        ["/bin/sh", "-ec", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("merge_code", "teardown_code", "expected"), [(0, 0, 0), (1, 0, 1), (0, 3, 3), (1, 3, 3)]
)
def test_shared_shell_merge_lines_keep_the_merge_status_and_always_tear_down(
    tmp_path: Path, merge_code: int, teardown_code: int, expected: int
) -> None:
    """GitLab and Buildkite run all lines in one `set -e` shell: run them so."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "paratest-split"
    fake.write_text(f"#!/bin/sh\necho merged >> log\nexit {merge_code}\n")
    fake.chmod(0o755)
    spec = _spec(teardown=f"cd /; echo torn {{output}} >> {tmp_path}/log; exit {teardown_code}")
    lines = spec.merge_lines()
    result = _run_sh("\n".join([*lines, "echo after >> log"]), tmp_path, bin_dir)
    assert result.returncode == expected, result.stderr
    log = (tmp_path / "log").read_text().splitlines()
    assert log == ["merged", f"torn {tmp_path}/paratest-results"]


def test_without_teardown_the_merge_line_is_unchanged() -> None:
    spec = _spec(teardown=None)
    assert spec.merge_lines() == [spec.merge_command()]
    assert spec.teardown_command() is None


def test_placeholders_get_this_jobs_values_even_after_a_cd(tmp_path: Path) -> None:
    hook = "cd / && printf '%s|%s|%s|%s\\n' {shards} {source} {workspace} {output} > {source}/v"
    command = plan_hook_command(hook, shards=4, output="out dir/x")
    result = _run_sh(command, tmp_path)
    assert result.returncode == 0, result.stderr
    values = (tmp_path / "v").read_text().strip().split("|")
    assert values == ["4", str(tmp_path), str(tmp_path), f"{tmp_path}/out dir/x"]
    absolute = plan_hook_command("echo {output}", shards=2, output="/srv/res ults")
    assert absolute == "echo '/srv/res ults'"
    # no directory placeholder: the hook is left as written
    assert plan_hook_command("make up N={shards} # c", shards=2, output="o") == "make up N=2 # c"


def test_subshell_isolates_and_survives_a_trailing_comment(tmp_path: Path) -> None:
    script = subshell("cd / && X=1 # comment") + '\necho "$PWD:${X:-unset}" > out'
    assert _run_sh(script, tmp_path).returncode == 0
    assert (tmp_path / "out").read_text().strip() == f"{tmp_path}:unset"


@pytest.mark.parametrize("placeholder", ["shard", "tests_file", "junit"])
@pytest.mark.parametrize("hook", ["setup", "teardown"])
def test_placeholders_without_a_value_once_per_plan_are_usage_errors(
    hook: str, placeholder: str
) -> None:
    with pytest.raises(UsageError, match=rf"{hook} cannot use \{{{placeholder}\}}.*once per plan"):
        spec_from_settings(Settings(shards=2).replace(**{hook: f"echo {{{placeholder}}}"}))


@pytest.mark.parametrize("hook", ["setup", "teardown"])
def test_an_unknown_placeholder_the_shell_would_pass_on_is_a_usage_error(hook: str) -> None:
    # a typo ({shard} for {shards}) or a placeholder of no kind: the job would run it as text
    for command in ('createdb "db_{dbname}"', "make up N={shard_count}"):
        with pytest.raises(UsageError, match=rf"pipeline: {hook}: unknown placeholder \{{"):
            spec_from_settings(Settings(shards=2).replace(**{hook: command}))


def test_unknown_braces_and_empty_hooks_pass() -> None:
    spec = spec_from_settings(Settings(shards=2, setup="awk '{print $1}' f", teardown="  "))
    assert spec.setup_command() == "awk '{print $1}' f"
    assert spec.teardown is None


def test_k8s_rejects_plan_hooks_with_a_reason() -> None:
    for hooks in ({"setup": "make up"}, {"teardown": "make down"}):
        with pytest.raises(UsageError, match="pipeline k8s: setup/teardown run once per plan"):
            render("k8s", spec_from_settings(Settings(shards=2).replace(**hooks)))
    assert "kind: Job" in render("k8s", spec_from_settings(Settings(shards=2)))


def test_cli_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("PARATEST_")]:
        monkeypatch.delenv(name)
    for argv, message in (
        (["pipeline", "k8s", "--shards", "2", "--teardown", "make down"], "k8s"),
        (["pipeline", "gitlab", "--shards", "2", "--setup", "mk {shard}"], "{shard}"),
    ):
        assert cli.main(argv) == 4
        err = capsys.readouterr().err
        assert message in err
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err


@pytest.mark.parametrize(("target", "style"), [(t, s) for t, s in HOOKED if s != "child-jobs"])
def test_the_plan_job_runs_install_before_the_split(target: str, style: str) -> None:
    """`--discover pytest` imports the project's tests in the plan job: `install` (which must
    install the project's test dependencies too) runs there as well."""
    install = "pip install -e '.[test]' # project and test deps"
    text = render(target, _spec(install=install, setup=None, teardown=None), style)
    plan = _jobs(target, text)["plan"]
    if target == "teamcity":  # the plan build's steps refer to the shared constant
        assert plan.index("scriptContent = Paratest.INSTALL") < plan.index("paratest-split split")
        return
    assert plan.index(install) < plan.index("paratest-split split")


def test_k8s_pods_install_before_they_plan() -> None:
    text = render("k8s", spec_from_settings(Settings(shards=2, install="pip install -e .")))
    docs = list(yaml.safe_load_all(text))  # PersistentVolumeClaim, the Job
    pod = docs[1]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert pod.index("pip install -e .") < pod.index("paratest-split split")


# (hook, what it prints: S for the job's directory, O for the reports' directory)
_PLAN_HOOK_CONTEXTS = [
    ("printf '%s\\n' {source} {output}", "S\nO"),
    ("printf '%s\\n' '{source}' '{output}'", "S\nO"),
    ('printf \'%s\\n\' "{source}" "{output}"', "S\nO"),
    ("printf '%s\\n' \"at {source}/x\" 'in {output}/y'", "at S/x\nin O/y"),
    ('echo "ws is $(basename {workspace})"', "ws is B"),
    ('echo "ws is $(basename "{workspace}")"', "ws is B"),
    ("echo \"ws is `basename '{workspace}'`\"", "ws is B"),
    ('x=`basename {workspace}`; echo "$x"', "B"),
    ('echo "${UNSET_:-{output}}"', "O"),
    ("cat <<EOF\n{shards}: {output}\nEOF", "3: O"),
    ("cd / && echo {source} {shards} # {output}", "S 3"),
]


@pytest.mark.parametrize(("hook", "expected"), _PLAN_HOOK_CONTEXTS)
def test_plan_hook_values_stay_literal_wherever_they_stand(
    tmp_path: Path, hook: str, expected: str
) -> None:
    checkout = tmp_path / "my checkout;touch PWNED;$(touch PWNED) 'q\" `touch PWNED`"
    checkout.mkdir()
    command = plan_hook_command(hook, shards=3, output="paratest results")
    result = _run_sh(command, checkout)
    assert result.returncode == 0, (command, result.stderr)
    output = expected.replace("O", f"{checkout}/paratest results")
    output = output.replace("S", str(checkout)).replace("B", checkout.name)
    assert result.stdout == output + "\n"
    assert not list(tmp_path.rglob("PWNED"))


def test_plan_hook_values_that_cannot_be_placed_are_usage_errors() -> None:
    with pytest.raises(
        UsageError, match=r"pipeline: placeholder \{source\} stands inside a quoted"
    ):
        plan_hook_command("cat <<'EOF'\n{source}\nEOF", shards=3, output="o")
    with pytest.raises(UsageError, match=r"\{output\} stands inside \$\(\(\.\.\.\)\) arithmetic"):
        plan_hook_command("echo $(( {output} ))", shards=3, output="o")
    assert plan_hook_command("echo $(( {shards} + 1 ))", shards=3, output="o") == (
        "echo $(( 3 + 1 ))"
    )
    assert plan_hook_command("echo '{output}'", shards=3, output="/abs/o u") == (
        "echo '''/abs/o u'''"  # close the quotes, the quoted word, reopen
    )


def test_on_cancel_the_teardown_has_its_checkout_and_install() -> None:
    """GitHub and Azure run only the `always()` steps of a job in a cancelled run: the
    teardown's own checkout and install must be among them."""
    github = _yaml_jobs("github", render("github", _spec()))["merge"]["steps"]
    always = [s for s in github if s.get("if") == "${{ always() }}"]
    assert [s.get("uses") or s.get("name") for s in always] == [
        "actions/checkout@v4",
        "install",
        "teardown",
        "actions/cache/save@v4",
    ]
    azure = _yaml_jobs("azure", render("azure", _spec()))["merge"]["steps"]
    always = [s for s in azure if s.get("condition") == "always()"]
    assert [s.get("checkout") or s.get("displayName") for s in always] == [
        "self",
        "install",
        "teardown",
    ]
    # without a teardown nothing needs them in a cancelled run
    plain = _yaml_jobs("github", render("github", _spec(teardown=None)))["merge"]["steps"]
    assert "if" not in plain[0]
