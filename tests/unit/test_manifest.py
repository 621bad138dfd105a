from __future__ import annotations

import json
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError
from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.manifest import (
    dumps,
    item_map,
    plan_to_json,
    read_plan,
    stored_items,
    write_plan,
)


def make_plan(shards: int = 2) -> Plan:
    tests = [("tests/test_a.py::test_one[$(touch x)]", 0), ("tests/test_b.py::test_two", 1)]
    return Plan(
        shards=shards,
        group_by=GroupBy.FILE,
        algorithm="best",
        inputs_digest="sha256:abc",
        predicted_makespan_seconds=10.12345,
        lower_bound_seconds=9.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=10.0 - i, tests=tuple(t for t, s in tests if s == i))
            for i in range(shards)
        ),
        unknown_tests=("tests/test_b.py::test_two",),
        discover="pytest",
        items=(
            TestItem(
                id=tests[0][0],
                file="tests/test_a.py",
                classname="tests.test_a",
                name="test_one[$(touch x)]",
            ),
            TestItem(
                id=tests[1][0], file="tests/test_b.py", classname="tests.test_b", name="test_two"
            ),
        ),
    )


def test_round_trip(tmp_path: Path) -> None:
    plan = make_plan()
    write_plan(plan, tmp_path)
    again = read_plan(tmp_path)
    assert again.shards_detail == plan.shards_detail
    assert again.items == plan.items
    assert again.predicted_makespan_seconds == 10.123  # rounded to ms on disk
    assert (tmp_path / "shard-0.txt").read_text() == "tests/test_a.py::test_one[$(touch x)]\n"
    assert (tmp_path / "shard-1.txt").read_text() == "tests/test_b.py::test_two\n"


def test_discover_args_round_trip_and_absent_in_old_plans(tmp_path: Path) -> None:
    from dataclasses import replace

    plan = replace(make_plan(), discover_args=("--pyargs", "pkg", "-k", "not slow"))
    write_plan(plan, tmp_path)
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["discover_args"] == ["--pyargs", "pkg", "-k", "not slow"]
    assert read_plan(tmp_path).discover_args == ("--pyargs", "pkg", "-k", "not slow")
    write_plan(replace(plan, discover_args=()), tmp_path)
    assert read_plan(tmp_path).discover_args == ()
    write_plan(make_plan(), tmp_path)  # not recorded: an older plan
    assert "discover_args" not in json.loads((tmp_path / "plan.json").read_text())
    assert read_plan(tmp_path).discover_args is None
    data["discover_args"] = "--pyargs pkg"
    (tmp_path / "plan.json").write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="discover_args"):
        read_plan(tmp_path)


def test_design_fields_present_and_sorted(tmp_path: Path) -> None:
    write_plan(make_plan(), tmp_path)
    text = (tmp_path / "plan.json").read_text()
    data = json.loads(text)
    for key in (
        "version",
        "shards",
        "group_by",
        "algorithm",
        "inputs_digest",
        "predicted_makespan_seconds",
        "lower_bound_seconds",
        "shards_detail",
        "unknown_tests",
    ):
        assert key in data
    assert list(data) == sorted(data)
    assert text == dumps(make_plan())


def test_stale_shard_files_of_a_bigger_plan_are_removed(tmp_path: Path) -> None:
    (tmp_path / "shard-7.txt").write_text("old\n")
    write_plan(make_plan(), tmp_path)
    assert sorted(p.name for p in tmp_path.glob("shard-*.txt")) == ["shard-0.txt", "shard-1.txt"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "not valid JSON"),
        ("[1]", "expected a JSON object"),
        ('{"version": 2}', "version 2 is not supported"),
        ('{"version": 1}', "'shards' is missing"),
        (
            '{"version": 1, "shards": 2, "group_by": "file", "shards_detail": []}',
            "says 2 shards but lists 0",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "nope", "shards_detail": []}',
            "unknown group_by",
        ),
        (
            (
                '{"version": 1, "shards": 2, "group_by": "file", "shards_detail": '
                '[{"index": 0, "tests": ["a"]}, {"index": 1, "tests": ["a"]}]}'
            ),
            "planned twice",
        ),
        (
            (
                '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
                '[{"index": 0, "tests": ["a"], "predicted_seconds": "x"}]}'
            ),
            "not a finite number",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": ["a"]}], "items": 5}',
            "'items' must be a list",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": ["a"]}], "items": [{"id": "a", "name": 5}]}',
            r"items\[0\]\.name must be a string",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": ["a"]}], "items": [{"id": "b"}]}',
            "is in no shard",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": [""]}]}',
            "non-empty strings",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": ["a\\nb"]}]}',
            "line break",
        ),
        (
            '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
            '[{"index": 0, "tests": ["a"]}], "unknown_tests": "a"}',
            "must be a list of test ids",
        ),
    ],
)
def test_corrupt_plans_are_bad_input_naming_the_file(
    tmp_path: Path, content: str, problem: str
) -> None:
    (tmp_path / "plan.json").write_text(content)
    with pytest.raises(BadInputError, match=problem) as info:
        read_plan(tmp_path)
    assert str(tmp_path / "plan.json") in str(info.value)


def test_missing_plan_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="run `paratest-split --shards N"):
        read_plan(tmp_path / "nowhere")


def test_item_map_fills_in_ids_without_items(tmp_path: Path) -> None:
    plan = make_plan()
    bare = Plan(**{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "items": ()})
    assert set(item_map(bare)) == {
        "tests/test_a.py::test_one[$(touch x)]",
        "tests/test_b.py::test_two",
    }


