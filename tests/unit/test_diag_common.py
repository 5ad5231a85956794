"""The helpers every ``kiosk diag`` device module shares (kiosk/diag/common.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from devices.base import Completion, CompletionCode, DeviceInitError, DeviceOperationError
from devices.idcard.contract import IdCardError, IdCardStatus
from kiosk.audit import audit_log, verify
from kiosk.cli import EXIT_DEVICE_ERROR, EXIT_OK, EXIT_USAGE
from kiosk.config import DEMO_CONFIG, load_config
from kiosk.diag import build_parser
from kiosk.diag.common import (
    CommandFailed,
    NoSimulators,
    audit_reveal,
    call,
    cancel_after,
    device_settings,
    error_completion,
    failure,
    load_diag_config,
    reveal,
    table,
    unexpected_arguments,
    with_device,
)


def diag_args(*argv: str) -> argparse.Namespace:
    """The common options exactly as ``kiosk diag`` parses them."""
    args, _ = build_parser().parse_known_args(["idcard", "read", *argv])
    return args


def no_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    return None


def url_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    return ((args.backend or "samv"), {"url": args.url}) if args.url else None


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The configured state directory (and so the audit log) inside this test's tmp_path."""
    state = tmp_path / "state"
    monkeypatch.setenv("KIOSK_STATE_DIR", str(state))
    return state


# --- configuration and device settings ---------------------------------------------------------


def test_device_settings_take_the_command_line_shortcut_first() -> None:
    args = diag_args("--url", "socket://127.0.0.1:7000", "--backend", "fake")
    assert device_settings(args, "idcard", url_options) == (
        "fake", {"url": "socket://127.0.0.1:7000"})
    assert device_settings(diag_args("--url", "/dev/ttyS3"), "idcard", url_options) == (
        "samv", {"url": "/dev/ttyS3"})


def test_backend_fake_alone_has_no_parameters() -> None:
    assert device_settings(diag_args("--backend", "fake"), "pinpad", no_options) == ("fake", {})


def test_otherwise_the_configured_device_of_that_kind(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace(
        'url = "/dev/ttyUSB1"', 'url = "/dev/ttyTEST9"').replace("sim = true", "sim = false"),
        encoding="utf-8")
    args = diag_args("--config", str(config))
    assert device_settings(args, "pinpad", no_options) == (
        "kmy", {"url": "/dev/ttyTEST9", "baud": 9600})
    demo = load_config(config).devices.printer
    args = diag_args("--config", str(config))
    assert device_settings(args, "printer", no_options) == ("escpos", demo.params)
    # another --backend replaces the configured one and keeps the configured parameters
    args = diag_args("--config", str(config), "--backend", "file")
    assert device_settings(args, "printer", no_options) == ("file", demo.params)


def test_a_simulated_configuration_without_kiosk_sim_up_says_what_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # nothing published there
    args = diag_args("--config", str(DEMO_CONFIG))  # sim = true
    with pytest.raises(NoSimulators, match="kiosk-sim up"):
        device_settings(args, "printer", no_options)
    # a named device or backend does not need the simulators
    assert device_settings(diag_args("--config", str(DEMO_CONFIG), "--backend", "fake"),
                           "printer", no_options) == ("fake", {})


def test_load_diag_config_applies_command_line_overrides(tmp_path: Path) -> None:
    config = load_diag_config(diag_args("--config", str(DEMO_CONFIG)), {"voice.volume": 40})
    assert config.voice.volume == 40
    assert load_diag_config(diag_args("--config", str(DEMO_CONFIG))).voice.volume == 100


# --- the audited reveal ------------------------------------------------------------------------


def test_reveal_writes_one_audit_record_without_data(state_dir: Path) -> None:
    args = diag_args("--reveal")
    assert reveal(args, "iccard", "fake") is True
    log = audit_log(state_dir)
    records = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert [(r["actor"], r["action"], r["detail"]) for r in records] == [
        ("technician", "diag.reveal", {"device": "iccard", "backend": "fake"})]
    assert verify(log.path) == (True, None)


def test_no_reveal_asked_writes_nothing(state_dir: Path) -> None:
    assert reveal(diag_args(), "idcard", "fake") is False
    assert not audit_log(state_dir).path.exists()


