"""``kiosk diag voice say [TEXT...] | status``: the technician's check of spoken guidance.

``say`` speaks TEXT (default: the catalog's voice test prompt) through the configured voice
backend, exactly as the kiosk would (figures rewritten into words, see kiosk.voice; Mandarin
given to espeak-ng as tone-numbered pinyin, see devices/voice/pinyin.py), waits until it has
been spoken and reports the outcome; ``--json`` prints ``text``, ``spoken`` (the words),
``pinyin`` (the syllables espeak-ng was given, space-separated) and ``seconds``. Extra options
after the action: ``--lang zh_CN|en``, ``--to-file F.wav`` (write the audio to F.wav instead of
playing it), ``--wav-dir DIR`` (numbered files in DIR), ``--audio-device NAME`` (aplay -D),
``--volume 0..100``, ``--rate WPM``, ``--raw`` (no rewriting of figures).
``status`` checks that espeak-ng and the configured voices exist.

Exit 0 when the utterance played, 2 when it failed (JSON ``completion``/``error``/``detail``),
64 on bad usage or an invalid configuration.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from devices.base import Completion, CompletionCode, DeviceInitError
from devices.voice.contract import UtteranceOutcome, VoiceError
from kiosk.cli import EXIT_OK, EXIT_USAGE, UsageArgumentParser
from kiosk.config import ConfigError, format_config_error
from kiosk.diag import emit
from kiosk.diag.common import error_completion, failure, load_diag_config
from kiosk.i18n import Translator
from kiosk.voice import create_voice_device, speakable

ACTIONS = ("say", "status")

_COMPLETION = {
    VoiceError.ENGINE_MISSING: CompletionCode.DEVICE_NOT_READY,
    VoiceError.VOICE_MISSING: CompletionCode.DEVICE_NOT_READY,
}


def _extra_parser() -> argparse.ArgumentParser:
    p = UsageArgumentParser(prog="kiosk diag voice say", add_help=False)
    p.add_argument("text", nargs="*")
    p.add_argument("--lang", default=None, choices=("zh_CN", "en"))
    p.add_argument("--wav-dir", default=None)
    p.add_argument("--to-file", default=None, type=Path, metavar="F.wav")
    p.add_argument("--audio-device", default=None)
    p.add_argument("--volume", type=int, default=None)
    p.add_argument("--rate", type=int, default=None, help="words per minute")
    p.add_argument("--raw", action="store_true")
    return p


def _fail(args: argparse.Namespace, code: CompletionCode, error: VoiceError | None,
          detail: str) -> int:
    return failure(args, "voice", Completion(0, code, error, detail=detail))


def _voices_available() -> set[str]:
    out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True,
                         timeout=10).stdout
    names: set[str] = set()
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5:
            names.add(cols[1].lower())  # language column, e.g. cmn-latn-pinyin
            names.add(cols[4].lower().split("/")[-1])  # file, e.g. sit/cmn-Latn-pinyin
    return names


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    opts = _extra_parser().parse_args(extra)
    if opts.to_file is None:
        return _run(action, args, opts, None)
    if opts.wav_dir:
        print("kiosk diag voice: --to-file and --wav-dir exclude each other", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="kiosk-voice-") as tmp:
        opts.wav_dir = tmp
        return _run(action, args, opts, opts.to_file)


def _run(action: str, args: argparse.Namespace, opts: argparse.Namespace,
         to_file: Path | None) -> int:
    overrides: dict[str, Any] = {}
    if args.backend:
        overrides["voice.backend"] = args.backend
    if opts.wav_dir:
        overrides["voice.wav_dir"] = opts.wav_dir
    if opts.audio_device:
        overrides["voice.audio_device"] = opts.audio_device
    if opts.volume is not None:
        overrides["voice.volume"] = opts.volume
    if opts.rate is not None:
        overrides["voice.rate"] = opts.rate
    try:
        config = load_diag_config(args, overrides)
    except ConfigError as exc:
        print(format_config_error(exc), file=sys.stderr)
        return EXIT_USAGE
    lang = opts.lang or config.language
    if action == "status":
        return _status(args, config)
    translator = Translator(lang)
    shown = " ".join(opts.text) if opts.text else translator("voice.test")
    spoken = shown if opts.raw else speakable(shown, lang)
    device = create_voice_device(config.voice, echo=True)
    try:
        device.open()
    except DeviceInitError as exc:
        return failure(args, "voice", error_completion(exc, "voice", "open"))
    try:
        device.say(spoken, lang)
        timeout = args.timeout or 60.0
        if hasattr(device, "wait_until_quiet"):
            if not device.wait_until_quiet(timeout):
                device.stop()
                return _fail(args, CompletionCode.TIMEOUT, None,
                             f"still speaking after {timeout:g}s")
            result = device.result(device.last_utterance_id)
        else:  # the recording fake: nothing plays
            device.finish()
            result = device.results[-1]
    finally:
        device.close()
    if result is None or result.outcome is not UtteranceOutcome.DONE:
        error = result.error if result is not None else None
        code = _COMPLETION.get(error, CompletionCode.HARDWARE_ERROR) if error else (
            CompletionCode.HARDWARE_ERROR)
        return _fail(args, code, error, result.detail if result is not None else "no result")
    pinyin = result.engine_text
    if pinyin is None:  # a backend without an engine (the recording fake): what espeak-ng gets
        from devices.voice.pinyin import engine_text

        pinyin = engine_text(spoken, config.voice.voice if lang.startswith("zh") else
                             config.voice.voice_en)
    wav = result.wav
    if to_file is not None:
        if wav is None:
            return _fail(args, CompletionCode.HARDWARE_ERROR, VoiceError.SYNTH_FAILED,
                         f"backend {config.voice.backend} writes no audio file")
        to_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(wav, to_file)
        wav = str(to_file)
    obj = {"backend": config.voice.backend, "lang": lang, "text": shown, "spoken": spoken,
           "pinyin": pinyin, "seconds": result.duration, "duration": result.duration,
           "wav": wav, "outcome": result.outcome.value}
    seconds = f"{result.duration:.2f}s" if result.duration else "-"
    where = f" -> {wav}" if wav else ""
    emit(args, obj, f"voice: spoken ({lang}, {seconds}){where}: {spoken}\n  engine: {pinyin}")
    return EXIT_OK


def _status(args: argparse.Namespace, config: Any) -> int:
    voice = config.voice
    if voice.backend != "espeak":
        emit(args, {"backend": voice.backend, "device": "online"},
             f"voice: backend {voice.backend} (no engine to check)")
        return EXIT_OK
    if shutil.which("espeak-ng") is None:
        return _fail(args, CompletionCode.DEVICE_NOT_READY, VoiceError.ENGINE_MISSING,
                     "espeak-ng is not installed")
    available = _voices_available()
    missing = [v for v in (voice.voice, voice.voice_en) if v.lower() not in available]
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
    player = shutil.which("aplay")
    obj = {"backend": "espeak", "engine": version, "voice": voice.voice,
           "voice_en": voice.voice_en, "missing_voices": missing, "aplay": player,
           "wav_dir": str(voice.wav_dir) if voice.wav_dir else None,
           "enabled": voice.enabled, "muted": voice.muted, "volume": voice.volume,
           "rate": voice.rate}
    if missing:
        return _fail(args, CompletionCode.DEVICE_NOT_READY, VoiceError.VOICE_MISSING,
                     f"espeak-ng voices not installed: {', '.join(missing)}")
    if player is None and voice.wav_dir is None:
        return _fail(args, CompletionCode.DEVICE_NOT_READY, VoiceError.ENGINE_MISSING,
                     "aplay (alsa-utils) is not installed")
    emit(args, obj, f"voice: {version}; voices {voice.voice}, {voice.voice_en} present")
    return EXIT_OK
