"""GoCD: a YAML config-repo pipeline; the shard job runs `run_instances: N` times."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="gocd",
    title="GoCD",
    filename="paratest.gocd.yaml",
    index_source="`--index auto`: GO_JOB_RUN_INDEX (1-based) of `run_instances`",
    templates={"default": "gocd/pipeline.gocd.yaml.j2"},
)
