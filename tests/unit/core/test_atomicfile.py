"""devices/atomicfile.py: files the kiosk reads back are written whole or not at all, created
0600, and a damaged one is detected when read (issue 10 item 2)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from devices.atomicfile import CorruptFile, read_json, write_atomic, write_json_atomic


def test_written_whole_with_mode_0600_and_no_temporary_left(tmp_path: Path):
    target = tmp_path / "x.json"
    old = os.umask(0o022)  # even under a lax umask the file is created 0600
    try:
        write_json_atomic(target, {"a": "助农", "n": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert read_json(target) == {"a": "助农", "n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch):
    target = tmp_path / "x.json"
    write_json_atomic(target, {"v": 1})

    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b'{"v": 2}')
    monkeypatch.undo()
    assert read_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


@pytest.mark.parametrize("content", [b"", b"   \n", b'{"receipt": {"header": {"se',
                                     b"\xff\xfe garbage", b"[1, 2, 3]", b"null"])
def test_damaged_files_are_detected_not_trusted(tmp_path: Path, content: bytes):
    target = tmp_path / "x.json"
    target.write_bytes(content)
    with pytest.raises(CorruptFile) as err:
        read_json(target)
    assert err.value.path == target and err.value.reason


def test_a_missing_file_is_not_a_corrupt_one(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "absent.json")


def test_every_truncation_of_a_written_file_is_detected(tmp_path: Path):
    target = tmp_path / "x.json"
    write_json_atomic(target, {"receipt": {"serial": "T1", "lines": ["甲", "乙"]}, "n": 3})
    whole = target.read_bytes()
    assert json.loads(whole)
    for cut in range(len(whole.rstrip())):
        target.write_bytes(whole[:cut])
        with pytest.raises(CorruptFile):
            read_json(target)
