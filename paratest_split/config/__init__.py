"""Settings: packaged defaults < paratest.yaml < PARATEST_* variables < command-line flags.

Every setting is one field of `Settings`; its `metadata` (made with `opt`) says which
subcommands take it as a flag, how to parse it from a string, and its help. The flag is the key
with `-` for `_` (`group_by` -> `--group-by`), the variable `PARATEST_` + the key in capitals.
The configuration table of the README is generated from these fields (`options_table`).

To add a setting: add one field to `Settings` (config/settings.py) with `opt(...)`. Nothing
else.

The package: `parsers` (a setting's text -> its value, and `opt`), `settings` (the fields),
`sources` (paratest.yaml, variables, flags, and their layering). Import from here.
"""

from paratest_split.config.parsers import (
    ALL,
    CONFIG_FILE,
    ENV_PREFIX,
    MAX_SECONDS,
    MAX_SHARDS,
    PLANNING,
    RUNNING,
    Parser,
    opt,
)
from paratest_split.config.settings import FIELDS, Settings
from paratest_split.config.sources import (
    env_name,
    environ,
    flag_name,
    load_settings,
    options_for,
    options_table,
    parse_flag_value,
    read_config_file,
    read_env,
)

__all__ = [
    "ALL",
    "CONFIG_FILE",
    "ENV_PREFIX",
    "FIELDS",
    "MAX_SECONDS",
    "MAX_SHARDS",
    "PLANNING",
    "RUNNING",
    "Parser",
    "Settings",
    "env_name",
    "environ",
    "flag_name",
    "load_settings",
    "opt",
    "options_for",
    "options_table",
    "parse_flag_value",
    "read_config_file",
    "read_env",
]
