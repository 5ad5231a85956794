"""``kiosk diag voice``: exit codes and JSON of the technician's voice check."""

from __future__ import annotations

import json
import wave

from kiosk.cli import main


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["diag", "voice", *argv, "--rate", "400"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def test_say_writes_the_spoken_figures_as_words(capsys, tmp_path):
    code, obj = run(capsys, "say", "额度12,000.00元", "--json", "--wav-dir", str(tmp_path))
    assert code == 0
    assert obj["outcome"] == "done" and obj["spoken"] == "额度一万二千元"
    with wave.open(obj["wav"], "rb") as w:
        assert w.getnframes() / w.getframerate() == obj["duration"] > 0.5


def test_say_without_text_speaks_the_test_prompt_in_english(capsys, tmp_path):
    code, obj = run(capsys, "say", "--lang", "en", "--json", "--wav-dir", str(tmp_path))
    assert code == 0 and obj["lang"] == "en" and obj["text"].startswith("Hello")


def test_playback_failure_exits_2_with_the_completion_json(capsys):
    code, obj = run(capsys, "say", "你好", "--json", "--audio-device", "no_such_pcm")
    assert code == 2
    assert obj["completion"] == "hardwareError" and obj["error"] == "playbackFailed"
    assert "aplay" in obj["detail"]


def test_fake_backend_and_status(capsys):
    code, obj = run(capsys, "say", "你好", "--backend", "fake", "--json")
    assert code == 0 and obj["backend"] == "fake"
    code, obj = run(capsys, "status", "--json")
    assert code == 0 and obj["missing_voices"] == [] and obj["voice"] == "cmn-latn-pinyin"


def test_bad_values_are_usage_errors(capsys):
    assert main(["diag", "voice", "say", "x", "--volume", "300"]) == 64
    assert "voice.volume = 300" in capsys.readouterr().err
    assert main(["diag", "voice", "sing"]) == 64


def test_say_prints_the_pinyin_given_to_espeak_and_writes_the_file(capsys, tmp_path):
    target = tmp_path / "out" / "huankuan.wav"
    code, obj = run(capsys, "say", "请还款12,000.00元", "--json", "--to-file", str(target))
    assert code == 0 and obj["outcome"] == "done"
    assert obj["pinyin"] == "qing3 huan2 kuan3 yi2 wan4 er4 qian1 yuan2"
    assert obj["wav"] == str(target) and obj["seconds"] == obj["duration"]
    with wave.open(str(target), "rb") as w:
        assert w.getnframes() / w.getframerate() == obj["seconds"] > 0.5
    assert not list(tmp_path.glob("utterance-*.wav"))  # the audio went to the named file only


def test_to_file_and_wav_dir_exclude_each_other(capsys, tmp_path):
    assert main(["diag", "voice", "say", "x", "--to-file", str(tmp_path / "a.wav"),
                 "--wav-dir", str(tmp_path)]) == 64


def test_the_fake_backend_reports_the_pinyin_espeak_would_get(capsys):
    code, obj = run(capsys, "say", "银行", "--backend", "fake", "--json")
    assert code == 0 and obj["pinyin"] == "yin2 hang2"
