"""Power-loss style: a writer process appending and moving rows is SIGKILLed at random moments
(between and inside WAL frame writes); every time the journal opens without being called
corrupt, passes SQLite's integrity check, and holds every row whose commit had returned."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

from offline_queue.journal import Journal, TxState

WRITER = r"""
import sys
from decimal import Decimal
from offline_queue.journal import Journal, TxState
j = Journal.open(sys.argv[1], "ZN610425001")
while True:
    row = j.prepare("repayment", "C0001", Decimal("12.34"), "e" * 64,
                    detail={"pad": "x" * 1500})   # big rows: several WAL frames per commit
    print(json.dumps([row.serial, "PREPARED"]), flush=True)
    j.move(row.serial, TxState.SENT, sent=True)
    print(json.dumps([row.serial, "SENT"]), flush=True)
    j.move(row.serial, TxState.CONFIRMED, host_ref="H%d" % row.serial)
    print(json.dumps([row.serial, "CONFIRMED"]), flush=True)
"""

RANK = {"PREPARED": 0, "SENT": 1, "UNKNOWN": 2, "CONFIRMED": 3, "DECLINED": 3}


def test_killed_writer_leaves_a_journal_that_opens_with_every_commit(tmp_path):
    rng = random.Random(7)
    committed: dict[int, str] = {}
    for _round in range(12):
        proc = subprocess.Popen([sys.executable, "-c", "import json\n" + WRITER,
                                 str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # writing has begun (however slow the start-up)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        for line in [first, *out.splitlines()]:
            serial, state = json.loads(line)
            committed[serial] = state
        j = Journal.open(tmp_path, "ZN610425001")  # raises JournalCorrupt if it were damaged
        assert j.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = {r.serial: r for r in j.rows()}
        for serial, state in committed.items():
            assert serial in rows, f"row {serial} committed ({state}) but lost"
            assert RANK[rows[serial].state.value] >= RANK[state]
        # what the writer left half-done is what recovery resolves: PREPARED or SENT rows
        assert all(r.state in (TxState.PREPARED, TxState.SENT, TxState.CONFIRMED)
                   for r in rows.values())
        j.close()
    assert len(committed) >= 12  # at least one commit per round
