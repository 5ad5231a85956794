"""The chaos run: drawdowns and repayments through the transactions service against the real
host simulator (HTTPS, mutual TLS) with faults, and a driver process killed with SIGKILL at
every step boundary and at random moments, restarted, recovered.

Two halves:

- :func:`run_chaos` (the parent, used by the tests and by ``python -m
  tests.contract.money.chaos --trials 200``): plans the trials, sets a host fault per trial
  (timeout / reset before or after the host applied it / 5xx / slow, at rate 0.3 on the money
  paths and the status query), runs the driver until it has gone through the plan, restarting
  it after every death, then lets the host answer and recovers; finally compares the host's
  ledger (``/sim/ledger``) with the journal key for key.
- :func:`driver` (the child): signs in (PIN pad MACs from the ``fake`` pad backend with real
  keys), recovers at start-up like the app, then runs the planned operations; at its planned
  step it SIGKILLs itself (``Step`` boundaries through ``on_step``, on the wire through a
  timer, in the middle of the receipt).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

TERMINAL = "ZN610425001"
ZHANG_PAN = "6217991000001234561"
PIN = "123456"
FAULT_RATE = 0.3
READ_TIMEOUT = 0.4
IN_FLIGHT = 2.5
KILL_POINTS = ("before_prepare", "prepared", "sent_marked", "on_the_wire", "answered",
               "recorded", "resolved", "receipt", "random")
FAULTS = (
    {"kind": "timeout", "when": "after", "delay_ms": 700},
    {"kind": "timeout", "when": "before", "delay_ms": 700},
    {"kind": "reset", "when": "before", "delay_ms": 20},
    {"kind": "reset", "when": "after", "delay_ms": 20},
    {"kind": "error_5xx"},
    {"kind": "slow", "delay_ms": 250},
)
FAULT_PATHS = ["/v1/drawdowns", "/v1/repayments", "/v1/transactions"]


# --- the parent ----------------------------------------------------------------------------


def chaos_scenario(path: Path) -> Path:
    """The demo scenario with C0001's line raised so 200 drawdowns fit."""
    from peripherals_sim.scenario import DEFAULT_SCENARIO

    data = yaml.safe_load(Path(DEFAULT_SCENARIO).read_text(encoding="utf-8"))
    for c in data["customers"]:
        if c["id"] == "C0001":
            c["credit_line"]["limit"] = "100000000.00"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Figures:
    """What the run did and what it found."""

    trials: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    faults_set: Counter[str] = field(default_factory=Counter)
    faults_injected: int = 0
    kills_planned: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    kills_at: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    refused: int = 0
    rows: int = 0
    states: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    resent_rows: int = 0
    settled_by_query: int = 0
    host_booked: int = 0
    host_declined: int = 0
    duplicates: int = 0
    lost: int = 0
    mismatched: list[str] = field(default_factory=list)
    unresolved: int = 0
    reprint_due: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"trials {self.trials} ({dict(self.operations)}) in {self.seconds:.1f} s",
            f"faults set per trial at rate {FAULT_RATE}: {dict(self.faults_set)}; "
            f"injected by the host: {self.faults_injected}",
            f"kills (SIGKILL): {self.kills} of {sum(self.kills_planned.values())} planned "
            f"{dict(self.kills_at)}; restarts {self.restarts}",
            f"journal rows {self.rows}: {dict(self.states)}; reasons {dict(self.reasons)}",
            f"resent with the same key: {self.resent_rows}; settled by status query: "
            f"{self.settled_by_query}; refused before sending: {self.refused}",
            f"host ledger: {self.host_booked} booked, {self.host_declined} declined",
            f"duplicates {self.duplicates}, lost {self.lost}, mismatched "
            f"{len(self.mismatched)}, unresolved {self.unresolved}, "
            f"receipts to reprint {self.reprint_due}",
        ]


