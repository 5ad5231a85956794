"""The simulator's own ESC/POS interpreter against the byte streams python-escpos produces."""

from __future__ import annotations

import socket
import time

from escpos.printer import Dummy
from PIL import Image

from peripherals_sim.printer.parser import Cut, EscPosParser, Feed, QrCode, Raster, TextLine
from peripherals_sim.printer.render import to_png, to_text
from peripherals_sim.printer.server import PrinterSim, PrinterTcpServer


def parse(data: bytes, **kw) -> EscPosParser:
    p = EscPosParser(**kw)
    p.feed(data)
    p.finish()
    return p


def lines(p: EscPosParser) -> list[str]:
    return [i.text for i in p.paper.items if isinstance(i, TextLine)]


def test_text_styles_from_python_escpos_set():
    d = Dummy()
    d.hw("INIT")
    d.set(align="center", bold=True, custom_size=True, width=2, height=2)
    d._raw(b"\x1c&" + "回单".encode("gb18030") + b"\n")
    d.set(align="left", bold=False, custom_size=True, width=1, height=1, underline=1)
    d.text("plain\n")
    p = parse(d.output)
    title, plain = [i for i in p.paper.items if isinstance(i, TextLine)]
    assert title.text == "回单" and title.align == 1
    assert title.runs[0].style.bold and title.runs[0].style.width == 2
    assert title.runs[0].style.height == 2
    assert plain.text == "plain" and plain.runs[0].style.underline
    assert p.paper.errors == [] and p.paper.unknown == []


def test_esc_bang_sizes_apply_to_ascii_and_fs_bang_to_hanzi():
    d = Dummy()
    d.set(double_width=True, double_height=True)
    d._raw(b"AB" + "中".encode("gb18030") + b"\x1c!\x0c" + "文".encode("gb18030") + b"\n")
    (line,) = parse(d.output).paper.items
    assert [(r.text, r.style.width, r.style.height) for r in line.runs] == [
        ("AB", 2, 2), ("中", 1, 1), ("文", 2, 2)]


def test_python_escpos_text_with_ideographs_decodes_without_fs_ampersand_on_a_chinese_printer():
    d = Dummy()
    d.text("账户余额：￥1,234.50\n")
    assert lines(parse(d.output)) == ["账户余额：￥1,234.50"]


def test_gbk_and_four_byte_gb18030():
    data = b"\x1c&" + "囧¥䶮".encode("gb18030") + b"\n"
    assert lines(parse(data)) == ["囧¥䶮"]
    gb2312 = parse(data, codec="gb18030", font_charset="gb2312")
    assert gb2312.paper.errors and "\ufffd" in lines(gb2312)[0]


def test_undecodable_bytes_are_errors_not_silent():
    p = parse(b"\x1c&\xff\xff\n")
    assert p.paper.errors and lines(p) == ["\ufffd"]


def test_outside_chinese_mode_bytes_use_the_code_page():
    assert lines(parse(b"\x1c.\x1bt\x10caf\xe9\n")) == ["café"]


def test_native_qr_from_python_escpos():
    d = Dummy()
    d.qr("https://e.zhunong.example/v?s=1", size=5, native=True)
    (qr,) = parse(d.output).paper.items
    assert isinstance(qr, QrCode)
    assert qr.payload == "https://e.zhunong.example/v?s=1" and qr.module == 5


def test_image_qr_and_raster_image_from_python_escpos():
    d = Dummy(profile="POS-5890")
    d.qr("HELLO", native=False)
    d.image(Image.new("1", (40, 30), 0))  # all black
    p = parse(d.output)
    rasters = [i for i in p.paper.items if isinstance(i, Raster)]
    assert len(rasters) == 2
    assert (rasters[1].width, rasters[1].height) == (40, 30)
    assert all(b == 0xFF for b in rasters[1].data[:5])
    assert p.paper.unknown == [] and p.paper.errors == []


