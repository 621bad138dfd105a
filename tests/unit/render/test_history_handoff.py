"""Build N's merge hands the timing history to build N+1's plan, on every target, also after a
red or aborted build N-1: the rendered file is parsed and its store/restore settings are played
through a small model of that CI's documented semantics for three consecutive builds:

    build 1: green, build 2: red (a test failed), build 3: aborted while the shards ran

and build 4's plan must restore what build 2's merge saved (build 3 saved nothing, or saved
the history it restored). Buildkite's restore is a shell snippet: it runs for real, against a
fake `curl` (the REST API's build list) and a fake `buildkite-agent` (the artifact store).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from paratest_split.config import Settings
from paratest_split.render import render
from paratest_split.render.base import PipelineSpec, spec_from_settings
from tests.unit.render.test_quoting import _groovy_unquote, _kotlin_unquote

HISTORY = ".paratest/history"


def _spec(**kw: Any) -> PipelineSpec:
    return spec_from_settings(Settings(shards=3, **kw))


@dataclass(frozen=True)
class Build:
    """One build as it ends: its result, and whether its merge job ran (it runs after failed
    shards; an aborted build stops before it)."""

    number: int
    result: str  # success | failed | aborted
    merged: bool


BUILDS = (
    Build(number=1, result="success", merged=True),
    Build(number=2, result="failed", merged=True),
    Build(number=3, result="aborted", merged=False),
)

Store = list[tuple[str, str]]  # what the CI kept, in the order kept: (key or name, content)
Save = Callable[[Build, "str | None"], "tuple[str, str] | None"]


def _play(save: Save, restore: Callable[[Store], str | None]) -> str | None:
    """Builds 1-3: each plan restores (`restore` over what the CI keeps), each build saves
    what `save` says the CI keeps from it (given what its plan restored); then build 4's plan
    restores. Build N's merge keeps "history of build N"."""
    store: Store = []
    for build in BUILDS:
        saved = save(build, restore(store))
        if saved is not None:
            store.append(saved)
    return restore(store)


def _mine(build: Build) -> str:
    return f"history of build {build.number}"


def _newest(store: Store, match: Callable[[str], bool] = lambda _key: True) -> str | None:
    found = [content for key, content in store if match(key)]
    return found[-1] if found else None


# -- GitLab: one cache key, pulled by the plan job, pushed by the merge job -----------------------


@pytest.mark.parametrize("style", ["parallel", "child-jobs"])
def test_gitlab_cache_key_and_path_shared_and_saved_whatever_the_merge_found(style: str) -> None:
    data = yaml.safe_load(render("gitlab", _spec(), style))
    merge = data["merge"]
    assert merge["when"] == "always"  # runs after failed shards
    push = merge["cache"]
    assert push["policy"] == "pull-push"
    assert push["when"] == "always"  # saved also when the merge job fails (red build)
    if style == "parallel":
        plan = data["plan"]["cache"]
    else:  # the parent's plan job pulls it
        plan = yaml.safe_load(render("gitlab", _spec(), "child"))["plan"]["cache"]
    assert plan["policy"] == "pull"
    assert plan["key"] == push["key"]
    assert plan["paths"] == push["paths"] == [f"{HISTORY}/"]

    def save(build: Build, _restored: str | None) -> tuple[str, str] | None:
        # `when: always`: saved after a failed job too; an aborted pipeline never ran merge
        return (str(push["key"]), _mine(build)) if build.merged else None

    assert _play(save, lambda store: _newest(store, lambda k: k == plan["key"])) == (
        "history of build 2"
    )


# -- GitHub: actions/cache, a new key per run attempt, restored by prefix -------------------------


def _gha(text: str, job: str, uses: str) -> dict[str, Any]:
    steps = yaml.safe_load(text)["jobs"][job]["steps"]
    return next(s for s in steps if s.get("uses", "").startswith(uses))


def _expand(template: str, **context: int) -> str:
    return re.sub(r"\$\{\{ github\.(\w+) \}\}", lambda m: str(context[m.group(1)]), template)


