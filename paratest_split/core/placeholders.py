"""Placeholders in hooks and test commands: pure text work, no process (see `runner.hooks`).

Placeholders (DESIGN "Hooks and placeholders"): `{shard}`, `{shards}`, `{workspace}`,
`{source}`, `{output}`, `{tests_file}`, `{junit}`. Only these exact names are replaced, so
shell text like `${HOME}` or `awk '{print $1}'` passes through untouched.

- In a hook (a shell command string) each value is inserted shell-quoted for where it stands
  (`shell_substitute`): `cd {workspace}`, `cd '{workspace}'` and `cd "{workspace}"` all reach
  the directory, whatever its name holds (spaces, `$(...)`, quotes). A command substitution
  (`$(...)`, also inside "...", and backticks) is a new unquoted level, so `"$(basename
  {workspace})"` gets a quoted word. Where the quoting cannot be told for sure (`${X:-{x}}`,
  a here-document line that could end it...), a hook gets `"${PTS_<NAME>}"`, an environment
  variable `run_hook` sets for that hook only; a test command's script gets a UsageError.
- In a test command (an argv list, never run through a shell) values are inserted verbatim
  inside their argument (`substitute_arg`), except in the script of a shell wrapper
  (`sh -c SCRIPT`, `bash -ec SCRIPT`...: `shell_script_index`), which is shell text and gets
  quoted values too (`substitute_argv`). The engine fills the shard's values in every argument
  and leaves `{tests}`, `{tests_file}` and `{junit}` to the discoverer
  (`discovery.command.expand_command`: `{tests}` as one argument per id, ids appended when neither
  `{tests}` nor `{tests_file}` is named; quoted inside a shell script).

Size (~680 lines): most of it is `_Lexer`, the shell lexer that tells which quoting context a
placeholder stands in; it serves only the substitution rules below it, which need its
contexts and its 'unsure' answers, so the two are kept together.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from paratest_split.core.errors import UsageError

HOOKS = (
    "setup",
    "setup_workspace",
    "setup_test",
    "teardown_test",
    "teardown_workspace",
    "teardown",
)
PLACEHOLDERS = ("shard", "shards", "workspace", "source", "output", "tests_file", "junit")

_PATTERN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
SHELL = "/bin/sh"


# Shells whose `-c SCRIPT` argument is shell text (a seed plugin's `sh -c`, a user's wrapper).
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"})
# Left in a test command for the discoverer, which knows their values.
RUNNER_PLACEHOLDERS = ("tests_file", "junit")


def placeholder_values(
    *,
    shards: int | str,
    workspace: object,
    source: object,
    output: object,
    shard: int | str | None = None,
    tests_file: object = None,
    junit: object = None,
) -> dict[str, str]:
    """The placeholders' values, as text, for what is known (a once-per-plan hook has no
    shard, a hook no tests file): the one place the shard engine and `local` build them."""
    values = {
        "shards": str(shards),
        "workspace": str(workspace),
        "source": str(source),
        "output": str(output),
    }
    for name, value in (("shard", shard), ("tests_file", tests_file), ("junit", junit)):
        if value is not None:
            values[name] = str(value)
    return values


def _fill(
    text: str,
    values: Mapping[str, str],
    *,
    quote: bool,
    leave: Collection[str],
    variables: bool = False,
) -> str:
    def value(name: str) -> list[str] | None:
        if name in leave:
            return None
        if name not in values:
            raise UsageError(f"placeholder {{{name}}} has no value here: {text!r}")
        return [values[name]]

    if quote:
        return shell_substitute(
            text, _PATTERN, value, variable=hook_variable if variables else None
        )

    def replace(match: re.Match[str]) -> str:
        found = value(match.group(1))
        return match.group(0) if found is None else found[0]

    return _PATTERN.sub(replace, text)


# -- where a placeholder stands in a shell text -------------------------------------------------
#
# A value is inserted as literal text for its exact quoting context. The contexts are found by a
# small POSIX shell lexer: a command substitution (`$(...)`, also inside "...", and `...`)
# starts a fresh unquoted level; backticks add a layer of backslash escapes. Where the context
# is not certain (a `${VAR:-...}` word, arithmetic, a here-document, text after a construct the
# lexer does not follow), the value is only placed when that is safe for sure: a plain word, or
# a reference to a variable that holds it (`"${PTS_WORKSPACE}"` in a hook); otherwise the
# command is rejected with a UsageError. A value is never read as shell syntax.

BARE, SINGLE, DOUBLE, COMMENT = "bare", "single", "double", "comment"
ESCAPED, PARAM, ARITH = "escaped", "param", "arith"
HEREDOC, HEREDOC_LITERAL, UNKNOWN = "heredoc", "heredoc-literal", "unknown"
_KIND_WORDS = {
    ESCAPED: "right after a backslash",
    PARAM: "inside a ${...} expansion",
    ARITH: "inside $((...)) arithmetic",
    HEREDOC: "inside a here-document",
    HEREDOC_LITERAL: "inside a quoted here-document",
    UNKNOWN: "where its shell quoting cannot be told for sure",
}


@dataclass(frozen=True, slots=True)
class ShellContext:
    """Where a placeholder stands: `kind` (BARE, SINGLE, DOUBLE, ...), inside which backtick
    substitutions (`backticks`, outermost first: True when that one is inside "..."), and for a
    the here-document bodies it is in (`heredocs`, outermost first: each delimiter and whether
    leading tabs are stripped, `<<-`)."""

    kind: str
    backticks: tuple[bool, ...] = ()
    heredocs: tuple[tuple[str, bool], ...] = ()


_WORD_BREAK = frozenset(" \t\n;&|()<>")
_DELIMITER_END = _WORD_BREAK  # a here-document delimiter word ends where any word does


class _UnsureError(Exception):
    """The lexer met a construct it does not follow: the rest of the text is UNKNOWN."""


class _Lexer:
    def __init__(
        self,
        text: str,
        pattern: re.Pattern[str],
        backticks: tuple[bool, ...] = (),
        heredocs: tuple[tuple[str, bool], ...] = (),
    ) -> None:
        self.text = text
        self.pattern = pattern
        self.backticks = backticks
        self.in_heredocs = heredocs  # the text is (in) these here-documents' bodies
        self.contexts: list[ShellContext | None] = [None] * len(text)
        self.pos = 0
        self.heredocs: list[tuple[str, bool, bool]] = []  # (delimiter, expanding, strip_tabs)

    def run(self, mode: str = BARE) -> list[ShellContext | None]:
        try:
            if mode == HEREDOC:
                self._heredoc_body()
            elif mode == HEREDOC_LITERAL:
                self._mark(0, len(self.text), HEREDOC_LITERAL)
            else:
                self._script(closer=False)
        except _UnsureError:
            unknown = ShellContext(UNKNOWN, self.backticks, self.in_heredocs)
            for index in range(self.pos, len(self.text)):
                if self.contexts[index] is None:
                    self.contexts[index] = unknown
        return self.contexts

    def _mark(self, start: int, end: int, kind: str) -> None:
        context = ShellContext(kind, self.backticks, self.in_heredocs)
        for index in range(start, min(end, len(self.text))):
            self.contexts[index] = context

    def _placeholder(self, kind: str) -> bool:
        match = self.pattern.match(self.text, self.pos)
        if match is None or match.end() == self.pos:
            return False
        self._mark(self.pos, match.end(), kind)
        self.pos = match.end()
        return True

    def _script(self, *, closer: bool) -> None:
        """Unquoted shell text, up to the `)` that closes a `$(` when `closer`."""
        text = self.text
        depth = 0
        word_start = True
        while self.pos < len(text):
            if self._placeholder(BARE):
                word_start = False
                continue
            char, start = text[self.pos], self.pos
            self._mark(start, start + 1, BARE)
            if char == "\\":
                self._mark(start + 1, start + 2, ESCAPED)
                self.pos += 2
            elif char == "'":
                self.pos += 1
                self._single()
            elif char == '"':
                self.pos += 1
                self._double()
            elif char == "`":
                self._backtick(in_double=False)
            elif char == "$":
                self._dollar(in_double=False)
            elif word_start and text.startswith("((", start):
                self._arithmetic()
            elif char == "#" and word_start:
                end = text.find("\n", start)
                end = len(text) if end < 0 else end
                self._mark(start, end, COMMENT)
                self.pos = end
            elif char == "\n":
                self.pos += 1
                if self.heredocs:
                    self._heredoc_bodies()
            elif text.startswith("<<", start) and not text.startswith("<<<", start):
                self._heredoc_operator()
            elif closer and char == "(":
                depth += 1
                self.pos += 1
            elif closer and char == ")":
                self.pos += 1
                if depth == 0:
                    return
                depth -= 1
            elif closer and word_start and re.match(r"case[ \t\n]", text[start:]):
                raise _UnsureError  # `pattern)` would look like the end of the `$(`
            else:
                self.pos += 1
            word_start = char in _WORD_BREAK
        if closer:
            raise _UnsureError

    def _single(self) -> None:
        while self.pos < len(self.text):
            if self._placeholder(SINGLE):
                continue
            self._mark(self.pos, self.pos + 1, SINGLE)
            self.pos += 1
            if self.text[self.pos - 1] == "'":
                return
        raise _UnsureError

    def _double(self) -> None:
        text = self.text
        while self.pos < len(text):
            if self._placeholder(DOUBLE):
                continue
            char, start = text[self.pos], self.pos
            self._mark(start, start + 1, DOUBLE)
            if char == "\\":
                nxt = text[start + 1 : start + 2]
                self.pos += 2 if nxt in ('"', "\\", "$", "`", "\n") and nxt else 1
                self._mark(start + 1, self.pos, ESCAPED)
            elif char == '"':
                self.pos += 1
                return
            elif char == "`":
                self._backtick(in_double=True)
            elif char == "$":
                self._dollar(in_double=True)
            else:
                self.pos += 1
        raise _UnsureError

    def _dollar(self, *, in_double: bool) -> None:
        text, start = self.text, self.pos
        if text.startswith("$((", start):
            self._arithmetic()
        elif text.startswith("$(", start):
            self._mark(start, start + 2, BARE)
            self.pos += 2
            self._script(closer=True)  # a new quoting level, also inside "..."
        elif text.startswith("${", start):
            self._parameter()
        elif text.startswith("$'", start) and not in_double:
            raise _UnsureError  # bash's $'...' has its own escapes
        else:
            self._mark(start, start + 1, DOUBLE if in_double else BARE)
            self.pos += 1

    def _arithmetic(self) -> None:
        """`$((...))` or bash's `((...))`, up to the matching parentheses; a quote, escape or
        substitution in it makes the rest of the text unknown."""
        if self.text[self.pos] == "$":
            self._mark(self.pos, self.pos + 1, ARITH)
            self.pos += 1
        depth = 0
        while self.pos < len(self.text):
            if self._placeholder(ARITH):
                continue
            char = self.text[self.pos]
            self._mark(self.pos, self.pos + 1, ARITH)
            self.pos += 1
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    return
            elif char in "'\"`\\" or (char == "$" and self.text[self.pos : self.pos + 1] == "("):
                raise _UnsureError
        raise _UnsureError

    def _parameter(self) -> None:
        """`${...}`: its word is not followed further; a quote, escape or substitution in it
        makes the rest of the text unknown."""
        depth = 0  # 1 once past the `{`
        while self.pos < len(self.text):
            if self._placeholder(PARAM):
                continue
            char = self.text[self.pos]
            self._mark(self.pos, self.pos + 1, PARAM)
            self.pos += 1
            if char == "{" and depth == 0:
                depth = 1
            elif char == "}":
                return
            elif char in "'\"`\\{" or (char == "$" and self.text[self.pos : self.pos + 1] == "("):
                raise _UnsureError
        raise _UnsureError

    def _backtick(self, *, in_double: bool) -> None:
        """`...`: the text up to the next unescaped backtick, with `\\$`, `\\\\`, `` \\` `` (and
        `\\"` inside "...") unescaped, is a script of its own, one backtick layer deeper."""
        text, start = self.text, self.pos
        special = '$`\\"' if in_double else "$`\\"
        inner: list[str] = []
        where: list[int] = []
        index = start + 1
        while index < len(text) and text[index] != "`":
            if text[index] == "\\" and index + 1 < len(text):
                if text[index + 1] in special:
                    index += 1
                else:
                    inner.append("\\")
                    where.append(index)
                    index += 1
            inner.append(text[index])
            where.append(index)
            index += 1
        if index >= len(text):
            raise _UnsureError
        self._mark(start, index + 1, UNKNOWN)  # backslashes removed, the backticks
        self._mark(start, start + 1, DOUBLE if in_double else BARE)
        self._mark(index, index + 1, DOUBLE if in_double else BARE)
        layers = (*self.backticks, in_double)
        nested = _Lexer("".join(inner), self.pattern, layers, self.in_heredocs)
        for inner_index, context in enumerate(nested.run()):
            self.contexts[where[inner_index]] = context
        self.pos = index + 1

    def _heredoc_operator(self) -> None:
        text = self.text
        self._mark(self.pos, self.pos + 2, BARE)
        self.pos += 2
        strip = text.startswith("-", self.pos)
        if strip:
            self.pos += 1
        while text[self.pos : self.pos + 1] in (" ", "\t"):
            self.pos += 1
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in _DELIMITER_END:
            if self.pattern.match(text, self.pos) or text[self.pos] in "$`":
                raise _UnsureError
            if text[self.pos] in "'\"":
                close = text.find(text[self.pos], self.pos + 1)
                if close < 0:
                    raise _UnsureError
                self.pos = close
            self.pos += 1
        word = text[start : self.pos]
        self._mark(start, self.pos, BARE)
        if not word:
            raise _UnsureError
        delimiter = re.sub(r"""\\(.)|['"]""", lambda m: m.group(1) or "", word)
        expanding = not any(char in word for char in "'\"\\")
        self.heredocs.append((delimiter, expanding, strip))

    def _heredoc_bodies(self) -> None:
        text = self.text
        for delimiter, expanding, strip in self.heredocs:
            body_start = self.pos
            while True:
                if self.pos >= len(text):
                    raise _UnsureError
                end = text.find("\n", self.pos)
                end = len(text) if end < 0 else end
                line = text[self.pos : end]
                if (line.lstrip("\t") if strip else line) == delimiter:
                    body_end = self.pos
                    self._mark(self.pos, end + 1, BARE)
                    self.pos = end + 1
                    break
                self.pos = end + 1
            heredocs = (*self.in_heredocs, (delimiter, strip))
            body = _Lexer(text[body_start:body_end], self.pattern, self.backticks, heredocs)
            for offset, context in enumerate(body.run(HEREDOC if expanding else HEREDOC_LITERAL)):
                self.contexts[body_start + offset] = context
        self.heredocs = []

    def _heredoc_body(self) -> None:
        """An expanding here-document's body: like "..." but `"` is plain text."""
        text = self.text
        while self.pos < len(text):
            if self._placeholder(HEREDOC):
                continue
            char, start = text[self.pos], self.pos
            self._mark(start, start + 1, HEREDOC)
            if char == "\\":
                nxt = text[start + 1 : start + 2]
                self.pos += 2 if nxt and nxt in "\\$`\n" else 1
            elif char == "`":
                self._backtick(in_double=False)
            elif char == "$":
                self._dollar(in_double=False)
            else:
                self.pos += 1


