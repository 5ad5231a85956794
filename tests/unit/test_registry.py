from __future__ import annotations

import pytest

from devices import registry


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(registry.UnknownBackendError) as err:
        registry.resolve_backend("idcard", "nope")
    assert "samv" in str(err.value) and "fake" in str(err.value)


def test_builtin_backends_listed_per_kind():
    assert {"fake", "samv"} <= set(registry.available_backends("idcard"))
    assert registry.available_backends("nothing") == []


def test_entry_point_backends_are_found(monkeypatch):
    class EP:
        name = "idcard.acme"
        value = "collections:OrderedDict"

    monkeypatch.setattr(registry, "entry_points", lambda group: [EP()])
    registry._all_plugin_backends.cache_clear()
    monkeypatch.setattr(registry, "_all_plugin_backends",
                        registry._all_plugin_backends.__wrapped__)
    assert "acme" in registry.available_backends("idcard")
    assert registry.resolve_backend("idcard", "acme").__name__ == "OrderedDict"
