"""Where settings come from: paratest.yaml, PARATEST_* variables and flags, each converted
with the field's parser; `load_settings` layers them; the README's options table."""

from __future__ import annotations

import dataclasses
import difflib
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from paratest_split.config.parsers import CONFIG_FILE, ENV_PREFIX, Parser, _bool
from paratest_split.config.settings import FIELDS, Settings
from paratest_split.core.errors import ConfigError


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
