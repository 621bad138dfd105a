from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.config import Settings, load_settings, options_table, read_config_file, read_env
from paratest_split.core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "paratest.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_input(tmp_path: Path) -> None:
    settings = load_settings({}, {}, tmp_path)
    assert settings == Settings()
    assert settings.group_by == "auto"
    assert settings.retries == 0


def test_cascade_file_then_env_then_flags(tmp_path: Path) -> None:
    write(tmp_path, "shards: 3\nretries: 1\ngroup_by: class\nsetup_workspace: make db\n")
    env = {"PARATEST_RETRIES": "2", "PARATEST_GROUP_BY": "dir"}
    settings = load_settings({"group_by": "test"}, env, tmp_path)
    assert settings.shards == 3  # file
    assert settings.retries == 2  # env beats file
    assert settings.group_by == "test"  # flag beats env
    assert settings.setup_workspace == "make db"
    assert settings.config == str(tmp_path / "paratest.yaml")


def test_unknown_key_names_key_and_line_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "shards: 3\n\ngroupby: file\n")
    with pytest.raises(
        ConfigError, match=r"paratest.yaml:3: unknown key 'groupby' \(did you mean 'group_by'\?\)"
    ):
        read_config_file(path)


def test_bad_value_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "retries: many\n")
    with pytest.raises(
        ConfigError, match=r"paratest.yaml:1: retries: 'many' is not a whole number"
    ):
        read_config_file(path)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "shards: 3\n  bad: [\n")
    with pytest.raises(ConfigError, match=r"paratest.yaml:\d+"):
        read_config_file(path)


def test_yaml_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        read_config_file(write(tmp_path, "- a\n- b\n"))


def test_empty_file_is_fine(tmp_path: Path) -> None:
    assert read_config_file(write(tmp_path, "# nothing yet\n")) == {}


def test_lists_from_yaml_env_and_command_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "junit: 'prev/**/*.xml'\ncommand: python -m pytest -x 'a b'\ndiscover_args: [-m, not slow]\n",
    )
    data = read_config_file(path)
    assert data["junit"] == ("prev/**/*.xml",)
    assert data["command"] == ("python", "-m", "pytest", "-x", "a b")
    assert data["discover_args"] == ("-m", "not slow")
    assert read_env({"PARATEST_JUNIT": "a.xml 'b c.xml'"})["junit"] == ("a.xml", "b c.xml")
    # a string means the same in paratest.yaml as in a variable
    path.write_text("discover_args: -m 'not slow'\n")
    assert read_config_file(path)["discover_args"] == ("-m", "not slow")
    path.write_text('discover_args: "-k \'unclosed"\n')
    with pytest.raises(ConfigError, match="cannot split"):
        read_config_file(path)


def test_booleans_and_auto(tmp_path: Path) -> None:
    path = write(tmp_path, "keep_workspaces: true\nshards: auto\nindex: auto\n")
    data = read_config_file(path)
    assert data == {"keep_workspaces": True, "shards": "auto", "index": "auto"}
    assert read_env({"PARATEST_FAIL_ON_FLAKY": "yes"}) == {"fail_on_flaky": True}
    with pytest.raises(ConfigError, match="PARATEST_FAIL_ON_FLAKY"):
        read_env({"PARATEST_FAIL_ON_FLAKY": "maybe"})
    with pytest.raises(ConfigError, match="must be true or false"):
        read_config_file(write(tmp_path, "keep_workspaces: 'x'\n"))


def test_unknown_environment_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="PARATEST_SHARDZ: unknown key 'shardz'"):
        read_env({"PARATEST_SHARDZ": "3"})


def test_negative_and_non_finite_numbers_are_rejected() -> None:
    with pytest.raises(ConfigError, match="PARATEST_TIMEOUT"):
        read_env({"PARATEST_TIMEOUT": "nan"})
    with pytest.raises(ConfigError, match="PARATEST_SHARDS"):
        read_env({"PARATEST_SHARDS": "0"})
    with pytest.raises(ConfigError, match="between 0 and 1"):
        read_env({"PARATEST_MAX_RETRY_FRACTION": "1.5"})
    with pytest.raises(ConfigError, match="from 1 to 10000"):
        read_env({"PARATEST_SHARDS": "100000000"})
    with pytest.raises(ConfigError, match="from 1 to 10000"):
        read_env({"PARATEST_MAX_SHARDS": "100000000"})
    with pytest.raises(ConfigError, match="more than a week"):
        read_env({"PARATEST_TEST_OVERHEAD": "1e308"})


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--config nope\.yaml: no such file"):
        load_settings({"config": "nope.yaml"}, {}, tmp_path)


def test_config_flag_is_not_a_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key 'config'"):
        read_config_file(write(tmp_path, "config: other.yaml\n"))


def test_options_table_covers_every_key_with_flag_and_variable() -> None:
    rows = {row[0]: row for row in options_table()}
    assert rows["group_by"][1:4] == ("--group-by", "PARATEST_GROUP_BY", "auto")
    assert rows["setup_workspace"][1] == "--setup-workspace"
    assert "config" not in rows
