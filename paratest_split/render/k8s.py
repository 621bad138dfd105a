"""Kubernetes: one Indexed Job per run, created under a generated name (`generateName`): pods
0..N-1 run the shards, pod N waits for this run's N reports and merges them.

Every run writes its reports under `/paratest/runs/<the Job's name>` on the shared volume (the
name reaches the pods through the downward API), so the merge never counts a report of an
earlier or aborted run. Each pod's shell `exec`s its last command: as PID 1 a shell does not
pass SIGTERM on, and `paratest-split run` must hear it to run teardown_workspace when the pod
is deleted.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from paratest_split.core.errors import UsageError
from paratest_split.render.base import PipelineSpec, TemplateRenderer, render_template

MOUNT = "/paratest"  # the shared volume: run reports, history and the merged report live here
RUN_VAR = "JOB_NAME"  # the Job's generated name, from the pod's label (downward API)
RUNS = f"{MOUNT}/runs"
# Stands for the run's directory name inside a shell-quoted command; the space makes
# shlex.quote put every word holding it between single quotes.
_RUN_MARK = "@run dir@"
KEEP_RUN_DAYS = 7  # runs' reports older than this are removed by a later merge


def _place_run(command: str) -> str:
    """Put the run's directory (`$JOB_NAME`) where `_RUN_MARK` stands, inside '...'."""
    return command.replace(_RUN_MARK, f"'\"${RUN_VAR}\"'")


def on_volume(spec: PipelineSpec) -> PipelineSpec:
    """Pods share nothing but the volume: results, history and report move onto it."""
    history = f"{MOUNT}/history"
    return dataclasses.replace(
        spec,
        results_dir=f"{RUNS}/{_RUN_MARK}",
        history_dir=history,
        report=f"{RUNS}/{_RUN_MARK}-junit.xml",  # beside the run's directory, one per run
        split_args=(*spec.split_args, "--history-dir", history),
    )


def shard_script(spec: PipelineSpec) -> str:
    """Pods 0..N-1: install, plan, then `exec` the shard (it gets SIGTERM on pod deletion)."""
    run = "exec " + _place_run(spec.run_command("auto"))
    return f"set -e\n{spec.install}\n{spec.plan_command()}\n{run}"


def merge_script(spec: PipelineSpec) -> str:
    """Pod N: wait for this run's N reports, drop old runs' files, plan, `exec` merge."""
    run_dir = f'{RUNS}/"${RUN_VAR}"'
    count = f"$(ls {run_dir} 2>/dev/null | grep -c '^shard-.*\\.xml$')"
    wait = f'until [ "{count}" -ge {spec.shards} ]; do sleep 10; done'
    prune = (
        f"find {RUNS} -mindepth 1 -maxdepth 1 -mtime +{KEEP_RUN_DAYS} -exec rm -rf {{}} + || true"
    )
    return "\n".join(
        [
            "set -e",
            wait,
            prune,
            spec.install,
            spec.plan_command(),
            "exec " + _place_run(spec.merge_command()),
        ]
    )


def pod_script(spec: PipelineSpec) -> str:
    """The container's one command: the merge for index N, a shard for the others."""
    return (
        f'if [ "$JOB_COMPLETION_INDEX" -eq {spec.shards} ]; then\n'
        f"{merge_script(spec)}\nfi\n{shard_script(spec)}"
    )


# A label value (the node selector `paratest: AGENT`): at most 63 characters, alphanumeric at
# both ends, `-`, `_` and `.` between.
_LABEL_VALUE = re.compile(r"(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def node_label(agent: str) -> str:
    """`--agent` as the value of the node label `paratest`, or a usage error saying why the API
    server would refuse it."""
    if not _LABEL_VALUE.fullmatch(agent):
        raise UsageError(
            f"pipeline k8s: --agent {agent!r} is not a Kubernetes label value (the node selector "
            "paratest=AGENT): at most 63 letters, digits, '-', '_' or '.', a letter or digit at "
            "both ends"
        )
    return agent


@dataclass(frozen=True, kw_only=True)
class K8sRenderer(TemplateRenderer):
    def render(self, spec: PipelineSpec, style: str) -> str:
        if spec.agent:
            node_label(spec.agent)
        volume_spec = on_volume(spec)
        return render_template(
            self.templates[style],
            spec=volume_spec,
            style=style,
            name="paratest",
            volume_claim="paratest",
            script=pod_script(volume_spec),
            run_var=RUN_VAR,
            runs=RUNS,
        )


RENDERER = K8sRenderer(
    name="k8s",
    title="Kubernetes",
    filename="paratest-job.yaml",
    index_source="`--index auto`: JOB_COMPLETION_INDEX (0-based) of the Indexed Job",
    templates={"default": "k8s/job.yaml.j2"},
    # No pod runs before all shards (each pod plans for itself), and the merge pod waits for N
    # reports, so it never runs after a pod that died without one: `setup`/`teardown` are
    # rejected rather than run where the shared resource could outlive or precede the shards.
    plan_hooks=False,
)
