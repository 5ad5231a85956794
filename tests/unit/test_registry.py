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


def _install_plugin(tmp_path, monkeypatch):
    """A real installed distribution (dist-info with entry_points.txt) on sys.path."""
    dist = tmp_path / "acme_kiosk-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-kiosk\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[kiosk.devices]\nidcard.acme = acme_kiosk_reader:AcmeReader\n")
    (tmp_path / "acme_kiosk_reader.py").write_text("class AcmeReader:\n    kind = 'idcard'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._all_plugin_backends.cache_clear()


def test_entry_point_backends_are_found(tmp_path, monkeypatch):
    _install_plugin(tmp_path, monkeypatch)
    try:
        assert "acme" in registry.available_backends("idcard")
        assert registry.has_backend("idcard", "acme")
        assert registry.resolve_backend("idcard", "acme").__name__ == "AcmeReader"
    finally:
        registry._all_plugin_backends.cache_clear()


def test_a_builtin_backend_is_found_without_scanning_entry_points():
    registry._all_plugin_backends.cache_clear()
    assert registry.has_backend("idcard", "samv")
    assert registry.resolve_backend("printer", "fake").__name__ == "FakeReceiptPrinter"
    assert registry._all_plugin_backends.cache_info().currsize == 0  # no scan happened
    assert not registry.has_backend("idcard", "nope")  # unknown names do scan
    assert registry._all_plugin_backends.cache_info().currsize == 1
