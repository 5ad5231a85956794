"""``RecordingVoice``: the deterministic voice backend for tests and for runs without audio.

It records what would have been spoken; nothing is played. ``speaking`` stays True after a
``say`` until ``stop()``, a newer ``say`` (which interrupts: the old one is counted in
``interrupted``) or :meth:`finish`, so a test can drive the timing explicitly.
"""

from __future__ import annotations

import threading

from devices.base import DeviceState
from devices.voice.contract import KIND, UtteranceOutcome, UtteranceResult, VoiceStatus


class RecordingVoice:
    """Keeps ``spoken: list[tuple[lang, text]]`` in call order."""

    kind = KIND
    status_type = VoiceStatus

    def __init__(self, *, volume: int = 100, rate: int = 150, **_params: object) -> None:
        self.spoken: list[tuple[str, str]] = []
        self.rate = int(rate)
        self.rates: list[int] = []
        self.output: str | None = None
        #: the output device of each utterance (None: the configured one)
        self.outputs: list[str | None] = []
        self.results: list[UtteranceResult] = []
        self.volume = volume
        self.interrupted = 0
        self.opened = False
        self._speaking = False
        self._lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Nothing to open; marks the device online."""
        self.opened = True

    def close(self) -> None:
        """Stop speaking and mark the device closed."""
        self.stop()
        self.opened = False

    def probe(self) -> VoiceStatus:
        """Online once opened; reports whether an utterance is 'playing'."""
        state = DeviceState.ONLINE if self.opened else DeviceState.OFFLINE
        return VoiceStatus(device=state, speaking=self._speaking, engine="recording")

    # --- speech -----------------------------------------------------------------------------

    def say(self, text: str, lang: str) -> None:
        """Record ``(lang, text)``; an utterance still 'playing' counts as interrupted."""
        with self._lock:
            if self._speaking:
                self._end(UtteranceOutcome.STOPPED)
                self.interrupted += 1
            self.spoken.append((lang, text))
            self.rates.append(self.rate)
            self.outputs.append(self.output)
            self._speaking = True

    def stop(self) -> None:
        """End the current utterance (if any) as stopped."""
        with self._lock:
            if self._speaking:
                self._end(UtteranceOutcome.STOPPED)
                self.interrupted += 1

    def finish(self) -> None:
        """Test hook: the current utterance played to its end."""
        with self._lock:
            if self._speaking:
                self._end(UtteranceOutcome.DONE)

    @property
    def speaking(self) -> bool:
        """True from ``say`` until stop, interruption or :meth:`finish`."""
        return self._speaking

    def set_volume(self, volume: int) -> None:
        """Volume 0..100 (recorded only)."""
        if not 0 <= volume <= 100:
            raise ValueError(f"volume {volume} outside 0..100")
        self.volume = volume

    def set_rate(self, rate: int) -> None:
        """Words per minute (recorded only; ``rates`` keeps the rate of each utterance)."""
        if not 80 <= rate <= 450:
            raise ValueError(f"rate {rate} outside 80..450")
        self.rate = rate

    def set_output(self, device: str | None) -> None:
        """Recorded: ``outputs`` keeps the device of each utterance."""
        self.output = device or None

    @property
    def last(self) -> tuple[str, str] | None:
        """The most recent ``(lang, text)``, or None."""
        return self.spoken[-1] if self.spoken else None

    def _end(self, outcome: UtteranceOutcome) -> None:
        lang = self.spoken[-1][0] if self.spoken else ""
        self.results.append(UtteranceResult(len(self.spoken), lang, outcome))
        self._speaking = False
