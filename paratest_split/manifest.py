"""Adapter: the plan on disk, `DIR/plan.json` + `DIR/shard-<i>.txt` (DESIGN "Outputs of split").

plan.json is written with sorted keys, 2-space indent, a trailing newline and `"version": 1`,
so the same plan is the same bytes on every machine. `shard-<i>.txt` holds the runnable ids of
shard i, one a line, in the order to run them. Extra keys beside DESIGN's: `discover` (the
plugin that owns the ids), `items` and `item_files` (each test's JUnit key, so `run` and
`merge` can match results to planned tests without discovering again), `discover_args` (the
discovery plugin's arguments the plan was made with, so that `run` runs the tests the same
way; absent in plans of older versions).

`items` lists only the tests the discovery plugin cannot rebuild from their id alone
(`StoredItems`): a seed plugin's test with its own command, a JUnit case whose `file` is not its
class's... `read_plan` rebuilds the others, so `Plan.items` holds every planned test again.
A million-test plan stays about the size of its ids, and is written piece by piece through the
C JSON encoder with the same bytes `json.dumps(..., indent=2, sort_keys=True)` would give.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paratest_split.core.errors import BadInputError, ParatestError
from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.fileperm import atomic_file

if TYPE_CHECKING:
    from paratest_split.discovery.base import Discoverer

PLAN_FILE = "plan.json"


VERSION = 1
# plan.json key of the class -> file table that fills in items rebuilt from their ids
CLASS_FILES = "item_files"


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredItems:
    """What plan.json lists of the planned items; the rest are rebuilt from their ids.

    A planned test without an entry in `items` is `discoverer.item_for_id(id)` of the plan's
    discovery plugin, with `file` taken from `class_files[classname]` when the rebuilt item
    has a classname and no file (a JUnit report's `file` attribute cannot be read off an id).
    """

    items: tuple[TestItem, ...] = ()  # sorted by id
    class_files: Mapping[str, str] = field(default_factory=dict)


def shard_file(directory: Path, index: int) -> Path:
    return directory / f"shard-{index}.txt"


def _seconds(value: float) -> float:
    return round(value, 3)


def _item_json(item: TestItem) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id}
    if item.file is not None:
        data["file"] = item.file
    if item.classname is not None:
        data["classname"] = item.classname
    if item.name is not None:
        data["name"] = item.name
    if item.command is not None:
        data["command"] = list(item.command)
    return data


def _discoverer(name: str) -> Discoverer | None:
    from paratest_split import plugins

    try:
        return plugins.load_discoverer(name)
    except ParatestError:
        return None


def _rebuild(
    discoverer: Discoverer | None, test_id: str, class_files: Mapping[str, str]
) -> TestItem | None:
    """The item a reader of the plan rebuilds for `test_id` (None: it cannot)."""
    if discoverer is None:
        return None
    try:
        item = discoverer.item_for_id(test_id)
    except Exception:  # noqa: BLE001 - a plugin's failure only means: list the item
        return None
    if item.id != test_id:  # a third-party plugin's bug: keep the listed item instead
        return None
    if item.file is None and item.classname:
        file = class_files.get(item.classname)
        if file is not None:
            return replace(item, file=file)
    return item


def stored_items(plan: Plan) -> StoredItems:
    """The items plan.json must list: those the discovery plugin cannot rebuild from the id.

    First the class -> file table: for each classname, the file of the first item (by id)
    that differs from its rebuilt self only by having a file. Then every item that the
    rebuilt item (with that table) does not equal is listed. Needs one `item_for_id` per test.
    """
    discoverer = _discoverer(plan.discover)
    if discoverer is None or not plan.items:
        return StoredItems(items=tuple(sorted(plan.items, key=lambda i: i.id)))
    ordered = sorted(plan.items, key=lambda i: i.id)
    bases = [_rebuild(discoverer, item.id, {}) for item in ordered]
    class_files: dict[str, str] = {}
    for item, base in zip(ordered, bases, strict=True):
        if (
            base is not None
            and base.file is None
            and base.classname
            and item.file is not None
            and replace(base, file=item.file) == item
        ):
            class_files.setdefault(base.classname, item.file)
    listed = []
    for item, base in zip(ordered, bases, strict=True):
        rebuilt = base
        if base is not None and base.file is None and base.classname:
            file = class_files.get(base.classname)
            if file is not None:
                rebuilt = replace(base, file=file)
        if rebuilt != item:
            listed.append(item)
    return StoredItems(items=tuple(listed), class_files=class_files)


def plan_to_json(plan: Plan, stored: StoredItems | None = None) -> dict[str, Any]:
    """plan.json as a dict (what `dumps` writes, for small plans and tests)."""
    kept = stored_items(plan) if stored is None else stored
    data = _head(plan, kept)
    data["shards_detail"] = [
        {
            "index": shard.index,
            "predicted_seconds": _seconds(shard.predicted_seconds),
            "tests": list(shard.tests),
        }
        for shard in plan.shards_detail
    ]
    data["unknown_tests"] = list(plan.unknown_tests)
    return data


def _head(plan: Plan, stored: StoredItems) -> dict[str, Any]:
    """Every key but shards_detail and unknown_tests."""
    data: dict[str, Any] = {
        "version": plan.version,
        "shards": plan.shards,
        "group_by": plan.group_by.value,
        "algorithm": plan.algorithm,
        "discover": plan.discover,
        "inputs_digest": plan.inputs_digest,
        "predicted_makespan_seconds": _seconds(plan.predicted_makespan_seconds),
        "lower_bound_seconds": _seconds(plan.lower_bound_seconds),
        "items": [_item_json(item) for item in stored.items],
    }
    if plan.discover_args is not None:
        data["discover_args"] = list(plan.discover_args)
    if stored.class_files:
        data[CLASS_FILES] = dict(sorted(stored.class_files.items()))
    return data


def dumps(plan: Plan, stored: StoredItems | None = None) -> str:
    """plan.json's text: `json.dumps(plan_to_json(plan), sort_keys=True, indent=2,
    ensure_ascii=False)` and a newline, byte for byte (`_chunks` makes it piece by piece)."""
    return "".join(_chunks(plan, stored_items(plan) if stored is None else stored))


def _json(value: object, depth: int) -> str:
    """`value` as it appears at `depth` inside an indent=2 document."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def _string_list(values: Sequence[str], depth: int) -> str:
    """A list of strings at `depth` as indent=2 writes it, through the C encoder."""
    if not values:
        return "[]"
    inner = "\n" + "  " * (depth + 1)
    body = json.dumps(list(values), ensure_ascii=False, separators=("," + inner, ": "))
    return "[" + inner + body[1:-1] + "\n" + "  " * depth + "]"


def _chunks(plan: Plan, stored: StoredItems) -> Iterator[str]:
    """plan.json in pieces (a shard's test list at most), keys sorted, indent 2."""
    fields: dict[str, Any] = _head(plan, stored)
    fields["shards_detail"] = None  # written below, shard by shard
    fields["unknown_tests"] = None
    yield "{"
    for position, key in enumerate(sorted(fields)):
        yield ("," if position else "") + "\n  " + json.dumps(key) + ": "
        if key == "shards_detail":
            yield from _shards_json(plan.shards_detail)
        elif key == "unknown_tests":
            yield _string_list(plan.unknown_tests, 1)
        else:
            yield _json(fields[key], 1)
    yield "\n}\n"


def _shards_json(shards: Sequence[Shard]) -> Iterator[str]:
    if not shards:
        yield "[]"
        return
    yield "["
    for position, shard in enumerate(shards):
        yield (
            ("," if position else "")
            + '\n    {\n      "index": '
            + json.dumps(shard.index)
            + ',\n      "predicted_seconds": '
            + json.dumps(_seconds(shard.predicted_seconds))
            + ',\n      "tests": '
        )
        yield _string_list(shard.tests, 3)
        yield "\n    }"
    yield "\n  ]"


def write_plan(plan: Plan, directory: Path, stored: StoredItems | None = None) -> list[Path]:
    """Write plan.json and one shard file per shard; remove shard files of an older, larger plan.

    `stored`: what plan.json lists of the items (default: `stored_items(plan)`)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = f"cannot create the plan directory: {exc.strerror}"
        raise BadInputError(directory, problem) from None
    written = []
    target = directory / PLAN_FILE
    _write_atomic(target, _chunks(plan, stored_items(plan) if stored is None else stored))
    written.append(target)
    for shard in plan.shards_detail:
        path = shard_file(directory, shard.index)
        _write_atomic(path, ["\n".join(shard.tests) + "\n" if shard.tests else ""])
        written.append(path)
    for stale in directory.glob("shard-*.txt"):
        suffix = stale.stem.removeprefix("shard-")
        if suffix.isdigit() and int(suffix) >= plan.shards:
            stale.unlink()
    return written


def _write_atomic(path: Path, pieces: Iterable[str]) -> None:
    """Write beside the target under a unique name, then rename (`fileperm.atomic_file`)."""
    try:
        with (
            atomic_file(path, prefix=f".{path.name}.") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out,
        ):
            out.writelines(pieces)
    except OSError as exc:
        raise BadInputError(path, f"cannot write the plan: {exc.strerror or exc}") from None


def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    if key not in data:
        raise BadInputError(path, f"not a paratest-split plan: '{key}' is missing")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadInputError(path, f"'{key}' has the wrong type ({type(value).__name__})")
    return value


def _finite(value: Any, key: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadInputError(path, f"'{key}' is not a finite number")
    return float(value)


def read_plan(directory: Path, *, items_of: int | None = None) -> Plan:
    """Read DIR/plan.json; a missing, corrupt or inconsistent plan is a BadInputError (exit 10).

    `items_of=I`: `Plan.items` holds only shard I's tests (none for an index out of range),
    for an executor that runs one shard: on a million-test plan, rebuilding every item through
    the discovery plugin costs seconds and hundreds of MB it does not need. Every shard's ids
    are read and checked all the same."""
    path = directory / PLAN_FILE
    if directory.is_file() and directory.name.endswith(".json"):
        path = directory
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(
            path, "no plan here: run `paratest-split --shards N --out DIR` first"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(path, f"cannot read the plan: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise BadInputError(path, "not a paratest-split plan: expected a JSON object")
    version = _need(data, "version", int, path)
    if version != VERSION:
        raise BadInputError(path, f"plan version {version} is not supported (expected {VERSION})")
    shards = _need(data, "shards", int, path)
    try:
        group_by = GroupBy(_need(data, "group_by", str, path))
    except ValueError:
        raise BadInputError(path, f"unknown group_by {data['group_by']!r}") from None
    details = _need(data, "shards_detail", list, path)
    if len(details) != shards:
        raise BadInputError(path, f"says {shards} shards but lists {len(details)}")
    shard_list = []
    seen: set[str] = set()
    for position, raw in enumerate(details):
        if not isinstance(raw, dict):
            raise BadInputError(path, f"shards_detail[{position}] is not an object")
        index = _need(raw, "index", int, path)
        if index != position:
            raise BadInputError(path, f"shards_detail[{position}] has index {index}")
        tests = _need(raw, "tests", list, path)
        # ids keep their spaces (a Jest title may end in one); only empty ids are wrong
        if not all(isinstance(t, str) and t.strip() for t in tests):
            raise BadInputError(path, f"shard {index}: test ids must be non-empty strings")
        if any("\n" in t or "\r" in t for t in tests):
            raise BadInputError(path, f"shard {index}: a test id contains a line break")
        if any("\0" in t for t in tests):
            raise BadInputError(path, f"shard {index}: a test id contains a NUL byte")
        for test in tests:
            if test in seen:
                raise BadInputError(path, f"test {test!r} is planned twice")
            seen.add(test)
        shard_list.append(
            Shard(
                index=index,
                predicted_seconds=_finite(
                    raw.get("predicted_seconds", 0.0), "predicted_seconds", path
                ),
                tests=tuple(tests),
            )
        )
    items = _read_items(data.get("items", []), seen, path)
    class_files = _read_class_files(data.get(CLASS_FILES, {}), path)
    discover = str(data.get("discover", "pytest"))
    if items_of is not None:
        wanted = set(shard_list[items_of].tests) if 0 <= items_of < shards else set()
        items = tuple(item for item in items if item.id in wanted)
        seen = wanted
    items = _complete(items, seen, discover, class_files)
    unknown = data.get("unknown_tests", [])
    if not isinstance(unknown, list) or not all(isinstance(t, str) for t in unknown):
        raise BadInputError(path, "'unknown_tests' must be a list of test ids")
    discover_args = data.get("discover_args")
    if discover_args is not None and (
        not isinstance(discover_args, list) or not all(isinstance(a, str) for a in discover_args)
    ):
        raise BadInputError(path, "'discover_args' must be a list of strings")
    return Plan(
        shards=shards,
        group_by=group_by,
        algorithm=str(data.get("algorithm", "")),
        inputs_digest=str(data.get("inputs_digest", "")),
        predicted_makespan_seconds=_finite(
            data.get("predicted_makespan_seconds", 0.0), "predicted_makespan_seconds", path
        ),
        lower_bound_seconds=_finite(
            data.get("lower_bound_seconds", 0.0), "lower_bound_seconds", path
        ),
        shards_detail=tuple(shard_list),
        unknown_tests=tuple(unknown),
        discover=discover,
        discover_args=None if discover_args is None else tuple(discover_args),
        items=items,
    )


def _read_class_files(raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise BadInputError(path, f"'{CLASS_FILES}' must map classnames to files")
    return raw


def _complete(
    listed: tuple[TestItem, ...], planned: set[str], discover: str, class_files: dict[str, str]
) -> tuple[TestItem, ...]:
    """The listed items plus the rebuilt ones (`StoredItems`), sorted by id. Tests the plugin
    cannot rebuild (it is not installed here...) stay without an item, as in older plans."""
    if len(listed) >= len(planned):
        return tuple(sorted(listed, key=lambda i: i.id))
    have = {item.id for item in listed}
    missing = sorted(test for test in planned if test not in have)
    discoverer = _discoverer(discover)
    items = list(listed)
    for test in missing:
        item = _rebuild(discoverer, test, class_files)
        if item is not None:
            items.append(item)
    items.sort(key=lambda i: i.id)
    return tuple(items)


def _optional_str(raw: dict[str, Any], key: str, position: int, path: Path) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise BadInputError(path, f"items[{position}].{key} must be a string")
    return value


def _read_items(raw_items: Any, planned: set[str], path: Path) -> tuple[TestItem, ...]:
    if not isinstance(raw_items, list):
        raise BadInputError(path, "'items' must be a list")
    items = []
    for position, raw in enumerate(raw_items):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise BadInputError(path, f"items[{position}] needs a non-empty string 'id'")
        if raw["id"] not in planned:
            raise BadInputError(path, f"items[{position}]: {raw['id']!r} is in no shard")
        command = raw.get("command")
        if command is not None and (
            not isinstance(command, list) or not all(isinstance(a, str) for a in command)
        ):
            raise BadInputError(path, f"items[{position}].command must be a list of strings")
        items.append(
            TestItem(
                id=raw["id"],
                file=_optional_str(raw, "file", position, path),
                classname=_optional_str(raw, "classname", position, path),
                name=_optional_str(raw, "name", position, path),
                command=tuple(command) if command is not None else None,
            )
        )
    return tuple(items)


def item_map(plan: Plan) -> dict[str, TestItem]:
    """id -> TestItem for every planned test (a bare id when the plan has no item for it;
    `read_plan` already rebuilt the items plan.json does not list)."""
    items = {item.id: item for item in plan.items}
    for shard in plan.shards_detail:
        for test in shard.tests:
            items.setdefault(test, TestItem(id=test))
    return items
