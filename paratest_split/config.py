"""Settings: packaged defaults < paratest.yaml < PARATEST_* variables < command-line flags.

Every setting is one field of `Settings`; its `metadata` (made with `opt`) says which
subcommands take it as a flag, how to parse it from a string, and its help. The flag is the key
with `-` for `_` (`group_by` -> `--group-by`), the variable `PARATEST_` + the key in capitals.
The configuration table of the README is generated from these fields (`options_table`).

To add a setting: add one field here with `opt(...)`. Nothing else.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from paratest_split.errors import ConfigError

CONFIG_FILE = "paratest.yaml"
ENV_PREFIX = "PARATEST_"

Parser = Callable[[str], Any]

ALL = ("split", "run", "merge", "pipeline", "local", "timings", "plugins")
PLANNING = ("split", "local", "pipeline")
RUNNING = ("run", "local", "pipeline")


MAX_SHARDS = 10_000  # more executors than any CI runs; a typo of 1e8 must not exhaust memory
MAX_SECONDS = 7 * 24 * 3600.0  # durations, timeouts and overheads above a week are mistakes


def _shards(text: str) -> int | str:
    if text == "auto":
        return text
    value = _int(text)
    if not 1 <= value <= MAX_SHARDS:
        raise ValueError(f"must be 'auto' or a whole number from 1 to {MAX_SHARDS}")
    return value


def _shard_count(text: str) -> int:
    value = _shards(text)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")  # noqa: TRY004 - parsers raise ValueError
    return value


def _index(text: str) -> int | str:
    if text == "auto":
        return text
    value = _int(text)
    if value < 0:
        raise ValueError("must be 'auto' or a whole number >= 0 (shard indexes are 0-based)")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _nonneg_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:  # noqa: PLR0124
        raise ValueError(f"{text!r} must be a finite number >= 0")
    if value > MAX_SECONDS:
        raise ValueError(f"{text!r} is more than a week ({MAX_SECONDS:.0f} s)")
    return value


def _fraction(text: str) -> float:
    value = _float(text)
    if value > 1:
        raise ValueError(f"{text!r} must be between 0 and 1")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def _choice(*choices: str) -> Parser:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    parse.choices = choices  # type: ignore[attr-defined]
    return parse


def _str(text: str) -> str:
    return text


def _path(text: str) -> str:
    """A file or directory: an empty one would quietly mean the working directory or 'unset'."""
    if not text:
        raise ValueError("must not be empty (a file or directory path)")
    return text


def opt(
    help: str,  # noqa: A002 - mirrors argparse
    *,
    commands: Sequence[str],
    parse: Parser = _str,
    repeat: bool = False,
    flag_only: bool = False,
    metavar: str | None = None,
    short: str | None = None,
) -> dict[str, Any]:
    """Field metadata. `repeat`: a list; the flag may be given many times; in paratest.yaml and
    in a variable a string is split like a shell would (`-m 'not slow'` is two items).
    `flag_only`: no config key or variable (e.g. `--config` itself).
    A bool field is a switch: `--flag` / `--no-flag`."""
    if parse is _str and metavar in ("DIR", "FILE"):
        parse = _path
    return {
        "help": help,
        "commands": tuple(commands),
        "parse": parse,
        "repeat": repeat,
        "flag_only": flag_only,
        "metavar": metavar,
        "short": short,
    }


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting paratest-split has, with its packaged default."""

    # -- general
    config: str | None = field(
        default=None,
        metadata=opt(
            "configuration file (default: ./paratest.yaml when present)",
            commands=ALL,
            flag_only=True,
            metavar="FILE",
        ),
    )
    debug: bool = field(default=False, metadata=opt("show tracebacks for errors", commands=ALL))
    format: str = field(
        default="text",
        metadata=opt(
            "output format of the summary",
            commands=("split", "merge", "timings", "plugins", "local"),
            parse=_choice("text", "json"),
        ),
    )
    root: str = field(
        default=".",
        metadata=opt(
            "project directory tests are discovered in and run from",
            commands=(*PLANNING, "run"),
            metavar="DIR",
        ),
    )
    # -- planning
    shards: int | str | None = field(
        default=None,
        metadata=opt(
            "number of shards, or 'auto' to read it from the CI's variables",
            commands=PLANNING,
            parse=_shards,
            metavar="N|auto",
        ),
    )
    index: int | str | None = field(
        default=None,
        metadata=opt(
            "0-based shard index, or 'auto' to read it from the CI's variables",
            commands=("split", "run"),
            parse=_index,
            metavar="I|auto",
        ),
    )
    junit: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "JUnit XML of earlier builds: file, directory or glob (.xml, .xml.gz); repeatable",
            commands=("split", "local", "timings"),
            repeat=True,
            metavar="PATH",
        ),
    )
    history_dir: str = field(
        default=".paratest/history",
        metadata=opt(
            "where `local` and `merge --store` keep reports as timing history (read by split)",
            commands=("split", "local", "merge", "timings"),
            metavar="DIR",
        ),
    )
    tests_from: str | None = field(
        default=None,
        metadata=opt(
            "read test ids from FILE ('-' for stdin), one a line, instead of discovering",
            commands=PLANNING,
            metavar="FILE",
        ),
    )
    discover: str = field(
        default="pytest",
        metadata=opt(
            "discovery plugin: pytest, files, lines, junit, go, jest, maven, nunit, or another "
            "plugin's name",
            commands=PLANNING,
            metavar="NAME",
        ),
    )
    discover_args: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "extra arguments for the discovery plugin (pytest arguments, a package pattern...)",
            commands=(*PLANNING, "run"),
            repeat=True,
            metavar="ARG",
        ),
    )
    pattern: str | None = field(
        default=None,
        metadata=opt(
            "files: glob of test files (e.g. 'tests/**/*_test.sh'); seed plugins: test_pattern",
            commands=(*PLANNING, "run"),
            metavar="GLOB",
        ),
    )
    file_pattern: str | None = field(
        default=None,
        metadata=opt(
            "seed `paratest` plugins: file_pattern", commands=(*PLANNING, "run"), metavar="GLOB"
        ),
    )
    lines_from: str | None = field(
        default=None,
        metadata=opt(
            "lines: a file of test ids, or a command printing them (with --lines-command)",
            commands=(*PLANNING, "run"),
            metavar="FILE|CMD",
        ),
    )
    lines_command: bool = field(
        default=False,
        metadata=opt(
            "lines: --lines-from is a shell command, not a file", commands=(*PLANNING, "run")
        ),
    )
    group_by: str = field(
        default="auto",
        metadata=opt(
            "keep each test/class/file/dir together in one shard; auto: a file stays together "
            "when that pays (each shard pays its start-up once and a file's collection once), "
            "a file bigger than a shard's share is split",
            commands=PLANNING,
            parse=_choice("auto", "test", "class", "file", "dir"),
        ),
    )
    algorithm: str = field(
        default="best",
        metadata=opt(
            "partitioning strategy (see `paratest-split plugins`)",
            commands=PLANNING,
            metavar="NAME",
        ),
    )
    out: str = field(
        default="paratest-plan",
        metadata=opt(
            "directory to write plan.json and shard-<i>.txt to", commands=PLANNING, metavar="DIR"
        ),
    )
    shard_overhead: float | None = field(
        default=None,
        metadata=opt(
            "fixed seconds per shard (start-up, collection); default: learned from history, else 0",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    test_overhead: float | None = field(
        default=None,
        metadata=opt(
            "seconds per test outside its testcase time; default: learned from history, else 0",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    target_seconds: float | None = field(
        default=None,
        metadata=opt(
            "pick the smallest shard count whose predicted time is <= SECONDS (with --max-shards)",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    max_shards: int = field(
        default=64,
        metadata=opt(
            "upper limit for --target-seconds", commands=PLANNING, parse=_shard_count, metavar="N"
        ),
    )
    skip_bad_reports: bool = field(
        default=False,
        metadata=opt(
            "warn about unreadable JUnit files and go on instead of failing (exit 10)",
            commands=("split", "local", "merge", "timings"),
        ),
    )
    # -- running
    plan: str = field(
        default="paratest-plan",
        metadata=opt(
            "plan directory written by split", commands=("run", "merge", "timings"), metavar="DIR"
        ),
    )
    command: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "test command (also: everything after `--`); ids are appended unless it names "
            "{tests} or {tests_file}",
            commands=RUNNING,
            repeat=True,
            metavar="ARG",
        ),
    )
    output: str = field(
        default="paratest-results",
        metadata=opt(
            "directory for shard reports (shard-<i>.xml)", commands=RUNNING, metavar="DIR"
        ),
    )
    retries: int = field(
        default=0,
        metadata=opt(
            "re-run failed tests up to N more times",
            commands=RUNNING,
            parse=_nonneg_int,
            metavar="N",
        ),
    )
    max_retry_fraction: float = field(
        default=0.2,
        metadata=opt(
            (
                "do not retry when more than this fraction of the shard failed (broken, not "
                "flaky); up to 3 failed tests are always retried"
            ),
            commands=RUNNING,
            parse=_fraction,
            metavar="F",
        ),
    )
    fail_on_flaky: bool = field(
        default=False,
        metadata=opt("exit 1 when a test passed only on retry", commands=(*RUNNING, "merge")),
    )
    strict_junit: bool = field(
        default=False,
        metadata=opt(
            "write only what the Jenkins xunit junit-10.xsd allows: no testcase properties or "
            "file (pytest's classname still names the module), no attempt times",
            commands=("merge",),
        ),
    )
    per_test: bool = field(
        default=False,
        metadata=opt(
            "run each test as its own process between setup_test and teardown_test",
            commands=RUNNING,
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=opt(
            "seconds a whole shard may take before it is stopped",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    test_timeout: float | None = field(
        default=None,
        metadata=opt(
            "seconds one test may take in per-test mode",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    grace: float = field(
        default=5.0,
        metadata=opt(
            "seconds between SIGTERM and SIGKILL when stopping a runner",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    setup: str | None = field(
        default=None,
        metadata=opt("shell command run once before all shards", commands=RUNNING, metavar="CMD"),
    )
    setup_workspace: str | None = field(
        default=None,
        metadata=opt(
            "shell command run in each workspace before its shard", commands=RUNNING, metavar="CMD"
        ),
    )
    setup_test: str | None = field(
        default=None,
        metadata=opt(
            "shell command run before each test (per-test mode)", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_test: str | None = field(
        default=None,
        metadata=opt(
            "shell command run after each test (per-test mode)", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_workspace: str | None = field(
        default=None,
        metadata=opt(
            "shell command run in each workspace after its shard, always",
            commands=RUNNING,
            metavar="CMD",
        ),
    )
    teardown: str | None = field(
        default=None,
        metadata=opt(
            "shell command run once after all shards, always", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_timeout: float = field(
        default=300.0,
        metadata=opt(
            "seconds a teardown hook may take before its process group is killed (exit 12); "
            "0: no limit",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    plan_hooks: bool = field(
        default=False,
        metadata=opt(
            "also run the once-per-plan setup/teardown hooks (single-executor use)",
            commands=("run",),
        ),
    )
    install: str = field(
        default="pip install paratest-split",
        metadata=opt(
            "pipeline: shell command that installs paratest-split on each CI executor",
            commands=("pipeline",),
            metavar="CMD",
        ),
    )
    image: str = field(
        default="python:3.12-slim",
        metadata=opt(
            "pipeline: container image of the jobs (gitlab, github, circleci, azure, k8s)",
            commands=("pipeline",),
            metavar="IMAGE",
        ),
    )
    agent: str | None = field(
        default=None,
        metadata=opt(
            "pipeline: agent label, runner tag, queue or pool the jobs run on",
            commands=("pipeline",),
            metavar="LABEL",
        ),
    )
    style: str | None = field(
        default=None,
        metadata=opt(
            "pipeline: variant of the target (jenkins: declarative|scripted; "
            "gitlab: parallel|child|child-jobs)",
            commands=("pipeline",),
            metavar="STYLE",
        ),
    )
    child: bool = field(
        default=False,
        metadata=opt(
            "pipeline gitlab: a plan job writes a dynamic child pipeline (same as --style child)",
            commands=("pipeline",),
        ),
    )
    report: str = field(
        default="junit.xml",
        metadata=opt(
            "pipeline: path of the merged JUnit report the final job writes and keeps",
            commands=("pipeline",),
            metavar="FILE",
        ),
    )
    # -- local
    workspaces: str = field(
        default="copy",
        metadata=opt(
            "how `local` makes each shard's workspace",
            commands=("local",),
            parse=_choice("copy", "worktree", "none", "script"),
        ),
    )
    keep_workspaces: bool = field(
        default=False, metadata=opt("do not remove the workspaces afterwards", commands=("local",))
    )
    dynamic: bool = field(
        default=False,
        metadata=opt(
            "idle workers take the next-largest remaining group instead of a static plan",
            commands=("local",),
        ),
    )
    keep: int = field(
        default=10,
        metadata=opt(
            "how many runs of history to keep",
            commands=("local", "merge"),
            parse=_nonneg_int,
            metavar="N",
        ),
    )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in dataclasses.fields(Settings)}


def flag_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def options_for(command: str) -> list[dataclasses.Field[Any]]:
    return [f for f in FIELDS.values() if command in f.metadata["commands"]]


def _convert(key: str, value: object, where: str) -> Any:
    """A YAML value (already typed) or a string (env/flag) -> the field's value."""
    meta = FIELDS[key].metadata
    parse = _parse_for(key)
    try:
        if meta["repeat"]:
            if isinstance(value, str):  # a string is split like a shell would, anywhere
                try:
                    items: list[object] = list(shlex.split(value))
                except ValueError as exc:  # an unclosed quote
                    raise ValueError(f"cannot split {value!r}: {exc}") from None
            elif isinstance(value, list):
                items = list(value)
            else:
                raise ValueError("must be a list or a string")
            return tuple(parse(_scalar_text(item)) for item in items)
        if value is None:
            return None
        return parse(_scalar_text(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ValueError(f"expected a single value, got {type(value).__name__}")


def _parse_for(key: str) -> Parser:
    meta = FIELDS[key].metadata
    if FIELDS[key].type in ("bool", bool):
        return _bool
    parse: Parser = meta["parse"]
    return parse


def _unknown(key: str, where: str) -> ConfigError:
    known = [k for k, f in FIELDS.items() if not f.metadata["flag_only"]]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"{where}: unknown key '{key}'{hint}")


def read_config_file(path: Path) -> dict[str, Any]:
    """paratest.yaml -> {key: typed value}; unknown keys are errors naming key and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{line}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    lines = _key_lines(path, node)
    result: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        where = f"{path}:{lines.get(key, '?')}"
        if key not in FIELDS or FIELDS[key].metadata["flag_only"]:
            raise _unknown(key, where)
        result[key] = _convert_yaml(key, value, f"{where}: {key}")
    return result


def _key_lines(path: Path, node: yaml.MappingNode) -> dict[str, int]:
    """Each top-level key's line; a key given twice, or one that is not plain text (`null:`,
    `1:`, a list), is an error naming its line: YAML itself would keep the last silently."""
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _YAML_STR:
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "(not a name)"
            raise _unknown(str(shown), f"{path}:{line}")
        if key_node.value in lines:
            first = lines[key_node.value]
            raise ConfigError(
                f"{path}:{line}: key '{key_node.value}' given twice (first at line {first})"
            )
        lines[key_node.value] = line
    return lines


_YAML_STR = "tag:yaml.org,2002:str"


def _convert_yaml(key: str, value: object, where: str) -> Any:
    if FIELDS[key].type in ("bool", bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: must be true or false")
    return _convert(key, value, where)


def read_env(env: Mapping[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in FIELDS or FIELDS[key].metadata["flag_only"]:
            raise _unknown(key, f"environment variable {name}")
        value = env[name]
        result[key] = _convert(key, value, name)
    return result


def load_settings(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    cwd: Path,
) -> Settings:
    """Cascade: defaults < config file < environment < flags (already parsed by argparse)."""
    config_path: Path | None = None
    if flags.get("config"):
        config_path = Path(str(flags["config"]))
        if not config_path.is_absolute():
            config_path = cwd / config_path
        if not config_path.is_file():
            raise ConfigError(f"--config {flags['config']}: no such file")
    elif os.path.lexists(cwd / CONFIG_FILE):
        config_path = cwd / CONFIG_FILE
        if not config_path.is_file():
            what = "a dangling symlink" if not config_path.exists() else "not a regular file"
            raise ConfigError(f"{config_path}: configuration file is {what}")
    values: dict[str, Any] = {}
    if config_path is not None:
        values.update(read_config_file(config_path))
    values.update(read_env(env))
    values.update({k: _split_flag(k, v) for k, v in flags.items() if k in FIELDS})
    if config_path is not None:
        values["config"] = str(config_path)
    return Settings(**values)


# Repeatable keys whose flag value is split like a shell would, as the yaml and environment
# forms are: `--discover-args "-k slow --pyargs pkg"` is four arguments. (Paths such as
# `--junit` stay whole: a path may hold a space.)
_SPLIT_FLAGS = frozenset({"discover_args"})


def _split_flag(key: str, value: Any) -> Any:
    if key not in _SPLIT_FLAGS or not isinstance(value, (list, tuple)):
        return value
    return tuple(word for text in map(str, value) for word in _shell_words(key, text))


def _shell_words(key: str, text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:  # an unclosed quote
        raise ConfigError(f"{flag_name(key)}: cannot split {text!r}: {exc}") from None


def parse_flag_value(key: str, text: str) -> Any:
    """argparse `type=` for a field: raise argparse-friendly ValueError on bad text."""
    return _parse_for(key)(text)


def options_table() -> list[tuple[str, str, str, str, str]]:
    """(key, flag, variable, default, help) for every setting: the README's table."""
    rows = []
    for key, f in FIELDS.items():
        if f.metadata["flag_only"]:
            continue
        default = f.default
        shown = (
            ""
            if default in (None, ())
            else str(default).lower()
            if isinstance(default, bool)
            else str(default)
        )
        rows.append((key, flag_name(key), env_name(key), shown, f.metadata["help"]))
    return rows


def environ() -> dict[str, str]:
    """A copy of the process environment: the only place settings look at os.environ."""
    return dict(os.environ)
