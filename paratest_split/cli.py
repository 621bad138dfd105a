"""Command line: parse, build settings, call the command's handler, map errors to exit codes.

`main(argv) -> int` never calls sys.exit (`__main__.py` and the console script do).
`paratest-split --shards 6 ...` is `paratest-split split --shards 6 ...`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from paratest_split import __version__, config, streams
from paratest_split.commands import NAMES, Context
from paratest_split.core.errors import ExitCode, ParatestError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; DESIGN says 4, with one line."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("paratest-split").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"paratest_split.commands.{name}")


def _add_settings_flags(parser: argparse.ArgumentParser, command: str) -> None:
    group = parser.add_argument_group("settings (also paratest.yaml keys and PARATEST_* variables)")
    for f in config.options_for(command):
        meta = f.metadata
        names = [config.flag_name(f.name)]
        if meta["short"]:
            names.insert(0, meta["short"])
        kwargs: dict[str, Any] = {
            "dest": f.name,
            "default": argparse.SUPPRESS,
            "help": meta["help"],
        }
        if f.type in ("bool", bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            key = f.name

            def parse(text: str, key: str = key) -> Any:
                try:
                    return config.parse_flag_value(key, text)
                except ValueError as exc:
                    raise argparse.ArgumentTypeError(str(exc)) from None

            parse.__name__ = f.name  # argparse names the type in its message
            kwargs["type"] = parse
            choices = getattr(meta["parse"], "choices", None)
            kwargs["metavar"] = meta["metavar"] or (
                "{" + ",".join(choices) + "}" if choices else f.name.upper()
            )
            if meta["repeat"]:
                kwargs["action"] = "append"
        group.add_argument(*names, **kwargs)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (`only`) just one command's: importing every command module costs
    a few hundred milliseconds that `run` on each executor should not pay."""
    parser = _Parser(
        prog="paratest-split",
        description="Split a slow test suite into N equal-time shards for parallel CI executors. "
        "Without a command, `split` is meant.",
    )
    parser.add_argument("--version", action="version", version=f"paratest-split {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND", parser_class=_Parser)
    for name in NAMES if only is None else (only,):
        module = _command_module(name)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        _add_settings_flags(command_parser, name)
    return parser


def _with_default_command(argv: list[str]) -> list[str]:
    """Put the command first; `split` when none is named.

    Switches may come before the command (`paratest-split --debug run ...`): the first word
    that is not an option names the command when it is one.
    """
    if argv and argv[0] in ("-h", "--help", "--version"):
        return argv
    for position, word in enumerate(argv):
        if word == "--":
            break
        if not word.startswith("-"):
            if word in NAMES:
                return [word, *argv[:position], *argv[position + 1 :]]
            break
    return ["split", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. The verdict does not depend on the terminal: stdout and stderr are
    guarded (`streams`), so a closed pipe or a full device cannot stop the work or change a
    failing exit code into a passing one."""
    saved = sys.stdout, sys.stderr
    out, err = streams.guard()
    sys.stdout, sys.stderr = out, err
    try:
        code = _main(argv)
        out.flush()
        lost = streams.describe(out)
        if lost is not None:
            print(f"paratest-split: warning: {lost}", file=err)
            err.flush()
        return streams.lost_output_code(code, out)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        if args_list == ["--version"]:
            print(f"paratest-split {__version__}")
            return int(ExitCode.OK)
        words = _with_default_command(args_list)
        only = words[0] if words and words[0] in NAMES else None
        args = build_parser(only).parse_args(words)
        settings_keys = set(config.FIELDS)
        flags = {
            k: (tuple(v) if isinstance(v, list) else v)
            for k, v in vars(args).items()
            if k in settings_keys
        }
        own = argparse.Namespace(**{k: v for k, v in vars(args).items() if k not in settings_keys})
        cwd = Path.cwd()
        env = config.environ()
        settings = config.load_settings(flags, env, cwd)
        debug = settings.debug
        ctx = Context(settings=settings, args=own, env=env, cwd=cwd)
        return int(_command_module(args.subcommand).handle(ctx))
    except ParatestError as exc:
        if debug:
            traceback.print_exc()
        print(f"paratest-split: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("paratest-split: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit 3
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (run with --debug for details)"
        print(f"paratest-split: internal error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return int(ExitCode.INTERNAL_ERROR)
