"""Adapter: the plan on disk, `DIR/plan.json` + `DIR/shard-<i>.txt` (DESIGN "Outputs of split").

plan.json is written with sorted keys, 2-space indent, a trailing newline and `"version": 1`,
so the same plan is the same bytes on every machine. `shard-<i>.txt` holds the runnable ids of
shard i, one a line, in the order to run them. Extra keys beside DESIGN's: `discover` (the
plugin that owns the ids) and `items` (each test's JUnit key, so `run` and `merge` can match
results to planned tests without discovering again).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from paratest_split.errors import BadInputError
from paratest_split.model import GroupBy, Plan, Shard, TestItem

PLAN_FILE = "plan.json"
VERSION = 1


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


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "version": plan.version,
        "shards": plan.shards,
        "group_by": plan.group_by.value,
        "algorithm": plan.algorithm,
        "discover": plan.discover,
        "inputs_digest": plan.inputs_digest,
        "predicted_makespan_seconds": _seconds(plan.predicted_makespan_seconds),
        "lower_bound_seconds": _seconds(plan.lower_bound_seconds),
        "shards_detail": [
            {
                "index": shard.index,
                "predicted_seconds": _seconds(shard.predicted_seconds),
                "tests": list(shard.tests),
            }
            for shard in plan.shards_detail
        ],
        "unknown_tests": list(plan.unknown_tests),
        "items": [_item_json(item) for item in plan.items],
    }


def dumps(plan: Plan) -> str:
    return json.dumps(plan_to_json(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_plan(plan: Plan, directory: Path) -> list[Path]:
    """Write plan.json and one shard file per shard; remove shard files of an older, larger plan."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = f"cannot create the plan directory: {exc.strerror}"
        raise BadInputError(directory, problem) from None
    written = []
    target = directory / PLAN_FILE
    _write_atomic(target, dumps(plan))
    written.append(target)
    for shard in plan.shards_detail:
        path = shard_file(directory, shard.index)
        _write_atomic(path, "".join(f"{test}\n" for test in shard.tests))
        written.append(path)
    for stale in directory.glob("shard-*.txt"):
        suffix = stale.stem.removeprefix("shard-")
        if suffix.isdigit() and int(suffix) >= plan.shards:
            stale.unlink()
    return written


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target under a unique name, then rename: concurrent writers never
    leave a half-written plan."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        Path(tmp).replace(path)
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


def read_plan(directory: Path) -> Plan:
    """Read DIR/plan.json; a missing, corrupt or inconsistent plan is a BadInputError (exit 10)."""
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
        if not all(isinstance(t, str) and t and t.strip() == t for t in tests):
            raise BadInputError(path, f"shard {index}: test ids must be non-empty strings")
        if any("\n" in t or "\r" in t for t in tests):
            raise BadInputError(path, f"shard {index}: a test id contains a line break")
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
    unknown = data.get("unknown_tests", [])
    if not isinstance(unknown, list) or not all(isinstance(t, str) for t in unknown):
        raise BadInputError(path, "'unknown_tests' must be a list of test ids")
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
        discover=str(data.get("discover", "pytest")),
        items=tuple(items),
    )


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
    """id -> TestItem for every planned test (a bare id when the plan has no item for it)."""
    items = {item.id: item for item in plan.items}
    for shard in plan.shards_detail:
        for test in shard.tests:
            items.setdefault(test, TestItem(id=test))
    return items
