"""python-escpos's printer-capabilities database, loaded without pickle.

The library's own ``escpos.capabilities`` parses its ``capabilities.json`` with pure-Python
YAML (about 0.2 s) and caches the result as a *pickle* in ``ESCPOS_CAPABILITIES_PICKLE_DIR``
(else in a fresh ``mkdtemp()`` that is never removed). A pickle read back from a writable
place runs whatever code was planted in it, and a half-written one (full disk) breaks every
later start. This module takes the library module's place before anything imports it
(:func:`install`, called by ``devices.printer``): the same names and behaviour, the data read
with :func:`json.load` (under a millisecond: JSON is what the file holds) from the library's
own read-only installation, nothing written anywhere.

``tests/unit/printer/test_escpos_capabilities.py`` checks that every public name of the
library module exists here and that the data equals what the library's YAML load gives.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

MODULE = "escpos.capabilities"


def capabilities_file() -> Path:
    """The ``capabilities.json`` shipped inside the installed python-escpos package."""
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("python-escpos is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"


def load_capabilities(path: Path | None = None) -> dict[str, Any]:
    """The capabilities database as plain data (JSON cannot carry code)."""
    with open(path or capabilities_file(), encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ImportError(f"{path or capabilities_file()}: not a capabilities database")
    return data


def _build_module() -> types.ModuleType:
    """A module with the public API of ``escpos.capabilities`` (python-escpos 3.x)."""
    mod = types.ModuleType(MODULE, "python-escpos capabilities, loaded from JSON (no pickle)")
    mod.__file__ = __file__
    mod.__package__ = "escpos"
    capabilities = load_capabilities()

    class NotSupported(Exception):
        """Raised if a requested feature is not supported by the printer profile."""

    class BaseProfile:
        """A printer profile: columns, supported features, code pages (library semantics)."""

        profile_data: ClassVar[dict[str, Any]] = {}

        def __getattr__(self, name: str) -> Any:
            return self.profile_data[name]

        def get_font(self, font: Any) -> Any:
            font = {"a": 0, "b": 1}.get(font, font)
            if str(font) not in self.fonts:
                raise NotSupported(f'"{font}" is not a valid font in the current profile')
            return font

        def get_columns(self, font: Any) -> int:
            font = self.get_font(font)
            columns = self.fonts[str(font)]["columns"]
            assert type(columns) is int
            return columns

        def supports(self, feature: str) -> Any:
            return self.features.get(feature)

        def get_code_pages(self) -> dict[str, int]:
            return {v: k for k, v in self.codePages.items()}

    class_cache: dict[str, type[BaseProfile]] = {}

    def clean(s: str) -> str:
        """A profile name as a Python identifier."""
        s = re.sub("[^0-9a-zA-Z_]", "", s)
        return str(re.sub("^[^a-zA-Z_]+", "", s))

    def get_profile_class(name: str) -> type[BaseProfile]:
        if name not in class_cache:
            profile_data = capabilities["profiles"][name]
            profile_name = clean(name)
            class_name = f"{profile_name[0].upper()}{profile_name[1:]}Profile"
            class_cache[name] = type(class_name, (BaseProfile,), {"profile_data": profile_data})
        return class_cache[name]

    profile_base: Any = get_profile_class("default")

    class Profile(profile_base):  # type: ignore[misc,valid-type]
        """A profile with the caller's columns and features (library semantics)."""

        def __init__(self, columns: int | None = None, features: Any = None) -> None:
            super().__init__()
            self.columns = columns
            self.features = features or {}

        def get_columns(self, font: Any) -> int:
            if self.columns is not None:
                return self.columns
            return int(super().get_columns(font))

    def get_profile(name: Any = None, **kwargs: Any) -> Any:
        if isinstance(name, Profile):
            return name
        return get_profile_class(name or "default")(**kwargs)

    for obj in (NotSupported, BaseProfile, Profile, clean, get_profile_class, get_profile):
        obj.__module__ = MODULE
    mod.__dict__.update(
        CAPABILITIES=capabilities, NotSupported=NotSupported, BARCODE_B="barcodeB",
        BaseProfile=BaseProfile, get_profile=get_profile, CLASS_CACHE=class_cache,
        get_profile_class=get_profile_class, clean=clean, ProfileBaseClass=profile_base,
        Profile=Profile, capabilities_path=str(capabilities_file()),
    )
    return mod


def install() -> None:
    """Put the pickle-free module in place of ``escpos.capabilities`` (idempotent).

    Must run before ``escpos.escpos``/``escpos.printer`` are imported; when the library module
    was imported already (by code that bypassed ``devices.printer``) it is left alone.
    """
    if MODULE in sys.modules:
        return
    import escpos  # the package itself does not import capabilities

    mod = _build_module()
    sys.modules[MODULE] = mod
    escpos.capabilities = mod  # type: ignore[attr-defined]
