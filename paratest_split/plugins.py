"""Entry-point loading only: discovery plugins (ours and third-party) and the plugin listing.

Groups:
- `paratest_split.discoverers`: name -> a Discoverer class (instantiated with no arguments) or
  instance; the built-ins register here through our own pyproject.
- `paratest` (the seed tool's): name -> a `find(...)` callable or an object with one, adapted
  by `discovery.seed.SeedDiscoverer`. The seed tool named a plugin after its distribution
  (`paratest-dummy` -> `dummy`), so that name is accepted too.
- `paratest_split.strategies`: name -> a `partition.Strategy` (class instantiated with no
  arguments, or instance); `strategies()` loads them beside the built-ins (the pure core never
  reads entry points), `list_plugins` lists them.
- `paratest_split.renderers`: name -> a `render.Renderer` (an instance, or a class instantiated
  with no arguments) for `pipeline NAME`. The built-ins register here too, pointing at their
  `RENDERER`s in `render.RENDERERS`; a third-party entry point may not take a built-in's name.

A plugin that fails to import or instantiate raises PluginError naming the plugin and its entry
point, in one line. An unknown name raises UsageError listing the available names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from paratest_split.core.errors import PluginError, UsageError
from paratest_split.discovery.base import Discoverer
from paratest_split.discovery.seed import GROUP as SEED_GROUP
from paratest_split.discovery.seed import SeedDiscoverer

if TYPE_CHECKING:
    from paratest_split.core.partition import Strategy
    from paratest_split.render.base import Renderer

DISCOVERERS = "paratest_split.discoverers"
STRATEGIES = "paratest_split.strategies"
RENDERERS = "paratest_split.renderers"
_SEED_PREFIXES = ("paratest-", "paratest_")


@dataclass(frozen=True, kw_only=True, slots=True)
class PluginInfo:
    name: str
    group: str
    distribution: str  # "" when the entry point has no distribution (should not happen)
    version: str
    file_level: bool | None  # None for strategies
    description: str
    value: str = ""  # the entry point, module:attr
    error: str = ""  # set when the plugin failed to load


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _dist(ep: EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return "", ""
    return str(dist.metadata["Name"] or dist.name), str(dist.version)


def _sorted(eps: Iterable[EntryPoint]) -> list[EntryPoint]:
    return sorted(eps, key=lambda ep: (ep.name, _dist(ep)[0], ep.value))


def _seed_names(ep: EntryPoint) -> tuple[str, ...]:
    """Names a seed plugin answers to, preferred first: its distribution's name without the
    `paratest-` prefix (the seed tool's rule; its entry points are all called `find`), and the
    entry point's own name unless that is `find`."""
    dist_name = _dist(ep)[0]
    names = [
        dist_name[len(prefix) :]
        for prefix in _SEED_PREFIXES
        if dist_name.lower().startswith(prefix) and len(dist_name) > len(prefix)
    ]
    if ep.name != "find" or not names:
        names.append(ep.name)
    return tuple(names)


def _failure(kind: str, ep: EntryPoint, exc: BaseException) -> PluginError:
    dist, version = _dist(ep)
    where = f"{ep.value} from {dist} {version}".strip() if dist else ep.value
    return PluginError(
        _one_line(f"{kind} '{ep.name}' ({where}) failed to load: {type(exc).__name__}: {exc}")
    )


def _load_object(kind: str, ep: EntryPoint) -> object:
    """What the entry point names: a class is instantiated with no arguments. Any failure
    of the plugin's code is a one-line PluginError naming it."""
    try:
        loaded = ep.load()
        return loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:  # noqa: BLE001 - any failure of third-party code is its error
        raise _failure(kind, ep, exc) from None


def _instantiate(ep: EntryPoint) -> Discoverer:
    obj = _load_object("discovery plugin", ep)
    if not isinstance(obj, Discoverer):
        raise PluginError(
            f"discovery plugin '{ep.name}' ({ep.value}) is not a Discoverer: it needs `name`, "
            "`file_level`, discover(), item_for_id() and invocations()"
        )
    return obj


def _load_seed(ep: EntryPoint, name: str) -> Discoverer:
    try:
        loaded = ep.load()
    except Exception as exc:  # noqa: BLE001 - any failure of third-party code is its error
        raise _failure("seed plugin", ep, exc) from None
    return SeedDiscoverer(name, loaded)


def available_names() -> list[str]:
    names = {ep.name for ep in entry_points(group=DISCOVERERS)}
    for ep in entry_points(group=SEED_GROUP):
        names.update(_seed_names(ep))
    return sorted(names)


def load_discoverer(name: str) -> Discoverer:
    """The discovery plugin called `name` (our group first, then the seed tool's)."""
    matches = _sorted(ep for ep in entry_points(group=DISCOVERERS) if ep.name == name)
    if len(matches) > 1:
        where = ", ".join(f"{ep.value} ({_dist(ep)[0]})" for ep in matches)
        raise PluginError(f"discovery plugin '{name}' is registered more than once: {where}")
    if matches:
        return _instantiate(matches[0])
    seeds = _sorted(ep for ep in entry_points(group=SEED_GROUP) if name in _seed_names(ep))
    if seeds:
        return _load_seed(seeds[0], name)
    raise UsageError(
        f"unknown discovery plugin '{name}' (available: {', '.join(available_names()) or 'none'})"
    )


def _describe(obj: object) -> str:
    text = getattr(obj, "description", None)
    if not isinstance(text, str) or not text:
        text = getattr(obj, "title", None)  # a renderer: the CI it writes for
    if not isinstance(text, str) or not text:
        text = (getattr(obj, "__doc__", None) or "").strip().split("\n\n")[0]
    return _one_line(text)


def _info(
    ep: EntryPoint,
    *,
    group: str,
    name: str,
    load: Callable[[], object],
    file_level: Callable[[object], bool | None],
    when_broken: bool | None,
) -> PluginInfo:
    """One row of `paratest-split plugins`: a plugin that fails to load is listed with its error."""
    dist, version = _dist(ep)
    try:
        obj = load()
    except PluginError as exc:
        return PluginInfo(
            name=name,
            group=group,
            distribution=dist,
            version=version,
            file_level=when_broken,
            description="",
            value=ep.value,
            error=str(exc),
        )
    return PluginInfo(
        name=name,
        group=group,
        distribution=dist,
        version=version,
        file_level=file_level(obj),
        description=_describe(obj),
        value=ep.value,
    )


def _discoverer_info(ep: EntryPoint) -> PluginInfo:
    return _info(
        ep,
        group=DISCOVERERS,
        name=ep.name,
        load=lambda: _instantiate(ep),
        file_level=lambda obj: bool(getattr(obj, "file_level", False)),
        when_broken=None,
    )


def _seed_info(ep: EntryPoint) -> PluginInfo:
    name = _seed_names(ep)[0]
    return _info(
        ep,
        group=SEED_GROUP,
        name=name,
        load=lambda: _load_seed(ep, name),
        file_level=lambda _obj: False,
        when_broken=False,
    )


def _plain_info(ep: EntryPoint, group: str, load: Callable[[EntryPoint], object]) -> PluginInfo:
    """The listing row of a strategy or renderer (no file-level column)."""
    return _info(
        ep, group=group, name=ep.name, load=lambda: load(ep), file_level=lambda _obj: None,
        when_broken=None,
    )  # fmt: skip


def _builtin_renderers() -> dict[str, Renderer]:
    from paratest_split import render  # jinja2 only when a renderer is asked for

    return dict(render.RENDERERS)


def _load_renderer(ep: EntryPoint) -> Renderer:
    """A third-party renderer, checked for what `pipeline` uses (PluginError otherwise)."""
    obj = _load_object("renderer plugin", ep)
    builtin = _builtin_renderers().get(ep.name)
    if builtin is not None:
        if obj is builtin:  # our own pyproject's registration of a built-in
            return builtin
        raise PluginError(
            f"renderer plugin '{ep.name}' ({ep.value}) clashes with the built-in renderer: "
            "choose another name"
        )
    from paratest_split.render.base import Renderer

    if not isinstance(obj, Renderer):
        raise PluginError(
            f"renderer plugin '{ep.name}' ({ep.value}) is not a Renderer: it needs name, "
            "title, filename, index_source, styles, max_shards, plan_hooks and "
            "render(spec, style)"
        )
    styles: object = obj.styles  # a plugin's: its annotation proves nothing
    if obj.name != ep.name or not (
        isinstance(styles, tuple) and styles and all(isinstance(x, str) for x in styles)
    ):
        raise PluginError(
            f"renderer plugin '{ep.name}' ({ep.value}) is not a Renderer: its name must be "
            f"'{ep.name}' and its styles a non-empty tuple of strings"
        )
    return obj


def strategies() -> dict[str, Strategy]:
    """Built-in strategies plus third-party ones from entry-point group `paratest_split.strategies`.

    An entry point is loaded and instantiated with no arguments. A plugin that fails to load or
    does not implement `Strategy` raises `PluginError` naming it; built-in names cannot be
    overridden. Sorted by name.
    """
    from paratest_split.core.partition import STRATEGIES as BUILTIN
    from paratest_split.core.partition import Strategy

    found: dict[str, Strategy] = dict(BUILTIN)
    for ep in _sorted(entry_points(group=STRATEGIES)):
        builtin = BUILTIN.get(ep.name)
        if builtin is not None:
            if _loads_as(ep, type(builtin)):
                continue  # our own registration of a built-in (whatever module path it names)
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) clashes with the built-in strategy"
            )
        if ep.name in found:
            raise PluginError(f"strategy plugin {ep.name!r} is registered twice ({ep.value})")
        try:
            loaded = ep.load()
            strategy = loaded() if isinstance(loaded, type) else loaded
        except Exception as exc:
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        if not isinstance(strategy, Strategy) or not isinstance(
            getattr(strategy, "name", None), str
        ):
            raise PluginError(
                f"strategy plugin {ep.name!r} ({ep.value}) is not a Strategy: it needs "
                "`name`, `description` and `split(groups, shards)`"
            )
        found[ep.name] = strategy
    return dict(sorted(found.items()))


