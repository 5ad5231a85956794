"""The host's credit scorecard for online loan applications (贷款申请, journey 10).

A transparent additive scorecard over the cooperative's data about a household, after
../shared/reference/farmer_credit_scorecard.md §4:

1. ``NOT_ACCEPTED`` checks (consent, the product offered to this customer);
2. knock-outs K01..K05 (age, current arrears, 连三累六, court list, service area) -> ``DECLINE``;
3. score = base + the points of ten characteristics (R01..R10) -> grade;
4. refer triggers F01..F05 (human review, 互联网贷款办法 Art. 22) -> ``REFER``;
5. the credit line: grade base + shares of assets and income, capped by repayment capacity,
   the product and the 20万 consumer-loan rule, rounded down -> ``APPROVE``;
6. up to four specific reasons, "points below maximum" (age is scored, never shown).

Everything is a setting in ``scorecard.yaml``; the points are illustrative, not calibrated.
Pure and HTTP-free: :class:`~peripherals_sim.bank_host.service.Bank` calls :func:`decide`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

MODEL_FILE = Path(__file__).with_name("scorecard.yaml")

APPROVE, REFER, DECLINE, NOT_ACCEPTED = "APPROVE", "REFER", "DECLINE", "NOT_ACCEPTED"


def _d(v: Any) -> Decimal:
    return Decimal(str(v))


@dataclass(frozen=True)
class Model:
    """The scorecard's settings (``scorecard.yaml``)."""

    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh))

    @property
    def version(self) -> str:
        return str(self.data["model_version"])

    @property
    def factor(self) -> float:
        return float(self.data["pdo"]) / math.log(2)

    @property
    def offset(self) -> float:
        return float(self.data["score0"]) - self.factor * math.log(float(self.data["odds0"]))

    def product(self, code: str) -> dict[str, Any] | None:
        p = self.data["products"].get(code)
        return dict(p) if p is not None else None

    def payment_per_yuan(self) -> Fraction:
        """Monthly payment per yuan borrowed at the stress rate over the stress term."""
        line = self.data["line"]
        r = Fraction(_d(line["stress_rate"])) / 12
        n = int(line["stress_months"])
        growth = (1 + r) ** n
        return r * growth / (growth - 1)


@dataclass
class Decision:
    """The answer to one application (reference §4.9), with the inputs it used."""

    decision: str
    model_version: str
    score: int | None = None
    grade: str | None = None
    pd_scale: str | None = None
    points: dict[str, int] = field(default_factory=dict)
    line: Decimal | None = None
    indicative_line: Decimal | None = None
    line_binding: str | None = None
    knockouts: list[str] = field(default_factory=list)
    refer_triggers: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    not_accepted: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """What the terminal is told (no raw inputs, no age points)."""
        out = asdict(self)
        out.pop("inputs")
        out["points"] = {k: v for k, v in self.points.items() if k != "R06"}
        for k in ("line", "indicative_line"):
            out[k] = f"{out[k]:.2f}" if out[k] is not None else None
        return out


# -- the inputs -----------------------------------------------------------------------------------


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def history_bin(report: dict[str, Any], model: Model) -> str:
    h = model.data["history"]
    if not report.get("has_history", False):
        return "THIN"
    count = int(report.get("overdue_count_24m", 0))
    if count == 0:
        return "CLEAN"
    if count <= int(h["minor_max_count"]) and \
            int(report.get("max_overdue_days_24m", 0)) <= int(h["minor_max_days"]):
        return "MINOR"
    return "MAJOR"


def derive(profile: dict[str, Any], model: Model, today: dt.date, age: int) -> dict[str, Any]:
    """The characteristics' inputs from a customer's data (reference §4.2)."""
    report = profile.get("credit_report", {})
    hh = profile.get("household", {})
    rel = profile.get("relationship", {})
    village = profile.get("village", {})
    income = _d(hh.get("annual_net_income", 0))
    repayment = _d(hh.get("existing_monthly_repayment", 0))
    # DTI as an exact fraction: the bins' lower bounds are inclusive (20 % is in "20-35 %").
    dti: Fraction | None = (Fraction(repayment) * 12 / Fraction(income)) if income > 0 else None
    rating = str(village.get("rating", "NONE"))
    rated_on = village.get("rated_on")
    if rating != "NONE" and rated_on is not None:
        when = rated_on if isinstance(rated_on, dt.date) else dt.date.fromisoformat(str(rated_on))
        if _months_between(when, today) >= int(model.data["village_rating_valid_months"]):
            rating = "NONE"
    if rel.get("payroll_12m") or rel.get("housing_fund_12m"):
        channel = "PAYROLL_OR_FUND"
    elif rel.get("social_insurance_12m"):
        channel = "SOCIAL_INSURANCE"
    else:
        channel = "NONE"
    return {
        "history": history_bin(report, model),
        "village_rating": rating,
        "annual_net_income": income,
        "dti": dti,
        "avg_deposit_6m": _d(rel.get("avg_deposit_6m", 0)),
        "age": age,
        "income_channel": channel,
        "net_assets": _d(hh.get("total_assets", 0)) - _d(hh.get("total_liabilities", 0)),
        "hard_inquiries_3m": int(report.get("hard_inquiries_3m", 0)),
        "working_members": int(hh.get("working_members", 0)),
        "monthly_income": Fraction(income) / 12,
        "existing_monthly_repayment": repayment,
        "total_assets": _d(hh.get("total_assets", 0)),
    }


def _points(char: dict[str, Any], value: Any) -> int:
    if "bins" in char:
        return int(char["bins"][value])
    if value is None:  # no income: the worst DTI bin
        return int(char["ranges"][-1][1])
    pts = int(char["ranges"][0][1])
    for lower, p in char["ranges"]:
        if Fraction(_d(lower)) <= Fraction(value):
            pts = int(p)
    return pts


