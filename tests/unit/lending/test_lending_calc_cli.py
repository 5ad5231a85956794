"""``kiosk calc``: the reference examples through the real console script, JSON and table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.lending.calc_cli import main

KIOSK = Path(sys.executable).with_name("kiosk")


def calc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KIOSK), "calc", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def calc_json(*args: str) -> dict:
    proc = calc(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


BASE = ("--amount", "50000", "--months", "12", "--rate", "0.0435")


@pytest.mark.parametrize(
    ("extra", "first", "last", "total_interest", "total_payment"),
    [
        (("--method", "equal-installment", "--start", "2025-03-21"),
         ("4265.50", "4084.25", "181.25", "45915.75"), ("4265.44", "4250.03", "15.41", "0.00"),
         "1185.94", "51185.94"),
        (("--method", "equal-principal", "--start", "2025-03-21"),
         ("4347.92", "4166.67", "181.25", "45833.33"), ("4181.73", "4166.63", "15.10", "0.00"),
         "1178.12", "51178.12"),
        (("--method", "interest-first", "--start", "2025-03-21"),
         ("181.25", "0.00", "181.25", "50000.00"), ("50181.25", "50000.00", "181.25", "0.00"),
         "2175.00", "52175.00"),
        (("--method", "interest-first", "--start", "2025-03-21", "--convention", "actual"),
         ("187.29", "0.00", "187.29", "50000.00"), ("50169.17", "50000.00", "169.17", "0.00"),
         "2205.20", "52205.20"),
        (("--method", "bullet", "--start", "2025-03-21"),
         ("52175.00", "50000.00", "2175.00", "0.00"), None, "2175.00", "52175.00"),
        (("--method", "bullet", "--start", "2025-03-21", "--convention", "actual"),
         ("52205.21", "50000.00", "2205.21", "0.00"), None, "2205.21", "52205.21"),
        (("--method", "bullet", "--start", "2025-03-21", "--convention", "actual",
          "--day-basis", "365"),
         ("52175.00", "50000.00", "2175.00", "0.00"), None, "2175.00", "52175.00"),
        (("--method", "equal-installment", "--start", "2025-03-10", "--due-day", "21"),
         ("4265.50", "4011.75", "253.75", "45988.25"), ("4340.89", "4325.21", "15.68", "0.00"),
         "1261.39", "51261.39"),
        (("--method", "equal-principal", "--start", "2025-03-10", "--due-day", "21"),
         ("4420.42", "4166.67", "253.75", "45833.33"), ("4181.73", "4166.63", "15.10", "0.00"),
         "1250.62", "51250.62"),
    ],
)
def test_kiosk_calc_json_reproduces_the_reference_examples(extra, first, last, total_interest,
                                                          total_payment):
    out = calc_json(*BASE, *extra)
    rows = out["installments"]
    keys = ("payment", "principal", "interest", "balance")
    assert tuple(rows[0][k] for k in keys) == first
    if last is not None:
        assert tuple(rows[-1][k] for k in keys) == last
    assert (out["total_interest"], out["total_payment"]) == (total_interest, total_payment)


def test_kiosk_calc_json_has_exactly_the_documented_shape():
    out = calc_json(*BASE, "--method", "equal-installment", "--start", "2025-03-21")
    assert set(out) == {"installments", "total_interest", "total_payment", "apr_simple",
                        "apr_compound"}
    assert [r["n"] for r in out["installments"]] == list(range(1, 13))
    assert out["installments"][0]["due_date"] == "2025-04-21"
    assert out["installments"][-1]["due_date"] == "2026-03-21"
    for row in out["installments"]:
        assert set(row) == {"n", "due_date", "payment", "principal", "interest", "balance"}
        for key in ("payment", "principal", "interest", "balance"):
            assert isinstance(row[key], str) and row[key].split(".")[1].__len__() == 2
    assert out["apr_simple"] == "0.043500"
    assert out["apr_compound"] == "0.044378"


def test_kiosk_calc_fee_is_part_of_the_disclosed_annual_rate():
    args = ("--amount", "100000", "--months", "12", "--rate", "0.1", "--method",
            "equal-installment", "--start", "2025-03-21")
    plain = calc_json(*args)
    with_fee = calc_json(*args, "--fee", "1000")
    assert plain["installments"] == with_fee["installments"]
    assert plain["apr_simple"] == "0.100000"
    # 1% of the principal kept back raises the rate by about 1.8 points over a year
    assert 0.017 < float(with_fee["apr_simple"]) - float(plain["apr_simple"]) < 0.020


def test_kiosk_calc_prints_a_chinese_table_by_default():
    proc = calc(*BASE, "--method", "equal-installment", "--start", "2025-03-10",
                "--due-day", "21")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "等额本息" in text
    assert "期数" in text and "剩余本金" in text
    assert "4,340.89" in text and "51,261.39" in text and "1,261.39" in text
    assert "年化利率（单利）4.35%" in text
    assert "年化利率（复利）4.44%" in text
    assert len(text.strip().splitlines()) == 12 + 7


def test_kiosk_calc_table_in_english(capsys):
    assert main([*BASE, "--method", "bullet", "--start", "2025-03-21", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "Principal and interest at maturity" in text
    assert "52,175.00" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--amount", "50000", "--months", "12", "--rate", "4.35", "--method", "bullet"),
         "0.0435"),
        (("--amount", "abc", "--months", "12", "--rate", "0.04", "--method", "bullet"),
         "--amount"),
        (("--amount", "-100", "--months", "12", "--rate", "0.04", "--method", "bullet"),
         "positive"),
        (("--amount", "100.005", "--months", "12", "--rate", "0.04", "--method", "bullet"),
         "two decimals"),
        (("--amount", "100", "--months", "0", "--rate", "0.04", "--method", "bullet"),
         "months"),
        (("--amount", "100", "--months", "1.5", "--rate", "0.04", "--method", "bullet"),
         "--months"),
        (("--amount", "100", "--months", "12", "--rate", "0.04", "--method", "monthly"),
         "invalid choice"),
        (("--amount", "100", "--months", "12", "--rate", "0.04", "--method", "bullet",
          "--start", "2025-02-30"), "--start"),
        (("--amount", "100", "--months", "12", "--rate", "0.04", "--method", "bullet",
          "--due-day", "40"), "due_day"),
        (("--months", "12", "--rate", "0.04", "--method", "bullet"), "--amount"),
        (("--amount", "100", "--months", "12", "--rate", "0.04", "--method", "bullet",
          "--fee", "100"), "--fee"),
    ],
)
def test_kiosk_calc_bad_usage_exits_64_with_a_clear_message(args, message, capsys):
    with pytest.raises(SystemExit) as caught:
        main(list(args))
    assert caught.value.code == 64
    out = capsys.readouterr()
    assert message in out.err
    assert out.out == ""


def test_kiosk_calc_console_script_exits_64_on_a_percent_rate():
    proc = calc("--amount", "50000", "--months", "12", "--rate", "4.35", "--method", "bullet")
    assert proc.returncode == 64
    assert "0.0435" in proc.stderr and proc.stdout == ""
