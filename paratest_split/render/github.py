"""GitHub Actions: a matrix over the shard index, artifacts, a merge job."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="github",
    title="GitHub Actions",
    filename=".github/workflows/paratest.yml",
    index_source="none: the matrix value `${{ matrix.shard }}` (= `strategy.job-index`, 0-based)",
    templates={"default": "github/workflow.yml.j2"},
    max_shards=256,  # GitHub's limit of jobs per matrix
)
