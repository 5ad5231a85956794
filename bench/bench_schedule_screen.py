"""The schedule screens of the loan queries (journey 7) for a 360-installment loan: machine
time (this process's CPU time, ``time.process_time``) from the host's answer in hand to the
screen painted, for the chart screen (the summary in words and the chart of paid / due /
overdue / future per installment, what 还款计划 opens on) and the paged table (看明细表).

Goal (issue 15): the schedule screen opens in <= 200 ms of machine time.

The first opening in a process includes importing pyqtgraph and building the chart widget
(the start path never loads it); later openings re-fill the same widgets. Both are reported.
The journey imports pyqtgraph on a background thread while the loan screen is shown
(``warm_chart``); ``--cold`` leaves that out.
Offscreen, 1280x800, the kiosk's font and style sheet::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_schedule_screen.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up: the first opening imports pyqtgraph itself")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication, QStackedWidget

    from kiosk.app import make_qt_app
    from kiosk.i18n import Translator
    from screens.journeys.loan_queries.screens import (
        LoanQueriesViews,
        sample_plan,
        show_schedule,
    )

    app = make_qt_app("zh_CN")
    tr = Translator("zh_CN")
    today = dt.date(2026, 3, 16)
    views = LoanQueriesViews()
    stack = QStackedWidget()
    for page in views.pages():
        stack.addWidget(page)
    stack.resize(1280, 800)
    stack.show()
    QApplication.processEvents()
    schedule = sample_plan(360)

    def open_chart() -> float:
        start = time.process_time()
        views.chart_view.show_plan(tr, schedule.rows, can_print=True)
        stack.setCurrentWidget(views.chart_view)
        views.chart_view.repaint()
        QApplication.processEvents()
        return (time.process_time() - start) * 1000

    def open_table() -> float:
        start = time.process_time()
        show_schedule(views.schedule_view, tr, schedule, today)
        stack.setCurrentWidget(views.schedule_view)
        views.schedule_view.repaint()
        QApplication.processEvents()
        return (time.process_time() - start) * 1000

    def away() -> None:
        stack.setCurrentWidget(views.loan_view)
        QApplication.processEvents()

    from screens.journeys.loan_queries import screens as loan_screens

    if "--cold" not in sys.argv:  # as in the journey: warmed while the loan screen is shown
        loan_screens.warm_chart()
        stack.setCurrentWidget(views.loan_view)
        while loan_screens._warming[0].is_alive():
            QApplication.processEvents()
            time.sleep(0.005)
    first_chart = open_chart()
    away()
    first_table = open_table()
    away()
    chart, table = [], []
    for _ in range(args.rounds):  # interleaved: chart, table, chart, table ...
        chart.append(open_chart())
        away()
        table.append(open_table())
        away()
    result = {
        "installments": len(schedule.rows),
        "first_chart_ms": round(first_chart, 1),
        "first_table_ms": round(first_table, 1),
        "chart_median_ms": round(statistics.median(chart), 1),
        "chart_max_ms": round(max(chart), 1),
        "table_median_ms": round(statistics.median(table), 1),
        "table_max_ms": round(max(table), 1),
        "rounds": args.rounds,
        "warmed": not args.cold,
        "goal_ms": GOAL_MS,
        "first_open_within_goal": first_chart <= GOAL_MS and first_table <= GOAL_MS,
    }
    print(json.dumps(result, indent=2))
    del app


if __name__ == "__main__":
    main()
