"""Per-test timing history from many JUnit reports (one report file = one build).

`load_history(paths)` reads every report with the lean `junit.reader.iter_timing_rows` stream
and keeps, per test key (classname, name), one time per build in build order (paths sorted, so
the result does not depend on the order they were given in). Rules:

- a test twice in one file: its longest time counts, and one warning per file says how many;
- a test's estimate is the median of its per-build times;
- missing or unusable times (see the reader) do not count, not even as 0 s: a test known only
  from such cases is listed in `History.untimed`, not in `History.cases`;
- pytest module-level skip pseudo-cases (classname "") are ignored; skipped, failed and
  errored cases count with their real times;
- `skip_bad=True` turns a bad file into a warning; otherwise `BadInputError` (exit 10).

Storage is compact because this runs on 1M-test histories: one float per test (a list only for
tests seen in several builds), interned classnames, files stored per classname with per-test
exceptions. `History.cases` is a read-only mapping that builds `CaseHistory` values on access;
`History.estimate(key)` and `History.estimates()` skip building them.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from paratest_split.core.errors import BadInputError
from paratest_split.core.model import SuiteSummary, Warning_
from paratest_split.junit.gcpause import paused_gc
from paratest_split.junit.reader import iter_timing_rows

__all__ = ["CaseHistory", "CaseTable", "History", "load_history", "median"]

Key = tuple[str, str]
_Times = float | list[float]  # one build: the float itself; several: a list in build order


def median(values: Sequence[float]) -> float:
    """Median (mean of the two middle values for an even count). `values` must not be empty."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseHistory:
    """One test's usable times, one per build that ran it, in build order."""

    classname: str
    name: str
    file: str | None
    times: tuple[float, ...]

    @property
    def estimate(self) -> float:
        """Median of the per-build times."""
        return median(self.times)

    @property
    def builds(self) -> int:
        return len(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)


