"""The simulated bank: customers, lines, loans, keys, staff, on top of the ledger and store.

HTTP-free: :mod:`peripherals_sim.bank_host.app` maps requests to these methods and their
:class:`~peripherals_sim.bank_host.errors.HostError` to the unified error body. Every method
answers a JSON-ready dict; money goes out as strings with two decimals.

Clock: the simulator has a business date (``POST /sim/clock``) and takes the time of day from
the wall clock unless a time is set; from the day-end cut-over time on, transactions book to
the next accounting date (交易日期与会计日期分离). Interest, overdue and reminders use the
accounting date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from devices import crypto
from peripherals_sim.bank_host import ledger, scorecard
from peripherals_sim.bank_host.errors import HostError
from peripherals_sim.bank_host.ledger import ZERO, D, LedgerError, Loan, Terms, fen, money
from peripherals_sim.bank_host.store import Store

PRODUCTS_FILE = Path(__file__).with_name("products.yaml")
MASK = "*"
AUTH_THRESHOLD = Decimal("50000.00")

#: The money paths and the kind ``/sim/ledger`` gives their transactions.
MONEY_KINDS = {"/v1/drawdowns": "drawdown", "/v1/repayments": "repayment"}


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_middle(s: str, head: int, tail: int) -> str:
    if len(s) <= head + tail:
        return MASK * len(s)
    return s[:head] + MASK * (len(s) - head - tail) + s[-tail:]


def mask_pan(pan: str) -> str:
    return mask_middle(pan, 6, 4)


def mask_id(id_number: str) -> str:
    return mask_middle(id_number, 6, 4)


def mask_phone(phone: str) -> str:
    return mask_middle(phone, 3, 4)


@dataclass(frozen=True)
class Settings:
    """Host behaviour a demo or test may change (CLI flags of ``kiosk-sim host``)."""

    business_date: dt.date = dt.date(2026, 3, 16)
    cutover: dt.time = dt.time(17, 0)
    time_of_day: dt.time | None = dt.time(10, 0)  # None: the wall clock's time of day
    reminder_days: int = 7
    authorization_threshold: Decimal = AUTH_THRESHOLD
    pin_tries: int = 3
    allocation_order: tuple[str, ...] = ledger.DEFAULT_ORDER
    allocation_mode: str = "period_first"
    mac_min_bytes: int = 8
    officer_visit_days: int = 3


@dataclass(frozen=True)
class Now:
    """One reading of the simulated clock."""

    business_date: dt.date
    acct_date: dt.date
    host_datetime: str

    def fields(self) -> dict[str, str]:
        return {"business_date": self.business_date.isoformat(),
                "acct_date": self.acct_date.isoformat(), "host_datetime": self.host_datetime}


@dataclass
class Product:
    code: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal:
        return D(self.data["annual_rate"])

    def terms(self, settings: Settings) -> Terms:
        return Terms(self.rate, int(self.data["day_basis"]),
                     str(self.data.get("convention", "monthly")), int(self.data["grace_days"]),
                     D(self.data["penalty_multiplier"]),
                     D(str(self.data.get("prepay_fee_rate", "0"))),
                     settings.allocation_order, settings.allocation_mode)

    def public(self) -> dict[str, Any]:
        d = self.data
        pct = (self.rate * 100).normalize()
        return {
            "code": self.code, "name": d["name"], "family": d["family"],
            "audience": d["audience"], "requirements": list(d["requirements"]),
            "min_amount": money(D(d["min_amount"])), "max_amount": money(D(d["max_amount"])),
            "terms": [int(t) for t in d["terms"]], "methods": list(d["methods"]),
            "annual_rate": str(d["annual_rate"]),
            "rate_label": f"年化利率（单利）{pct:f}%",
            "day_basis": int(d["day_basis"]), "grace_days": int(d["grace_days"]),
            "penalty_multiplier": str(d["penalty_multiplier"]),
            "due_day": d.get("due_day"), "online": bool(d["online"]),
        }


def load_products(path: Path = PRODUCTS_FILE) -> dict[str, Product]:
    with path.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh)
    return {str(p["code"]): Product(str(p["code"]), p) for p in items}


def _money_in(s: str) -> Decimal:
    return fen(D(s))


def _birth_date(id_number: str) -> dt.date:
    """The birth date in an 18-digit ID number (GB 11643; foreign permanent residence cards
    of 2023 use the same positions)."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return dt.date(1970, 1, 1)  # an older foreign card: age is then taken from the profile


