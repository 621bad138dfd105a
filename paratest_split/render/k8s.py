"""Kubernetes: an Indexed Job (one pod per shard) writing to a shared results volume, and a
merge Job that waits for all N reports."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from paratest_split.render.base import PipelineSpec, TemplateRenderer, render_template

MOUNT = "/paratest"  # the shared volume: results, history and the merged report live here


def on_volume(spec: PipelineSpec) -> PipelineSpec:
    """Pods share nothing but the volume: results, history and report move onto it."""
    history = f"{MOUNT}/history"
    return dataclasses.replace(
        spec,
        results_dir=f"{MOUNT}/results",
        history_dir=history,
        report=f"{MOUNT}/junit.xml",
        split_args=(*spec.split_args, "--history-dir", history),
    )


@dataclass(frozen=True, kw_only=True)
class K8sRenderer(TemplateRenderer):
    def render(self, spec: PipelineSpec, style: str) -> str:
        return render_template(
            self.templates[style],
            spec=on_volume(spec),
            style=style,
            name="paratest",
            volume_claim="paratest",
        )


RENDERER = K8sRenderer(
    name="k8s",
    title="Kubernetes",
    filename="paratest-job.yaml",
    index_source="`--index auto`: JOB_COMPLETION_INDEX (0-based) of the Indexed Job",
    templates={"default": "k8s/job.yaml.j2"},
    # No job runs before all pods (each pod plans for itself), and the merge Job waits for N
    # reports, so it never runs after a pod that died without one: `setup`/`teardown` are
    # rejected rather than run where the shared resource could outlive or precede the shards.
    plan_hooks=False,
)
