"""``EspeakVoice``: Mandarin (and English) speech through espeak-ng in a supervised child process.

The child is :mod:`devices.voice.speaker` (espeak-ng -> WAV -> aplay, or WAV files in
``wav_dir``). Every call here is quick and never blocks the caller: ``say`` and ``stop`` write
one JSON line to the child's stdin, whose pipe is non-blocking. A supervisor thread reads the
child's events and restarts the child with back-off when it dies; a request made while the
child is down is sent to the new child (only the newest one: a stale prompt is not worth
speaking).

pyttsx3 is not used: its ``say``/``runAndWait`` do not wait, cannot cut audio that is playing
and speak only the last of several queued texts (platform_setup.md §5).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from devices.base import DeviceInitError, DeviceState
from devices.voice.contract import (
    KIND,
    UtteranceOutcome,
    UtteranceResult,
    VoiceError,
    VoiceStatus,
)

log = logging.getLogger(__name__)

DEFAULT_VOICES = {"zh_CN": "cmn-latn-pinyin", "en": "en"}


class EspeakVoice:
    """The real voice backend (registry name ``espeak``).

    Parameters (all optional, from ``[voice]`` in the config): ``voice`` (zh_CN voice),
    ``voice_en``, ``rate`` (words per minute), ``volume`` (0..100), ``wav_dir`` (write WAV
    files instead of playing them), ``audio_device`` (``aplay -D``), ``espeak`` (the program),
    ``restart_backoff`` (seconds between restarts of a dying child), ``echo`` (diagnostics:
    each result carries the text the engine was given, the pinyin for Mandarin).
    """

    kind = KIND
    status_type = VoiceStatus

    def __init__(
        self,
        *,
        voice: str = DEFAULT_VOICES["zh_CN"],
        voice_en: str = DEFAULT_VOICES["en"],
        rate: int = 150,
        volume: int = 100,
        sentence_pause_ms: int = 0,
        wav_dir: str | Path | None = None,
        audio_device: str | None = None,
        espeak: str = "espeak-ng",
        restart_backoff: Sequence[float] = (0.1, 0.5, 1.0, 2.0, 5.0),
        echo: bool = False,
        **_ignored: Any,
    ) -> None:
        self.voices = {"zh_CN": voice, "en": voice_en}
        self.rate = int(rate)
        self.sentence_pause_ms = int(sentence_pause_ms)
        self.set_volume(int(volume))
        self.wav_dir = Path(wav_dir) if wav_dir is not None else None
        self.audio_device = audio_device
        #: set_output(): the device of the next utterances instead of ``audio_device``
        self.output: str | None = None
        self.espeak = espeak
        self.restart_backoff = tuple(restart_backoff)
        self.echo = bool(echo)
        self.results: collections.deque[UtteranceResult] = collections.deque(maxlen=64)
        self.restarts = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._supervisor: threading.Thread | None = None
        self._closing = threading.Event()
        self._next_id = 0
        self._current: int | None = None  # id of the utterance asked for and not yet ended
        self._langs: dict[int, str] = {}
        self._unsent: bytes | None = None
        self._last_error: VoiceError | None = None

    # --- life cycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Start the child process (returns at once; the child reports ready by itself)."""
        if shutil.which(self.espeak) is None:
            raise DeviceInitError(f"{self.espeak} is not installed", VoiceError.ENGINE_MISSING)
        if self.wav_dir is None and shutil.which("aplay") is None:
            raise DeviceInitError("aplay (alsa-utils) is not installed",
                                  VoiceError.ENGINE_MISSING)
        if self._supervisor is not None and self._supervisor.is_alive():
            return
        self._closing.clear()
        with self._lock:
            self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="voice-supervisor",
                                            daemon=True)
        self._supervisor.start()

    def close(self) -> None:
        """Stop speaking, end the child (quit, then SIGTERM, then SIGKILL) and the supervisor."""
        self._closing.set()
        with self._lock:
            proc = self._proc
            self._write_locked({"op": "quit"})
        if proc is not None:
            try:
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(1.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self._supervisor is not None:
            self._supervisor.join(2.0)
            self._supervisor = None
        with self._lock:
            self._proc = None
            self._stdin = None
            self._current = None
            self._changed.notify_all()

    def probe(self) -> VoiceStatus:
        """Online while the child runs; noDevice when espeak-ng is missing."""
        with self._lock:
            alive = self._proc is not None and self._proc.poll() is None
            speaking = self._current is not None
        if shutil.which(self.espeak) is None:
            state = DeviceState.NO_DEVICE
        elif alive:
            state = DeviceState.ONLINE
        elif self._closing.is_set() or self._supervisor is None:
            state = DeviceState.OFFLINE
        else:
            state = DeviceState.HARDWARE_ERROR  # between a crash and the restart
        return VoiceStatus(device=state, speaking=speaking, engine=self.espeak,
                           restarts=self.restarts)

    # --- speech -----------------------------------------------------------------------------

    def say(self, text: str, lang: str) -> None:
        """Start speaking ``text`` in ``lang`` (zh_CN or en), interrupting what is playing."""
        voice = self.voices.get(lang) or self.voices.get(lang.split("_")[0]) or self.voices[
            "zh_CN"]
        with self._lock:
            self._next_id += 1
            uid = self._next_id
            self._current = uid
            self._langs[uid] = lang
            request = {"op": "say", "id": uid, "text": text, "voice": voice,
                       "rate": self.rate, "amplitude": self.volume,
                       "pause_ms": self.sentence_pause_ms, "echo": self.echo}
            if self.output:
                request["device"] = self.output
            self._write_locked(request)

    def stop(self) -> None:
        """Stop the current utterance at once."""
        with self._lock:
            self._unsent = None
            self._write_locked({"op": "stop"})

    @property
    def speaking(self) -> bool:
        """True from ``say`` until the utterance ends (done, stopped or failed)."""
        with self._lock:
            return self._current is not None

    def set_volume(self, volume: int) -> None:
        """Volume 0..100 for the next utterance (espeak-ng amplitude)."""
        if not 0 <= volume <= 100:
            raise ValueError(f"volume {volume} outside 0..100")
        self.volume = volume

    def set_rate(self, rate: int) -> None:
        """Words per minute for the next utterance (slower in 关怀模式)."""
        if not 80 <= rate <= 450:
            raise ValueError(f"rate {rate} outside 80..450")
        self.rate = int(rate)

    def set_output(self, device: str | None) -> None:
        """The ALSA device (``aplay -D``) of the next utterances, e.g. the headset of the
        audio-guided mode; ``None``: ``audio_device`` again. Each request carries it, so the
        child is not restarted."""
        self.output = device or None

    @property
    def child_pid(self) -> int | None:
        """The speech child's pid (diagnostics and tests)."""
        with self._lock:
            return None if self._proc is None else self._proc.pid

    @property
    def last_utterance_id(self) -> int:
        """Id of the newest ``say``."""
        return self._next_id

    def result(self, utterance_id: int) -> UtteranceResult | None:
        """The result of one utterance once it ended, else None."""
        with self._lock:
            for r in self.results:
                if r.utterance_id == utterance_id:
                    return r
        return None

    def wait_until_quiet(self, timeout: float) -> bool:
        """Block until nothing is speaking (diagnostics and tests only, never the GUI thread)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._current is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    # --- the child --------------------------------------------------------------------------

    def _spawn(self) -> None:
        """Start a child (lock held)."""
        argv = [sys.executable, "-m", "devices.voice.speaker", "--espeak", self.espeak]
        if self.wav_dir is not None:
            argv += ["--wav-dir", str(self.wav_dir)]
        if self.audio_device:
            argv += ["--audio-device", self.audio_device]
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                    else "")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, close_fds=True)
        assert proc.stdin is not None
        os.set_blocking(proc.stdin.fileno(), False)
        self._proc = proc
        self._stdin = proc.stdin
        if self._unsent is not None:
            pending, self._unsent = self._unsent, None
            self._send_locked(pending)

    def _write_locked(self, obj: dict[str, Any]) -> None:
        data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        if obj.get("op") == "say":
            self._unsent = data  # cleared once the child has it
        self._send_locked(data)

    def _send_locked(self, data: bytes) -> None:
        stdin = self._stdin
        if stdin is None or self._proc is None or self._proc.poll() is not None:
            return  # the supervisor sends the newest say to the next child
        try:
            written = os.write(stdin.fileno(), data)
        except (BlockingIOError, BrokenPipeError, OSError) as exc:
            # A child that does not read its input is as good as dead: the supervisor restarts.
            log.warning("voice child not accepting requests (%s); restarting it", exc)
            self._proc.kill()
            return
        if written < len(data):
            log.warning("voice child pipe full; restarting it")
            self._proc.kill()
            return
        if data is self._unsent:
            self._unsent = None

    def _supervise(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            with self._lock:
                proc = self._proc
            if proc is None or proc.stdout is None:
                break
            started = time.monotonic()
            for raw in proc.stdout:
                self._on_line(raw)
            rc = proc.wait()
            if self._closing.is_set():
                break
            # The child died: fail the utterance it was speaking, restart with back-off.
            log.warning("voice child %d exited with %s; restarting", proc.pid, rc)
            with self._lock:
                if self._current is not None and self._unsent is None:
                    self._finish_locked(UtteranceResult(
                        self._current, self._langs.get(self._current, ""),
                        UtteranceOutcome.FAILED, error=VoiceError.ENGINE_DIED,
                        detail=f"speech process exited with {rc}"))
            if time.monotonic() - started > 30:
                attempt = 0
            delay = self.restart_backoff[min(attempt, len(self.restart_backoff) - 1)]
            attempt += 1
            if self._closing.wait(delay):
                break
            with self._lock:
                if self._closing.is_set():
                    break
                try:
                    self._spawn()
                except OSError as exc:
                    log.error("cannot restart the voice child: %s", exc)
                    self._proc = None
                    break
                self.restarts += 1

    def _on_line(self, raw: bytes) -> None:
        try:
            msg = json.loads(raw)
        except json.JSONDecodeError:
            return
        if not isinstance(msg, dict) or msg.get("event") != "end":
            return
        uid = int(msg.get("id") or 0)
        error = msg.get("error")
        try:
            voice_error = VoiceError(error) if error else None
        except ValueError:
            voice_error = VoiceError.SYNTH_FAILED
        result = UtteranceResult(
            uid,
            self._langs.get(uid, ""),
            UtteranceOutcome(msg.get("outcome", "failed")),
            duration=msg.get("duration"),
            wav=msg.get("wav"),
            error=voice_error,
            detail=str(msg.get("detail") or ""),
            engine_text=msg.get("engine_text") if self.echo else None,
        )
        if result.outcome is UtteranceOutcome.FAILED and voice_error is not self._last_error:
            log.warning("speech failed: %s %s", error, result.detail)
        self._last_error = voice_error
        with self._lock:
            self._finish_locked(result)

    def _finish_locked(self, result: UtteranceResult) -> None:
        self.results.append(result)
        self._langs.pop(result.utterance_id, None)
        if self._current == result.utterance_id:
            self._current = None
        self._changed.notify_all()
