"""``kiosk demo``: the autopilot drives the real GUI offscreen through the journeys, saves a
PNG per screen and summary.json, and exits 0 only when every journey ended as expected."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


def run_demo(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--out", str(out), "--idle", "1.5",
         "--idle-warning", "1", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240)


def test_autopilot_with_fakes_runs_the_first_journeys(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "fake", "--voice", "fake", "--journey", "attract",
                      "--journey", "expired-card", "--journey", "idle-timeout",
                      "--journey", "identify-zhang_weiguo", "--journey", "identify-anna_smith")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True and summary["platform"] == "offscreen"
    assert summary["size"] == [1280, 800]
    by_name = {j["name"]: j for j in summary["journeys"]}
    assert by_name["expired-card"]["error_code"] == "IDC-EXPIRED"
    assert by_name["expired-card"]["outcome"] == "failed"
    assert any("身份证已过期" in t for t in by_name["expired-card"]["spoken"])
    assert by_name["idle-timeout"]["outcome"] == "timedOut"
    assert any(t.startswith("您还在吗") for t in by_name["idle-timeout"]["spoken"])
    zhang = by_name["identify-zhang_weiguo"]
    assert zhang["outcome"] == "done"
    screens = [s.split("-")[-1].removesuffix(".png") for s in zhang["screens"]]
    # the way there from the home (a group when 借钱 holds several services), then in order:
    # identification, the farmer back on the home between journeys (结束办理), the cards back
    path = ["insert_id", "reading", "welcome", "insert_bank", "enter_pin", "verifying",
            "reminder", "identified", "home_identified", "remove_id", "attract"]
    seen = iter(screens)
    assert all(step in seen for step in path), screens  # a subsequence, in this order
    assert screens[-1] == "attract" and screens.index("insert_id") <= 1
    assert any("应还" in t and "元" in t for t in zhang["spoken"])  # the amount, in words
    assert by_name["identify-anna_smith"]["outcome"] == "canceled"  # no bank card
    for journey in summary["journeys"]:
        for name in journey["screens"]:
            image = QImage(str(out / name))
            assert (image.width(), image.height()) == (1280, 800), name


def test_autopilot_against_the_idcard_simulator_with_espeak(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "sim", "--voice", "espeak", "--size", "1024x768",
                      "--journey", "identify-li_xiuying", "--journey", "expired-card")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True and summary["size"] == [1024, 768]
    assert summary["devices"]["idcard"].startswith("samv (simulator at socket://127.0.0.1:")
    wavs = sorted((out / "voice").glob("*.wav"))
    assert wavs, "espeak wrote no prompt"
    with wave.open(str(wavs[0])) as w:
        assert w.getnframes() / w.getframerate() > 0.5


def test_autopilot_bank_card_journeys_with_fakes_and_the_host_simulator(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "fake", "--voice", "fake", "--pin-timeout", "1.5",
                      "--journey", "identify-wang_jianjun", "--journey", "bank",
                      "--journey", "sign_line", "--journey", "drawdown")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_name = {j["name"]: j for j in summary["journeys"]}
    signing = by_name["sign_line-li_xiuying"]  # 额度签约: terms, pad, PIN, 成功, 已签约
    assert signing["outcome"] == "done" and "已签约" in signing["expected"]
    assert any("年化利率单利百分之三点八五" in t for t in signing["spoken"])
    assert any(s.endswith("signature_refused.png") for s in signing["screens"])
    assert any(s.endswith("sign_line_success.png") for s in signing["screens"])
    drawdown = by_name["drawdown-zhang_weiguo"]  # 借款: the cost said before the PIN
    assert drawdown["outcome"] == "done" and "借款成功" in drawdown["expected"]
    told = drawdown["disclosures"]
    assert len(told) == 1 and told[0]["amount"] == "30000.00"
    assert told[0]["apr_simple"].startswith("0.0435") or told[0]["apr_simple"] == "0.043498"
    assert "三万元" in told[0]["spoken"] and "年化利率单利百分之四点三五" in told[0]["spoken"]
    assert any(s.endswith("drawdown_quote.png") for s in drawdown["screens"])
    assert "overdue" in by_name["identify-wang_jianjun"]["expected"]
    assert any("逾期" in t for t in by_name["identify-wang_jianjun"]["spoken"])
    assert by_name["bank-wrong-pin"]["expected"].startswith("HOST-PIN-WRONG, retried")
    assert by_name["bank-pad-cancel"]["outcome"] == "canceled"
    assert by_name["bank-pin-timeout"]["error_code"] == "PIN-TIMEOUT"
    assert any(s.endswith("insert_bank_again.png")
               for s in by_name["bank-card-pulled"]["screens"])
    assert any(s.endswith("choose_account.png")
               for s in by_name["bank-choose-account"]["screens"])


def test_autopilot_staff_journeys_against_the_simulators(tmp_path: Path) -> None:
    """Staff mode by the hidden gesture (the entry code on the PIN pad simulator): a reprint
    and a drawdown above the self-service amount authorised by the assistant's own password,
    the technician's self-test, and the sign-in locked after the failures."""
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "sim", "--voice", "fake",
                      "--journey", "staff-reprint-authorised",
                      "--journey", "staff-drawdown-authorised",
                      "--journey", "staff-technician-selftest",
                      "--journey", "staff-sign-in-lockout")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_name = {j["name"]: j for j in summary["journeys"]}
    supervised = by_name["staff-drawdown-authorised"]  # above 50,000: the staff's password
    assert supervised["outcome"] == "done" and "authorised by S1001" in supervised["expected"]
    assert supervised["disclosures"][0]["amount"] == "60000.00"
    assert any(s.endswith("authorise.png") for s in supervised["screens"])
    assert any(s.endswith("drawdown_success.png") for s in supervised["screens"])
    assert by_name["staff-reprint-authorised"]["expected"] == "reprint authorised and printed"
    assert by_name["staff-technician-selftest"]["expected"].startswith("self-test: ")
    assert by_name["staff-sign-in-lockout"]["expected"] == "locked after the failures"