def test_reveal_stays_masked_when_the_audit_log_cannot_be_written(
        state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    state_dir.write_text("a file where the state directory should be")
    assert audit_reveal(diag_args("--reveal"), "idcard", "samv") is False
    assert reveal(diag_args("--reveal"), "idcard", "samv") is False
    err = capsys.readouterr().err
    assert "kiosk diag idcard: --reveal not audited (" in err and "output masked" in err


# --- failures ----------------------------------------------------------------------------------


def test_failure_prints_the_completion_json_and_exits_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    completion: Completion[Any] = Completion(0, CompletionCode.TIMEOUT, IdCardError.NO_CARD,
                                             detail="no card")
    assert failure(diag_args("--json"), "idcard", completion, {"backend": "fake"}) == (
        EXIT_DEVICE_ERROR)
    assert json.loads(capsys.readouterr().out) == {
        "completion": "timeout", "error": "no_card", "detail": "no card", "backend": "fake"}


def test_failure_text_default_and_own(capsys: pytest.CaptureFixture[str]) -> None:
    failure(diag_args(), "printer", Completion(0, CompletionCode.HARDWARE_ERROR, detail="jam"))
    failure(diag_args(), "printer", Completion(0, CompletionCode.TIMEOUT))
    failure(diag_args(), "host", Completion(0, CompletionCode.TIMEOUT), text="host: own words")
    assert capsys.readouterr().out.splitlines() == [
        "printer: hardwareError  jam", "printer: timeout", "host: own words"]


def test_error_completion_falls_back_to_the_error_value() -> None:
    completion = error_completion(DeviceOperationError(IdCardError.READ_FAILED), "idcard",
                                  "read_identity")
    assert (completion.code, completion.error, completion.detail, completion.device,
            completion.command) == (CompletionCode.HARDWARE_ERROR, IdCardError.READ_FAILED,
                                    "read_failed", "idcard", "read_identity")
    opened = error_completion(DeviceInitError("port gone"), "pinpad", "open")
    assert opened.to_json() == {"completion": "deviceNotReady", "error": None,
                                "detail": "port gone"}


# --- running on a device -----------------------------------------------------------------------


def test_with_device_runs_the_action_on_the_opened_device_and_closes_it() -> None:
    seen: list[Any] = []

    def action(device: Any) -> int:
        seen.append(device)
        assert isinstance(call(device, "probe"), IdCardStatus)
        return EXIT_OK

    assert with_device(diag_args(), "idcard", "fake", {}, action) == EXIT_OK
    with pytest.raises(CommandFailed) as closed:
        call(seen[0], "probe")  # closed after the action: the fake refuses commands
    assert closed.value.completion.code is CompletionCode.DEVICE_NOT_READY


def test_with_device_reports_a_device_that_cannot_be_opened(
        capsys: pytest.CaptureFixture[str]) -> None:
    def action(device: Any) -> int:
        raise AssertionError("never run")

    assert with_device(diag_args("--json"), "idcard", "no-such-backend", {}, action) == 2
    obj = json.loads(capsys.readouterr().out)
    assert obj["completion"] == "deviceNotReady" and "no-such-backend" in obj["detail"]


def test_a_failed_command_ends_the_action_with_its_completion(
        capsys: pytest.CaptureFixture[str]) -> None:
    def action(device: Any) -> int:
        call(device, "read_identity", wait=False)  # no card on the fake's pad
        raise AssertionError("not reached")

    assert with_device(diag_args("--json"), "idcard", "fake", {}, action) == EXIT_DEVICE_ERROR
    obj = json.loads(capsys.readouterr().out)
    assert obj["error"] == "no_card" and obj["completion"] != "success"


def test_cancel_after_cancels_with_timeout_and_stops_its_timer() -> None:
    with cancel_after(0.01) as token:
        assert token.wait(30)
    assert token.reason is CompletionCode.TIMEOUT
    with cancel_after(0.05) as early:
        pass
    assert not early.wait(0.2)  # the timer was stopped when the block ended


def test_a_read_cancelled_by_cancel_after_fails_with_timeout(
        capsys: pytest.CaptureFixture[str]) -> None:
    def action(device: Any) -> int:
        with cancel_after(0.05) as token:
            call(device, "read_identity", wait=True, cancel=token)  # no card ever comes
        raise AssertionError("not reached")

    assert with_device(diag_args("--json"), "idcard", "fake", {}, action) == EXIT_DEVICE_ERROR
    assert json.loads(capsys.readouterr().out) == {
        "completion": "timeout", "error": None, "detail": "timed out"}


# --- small pieces ------------------------------------------------------------------------------


def test_unexpected_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert unexpected_arguments("pinpad", "status", ["x", "y"]) == EXIT_USAGE
    assert capsys.readouterr().err == "kiosk diag pinpad status: unexpected arguments x y\n"
    assert unexpected_arguments("idcard", "read", ["z"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err == "kiosk diag idcard read: unexpected arguments z\n"
    assert captured.out == ""


def test_table_aligns_keys() -> None:
    assert table([("aid", "A0"), ("label", None)]) == "aid              A0\nlabel            None"
    assert table([("name", "-")], width=6) == "name   -"