# -- the decision ---------------------------------------------------------------------------------


def decide(model: Model, profile: dict[str, Any] | None, *, product_code: str,
           product_min: Decimal, product_max: Decimal, requested: Decimal, months: int,
           consent: bool, birth_date: dt.date, today: dt.date) -> Decision:
    """Score one application. ``profile`` is the cooperative's data about the household
    (``None``: nothing on file, which an officer has to collect: ``REFER F01``)."""
    d = Decision(NOT_ACCEPTED, model.version)
    prod = model.product(product_code)
    if not consent:
        d.not_accepted = "N01"
        return d
    if prod is None or (prod.get("invited_only") and not (profile or {}).get("invited")):
        d.not_accepted = "N03"
        return d
    age = int((profile or {}).get("age", age_on(birth_date, today)))
    years = Fraction(months, 12)
    if age < int(prod["min_age"]) or age + years > int(prod["max_age_at_maturity"]):
        d.knockouts.append("K01")
    if profile is None:
        if d.knockouts:
            d.decision = DECLINE
            d.reasons = list(d.knockouts)
            return d
        d.decision = REFER
        d.refer_triggers = ["F01"]
        d.inputs = {"on_file": False, "age": age}
        return d

    report = profile.get("credit_report", {})
    h = model.data["history"]
    if report.get("current_overdue"):
        d.knockouts.append("K02")
    if int(report.get("max_consecutive_overdue_24m", 0)) >= int(h["consecutive_knockout"]) \
            or int(report.get("overdue_count_24m", 0)) >= int(h["count_knockout"]) \
            or report.get("bad_debt_or_compensation"):
        d.knockouts.append("K03")
    if profile.get("court", {}).get("dishonest_debtor"):
        d.knockouts.append("K04")
    if not profile.get("in_service_area", True):
        d.knockouts.append("K05")

    inputs = derive(profile, model, today, age)
    shortfall: list[tuple[int, int, str]] = []
    for order, char in enumerate(model.data["characteristics"]):
        pts = _points(char, inputs[char["input"]])
        d.points[char["code"]] = pts
        best = max(int(v) for v in (char["bins"].values() if "bins" in char
                                    else (p for _, p in char["ranges"])))
        if char.get("shown", True):
            shortfall.append((best - pts, order, char["code"]))
    d.score = int(model.data["base_points"]) + sum(d.points.values())
    odds = math.exp((d.score - model.offset) / model.factor)
    d.pd_scale = f"{1 / (1 + odds):.4f}"
    d.inputs = {k: (str(v) if isinstance(v, Decimal | Fraction) else v)
                for k, v in inputs.items()}
    d.inputs["dti"] = (f"{float(inputs['dti']):.4f}" if inputs["dti"] is not None else None)
    rs = model.data["reasons"]
    ranked = [code for gap, _, code in sorted(shortfall, key=lambda t: (-t[0], t[1]))
              if gap >= int(rs["min_shortfall"])]

    if d.knockouts:
        d.decision = DECLINE
        d.reasons = (d.knockouts + ranked)[:int(rs["max_shown"])]
        return d
    cut = model.data["cutoffs"]
    if d.score < int(cut["refer"]):
        d.decision = DECLINE
        d.reasons = ranked[:int(rs["max_shown"])]
        return d
    for threshold, grade in model.data["grades"]:
        if d.score >= int(threshold):
            d.grade = str(grade)
            break
    # The line (for a grade below approval, the A base shows the officer an indication).
    line, binding = _line(model, prod, inputs, d.grade or "A", product_max)
    triggers = []
    if inputs["history"] == "THIN" and inputs["village_rating"] == "NONE":
        triggers.append("F01")
    if d.score < int(cut["approve"]):
        triggers.append("F02")
    if d.grade is not None and line < product_min:
        triggers.append("F03")
    declared = profile.get("household", {}).get("declared_annual_income")
    verified = inputs["annual_net_income"]
    if declared is not None and inputs["income_channel"] != "NONE" and verified > 0 and \
            abs(_d(declared) - verified) / verified > _d(model.data["declared_income_tolerance"]):
        triggers.append("F04")
    if inputs["village_rating"] == "NOT_RECOMMENDED":
        triggers.append("F05")
    if triggers:
        d.decision = REFER
        d.refer_triggers = triggers
        d.indicative_line = max(line, Decimal(0))
        d.reasons = ranked[:int(rs["on_refer"])]
        return d
    d.decision = APPROVE
    d.line, d.line_binding = line, binding
    if requested > line:
        d.info.append({"capacity": "I01", "reg_cap": "I02", "product_cap": "I03"}
                      .get(binding, "I01"))
    return d


def _line(model: Model, prod: dict[str, Any], inputs: dict[str, Any], grade: str,
          product_max: Decimal) -> tuple[Decimal, str]:
    cfg = model.data["line"]
    formula = (_d(cfg["grade_base"][grade]) + _d(cfg["asset_share"]) * inputs["total_assets"]
               + _d(cfg["income_share"]) * inputs["annual_net_income"])
    room = (Fraction(_d(cfg["max_dti"])) * inputs["monthly_income"]
            - Fraction(inputs["existing_monthly_repayment"]))
    exact = room / model.payment_per_yuan()
    capacity = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"))
    candidates = [("formula", formula), ("capacity", capacity), ("product_cap", product_max)]
    if prod.get("purpose") == "consumption" and prod.get("regime") == "internet":
        candidates.append(("reg_cap", _d(cfg["consumption_internet_cap"])))
    binding, value = min(candidates, key=lambda kv: kv[1])
    step = _d(cfg["round_down_to"])
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step, binding
