"""GitLab CI: a `parallel: N` job, or a plan job that writes a dynamic child pipeline."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from paratest_split.render.base import PROG, PipelineSpec, TemplateRenderer

CHILD_FILE = "paratest-child.yml"


def child_command(spec: PipelineSpec) -> str:
    """What the parent's plan job runs to write the child pipeline for the plan it made: every
    setting the parent was generated with (flags, PARATEST_*, paratest.yaml) goes along, as
    flags or, where `pipeline` has none, as PARATEST_* variables of the command."""
    argv = [PROG, "pipeline", "gitlab", "--style", "child-jobs"]
    argv += ["--shards-from-plan", spec.plan_dir, "--out", spec.plan_dir]
    argv += ["--output", spec.results_dir, "--report", spec.report]
    argv += ["--install", spec.install, "--image", spec.image]
    if spec.agent:
        argv += ["--agent", spec.agent]
    if spec.teardown:  # the child's merge job runs it (setup already ran in this plan job)
        argv += ["--teardown", spec.teardown]
    argv += [f"--command={word}" for word in spec.test_command]
    argv += spec.pipeline_args
    env = "".join(word + " " for word in spec.pipeline_env)
    return env + shlex.join(argv) + " > " + shlex.quote(CHILD_FILE)


def _context(spec: PipelineSpec) -> Mapping[str, Any]:
    return {"child_file": CHILD_FILE, "child_command": child_command(spec)}


RENDERER = TemplateRenderer(
    name="gitlab",
    title="GitLab CI",
    filename=".gitlab-ci.yml",
    index_source="`--index auto`: CI_NODE_INDEX (1-based) of `parallel:`",
    templates={
        "parallel": "gitlab/parallel.yml.j2",
        "child": "gitlab/child.yml.j2",
        "child-jobs": "gitlab/child-jobs.yml.j2",
    },
    max_shards=200,  # GitLab's limit for `parallel:`
    context=_context,
)
