"""额度签约 through the transactions service against the real host simulator (mutual TLS, the
PIN pad's MAC): journaled like money; the host checks the signature picture; an uncertain
outcome is settled by reading the line (signed, with a contract number), never by signing
again. One unsigned line (C0002) per host process: the refusals first, the signing last."""

from __future__ import annotations

from offline_queue.journal import TxState
from tests.contract.host.conftest import LI_PAN
from tests.pictures import signature_png as signature_png_picture

from .conftest import ledger

CONSENTS = {"contract_terms": True, "credit_reporting": True}


def sign(service, terminal, picture: str):
    return service.sign_line(line_id="L0002", customer_id="C0002", pan=LI_PAN,
                             pin_block=terminal.pin_block(LI_PAN), signature_png_base64=picture,
                             contract_version="SD-ED-2026.1", consents=CONSENTS)


def test_signing_refusals_then_answer_lost_settled_by_reading_the_line(
        service, host, terminal, signature_png):
    refused = sign(service, terminal, signature_png_picture(blank=True))
    assert refused.state is TxState.DECLINED and refused.reason == "HOST-FORMAT"
    assert refused.outcome.value == "failed" and refused.message_id == "money.outcome.failed"

    # the request never reaches the host's code: no record, and once nothing can be in
    # flight any more the row is final, not applied (the farmer may sign again)
    with host.fault(kind="reset", when="before", delay_ms=10, paths=["/v1/credit-lines/"],
                    count=1):
        lost = sign(service, terminal, signature_png)
    assert lost.state is TxState.DECLINED and lost.reason == "not_applied"
    assert terminal.client.credit_line("C0002").signed is False

    # the host signs and the answer is lost: the line, read back, says signed
    with host.fault(kind="reset", when="after", paths=["/v1/credit-lines/"], count=1):
        signed = sign(service, terminal, signature_png)
    line = terminal.client.credit_line("C0002")
    assert line.signed is True and line.contract_no
    assert signed.state is TxState.CONFIRMED and signed.host_ref == line.contract_no
    assert signed.outcome.value == "success" and signed.receipt_result.value == "success"
    rows = [r for r in service.journal.rows() if r.kind == "signing"]
    assert [r.state for r in rows] == [TxState.DECLINED, TxState.DECLINED, TxState.CONFIRMED]
    events = service.journal.get(signed.serial, with_events=True).events
    assert any("line read: signed" in e.note for e in events)
    assert service.money_available() == (True, None)
    assert not [k for k in ledger(host) if k.startswith(signed.key)]  # no key at the host