def test_graphics_and_column_image_modes():
    img = Image.new("1", (16, 24), 0)
    for impl in ("graphics", "bitImageColumn"):
        d = Dummy()
        d.image(img, impl=impl)
        p = parse(d.output)
        rasters = [i for i in p.paper.items if isinstance(i, Raster)]
        assert rasters and rasters[0].width >= 16, impl
        assert p.paper.unknown == [], impl


def test_cuts_from_python_escpos():
    for kwargs, mode in (({}, "full"), ({"mode": "PART"}, "partial"), ({"feed": False}, "partial")):
        d = Dummy()
        d.text("x\n")
        d.cut(**kwargs)
        items = parse(d.output).paper.items
        assert isinstance(items[-1], Cut) and items[-1].mode == mode, kwargs
    d = Dummy()
    d.cut()
    feeds = [i for i in parse(d.output).paper.items if isinstance(i, TextLine)]
    assert len(feeds) == 6  # ESC d 6


def test_status_requests_are_answered_in_stream_order():
    asked = []

    def respond(kind, n):
        asked.append((kind, n))
        return bytes([0x12 + n])

    p = EscPosParser(respond=respond)
    reply = p.feed(b"ab\x10\x04\x01cd\x10\x04\x04\x1dr\x01")
    assert asked == [("dle_eot", 1), ("dle_eot", 4), ("gs_r", 1)]
    assert reply == bytes([0x13, 0x16, 0x13])


def test_commands_split_across_reads_are_reassembled():
    data = b"\x1b@\x1c&" + "中文".encode("gb18030") + b"\n\x1d(k\x08\x001P0HELLO\x1d(k\x03\x001Q0"
    p = EscPosParser()
    for i in range(len(data)):
        p.feed(data[i:i + 1])
    p.finish()
    assert lines(p) == ["中文"]
    assert [i.payload for i in p.paper.items if isinstance(i, QrCode)] == ["HELLO"]


def test_text_and_png_rendering():
    p = parse(b"\x1ba\x01\x1c&" + "回单".encode("gb18030") + b"\n\x1bJ\x10\x1dV\x00")
    assert isinstance(p.paper.items[1], Feed)
    text = to_text(p.paper.items, 32)
    assert text == " " * 14 + "回单\n[CUT full]\n"
    png = to_png(p.paper.items, 384)
    assert png.startswith(b"\x89PNG")


def test_server_splits_jobs_at_the_cut_and_answers_faults(tmp_path):
    sim = PrinterSim(tmp_path, {"idle_timeout": 0.3, "render_png": False})
    server = PrinterTcpServer(sim)
    import threading
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(b"one\n\x1dV\x00two\n\x1dV\x01")
            s.sendall(b"\x10\x04\x04")
            assert s.recv(1) == b"\x12"
            sim.set_fault("paper_near_end")
            s.sendall(b"\x10\x04\x04")
            assert s.recv(1) == b"\x1e"
            sim.set_fault("paper_out")
            s.sendall(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")
            assert s.recv(3) == bytes([0x1A, 0x32, 0x7E])
            s.sendall(b"lost\n\x1dV\x00")
            time.sleep(0.6)  # idle: the job without a cut is stored
            sim.clear_fault()
            sim.set_fault("silent")
            s.sendall(b"\x10\x04\x01")
            s.settimeout(0.3)
            try:
                got = s.recv(1)
            except TimeoutError:
                got = b""
            assert got == b""
        deadline = time.monotonic() + 3
        while len(sim.jobs()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        jobs = sim.jobs()
        assert [j["cut"] for j in jobs[:2]] == ["full", "partial"]
        assert sim.job_text(1) == "one\n[CUT full]\n"
        assert sim.job_text(2) == "two\n[CUT partial]\n"
        assert (tmp_path / "0001.bin").read_bytes() == b"one\n\x1dV\x00"
        assert jobs[2]["not_printed"] == 2 and not jobs[2]["complete"]
    finally:
        server.stop()
