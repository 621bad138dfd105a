"""What every CI renderer shares: the pipeline spec, the commands it runs, quoting, Jinja2.

A renderer turns a `PipelineSpec` (built from `Settings`) into one CI configuration file. The
commands are built here as argv lists and joined with POSIX shell quoting; each target then
escapes the CI's own interpolation (GitHub `${{`, Buildkite `$`, GoCD `#`, Kubernetes `$(`,
TeamCity `%`, CircleCI `<<`) and quotes the result for its file format (YAML, Groovy, Kotlin).
Only this package imports jinja2.

Size (~500 lines): the spec, the shared commands and one escaping function per CI dialect;
kept together so that every target's quoting rules can be read side by side.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import jinja2

from paratest_split import config
from paratest_split.config import Settings
from paratest_split.core.errors import UsageError
from paratest_split.core.placeholders import (
    PLACEHOLDERS,
    ShellContext,
    cannot_place,
    check_hook,
    shell_literal,
    shell_reference,
    substitute_in_shell,
)

PROG = "paratest-split"
# Stands for the shard index where a template splices it in (no argv item can hold NUL).
INDEX_MARK = "\0"

# Settings that `pipeline` writes itself (or that make no sense inside a CI job). `setup` and
# `teardown` run once per plan: in the plan job and the merge job, never in a shard job.
_NEVER_FORWARDED = frozenset(
    {
        "config",
        "debug",
        "format",
        "root",
        "shards",
        "index",
        "out",
        "plan",
        "output",
        "command",
        "setup",
        "teardown",
        "plan_hooks",
    }
)

# Settings a generated child pipeline gets from the parent's plan job by flags of their own
# (`render.gitlab.child_command`), or that do not apply to it.
_NOT_FOR_CHILD = frozenset(
    {*_NEVER_FORWARDED, "install", "image", "agent", "report", "style", "child", "command"}
)

# -- once-per-plan hooks -------------------------------------------------------------------------

# The shell variable a rendered plan hook keeps its job's starting directory in (lower case: no
# PARATEST_* configuration variable can be touched by it).
SOURCE_VAR = "paratest_source"
OUTPUT_VAR = "paratest_output"  # and the shard reports' directory under it
# Placeholders that have no value in a job that runs once per plan.
_NO_PLAN_VALUE = {
    "shard": "it runs once per plan, not in a shard",
    "tests_file": "it runs once per plan, no shard's test list exists there",
    "junit": "it runs once per plan, no shard's report exists there",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_PLAN_VALUES = {name: "" for name in PLACEHOLDERS if name not in _NO_PLAN_VALUE}


def _hook_text(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def check_plan_hook(name: str, command: str | None) -> None:
    """A `setup`/`teardown` whose placeholders cannot be filled in a CI job is a usage error,
    and so is an unknown `{name}` where the shell would pass it on literally (the checks of
    `run`'s hooks: `placeholders.check_hook`)."""
    if command is None:
        return
    for match in _PLACEHOLDER.finditer(command):
        reason = _NO_PLAN_VALUE.get(match.group(1))
        if reason is not None:
            raise UsageError(
                f"pipeline: {name} cannot use {{{match.group(1)}}}: {reason} "
                f"(use {name}_workspace for per-shard work): {command!r}"
            )
    check_hook(f"pipeline: {name}", command, _PLAN_VALUES)


def plan_hook_command(command: str, *, shards: int, output: str) -> str:
    """A `setup`/`teardown` as the shell command a plan or merge job runs: placeholders filled
    for that job by the same context-aware quoting as `run`/`local` (`placeholders`), so a
    value stands as literal text wherever it is written (bare, '...', "...", `$(...)`...).

    `{source}` and `{workspace}` are the job's starting directory (its checkout), kept in a
    shell variable before the hook runs so a `cd` in the hook does not change them; `{output}`
    is `output` (where the shard reports are, or will be) under that directory, in a variable
    too; `{shards}` is the shard count. A placeholder reaches the hook as a reference to its
    variable, quoted for where it stands."""
    variables = {"source": SOURCE_VAR, "workspace": SOURCE_VAR}
    if not output.startswith("/"):
        variables["output"] = OUTPUT_VAR
    literals = {"shards": str(shards), "output": output}
    used: set[str] = set()

    def place(name: str, context: ShellContext) -> str:
        if name in variables:
            form = shell_reference(variables[name], context)
            used.add(variables[name])
        elif name in literals:
            form = shell_literal(literals[name], context)
        else:  # check_plan_hook rejected these when the spec was built
            raise UsageError(f"pipeline: placeholder {{{name}}} has no value here: {command!r}")
        if form is None:
            raise UsageError(f"pipeline: {cannot_place(name, context, command)}")
        return form

    text = substitute_in_shell(command, _PLACEHOLDER, place)
    prefix = []
    if used:
        prefix.append(f'{SOURCE_VAR}="$PWD"; ')
    if OUTPUT_VAR in used:
        prefix.append(f'{OUTPUT_VAR}="${SOURCE_VAR}"/{shlex.quote(output)}; ')
    return "".join(prefix) + text


def subshell(command: str) -> str:
    """`command` isolated in a subshell, for CIs that run all lines of a job in one shell
    (GitLab, Buildkite): a `cd`, `exit` or variable in a hook does not leak into the next line.
    The newline before `)` keeps a trailing `# comment` of the hook from swallowing it."""
    return f"( {command}\n)"


@dataclass(frozen=True, kw_only=True)
class PipelineSpec:
    """Everything a template needs, already validated. Commands are POSIX shell strings."""

    shards: int
    install: str
    image: str
    agent: str | None
    plan_dir: str
    results_dir: str
    report: str
    history_dir: str
    split_args: tuple[str, ...] = ()
    run_args: tuple[str, ...] = ()
    merge_args: tuple[str, ...] = ()
    test_command: tuple[str, ...] = ()
    # every `pipeline` setting not at its default, as flags (gitlab: the child pipeline's
    # generator gets them, so the child runs what the parent was generated with)
    pipeline_args: tuple[str, ...] = ()
    # and as `PARATEST_KEY=value` words, the settings of split/run/merge that `pipeline` has no
    # flag for (keep, history_dir, strict_junit...)
    pipeline_env: tuple[str, ...] = ()
    setup: str | None = None  # once per plan: the plan job, before `split`
    teardown: str | None = None  # once per plan: the merge job, after `merge`, always

    @property
    def indexes(self) -> list[int]:
        return list(range(self.shards))

    def plan_command(self) -> str:
        """Compute the plan from the timing history and write it to `plan_dir`."""
        return shlex.join(
            [PROG, "split", "--shards", str(self.shards), "--out", self.plan_dir, *self.split_args]
        )

    def run_command(self, index: str) -> str:
        """Run one shard. `index` is a shell word inserted as-is: `auto`, a number, or a
        quoted variable reference such as `"$SHARD"`; everything else is quoted here."""
        head = shlex.join([PROG, "run", "--plan", self.plan_dir, "--index"])
        tail = shlex.join(["--output", self.results_dir, *self.run_args])
        command = f"{head} {index} {tail}"
        if self.test_command:
            command += " -- " + shlex.join(self.test_command)
        return command

    def merge_command(
        self,
        results_glob: str | None = None,
        summary: str | None = None,
        annotate: str | None = None,
    ) -> str:
        """Merge every shard's report, check it against the plan, keep it as history.
        `summary`: a shell word for `--summary-md` (e.g. "$GITHUB_STEP_SUMMARY"); `annotate`:
        the CI whose annotations merge prints (`--annotate`)."""
        pattern = results_glob or f"{self.results_dir}/**/*.xml"
        argv = [PROG, "merge", pattern, "--plan", self.plan_dir, "-o", self.report]
        argv += ["--store", self.history_dir, *self.merge_args]
        if annotate is not None:
            argv += ["--annotate", annotate]
        command = shlex.join(argv)
        if summary is not None:
            command += f" --summary-md {summary}"
        return command

    def setup_command(self) -> str | None:
        """`setup` as the plan job runs it (before `split`), or None when there is none."""
        if self.setup is None:
            return None
        return plan_hook_command(self.setup, shards=self.shards, output=self.results_dir)

    def teardown_command(self, output: str | None = None) -> str | None:
        """`teardown` as the merge job runs it, or None. `output`: where that job has the
        shard reports (default: `results_dir`)."""
        if self.teardown is None:
            return None
        return plan_hook_command(
            self.teardown, shards=self.shards, output=output or self.results_dir
        )

    def merge_lines(self, results_glob: str | None = None, output: str | None = None) -> list[str]:
        """The merge job's script lines for CIs that run every line in one `set -e` shell
        (GitLab, Buildkite): with a teardown, the merge's exit status is kept, the teardown
        runs in a subshell whatever it was (its own failure fails the job), then the job
        exits with the merge's status."""
        merge = self.merge_command(results_glob)
        teardown = self.teardown_command(output)
        if teardown is None:
            return [merge]
        status = "paratest_status"
        return [
            f"{status}=0; {merge} || {status}=$?",
            subshell(teardown),
            f'exit "${status}"',
        ]


def _flag_args(key: str, value: object) -> list[str]:
    """A setting's value -> argv items for its flag (repeatable and bool flags included)."""
    flag = config.flag_name(key)
    if isinstance(value, bool):
        return [flag if value else "--no-" + flag[2:]]
    if isinstance(value, tuple):
        return [item for v in value for item in _flag_args(key, v)]
    text = _text(value)
    # `--flag -x` would be read as two flags by argparse: glue values that look like one.
    return [f"{flag}={text}"] if text.startswith("-") else [flag, text]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _forwarded(
    settings: Settings, command: str, never: frozenset[str] = _NEVER_FORWARDED
) -> tuple[str, ...]:
    """Flags for every setting of `command` that is not at its packaged default.

    The generated file then runs exactly what paratest.yaml, PARATEST_* and the flags said
    when it was generated, also on an executor whose environment differs."""
    args: list[str] = []
    for f in config.options_for(command):
        if f.name in never or f.metadata["flag_only"]:
            continue
        value = getattr(settings, f.name)
        if value == f.default:
            continue
        args += _flag_args(f.name, value)
    return tuple(args)


def _env_words(settings: Settings, never: frozenset[str]) -> tuple[str, ...]:
    """`PARATEST_KEY=value` shell words for every split/run/merge setting not at its default
    that `pipeline` has no flag for (the value as the environment reader parses it)."""
    words: list[str] = []
    for name, f in config.FIELDS.items():
        commands = f.metadata["commands"]
        if name in never or f.metadata["flag_only"] or "pipeline" in commands:
            continue
        if not {"split", "run", "merge"} & set(commands):
            continue
        value = getattr(settings, name)
        if value == f.default:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, tuple):
            text = shlex.join(_text(v) for v in value)
        else:
            text = _text(value)
        words.append(shlex.quote(f"{config.ENV_PREFIX}{name.upper()}={text}"))
    return tuple(words)


