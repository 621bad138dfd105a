from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pytest

from paratest_split import plugins
from paratest_split.core.errors import PluginError, UsageError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import Discoverer, DiscoverOptions, RunRequest
from paratest_split.discovery.seed import SeedDiscoverer

BUILTINS = ("files", "go", "jest", "junit", "lines", "maven", "nunit", "pytest")


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_loads_through_its_entry_point(name: str) -> None:
    discoverer = plugins.load_discoverer(name)
    assert isinstance(discoverer, Discoverer)
    assert discoverer.name == name
    assert isinstance(discoverer.file_level, bool)
    assert discoverer.file_level == (name in ("files", "jest"))


def test_unknown_name_lists_available() -> None:
    with pytest.raises(UsageError) as info:
        plugins.load_discoverer("nosuch")
    assert str(info.value).startswith("unknown discovery plugin 'nosuch' (available: files, go, ")
    assert info.value.exit_code == 4


def test_list_plugins_is_sorted_and_versioned() -> None:
    infos = plugins.list_plugins()
    discoverers = [i.name for i in infos if i.group == plugins.DISCOVERERS]
    assert [n for n in discoverers if n in BUILTINS] == list(BUILTINS)
    strategies = [i for i in infos if i.group == plugins.STRATEGIES]
    assert {"best", "kk", "lpt"} <= {i.name for i in strategies}
    pytest_info = next(i for i in infos if i.name == "pytest")
    assert pytest_info.distribution == "paratest-split"
    assert pytest_info.version
    assert pytest_info.description.startswith("pytest node ids")
    assert plugins.list_plugins() == infos


# ------------------------------------------------------------- fake entry points (boundary)


class GoodDiscoverer:
    """A test discoverer."""

    name: ClassVar[str] = "good"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        del options
        return [TestItem(id="x", name="x")]

    def item_for_id(self, test_id: str) -> TestItem:
        return TestItem(id=test_id, name=test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        return [Invocation(argv=("run", *request.tests), tests=request.tests)]


class Exploding:
    def __init__(self) -> None:
        raise RuntimeError("cannot start\nat all")


class NotADiscoverer:
    name = "nope"


def seed_find(path: str, test_pattern: Any, file_pattern: Any, output_path: str) -> dict[str, str]:
    del path, test_pattern, file_pattern
    return {"t1": f"run {output_path}/t1.xml"}


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, eps: list[EntryPoint]) -> None:
    def entry_points(*, group: str) -> list[EntryPoint]:
        return [ep for ep in eps if ep.group == group]

    monkeypatch.setattr(plugins, "entry_points", entry_points)


def ep(name: str, value: str, group: str = plugins.DISCOVERERS) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=group)


def test_loading_classes_and_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        [
            ep("good", f"{__name__}:GoodDiscoverer"),
            ep("missing", "no_such_module_xyz:Thing"),
            ep("exploding", f"{__name__}:Exploding"),
            ep("wrong", f"{__name__}:NotADiscoverer"),
        ],
    )
    assert isinstance(plugins.load_discoverer("good"), GoodDiscoverer)
    with pytest.raises(PluginError) as info:
        plugins.load_discoverer("missing")
    assert str(info.value) == (
        "discovery plugin 'missing' (no_such_module_xyz:Thing) failed to load: "
        "ModuleNotFoundError: No module named 'no_such_module_xyz'"
    )
    with pytest.raises(PluginError) as info:
        plugins.load_discoverer("exploding")
    assert str(info.value).endswith("failed to load: RuntimeError: cannot start at all")
    with pytest.raises(PluginError, match="is not a Discoverer"):
        plugins.load_discoverer("wrong")
    listed = {i.name: i for i in plugins.list_plugins()}
    assert listed["good"].description == "A test discoverer."
    assert listed["missing"].error.startswith("discovery plugin 'missing'")
    assert [i.name for i in plugins.list_plugins()] == ["exploding", "good", "missing", "wrong"]


