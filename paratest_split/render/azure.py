"""Azure Pipelines: a job with `strategy: parallel: N`, pipeline artifacts, a merge job."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="azure",
    title="Azure Pipelines",
    filename="azure-pipelines.yml",
    index_source="`--index auto`: SYSTEM_JOBPOSITIONINPHASE (1-based) of `strategy: parallel`",
    templates={"default": "azure/azure-pipelines.yml.j2"},
    max_shards=99,  # Azure's limit for `strategy: parallel`
)