def _no_plan_hooks(setup: str | None, teardown: str | None) -> tuple[str, ...]:
    """Shard jobs read paratest.yaml (and PARATEST_*) too: say explicitly that they must not
    run the once-per-plan hooks, whatever `plan_hooks` says there."""
    return ("--no-plan-hooks",) if setup or teardown else ()


def spec_from_settings(settings: Settings) -> PipelineSpec:
    shards = settings.shards
    if shards is None:
        raise UsageError("pipeline: --shards N is required (or `shards:` in paratest.yaml)")
    if not isinstance(shards, int):
        raise UsageError(
            "pipeline: --shards must be a number: the generated file fixes the executor count"
        )
    if not settings.install.strip():
        raise UsageError("pipeline: --install must be a shell command")
    setup, teardown = _hook_text(settings.setup), _hook_text(settings.teardown)
    check_plan_hook("setup", setup)
    check_plan_hook("teardown", teardown)
    return PipelineSpec(
        shards=shards,
        install=settings.install,
        image=settings.image,
        agent=settings.agent,
        plan_dir=settings.out,
        results_dir=settings.output,
        report=settings.report,
        history_dir=settings.history_dir,
        split_args=_forwarded(settings, "split"),
        run_args=_forwarded(settings, "run") + _no_plan_hooks(setup, teardown),
        merge_args=_forwarded(settings, "merge"),
        test_command=tuple(settings.command),
        pipeline_args=_forwarded(settings, "pipeline", _NOT_FOR_CHILD),
        pipeline_env=_env_words(settings, _NOT_FOR_CHILD),
        setup=setup,
        teardown=teardown,
    )


