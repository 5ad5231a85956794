"""The autopilot's journeys in the audio-guided mode (development tool; the product never
imports this): the farmer never touches the screen. Every choice is made on the PIN pad's
keys through the PIN pad control (the simulator's control API with ``--devices sim``: the real
KMY driver, plain "system keyboard" mode), by the words the voice said (按2，算算利息 -> 2);
cards go into the readers as a farmer puts them there; the PIN is typed in the pad's own PIN
mode. Each journey's summary lists the choices it heard and the keys it pressed (``ear``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot


def parse_choices(said: str, tr: Any) -> dict[str, str]:
    """The numbered choices in what the guide said, by the catalog's own words in the
    language spoken (``audio.choice``, ``audio.separator``, ``audio.end``): label -> digit."""
    template = re.escape(tr("audio.choice")).replace(r"\{n\}", r"(?P<n>\d)").replace(
        r"\{label\}", r"(?P<label>.+)")
    end = tr("audio.end").strip()
    out: dict[str, str] = {}
    for part in said.split(tr("audio.separator").strip()):
        part = part.strip()
        if end and part.endswith(end):
            part = part[:-len(end)].strip()
        m = re.fullmatch(template, part, re.IGNORECASE)  # the first: Press 1 for ...
        if m:
            out[m.group("label").strip()] = m.group("n")
    return out


class Ear:
    """Plays a farmer who listens and answers on the PIN pad."""

    def __init__(self, pilot: Pilot) -> None:
        self.pilot = pilot
        self.guide = pilot.kiosk.audio
        self.pad = pilot.control("pinpad")
        self.log: list[str] = []

    def settle(self) -> None:
        """Let the guide say what it says after a key (a zero timer)."""
        timer = self.guide._announce_timer
        self.pilot.wait_until(lambda: not timer.isActive(), 5.0, "the guide to speak")

    def press(self, keys: str, *, wait: bool = True) -> None:
        """Press ``keys`` one by one as the pad listens; ``wait``: after each, until the
        journey waits for the farmer again (not when a key leads to someone else's step)."""
        for key in keys:
            self.settle()  # a farmer listens before answering
            heard = self.guide.key_count
            self.pad.press_plain(key, lambda ok, k=key: self.pilot.wait_until(
                ok, 20.0, f"the PIN pad to listen for {k}"))
            self.pilot.wait_until(lambda h=heard: self.guide.key_count > h, 10.0,
                                  f"the kiosk to hear {key}")
            if wait:
                self.pilot.wait_until(lambda: not self.guide.journey_waits()
                                      or self.guide.pin_entry(), 30.0, "the host or the printer")
            self.settle()
        self.log.append(f"keys {keys}")

    def past_loading(self) -> None:
        """Wait while a screen says it is fetching something (…_loading)."""
        self.pilot.wait_until(lambda: "loading" not in self.pilot.shell.current_name(), 30.0,
                              "the answer")
        self.settle()

    def choices(self) -> dict[str, str]:
        """The choices last read out on the screen shown: label -> digit."""
        screen = self.pilot.shell.current_name()
        self.pilot.wait_until(lambda: self.guide.last_choices[0] == screen
                              and not self.guide.journey_waits(), 20.0,
                              f"the choices of {screen} to be read out")
        return parse_choices(self.guide.last_choices[1], self.guide.texts)

    def last_said(self) -> str:
        """The last utterance as the farmer heard it (kiosk.voice.speakable)."""
        from kiosk.voice import speakable

        return speakable(self.pilot.kiosk.voice.last_text or "", self.guide.texts.lang)

    @property
    def zh(self) -> bool:
        return bool(self.guide.texts.lang.startswith("zh"))

    def heard(self, msgid: str) -> str:
        """The last utterance that said the catalog's ``msgid`` (its words before the first
        field), as spoken; "" when it was not said."""
        from kiosk.voice import speakable

        lang = self.guide.texts.lang
        start = speakable(self.guide.texts(msgid).split("{")[0], lang).strip()
        return next((t for _, t in reversed(self.pilot.spoken_log.spoken)
                     if start and start in t), "")

    def t(self, msgid: str, **fields: Any) -> str:
        """A catalog text in the language the voice speaks now."""
        return str(self.guide.texts(msgid, **fields))

    def words(self, *words: str) -> list[str]:
        """``words`` as heard: a msgid of the catalogs becomes its text in the language spoken
        (the farmer's choice does not depend on the language); other words stay as they are."""
        tr = self.guide.texts
        return [tr(w) if "." in w and tr.has(w) else w for w in words]

    def choose(self, *words: str) -> str:
        """Press the digit of the first choice heard whose label holds one of ``words``
        (msgids or words)."""
        heard = self.choices()
        words = tuple(self.words(*words))
        for label, digit in heard.items():
            if any(w in label for w in words):
                self.log.append(f"heard {'; '.join(f'{d} {lb}' for lb, d in heard.items())}")
                self.press(digit)
                self.log[-1] = f"chose {digit} {label}"
                return label
        raise JourneyFailed(f"no choice {'/'.join(words)} was read out (heard {heard}) on "
                            f"{self.pilot.shell.current_name()}")

    def figure(self, digits: str, spoken: str = "") -> None:
        """Type a figure, hear it read back, accept it with 确认 twice."""
        self.press(digits)
        said = self.last_said()
        if spoken and spoken not in said:
            raise JourneyFailed(f"{digits} was read back as {said!r}")
        self.log.append(f"read back {said}")
        self.press("EE")

    def open_service(self, service: str, group: str) -> None:
        """From the home: its group when that is read out, then the service; else the service
        itself (a group with one service shows the service). By the group first: a service
        may be called like its group (en: Borrow in Borrow)."""
        if not any(w == label for label in self.choices() for w in self.words(group)):
            self.choose(service)
            return
        self.choose(group)
        self.pilot.wait_screen("home_group")
        self.choose(service)

    def start(self) -> None:
        """On the home screen: the key that starts the audio-guided mode."""
        self.pilot.wait_screen("attract")
        self.pilot.wait_until(lambda: self.guide.wants_keys(), 20.0,
                              "the home to listen to the PIN pad")
        key = self.guide.settings.enter_key
        self.press("E" if key == "enter" else key)
        if not self.guide.active:
            raise JourneyFailed("the audio-guided mode did not start")
        self.pilot.capture("audio_on")

    def leave(self) -> None:
        """取消 on the home screen: the mode ends."""
        self.pilot.wait_screen("attract")
        self.press("X")
        if self.guide.active:
            raise JourneyFailed("取消 on the home did not end the audio-guided mode")

    def done(self) -> str:
        result = self.pilot.result
        if result is not None:
            result.ear = list(self.log)
        return "; ".join(x for x in self.log if x.startswith("chose"))


def identify_by_ear(ear: Ear, person: str, card: str) -> None:
    """The identification step by ear: the ID card and the bank card go in as a farmer puts
    them there, 确认 answers the welcome, the PIN is typed in the pad's own PIN mode (the guide
    is not listening then), 知道了 answers the reminders and 确认 the greeting."""
    pilot = ear.pilot
    pilot.wait_screen("insert_id")
    pilot.insert_id(person)
    pilot.wait_screen("welcome")
    ear.press("E")
    pilot.wait_screen("insert_bank")
    pilot.insert_bank_card(card)
    pilot.wait_screen("enter_pin")
    pin = _pin_of(pilot, card)
    pilot.press_pin_keys(pin + "E")
    ear.log.append("PIN typed in the pad's PIN mode")
    pilot.wait_until(lambda: pilot.shell.current_name() not in ("enter_pin", "verifying"),
                     30.0, "the host's answer")
    for _ in range(4):
        screen = pilot.shell.current_name()
        if screen not in ("reminder", "identified"):
            return
        if screen == "reminder":
            ear.choose("screen.reminder.ack")  # not 现在还款: on to the service chosen
        else:
            ear.press("E")
        pilot.wait_until(lambda: pilot.shell.current_name() not in ("reminder", "identified")
                         or not pilot.runner.pad_in_use(), 10.0, "the next screen")


def identified_by_ear(pilot: Pilot, service: str, group: str, person: str, card: str) -> Ear:
    """From the home by ear: the mode started, the service opened (msgids), identified."""
    ear = Ear(pilot)
    pilot.need_bank_step()
    pilot.take_cards()
    ear.start()
    ear.open_service(service, group)
    identify_by_ear(ear, person, card)
    return ear


def _pin_of(pilot: Pilot, card: str) -> str:
    from peripherals_sim.scenario import by_id

    return str(by_id(pilot.scenario.get("cards") or [], card)["pin"])


def end_by_ear(ear: Ear) -> None:
    """Back on the home between services: 取消 (结束办理), the cards taken, then the mode ends."""
    pilot = ear.pilot
    if pilot.runner.between_journeys:
        pilot.wait_screen("attract")
        ear.settle()
        ear.press("X")
    pilot.wait_until(lambda: pilot.shell.current_name() in ("remove_id", "remove_cards")
                     or not pilot.runner.active, 10.0, "the cards to be asked back")
    pilot.take_cards()
    pilot.expect_outcome("done")
    ear.leave()


def ear_loan_queries(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: 还钱 -> 查贷款 -> identification (PIN on the pad) -> the loan said -> (several
    loans: 看这笔) -> 还款计划 -> 0 (the rows) -> 返回 -> (返回 to the choosing) -> 看完了 ->
    结束办理 -> cards back."""
    ear = identified_by_ear(pilot, "home.service.loan_queries", "home.group.repay",
                            "zhang_weiguo", "zhang_debit")
    pilot.wait_until(lambda: pilot.runner.current == "loan_queries", 20.0, "the loans")
    ear.past_loading()
    ear.log.append(f"screen {pilot.shell.current_name()}: {', '.join(ear.choices())}")
    ear.press("0")
    several = any(w in label for label in ear.choices() for w in ear.words("loanq.pick_loan"))
    if several:  # after the drawdown zhang_weiguo has two loans: this one first
        ear.choose("loanq.pick_loan")
    ear.press("E")  # the primary: the schedule
    ear.past_loading()
    ear.log.append(f"screen {pilot.shell.current_name()}: {', '.join(ear.choices())}")
    ear.choose("screen.common.back")
    if several:
        ear.choose("loanq.back")
    ear.choose("loanq.finish")
    end_by_ear(ear)
    return ear.done()


def confirm_pay_and_end(ear: Ear, card: str, result_screen: str, success: str) -> None:
    """确认 on the confirmation, the PIN typed in the pad's own PIN mode, the result said (the
    catalog's ``success`` prompt), 完成, then 结束办理 and the cards."""
    pilot = ear.pilot
    ear.press("E")
    pilot.wait_until(ear.guide.pin_entry, 20.0, "the PIN step")
    pilot.press_pin_keys(_pin_of(pilot, card) + "E")
    ear.log.append("PIN typed in the pad's PIN mode")
    pilot.wait_screen(result_screen, 30.0)
    pilot.wait_until(lambda: not ear.guide.journey_waits(), 30.0, "the receipt")
    ear.settle()
    result = ear.heard(success)
    ear.log.append(f"result said: {result}")
    if not result:
        raise JourneyFailed(f"{result_screen}: no success said ({pilot.kiosk.voice.last_text!r})")
    ear.press("E")
    end_by_ear(ear)


def ear_drawdown(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: 借钱 -> 借款 -> identification -> 30000 typed on the pad and read back -> 一年 ->
    每月还一样多 -> the quote said (amount, rate, interest) -> 确认 -> the PIN in the pad's PIN
    mode -> 借款成功 said -> 完成 -> 结束办理 -> cards back."""
    ear = identified_by_ear(pilot, "home.service.drawdown", "home.group.borrow",
                            params.get("person", "zhang_weiguo"), params.get("card", "zhang_debit"))
    pilot.wait_screen("drawdown_amount", 30.0)
    ear.figure("30000", "三万元" if ear.zh else "30,000")
    pilot.wait_screen("drawdown_term", 30.0)
    ear.choose("apply.term.years.1")
    pilot.wait_screen("drawdown_method", 30.0)
    ear.choose("calc.method.equal-installment")
    pilot.wait_screen("drawdown_quote", 30.0)
    ear.settle()
    quote = ear.heard("voice.drawdown.quote")
    ear.log.append(f"quote said: {quote}")
    if ("三万元" if ear.zh else "30,000") not in quote:
        raise JourneyFailed(f"the quote was not said: {quote!r}")
    confirm_pay_and_end(ear, params.get("card", "zhang_debit"), "drawdown_success",
                        "voice.drawdown.success")
    return ear.done()


def ear_repay(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: 还钱 -> 还贷款 -> identification -> the loan said -> 提前还一部分 -> 3000 typed on
    the pad and read back -> 少还几期 -> the confirmation said -> 确认 -> the PIN in the pad's
    PIN mode -> the result said -> 完成 -> 结束办理 -> cards back."""
    ear = identified_by_ear(pilot, "home.service.repay", "home.group.repay",
                            params.get("person", "zhang_weiguo"), params.get("card", "zhang_debit"))
    pilot.wait_screen("repay_loan", 30.0)
    if any(ear.t("repay.pick_loan") in label for label in ear.choices()):
        ear.choose("repay.pick_loan")  # several loans: one is picked first
    ear.choose("repay.choice.part")
    pilot.wait_screen("repay_amount")
    ear.figure("3000", "三千元" if ear.zh else "3,000")
    pilot.wait_screen("repay_options", 30.0)
    ear.settle()
    ear.choose("repay.option.shorter_term")
    pilot.wait_screen("repay_confirm", 30.0)
    ear.settle()
    confirm = pilot.kiosk.voice.last_text or ""
    ear.log.append(f"confirmation said: {confirm}")
    confirm_pay_and_end(ear, params.get("card", "zhang_debit"), "repay_result",
                        "voice.repay.success")
    return ear.done()


def ear_apply(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: 借钱 -> 申请贷款 -> identification -> the first purpose read out -> 20000 typed
    and read back -> the first term -> a mobile number typed and read back digit by digit ->
    同意 -> the host's answer said -> 确认 -> 结束办理 -> cards back."""
    ear = identified_by_ear(pilot, "home.service.apply", "home.group.borrow",
                            params.get("person", "liu_yan"), params.get("card", "liu_debit"))
    for _ in range(12):  # whatever the application asks, by what the voice reads out
        screen = pilot.shell.current_name()
        if not screen.startswith("apply_"):
            pilot.wait_until(lambda: pilot.shell.current_name().startswith("apply_"), 20.0,
                             "the application")
            continue
        ear.past_loading()
        screen = pilot.shell.current_name()
        if screen in ("apply_amount", "apply_phone"):
            ear.figure({"apply_amount": "50000", "apply_phone": "13991234567"}[screen])
        elif screen == "apply_consent":
            ear.choose("apply.consent.agree")
        elif screen == "apply_term":
            ear.choose("apply.term.years.1")
        elif screen == "apply_purpose":
            ear.press("1")
            ear.log[-1] = f"chose 1 on {screen}"
        else:  # an answer: said, then 确认
            ear.log.append(f"answer said: {pilot.kiosk.voice.last_text}")
            ear.press("E")
            break
        pilot.wait_until(lambda s=screen: pilot.shell.current_name() != s, 20.0,
                         f"the next step after {screen}")
    end_by_ear(ear)
    return ear.done()


def ear_calculator(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear and keys: 确认 on the home -> 算算利息 -> 30000 (read back) -> 12 months -> the rate
    offered -> 每月还一样多 -> the result said -> 每期明细 -> 0 (the rows read) -> 返回 ->
    打印 when there is a printer -> 算完了 -> home -> 取消 (the mode ends)."""
    ear = Ear(pilot)
    ear.start()
    ear.open_service("home.service.calculator", "home.group.calculate")
    pilot.wait_screen("calc_amount")
    ear.figure("30000", "三万元" if ear.zh else "30,000")
    pilot.wait_screen("calc_term")
    ear.figure("12")
    pilot.wait_screen("calc_rate")
    ear.press("EE")
    pilot.wait_screen("calc_method")
    ear.choose("calc.method.equal-installment")
    pilot.wait_screen("calc_result")
    summary = pilot.kiosk.voice.last_text or ""
    if "利息" not in summary and "interest" not in summary.lower():
        raise JourneyFailed(f"the result was not said: {summary!r}")
    ear.choose("calc.result.schedule")
    pilot.wait_screen("calc_schedule")
    ear.press("0")
    ear.choose("screen.common.back")
    pilot.wait_screen("calc_result")
    printed = ""
    if ear.t("calc.print") in " ".join(ear.choices()):
        ear.choose("calc.print")
        view = pilot.runner.views_of("calculator").result_view
        pilot.wait_until(view.print_button.isEnabled, 20.0, "the estimate to print")
        printed = ", printed"
    ear.press("E")  # 算完了
    pilot.expect_outcome("done")
    ear.leave()
    return ear.done() + printed


def heard_since(ear: Ear, first: int) -> list[str]:
    """What the voice said since utterance ``first`` (the summary's words)."""
    return [t for _, t in ear.pilot.spoken_log.spoken[first:]]


def ear_account_change(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear (the assistant signed in: a supervised session): 还钱 -> 查还款计划和明细 ->
    identification -> the loan said with its card's tail -> 换还款卡 -> 换这笔的卡 -> the old
    card out (said) -> the same card in again (refused, said) -> 换一张卡 -> out -> the new card
    in (said) -> both tails said -> 确认更换 -> the assistant
    types her own password (her touch, the farmer hears what happens) -> the new card's PIN in
    the pad's PIN mode -> 换好了 said -> 完成 -> 看完了 -> 结束办理 -> cards back."""
    from screens.journeys.account_change.autopilot import NEW_CARD, OLD_CARD, supervised_session
    from screens.staff.autopilot import _type

    pilot.need_bank_step()
    who = supervised_session(pilot)
    staff = pilot.kiosk.staff
    ear = identified_by_ear(pilot, "home.service.loan_queries", "home.group.repay",
                            "zhang_weiguo", OLD_CARD)
    pilot.wait_until(lambda: pilot.runner.current == "loan_queries", 20.0, "the loans")
    ear.past_loading()
    ear.choose("loanq.change_account")
    pilot.wait_screen("account_change_loan", 20.0)
    ear.settle()
    ear.log.append(f"loan said: {ear.last_said()}")
    ear.press("E")  # 换这笔的卡
    pilot.wait_screen("account_change_remove_old", 20.0)
    ear.settle()
    ear.log.append(f"remove said: {ear.last_said()}")
    pilot.remove_bank_card()
    pilot.wait_screen("insert_bank", 20.0)
    ear.settle()
    ear.log.append(f"insert said: {ear.last_said()}")
    pilot.insert_bank_card(OLD_CARD)  # the card the loan already uses: refused, said
    pilot.wait_screen("account_change_card_problem", 20.0)
    ear.settle()
    ear.log.append(f"same card said: {ear.last_said()}")
    ear.choose("acct.problem.again")
    pilot.wait_screen("account_change_remove_old", 20.0)
    pilot.remove_bank_card()
    pilot.wait_screen("insert_bank", 20.0)
    pilot.insert_bank_card(NEW_CARD)
    pilot.wait_screen("account_change_confirm", 20.0)
    ear.settle()
    ear.log.append(f"confirmation said: {ear.last_said()}")
    ear.press("E", wait=False)  # 确认更换: the assistant's step next
    pilot.wait_screen("staff_authorize", 15.0)
    ear.settle()
    ear.log.append(f"authorisation said: {ear.last_said()}")
    _type(pilot, staff.auth_view.keyboard, who[1])
    pilot.click(staff.auth_view.confirm_button)  # the assistant's own touch
    pilot.wait_screen("account_change_pin", 20.0)
    pilot.press_pin_keys(_pin_of(pilot, NEW_CARD) + "E")
    ear.log.append("PIN typed in the pad's PIN mode")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "account_change_success", "account_change_pending", "account_change_failed"), 60.0,
        "the account change")
    pilot.wait_until(lambda: not ear.guide.journey_waits(), 30.0, "the receipt")
    ear.settle()
    result = ear.heard("voice.acct.success")
    ear.log.append(f"result said: {result}")
    if pilot.shell.current_name() != "account_change_success" or not result:
        raise JourneyFailed(f"the account change ended on {pilot.shell.current_name()}")
    ear.press("E")  # 完成: back to the loan, read again
    pilot.wait_screen("loan_queries_loan", 20.0)
    ear.settle()
    ear.log.append(f"loan now said: {ear.last_said()}")
    ear.choose("loanq.finish", "screen.common.back")
    end_by_ear(ear)
    staff.sign_out()
    pilot.wait_screen("attract")
    return ear.done()


def ear_progress(pilot: Pilot, params: dict[str, Any]) -> str:
    """By ear: 借钱 -> 查额度 -> identification (赵桂兰, no line) -> 申请进度 -> her counter
    application said -> 0 (the steps read) -> 打印 -> 看完了 -> 结束办理 -> cards back."""
    ear = identified_by_ear(pilot, "home.service.credit_line", "home.group.borrow",
                            params.get("person", "zhao_guilan"), params.get("card", "zhao_debit"))
    pilot.wait_screen("credit_line_none", 30.0)
    ear.past_loading()
    ear.log.append(f"no line said: {ear.last_said()}")
    ear.choose("line.none.progress")
    pilot.wait_screen("progress_item", 30.0)
    ear.settle()
    ear.log.append(f"progress said: {ear.last_said()}")
    ear.press("0")
    ear.log.append(f"0 read: {ear.last_said()}")
    if any(ear.t("progress.print") in label for label in ear.choices()):
        ear.choose("progress.print")
        view = pilot.runner.views_of("progress").item_view
        pilot.wait_until(view.print_button.isEnabled, 20.0, "the progress to print")
        ear.settle()
    ear.press("E")  # 看完了
    pilot.wait_until(lambda: pilot.shell.current_name() != "progress_item", 20.0,
                     "the end of the progress")
    end_by_ear(ear)
    return ear.done()


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    yield Journey("ear-calculator", ear_calculator, {},
                  "audio-guided mode: the calculator by ear and PIN pad keys only")
    # before the drawdown: the card change by ear with one loan on the screen (the loan
    # queries with two loans, after the drawdown, pick one first)
    yield Journey("ear-account-change", ear_account_change, {},
                  "audio-guided mode: the repayment card changed by ear and keys (supervised)")
    yield Journey("ear-drawdown", ear_drawdown, {},
                  "audio-guided mode: a drawdown on the credit line by ear and keys")
    yield Journey("ear-repay", ear_repay, {},
                  "audio-guided mode: an early part repayment by ear and keys, PIN on the pad")
    yield Journey("ear-apply", ear_apply, {},
                  "audio-guided mode: a loan application by ear and keys")
    yield Journey("ear-loan-queries", ear_loan_queries, {},
                  "audio-guided mode: identification and the loans by ear and keys")
    yield Journey("ear-progress", ear_progress, {},
                  "audio-guided mode: the application progress by ear and keys")
