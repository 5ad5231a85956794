"""A full or read-only disk (issue 10, items 3 and 6), on real mounted tmpfs file systems.

``kiosk run`` and ``kiosk demo`` stop before any window with exit 73 and a plain message that
names the directory and the reason; the crash handler and the single-instance lock never fail
on ENOSPC. The kiosk's own files are private (umask 077, state dir 0700, files 0600).
Mounting needs root: without it these tests are skipped, saying so.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import DEMO_CONFIG
from kiosk.crash import CrashHandler
from kiosk.single_instance import SingleInstance

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mounting a tmpfs needs root")


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], check=True)


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], check=False)


def _fill(root: Path) -> None:
    """Write until the file system says ENOSPC."""
    with open(root / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture()
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs with a ``state`` folder made while there was room, then filled."""
    mnt = tmp_path / "full"
    _mount(mnt, "size=512k,mode=0755")
    try:
        (mnt / "state" / "crash").mkdir(parents=True)
        (mnt / "out").mkdir()
        _fill(mnt)
        yield mnt
    finally:
        _umount(mnt)


@pytest.fixture()
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "ro"
    _mount(mnt, "size=512k,mode=0755")
    try:
        (mnt / "state").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt
    finally:
        _umount(mnt)


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "KIOSK_STATE_DIR"}
    full_env.update({"QT_QPA_PLATFORM": "offscreen", **(env or {})})
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=120, env=full_env, check=False)


def fake_config(tmp_path: Path, state_dir: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'state_dir = "{state_dir}"\n[voice]\nbackend = "fake"\n' + "".join(
        f'[devices.{k}]\nbackend = "fake"\n' for k in ("idcard", "iccard", "printer", "pinpad")))
    return path


@needs_root
def test_run_on_a_full_disk_exits_73_naming_the_folder(full_disk, tmp_path):
    proc = kiosk("run", "--config", str(fake_config(tmp_path, full_disk / "state")))
    assert proc.returncode == 73, proc.stderr
    assert str(full_disk / "state") in proc.stderr
    assert "no space left on the disk (ENOSPC)" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not list((full_disk / "state").glob(".write-test-*"))  # nothing left behind


@needs_root
def test_run_on_a_read_only_disk_exits_73(read_only_disk, tmp_path):
    proc = kiosk("run", "--config", str(fake_config(tmp_path, read_only_disk / "state")))
    assert proc.returncode == 73, proc.stderr
    assert "read-only (EROFS)" in proc.stderr and str(read_only_disk / "state") in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_root
def test_demo_says_where_it_could_not_write(full_disk):
    proc = kiosk("demo", "--out", str(full_disk / "out"), "--devices", "fake", "--voice",
                 "fake", "--no-host")
    assert proc.returncode == 73, proc.stderr
    assert str(full_disk / "out") in proc.stderr and "ENOSPC" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_root
def test_demo_on_a_read_only_disk(read_only_disk):
    proc = kiosk("demo", "--out", str(read_only_disk / "out"), "--devices", "fake",
                 "--voice", "fake", "--no-host")
    assert proc.returncode == 73, proc.stderr
    assert str(read_only_disk / "out") in proc.stderr and "EROFS" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_root
def test_the_crash_handler_survives_enospc(full_disk, capsys):
    handler = CrashHandler(full_disk / "state")
    handler.install()
    try:
        try:
            raise RuntimeError("card 6217991000001234561 broke")
        except RuntimeError as exc:
            path = handler.record(exc)
    finally:
        handler.uninstall()
    err = capsys.readouterr().err
    assert "cannot write the crash log" in err and "No space left" in err
    assert "RuntimeError" in err and "621799*********4561" in err  # the report, masked
    assert "6217991000001234561" not in err
    assert not path.exists() and handler.last_crash_file is None
    assert not [p for p in (full_disk / "state" / "crash").iterdir() if p.name.startswith(".")]


@needs_root
def test_the_lock_holds_when_its_pid_cannot_be_written(full_disk):
    first, second = SingleInstance("kiosk", full_disk / "state"), SingleInstance(
        "kiosk", full_disk / "state")
    try:
        assert first.acquire() is True and first.held
        assert second.acquire() is False
    finally:
        first.release()


@needs_root
def test_the_lock_on_a_read_only_disk_is_a_clear_oserror(read_only_disk):
    with pytest.raises(OSError) as info:
        SingleInstance("kiosk", read_only_disk / "state").acquire()
    assert info.value.errno == errno.EROFS


def test_the_kiosks_files_are_private(tmp_path, monkeypatch):
    from kiosk.logs import teardown_logging
    from kiosk.preflight import start

    monkeypatch.delenv("KIOSK_STATE_DIR", raising=False)
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    (state / "old.json").write_text("{}")
    os.chmod(state / "old.json", 0o644)
    umask = os.umask(0o022)
    try:
        started = start(DEMO_CONFIG, {"state_dir": str(state)})
        assert not isinstance(started, int)
        try:
            assert os.umask(0o077) == 0o077  # the kiosk's umask
            assert stat.S_IMODE(state.stat().st_mode) == 0o700
            assert stat.S_IMODE((state / "old.json").stat().st_mode) == 0o600
            for path in (state / "kiosk.lock", state / "logs" / "kiosk.jsonl"):
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            assert stat.S_IMODE((state / "logs").stat().st_mode) == 0o700
        finally:
            started.guard.release()
            started.crash_handler.uninstall()
            teardown_logging()
    finally:
        os.umask(umask)
