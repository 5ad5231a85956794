"""Many customers in a row (make test-slow): the screens are reused, sessions end wiped, and
neither Python objects nor resident memory keep growing (the lambda/closure leaks that
long-running PySide6 apps are known for would show here)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from .conftest import Rig


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def journey(rig: Rig, person: dict) -> None:
    rig.reader.remove()
    rig.qtbot.waitUntil(lambda: rig.kiosk.home.can_start("identify"), timeout=5000)
    rig.runner.start_identify()
    rig.wait_screen("insert_id")
    rig.reader.insert(person)
    rig.qtbot.waitUntil(lambda: rig.screen() in ("welcome", "error"), timeout=5000)
    rig.runner.finish()
    rig.wait_home()


@pytest.mark.slow
def test_three_hundred_journeys_do_not_grow(rig: Rig) -> None:
    people = rig.scenario["people"]
    for i in range(50):  # warm-up: caches, fonts, the error tables
        journey(rig, people[i % len(people)])
    gc.collect()
    rig.voice.spoken.clear()  # the recording fake keeps every utterance by design
    rig.voice.results.clear()
    objects, rss = len(gc.get_objects()), rss_mb()
    widgets = len(rig.shell.findChildren(object))
    for i in range(300):
        journey(rig, people[i % len(people)])
    rig.voice.spoken.clear()
    rig.voice.results.clear()
    gc.collect()
    assert len(rig.outcomes) == 350
    assert rig.runner.session is None
    assert len(rig.shell.findChildren(object)) == widgets  # screens reused, none added
    assert len(gc.get_objects()) - objects < 300  # ~1 per journey would already show
    assert rss_mb() - rss < 15.0
