"""Adapter: the timing-history store (`merge --store`, `local`), read back by `split`/`timings`.

Each stored run is one gzip-compressed merged JUnit report named
`<UTC YYYYmmddTHHMMSSZ>-<first 12 hex of its sha256>.xml.gz`, so names sort by time (the digest
only breaks ties between runs stored in the same second) and storing the same report twice in a
second is one file. After storing, the oldest runs beyond `keep` are removed; `keep=0` keeps
every run. Only files named like ours are ever counted or removed.

The merged report's `<testcase time>` is the final attempt's (retry.fold, writer), so a retried
test's history time is one run's, not the sum of its attempts. Results paratest-split made up
(missing tests, tests without a result) carry no `time` at all (`Attempt.time_known`), so the
history never learns them as 0 s tests.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
import shutil
from pathlib import Path

from paratest_split.core.errors import BadInputError
from paratest_split.fileperm import atomic_file
from paratest_split.junit.writer import GZIP_LEVEL

STORED_NAME = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}\.xml\.gz$")
_CHUNK = 1 << 20


def _digest(report: Path) -> str:
    digest = hashlib.sha256()
    opener = gzip.open if report.name.endswith(".gz") else open
    try:
        with opener(report, "rb") as source:
            while block := source.read(_CHUNK):
                digest.update(block)
    except (OSError, EOFError) as exc:
        raise BadInputError(report, f"cannot read the report to store: {exc}") from None
    return digest.hexdigest()[:12]


def stored_runs(history_dir: Path) -> list[Path]:
    """The runs in the store, oldest first."""
    if not history_dir.is_dir():
        return []
    return sorted(p for p in history_dir.iterdir() if STORED_NAME.match(p.name) and p.is_file())


def store_report(
    report: Path, history_dir: Path, keep: int, *, now: dt.datetime | None = None
) -> Path:
    """Keep `report` (a merged JUnit file, .xml or .xml.gz) as one run of history.

    Returns the stored file. `now` (UTC) is for tests; it defaults to the current time.
    """
    moment = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    name = f"{moment:%Y%m%dT%H%M%SZ}-{_digest(report)}.xml.gz"
    target = history_dir / name
    try:
        history_dir.mkdir(parents=True, exist_ok=True)
        with atomic_file(target, prefix=".store-") as raw, report.open("rb") as source:
            if report.name.endswith(".gz"):
                shutil.copyfileobj(source, raw, _CHUNK)
            else:
                with gzip.GzipFile(
                    fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=GZIP_LEVEL
                ) as packed:
                    shutil.copyfileobj(source, packed, _CHUNK)
    except OSError as exc:
        raise BadInputError(
            history_dir, f"cannot store the report: {exc.strerror or exc}"
        ) from None
    prune(history_dir, keep)
    return target


def store_problem(history_dir: Path) -> str | None:
    """Why `store_report` could not store into `history_dir` (None: it can), checked before a
    long merge: not a directory, cannot be created, not writable. Creates the directory."""
    try:
        if history_dir.exists() and not history_dir.is_dir():
            raise NotADirectoryError(20, "not a directory")
        history_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(history_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def prune(history_dir: Path, keep: int) -> list[Path]:
    """Remove the oldest stored runs beyond `keep` (0: keep all); returns what was removed."""
    if keep <= 0:
        return []
    runs = stored_runs(history_dir)
    removed = runs[: max(len(runs) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
