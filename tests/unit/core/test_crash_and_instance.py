"""Crash log, faulthandler, and the single-instance lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from kiosk.crash import install_crash_handler
from kiosk.single_instance import SingleInstance

REPO_ROOT = Path(__file__).resolve().parents[3]
PAN = "6217991000001234561"


def run_child(code: str, state_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    prelude = (
        "import sys\nfrom pathlib import Path\n"
        "from kiosk.logs import setup_logging\nfrom kiosk.crash import install_crash_handler\n"
        "state = Path(sys.argv[1])\nsetup_logging(state)\n"
        "handler = install_crash_handler(state)\n"
    )
    return subprocess.run([sys.executable, "-c", prelude + code, str(state_dir)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_uncaught_exception_writes_a_masked_crash_log_and_a_critical_log_line(state_dir):
    result = run_child(f"raise RuntimeError('card {PAN} rejected')\n", state_dir)
    assert result.returncode == 1
    crashes = list((state_dir / "crash").glob("crash-*.log"))
    assert len(crashes) == 1
    text = crashes[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: card 621799*********4561 rejected" in text
    assert PAN not in text and "versions: zhunong-kiosk" in text and "thread: MainThread" in text
    lines = [json.loads(x) for x in
             (state_dir / "logs" / "kiosk.jsonl").read_text(encoding="utf-8").splitlines()]
    critical = [x for x in lines if x["level"] == "CRITICAL"]
    assert critical and crashes[0].name in critical[0]["msg"]
    assert "RuntimeError" in critical[0]["exc"] and PAN not in json.dumps(lines)


def test_segfault_is_recorded_by_faulthandler_and_reported_at_the_next_start(state_dir):
    result = run_child("import faulthandler\nfaulthandler._sigsegv()\n", state_dir)
    assert result.returncode == -signal.SIGSEGV
    fatal = (state_dir / "crash" / "fatal.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in fatal
    handler = install_crash_handler(state_dir)
    try:
        assert handler.previous_fatal is not None
        assert "Segmentation fault" in handler.previous_fatal.read_text(encoding="utf-8")
    finally:
        handler.uninstall()
    assert not (state_dir / "crash" / "fatal.log").exists()  # clean exit: no fatal log


def test_sigusr1_dumps_all_thread_stacks_without_stopping(state_dir):
    code = ("import os, signal\nos.kill(os.getpid(), signal.SIGUSR1)\n"
            "print('still running')\nhandler.uninstall()\n")
    # uninstall removes an empty fatal.log only, so the dump stays
    result = run_child(code, state_dir)
    assert result.returncode == 0 and "still running" in result.stdout
    dump = (state_dir / "crash" / "fatal.log").read_text(encoding="utf-8")
    assert "Current thread" in dump or "Thread 0x" in dump


def test_exception_in_a_thread_and_the_callback(state_dir):
    seen = []
    handler = install_crash_handler(state_dir, on_crash=lambda path, exc: seen.append((path, exc)))
    try:
        def boom():
            raise ValueError("in a worker")

        thread = threading.Thread(target=boom, name="device-idcard")
        thread.start()
        thread.join()
        assert len(seen) == 1
        path, exc = seen[0]
        assert isinstance(exc, ValueError) and path == handler.last_crash_file
        text = path.read_text(encoding="utf-8")
        assert "thread: device-idcard" in text and "ValueError: in a worker" in text
    finally:
        handler.uninstall()
    assert threading.excepthook is not handler._thread_excepthook


def test_only_the_newest_crash_logs_are_kept(state_dir):
    handler = install_crash_handler(state_dir, keep=3)
    try:
        for i in range(6):
            handler.record(RuntimeError(f"crash {i}"))
    finally:
        handler.uninstall()
    kept = sorted((state_dir / "crash").glob("crash-*.log"))
    assert len(kept) == 3
    assert "crash 5" in kept[-1].read_text(encoding="utf-8")


def test_single_instance_in_one_process(state_dir):
    first, second = SingleInstance("kiosk", state_dir), SingleInstance("kiosk", state_dir)
    assert first.acquire() is True
    assert first.acquire() is True  # idempotent for the holder
    assert second.acquire() is False
    assert first.owner_pid() == os.getpid()
    assert SingleInstance("other", state_dir).acquire() is True
    first.release()
    assert second.acquire() is True
    second.release()


def test_single_instance_across_processes_and_after_a_kill(state_dir):
    code = ("import sys\nfrom pathlib import Path\nfrom kiosk.single_instance import "
            "SingleInstance\nlock = SingleInstance('kiosk', Path(sys.argv[1]))\n"
            "print(lock.acquire(), flush=True)\nsys.stdin.read()\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(state_dir)], cwd=REPO_ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "True"
        mine = SingleInstance("kiosk", state_dir)
        assert mine.acquire() is False
        assert mine.owner_pid() == child.pid
        child.kill()
        child.wait(10)
        assert mine.acquire() is True  # the kernel dropped the dead process's lock
        mine.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
