"""Properties: wrapping never overflows a line nor loses text; the simulator's interpreter
survives any byte stream."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from devices.printer.layout import text_columns, wrap
from peripherals_sim.printer.parser import EscPosParser

TEXT = st.text(alphabet=st.sampled_from(list("ab 12,.金额：￥䶮张卫国，。")), max_size=80)


@given(TEXT, st.integers(min_value=2, max_value=48))
@example("11。", 2)  # found by hypothesis: carrying "1" down with "。" overflowed a 2-column line
def test_wrapped_lines_fit_and_keep_every_character(text, columns):
    lines = wrap(text, columns)
    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=200)
@given(st.binary(max_size=400), st.integers(min_value=1, max_value=50))
def test_interpreter_never_crashes_on_arbitrary_bytes(data, cut):
    parser = EscPosParser()
    parser.feed(data[:cut])
    parser.feed(data[cut:])
    parser.finish()
    assert parser.buf == bytearray()
