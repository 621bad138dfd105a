"""Quoting and escaping: whatever a config value holds, the CI runs exactly that command."""

from __future__ import annotations

import shlex

import yaml
from hypothesis import given
from hypothesis import strategies as st

from paratest_split.config import Settings
from paratest_split.render.base import (
    escape_buildkite,
    escape_circleci,
    escape_github,
    escape_gocd,
    escape_k8s,
    escape_teamcity,
    groovy_str,
    kotlin_str,
    spec_from_settings,
    yaml_str,
)

HOSTILE = [
    "echo a: b # not a comment",
    "echo \"double\" 'single' `tick` \\back",
    "echo ${{ secrets.TOKEN }} $HOME $(whoami) #{p} %env.X% << pipeline.id >>",
    "- starts with a dash",
    "yes",
    "null",
    "@at !tag &anchor *alias |pipe >fold",
    "multi\nline\ttab\r",
    "unicode: é ✓ \u2028 \u0085 \ufeff",
    "",
]


@given(st.text())
def test_yaml_str_round_trips_any_text(text: str) -> None:
    # surrogates cannot be encoded at all; anything else must come back unchanged
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return
    assert yaml.safe_load(f"key: {yaml_str(text)}\n") == {"key": text}


def test_yaml_str_round_trips_hostile_values_in_a_list() -> None:
    doc = "script:\n" + "".join(f"  - {yaml_str(v)}\n" for v in HOSTILE)
    assert yaml.safe_load(doc) == {"script": HOSTILE}


def _groovy_unquote(literal: str) -> str:
    """Undo a Groovy single-quoted string (the escapes groovy_str emits)."""
    assert literal[0] == literal[-1] == "'"
    out, i, body = [], 0, literal[1:-1]
    table = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t"}
    while i < len(body):
        if body[i] == "\\":
            out.append(table[body[i + 1]])
            i += 2
        else:
            assert body[i] != "'", "unescaped quote ends the string early"
            out.append(body[i])
            i += 1
    return "".join(out)


def _kotlin_unquote(literal: str) -> str:
    assert literal[0] == literal[-1] == '"'
    out, i, body = [], 0, literal[1:-1]
    table = {"\\": "\\", '"': '"', "$": "$", "n": "\n", "r": "\r", "t": "\t"}
    while i < len(body):
        if body[i] == "\\":
            out.append(table[body[i + 1]])
            i += 2
        else:
            assert body[i] != '"', "unescaped quote ends the string early"
            assert body[i] != "$", "unescaped $ starts a Kotlin string template"
            out.append(body[i])
            i += 1
    return "".join(out)


def test_groovy_and_kotlin_literals_round_trip() -> None:
    for value in HOSTILE:
        assert _groovy_unquote(groovy_str(value)) == value
        assert _kotlin_unquote(kotlin_str(value)) == value


def test_ci_escapes_are_reversible_by_the_ci_rule() -> None:
    text = "a ${{ x }} $HOME $$ #{p} ## %p% %% << q >> $(v)"
    # GitHub/Azure evaluate `${{ '${{' }}` to the literal `${{`
    assert escape_github(text).replace("${{ '${{' }}", "${{") == text
    assert "${{ x" not in escape_github(text)
    assert escape_buildkite(text).replace("$$", "$") == text
    assert escape_k8s(text).replace("$$", "$") == text
    assert escape_gocd(text).replace("##", "#") == text
    assert escape_teamcity(text).replace("%%", "%") == text
    assert escape_circleci(text).replace("\\<<", "<<") == text


def test_commands_keep_hook_values_as_single_shell_words() -> None:
    hook = HOSTILE[2]
    spec = spec_from_settings(Settings(shards=2, setup_workspace=hook, retries=3))
    argv = shlex.split(spec.run_command("auto"))
    assert argv[argv.index("--setup-workspace") + 1] == hook
    assert argv[argv.index("--retries") + 1] == "3"
    assert argv[argv.index("--index") + 1] == "auto"


def test_values_that_look_like_flags_are_glued_with_equals() -> None:
    spec = spec_from_settings(Settings(shards=2, discover_args=("-m", "not slow")))
    argv = shlex.split(spec.plan_command())
    assert "--discover-args=-m" in argv
    assert argv[argv.index("--discover-args=-m") + 1 :][:2] == ["--discover-args", "not slow"]