def shell_contexts(text: str, pattern: re.Pattern[str]) -> dict[int, ShellContext]:
    """{start of each match of `pattern` in `text`: the shell context it stands in}."""
    contexts = _Lexer(text, pattern, ()).run()
    unknown = ShellContext(UNKNOWN)
    return {m.start(): contexts[m.start()] or unknown for m in pattern.finditer(text)}


_DOUBLE_QUOTED_SPECIAL = re.compile(r'([\\"$`])')
_HEREDOC_SPECIAL = re.compile(r"([\\$`])")
_BACKTICK_SPECIAL = _HEREDOC_SPECIAL  # inside `...` the same three stay special
_BACKTICK_IN_DOUBLE_SPECIAL = re.compile(r'([\\$`"])')


def _through_backticks(form: str, context: ShellContext) -> str:
    """`form` as it must be written so each enclosing backtick substitution unescapes it back."""
    for in_double in reversed(context.backticks):
        special = _BACKTICK_IN_DOUBLE_SPECIAL if in_double else _BACKTICK_SPECIAL
        form = special.sub(r"\\\1", form)
    return form


def _fits_heredocs(form: str, context: ShellContext) -> bool:
    """In a here-document's body, no text may end it early (whatever quotes or substitution
    it is in there, the shell finds the end line by line first): one line, never part of the
    delimiter, no tab a `<<-` would strip."""
    return all(
        form and "\n" not in form and form not in delimiter and not (strip_tabs and "\t" in form)
        for delimiter, strip_tabs in context.heredocs
    )