def _loads_as(ep: EntryPoint, obj: object) -> bool:
    """Does the entry point load `obj` itself? (A plugin that fails to load is not ours.)"""
    try:
        return bool(ep.load() is obj)
    except Exception:  # noqa: BLE001 - any import failure: not our own registration
        return False


def load_strategy(name: str) -> Strategy:
    """The strategy for `--algorithm NAME`: a built-in, else a plugin's (ValueError listing
    every name when there is none)."""
    from paratest_split.core.partition import STRATEGIES as BUILTIN

    builtin = BUILTIN.get(name)
    if builtin is not None:
        return builtin
    found = strategies()
    strategy = found.get(name)
    if strategy is None:
        raise ValueError(
            f"unknown partitioning algorithm {name!r} (choose from {', '.join(found)})"
        )
    return strategy


def renderer_names() -> list[str]:
    """The `pipeline` targets: built-ins and third-party renderers, sorted."""
    return sorted({*_builtin_renderers(), *(ep.name for ep in entry_points(group=RENDERERS))})


def load_renderer(name: str) -> Renderer:
    """The renderer for `pipeline NAME`: a built-in, else the third-party one registered under
    `name` (render, and so jinja2, is imported only when this is called)."""
    builtin = _builtin_renderers().get(name)
    if builtin is not None:  # a clashing plugin cannot take it over (`plugins` reports it)
        return builtin
    matches = _sorted(ep for ep in entry_points(group=RENDERERS) if ep.name == name)
    if len(matches) > 1:
        where = ", ".join(f"{ep.value} ({_dist(ep)[0]})" for ep in matches)
        raise PluginError(f"renderer plugin '{name}' is registered more than once: {where}")
    if not matches:
        raise UsageError(
            f"pipeline: unknown target {name!r} (choose from {', '.join(renderer_names())})"
        )
    return _load_renderer(matches[0])


def list_plugins() -> list[PluginInfo]:
    """Every registered discoverer, seed plugin, strategy and renderer; sorted by group order,
    name.

    A plugin that fails to load is listed with `error` set instead of raising.
    """
    infos = [_discoverer_info(ep) for ep in _sorted(entry_points(group=DISCOVERERS))]
    infos += [_seed_info(ep) for ep in _sorted(entry_points(group=SEED_GROUP))]
    strategies = functools.partial(_load_object, "strategy plugin")
    infos += [
        _plain_info(ep, STRATEGIES, strategies) for ep in _sorted(entry_points(group=STRATEGIES))
    ]
    infos += [
        _plain_info(ep, RENDERERS, _load_renderer) for ep in _sorted(entry_points(group=RENDERERS))
    ]
    return infos


__all__ = [
    "DISCOVERERS",
    "RENDERERS",
    "STRATEGIES",
    "PluginInfo",
    "available_names",
    "list_plugins",
    "load_discoverer",
    "load_renderer",
    "load_strategy",
    "renderer_names",
    "strategies",
]
