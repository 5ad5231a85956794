"""DLE EOT / GS r replies -> PrinterStatus: paper out, offline and no answer never confused."""

from __future__ import annotations

import pytest

from devices.base import DeviceState
from devices.printer.contract import (
    CoverState,
    FaultState,
    PaperState,
    PrinterError,
    PrinterStatus,
)
from devices.printer.status import parse_paper, parse_status, valid_dle_eot


def test_all_clear_reply_is_online_with_paper():
    s = parse_status(bytes([0x12, 0x12, 0x12, 0x12]))
    assert (s.device, s.paper, s.cover, s.fault) == (
        DeviceState.ONLINE, PaperState.OK, CoverState.CLOSED, FaultState.NONE)
    assert s.ready and s.problem is None


@pytest.mark.parametrize(
    ("reply", "paper", "device", "problem"),
    [
        # the reference's observed matrix (escpos_printing.md §6), with DLE EOT 2/3 clear
        (bytes([0x16, 0x12, 0x12, 0x12]), PaperState.OK, DeviceState.ONLINE, None),
        (bytes([0x1E, 0x12, 0x12, 0x1E]), PaperState.NEAR_END, DeviceState.OFFLINE,
         PrinterError.OFFLINE),
        (bytes([0x1E, 0x32, 0x12, 0x72]), PaperState.OUT, DeviceState.OFFLINE,
         PrinterError.PAPER_OUT),
        (bytes([0x1E, 0x12, 0x12, 0x7E]), PaperState.OUT, DeviceState.OFFLINE,
         PrinterError.PAPER_OUT),
    ],
)
def test_reference_status_matrix(reply, paper, device, problem):
    s = parse_status(reply)
    assert (s.paper, s.device, s.problem) == (paper, device, problem)


def test_near_end_still_prints_with_a_warning():
    s = parse_status(bytes([0x12, 0x12, 0x12, 0x1E]))
    assert s.ready and s.warning and s.paper is PaperState.NEAR_END


def test_no_reply_is_unknown_not_offline_and_not_paper_out():
    s = parse_status(b"")
    assert s.device is DeviceState.UNKNOWN
    assert s.paper is PaperState.UNKNOWN and s.cover is CoverState.UNKNOWN
    assert s.problem is PrinterError.NO_ANSWER
    assert not s.ready


@pytest.mark.parametrize("reply", [
    bytes([0x12]),  # one byte: the reply the issue found reported as ready
    bytes([0x12, 0x12]),
    bytes([0x12, 0x12, 0x12]),
    bytes([0x12] * 5),  # one too many: not a reply to this query
    bytes([0x12, 0x12, 0xFF, 0x12]),  # one malformed byte in an otherwise fine reply
])
@pytest.mark.parametrize("mode", ["dle_eot", "gs_r"])
def test_a_reply_of_the_wrong_length_or_shape_is_unknown_never_ready(reply, mode):
    s = parse_status(reply, mode)
    assert (s.device, s.paper, s.cover, s.fault) == (
        DeviceState.UNKNOWN, PaperState.UNKNOWN, CoverState.UNKNOWN, FaultState.UNKNOWN)
    assert not s.ready and s.problem is PrinterError.NO_ANSWER


def test_a_paper_reply_of_the_wrong_length_says_nothing():
    for reply in (bytes([0x32]), bytes([0x12, 0x12, 0x12]), bytes([0x32, 0xFF])):
        assert parse_paper(reply) == (PaperState.UNKNOWN, CoverState.UNKNOWN)


def test_malformed_bytes_are_unknown():
    assert not valid_dle_eot(0xFF) and not valid_dle_eot(0x00) and valid_dle_eot(0x12)
    s = parse_status(bytes([0xFF, 0x00, 0x12, 0x12]))
    assert s.device is DeviceState.UNKNOWN and s.cover is CoverState.UNKNOWN
    assert s.problem is PrinterError.NO_ANSWER


def test_cover_open_is_reported_before_paper_out():
    s = parse_status(bytes([0x1E, 0x16 | 0x20, 0x12, 0x72]))
    assert s.cover is CoverState.OPEN and s.paper is PaperState.OUT
    assert s.problem is PrinterError.COVER_OPEN


def test_cutter_error_and_unrecoverable_error():
    assert parse_status(bytes([0x1E, 0x52, 0x1A, 0x12])).problem is PrinterError.CUTTER_ERROR
    assert parse_status(bytes([0x1E, 0x52, 0x32, 0x12])).problem is PrinterError.HARDWARE_ERROR
    auto = parse_status(bytes([0x12, 0x12, 0x52, 0x12]))
    assert auto.fault is FaultState.AUTO_RECOVERABLE and auto.ready


def test_gs_r_paper_sensor():
    assert parse_status(bytes([0x12, 0x12, 0x12, 0x00]), "gs_r").paper is PaperState.OK
    assert parse_status(bytes([0x12, 0x12, 0x12, 0x03]), "gs_r").paper is PaperState.NEAR_END
    assert parse_status(bytes([0x1E, 0x12, 0x12, 0x0C]), "gs_r").paper is PaperState.OUT
    assert parse_status(bytes([0x12, 0x12, 0x12, 0x90]), "gs_r").paper is PaperState.UNKNOWN


def test_mid_job_paper_check():
    assert parse_paper(bytes([0x32, 0x72])) == (PaperState.OUT, CoverState.CLOSED)
    assert parse_paper(bytes([0x12, 0x12])) == (PaperState.OK, CoverState.CLOSED)
    assert parse_paper(b"") == (PaperState.UNKNOWN, CoverState.UNKNOWN)


def test_write_only_backend_is_ready_with_unknown_paper():
    s = PrinterStatus(device=DeviceState.ONLINE, status_supported=False)
    assert s.ready and s.paper is PaperState.UNKNOWN
    assert PrinterStatus(device=DeviceState.NO_DEVICE).problem is PrinterError.NOT_CONNECTED


def test_status_json_fields():
    j = parse_status(b"").to_json()
    assert j == {"device": "unknown", "paper": "unknown", "cover": "unknown",
                 "fault": "unknown", "status_supported": True, "ready": False,
                 "problem": "no_answer"}