def shell_literal(value: str, context: ShellContext) -> str | None:
    """`value` written to stand as literal text in `context`, or None when that cannot be done
    for sure (then a variable reference, `shell_reference`, may)."""
    plain = shlex.quote(value) == value  # nothing special in it: the same text anywhere
    kind = context.kind
    form: str | None
    if kind == BARE:
        form = shlex.quote(value)
    elif kind == SINGLE:  # close the quotes, insert, reopen: 'a'\''b' style
        form = value if plain else f"'{shlex.quote(value)}'"
    elif kind == DOUBLE:
        form = _DOUBLE_QUOTED_SPECIAL.sub(r"\\\1", value)
    elif kind == HEREDOC:
        form = _HEREDOC_SPECIAL.sub(r"\\\1", value)
    elif kind == HEREDOC_LITERAL:
        form = value
    elif kind == ARITH:
        form = value if value.isascii() and value.isdigit() else None
    else:  # ESCAPED, PARAM, UNKNOWN
        form = value if plain else None
    if form is None:
        return None
    form = _through_backticks(form, context)
    return form if _fits_heredocs(form, context) else None


def shell_reference(variable: str, context: ShellContext) -> str | None:
    """A reference to shell variable `variable` whose value arrives as one literal text in
    `context` (never read as shell syntax), or None where there is no such reference."""
    kind = context.kind
    if kind in (BARE, PARAM, UNKNOWN):
        form = f'"${{{variable}}}"'
    elif kind == SINGLE:
        form = f"'\"${{{variable}}}\"'"
    elif kind in (DOUBLE, HEREDOC):
        form = f"${{{variable}}}"
    else:  # ESCAPED, ARITH (bash evaluates a value there), HEREDOC_LITERAL (no expansion)
        return None
    form = _through_backticks(form, context)
    return form if _fits_heredocs(form, context) else None


