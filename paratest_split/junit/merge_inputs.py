"""A merge's inputs: which files the paths name (`find_inputs`, in natural order), each
input's shard and attempt (suite properties, else its path) and so the order of attempts, the
properties written cases get to say where they came from, and the shards a plan-less merge
knows of from the reports themselves (`unreported_shards`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from paratest_split.core.errors import UsageError
from paratest_split.core.model import (
    ATTEMPT_PROPERTY,
    DIGEST_PROPERTY,
    SHARD_PROPERTY,
    SHARDS_PROPERTY,
    Warning_,
)
from paratest_split.junit.merge_result import ReportInfo, UnreportedShard
from paratest_split.junit.reader import (
    expand_paths,
)

__all__ = ["ATTEMPT_PROPERTY", "DIGEST_PROPERTY", "SHARDS_PROPERTY", "SHARD_PROPERTY"]

REPORT_PROPERTY = "paratest.report"

_SHARD_NAME = re.compile(r"^shard-([0-9]+)(?:\.xml(?:\.gz)?)?$")


_DIGITS = re.compile(r"(\d+)")
# how `run` ranks the outcomes of one test's results in one report (runner.results.dedupe)


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting `run-9` before `run-10` (digit runs compare as numbers)."""
    return tuple(
        (1, f"{int(part):030d}{part}") if i % 2 else (0, part)
        for i, part in enumerate(_DIGITS.split(text))
    )


NUMBER_LIMIT = 2**31  # shard numbers go into array("i"); nothing real comes near
_ASCII_NUMBER = re.compile(r"[0-9]+")


def as_int(text: str | None) -> int | None:
    """A shard or attempt number: ASCII digits only, below 2**31; None otherwise."""
    if text is None:
        return None
    text = text.strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if value < NUMBER_LIMIT else None


def quoted(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _shard_from_path(path: Path, warnings: list[Warning_]) -> int | None:
    for part in (path.name, path.parent.name):
        match = _SHARD_NAME.match(part)
        if match:
            shard = as_int(match.group(1))
            if shard is None:
                warnings.append(
                    Warning_(
                        source=str(path),
                        message=f"{quoted(part)} names no usable shard number (0 to "
                        f"{NUMBER_LIMIT - 1}): its results count as of unknown shard",
                    )
                )
            return shard
    return None


def source_numbers(
    path: Path, props: dict[str, str], warnings: list[Warning_]
) -> tuple[int | None, int | None]:
    """(shard, attempt) of one input from its suite properties, else (shard) its path.

    A property that is not a number (ASCII digits, below 2**31) is ignored with a warning."""
    shard = as_int(props.get(SHARD_PROPERTY))
    text = props.get(SHARD_PROPERTY)
    if shard is None and text is not None:
        fallback = _shard_from_path(path, warnings)
        where = (
            f"shard {fallback} from its file name"
            if fallback is not None
            else "its results count as of unknown shard"
        )
        warnings.append(
            Warning_(
                source=str(path),
                message=f"{SHARD_PROPERTY} {quoted(text)} is not a shard number (0 to "
                f"{NUMBER_LIMIT - 1}): ignored, {where}",
            )
        )
        shard = fallback
    elif shard is None:
        shard = _shard_from_path(path, warnings)
    attempt = as_int(props.get(ATTEMPT_PROPERTY))
    text = props.get(ATTEMPT_PROPERTY)
    if attempt is None and text is not None:
        warnings.append(
            Warning_(
                source=str(path),
                message=f"{ATTEMPT_PROPERTY} {quoted(text)} is not an attempt number (0 to "
                f"{NUMBER_LIMIT - 1}): ignored, it counts as attempt 1",
            )
        )
    return shard, attempt


@dataclass(kw_only=True)
class Input:
    path: Path
    order: int
    shard: int | None
    attempt: int | None
    cases: int = 0
    case_seconds: float = 0.0
    suite_seconds: float = 0.0

    @property
    def sort_key(self) -> tuple[int, int, int]:
        attempt = self.attempt if self.attempt is not None else 1
        return (attempt, self.shard if self.shard is not None else -1, self.order)

    def info(self) -> ReportInfo:
        return ReportInfo(
            path=self.path,
            order=self.order,
            shard=self.shard,
            attempt=self.attempt,
            cases=self.cases,
            seconds=max(self.case_seconds, self.suite_seconds),
        )


def case_properties(source: Input) -> tuple[tuple[str, str], ...]:
    if source.shard is None:
        return ((REPORT_PROPERTY, str(source.path)),)
    if source.attempt is None:
        return ((SHARD_PROPERTY, str(source.shard)),)
    return ((SHARD_PROPERTY, str(source.shard)), (ATTEMPT_PROPERTY, str(source.attempt)))


def case_label(classname: str, name: str) -> str:
    return f"{classname}::{name}" if classname else name


def find_inputs(
    paths: Sequence[str | Path], *, root: Path, out: Path | None = None
) -> tuple[list[Path], list[Warning_]]:
    """Expand files/dirs/globs into report files, in the order the paths were given (each
    directory or glob in natural path order: `run-9` before `run-10`), each file once, leaving
    out the merge's own output."""
    target = out.resolve() if out is not None else None
    files: list[Path] = []
    seen: set[Path] = set()
    warnings: list[Warning_] = []
    for pattern in paths:
        named = Path(root, pattern)
        if (
            target is not None
            and not any(c in str(pattern) for c in "*?[")
            and named.resolve() == target
            and not named.is_dir()
        ):  # named on purpose: skipping it would lose its tests, overwriting it too
            raise UsageError(
                f"{pattern}: is both an input and the merge output (-o); write the merged "
                "report to another file"
            )
        found, _ = expand_paths([str(pattern)], root)
        found.sort(key=lambda path: (natural_key(str(path)), str(path)))
        if not found:
            warnings.append(Warning_(source=str(pattern), message="matched no JUnit file"))
        for file in found:
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            if resolved == target:
                warnings.append(
                    Warning_(source=str(file), message="is the merge output: not an input")
                )
                continue
            files.append(file)
    return files, warnings


def unreported_shards(
    inputs: Sequence[Input],
    recorded: dict[Path, tuple[str, int | None]],
    warnings: list[Warning_],
) -> tuple[tuple[UnreportedShard, ...], int]:
    """Without a plan, the reports themselves say how many shards their plan has (`run` writes
    `paratest.shards` and `paratest.plan_digest`): every shard of each plan they name must have
    a merged report, or a lost shard would pass as "all green". A left-out bad report
    (--skip-bad-reports) does not count as its shard's report."""
    plans: dict[tuple[str, int], set[int]] = {}
    for source in inputs:
        digest, count = recorded.get(source.path, ("", None))
        if count is None or count <= 0:
            continue
        seen = plans.setdefault((digest, count), set())
        if source.shard is not None:
            seen.add(source.shard)
    if len(plans) > 1:
        warnings.append(
            Warning_(
                source="merge",
                message=f"the reports come from {len(plans)} different plans "
                "(paratest.plan_digest / paratest.shards differ): each is checked for its shards",
            )
        )
    unreported = tuple(
        UnreportedShard(index=index, shards=count, digest=digest)
        for (digest, count), seen in sorted(plans.items())
        for index in range(count)
        if index not in seen
    )
    return unreported, len(plans)
