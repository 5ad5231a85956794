"""The host client's overhead against bare ``requests`` calls to the same simulator endpoint.

Both sides use one keep-alive HTTPS connection with the terminal's client certificate; the bare
side does ``session.get/post`` + ``response.json()``, the client adds its headers, error
mapping and the pydantic validation of the answer (and, for the money request, the MAC from
the fake PIN pad through its worker against the bare side calling the pad directly). Each
group's ``Median`` column shows the ratio (goal: client <= 1.2x bare).

Run: ``.venv/bin/python -m pytest bench/bench_host_client.py -q -p no:cacheprovider
--benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,mean,ops,rounds``
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from kiosk.host import mac_input, new_idempotency_key
from tests.contract.host_client.conftest import (
    TERMINAL,
    ZHANG_PAN,
    SimHost,
    Terminal,
)

ROUNDS = 150


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHost]:
    with SimHost(tmp_path_factory.mktemp("bench-host")) as sim:
        yield sim


@pytest.fixture(scope="module")
def terminal(host: SimHost) -> Iterator[Terminal]:
    t = Terminal(host)
    t.sign_in()
    try:
        yield t
    finally:
        t.close()


@pytest.fixture(scope="module")
def bare(host: SimHost) -> Iterator[requests.Session]:
    t = host.ready["terminals"][TERMINAL]
    s = requests.Session()
    s.trust_env = False
    s.verify = host.ready["ca_file"]
    s.cert = (t["cert_file"], t["key_file"])
    s.headers["X-Terminal-Id"] = TERMINAL
    try:
        yield s
    finally:
        s.close()


def run(benchmark: Any, fn: Any) -> Any:
    fn()  # warm the connection
    return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=5)


@pytest.mark.benchmark(group="GET /v1/products")
def test_bare_requests_products(benchmark, host, bare):
    url = host.url + "/v1/products"
    out = run(benchmark, lambda: bare.get(url, timeout=(5, 20)).json())
    assert out["products"]


@pytest.mark.benchmark(group="GET /v1/products")
def test_client_products(benchmark, terminal):
    out = run(benchmark, terminal.client.products)
    assert out.products


QUOTE = {"product_code": "SJLD", "amount": "50000.00", "months": 36,
         "method": "equal-installment"}


@pytest.mark.benchmark(group="POST /v1/loans/quote (36 lines)")
def test_bare_requests_quote(benchmark, host, bare):
    url = host.url + "/v1/loans/quote"
    out = run(benchmark, lambda: bare.post(url, json=QUOTE, timeout=(5, 20)).json())
    assert len(out["installments"]) == 36


@pytest.mark.benchmark(group="POST /v1/loans/quote (36 lines)")
def test_client_quote(benchmark, terminal):
    out = run(benchmark, lambda: terminal.client.quote_loan("SJLD", Decimal("50000"), 36,
                                                            "equal-installment"))
    assert len(out.installments) == 36


@pytest.fixture(scope="module")
def replay_key(terminal: Terminal) -> tuple[str, str]:
    """A confirmed drawdown; repeating it (same key, same body) is a replay: no booking."""
    key = new_idempotency_key(TERMINAL)
    pin_block = terminal.pin_block()
    terminal.client.drawdown(key, "C0001", "L0001", "5000", 12, "equal-installment",
                             ZHANG_PAN, pin_block)
    return key, pin_block


@pytest.mark.benchmark(group="POST /v1/drawdowns (replay, MAC)")
def test_bare_requests_drawdown_replay(benchmark, host, bare, terminal, replay_key):
    key, pin_block = replay_key
    body = json.dumps({"customer_id": "C0001", "line_id": "L0001", "amount": "5000.00",
                       "months": 12, "method": "equal-installment", "pan": ZHANG_PAN,
                       "pin_block": pin_block}, ensure_ascii=False,
                      separators=(",", ":")).encode()

    def call() -> Any:
        data = mac_input("/v1/drawdowns", TERMINAL, key, body)
        headers = {"Idempotency-Key": key, "Content-Type": "application/json",
                   "X-MAC": terminal.pad.mac(data).hex().upper()}  # the pad, no worker hop
        return bare.post(host.url + "/v1/drawdowns", data=body, headers=headers,
                         timeout=(5, 20)).json()

    out = run(benchmark, call)
    assert out["status"] == "CONFIRMED"


@pytest.mark.benchmark(group="POST /v1/drawdowns (replay, MAC)")
def test_client_drawdown_replay(benchmark, terminal, replay_key):
    key, pin_block = replay_key
    out = run(benchmark, lambda: terminal.client.drawdown(
        key, "C0001", "L0001", "5000", 12, "equal-installment", ZHANG_PAN, pin_block))
    assert out.status == "CONFIRMED"


@pytest.fixture(scope="module")
def raw_answers(host: SimHost, bare: requests.Session) -> dict[str, bytes]:
    return {"products": bare.get(host.url + "/v1/products", timeout=(5, 20)).content,
            "quote": bare.post(host.url + "/v1/loans/quote", json=QUOTE,
                               timeout=(5, 20)).content}


@pytest.mark.benchmark(group="CPU: parsing one answer (no network)")
@pytest.mark.parametrize("name", ["products", "quote"])
def test_bare_json_loads(benchmark, raw_answers, name):
    assert benchmark(json.loads, raw_answers[name])


@pytest.mark.benchmark(group="CPU: parsing one answer (no network)")
@pytest.mark.parametrize("name", ["products", "quote"])
def test_client_model_validation(benchmark, raw_answers, name):
    from kiosk.host import models

    model = models.ProductList if name == "products" else models.QuoteResponse
    assert benchmark(model.model_validate_json, raw_answers[name])