class CaseTable(Mapping[Key, CaseHistory]):
    """Read-only `(classname, name) -> CaseHistory`, iterated in first-seen order."""

    __slots__ = ("_class_files", "_key_files", "_times")

    def __init__(
        self,
        times: dict[Key, _Times],
        class_files: dict[str, str],
        key_files: dict[Key, str],
    ) -> None:
        self._times = times
        self._class_files = class_files
        self._key_files = key_files

    def __getitem__(self, key: Key) -> CaseHistory:
        value = self._times[key]
        times = (value,) if isinstance(value, float) else tuple(value)
        return CaseHistory(classname=key[0], name=key[1], file=self.file(key), times=times)

    def __iter__(self) -> Iterator[Key]:
        return iter(self._times)

    def __len__(self) -> int:
        return len(self._times)

    def __contains__(self, key: object) -> bool:
        return key in self._times

    def file(self, key: Key) -> str | None:
        """The `file` the reports gave for the test (first one seen), or None."""
        return self._key_files.get(key) or self._class_files.get(key[0])

    def raw_times(self) -> ItemsView[Key, float | list[float]]:
        """`(key, times)` of every test, first-seen order: a float for a test seen in one build,
        else a list in build order (the median is its estimate). Read-only: for callers that
        walk a million tests and cannot afford a `CaseHistory` each."""
        return self._times.items()

    def class_file(self, classname: str) -> str | None:
        """The first `file` seen for any test of `classname`, or None."""
        return self._class_files.get(classname)

    def own_files(self) -> Mapping[Key, str]:
        """The tests whose first `file` differs from their class's (`class_file`)."""
        return self._key_files

    def estimate(self, key: Key) -> float | None:
        """Median time of the test, None if it has no usable time."""
        value = self._times.get(key)
        if value is None:
            return None
        return value if isinstance(value, float) else median(value)

    def estimates(self) -> dict[Key, float]:
        """Every test's median time, in the table's order."""
        return {
            key: value if isinstance(value, float) else median(value)
            for key, value in self._times.items()
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class History:
    """What earlier builds say about test durations."""

    cases: Mapping[Key, CaseHistory]
    suites: tuple[SuiteSummary, ...] = ()
    sources: tuple[str, ...] = ()  # the report files that were read, in build order
    warnings: tuple[Warning_, ...] = ()
    untimed: tuple[Key, ...] = ()  # tests seen only without a usable time (sorted)

    def estimate(self, key: Key) -> float | None:
        """Median time of a test, None if unknown (fast: builds no CaseHistory)."""
        if isinstance(self.cases, CaseTable):
            return self.cases.estimate(key)
        case = self.cases.get(key)
        return case.estimate if case is not None else None

    def estimates(self) -> dict[Key, float]:
        """Every known test's median time."""
        if isinstance(self.cases, CaseTable):
            return self.cases.estimates()
        return {key: case.estimate for key, case in self.cases.items()}


class _Build:
    """One report file's contribution, merged only once the whole file read cleanly."""

    def __init__(self) -> None:
        self.times: dict[Key, float] = {}
        self.class_files: dict[str, str] = {}  # first file seen per classname
        self.key_files: dict[Key, str] = {}  # tests whose file differs from their class's
        self.untimed: list[Key] = []
        self.suites: list[SuiteSummary] = []
        self.warnings: list[Warning_] = []


def _read_build(path: Path, names: dict[str, str]) -> _Build:
    build = _Build()
    times = build.times
    class_files = build.class_files
    key_files = build.key_files
    intern = names.setdefault
    duplicates = 0
    example: Key | None = None
    for item in iter_timing_rows(path):
        if item.__class__ is not tuple:
            if isinstance(item, SuiteSummary):
                build.suites.append(item)
            elif isinstance(item, Warning_):
                build.warnings.append(item)
            continue
        classname, name, file, seconds = item  # a Row
        classname = intern(classname, classname)
        key = (classname, name)
        if file is not None:
            known = class_files.get(classname)
            if known is None:
                class_files[classname] = intern(file, file)
            elif known != file and key not in key_files:
                key_files[key] = intern(file, file)
        if seconds is None:
            build.untimed.append(key)
            continue
        old = times.get(key)
        if old is None:
            times[key] = seconds
            continue
        duplicates += 1
        if example is None:
            example = key
        if seconds > old:
            times[key] = seconds
    if example is not None:
        build.warnings.append(
            Warning_(
                source=str(path),
                message=(
                    f"{duplicates} duplicate case(s), e.g. {example[0]!r} {example[1]!r}: "
                    "kept the longest time of each"
                ),
            )
        )
    return build


def _merge_files(
    build: _Build,
    times: dict[Key, _Times],
    class_files: dict[str, str],
    key_files: dict[Key, str],
) -> None:
    """Fold a build's files in: the first file seen for a test wins."""
    # classnames whose file differs from an earlier build's
    moved = {
        classname: file
        for classname, file in build.class_files.items()
        if class_files.setdefault(classname, file) != file
    }
    if moved:  # tests new in this build keep this build's file
        for key in build.times:
            file = moved.get(key[0])
            if file is not None and key not in times:
                key_files.setdefault(key, file)
    for key, file in build.key_files.items():
        key_files.setdefault(key, file)


def load_history(paths: Sequence[Path], *, skip_bad: bool = False) -> History:
    """Read JUnit reports (one per build) into per-test timing history.

    The paths are de-duplicated and sorted: the result never depends on their order.
    The cyclic garbage collector is paused while loading (nothing here makes cycles, and its
    passes over millions of new tuples cost 15-20% of the time on a 1M-case history).
    """
    with paused_gc():
        return _load(paths, skip_bad=skip_bad)


def _load(paths: Sequence[Path], *, skip_bad: bool) -> History:
    names: dict[str, str] = {}  # interned classnames and files
    times: dict[Key, _Times] = {}
    class_files: dict[str, str] = {}
    key_files: dict[Key, str] = {}
    untimed: set[Key] = set()
    suites: list[SuiteSummary] = []
    warnings: list[Warning_] = []
    sources: list[str] = []
    for path in sorted({Path(p) for p in paths}, key=str):
        try:
            build = _read_build(path, names)
        except BadInputError as exc:
            if not skip_bad:
                raise
            warnings.append(Warning_(source=exc.path, message=f"ignored: {exc.problem}"))
            continue
        sources.append(str(path))
        suites.extend(build.suites)
        warnings.extend(build.warnings)
        untimed.update(build.untimed)
        _merge_files(build, times, class_files, key_files)
        if not times:
            times = build.times  # type: ignore[assignment]
            continue
        for key, seconds in build.times.items():
            value = times.get(key)
            if value is None:
                times[key] = seconds
            elif isinstance(value, float):
                times[key] = [value, seconds]
            else:
                value.append(seconds)
    return History(
        cases=CaseTable(times, class_files, key_files),
        suites=tuple(suites),
        sources=tuple(sources),
        warnings=tuple(warnings),
        untimed=tuple(sorted(key for key in untimed if key not in times)),
    )