def test_github_saves_every_attempt_and_the_plan_restores_the_newest() -> None:
    text = render("github", _spec())
    merge_job = yaml.safe_load(text)["jobs"]["merge"]
    assert merge_job["if"] == "${{ always() && needs.plan.result == 'success' }}"
    save = _gha(text, "merge", "actions/cache/save")
    assert save["if"] == "${{ always() }}"
    restore = _gha(text, "plan", "actions/cache/restore")
    assert restore["with"]["path"] == save["with"]["path"] == HISTORY
    assert "run_attempt" in save["with"]["key"]  # a re-run's save is not refused
    prefix = restore["with"]["restore-keys"]

    def do_save(build: Build, restored: str | None) -> tuple[str, str] | None:
        key = _expand(save["with"]["key"], run_id=100 + build.number, run_attempt=1)
        # if: always(): a cancelled run saves too, what its plan restored (merge never ran)
        return key, _mine(build) if build.merged else str(restored)

    result = _play(do_save, lambda store: _newest(store, lambda k: k.startswith(prefix)))
    assert result == "history of build 2"
    # a re-run of build 2 (attempt 2) saves under a key of its own: GitHub never overwrites
    assert _expand(save["with"]["key"], run_id=102, run_attempt=2) != _expand(
        save["with"]["key"], run_id=102, run_attempt=1
    )


# -- CircleCI: save_cache when: always under the job number, restore by prefix --------------------


def test_circleci_saves_always_under_a_new_key_and_merges_after_canceled_shards() -> None:
    data = yaml.safe_load(render("circleci", _spec()))
    merge_steps = data["jobs"]["merge"]["steps"]
    cache = next(s["save_cache"] for s in merge_steps if "save_cache" in s)
    assert cache["when"] == "always"
    assert cache["key"] == "paratest-history-{{ .BuildNum }}"  # new for every job run
    assert cache["paths"] == [HISTORY]
    plan_restore = next(
        s["restore_cache"] for s in data["jobs"]["plan"]["steps"] if "restore_cache" in s
    )
    assert all(cache["key"].startswith(k) for k in plan_restore["keys"])
    prefixes = plan_restore["keys"]
    requires = next(j["merge"] for j in data["workflows"]["paratest"]["jobs"] if "merge" in j)
    assert requires["requires"] == [{"shard": ["success", "failed", "canceled"]}]

    def save(build: Build, _restored: str | None) -> tuple[str, str] | None:
        # a cancelled workflow cancels the merge job too: nothing saved
        key = str(cache["key"]).replace("{{ .BuildNum }}", str(900 + build.number))
        return (key, _mine(build)) if build.merged else None

    # restore_cache: the most recently saved entry whose key starts with a listed prefix
    newest = _play(save, lambda store: _newest(store, lambda k: k.startswith(tuple(prefixes))))
    assert newest == "history of build 2"


# -- Azure: Cache@2 saves only from a succeeded job: the history job does it ----------------------


def _azure_jobs(text: str) -> dict[str, Any]:
    return {job["job"]: job for job in yaml.safe_load(text)["jobs"]}


def _cache_key(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split("|")]