def plan(trials: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    ops = []
    for i in range(trials):
        r = rng.random()
        if r < 0.45:
            op = {"op": "drawdown", "amount": f"{rng.randint(500000, 900000) / 100:.2f}",
                  "months": rng.choice([6, 12, 24, 36])}
        elif r < 0.55:
            op = {"op": "drawdown", "amount": "5000.00", "months": 7}  # declined: product rule
        else:
            op = {"op": "repayment", "amount": f"{rng.randint(5000, 25000) / 100:.2f}"}
        op["i"] = i
        op["fault"] = rng.choice(FAULTS)
        op["kill"] = None if rng.random() < 0.3 else rng.choice(KILL_POINTS)
        op["kill_delay"] = round(rng.uniform(0.0, 0.6), 3)
        ops.append(op)
    return ops


def _control(control: str, method: str, path: str, body: Any = None) -> Any:
    with requests.Session() as s:
        s.trust_env = False
        r = s.request(method, control + path, json=body, timeout=10)
    r.raise_for_status()
    return r.json()


def run_chaos(host: Any, state_dir: Path, trials: int, seed: int = 12,
              log: Any = None) -> tuple[Figures, list[dict[str, Any]], dict[str, Any]]:
    """Run ``trials`` planned operations against ``host`` (a started HostProcess whose
    scenario is :func:`chaos_scenario`); returns the figures, the journal rows (JSON) and the
    host's ledger entries by key."""
    started = time.monotonic()
    figures = Figures(trials=trials)
    ops = plan(trials, seed)
    for op in ops:
        figures.operations[op["op"] + ("-declined" if op.get("months") == 7 else "")] += 1
        if op["kill"]:
            figures.kills_planned[op["kill"]] += 1
    state_dir.mkdir(parents=True, exist_ok=True)
    plan_file = state_dir / "chaos-plan.json"
    plan_file.write_text(json.dumps(ops))
    t = host.ready["terminals"][TERMINAL]
    conn = {"url": host.url, "ca_file": host.ready["ca_file"], "cert_file": t["cert_file"],
            "key_file": t["key_file"]}
    next_i = 0
    while next_i < trials:
        figures.restarts += 1
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.contract.money.chaos", "driver", "--state",
             str(state_dir), "--plan", str(plan_file), "--start", str(next_i), "--conn",
             json.dumps(conn), "--control", host.control],
            stdout=subprocess.PIPE, stderr=open(state_dir / "driver.log", "ab"),  # noqa: SIM115
            text=True, cwd=str(Path(__file__).resolve().parents[3]))
        assert proc.stdout is not None
        current = next_i
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "start":
                current = event["i"]
                next_i = current + 1
            elif event["event"] == "refused":
                figures.refused += 1
            elif event["event"] == "injected":
                figures.faults_injected += event["n"]
            if log is not None:
                log(event)
        rc = proc.wait()
        if rc != 0:  # what the host injected during the op that was cut short
            fault = _control(host.control, "GET", "/sim/fault")["fault"]
            figures.faults_injected += fault["injected"] if fault else 0
        if rc == -signal.SIGKILL:
            figures.kills += 1
            figures.kills_at[ops[current]["kill"] or "?"] += 1
        elif rc != 0:
            raise RuntimeError(f"chaos driver exited {rc}; see {state_dir / 'driver.log'}")
    for op in ops:
        figures.faults_set[op["fault"]["kind"] + "-" + op["fault"].get("when", "")] += 1
    # The host answers again: the last start-up recovers everything.
    _control(host.control, "DELETE", "/sim/fault")
    proc = subprocess.run(
        [sys.executable, "-m", "tests.contract.money.chaos", "driver", "--state",
         str(state_dir), "--plan", str(plan_file), "--start", str(trials), "--conn",
         json.dumps(conn), "--control", host.control, "--recover-wait", str(IN_FLIGHT * 4)],
        capture_output=True, text=True, cwd=str(Path(__file__).resolve().parents[3]),
        check=True)
    figures.seconds = time.monotonic() - started
    rows = _journal_rows(state_dir)
    booked = {e["key"]: e for e in _control(host.control, "GET", "/sim/ledger")["transactions"]
              if e["terminal_id"] == TERMINAL}
    compare(figures, rows, booked)
    del proc
    return figures, rows, booked


def _journal_rows(state_dir: Path) -> list[dict[str, Any]]:
    from offline_queue.journal import Journal

    journal = Journal.open(state_dir, TERMINAL, create=False)
    try:
        return [journal.get(r.serial, with_events=True).to_json(True)  # type: ignore[union-attr]
                for r in journal.rows()]
    finally:
        journal.close()