def test_unwritable_plan_directory_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(BadInputError, match="cannot create the plan directory"):
        write_plan(make_plan(), tmp_path / "file" / "plan")


def nasty_plan(discover: str = "junit", items: tuple[TestItem, ...] = ()) -> Plan:
    tests = ['a.B::t[ü "q" \\x00]', "a.B::t2", "c.D::u", "日本::語"]
    return Plan(
        shards=3,
        group_by=GroupBy.TEST,
        algorithm="best",
        inputs_digest="sha256:x",
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=0.5,
        shards_detail=(
            Shard(index=0, predicted_seconds=1.0, tests=tuple(tests[:3])),
            Shard(index=1, predicted_seconds=0.5, tests=(tests[3],)),
            Shard(index=2, predicted_seconds=0.0, tests=()),
        ),
        unknown_tests=(tests[3],),
        discover=discover,
        items=items,
    )


def junit_items(plan: Plan) -> tuple[TestItem, ...]:
    items = []
    for test in sorted(t for s in plan.shards_detail for t in s.tests):
        classname, _, name = test.partition("::")
        file = {"a.B": "a/b.py", "c.D": None, "日本": "jp/x.go"}[classname]
        if name == "t2":
            file = "elsewhere/b.py"  # not its class's first file: must be listed
        items.append(TestItem(id=test, file=file, classname=classname, name=name))
    return tuple(items)


def test_dumps_is_exactly_json_dumps_with_indent(tmp_path: Path) -> None:
    plan = nasty_plan()
    plan = Plan(
        **{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "items": junit_items(plan)}
    )
    expected = json.dumps(plan_to_json(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert dumps(plan) == expected
    write_plan(plan, tmp_path)
    assert (tmp_path / "plan.json").read_text(encoding="utf-8") == expected
    assert (tmp_path / "shard-2.txt").read_text() == ""


def test_items_the_plugin_rebuilds_are_not_listed_but_read_back(tmp_path: Path) -> None:
    plan = nasty_plan()
    plan = Plan(
        **{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "items": junit_items(plan)}
    )
    stored = stored_items(plan)
    # the first a.B test by id (t2 < t[) gives its class's file; the other one has another
    # file, so it is listed; the rest come back from the id + table
    assert [item.id for item in stored.items] == ['a.B::t[ü "q" \\x00]']
    assert dict(stored.class_files) == {"a.B": "elsewhere/b.py", "日本": "jp/x.go"}
    write_plan(plan, tmp_path)
    data = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in data["items"]] == ['a.B::t[ü "q" \\x00]']
    assert read_plan(tmp_path).items == plan.items
    assert item_map(read_plan(tmp_path))["c.D::u"] == TestItem(
        id="c.D::u", classname="c.D", name="u"
    )


def test_an_executor_reads_only_its_shards_items_but_every_shards_ids(tmp_path: Path) -> None:
    plan = nasty_plan()
    plan = Plan(
        **{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "items": junit_items(plan)}
    )
    write_plan(plan, tmp_path)
    every = {item.id: item for item in read_plan(tmp_path).items}
    for shard in plan.shards_detail:
        mine = read_plan(tmp_path, items_of=shard.index)
        # listed and rebuilt items alike, exactly as a whole read gives them
        assert {item.id: item for item in mine.items} == {t: every[t] for t in shard.tests}
        assert mine.shards_detail == plan.shards_detail
    assert read_plan(tmp_path, items_of=7).items == ()  # run then names the bad index
    text = (tmp_path / "plan.json").read_text(encoding="utf-8")
    (tmp_path / "plan.json").write_text(text.replace('"c.D::u"', '"a.B::t2"'), encoding="utf-8")
    with pytest.raises(BadInputError, match="planned twice"):
        read_plan(tmp_path, items_of=1)  # a broken shard 0 still makes the plan bad


def test_items_with_a_command_or_an_unknown_plugin_are_listed(tmp_path: Path) -> None:
    item = TestItem(
        id="tests/test_a.py::t",
        file="tests/test_a.py",
        classname="tests.test_a",
        name="t",
        command=("sh", "-c", "true"),
    )
    plain = TestItem(
        id="tests/test_b.py::u", file="tests/test_b.py", classname="tests.test_b", name="u"
    )
    plan = make_plan()
    with_command = Plan(
        **{
            **{f: getattr(plan, f) for f in plan.__dataclass_fields__},
            "shards_detail": (
                Shard(index=0, predicted_seconds=1.0, tests=(item.id,)),
                Shard(index=1, predicted_seconds=1.0, tests=(plain.id,)),
            ),
            "unknown_tests": (),
            "items": (item, plain),
        }
    )
    assert stored_items(with_command).items == (item,)
    write_plan(with_command, tmp_path)
    assert read_plan(tmp_path).items == (item, plain)
    foreign = Plan(
        **{
            **{f: getattr(with_command, f) for f in plan.__dataclass_fields__},
            "discover": "no-such-plugin",
        }
    )
    assert stored_items(foreign).items == (item, plain)  # nobody could rebuild them


def test_plan_with_bad_item_files_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(
        '{"version": 1, "shards": 1, "group_by": "file", "shards_detail": '
        '[{"index": 0, "tests": ["a::b"]}], "item_files": {"a": 5}}'
    )
    with pytest.raises(BadInputError, match="'item_files' must map classnames to files"):
        read_plan(tmp_path)


def test_plan_files_follow_the_umask(tmp_path: Path) -> None:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    write_plan(make_plan(), tmp_path)
    assert (tmp_path / "plan.json").stat().st_mode & 0o777 == 0o666 & ~mask
