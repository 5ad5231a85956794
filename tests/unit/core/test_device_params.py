"""The backend parameter models (kiosk/device_params.py) stay in step with the drivers."""

from __future__ import annotations

import inspect

import pytest

from devices.crypto import MacMethod, PinBlockFormat
from devices.pinpad.kmy_frames import Framing
from devices.printer.contract import PROFILES
from devices.registry import BUILTIN_BACKENDS, resolve_backend
from kiosk import device_params as dp

MODELS = [(kind, backend, model) for kind, models in dp.MODELS.items()
          for backend, model in models.items()]


def test_every_built_in_device_backend_has_a_model():
    for kind in dp.MODELS:
        assert set(dp.MODELS[kind]) == set(BUILTIN_BACKENDS[kind])


@pytest.mark.parametrize(("kind", "backend", "model"), MODELS,
                         ids=[f"{k}-{b}" for k, b, _ in MODELS])
def test_a_model_names_only_parameters_its_driver_takes(kind, backend, model):
    own = set(model.model_fields)
    if backend == "fake":  # the real backends' parameters are accepted, then dropped
        own = set(dp.FAKE_OWN[kind])
    accepted = set(inspect.signature(resolve_backend(kind, backend)).parameters)
    assert own <= accepted, f"{kind}/{backend}: not driver parameters: {own - accepted}"


def test_choice_lists_match_the_drivers_enums():
    assert set(dp.FRAMINGS) == {f.value for f in Framing}
    assert set(dp.PIN_BLOCK_FORMATS) == {f.value for f in PinBlockFormat}
    assert set(dp.MAC_METHODS) == {m.value for m in MacMethod}
    assert set(dp.PRINTER_PROFILES) == set(PROFILES)
    fields = dp.KmyParams.model_fields
    assert set(fields["framing"].annotation.__args__[0].__args__) == set(dp.FRAMINGS)


def test_a_fake_keeps_only_what_it_uses():
    params = dp.check_params("iccard", "fake", {"reader": "ACS", "selection": "priority"})
    assert params == {"selection": "priority"}
    assert dp.check_params("idcard", "samv", {"url": "/dev/ttyUSB0", "baud": "9600"}) == {
        "url": "/dev/ttyUSB0", "baud": 9600}
