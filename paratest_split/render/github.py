"""GitHub Actions: a matrix over the shard index, artifacts, a merge job."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer, yaml_str

# Runner labels of GitHub-hosted runners start with these; any other label is a self-hosted
# runner's, which GitHub selects with the `self-hosted` label beside it.
HOSTED_PREFIXES = ("ubuntu-", "windows-", "macos-")


def runs_on(agent: str | None) -> str:
    """`runs-on:` as YAML: a hosted image label as-is, else `[self-hosted, LABEL, ...]` (the
    agent may list several labels separated by commas, all of which the runner must have)."""
    if not agent:
        return "ubuntu-latest"
    if agent.startswith(HOSTED_PREFIXES) and "," not in agent:
        return yaml_str(agent)
    labels = [label.strip() for label in agent.split(",") if label.strip()]
    if "self-hosted" in labels:
        labels.remove("self-hosted")
    return "[" + ", ".join(["self-hosted", *map(yaml_str, labels)]) + "]"


RENDERER = TemplateRenderer(
    name="github",
    title="GitHub Actions",
    filename=".github/workflows/paratest.yml",
    index_source="none: the matrix value `${{ matrix.shard }}` (= `strategy.job-index`, 0-based)",
    templates={"default": "github/workflow.yml.j2"},
    max_shards=256,  # GitHub's limit of jobs per matrix
    extra={"runs_on": runs_on},
)
