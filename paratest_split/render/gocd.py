"""GoCD: a YAML config-repo pipeline; the shard job runs `run_instances: N` times."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paratest_split.core.errors import UsageError
from paratest_split.render.base import PipelineSpec, TemplateRenderer


def persistent_history_note(spec: PipelineSpec, ci: str) -> list[str]:
    """Comment lines for a CI that cannot hand files from one build to the next: where the
    history is, and how to point it at a place that persists when it does not."""
    if spec.history_dir.startswith("/"):
        return [
            f"history_dir is {spec.history_dir}: the plan job reads and the merge job writes it",
            "there, so it must be one directory that every agent running them shares.",
        ]
    return [
        f"history_dir is {spec.history_dir}, inside the job's working directory: the next",
        f"build's plan job sees it only if {ci} runs it on the same agent in the same directory.",
        "Point it at a directory that persists and that every agent shares (an NFS mount):",
        "`history_dir: /mnt/ci/paratest/history` in paratest.yaml (or PARATEST_HISTORY_DIR",
        "when you run `paratest-split pipeline`), and regenerate this file; or give the plan",
        "`junit:` reports that your CI keeps elsewhere.",
    ]


def _context(spec: PipelineSpec) -> Mapping[str, Any]:
    if spec.teardown:
        raise UsageError(
            "pipeline gocd: teardown runs once per plan after all shards, which GoCD cannot "
            "do when a shard fails (a failed stage stops the pipeline, and shard jobs fail "
            "when tests fail): run it around the pipeline, or use teardown_workspace"
        )
    return {"history_note": persistent_history_note(spec, "GoCD")}


RENDERER = TemplateRenderer(
    name="gocd",
    title="GoCD",
    filename="paratest.gocd.yaml",
    index_source="`--index auto`: GO_JOB_RUN_INDEX (1-based) of `run_instances`",
    templates={"default": "gocd/pipeline.gocd.yaml.j2"},
    context=_context,
)
