"""Which files `--junit`/merge inputs name: files, directories (searched for reports, hidden
ones left out) and globs, each real file once.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from paratest_split.core.errors import BadInputError


def _is_report(name: str) -> bool:
    return name.endswith((".xml", ".xml.gz"))


def _walk(directory: Path) -> list[Path]:
    """The report files under `directory`, leaving out hidden ones: dot-files (a writer's
    temporary files, e.g. a killed merge's spool) and dot-directories (`.paratest/history`
    holds earlier merged reports, `.git`), as a `*`/`**` glob does."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        found.extend(
            Path(dirpath, name)
            for name in filenames
            if _is_report(name) and not name.startswith(".")
        )
    return found


def expand_paths(patterns: Sequence[str], root: Path) -> tuple[list[Path], list[str]]:
    """Resolve `--junit` inputs: files, directories (recursive `*.xml`, `*.xml.gz`), globs.

    Patterns are relative to `root` unless absolute; globs support `**`. A directory matched by
    a glob is searched like a directory argument; a glob whose last part is only `*`s (`dir/*`,
    `**`) keeps only report files, any other glob keeps every file it matches. Hidden files
    and directories (a name starting with `.`) are found only when named: a directory search
    and a wildcard skip them.

    Returns (sorted unique files, one warning per glob that matched nothing). A glob matching
    nothing is not an error: a first build has no history. A path named without wildcards
    must exist (BadInputError, exit 10): a typo there would silently plan by test count
    forever. A file reached twice (a symlink, `**` through a symlinked directory) counts
    once, as its first path: each build's report is one build of history. Unreadable files
    are left for the reader to report.
    """
    files: dict[Path, Path] = {}  # real path -> the first path that reached it
    warnings: list[str] = []
    for pattern in patterns:
        base = Path(pattern).expanduser()
        full = base if base.is_absolute() else root / base
        matches: list[Path] = []
        if glob.has_magic(pattern):
            # `dir/*` or `**` picks reports only; `dir/TEST-*` or `*.junit` keeps every match.
            pure_wildcard = set(Path(pattern).name) <= {"*"}
            # Path.glob cannot take an absolute pattern; glob.glob can (and `**`).
            for hit in sorted(glob.glob(str(full), recursive=True)):  # noqa: PTH207
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matches.extend(_walk(hit_path))
                elif hit_path.is_file() and (not pure_wildcard or _is_report(hit_path.name)):
                    matches.append(hit_path)
        elif full.is_dir():
            matches = _walk(full)
        elif full.exists():
            matches = [full]
        else:
            raise BadInputError(
                pattern,
                "no such file or directory (a named path must exist; a glob such as "
                "'previous/**/*.xml' may match nothing, e.g. in a first build)",
            )
        for match in sorted(matches, key=str):
            files.setdefault(_real(match), match)
        if not matches:
            warnings.append(f"--junit {pattern!r} matched no JUnit file")
    return sorted(files.values(), key=str), warnings


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: keep the path as it is
        return path