# -- quoting for file formats --------------------------------------------------------------------

_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar that loads back to exactly `text` (YAML 1.1 and 1.2)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[ch])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif code in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def groovy_str(text: str) -> str:
    """A Groovy single-quoted string: no `${}` interpolation happens inside it."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def kotlin_str(text: str) -> str:
    """A Kotlin string literal; `$` is escaped so no string template runs."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


# -- the CIs' own interpolation ------------------------------------------------------------------


def escape_github(text: str) -> str:
    """GitHub Actions evaluates `${{ ... }}` anywhere in a value: emit a literal instead."""
    return text.replace("${{", "${{ '${{' }}")


def escape_azure(text: str) -> str:
    """Azure Pipelines template expressions `${{ }}` are compiled from any value."""
    return text.replace("${{", "${{ '${{' }}")


def escape_buildkite(text: str) -> str:
    """`buildkite-agent pipeline upload` interpolates `$VAR`; `$$` is a literal `$`."""
    return text.replace("$", "$$")


def escape_gocd(text: str) -> str:
    """GoCD resolves `#{param}` in every config string; `##` is a literal `#`."""
    return text.replace("#", "##")


def escape_k8s(text: str) -> str:
    """Kubernetes expands `$(VAR)` in command/args; `$$` is a literal `$`."""
    return text.replace("$", "$$")


