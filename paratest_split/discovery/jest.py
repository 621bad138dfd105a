"""`--discover jest`: Jest test files (file-level), listed by `npx jest --listTests --json`.

Ids are test file paths relative to the root, `/`-separated, sorted (`src/app.test.js`).
Items are file-level: results are matched by the `file` attribute that jest-junit writes with
`JEST_JUNIT_ADD_FILE_ATTRIBUTE=true`.

Running: `npx jest --ci --reporters=default --reporters=jest-junit <args> --runTestsByPath
<files>` with `JEST_JUNIT_OUTPUT_DIR`/`JEST_JUNIT_OUTPUT_NAME` pointing into the shard's report
directory. `--runTestsByPath` makes jest take the ids as exact paths, not as regular expressions
(a plain `jest a.test.js` also runs `xa.test.js`). The project needs `jest-junit` installed.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation
from paratest_split.discovery.pytest import condense_errors
from paratest_split.runner.process import capture

REPORT_NAME = "jest.xml"
NPX = "npx"


def list_command(args: tuple[str, ...]) -> list[str]:
    return [NPX, "--no-install", "jest", "--listTests", "--json", *args]


def parse_list_output(stdout: str, root: Path) -> list[str]:
    """`jest --listTests --json` (absolute paths, JSON array) -> sorted relative posix paths."""
    start = stdout.find("[")
    try:
        paths = json.loads(stdout[start:]) if start >= 0 else None
    except ValueError:
        paths = None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise PluginError(f"jest --listTests printed no JSON list of paths: {stdout[:200]!r}")
    resolved_root = root.resolve()
    relative = set()
    for text in paths:
        path = Path(text)
        try:
            relative.add(path.resolve().relative_to(resolved_root).as_posix())
        except ValueError:
            relative.add(PurePath(text).as_posix())  # outside the root (jest `roots`): as-is
    return sorted(relative)


def junit_env(junit_dir: Path) -> tuple[tuple[str, str], ...]:
    return (
        ("JEST_JUNIT_OUTPUT_DIR", str(junit_dir)),
        ("JEST_JUNIT_OUTPUT_NAME", REPORT_NAME),
        ("JEST_JUNIT_ADD_FILE_ATTRIBUTE", "true"),
    )


class JestDiscoverer:
    """Jest test files from `npx jest --listTests`; runs them by path with jest-junit."""

    name: ClassVar[str] = "jest"
    file_level: ClassVar[bool] = True

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        argv = list_command(options.args)
        done = capture(argv, cwd=options.root, env=options.env, what="jest")
        if done.returncode != 0:
            raise PluginError(
                f"jest --listTests failed (exit {done.returncode}) in {options.root}: "
                f"{condense_errors('', done.stderr or done.stdout)}"
            )
        return [identity.file_item(p) for p in parse_list_output(done.stdout, options.root)]

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("jest", identity.file_item, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        env = junit_env(request.junit_dir)
        if request.user_command:
            invocation = user_invocation(request, report_name=REPORT_NAME)
            return [
                Invocation(
                    argv=invocation.argv,
                    junit=invocation.junit or str(request.junit_dir / REPORT_NAME),
                    env=env,
                    cwd=invocation.cwd,
                    tests=invocation.tests,
                )
            ]
        argv = (
            NPX,
            "--no-install",
            "jest",
            "--ci",
            "--reporters=default",
            "--reporters=jest-junit",
            *request.args,
            "--runTestsByPath",
            *request.tests,
        )
        return [
            Invocation(
                argv=argv,
                junit=str(request.junit_dir / REPORT_NAME),
                env=env,
                cwd=str(request.root),
                tests=request.tests,
            )
        ]
