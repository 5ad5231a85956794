"""The voice device contract (kind ``voice``).

A voice device speaks one utterance at a time. ``say`` never blocks: it starts speaking and
interrupts whatever is playing. Results of finished utterances are kept as
:class:`UtteranceResult` values so diagnostics and tests can see what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from devices.base import DeviceStatus

KIND = "voice"


class VoiceError(StrEnum):
    """Why a voice device or an utterance failed."""

    ENGINE_MISSING = "engineMissing"  # espeak-ng (or the player) is not installed
    ENGINE_DIED = "engineDied"  # the speech child process died; it is being restarted
    SYNTH_FAILED = "synthFailed"  # espeak-ng returned an error or wrote no audio
    PLAYBACK_FAILED = "playbackFailed"  # aplay failed (no sound card, device busy)
    VOICE_MISSING = "voiceMissing"  # the configured espeak-ng voice does not exist


class UtteranceOutcome(StrEnum):
    """How one utterance ended."""

    DONE = "done"
    STOPPED = "stopped"  # interrupted by stop() or by a newer say()
    FAILED = "failed"


@dataclass(frozen=True)
class VoiceStatus(DeviceStatus):
    """Status of the voice device; ``None`` means unknown."""

    speaking: bool | None = None
    engine: str = ""
    restarts: int = 0


@dataclass(frozen=True)
class UtteranceResult:
    """One finished utterance. ``wav`` is the audio file when the device writes files;
    ``engine_text`` is what the engine was given (pinyin for Mandarin), kept only when the
    device was built with ``echo=True`` (diagnostics: it may hold a customer's name)."""

    utterance_id: int
    lang: str
    outcome: UtteranceOutcome
    duration: float | None = None
    wav: str | None = None
    error: VoiceError | None = None
    detail: str = ""
    engine_text: str | None = None


@runtime_checkable
class VoiceDevice(Protocol):
    """What every voice backend provides."""

    kind: str

    def open(self) -> None: ...

    def close(self) -> None: ...

    def probe(self) -> VoiceStatus: ...

    def say(self, text: str, lang: str) -> None: ...

    def stop(self) -> None: ...

    @property
    def speaking(self) -> bool: ...

    def set_volume(self, volume: int) -> None: ...

    def set_rate(self, rate: int) -> None:
        """Words per minute (80..450) for the next utterance."""
        ...

    def set_output(self, device: str | None) -> None:
        """The ALSA device the next utterances play on (the audio-guided mode's headset);
        ``None``: the backend's configured device again."""
        ...