def escape_teamcity(text: str) -> str:
    """TeamCity substitutes `%param%` references in build steps; `%%` is a literal `%`."""
    return text.replace("%", "%%")


def escape_circleci(text: str) -> str:
    """CircleCI replaces `<< parameters >>` in config; `\\<<` is a literal `<<`."""
    return text.replace("<<", "\\<<")


FILTERS: dict[str, Callable[[str], str]] = {
    "yaml": yaml_str,
    "shell": shlex.quote,
    "subshell": subshell,
    "groovy": groovy_str,
    "kotlin": kotlin_str,
    "gha": escape_github,
    "azure": escape_azure,
    "buildkite": escape_buildkite,
    "gocd": escape_gocd,
    "k8s": escape_k8s,
    "teamcity": escape_teamcity,
    "circleci": escape_circleci,
}


# -- Jinja2 --------------------------------------------------------------------------------------


def templates_dir() -> Path:
    """Installed wheel: `paratest_split/templates` (force-included). Source checkout: the
    repository's top-level `templates/`."""
    packaged = resources.files("paratest_split") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701
    )
    env.filters.update(FILTERS)
    return env


def render_template(template: str, **context: Any) -> str:
    text = environment().get_template(template).render(**context)
    return text if text.endswith("\n") else text + "\n"


@runtime_checkable
class Renderer(Protocol):
    """One CI target. Registered in `paratest_split.render.RENDERERS`."""

    @property
    def name(self) -> str: ...  # the `pipeline TARGET` name
    @property
    def title(self) -> str: ...  # the CI's name for docs
    @property
    def filename(self) -> str: ...  # where the file usually lives in a repository
    @property
    def index_source(self) -> str: ...  # how an executor learns its shard index
    @property
    def styles(self) -> tuple[str, ...]: ...  # variants; the first is the default
    @property
    def max_shards(self) -> int: ...
    @property
    def plan_hooks(self) -> bool: ...  # whether it runs `setup`/`teardown` once per plan

    def render(self, spec: PipelineSpec, style: str) -> str: ...


@dataclass(frozen=True, kw_only=True)
class TemplateRenderer:
    """A renderer that fills one template per style with the spec and a few constants."""

    name: str
    title: str
    filename: str
    index_source: str
    templates: Mapping[str, str]  # style -> template file
    max_shards: int = 1000
    plan_hooks: bool = True
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # template values that depend on the spec, computed for each file (it may also refuse the
    # spec with a UsageError: a hook or an agent the CI cannot take)
    context: Callable[[PipelineSpec], Mapping[str, Any]] | None = None

    @property
    def styles(self) -> tuple[str, ...]:
        return tuple(self.templates)

    def render(self, spec: PipelineSpec, style: str) -> str:
        values = dict(self.extra)
        if self.context is not None:
            values.update(self.context(spec))
        return render_template(
            self.templates[style], spec=spec, style=style, index_mark=INDEX_MARK, **values
        )
