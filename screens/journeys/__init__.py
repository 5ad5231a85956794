"""The journey registry: one folder per journey under ``screens/journeys/<name>/``.

A journey's package ``__init__.py`` registers a :class:`JourneySpec` (cheap: no Qt, no views);
its chart (Qt-free), views and presenter live beside it and are imported only when the journey
is first started or its screens are first needed. :func:`journeys` finds every folder, so
adding a journey touches its folder (and its message catalog) and nothing else.
See ``docs/journeys.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kiosk.terminal import Need

#: Home-screen groups (at most three choices on the home screen), in the order shown.
GROUPS = ("borrow", "repay", "calculate")


@dataclass(frozen=True)
class JourneySpec:
    """What the runner and the home screen know of a journey before it is imported.

    ``presenter`` and ``views`` are ``"module:attribute"`` paths, imported on first use;
    ``samples`` (optional) returns ``[(screen name, view)]`` filled with the longest texts each
    screen can get, for the UX-rules test and the screenshots. ``identify``: the journey needs
    the farmer identified (ID card, bank card, PIN, host) and the runner runs that step first,
    once per farmer session. ``home``: shown on the home screen, in ``group`` (one of
    :data:`GROUPS`), by ``order``; ``title`` and ``hint`` are message ids.
    """

    name: str
    title: str
    presenter: str
    views: str
    needs: frozenset[Need] = frozenset()
    identify: bool = False
    group: str = "borrow"
    order: int = 50
    hint: str = ""
    home: bool = True
    samples: str = ""

    @property
    def all_needs(self) -> frozenset[Need]:
        """Its own needs plus those of the identification step."""
        if self.identify:
            return self.needs | {Need.ID_CARD, Need.BANK_CARD, Need.HOST}
        return self.needs

    def load_presenter(self) -> Callable[..., Any]:
        return _load(self.presenter)

    def load_views(self) -> Callable[[], Any]:
        return _load(self.views)


_REGISTRY: dict[str, JourneySpec] = {}
_discovered = False


def register(spec: JourneySpec) -> JourneySpec:
    """Called by a journey package's ``__init__.py``."""
    if spec.group not in GROUPS:
        raise ValueError(f"journey {spec.name}: unknown home group {spec.group!r}")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Take a journey out of the registry (tests that register their own)."""
    _REGISTRY.pop(name, None)


def journeys() -> dict[str, JourneySpec]:
    """Every registered journey (discovered from the folders on the first call)."""
    global _discovered
    if not _discovered:
        for info in pkgutil.iter_modules(__path__):
            if info.ispkg:
                importlib.import_module(f"{__name__}.{info.name}")
        _discovered = True
    return dict(_REGISTRY)


def journey(name: str) -> JourneySpec:
    return journeys()[name]


def home_journeys() -> list[JourneySpec]:
    """The journeys on the home screen, by group then order."""
    specs = [s for s in journeys().values() if s.home]
    return sorted(specs, key=lambda s: (GROUPS.index(s.group), s.order, s.name))


def by_group(specs: Iterable[JourneySpec]) -> dict[str, list[JourneySpec]]:
    out: dict[str, list[JourneySpec]] = {}
    for spec in specs:
        out.setdefault(spec.group, []).append(spec)
    return {g: out[g] for g in GROUPS if g in out}


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass
class ViewCache:
    """One views bundle per journey, built on first use and kept (no per-run widgets)."""

    built: dict[str, Any] = field(default_factory=dict)

    def get(self, spec: JourneySpec, factory_args: tuple[Any, ...] = ()) -> Any:
        views = self.built.get(spec.name)
        if views is None:
            views = spec.load_views()(*factory_args)
            self.built[spec.name] = views
        return views
