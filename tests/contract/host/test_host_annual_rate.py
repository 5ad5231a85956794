"""Annual rates of the host's quotes over HTTPS + mutual TLS, against the reference figures and
against the kiosk's loan engine (the other, independent implementation) run as the
``kiosk calc --json`` command: agreement within 0.0001 for every product, method and a short
and a long term with a broken first period (due day 21, disbursed on the 10th), and the short
term without.
The kiosk engine is only run as a program here, never imported by the simulator.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from peripherals_sim.bank_host.process import SimTerminal
from peripherals_sim.bank_host.service import load_products

KIOSK = Path(sys.executable).with_name("kiosk")
PRODUCTS = load_products()
BROKEN_START, REGULAR_START = "2026-03-10", "2026-03-21"


def cases() -> list[tuple[str, str, int, str]]:
    out = []
    for code, product in PRODUCTS.items():
        for method in product.data["methods"]:
            terms = [t for t in product.data["terms"] if method != "bullet" or t <= 12]
            for months in sorted({terms[0], terms[-1]}):
                out.append((code, method, months, BROKEN_START))
            out.append((code, method, terms[0], REGULAR_START))
    return out


def quote(term: SimTerminal, code: str, amount: str, months: int, method: str,
          start: str) -> dict[str, Any]:
    r = term.post("/v1/loans/quote", {"product_code": code, "amount": amount, "months": months,
                                      "method": method, "start_date": start})
    assert r.status_code == 200, r.text
    ans: dict[str, Any] = r.json()
    return ans


def kiosk_calc(code: str, amount: str, months: int, method: str, start: str) -> dict[str, Any]:
    d = PRODUCTS[code].data
    args = [str(KIOSK), "calc", "--json", "--amount", amount, "--months", str(months),
            "--rate", str(d["annual_rate"]), "--method", method, "--start", start,
            "--day-basis", str(d["day_basis"]), "--convention", d.get("convention", "monthly")]
    if d.get("due_day") is not None:
        args += ["--due-day", str(d["due_day"])]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    ans: dict[str, Any] = json.loads(out.stdout)
    return ans


def test_six_month_bullet_at_its_real_term(term: SimTerminal) -> None:
    # 50,000 x 4.35% x 6/12 = 1,087.50 after 6 months: 12((1.02175)^(1/6) - 1), 1.02175^2 - 1
    ans = quote(term, "SJLD", "50000", 6, "bullet", "2025-03-10")
    assert ans["total_interest"] == "1087.50"
    assert (ans["apr_simple"], ans["apr_compound"]) == ("0.043111", "0.043973")


def test_broken_first_period_is_counted_by_its_days(term: SimTerminal) -> None:
    # reference §1.9: 42 days to the first due date (1.4 months), installment 4,265.50
    ans = quote(term, "SJLD", "50000", 12, "equal-installment", "2025-03-10")
    assert ans["total_interest"] == "1261.39"
    assert (ans["apr_simple"], ans["apr_compound"]) == ("0.043494", "0.044371")
    yzkh = quote(term, "YZKH", "50000", 12, "equal-installment", "2025-03-10")
    assert yzkh["annual_rate"] == "0.0385"
    assert (yzkh["apr_simple"], yzkh["apr_compound"]) == ("0.038495", "0.039182")


@pytest.mark.parametrize(("code", "method", "months", "start"), cases())
def test_quote_agrees_with_the_kiosk_engine(term: SimTerminal, code: str, method: str,
                                            months: int, start: str) -> None:
    d = PRODUCTS[code].data
    amount = str(min(Decimal(d["max_amount"]), max(Decimal(d["min_amount"]), Decimal(50000))))
    host = quote(term, code, amount, months, method, start)
    kiosk = kiosk_calc(code, amount, months, method, start)
    assert host["total_interest"] == kiosk["total_interest"]
    for key in ("apr_simple", "apr_compound"):
        assert abs(Decimal(host[key]) - Decimal(kiosk[key])) <= Decimal("0.0001"), \
            (key, host[key], kiosk[key])