def test_azure_history_job_saves_after_red_builds_and_plan_restores_by_prefix() -> None:
    jobs = _azure_jobs(render("azure", _spec()))
    merge = jobs["merge"]
    assert merge["condition"].startswith("and(always(),")
    published = next(s for s in merge["steps"] if s.get("artifact") == "paratest-history")
    assert published["publish"] == HISTORY
    assert published["condition"] == "succeededOrFailed()"
    history = jobs["history"]
    assert history["dependsOn"] == "merge"
    assert "'Failed'" in history["condition"]  # runs after a red merge, and succeeds itself
    cache = next(s for s in history["steps"] if s.get("task") == "Cache@2")["inputs"]
    download = next(s for s in history["steps"] if s.get("task") == "DownloadPipelineArtifact@2")
    assert download["inputs"]["artifactName"] == "paratest-history"
    assert download["inputs"]["targetPath"] == cache["path"]
    assert "restoreKeys" not in cache  # nothing restored: what the merge published is saved
    plan_cache = next(s for s in jobs["plan"]["steps"] if s.get("task") == "Cache@2")["inputs"]
    assert plan_cache["path"] == cache["path"]
    save_key = _cache_key(cache["key"])
    assert "$(System.JobAttempt)" in save_key  # new for every attempt: never "already exists"
    restore_prefix = _cache_key(plan_cache["restoreKeys"])
    assert save_key[: len(restore_prefix)] == restore_prefix
    assert _cache_key(plan_cache["key"])[:1] != restore_prefix[:1]  # the plan's own save differs

    def save(build: Build, _restored: str | None) -> tuple[str, str] | None:
        # the history job runs when merge ran (Succeeded or Failed) and then succeeds
        key = "|".join(save_key).replace("$(Build.BuildId)", str(build.number))
        return (key, _mine(build)) if build.merged else None

    def prefixed(key: str) -> bool:
        return key.split("|")[: len(restore_prefix)] == restore_prefix

    assert _play(save, lambda store: _newest(store, prefixed)) == "history of build 2"


# -- Buildkite: the REST API's finished builds, the newest one with the history artifact ----------


FAKE_CURL = """#!/bin/sh
# the REST API: this pipeline's finished builds, newest first
for a in "$@"; do case "$a" in *state*) url="$a";; esac; done
echo "$url" >> "$LOG"
cat "$BUILDS_JSON"
"""
FAKE_AGENT = """#!/bin/sh
# buildkite-agent artifact download PATTERN DEST [--step S] [--build B]
echo "$*" >> "$LOG"
pattern="$3"; dest="$4"; shift 4; build=current; step=
while [ $# -gt 0 ]; do case "$1" in --build) build="$2"; shift;; --step) step="$2"; shift;; esac; shift; done
src="$STORE/$build/$step"
[ -d "$src/.paratest" ] || { echo "no artifacts match $pattern" >&2; exit 1; }
cp -R "$src/.paratest" "$dest/"
"""


def _buildkite_commands(text: str, key: str) -> list[str]:
    step = next(s for s in yaml.safe_load(text)["steps"] if s.get("key") == key)
    return [c.replace("$$", "$") for c in step["command"]]


