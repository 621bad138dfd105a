"""Buildkite: a step with `parallelism: N`, artifacts through `buildkite-agent`.

Buildkite keeps nothing between builds but artifacts, and `buildkite-agent artifact download
--build UUID` reads another build's artifacts once the UUID is known. The plan step asks the
REST API for the pipeline's last finished builds on this branch (passed, failed or canceled)
and takes the history from the newest one whose merge step uploaded it: a cancelled build, or
one whose plan failed, uploaded none and is skipped.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from paratest_split.render.base import PipelineSpec, TemplateRenderer

TOKEN = "BUILDKITE_API_TOKEN"  # noqa: S105 (a variable name) an API access token with the read_builds scope (a secret)
LOOK_BACK = 10  # finished builds searched for one that has the history
SUMMARY = "paratest-summary.md"


def history_pattern(spec: PipelineSpec) -> str:
    return f"{spec.history_dir}/**/*"


def restore_history(spec: PipelineSpec) -> str:
    """Shell: download the history the newest finished build's merge step uploaded (or say
    why not, and plan without it)."""
    url = (
        "https://api.buildkite.com/v2/organizations/$BUILDKITE_ORGANIZATION_SLUG/pipelines/"
        "$BUILDKITE_PIPELINE_SLUG/builds?branch=$BUILDKITE_BRANCH"
        f"&state[]=passed&state[]=failed&state[]=canceled&per_page={LOOK_BACK}"
    )
    ids = 'import json,sys; print(" ".join(b["id"] for b in json.load(sys.stdin)))'
    download = shlex.join(
        ["buildkite-agent", "artifact", "download", history_pattern(spec), ".", "--step", "merge"]
    )
    return (
        f'if [ -z "${{{TOKEN}:-}}" ]; then '
        f'echo "paratest: {TOKEN} (read_builds) is not set: planning without the timing '
        'history of earlier builds" >&2; '
        f'else for build in $(curl -fsSg -H "Authorization: Bearer ${TOKEN}" "{url}" '
        f"| python3 -c {shlex.quote(ids)}); "
        f'do {download} --build "$build" && break; done; fi; true'
    )


def merge_lines(spec: PipelineSpec) -> list[str]:
    """Merge, annotate the build with merge's Markdown summary (error style when it failed),
    then the teardown, then exit with the merge's status."""
    status = "paratest_status"
    merge = spec.merge_command(summary=SUMMARY)
    annotate = (
        f'if [ "${status}" -eq 0 ]; then paratest_style=success; else paratest_style=error; fi; '
        f'if [ -s {SUMMARY} ]; then buildkite-agent annotate --style "$paratest_style" '
        f"--context paratest < {SUMMARY} || true; fi"
    )
    lines = [f"{status}=0; {merge} || {status}=$?", annotate]
    teardown = spec.teardown_command()
    if teardown is not None:
        lines.append(f"( {teardown}\n)")
    lines.append(f'exit "${status}"')
    return lines


def _context(spec: PipelineSpec) -> Mapping[str, Any]:
    return {
        "restore_history": restore_history(spec),
        "history_pattern": history_pattern(spec),
        "merge_lines": merge_lines(spec),
        "token": TOKEN,
    }


RENDERER = TemplateRenderer(
    name="buildkite",
    title="Buildkite",
    filename=".buildkite/pipeline.yml",
    index_source="`--index auto`: BUILDKITE_PARALLEL_JOB (0-based) of `parallelism`",
    templates={"default": "buildkite/pipeline.yml.j2"},
    context=_context,
)