def cannot_place(name: str, context: ShellContext, text: str) -> UsageError:
    where = _KIND_WORDS.get(context.kind, "here")
    return UsageError(
        f"placeholder {{{name}}} stands {where}: its value cannot be shell-quoted there for "
        f'sure; move it to a plain word or a "..." string: {text!r}'
    )


def substitute_in_shell(
    text: str, pattern: re.Pattern[str], place: Callable[[str, ShellContext], str | None]
) -> str:
    """Replace each match of `pattern` (group 1: the name) in a shell text by
    `place(name, context)`; None, and any match inside a `# comment`, leaves it as it is."""
    contexts: dict[int, ShellContext] | None = None
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if contexts is None:
            contexts = shell_contexts(text, pattern)
        context = contexts[match.start()]
        found = None if context.kind == COMMENT else place(match.group(1), context)
        if found is None:
            continue
        out.append(text[last : match.start()])
        out.append(found)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def shell_substitute(
    text: str,
    pattern: re.Pattern[str],
    value: Callable[[str], Sequence[str] | None],
    *,
    variable: Callable[[str], str | None] | None = None,
) -> str:
    """Replace each match of `pattern` (group 1: the name) in a shell text by `value(name)`:
    each string written as literal text for where it stands (unquoted, inside '...' or "...",
    in a `$(...)` or backtick substitution...), several joined by spaces; None leaves the match
    as it is. A value is never read as shell syntax. Where a value cannot be written for sure
    (a `${VAR:-...}` word, a here-document...) it becomes a reference to the shell variable
    `variable(name)` when there is one (the caller sets it), else a UsageError."""

    def place(name: str, context: ShellContext) -> str | None:
        found = value(name)
        if found is None:
            return None
        forms = [shell_literal(v, context) for v in found]
        if all(form is not None for form in forms):
            return " ".join(form for form in forms if form is not None)
        reference = variable(name) if variable is not None and len(found) == 1 else None
        form = shell_reference(reference, context) if reference else None
        if form is None:
            raise cannot_place(name, context, text)
        return form

    return substitute_in_shell(text, pattern, place)