NOT_APPLIED_REASONS = {"not_sent", "not_applied", "HOST-NOT-SIGNED-IN", "HOST-MAC-INVALID"}


def compare(figures: Figures, rows: list[dict[str, Any]], booked: dict[str, Any]) -> None:
    """Host ledger vs journal, key for key."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["key"] in by_key:
            figures.duplicates += 1
        by_key[row["key"]] = row
        figures.states[row["state"]] += 1
        if row["reason"]:
            figures.reasons[row["reason"]] += 1
        if row["attempts"] > 1:
            figures.resent_rows += 1
        if any(e["note"].startswith("status query") for e in row["events"]):
            figures.settled_by_query += 1
        if row["state"] in ("PREPARED", "SENT", "UNKNOWN"):
            figures.unresolved += 1
        if row["receipt_required"] and not row["receipt_printed"]:
            figures.reprint_due += 1
    figures.rows = len(rows)
    figures.host_booked = sum(1 for e in booked.values() if e["state"] == "CONFIRMED")
    figures.host_declined = sum(1 for e in booked.values() if e["state"] == "DECLINED")
    for key, entry in booked.items():
        row = by_key.get(key)
        if row is None:
            figures.lost += 1
            figures.mismatched.append(f"{key}: on the host, not in the journal")
            continue
        if row["state"] != entry["state"]:
            if entry["state"] == "CONFIRMED":
                figures.lost += 1
            figures.mismatched.append(f"{key}: host {entry['state']}, journal {row['state']}")
        elif entry["state"] == "CONFIRMED" and (row["amount"] != entry["amount"]
                                                 or row["host_ref"] != entry["host_ref"]):
            figures.mismatched.append(f"{key}: amount/ref differ")
        elif entry["state"] == "DECLINED" and row["reason"] != entry["code"]:
            figures.mismatched.append(f"{key}: decline code {entry['code']} vs {row['reason']}")
    for key, row in by_key.items():
        if key in booked:
            continue
        if row["state"] == "CONFIRMED":
            figures.mismatched.append(f"{key}: journal CONFIRMED, host has no booking")
        elif row["state"] == "DECLINED" and row["reason"] not in NOT_APPLIED_REASONS:
            figures.mismatched.append(f"{key}: declined {row['reason']} but unknown to the host")


# --- the child -----------------------------------------------------------------------------


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def driver(args: argparse.Namespace) -> int:
    from devices.pinpad.fake import FakePinPad
    from devices.worker import DeviceWorker
    from kiosk.host import HostClient, HostSettings
    from kiosk.host.worker import load_keys_via_worker, mac_via_worker
    from kiosk.transactions import MoneyRefused, MoneySettings, Step, TransactionsService

    conn = json.loads(args.conn)
    ops = json.loads(Path(args.plan).read_text())
    state = Path(args.state)

    pad = FakePinPad(preload=False, mac_method="x9.19")
    pad_worker = DeviceWorker("pinpad", pad, lambda _e: None, probe_interval=60)
    pad_worker.start()
    base = {"url": conn["url"], "terminal_id": TERMINAL, "ca_file": Path(conn["ca_file"]),
            "cert_file": Path(conn["cert_file"]), "key_file": Path(conn["key_file"]),
            "connect_timeout": 2.0, "get_retries": 0}
    signer = HostClient(HostSettings(**base, read_timeout=10.0),
                        key_loader=load_keys_via_worker(pad_worker))
    signer.open()
    signer.sign_in()
    client = HostClient(HostSettings(**base, read_timeout=READ_TIMEOUT),
                        mac_provider=mac_via_worker(pad_worker))
    client.open()

    kill_at: dict[str, Any] = {"step": None}
    timers: list[threading.Timer] = []

    def later(seconds: float) -> None:
        timer = threading.Timer(seconds, _die)
        timers.append(timer)
        timer.start()

    def on_step(step: Step, _row: Any) -> None:
        if kill_at["step"] == step.value:
            _die()
        if kill_at["step"] == "on_the_wire" and step is Step.SENT_MARKED:
            later(kill_at["delay"] / 30)  # 0-20 ms: inside the request (~10 ms unfaulted)

    settings = MoneySettings(resolve_seconds=1.5, backoff=(0.05, 0.1, 0.2, 0.4),
                             in_flight_seconds=IN_FLIGHT, min_free_bytes=64 * 1024)
    service = TransactionsService.open(state, TERMINAL, client, settings, on_step=on_step)
    report = service.recover(wait_seconds=args.recover_wait)
    _emit({"event": "recovered", "resolved": len(report.resolved),
           "unresolved": len(report.unresolved), "reprint": len(report.reprint)})

    for op in ops[args.start:]:
        _emit({"event": "start", "i": op["i"]})
        _control(args.control, "POST", "/sim/fault",
                 {**op["fault"], "rate": FAULT_RATE, "paths": FAULT_PATHS,
                  "seed": op["i"]})
        ok, _reason = service.money_available()
        if not ok:
            service.recover(wait_seconds=IN_FLIGHT * 2)
        kill_at.update(step=op["kill"], delay=op["kill_delay"])
        if op["kill"] == "random":
            later(op["kill_delay"] / 6)  # 0-100 ms: anywhere in the operation
        handle = pad_worker.submit("get_pin", ZHANG_PAN, timeout=15)
        while pad.state()["mode"] != "pin":
            time.sleep(0.002)
        pad.press(PIN + "E")
        block = handle.wait(15).data.hex()
        try:
            if op["op"] == "drawdown":
                result = service.drawdown(customer_id="C0001", line_id="L0001",
                                          amount=op["amount"], months=op["months"],
                                          method="equal-installment", pan=ZHANG_PAN,
                                          pin_block=block)
            else:
                result = service.repay(customer_id="C0001", loan_id="JJ202510100001",
                                       kind="partial", amount=op["amount"], pan=ZHANG_PAN,
                                       pin_block=block)
        except MoneyRefused as exc:
            for timer in timers:
                timer.cancel()
            timers.clear()
            _emit({"event": "refused", "i": op["i"], "code": exc.code})
            continue
        fault = _control(args.control, "GET", "/sim/fault")["fault"]
        if fault:
            _emit({"event": "injected", "n": fault["injected"]})
        # The receipt (or the 处理中 slip): a kill in the middle leaves it owed.
        slip = state / "printer-out.txt"
        with slip.open("a", encoding="utf-8") as f:
            f.write(f"{result.key} {result.kind} {result.amount} ")
            f.flush()
            if kill_at["step"] == "receipt":
                _die()
            f.write(f"{result.outcome.value}\n")
        service.mark_receipt_printed(result.serial)
        for timer in timers:  # a kill planned for this operation does not hit the next
            timer.cancel()
        timers.clear()
        _emit({"event": "done", "i": op["i"], "state": result.state.value,
               "key": result.key})
        kill_at["step"] = None
    _control(args.control, "DELETE", "/sim/fault")
    service.close()
    client.close()
    signer.close()
    pad_worker.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.contract.money.chaos")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("driver")
    d.add_argument("--state", required=True)
    d.add_argument("--plan", required=True)
    d.add_argument("--start", type=int, default=0)
    d.add_argument("--conn", required=True)
    d.add_argument("--control", required=True)
    d.add_argument("--recover-wait", type=float, default=0.0)
    r = sub.add_parser("run", help="start a host simulator and run the chaos trials")
    r.add_argument("--trials", type=int, default=200)
    r.add_argument("--seed", type=int, default=12)
    r.add_argument("--out", default="build/chaos")
    args = p.parse_args(argv)
    if args.cmd == "driver":
        return driver(args)
    from peripherals_sim.bank_host.process import HostProcess

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scenario = chaos_scenario(out / "scenario.yaml")
    with HostProcess(out / "host", "--scenario", str(scenario),
                     stderr=out / "host.log") as host:
        figures, _rows, _booked = run_chaos(host, out / "state", args.trials, args.seed)
    print("\n".join(figures.lines()))
    for m in figures.mismatched:
        print("MISMATCH", m)
    print(f"state dir: {out / 'state'}  (kiosk journal list --state-dir {out / 'state'})")
    ok = not (figures.duplicates or figures.lost or figures.mismatched or figures.unresolved)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
