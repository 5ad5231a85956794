"""Money amounts in Chinese capitals (大写金额), as written on bank vouchers.

Rules of 《支付结算办法》 附件 (正确填写票据和结算凭证的基本规定): 壹贰叁肆伍陆柒捌玖, 拾佰仟万亿;
"整" after 元 when there are no 角/分, none after 分; one 零 for a run of zeros inside the
number (壹万零壹拾元), and 零 between 元 and 角/分 when the units digit or the 角 is zero
(壹佰元零伍角, 壹元零伍分). Amounts below one yuan start at 角/分 (伍分).
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """0 < n < 10000 without leading zero, inner zeros collapsed to one 零."""
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[pos]
    return out


def integer_capitals(n: int) -> str:
    """Non-negative integer in capitals: 10010 -> 壹万零壹拾, 100000000 -> 壹亿."""
    if n < 0:
        raise ValueError("negative amount")
    if n == 0:
        return "零"
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("amount too large")
    out = ""
    pending_zero = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        out += _four(g) + GROUP_UNITS[i]
        pending_zero = False
    return out


def amount_in_capitals(amount: Decimal | str | int) -> str:
    """Amount -> 大写: 0.05 伍分, 10.00 壹拾元整, 100.50 壹佰元零伍角, 10010.01 壹万零壹拾元零壹分.

    The amount must be exact to the fen (a third decimal raises ValueError: money is never
    rounded silently).
    """
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    if value < 0:
        raise ValueError("negative amount")
    fen_total = value * 100
    if fen_total != fen_total.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    fen_total_int = int(fen_total)
    yuan, rest = divmod(fen_total_int, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    out = ""
    if yuan:
        out = integer_capitals(yuan) + "元"
        if rest == 0:
            return out + "整"
    if jiao:
        if yuan and yuan % 10 == 0:
            out += "零"
        out += DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            out += "零"
        out += DIGITS[fen] + "分"
    return out
