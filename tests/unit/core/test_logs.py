"""Logging: JSON lines with ids, and masking of personal data whatever the log call does."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest

from kiosk.logs import (
    log_context,
    mask_sensitive,
    set_customer_name,
    set_session,
    setup_logging,
    teardown_logging,
)

ID18 = "61042519680315301X"
ID18_DIGITS = "610425196803153012"
ID15 = "610425680315301"
PAN = "6217991000001234561"
PAN_GROUPED = "6217 9910 0000 1234 561"
PHONE = "13812345678"


@pytest.fixture()
def logged(state_dir):
    """Set up logging into state_dir; yields a function returning the JSON lines written."""
    stream = io.StringIO()
    path = setup_logging(state_dir, "DEBUG", stream=stream)

    def lines() -> list[dict]:
        for handler in logging.getLogger().handlers:
            handler.flush()
        file_lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        stream_lines = [json.loads(x) for x in stream.getvalue().splitlines()]
        assert file_lines == stream_lines
        return file_lines

    yield lines
    teardown_logging()
    set_customer_name(None)
    set_session(None)


def raw(lines: list[dict]) -> str:
    return json.dumps(lines, ensure_ascii=False)


def test_lines_are_json_with_session_and_request_ids(logged, state_dir):
    log = logging.getLogger("kiosk.test")
    log.info("before any session")
    set_session("s-0001")
    log.info("in a session")
    with log_context(request_id=17):
        log.warning("in a request")
    with log_context(session_id="s-other", request_id="r-2"):
        log.info("explicit context")
    lines = logged()
    assert [(x["session_id"], x["request_id"]) for x in lines] == [
        (None, None), ("s-0001", None), ("s-0001", 17), ("s-other", "r-2")]
    assert lines[2]["level"] == "WARNING" and lines[2]["logger"] == "kiosk.test"
    assert lines[0]["ts"].endswith("Z")
    assert (state_dir / "logs" / "kiosk.jsonl").is_file()


def test_session_applies_to_worker_threads_too(logged):
    set_session("s-42")
    thread = threading.Thread(target=lambda: logging.getLogger("devices.worker").info("probe"))
    thread.start()
    thread.join()
    assert logged()[0]["session_id"] == "s-42"


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        (ID18, "610425********301X"),
        (ID18_DIGITS, "610425********3012"),
        (ID15, "610425*****5301"),
        (PAN, "621799*********4561"),
        ("6228480402564890", "622848******4890"),  # 16 digits
        ("6212345678901", "621234***8901"),  # 13 digits
        (PAN_GROUPED, "621799*********4561"),
        (PHONE, "138****5678"),
        ("+86 13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
    ],
)
def test_message_masks_every_kind_of_number(logged, secret, masked):
    logging.getLogger("kiosk.test").info(f"value={secret}; done")
    line = logged()[0]
    assert line["msg"] == f"value={masked}; done"


def test_short_numbers_amounts_and_terminal_ids_stay_readable():
    text = "terminal ZN610425001 amount 12000.00 serial 000123 code 9000 year 2026"
    assert mask_sensitive(text) == text


def test_args_are_masked(logged):
    logging.getLogger("kiosk.test").info("card %s phone %s id %s", PAN, int(PHONE), ID18)
    out = raw(logged())
    assert PAN not in out and PHONE not in out and ID18 not in out
    assert "621799*********4561" in out and "138****5678" in out


def test_extra_fields_are_masked_including_nested_ones(logged):
    logging.getLogger("kiosk.test").info(
        "identify", extra={"identity": {"id_number": ID18, "phones": [PHONE]}, "pan": PAN,
                           "pan_int": int(PAN)})
    line = logged()[0]
    assert line["identity"] == {"id_number": "610425********301X", "phones": ["138****5678"]}
    assert line["pan"] == "621799*********4561"
    assert line["pan_int"] == "621799*********4561"


def test_exception_text_is_masked(logged):
    set_customer_name("张卫国")
    try:
        raise ValueError(f"bad card {PAN} for 张卫国 ({ID18})")
    except ValueError:
        logging.getLogger("kiosk.test").exception("lookup failed for %s", PHONE)
    line = logged()[0]
    out = raw([line])
    assert "Traceback" in line["exc"] and "ValueError" in line["exc"]
    for secret in (PAN, ID18, PHONE, "张卫国"):
        assert secret not in out
    assert "张*国" in line["exc"] and "621799*********4561" in line["exc"]


def test_stack_info_is_masked(logged):
    set_customer_name("李四")
    logging.getLogger("kiosk.test").info("where 李四 came from", stack_info=True)
    line = logged()[0]
    assert line["msg"] == "where 李* came from"
    assert "李四" not in line["stack"]


def test_current_customer_name_is_masked_until_cleared(logged):
    log = logging.getLogger("kiosk.test")
    set_customer_name("欧阳建华")
    log.info("welcome 欧阳建华")
    log.info("name field", extra={"customer": "欧阳建华"})
    set_customer_name("玛丽亚", "Maria Garcia")
    log.info("foreign card of MARIA GARCIA (玛丽亚)")
    set_customer_name(None)
    log.info("after the session: 欧阳建华")
    lines = logged()
    assert lines[0]["msg"] == "welcome 欧**华"
    assert lines[1]["customer"] == "欧**华"
    assert lines[2]["msg"] == "foreign card of M**********a (玛*亚)"
    assert lines[3]["msg"] == "after the session: 欧阳建华"


def test_a_broken_format_string_still_logs_a_masked_line(logged):
    logging.getLogger("kiosk.test").info("card %d", PAN)
    line = logged()[0]
    assert PAN not in line["msg"] and "621799*********4561" in line["msg"]


def test_setup_twice_does_not_duplicate_lines(state_dir):
    try:
        setup_logging(state_dir)
        path = setup_logging(state_dir)
        logging.getLogger("kiosk.test").warning("once")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert len(path.read_text(encoding="utf-8").splitlines()) == 1
    finally:
        teardown_logging()


def test_log_file_rotates(state_dir):
    try:
        path = setup_logging(state_dir, max_bytes=2000, backup_count=2)
        for i in range(100):
            logging.getLogger("kiosk.test").info("line %d %s", i, "x" * 50)
        assert (path.parent / "kiosk.jsonl.1").is_file()
        assert not (path.parent / "kiosk.jsonl.3").exists()
    finally:
        teardown_logging()