class Bank:
    """The simulated host's business logic over one SQLite store."""

    def __init__(self, store: Store, scenario: dict[str, Any], settings: Settings | None = None,
                 products: dict[str, Product] | None = None) -> None:
        self.store = store
        self.scenario = scenario
        self.settings = settings or Settings()
        self.products = products or load_products()
        self.scorecard = scorecard.Model.load()
        self.terminals = {t["id"]: t for t in scenario.get("terminals", [])}
        self.staff = {s["id"]: s for s in scenario.get("staff", [])}
        self._clock: dict[str, str | None] = {}
        #: ``POST /sim/quote-skew``: fen added to one line's interest and payment of every
        #: loan quote, or with ``bucket`` to that bucket (and the total) of every repayment
        #: quote (a host whose pricing is off; the kiosk's cross-check must catch it)
        self.quote_skew: dict[str, Any] = {"fen": 0, "line": 1, "bucket": None}
        if store.get("seeded") != "1":
            with store.transaction():
                self._seed()
                store.set("seeded", "1")

    # -- clock ---------------------------------------------------------------------------------

    def _clock_get(self, key: str) -> str | None:
        """The clock settings, read from the store once and kept in memory (every request
        reads the clock several times; only /sim/clock writes it)."""
        if key not in self._clock:
            self._clock[key] = self.store.get(key)
        return self._clock[key]

    def _clock_set(self, key: str, value: str) -> None:
        self.store.set(key, value)
        self._clock[key] = value

    def now(self) -> Now:
        bd = dt.date.fromisoformat(self._clock_get("clock.date")
                                   or self.settings.business_date.isoformat())
        fixed = self._clock_get("clock.time")
        default = self.settings.time_of_day
        if fixed == "wall" or (not fixed and default is None):
            t = dt.datetime.now().time()
        elif fixed:
            t = dt.time.fromisoformat(fixed)
        else:
            assert default is not None
            t = default
        acct = bd + dt.timedelta(days=1) if t >= self.settings.cutover else bd
        return Now(bd, acct, f"{bd.isoformat()}T{t.strftime('%H:%M:%S')}")

    def set_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        """``{"date": "YYYY-MM-DD", "time": "HH:MM[:SS]" | "wall" | null, "day_end": bool,
        "force": bool}``.

        ``time`` null goes back to the default time of day; "wall" follows the real clock.
        The clock never goes backwards (an earlier date, or an earlier time on the same date)
        unless ``force`` is true: ValueError.
        """
        unknown = set(body) - {"date", "time", "day_end", "force"}
        if unknown:
            raise ValueError(f"unknown clock fields: {', '.join(sorted(unknown))}")
        if not isinstance(body.get("force", False), bool) or not isinstance(
                body.get("day_end", False), bool):
            raise ValueError("force and day_end are true or false")
        before = self.now()
        date = dt.date.fromisoformat(body["date"]) if "date" in body else before.business_date
        time_value = body.get("time")
        if "time" in body and time_value not in ("wall", None):
            dt.time.fromisoformat(time_value)  # checked before anything is written
        with self.store.transaction():
            saved = dict(self._clock)
            if "date" in body:
                self._clock_set("clock.date", date.isoformat())
            if "time" in body:
                if time_value == "wall":
                    self._clock_set("clock.time", "wall")
                elif time_value:
                    self._clock_set("clock.time", dt.time.fromisoformat(time_value).isoformat())
                else:
                    self._clock_set("clock.time", "")
            after = self.now()
            if after.host_datetime < before.host_datetime and not body.get("force"):
                for key in ("clock.date", "clock.time"):
                    self.store.set(key, saved.get(key) or "")
                self._clock = saved
                raise ValueError(f"the simulated clock does not go backwards "
                                 f"({before.host_datetime} -> {after.host_datetime}); "
                                 'send "force": true to do it')
            if "day_end" in body:
                self._clock_set("clock.day_end", "1" if body["day_end"] else "0")
        return {**self.now().fields(), "day_end": self.day_end_running()}

    def day_end_running(self) -> bool:
        return self._clock_get("clock.day_end") == "1"

    def serial(self, now: Now) -> str:
        return f"{now.acct_date:%Y%m%d}{self.store.next_seq('serial'):08d}"

    # -- seeding from the scenario ---------------------------------------------------------------

    def _seed(self) -> None:
        people = {p["id"]: p for p in self.scenario.get("people", [])}
        cards = {c["id"]: c for c in self.scenario.get("cards", [])}
        for c in self.scenario.get("customers", []):
            person = people[c["person"]]
            accounts = {}
            for card_id in c.get("cards", []):
                card = cards[card_id]
                balance = str(c.get("balances", {}).get(card_id, "0.00"))
                accounts[card["pan"]] = money(D(balance))
                self.store.put("card", card["pan"], {
                    "pan": card["pan"], "card_id": card_id, "customer_id": c["id"],
                    "pin": str(card["pin"]), "tries_left": self.settings.pin_tries,
                    "expiry": card.get("expiry")}, c["id"])
            self.store.put("customer", c["id"], {
                "customer_id": c["id"], "person": c["person"], "name": person["name"],
                "id_number": person["id_number"], "phone": str(c.get("phone", "")),
                "accounts": accounts, "village": c.get("village", ""),
                "credit_profile": c.get("credit_profile")}, person["id_number"])
            line = c.get("credit_line")
            if line:
                self.store.put("line", line["id"], {
                    "line_id": line["id"], "customer_id": c["id"],
                    "product_code": line["product"], "limit": money(D(str(line["limit"]))),
                    "expiry": str(line["expiry"]), "signed": bool(line.get("signed")),
                    "revolving": bool(line.get("revolving", True)),
                    "contract_no": line.get("contract_no"),
                    "signed_on": line.get("signed_on")}, c["id"])
            for spec in c.get("loans", []):
                self._seed_loan(c, spec)
            for spec in c.get("applications", []):
                self._seed_application(c, spec)

    def _seed_application(self, customer: dict[str, Any], spec: dict[str, Any]) -> None:
        """An application or intention made at another channel (mobile banking, the counter,
        a loan officer in the field): 申请进度 shows it beside the terminal's."""
        doc = {"customer_id": customer["id"], "amount": money(D(str(spec["amount"]))),
               "purpose": spec["purpose"], "phone": str(customer.get("phone", "")),
               "channel": spec["channel"], "terminal_id": None}
        if spec.get("kind", "application") == "intention":
            officers = [s for s in self.staff.values() if s.get("role") == "officer"]
            self.store.put("intention", spec["id"], {
                **doc, "intention_id": spec["id"], "consent": True,
                "officer_id": officers[0]["id"] if officers else None,
                "received_at": f"{spec['submitted']}T10:00:00"}, customer["id"])
            return
        self.store.put("application", spec["id"], {
            **doc, "application_id": spec["id"], "product_code": spec["product"],
            "months": int(spec["months"]), "submitted": str(spec["submitted"]),
            "rejected": bool(spec.get("rejected", False)), "decision": None,
            "decision_record": None}, customer["id"])

    def _seed_loan(self, customer: dict[str, Any], spec: dict[str, Any]) -> None:
        product = self.products[spec["product"]]
        terms = product.terms(self.settings)
        if "rate" in spec:
            terms = Terms(D(str(spec["rate"])), terms.day_basis, terms.convention,
                          terms.grace_days, terms.penalty_multiplier, terms.prepay_fee_rate,
                          terms.order, terms.mode)
        cards = {c["id"]: c for c in self.scenario.get("cards", [])}
        pan = cards[spec.get("account", customer["cards"][0])]["pan"]
        start = dt.date.fromisoformat(str(spec["start"]))
        loan = Loan.open(spec["id"], spec.get("contract_no", "HT" + spec["id"]), customer["id"],
                         spec["product"], D(str(spec["amount"])), int(spec["months"]),
                         spec["method"], start, spec.get("due_day", product.data.get("due_day")),
                         terms, pan)
        history = []
        for k in range(int(spec.get("paid_installments", 0))):
            due = loan.installments[k].due_date
            q = ledger.quote(loan, "due", due)
            alloc = ledger.repay(loan, "due", due, q.amount)
            history.append(self._repayment_doc(
                f"R{spec['id']}{k + 1:03d}", loan.loan_id, f"{due:%Y%m%d}{k + 1:08d}", "due",
                due, f"{due.isoformat()}T09:00:00", q.amount, alloc, "counter"))
        doc = ledger.loan_to_dict(loan)
        doc["line_id"] = spec.get("line")
        self.store.put("loan", loan.loan_id, doc, customer["id"])
        for h in history:
            self.store.put("repayment", h["repayment_id"], h, loan.loan_id)

    # -- lookups -------------------------------------------------------------------------------

    def product(self, code: str) -> Product:
        p = self.products.get(code)
        if p is None:
            raise HostError("HOST-PRODUCT-NOT-FOUND", code)
        return p

    def customer(self, customer_id: str) -> dict[str, Any]:
        c = self.store.doc("customer", customer_id)
        if c is None:
            raise HostError("HOST-CUSTOMER-NOT-FOUND")
        return c

    def customer_by_id_number(self, id_number: str) -> dict[str, Any]:
        found = self.store.docs("customer", id_number.upper())
        if not found:
            raise HostError("HOST-CUSTOMER-NOT-FOUND")
        return found[0]

    def loan(self, loan_id: str, customer_id: str | None = None) -> tuple[Loan, dict[str, Any]]:
        doc = self.store.doc("loan", loan_id)
        if doc is None or (customer_id is not None and doc["customer_id"] != customer_id):
            raise HostError("HOST-LOAN-NOT-FOUND")
        return ledger.loan_from_dict(doc), doc

    def save_loan(self, loan: Loan, line_id: str | None) -> None:
        doc = ledger.loan_to_dict(loan)
        doc["line_id"] = line_id
        self.store.put("loan", loan.loan_id, doc, loan.customer_id)

    def line_of(self, customer_id: str) -> dict[str, Any]:
        lines = self.store.docs("line", customer_id)
        if not lines:
            raise HostError("HOST-LINE-NOT-FOUND")
        return lines[0]

    def line_used(self, line: dict[str, Any]) -> Decimal:
        used = ZERO
        docs = self.store.open_loans(line["customer_id"]) if line["revolving"] \
            else self.store.docs("loan", line["customer_id"])
        for doc in docs:  # a loan repaid in full no longer uses a revolving line
            if doc.get("line_id") != line["line_id"]:
                continue
            loan = ledger.loan_from_dict(doc)
            used += loan.outstanding_principal if line["revolving"] else loan.amount
        return used

    # -- keys, MAC and PIN ---------------------------------------------------------------------

    def _tmk(self, terminal_id: str, algorithm: crypto.Algorithm) -> bytes:
        t = self.terminals.get(terminal_id)
        if t is None:
            raise HostError("HOST-TERMINAL-UNKNOWN", terminal_id)
        name = "tmk_sm4_components" if algorithm is crypto.Algorithm.SM4 \
            else "tmk_3des_components"
        return crypto.xor_components(*(bytes.fromhex(c) for c in t[name]))

    def sign_in(self, terminal_id: str, algorithm: str, trace: str | None) -> dict[str, Any]:
        """Deliver fresh PIK and MAK under the terminal's TMK, with their check values."""
        alg = crypto.Algorithm.SM4 if algorithm == "SM4" else crypto.Algorithm.TDES
        tmk = self._tmk(terminal_id, alg)
        pik, mak = secrets.token_bytes(16), secrets.token_bytes(16)
        now = self.now()
        batch = f"{self.store.next_seq('batch.' + terminal_id):06d}"
        with self.store.transaction():
            self.store.put("terminal", terminal_id, {
                "terminal_id": terminal_id, "signed_in": True, "algorithm": algorithm,
                "pik": pik.hex(), "mak": mak.hex(), "batch_no": batch, "trace": trace,
                "signed_in_at": now.host_datetime})

        def wrapped(key: bytes) -> dict[str, str]:
            return {"under_tmk": crypto.encrypt_key_under(tmk, key, alg).hex().upper(),
                    "kcv": crypto.kcv(key, alg).hex().upper()}

        return {**now.fields(), "terminal_id": terminal_id,
                "server_time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "service_point": self.terminals[terminal_id].get("service_point", ""),
                "batch_no": batch,
                "keys": {"algorithm": algorithm, "pik": wrapped(pik), "mak": wrapped(mak)},
                "mac_method": "SM4" if algorithm == "SM4" else "X9_19",
                "pin_block_format": "SM4_ISO0_ZERO_PAD" if algorithm == "SM4" else "ISO0"}

    def sign_out(self, terminal_id: str) -> dict[str, Any]:
        self._tmk(terminal_id, crypto.Algorithm.TDES)
        doc = self.store.doc("terminal", terminal_id) or {"terminal_id": terminal_id}
        doc.update(signed_in=False, pik=None, mak=None)
        self.store.put("terminal", terminal_id, doc)
        return {**self.now().fields(), "terminal_id": terminal_id, "signed_in": False}

    def session(self, terminal_id: str) -> dict[str, Any]:
        doc = self.store.doc("terminal", terminal_id)
        if not doc or not doc.get("signed_in"):
            raise HostError("HOST-NOT-SIGNED-IN")
        return doc

    def verify_mac(self, terminal_id: str, mac_input: bytes, mac_hex: str | None) -> None:
        """MAC of the canonical input under the terminal's MAK (docs/host-api.yaml)."""
        term = self.session(terminal_id)
        if not mac_hex:
            raise HostError("HOST-MAC-INVALID", "X-MAC header missing")
        try:
            received = bytes.fromhex(mac_hex)
        except ValueError:
            raise HostError("HOST-MAC-INVALID", "X-MAC is not hex") from None
        if len(received) < self.settings.mac_min_bytes:
            raise HostError("HOST-MAC-INVALID", "MAC too short")
        method = crypto.MacMethod.SM4 if term["algorithm"] == "SM4" else crypto.MacMethod.X9_19
        if not crypto.verify_mac(bytes.fromhex(term["mak"]), mac_input, received, method):
            raise HostError("HOST-MAC-INVALID")

    def verify_pin(self, terminal_id: str, customer_id: str, pan: str, pin_block: str) -> None:
        """Decrypt the PIN block under the PIK and compare with the card's PIN (tries count)."""
        term = self.session(terminal_id)
        card = self.store.doc("card", pan)
        if card is None or card["customer_id"] != customer_id:
            raise HostError("HOST-CARD-MISMATCH")
        if card["tries_left"] <= 0:
            raise HostError("HOST-PIN-LOCKED")
        sm4 = term["algorithm"] == "SM4"
        fmt = crypto.PinBlockFormat.SM4_ISO0_ZERO_PAD if sm4 else crypto.PinBlockFormat.ISO0
        try:
            clear = crypto.decrypt_pin_block(bytes.fromhex(term["pik"]),
                                             bytes.fromhex(pin_block), pan, fmt)
            pin = crypto.pin_from_block(clear, pan, fmt)
        except (ValueError, crypto.CryptoError):
            pin = None
        if pin is not None and secrets.compare_digest(pin, card["pin"]):
            card["tries_left"] = self.settings.pin_tries
            self.store.put("card", pan, card, customer_id)
            return
        card["tries_left"] -= 1
        self.store.put("card", pan, card, customer_id)
        raise HostError("HOST-PIN-LOCKED" if card["tries_left"] <= 0 else "HOST-PIN-WRONG",
                        f"tries left {max(card['tries_left'], 0)}")

    # -- terminal --------------------------------------------------------------------------------

    def heartbeat(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._tmk(terminal_id, crypto.Algorithm.TDES)
        now = self.now()
        n = self.store.next_seq("heartbeat." + terminal_id)
        self.store.put("heartbeat", terminal_id, {**body, "terminal_id": terminal_id,
                                                  "received_at": now.host_datetime, "n": n})
        doc = self.store.doc("terminal", terminal_id) or {}
        anchor = body.get("audit_head")
        return {**now.fields(), "terminal_id": terminal_id,
                "signed_in": bool(doc.get("signed_in")), "received": n,
                "audit_anchor": None if anchor is None else self._audit_anchor(
                    terminal_id, anchor, now.host_datetime)}

    def _audit_anchor(self, terminal_id: str, anchor: dict[str, Any], at: str) -> str:
        """Keep the terminal's audit head; a lower seq than before (the log was cut) or a
        known seq with another hash (rewritten) is flagged, and the first anchor is kept."""
        known = self.store.docs("audit_anchor", terminal_id)
        seq, digest = int(anchor["seq"]), str(anchor["hash"])
        same = [a for a in known if a["seq"] == seq]
        if same and same[0]["hash"] != digest:
            status = "forked"
        elif known and seq < max(a["seq"] for a in known):
            status = "regressed"
        else:
            status = "recorded"
        if not same:
            self.store.put("audit_anchor", f"{terminal_id}:{seq:012d}",
                           {"seq": seq, "hash": digest, "received_at": at, "status": status},
                           terminal_id)
        elif status != "recorded":
            alert = {"seq": seq, "hash": digest, "received_at": at, "status": status}
            self.store.put("audit_alert", f"{terminal_id}:{at}:{seq}", alert, terminal_id)
        return status

    def audit_anchors(self, terminal_id: str) -> dict[str, Any]:
        anchors = sorted(self.store.docs("audit_anchor", terminal_id), key=lambda a: a["seq"])
        return {"terminal_id": terminal_id, "anchors": anchors}

    # -- customers -------------------------------------------------------------------------------

    def identify(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        c = self.customer_by_id_number(body["id_number"])
        card_verified = pin_verified = False
        if body.get("pan"):
            card = self.store.doc("card", body["pan"])
            if card is None or card["customer_id"] != c["customer_id"]:
                raise HostError("HOST-CARD-MISMATCH")
            card_verified = True
            if body.get("pin_block"):
                self.verify_pin(terminal_id, c["customer_id"], body["pan"], body["pin_block"])
                pin_verified = True
        lines = self.store.docs("line", c["customer_id"])
        loans = [ledger.loan_from_dict(d) for d in self.store.open_loans(c["customer_id"])]
        worst = max((ln.days_overdue(now.acct_date) for ln in loans
                     if ln.status(now.acct_date) != "CLOSED"), default=0)
        return {**now.fields(), "customer_id": c["customer_id"],
                "masked_name": mask_name(c["name"]), "masked_id_number": mask_id(c["id_number"]),
                "cards": [mask_pan(p) for p in c["accounts"]],
                "card_verified": card_verified, "pin_verified": pin_verified,
                "has_credit_line": bool(lines),
                "line_signed": bool(lines[0]["signed"]) if lines else None,
                "classification": ledger.classify(worst),
                "reminders": self.reminders(loans, now.acct_date)}

    def reminders(self, loans: list[Loan], t: dt.date) -> list[dict[str, Any]]:
        out = []
        for loan in loans:
            if loan.status(t) == "CLOSED":
                continue
            overdue = loan.due_items(t, strict=True)
            if overdue:
                out.append({"loan_id": loan.loan_id, "kind": "overdue",
                            "due_date": overdue[0].due_date.isoformat(),
                            "amount": money(loan.overdue_total(t)),
                            "days": loan.days_overdue(t)})
            due, amount = loan.next_due(t)
            if due is not None and (due - t).days <= self.settings.reminder_days:
                out.append({"loan_id": loan.loan_id, "kind": "due_soon",
                            "due_date": due.isoformat(), "amount": money(amount),
                            "days": (due - t).days})
        return out

    def list_products(self) -> dict[str, Any]:
        return {"products": [p.public() for p in self.products.values()]}

    def line_view(self, line: dict[str, Any]) -> dict[str, Any]:
        used = self.line_used(line)
        limit = D(line["limit"])
        return {**self.now().fields(), "line_id": line["line_id"],
                "customer_id": line["customer_id"], "product_code": line["product_code"],
                "limit": money(limit), "used": money(used),
                "available": money(max(limit - used, ZERO)), "expiry": line["expiry"],
                "signed": bool(line["signed"]), "revolving": bool(line["revolving"]),
                "contract_no": line.get("contract_no"), "signed_on": line.get("signed_on")}

    def credit_line(self, customer_id: str) -> dict[str, Any]:
        self.customer(customer_id)
        return self.line_view(self.line_of(customer_id))

    def sign_line(self, terminal_id: str, line_id: str, body: dict[str, Any]) -> dict[str, Any]:
        line = self.store.doc("line", line_id)
        if line is None or line["customer_id"] != body["customer_id"]:
            raise HostError("HOST-LINE-NOT-FOUND")
        now = self.now()
        if line["signed"]:
            raise HostError("HOST-LINE-ALREADY-SIGNED")
        if dt.date.fromisoformat(line["expiry"]) < now.acct_date:
            raise HostError("HOST-LINE-EXPIRED")
        if not body["consents"] or not all(body["consents"].values()):
            raise HostError("HOST-CONSENT-REQUIRED")
        picture, witness = body.get("signature_png_base64"), body.get("witness")
        if bool(picture) == bool(witness):
            raise HostError("HOST-FORMAT", "a signing carries either signature_png_base64 or "
                            "a witness" + (", not both" if picture else ""))
        auth = None
        if picture:
            problem = signature_problem(picture)
            if problem is not None:
                raise HostError("HOST-FORMAT", f"signature_png_base64: {problem}")
        else:  # the witness: the staff member's authorisation for this customer, unused
            auth = self._use_authorization(witness["authorization_id"], line["customer_id"],
                                           "line_sign", None)
            if auth["staff_id"] != witness["staff_id"]:
                raise HostError("HOST-AUTHORIZATION-REQUIRED",
                                "the witness is not the staff member who authorised")
        self.verify_pin(terminal_id, body["customer_id"], body["pan"], body["pin_block"])
        contract = f"ED{now.acct_date:%Y%m%d}{self.store.next_seq('contract'):06d}"
        line.update(signed=True, signed_on=now.acct_date.isoformat(), contract_no=contract,
                    contract_version=body["contract_version"],
                    signature_sha256=(hashlib.sha256(picture.encode("ascii")).hexdigest()
                                      if picture else None),
                    witness=witness, consents=body["consents"], signed_at_terminal=terminal_id)
        with self.store.transaction():
            self.store.put("line", line_id, line, line["customer_id"])
            if auth is not None:
                auth["used_by"] = f"{line_id}:sign"
                self.store.put("authorization", auth["authorization_id"], auth,
                               auth["customer_id"])
        return self.line_view(line)

    # -- quotes and drawdown -------------------------------------------------------------------

    def _check_rules(self, product: Product, amount: Decimal, months: int, method: str) -> None:
        d = product.data
        if amount <= 0:
            raise HostError("HOST-AMOUNT-INVALID")
        if months not in d["terms"] or method not in d["methods"]:
            raise HostError("HOST-PRODUCT-RULE", f"terms {d['terms']} methods {d['methods']}")
        if method == "bullet" and months > 12:
            raise HostError("HOST-PRODUCT-RULE", "bullet loans are at most 12 months")
        if amount < D(d["min_amount"]) or amount > D(d["max_amount"]):
            raise HostError("HOST-AMOUNT-OVER-LIMIT",
                            f"product range {d['min_amount']}-{d['max_amount']}")

    def _schedule_view(self, loan: Loan) -> dict[str, Any]:
        rows, balance = [], loan.amount
        for i in loan.installments:
            balance -= i.principal
            rows.append({"n": i.n, "due_date": i.due_date.isoformat(), "payment": money(i.payment),
                         "principal": money(i.principal), "interest": money(i.interest),
                         "balance": money(balance)})
        total_interest = sum((i.interest for i in loan.installments), ZERO)
        simple, compound = ledger.loan_annual_rates(loan.amount, loan.installments, loan.terms)
        return {"installments": rows, "total_interest": money(total_interest),
                "total_payment": money(loan.amount + total_interest),
                "apr_simple": str(simple), "apr_compound": str(compound)}

    def quote_loan(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        product = self.product(body["product_code"])
        amount = _money_in(body["amount"])
        self._check_rules(product, amount, body["months"], body["method"])
        start = dt.date.fromisoformat(body["start_date"]) if body.get("start_date") \
            else now.acct_date
        loan = Loan.open("QUOTE", "", "", product.code, amount, body["months"], body["method"],
                         start, product.data.get("due_day"), product.terms(self.settings), "")
        view = self._schedule_view(loan)
        self._skew(view)
        return {**now.fields(), "product_code": product.code, "amount": money(amount),
                "months": body["months"], "method": body["method"],
                "annual_rate": str(product.data["annual_rate"]), "start_date": start.isoformat(),
                **view}

    def set_quote_skew(self, body: dict[str, Any]) -> dict[str, Any]:
        """``{"fen": N, "line": K}``: every later quote's line K (1-based, clamped to the
        last) has N fen more interest and payment, and its totals follow, as an engine that
        rounds differently would. ``{"fen": N, "bucket": B}``: instead every repayment quote
        has N fen more in bucket B (fees, compound, penalty, interest, principal) and in its
        amount. ``{"fen": 0}`` (or ``{}``) puts it right."""
        unknown = set(body) - {"fen", "line", "bucket"}
        fen, line = body.get("fen", 0), body.get("line", 1)
        bucket = body.get("bucket")
        if unknown or not all(isinstance(v, int) and not isinstance(v, bool)
                              for v in (fen, line)) or not -10000 <= fen <= 10000 or line < 1:
            raise ValueError("quote skew is {\"fen\": integer, \"line\": integer >= 1}")
        if bucket is not None and bucket not in ledger.BUCKETS:
            raise ValueError(f"bucket is one of {', '.join(ledger.BUCKETS)}")
        self.quote_skew = {"fen": fen, "line": line, "bucket": bucket}
        return dict(self.quote_skew)

    def _skew(self, view: dict[str, Any]) -> None:
        fen = self.quote_skew["fen"]
        if not fen or not view["installments"] or self.quote_skew.get("bucket"):
            return
        delta = D(fen) / 100
        row = view["installments"][min(self.quote_skew["line"], len(view["installments"])) - 1]
        for name in ("interest", "payment"):
            row[name] = money(D(row[name]) + delta)
        for name in ("total_interest", "total_payment"):
            view[name] = money(D(view[name]) + delta)

    def _use_authorization(self, auth_id: str | None, customer_id: str, action: str,
                           amount: Decimal | None) -> dict[str, Any]:
        auth = self.store.doc("authorization", auth_id) if auth_id else None
        if (auth is None or auth["customer_id"] != customer_id or auth["action"] != action
                or auth.get("used_by")
                or (amount is not None and auth.get("amount") is not None
                    and D(auth["amount"]) < amount)):
            raise HostError("HOST-AUTHORIZATION-REQUIRED")
        return auth

    def drawdown(self, terminal_id: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        customer = self.customer(body["customer_id"])
        line = self.store.doc("line", body["line_id"])
        if line is None or line["customer_id"] != customer["customer_id"]:
            raise HostError("HOST-LINE-NOT-FOUND")
        if not line["signed"]:
            raise HostError("HOST-LINE-NOT-SIGNED")
        if dt.date.fromisoformat(line["expiry"]) < now.acct_date:
            raise HostError("HOST-LINE-EXPIRED")
        product = self.product(line["product_code"])
        amount = _money_in(body["amount"])
        self._check_rules(product, amount, body["months"], body["method"])
        available = D(line["limit"]) - self.line_used(line)
        if amount > available:
            raise HostError("HOST-AMOUNT-OVER-LIMIT", f"available {money(available)}")
        pan = body["pan"]
        if pan not in customer["accounts"]:
            raise HostError("HOST-CARD-MISMATCH")
        auth = None
        if amount > self.settings.authorization_threshold:
            auth = self._use_authorization(body.get("authorization_id"),
                                           customer["customer_id"], "drawdown", amount)
        self.verify_pin(terminal_id, customer["customer_id"], pan, body["pin_block"])
        seq = self.store.next_seq("loan")
        loan = Loan.open(f"JJ{now.acct_date:%Y%m%d}{seq:04d}",
                         f"HT{now.acct_date:%Y%m%d}{seq:04d}", customer["customer_id"],
                         product.code, amount, body["months"], body["method"], now.acct_date,
                         product.data.get("due_day"), product.terms(self.settings), pan)
        view = self._schedule_view(loan)
        with self.store.transaction():
            self.save_loan(loan, line["line_id"])
            customer["accounts"][pan] = money(D(customer["accounts"][pan]) + amount)
            self.store.put("customer", customer["customer_id"], customer,
                           customer["id_number"])
            if auth is not None:
                auth["used_by"] = key
                self.store.put("authorization", auth["authorization_id"], auth,
                               auth["customer_id"])
        first = loan.installments[0]
        return {**now.fields(), "status": "CONFIRMED", "idempotency_key": key,
                "serial": self.serial(now), "loan_id": loan.loan_id,
                "contract_no": loan.contract_no, "customer_id": loan.customer_id,
                "amount": money(amount), "months": loan.months, "method": loan.method,
                "annual_rate": str(product.data["annual_rate"]),
                "apr_simple": view["apr_simple"], "account_masked": mask_pan(pan),
                "first_due_date": first.due_date.isoformat(), "first_payment": money(first.payment),
                "total_interest": view["total_interest"],
                "line_available": money(available - amount),
                "terminal_time": body.get("terminal_time")}

    # -- loans and repayment ---------------------------------------------------------------------

    def loan_summary(self, loan: Loan, t: dt.date) -> dict[str, Any]:
        due, amount = loan.next_due(t)
        product = self.products.get(loan.product_code)
        return {"loan_id": loan.loan_id, "contract_no": loan.contract_no,
                "product_code": loan.product_code,
                "product_name": product.data["name"] if product else loan.product_code,
                "amount": money(loan.amount), "months": loan.months, "method": loan.method,
                "annual_rate": str(loan.terms.annual_rate),
                "start_date": loan.start_date.isoformat(), "status": loan.status(t),
                "outstanding_principal": money(loan.outstanding_principal),
                "next_due_date": due.isoformat() if due else None,
                "next_due_amount": money(amount), "overdue_amount": money(loan.overdue_total(t)),
                "overdue_days": loan.days_overdue(t),
                "classification": ledger.classify(loan.days_overdue(t)),
                "repayment_account_masked": mask_pan(loan.account_pan)}

    def loans(self, customer_id: str) -> dict[str, Any]:
        self.customer(customer_id)
        now = self.now()
        loans = [ledger.loan_from_dict(d) for d in self.store.docs("loan", customer_id)]
        return {**now.fields(), "customer_id": customer_id,
                "loans": [self.loan_summary(ln, now.acct_date) for ln in loans]}

    def schedule(self, loan_id: str) -> dict[str, Any]:
        now = self.now()
        t = now.acct_date
        loan, _ = self.loan(loan_id)
        rows = []
        for i in loan.installments:
            pen, comp = loan.penalties(i, t)
            if i.settled:
                status = "PAID"
            elif i.due_date < t:
                status = "OVERDUE"
            elif i.due_date == t:
                status = "DUE"
            elif i.principal_paid or i.interest_paid:
                status = "PARTIAL"
            else:
                status = "FUTURE"
            rows.append({
                "n": i.n, "due_date": i.due_date.isoformat(), "status": status,
                "principal": money(i.principal), "interest": money(i.interest),
                "payment": money(i.payment), "principal_paid": money(i.principal_paid),
                "interest_paid": money(i.interest_paid), "penalty_accrued": money(pen),
                "penalty_paid": money(i.penalty_paid), "compound_accrued": money(comp),
                "compound_paid": money(i.compound_paid),
                "days_overdue": max((t - i.due_date).days, 0) if not i.settled else 0})
        return {**now.fields(), "loan_id": loan.loan_id,
                "outstanding_principal": money(loan.outstanding_principal), "rows": rows}

    @staticmethod
    def _repayment_doc(rid: str, loan_id: str, serial: str, kind: str, acct_date: dt.date,
                       txn_datetime: str, amount: Decimal, alloc: dict[str, Decimal],
                       channel: str) -> dict[str, Any]:
        bd = {k: money(v) for k, v in alloc.items()}
        bd["total"] = money(sum(alloc.values(), ZERO))
        return {"repayment_id": rid, "loan_id": loan_id, "serial": serial, "kind": kind,
                "acct_date": acct_date.isoformat(), "txn_datetime": txn_datetime,
                "amount": money(amount), "breakdown": bd, "channel": channel}

    def repayments(self, loan_id: str) -> dict[str, Any]:
        self.loan(loan_id)
        docs = self.store.docs("repayment", loan_id)
        docs.sort(key=lambda d: (d["acct_date"], d["serial"]))
        return {**self.now().fields(), "loan_id": loan_id, "repayments": docs}

    def repayment_quote(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        loan, _ = self.loan(body["loan_id"])
        amount = _money_in(body["amount"]) if body.get("amount") else None
        try:
            q = ledger.quote(loan, body["kind"], now.acct_date, amount, body.get("option"))
        except LedgerError as exc:
            raise HostError(exc.code, exc.detail) from None
        breakdown, amount = dict(q.breakdown), q.amount
        skew = self.quote_skew
        if skew.get("bucket") in breakdown and skew["fen"]:
            breakdown[skew["bucket"]] += D(int(skew["fen"])) / 100
            amount += D(int(skew["fen"])) / 100
        bd = {k: money(v) for k, v in breakdown.items()}
        bd["total"] = money(amount)
        return {**now.fields(), "loan_id": loan.loan_id, "kind": body["kind"],
                "as_of": now.acct_date.isoformat(), "amount": money(amount), "breakdown": bd,
                "overdue_days": q.overdue_days,
                "outstanding_principal_after": money(q.principal_after),
                "new_installment": money(q.new_installment) if q.new_installment else None,
                "new_term": q.new_term}

    def repay(self, terminal_id: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        customer = self.customer(body["customer_id"])
        loan, doc = self.loan(body["loan_id"], customer["customer_id"])
        if body["pan"] not in customer["accounts"]:
            raise HostError("HOST-CARD-MISMATCH")
        self.verify_pin(terminal_id, customer["customer_id"], body["pan"], body["pin_block"])
        amount = _money_in(body["amount"])
        account = loan.account_pan if loan.account_pan in customer["accounts"] else body["pan"]
        if D(customer["accounts"][account]) < amount:
            raise HostError("HOST-INSUFFICIENT-FUNDS")
        try:
            alloc = ledger.repay(loan, body["kind"], now.acct_date, amount, body.get("option"))
        except LedgerError as exc:
            raise HostError(exc.code, exc.detail) from None
        serial = self.serial(now)
        rid = f"R{now.acct_date:%Y%m%d}{self.store.next_seq('repayment'):06d}"
        record = self._repayment_doc(rid, loan.loan_id, serial, body["kind"], now.acct_date,
                                     body.get("terminal_time") or now.host_datetime, amount,
                                     alloc, f"terminal:{terminal_id}")
        with self.store.transaction():
            self.save_loan(loan, doc.get("line_id"))
            self.store.put("repayment", rid, record, loan.loan_id)
            customer["accounts"][account] = money(D(customer["accounts"][account]) - amount)
            self.store.put("customer", customer["customer_id"], customer,
                           customer["id_number"])
        due, due_amount = loan.next_due(now.acct_date)
        return {**now.fields(), "status": "CONFIRMED", "idempotency_key": key, "serial": serial,
                "repayment_id": rid, "loan_id": loan.loan_id, "kind": body["kind"],
                "amount": money(amount), "breakdown": record["breakdown"],
                "loan_status": loan.status(now.acct_date),
                "outstanding_principal": money(loan.outstanding_principal),
                "next_due_date": due.isoformat() if due else None,
                "next_due_amount": money(due_amount), "account_masked": mask_pan(account),
                "terminal_time": body.get("terminal_time")}

    def change_account(self, terminal_id: str, loan_id: str,
                       body: dict[str, Any]) -> dict[str, Any]:
        customer = self.customer(body["customer_id"])
        loan, doc = self.loan(loan_id, customer["customer_id"])
        if body["new_pan"] not in customer["accounts"]:
            raise HostError("HOST-CARD-MISMATCH")
        auth = self._use_authorization(body["authorization_id"], customer["customer_id"],
                                       "repayment_account_change", None)
        self.verify_pin(terminal_id, customer["customer_id"], body["new_pan"], body["pin_block"])
        loan.account_pan = body["new_pan"]
        with self.store.transaction():
            self.save_loan(loan, doc.get("line_id"))
            auth["used_by"] = f"{loan_id}:account"
            self.store.put("authorization", auth["authorization_id"], auth, auth["customer_id"])
        return {**self.now().fields(), "loan_id": loan_id,
                "repayment_account_masked": mask_pan(loan.account_pan)}

    # -- applications, intentions, staff -------------------------------------------------------

    STEPS = (("SUBMITTED", 0), ("UNDER_REVIEW", 1), ("FIELD_VISIT", 2), ("APPROVED", 4))

    def application(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A loan application. An online (闪电贷) product is decided at once by the scorecard
        (:mod:`peripherals_sim.bank_host.scorecard`): APPROVE creates a credit line the farmer
        can sign at once, REFER registers an intention for the service point's loan officer,
        DECLINE gives the reasons; the inputs used are kept with the application (audit). A
        counter product goes the officer's way (submitted, under review, field visit)."""
        if not body["consent"]:
            raise HostError("HOST-CONSENT-REQUIRED")
        product = self.product(body["product_code"])
        if body.get("customer_id"):
            customer = self.customer(body["customer_id"])
        elif body.get("id_number"):
            customer = self.customer_by_id_number(body["id_number"])
        else:
            raise HostError("HOST-FORMAT", "customer_id or id_number is required")
        amount = _money_in(body["amount"])
        now = self.now()
        decision: dict[str, Any] | None = None
        record: dict[str, Any] | None = None
        if product.data["online"]:
            if self.store.docs("line", customer["customer_id"]):
                raise HostError("HOST-PRODUCT-RULE", "the customer already has a credit line")
            d = scorecard.decide(
                self.scorecard, customer.get("credit_profile"), product_code=product.code,
                product_min=D(product.data["min_amount"]),
                product_max=D(product.data["max_amount"]), requested=amount,
                months=int(body["months"]), consent=True,
                birth_date=_birth_date(customer["id_number"]), today=now.acct_date)
            if d.decision == scorecard.NOT_ACCEPTED:
                raise HostError("HOST-PRODUCT-RULE",
                                f"not offered to this customer ({d.not_accepted})")
            decision = d.public()
            decision["apr_simple"] = str(product.data["annual_rate"])
            decision["rate_label"] = product.public()["rate_label"]
            record = {"inputs": d.inputs, "points": d.points, "model_version": d.model_version,
                      "consent": {"given": True, "at": now.host_datetime,
                                  "terminal_id": terminal_id, "purpose": "credit_application"}}
        app_id = f"SQ{now.acct_date:%Y%m%d}{self.store.next_seq('application'):04d}"
        if decision is not None and decision["decision"] == scorecard.APPROVE:
            line_id = f"L{now.acct_date:%Y%m%d}{self.store.next_seq('line'):04d}"
            years = int(self.scorecard.data["line"]["valid_years"])
            expiry = now.acct_date.replace(year=now.acct_date.year + years)
            self.store.put("line", line_id, {
                "line_id": line_id, "customer_id": customer["customer_id"],
                "product_code": product.code, "limit": decision["line"],
                "expiry": expiry.isoformat(), "signed": False, "revolving": True,
                "contract_no": None, "signed_on": None, "application_id": app_id},
                customer["customer_id"])
            decision["line_id"] = line_id
        if decision is not None and decision["decision"] == scorecard.REFER:
            visit = self._record_intention(terminal_id, {
                "customer_id": customer["customer_id"], "phone": body["phone"],
                "village": customer.get("village"), "amount": body["amount"],
                "purpose": body["purpose"], "consent": True, "application_id": app_id,
                "triggers": decision["refer_triggers"]}, now)
            decision.update({k: visit[k] for k in ("intention_id", "officer_name",
                                                   "visit_within_days")})
        self.store.put("application", app_id, {
            "application_id": app_id, "customer_id": customer["customer_id"],
            "product_code": product.code, "amount": money(amount), "months": body["months"],
            "purpose": body["purpose"], "phone": body["phone"], "terminal_id": terminal_id,
            "submitted": now.acct_date.isoformat(),
            "rejected": amount > D(product.data["max_amount"]),
            "decision": decision, "decision_record": record}, customer["customer_id"])
        return self.application_status(app_id)

    def application_status(self, app_id: str) -> dict[str, Any]:
        doc = self.store.doc("application", app_id)
        if doc is None:
            raise HostError("HOST-APPLICATION-NOT-FOUND")
        now = self.now()
        submitted = dt.date.fromisoformat(doc["submitted"])
        decision = doc.get("decision")
        steps = []
        if decision is not None and decision["decision"] != scorecard.REFER:
            steps = [{"state": "SUBMITTED", "date": submitted.isoformat()},
                     {"state": "APPROVED" if decision["decision"] == scorecard.APPROVE
                      else "REJECTED", "date": submitted.isoformat()}]
        else:
            for state, days in self.STEPS:
                when = submitted + dt.timedelta(days=days)
                if when > now.acct_date or (state == "APPROVED" and decision is not None):
                    break  # a referred application waits for the officer's visit
                if state == "APPROVED" and doc["rejected"]:
                    state = "REJECTED"
                steps.append({"state": state, "date": when.isoformat()})
        return {**now.fields(), "application_id": app_id, "status": steps[-1]["state"],
                "product_code": doc["product_code"], "amount": doc["amount"],
                "months": doc["months"], "steps": steps, "masked_phone": mask_phone(doc["phone"]),
                "decision": decision}

    def progress(self, customer_id: str) -> dict[str, Any]:
        """申请进度: the customer's applications and intentions from every channel, newest
        first. An intention registered for a referred application is that application's
        follow-up (not listed twice); an intention made without identification is the
        customer's when its phone or ID number is theirs."""
        customer = self.customer(customer_id)
        now = self.now()
        items: list[tuple[str, str, dict[str, Any]]] = []
        for doc in self.store.docs("application", customer_id):
            view = self.application_status(doc["application_id"])
            decision = doc.get("decision") or {}
            items.append((doc["submitted"], doc["application_id"], {
                "kind": "application", "id": doc["application_id"],
                "channel": doc.get("channel") or "terminal", "submitted": doc["submitted"],
                "product_code": doc["product_code"], "amount": doc["amount"],
                "months": doc["months"], "purpose": doc["purpose"], "status": view["status"],
                "steps": view["steps"], "decision": decision.get("decision"),
                "reasons": list(decision.get("reasons") or [])
                if decision.get("decision") == scorecard.DECLINE else [],
                "line_id": decision.get("line_id"),
                "officer_name": decision.get("officer_name"),
                "visit_within_days": decision.get("visit_within_days")}))
        for doc in self.store.docs("intention"):
            mine = (doc.get("customer_id") == customer_id
                    or (not doc.get("customer_id")
                        and (doc.get("phone") == customer["phone"]
                             or doc.get("id_number") == customer["id_number"])))
            if not mine or (doc.get("application_id") and doc.get("triggers") != ["F06"]):
                continue  # a referral's visit belongs to its application
            received = dt.date.fromisoformat(str(doc["received_at"])[:10])
            officer = self.staff.get(doc.get("officer_id") or "", {})
            steps = [{"state": "RECORDED", "date": received.isoformat()}]
            if officer:
                steps.append({"state": "ASSIGNED", "date": received.isoformat()})
            visit = received + dt.timedelta(days=2)
            if officer and visit <= now.acct_date:
                steps.append({"state": "FIELD_VISIT", "date": visit.isoformat()})
            items.append((received.isoformat(), doc["intention_id"], {
                "kind": "intention", "id": doc["intention_id"],
                "channel": doc.get("channel") or "terminal", "submitted": received.isoformat(),
                "product_code": None, "amount": doc["amount"], "months": None,
                "purpose": doc["purpose"], "status": steps[-1]["state"], "steps": steps,
                "decision": None, "reasons": [], "line_id": None,
                "officer_name": officer.get("name"),
                "visit_within_days": self.settings.officer_visit_days if officer else None,
                "visit_time": doc.get("visit_time")}))
        items.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return {**now.fields(), "customer_id": customer_id, "items": [i for _, _, i in items]}

    def intention(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if not body["consent"]:
            raise HostError("HOST-CONSENT-REQUIRED")
        if body.get("application_id"):  # human review asked after a decline (F06)
            if self.store.doc("application", body["application_id"]) is None:
                raise HostError("HOST-APPLICATION-NOT-FOUND")
            body = {**body, "triggers": ["F06"]}
        return self._record_intention(terminal_id, body, self.now())

    def _record_intention(self, terminal_id: str, body: dict[str, Any], now: Now
                          ) -> dict[str, Any]:
        iid = f"YX{now.acct_date:%Y%m%d}{self.store.next_seq('intention'):04d}"
        officers = [s for s in self.staff.values() if s.get("role") == "officer"]
        officer = officers[0] if officers else {}
        self.store.put("intention", iid, {**body, "intention_id": iid,
                                          "terminal_id": terminal_id,
                                          "officer_id": officer.get("id"),
                                          "amount": money(_money_in(body["amount"])),
                                          "received_at": now.host_datetime},
                       body.get("customer_id"))
        return {**now.fields(), "intention_id": iid, "status": "RECORDED",
                "masked_phone": mask_phone(body["phone"]),
                "officer_name": officer.get("name", ""),
                "visit_within_days": self.settings.officer_visit_days}

    def staff_sign_in(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        staff = self.staff.get(body["staff_id"])
        if staff is None or not secrets.compare_digest(str(staff.get("password", "")),
                                                       body["password"]):
            raise HostError("HOST-STAFF-AUTH-FAILED")
        now = self.now()
        token = secrets.token_hex(16)
        self.store.put("staff_session", token, {
            "token": token, "staff_id": staff["id"], "terminal_id": terminal_id,
            "acct_date": now.acct_date.isoformat()}, staff["id"])
        return {**now.fields(), "staff_id": staff["id"], "name": staff["name"],
                "role": staff["role"], "session_token": token}

    def authorize(self, terminal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        session = self.store.doc("staff_session", body["session_token"])
        now = self.now()
        if (session is None or session["staff_id"] != body["staff_id"]
                or session["terminal_id"] != terminal_id
                or session["acct_date"] != now.acct_date.isoformat()):
            raise HostError("HOST-STAFF-AUTH-FAILED", "no valid staff session")
        if self.staff[body["staff_id"]].get("role") not in ("assistant", "officer"):
            raise HostError("HOST-AUTHORIZATION-REQUIRED", "this role cannot authorise")
        if body.get("customer_id") is not None:
            self.customer(body["customer_id"])
        elif body["action"] not in ("receipt_reprint", "transaction_resolve"):
            raise HostError("HOST-FORMAT", f"customer_id is required for {body['action']}")
        auth_id = f"SQ{now.acct_date:%Y%m%d}A{self.store.next_seq('authorization'):05d}"
        amount = money(_money_in(body["amount"])) if body.get("amount") else None
        doc = {"authorization_id": auth_id, "staff_id": body["staff_id"],
               "customer_id": body["customer_id"], "action": body["action"], "amount": amount,
               "reference": body.get("reference"), "terminal_id": terminal_id,
               "created_at": now.host_datetime, "used_by": None}
        self.store.put("authorization", auth_id, doc, body["customer_id"])
        return {**now.fields(), "authorization_id": auth_id, "staff_id": body["staff_id"],
                "customer_id": body["customer_id"], "action": body["action"], "amount": amount,
                "created_at": now.host_datetime}

    # -- control API views -----------------------------------------------------------------------

    def sim_customers(self) -> dict[str, Any]:
        now = self.now()
        out = []
        for c in self.store.docs("customer"):
            lines = self.store.docs("line", c["customer_id"])
            loans = [ledger.loan_from_dict(d) for d in self.store.docs("loan", c["customer_id"])]
            out.append({**c, "credit_line": ({**self.line_view(lines[0]),
                                              "witness": lines[0].get("witness")}
                                             if lines else None),
                        "loans": [self.loan_summary(ln, now.acct_date) for ln in loans]})
        return {**now.fields(), "customers": out}

    def sim_ledger(self) -> dict[str, Any]:
        now = self.now()
        loans = []
        for d in self.store.docs("loan"):
            loan = ledger.loan_from_dict(d)
            loans.append({**self.loan_summary(loan, now.acct_date),
                          "customer_id": loan.customer_id,
                          "schedule": self.schedule(loan.loan_id)["rows"],
                          "repayments": self.store.docs("repayment", loan.loan_id)})
        return {**now.fields(), "day_end": self.day_end_running(),
                "transactions": self.booked_transactions(), "loans": loans,
                "authorizations": self.store.docs("authorization"),
                "applications": self.store.docs("application"),
                "intentions": self.store.count("intention")}

    def booked_transactions(self) -> list[dict[str, Any]]:
        """Every money request the host recorded under an idempotency key (``/sim/ledger``):
        ``key``, ``terminal_id``, ``kind``, ``amount`` (the booked amount; null when declined),
        ``state`` (CONFIRMED or DECLINED), ``code`` (a decline's error code), ``host_ref`` (the
        host's serial), ``booked_at`` and ``acct_date``."""
        out = []
        for rec in self.store.transaction_records(tuple(MONEY_KINDS)):
            answer = json.loads(rec["response"])
            confirmed = rec["http_status"] == 200
            out.append({"key": rec["key"], "terminal_id": rec["terminal_id"],
                        "kind": MONEY_KINDS[rec["path"]],
                        "amount": answer.get("amount") if confirmed else None,
                        "state": "CONFIRMED" if confirmed else "DECLINED",
                        "code": None if confirmed else answer.get("code"),
                        "host_ref": answer.get("serial") if confirmed else None,
                        "booked_at": rec["created_at"], "acct_date": rec["acct_date"]})
        return out


#: A signature picture: a PNG between these sizes (pixels) with at least this many dark
#: pixels (ink), so a blank or all-white picture is not a signature.
SIGNATURE_MIN_SIDE, SIGNATURE_MAX_SIDE, SIGNATURE_MIN_INK = 32, 4096, 50


def signature_problem(png_base64: str) -> str | None:
    """Why ``png_base64`` is not a signature picture (not base64, not a PNG, too small or
    too large, no ink), or None."""
    import base64
    import binascii
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        data = base64.b64decode(png_base64, validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "not a PNG picture"
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                return "not a PNG picture"
            width, height = image.size
            if not (min(width, height) >= SIGNATURE_MIN_SIDE
                    and max(width, height) <= SIGNATURE_MAX_SIDE):
                return f"picture {width}x{height} out of range"
            image.load()
            grey = image.convert("L")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"damaged PNG ({type(exc).__name__})"
    ink = sum(grey.histogram()[:128])
    if ink < SIGNATURE_MIN_INK:
        return "blank picture (no ink)"
    return None