def _run_restore(tmp_path: Path, command: str, *, token: bool) -> tuple[int, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("curl", FAKE_CURL), ("buildkite-agent", FAKE_AGENT)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    store = tmp_path / "store"
    # build 2 (red): its merge uploaded the history; build 3 (cancelled): nothing
    kept = store / "uuid-2" / "merge" / ".paratest" / "history"
    kept.mkdir(parents=True)
    (kept / "20261201T000000Z-aaaaaaaaaaaa.xml.gz").write_text("build 2")
    builds = tmp_path / "builds.json"
    builds.write_text('[{"id": "uuid-3"}, {"id": "uuid-2"}, {"id": "uuid-1"}]')
    work = tmp_path / "checkout"
    work.mkdir()
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "LOG": str(tmp_path / "log"),
        "STORE": str(store),
        "BUILDS_JSON": str(builds),
        "BUILDKITE_ORGANIZATION_SLUG": "acme",
        "BUILDKITE_PIPELINE_SLUG": "app",
        "BUILDKITE_BRANCH": "main",
    }
    if token:
        env["BUILDKITE_API_TOKEN"] = "t0ken"
    result = subprocess.run(
        ["/bin/sh", "-ec", command], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    stored = sorted(p.name for p in (work / HISTORY).glob("*")) if (work / HISTORY).is_dir() else []
    return result.returncode, " ".join(stored) + "|" + result.stderr


def test_buildkite_plan_takes_the_newest_finished_build_that_has_the_history(
    tmp_path: Path,
) -> None:
    text = render("buildkite", _spec())
    restore = _buildkite_commands(text, "plan")[0]
    code, out = _run_restore(tmp_path, restore, token=True)
    assert code == 0, out
    assert out.startswith("20261201T000000Z-aaaaaaaaaaaa.xml.gz|")  # build 2's, past build 3
    log = (tmp_path / "log").read_text().splitlines()
    assert "state[]=passed&state[]=failed&state[]=canceled" in log[0]  # not only green builds
    assert "branch=main" in log[0]
    assert [li.split("--build ")[1] for li in log[1:]] == ["uuid-3", "uuid-2"]
    # what the merge step uploads is what the plan looks for, under the step key it queries
    merge = next(s for s in yaml.safe_load(text)["steps"] if s.get("key") == "merge")
    pattern = shlex.split(log[1])[2]
    assert pattern in merge["artifact_paths"]
    assert merge["key"] == shlex.split(log[1])[shlex.split(log[1]).index("--step") + 1]
    assert merge["depends_on"] == [{"step": "shard", "allow_failure": True}]


def test_buildkite_plan_without_a_token_says_so_and_plans_anyway(tmp_path: Path) -> None:
    restore = _buildkite_commands(render("buildkite", _spec()), "plan")[0]
    code, out = _run_restore(tmp_path, restore, token=False)
    assert code == 0
    assert "BUILDKITE_API_TOKEN (read_builds) is not set" in out
    assert out.startswith("|")


def test_buildkite_merge_adds_to_the_history_the_plan_restored() -> None:
    text = render("buildkite", _spec())
    plan = next(s for s in yaml.safe_load(text)["steps"] if s.get("key") == "plan")
    merge = _buildkite_commands(text, "merge")
    assert f"{HISTORY}/**/*" in plan["artifact_paths"]
    download = next(c for c in merge if HISTORY in c and "download" in c)
    assert "--step plan" in download
    assert merge.index(download) < next(
        i for i, c in enumerate(merge) if "paratest-split merge" in c
    )


# -- Jenkins: copyArtifacts(lastWithArtifacts) from the only stage that archives ------------------


@pytest.mark.parametrize("style", ["declarative", "scripted"])
def test_jenkins_only_merge_archives_and_plan_copies_the_newest_build_with_artifacts(
    style: str,
) -> None:
    text = render("jenkins", _spec(), style)
    copy = re.search(r"copyArtifacts\(([^)]*\))[^)]*\)", text, re.DOTALL)
    assert copy
    assert "selector: lastWithArtifacts()" in copy.group(0)
    assert "optional: true" in copy.group(0)  # the first build has none
    found = re.search(r"filter: ('[^']*')", copy.group(0))
    assert found
    copy_filter = _groovy_unquote(found.group(1))
    archives = re.findall(r"archiveArtifacts artifacts: ('[^']*')", text)
    assert len(archives) == 1, "only the merge may make a build 'with artifacts'"
    archived = _groovy_unquote(archives[0]).split(",")
    assert copy_filter in archived
    # the merge archives in post { always } / finally: also when tests failed
    before = text[: text.index("archiveArtifacts")]
    assert before.rstrip().endswith("allowEmptyResults: true")
    assert ("always {" in before[-400:]) or ("} finally {" in before[-400:])

    def save(build: Build, _restored: str | None) -> tuple[str, str] | None:
        # only the merge archives: a build without a merge has no artifacts at all
        return (f"build {build.number}", _mine(build)) if build.merged else None

    # LastBuildWithArtifactSelector: the newest build whose getHasArtifacts() is true, any result
    assert _play(save, _newest) == "history of build 2"


@pytest.mark.parametrize("style", ["declarative", "scripted"])
def test_jenkins_every_shard_step_is_inside_catch_error(style: str) -> None:
    text = render("jenkins", _spec(), style)
    at = text.index("catchError(buildResult: 'FAILURE', stageResult: 'FAILURE') {")
    indent = at - text.rindex("\n", 0, at) - 1
    block = text[at : text.index("\n" + " " * indent + "}\n", at)]  # to its closing brace
    for step in (
        "unstash 'paratest-plan'",
        "sh 'pip install paratest-split'",
        "paratest-split run",
    ):
        assert step in block, step


# -- TeamCity: artifact dependencies that chain the history ---------------------------------------


def _kotlin_block(text: str, start: str) -> str:
    """From `start` to the brace that closes the first `{` after it."""
    at = text.index(start)
    depth = 0
    for i in range(text.index("{", at), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[at : i + 1]
    raise AssertionError(f"unbalanced after {start}")


def test_teamcity_plan_chains_the_merge_and_its_own_last_finished_history() -> None:
    text = render("teamcity", _spec())
    found = re.search(r'const val HISTORY = ("[^"]*")', text)
    assert found
    history_rule = _kotlin_unquote(found.group(1))
    assert history_rule == f"?:paratest-history.zip!** => {HISTORY}"
    plan = _kotlin_block(text, "object Plan : BuildType(")
    deps = re.findall(
        r'artifacts\(RelativeId\("(\w+)"\)\) \{\s+buildRule = (\w+\(\))\s+artifactRules = Paratest.HISTORY',
        plan,
    )
    assert deps == [("ParatestPlan", "lastFinished()"), ("ParatestMerge", "lastFinished()")]
    # both publish the history under the name the rule reads
    assert "${Paratest.HISTORY_DIR} => paratest-history.zip" in plan
    merge = _kotlin_block(text, "object Merge : BuildType(")
    assert "${Paratest.HISTORY_DIR} => paratest-history.zip" in merge
    assert "${Paratest.HISTORY}" in merge  # merge adds to the plan's copy

    plans: Store = []  # what each plan build published: the history it restored

    def save(build: Build, restored: str | None) -> tuple[str, str] | None:
        plans.append((f"plan {build.number}", str(restored)))
        return (f"merge {build.number}", _mine(build)) if build.merged else None

    def restore(store: Store) -> str | None:
        # the last finished plan build's copy, then the last finished merge build's over it;
        # build 3's merge build was cancelled without artifacts: the plan's copy fills in
        merge = _newest(store)
        return merge if merge is not None else _newest(plans)

    assert _play(save, restore) == "history of build 2"
    assert plans[-1] == ("plan 3", "history of build 2")


# -- GoCD and Bamboo: no hand-over between builds; the file says where to put it ------------------


@pytest.mark.parametrize("target", ["gocd", "bamboo"])
def test_ci_without_a_handover_says_so_and_uses_a_persistent_history_dir(target: str) -> None:
    relative = render(target, _spec())
    head = "".join(li for li in relative.splitlines(keepends=True) if li.startswith("#"))
    assert "never from an earlier" in head.replace("\n# ", " ")
    assert "history_dir: /mnt/ci/paratest/history" in head
    assert "PARATEST_HISTORY_DIR" in head
    shared = render(target, _spec(history_dir="/mnt/ci/paratest/history"))
    assert "history_dir is /mnt/ci/paratest/history" in shared
    commands = list(re.findall(r'"(paratest-split (?:split|merge) [^"]*)"', shared))
    split = next(shlex.split(c) for c in commands if c.startswith("paratest-split split"))
    merge = next(shlex.split(c) for c in commands if c.startswith("paratest-split merge"))
    assert split[split.index("--history-dir") + 1] == "/mnt/ci/paratest/history"
    assert merge[merge.index("--store") + 1] == "/mnt/ci/paratest/history"


# -- Kubernetes: one volume; per-run report directories -------------------------------------------


def test_k8s_pods_plan_from_the_history_the_merge_pod_stores_on_the_volume() -> None:
    doc = list(yaml.safe_load_all(render("k8s", _spec())))[1]
    script = doc["spec"]["template"]["spec"]["containers"][0]["args"][0].replace("$$", "$")
    splits = [
        shlex.split(li) for li in script.splitlines() if li.startswith("paratest-split split")
    ]
    merge = next(
        shlex.split(li[5:])
        for li in script.splitlines()
        if li.startswith("exec paratest-split merge")
    )
    assert merge[merge.index("--store") + 1] == "/paratest/history"
    assert [s[s.index("--history-dir") + 1] for s in splits] == ["/paratest/history"] * 2