def test_unknown_journey_is_a_usage_error(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", "--journey", "no-such-journey")
    assert result.returncode == 64


@pytest.mark.slow
def test_autopilot_bank_card_journeys_against_every_simulator(tmp_path: Path) -> None:
    """samv ID card reader, pcsc bank card reader (pcscd + vpcd + kiosk-sim iccard), kmy PIN
    pad and the bank host, each against its simulator (takes the machine's pcscd lock)."""
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "sim", "--iccard", "sim", "--voice", "fake",
                      "--pin-timeout", "2", "--journey", "identify-wang_jianjun",
                      "--journey", "bank-wrong-pin", "--journey", "bank-card-pulled",
                      "--journey", "drawdown")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["devices"]["iccard"].startswith("pcsc (simulator")
    assert summary["devices"]["pinpad"].startswith("kmy (simulator")
    by_name = {j["name"]: j for j in summary["journeys"]}
    drawdown = by_name["drawdown-zhang_weiguo"]  # 借款: the cost said before the PIN
    assert drawdown["outcome"] == "done" and "借款成功" in drawdown["expected"]
    told = drawdown["disclosures"]
    assert len(told) == 1 and told[0]["amount"] == "30000.00"
    assert told[0]["apr_simple"].startswith("0.0435") or told[0]["apr_simple"] == "0.043498"
    assert "三万元" in told[0]["spoken"] and "年化利率单利百分之四点三五" in told[0]["spoken"]
    assert any(s.endswith("drawdown_quote.png") for s in drawdown["screens"])
    assert "overdue" in by_name["identify-wang_jianjun"]["expected"]