def hook_variable(name: str) -> str:
    """The environment variable that holds placeholder `name`'s value while a hook runs
    (`PTS_WORKSPACE`; never a PARATEST_* name, which configuration reads)."""
    return f"PTS_{name.upper()}"


def hook_env(values: Mapping[str, str]) -> dict[str, str]:
    """The hook's own environment variables: `PTS_<NAME>` for each placeholder value."""
    return {hook_variable(name): values[name] for name in sorted(values) if name in PLACEHOLDERS}


def substitute_shell(
    command: str,
    values: Mapping[str, str],
    *,
    leave: Collection[str] = (),
    variables: bool = True,
) -> str:
    """Replace known placeholders in a shell command with shell-quoted values.

    A placeholder without a value (e.g. `{junit}` where there is none) is an error; those in
    `leave` stay as they are. With `variables` (a hook: `run_hook` sets `hook_env`), a value
    that cannot be quoted for sure where it stands becomes `"${PTS_<NAME>}"`; without, that
    is a UsageError.
    """
    return _fill(command, values, quote=True, leave=leave, variables=variables)


# Any `{identifier}` not right after a `$` (`${HOME}` is the shell's) nor in double braces (a
# Go or Jinja template's `{{name}}`): a placeholder, or a typo of one. `{a,b}`, `{}` and
# `{ cmd; }` are not identifiers in braces.
_ANY_NAME = re.compile(r"(?<![$\{])\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
# Where a hook's unknown `{name}` is shell text the shell passes on unchanged: our mistake to
# leave it so. Inside '...' (an awk or jq program), a quoted here-document, a comment, after a
# backslash or in a `${...}` word it is left alone: there it is meant literally.
_CHECKED_KINDS = frozenset({BARE, DOUBLE, HEREDOC})
_NO_HOOK_VALUE = {
    "tests": "test ids reach a hook only through {tests_file}, a file of one id a line",
}


def check_hook(setting: str, command: str, values: Mapping[str, str]) -> None:
    """UsageError (one line naming `setting` and the placeholder) when hook `command` names a
    placeholder that has no value in `values` (`{shard}` in a once-per-plan hook), `{tests}`
    (a test command's placeholder), or an unknown `{name}` where the shell would pass it on
    literally (not inside '...': awk and jq programs live there)."""
    if "{" not in command:
        return
    contexts = shell_contexts(command, _ANY_NAME)
    for match in _ANY_NAME.finditer(command):
        name = match.group(1)
        kind = contexts[match.start()].kind
        if kind == COMMENT:
            continue
        if name in PLACEHOLDERS:
            if name not in values:
                raise UsageError(
                    f"{setting}: placeholder {{{name}}} has no value here: {command!r}"
                )
        elif name in _NO_HOOK_VALUE:
            raise UsageError(
                f"{setting}: placeholder {{{name}}} has no value in a hook; "
                f"{_NO_HOOK_VALUE[name]}: {command!r}"
            )
        elif kind in _CHECKED_KINDS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise UsageError(
                f"{setting}: unknown placeholder {{{name}}} (known: {known}; inside '...' it "
                f"is left as written): {command!r}"
            )


def substitute_arg(arg: str, values: Mapping[str, str], *, leave: Collection[str] = ()) -> str:
    """Replace known placeholders inside one argv item, verbatim (no shell involved)."""
    return _fill(arg, values, quote=False, leave=leave)


def shell_script_index(argv: Sequence[str]) -> int | None:
    """Where the script of a shell wrapper is: `sh -c SCRIPT` -> 2, `bash -e -o pipefail -c
    SCRIPT` -> 5; None when argv is not `SHELL [options] -c SCRIPT ...`."""
    if not argv or PurePath(argv[0]).name not in SHELLS:
        return None
    position = 1
    while position < len(argv):
        arg = argv[position]
        if arg in ("-o", "+o"):  # takes a value
            position += 2
            continue
        if len(arg) < 2 or arg[0] not in "-+" or arg.startswith("--"):
            return None
        if arg[0] == "-" and "c" in arg[1:]:
            return position + 1 if position + 1 < len(argv) else None
        position += 1
    return None


def substitute_argv(
    argv: Sequence[str], values: Mapping[str, str], *, leave: Collection[str] = ()
) -> tuple[str, ...]:
    """Placeholders in a command's argv: verbatim in each item, shell-quoted in the script of a
    shell wrapper (`sh -c SCRIPT`), so no value is ever read as shell syntax."""
    script = shell_script_index(argv)
    return tuple(
        substitute_shell(arg, values, leave=leave, variables=False)
        if position == script
        else substitute_arg(arg, values, leave=leave)
        for position, arg in enumerate(argv)
    )
