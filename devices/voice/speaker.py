"""The speech child process: ``python -m devices.voice.speaker [options]``.

:class:`devices.voice.espeak.EspeakVoice` starts this program and supervises it. Speech never
runs in the kiosk's own process: espeak-ng and aplay are run here, one utterance at a time,
and a newer request interrupts the current one by terminating its subprocesses.

Protocol: JSON lines.

- stdin: ``{"op": "say", "id": N, "text": "...", "voice": "cmn-latn-pinyin", "rate": 150,
  "amplitude": 100, "pause_ms": 350, "echo": false}`` (``pause_ms``: silence after each
  sentence end, as SSML breaks given to ``espeak-ng -m``), ``{"op": "stop"}``,
  ``{"op": "quit"}``. End of input means the parent is gone: the child stops speaking and
  exits.
- stdout: ``{"event": "ready", "pid": P}`` once, then per utterance ``{"event": "started",
  "id": N}`` and ``{"event": "end", "id": N, "outcome": "done|stopped|failed", "duration": s,
  "wav": path|null, "error": code|null, "detail": "..."}``; with ``"echo": true`` (diagnostics
  only) the end event also holds ``"engine_text"``, what espeak-ng was given.

For a pinyin voice (``cmn-latn-pinyin``) the text is converted to tone-numbered pinyin first
(devices/voice/pinyin.py: phrase-aware, with the domain lexicon), because espeak-ng's own
reading of Chinese characters gets polyphones wrong (还款 hái kuǎn). pypinyin is loaded in the
background as soon as the child starts, so the first prompt does not wait for it.

Audio goes to ``aplay -q [-D DEVICE]`` or, with ``--wav-dir DIR``, to numbered WAV files in
DIR; "playback" then lasts the audio's duration (interruptible) so timing matches a real
terminal. The text itself is never written to stdout or stderr (it may hold personal data).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path
from typing import Any

from devices.voice.pinyin import engine_text, preload, with_pauses

_out_lock = threading.Lock()


def _emit(obj: dict[str, Any]) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def wav_duration(path: Path) -> float:
    """Seconds of audio in a WAV file (0.0 when it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as w:
            rate = w.getframerate()
            return w.getnframes() / rate if rate else 0.0
    except (OSError, EOFError, wave.Error):
        return 0.0


class Utterance(threading.Thread):
    """Synthesise and play one request; ``cancel()`` ends it at once."""

    def __init__(self, request: dict[str, Any], options: argparse.Namespace, seq: int) -> None:
        super().__init__(name=f"utterance-{request.get('id')}", daemon=True)
        self.request = request
        self.options = options
        self.seq = seq
        self._cancel = threading.Event()
        self.engine_text = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._proc_lock = threading.Lock()

    def cancel(self) -> None:
        self._cancel.set()
        with self._proc_lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def _run_proc(self, argv: list[str], stdin: bytes | None = None) -> tuple[int, str]:
        with self._proc_lock:
            if self._cancel.is_set():
                return -1, "cancelled"
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            proc = self._proc
        _, err = proc.communicate(stdin)
        with self._proc_lock:
            self._proc = None
        return proc.returncode, err.decode("utf-8", "replace").strip()[-300:]

    def _end(self, outcome: str, duration: float | None = None, wav: str | None = None,
             error: str | None = None, detail: str = "") -> None:
        if self._cancel.is_set() and outcome != "done":
            outcome, error = "stopped", None
        event = {"event": "end", "id": self.request.get("id"), "outcome": outcome,
                 "duration": duration, "wav": wav, "error": error, "detail": detail}
        if self.request.get("echo"):
            event["engine_text"] = self.engine_text
        _emit(event)

    def run(self) -> None:
        req, opts = self.request, self.options
        _emit({"event": "started", "id": req.get("id")})
        if opts.wav_dir:
            wav_path = Path(opts.wav_dir) / f"utterance-{int(req.get('id') or self.seq):06d}.wav"
            keep = True
        else:
            fd, name = tempfile.mkstemp(prefix="kiosk-voice-", suffix=".wav")
            os.close(fd)
            wav_path, keep = Path(name), False
        try:
            voice = str(req.get("voice") or "cmn-latn-pinyin")
            self.engine_text = engine_text(str(req.get("text", "")), voice)
            argv = [opts.espeak, "-v", voice,
                    "-s", str(int(req.get("rate") or 150)),
                    "-a", str(int(req.get("amplitude", 100))), "-w", str(wav_path)]
            given = self.engine_text
            ssml = with_pauses(given, int(req.get("pause_ms") or 0))
            if ssml is not None:  # a pause after each sentence: SSML breaks
                argv.insert(1, "-m")
                given = ssml
            try:
                rc, err = self._run_proc(argv, given.encode("utf-8"))
            except FileNotFoundError:
                self._end("failed", error="engineMissing", detail=f"{opts.espeak} not found")
                return
            if self._cancel.is_set():
                self._end("stopped")
                return
            if rc != 0:
                code = "voiceMissing" if "voice does not exist" in err else "synthFailed"
                self._end("failed", error=code, detail=f"espeak-ng exit {rc}: {err}")
                return
            duration = wav_duration(wav_path)
            if duration <= 0:
                self._end("failed", error="synthFailed", detail="espeak-ng wrote no audio")
                return
            self._play(wav_path, duration, keep)
        finally:
            if not keep:
                wav_path.unlink(missing_ok=True)

    def _play(self, wav_path: Path, duration: float, keep: bool) -> None:
        wav = str(wav_path) if keep else None
        if self.options.wav_dir:
            # Written, not played: "playback" lasts the audio's duration, interruptibly.
            if self._cancel.wait(duration):
                self._end("stopped", duration, wav)
            else:
                self._end("done", duration, wav)
            return
        argv = ["aplay", "-q"]
        device = self.request.get("device") or self.options.audio_device
        if device:
            argv += ["-D", str(device)]
        try:
            rc, err = self._run_proc([*argv, str(wav_path)])
        except FileNotFoundError:
            self._end("failed", duration, error="engineMissing", detail="aplay not found")
            return
        if self._cancel.is_set():
            self._end("stopped", duration)
        elif rc != 0:
            last = err.splitlines()[-1] if err else ""
            self._end("failed", duration, error="playbackFailed",
                      detail=f"aplay exit {rc}: {last}")
        else:
            self._end("done", duration)


class Speaker:
    """Reads requests, keeps at most one utterance running."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.current: Utterance | None = None
        self.seq = 0

    def stop_current(self) -> None:
        if self.current is not None:
            self.current.cancel()
            self.current.join(5.0)
            self.current = None

    def handle(self, request: dict[str, Any]) -> bool:
        op = request.get("op")
        if op == "say":
            self.stop_current()
            self.seq += 1
            self.current = Utterance(request, self.options, self.seq)
            self.current.start()
        elif op == "stop":
            self.stop_current()
        elif op == "quit":
            self.stop_current()
            return False
        return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devices.voice.speaker")
    p.add_argument("--espeak", default="espeak-ng")
    p.add_argument("--wav-dir", default=None)
    p.add_argument("--audio-device", default=None)
    options = p.parse_args(argv)
    if options.wav_dir:
        Path(options.wav_dir).mkdir(parents=True, exist_ok=True)
    speaker = Speaker(options)

    def on_term(signum: int, frame: object) -> None:
        speaker.stop_current()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    _emit({"event": "ready", "pid": os.getpid()})
    threading.Thread(target=preload, name="pinyin-preload", daemon=True).start()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(request, dict) or not speaker.handle(request):
            break
    speaker.stop_current()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