def test_autopilot_by_ear_and_pin_pad_keys_only(tmp_path: Path) -> None:
    """The audio-guided mode: the autopilot never touches the screen; every choice and figure
    goes through the PIN pad simulator (kmy driver, plain mode), chosen by what was said."""
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "sim", "--voice", "fake", "--idle", "20",
                      "--idle-warning", "5", "--journey", "ear-calculator",
                      "--journey", "ear-account-change", "--journey", "ear-drawdown",
                      "--journey", "ear-repay", "--journey", "ear-progress",
                      "--journey", "ear-sign-line")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["devices"]["pinpad"].startswith("kmy (simulator")
    by_name = {j["name"]: j for j in summary["journeys"]}
    calc = by_name["ear-calculator"]
    assert calc["ok"] and calc["outcome"] == "done"
    assert "heard 1 算算利息; 2 有哪些贷款; 3 返回" in calc["ear"]
    assert "chose 1 算算利息" in calc["ear"] and "read back 三万元" in calc["ear"]
    spoken = "\n".join(calc["spoken"])
    assert "按一，每月还一样多" in spoken and "您输入的是三万元" in spoken
    assert spoken.endswith("语音引导已关闭。")
    draw = by_name["ear-drawdown"]
    assert draw["ok"] and draw["outcome"] == "done"
    assert "chose 1 借款" in draw["ear"] and "chose 2 一年" in draw["ear"]
    assert any(e.startswith("quote said: 请听清楚：您借三万元") for e in draw["ear"])
    assert any(e.startswith("result said: 借款成功") for e in draw["ear"])
    repay = by_name["ear-repay"]
    assert repay["ok"] and repay["outcome"] == "done"
    assert "chose 2 提前还一部分" in repay["ear"] and "read back 三千元" in repay["ear"]
    assert "PIN typed in the pad's PIN mode" in repay["ear"]
    assert any(e.startswith("result said: 还款成功，还了三千元") for e in repay["ear"])
    said = "\n".join(repay["spoken"])
    assert "请在密码键盘上输入六位密码，确认还款" in said  # the PIN's own prompt
    acct = by_name["ear-account-change"]  # a second card, a staff password, by ear
    assert acct["ok"] and acct["outcome"] == "done"
    assert "chose 1 换还款卡" in acct["ear"] and "chose 2 换一张卡" in acct["ear"]
    heard = {e.split(": ", 1)[0]: e.split(": ", 1)[1] for e in acct["ear"] if ": " in e}
    assert heard["remove said"].startswith("请先取走原来的银行卡，再插入新的银行卡。按取消键")
    assert "芯片朝上" in heard["insert said"]
    assert heard["same card said"].startswith(
        "这张卡就是现在的还款卡，不用换。按一，不换了；按二，换一张卡")
    assert "尾号四五六一" in heard["confirmation said"] and "尾号六五四六" in heard[
        "confirmation said"]
    assert heard["result said"].startswith("换好了。以后每期还款从尾号六五四六")
    said = acct["spoken"]
    assert "四千五百六十一" not in "".join(said)  # a card tail is digits, never a number
    assert all(a != b for a, b in itertools.pairwise(said))  # a prompt is not said twice
    progress = by_name["ear-progress"]
    assert progress["ok"] and progress["outcome"] == "done"
    assert "chose 1 申请进度" in progress["ear"] and "chose 1 打印" in progress["ear"]
    said = "\n".join(progress["spoken"])
    assert "三月十三日在网点柜台办理的贷款申请，两万元" in said
    assert "三月十四日 审查" in said and "○" not in said  # 0: the steps, without signs
    sign = by_name["ear-sign-line"]  # 见证签约: no signature pad by ear, a staff witness
    assert sign["ok"] and sign["outcome"] == "done"
    assert "chose 2 去签约" in sign["ear"]
    assert any(e.startswith("witness call said: 您不用写名字") for e in sign["ear"])
    assert any(e.startswith("result said: 签约成功") for e in sign["ear"])
    assert "line says: 已签约，额度用到2027年3月31日。" in sign["ear"]
    slip = (out / sign["receipts"][0]).read_text("utf-8").replace(" ", "")
    assert "签约方式：见证签约" in slip and "见证人：S1001" in slip and "李秀英" not in slip


def test_autopilot_repayments_keep_what_was_said_before_each_confirmation(
        tmp_path: Path) -> None:
    """马秀兰's overdue reminder 现在还款 (the worked example's lines), then the payoff to the
    day: the summary keeps each spoken confirmation and the receipts' text (the other
    repayment journeys: ``kiosk demo --journey repay``; their paths are the GUI tests')."""
    out = tmp_path / "demo"
    result = run_demo(out, "--devices", "fake", "--voice", "fake", "--size", "1024x768",
                      "--journey", "repay-overdue_payoff-ma_xiulan")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_name = {j["name"]: j for j in summary["journeys"]}
    ma = by_name["repay-overdue_payoff-ma_xiulan"]
    overdue, payoff = (d["spoken"] for d in ma["disclosures"])
    assert [d["amount"] for d in ma["disclosures"]] == ["4288.70", "41968.28"]
    assert "四千二百八十八元七角" in overdue and "罚息二十二元二角九分" in overdue
    assert "复利九角一分" in overdue and "尾号三四五一" in overdue
    assert overdue.endswith("没有问题请按确认还款。")
    assert "四万一千九百六十八元二角八分" in payoff and "还清" in payoff
    slip, closing = ((out / name).read_text("utf-8") for name in ma["receipts"])
    assert "4,288.70" in slip and "22.29" in slip and "0.91" in slip and "马秀兰" not in slip
    assert "41,968.28" in closing