def test_duplicate_registration_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch, [ep("good", f"{__name__}:GoodDiscoverer"), ep("good", f"{__name__}:Exploding")]
    )
    with pytest.raises(PluginError, match="registered more than once"):
        plugins.load_discoverer("good")


def test_seed_group_is_the_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_entry_points(
        monkeypatch,
        [
            ep("legacy", f"{__name__}:seed_find", group="paratest"),
            ep("good", f"{__name__}:GoodDiscoverer"),
        ],
    )
    discoverer = plugins.load_discoverer("legacy")
    assert isinstance(discoverer, SeedDiscoverer)
    [item] = discoverer.discover(DiscoverOptions(root=tmp_path))
    assert item.command == ("run", "{output}/t1.xml")
    assert plugins.available_names() == ["good", "legacy"]
    fake_entry_points(monkeypatch, [ep("legacy", "nowhere_xyz:find", group="paratest")])
    with pytest.raises(PluginError, match=r"seed plugin 'legacy' \(nowhere_xyz:find\) failed"):
        plugins.load_discoverer("legacy")


# ------------------------------------------------------------- renderers


def test_every_builtin_renderer_is_registered_through_the_group() -> None:
    from importlib.metadata import entry_points

    from paratest_split.render import RENDERERS

    ours = {ep.name: ep for ep in entry_points(group=plugins.RENDERERS)}
    assert set(RENDERERS) <= set(ours)
    for name, renderer in RENDERERS.items():
        assert ours[name].load() is renderer
        assert plugins.load_renderer(name) is renderer


class FakeRenderer:
    name = "fake"
    title = "Fake CI"
    filename = "fake.yml"
    index_source = "none"
    styles = ("one",)
    max_shards = 3
    plan_hooks = False

    def render(self, spec: object, style: str) -> str:
        return f"{type(spec).__name__} {style}\n"


class Nameless(FakeRenderer):
    name = "other"


def test_renderer_plugins_load_clash_and_fail_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    group = plugins.RENDERERS
    fake_entry_points(
        monkeypatch,
        [
            ep("fake", f"{__name__}:FakeRenderer", group),
            ep("gitlab", f"{__name__}:FakeRenderer", group),  # takes a built-in's name
            ep("gone", "nowhere_xyz:Renderer", group),
            ep("bad", f"{__name__}:NotADiscoverer", group),
            ep("other-name", f"{__name__}:Nameless", group),
        ],
    )
    from paratest_split.config import Settings
    from paratest_split.render import RENDERERS, render_settings

    assert isinstance(plugins.load_renderer("fake"), FakeRenderer)
    assert (
        render_settings(plugins.load_renderer("fake"), Settings(shards=2)) == "PipelineSpec one\n"
    )
    assert plugins.load_renderer("gitlab") is RENDERERS["gitlab"]  # never taken over
    with pytest.raises(PluginError, match=r"^renderer plugin 'gone' \(nowhere_xyz:Renderer\) "):
        plugins.load_renderer("gone")
    with pytest.raises(PluginError, match="is not a Renderer: it needs name, title, filename"):
        plugins.load_renderer("bad")
    with pytest.raises(PluginError, match="its name must be 'other-name'"):
        plugins.load_renderer("other-name")
    with pytest.raises(
        UsageError, match=r"unknown target 'nope' \(choose from azure, bad, bamboo, "
    ):
        plugins.load_renderer("nope")
    errors = {i.name: i.error for i in plugins.list_plugins() if i.group == group}
    assert errors["fake"] == ""
    assert "clashes with the built-in renderer" in errors["gitlab"]
    assert "ModuleNotFoundError" in errors["gone"]
    assert "\n" not in "".join(errors.values())


def test_a_renderer_registered_twice_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    group = plugins.RENDERERS
    fake_entry_points(
        monkeypatch,
        [ep("fake", f"{__name__}:FakeRenderer", group), ep("fake", f"{__name__}:Nameless", group)],
    )
    with pytest.raises(PluginError, match="renderer plugin 'fake' is registered more than once"):
        plugins.load_renderer("fake")
