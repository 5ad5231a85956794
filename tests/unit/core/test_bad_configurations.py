"""Bad configurations through the real command line: ``kiosk run``, ``kiosk demo`` and every
``kiosk diag`` subcommand exit 64 with a message that names the key, and no traceback.

Each case is a valid real-terminal file (``sim = false``, every device named, the host over
HTTPS with real certificate files) with one thing broken. The valid file itself passes (the
first test), so each case fails for its own reason.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.cli import main as kiosk_main
from kiosk.preflight import load_checked_config

DIAG_COMMANDS = [
    ["diag", "idcard", "read", "--timeout", "1"], ["diag", "idcard", "status"],
    ["diag", "idcard", "samid"], ["diag", "iccard", "read", "--timeout", "1"],
    ["diag", "iccard", "status"], ["diag", "pinpad", "status"],
    ["diag", "pinpad", "keytest", "--timeout", "1"], ["diag", "pinpad", "load-keys"],
    ["diag", "printer", "status"], ["diag", "printer", "test-print"],
    ["diag", "voice", "status"], ["diag", "voice", "say", "你好"],
    ["diag", "host", "ping"], ["diag", "host", "sign-in"], ["diag", "host", "check"],
    ["diag", "all", "selftest"], ["diag", "config", "show"], ["diag", "ports", "list"],
    ["diag", "logs", "export", "--to", "/nonexistent-usb"],
]


# --- certificates -----------------------------------------------------------------------------


def _cert(cn: str, key: ec.EllipticCurvePrivateKey, *, start: dt.datetime, end: dt.datetime,
          ca: bool = False) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    year = dt.timedelta(days=365)
    ca_key, key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    files = {
        "ca.pem": _cert("Test CA", ca_key, start=now - year, end=now + year, ca=True),
        "terminal.pem": _cert("ZN610425001", key, start=now - year, end=now + year),
        "terminal.key": _key(key),
        "other.key": _key(other_key),
        "expired.pem": _cert("ZN610425001", key, start=now - 2 * year, end=now - year),
        "future.pem": _cert("ZN610425001", key, start=now + year, end=now + 2 * year),
        "expired-ca.pem": _cert("Old CA", ca_key, start=now - 2 * year, end=now - year,
                                ca=True),
        "garbage.pem": b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                       b"-----END CERTIFICATE-----\n",
        "empty.pem": b"",
        "encrypted.key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret")),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    (d / "a-directory").mkdir()
    return {name.replace(".", "_").replace("-", "_"): d / name
            for name in [*files, "a-directory"]}


# --- the cases --------------------------------------------------------------------------------

BASE = {
    "top": 'sim = false\nlanguage = "zh_CN"\nstate_dir = "{state}"\n',
    "terminal": '[terminal]\nid = "ZN610425001"\n',
    "timeouts": "[timeouts]\nidle_seconds = 60\nidle_warning_seconds = 15\n",
    "voice": '[voice]\nbackend = "fake"\n',
    "idcard": '[devices.idcard]\nbackend = "samv"\nurl = "/dev/ttyUSB0"\nbaud = 115200\n',
    "iccard": '[devices.iccard]\nbackend = "pcsc"\nreader = "ACS"\n',
    "printer": '[devices.printer]\nbackend = "escpos"\nurl = "usb://0416:5011"\n'
               'profile = "generic_80mm"\n',
    "pinpad": '[devices.pinpad]\nbackend = "kmy"\nurl = "/dev/ttyS1"\nbaud = 9600\n',
    "host": '[host]\nurl = "https://lending.example-rcc.cn"\nca_file = "{ca_pem}"\n'
            'cert_file = "{terminal_pem}"\nkey_file = "{terminal_key}"\n',
}


@dataclass
class Case:
    name: str
    key: str  # the key the message must name
    replace: dict[str, str] = field(default_factory=dict)  # section -> new text
    add: str = ""  # appended to the file
    env: dict[str, str] = field(default_factory=dict)
    raw: str | None = None  # the whole file instead
    state_dir_case: bool = False  # only kiosk run checks the state directory

    @property
    def demo(self) -> bool:
        """``kiosk demo`` sets sim, state_dir, the idle timeouts and the voice backend itself
        (its own options): a case about those, or about a rule of a real terminal only
        (sim = false), is not a bad configuration for the demo."""
        return not (self.state_dir_case or self.name in DEMO_SETS)


def case(name: str, key: str, section: str | None = None, text: str = "", **kw) -> Case:
    return Case(name, key, {section: text} if section else {}, **kw)


IDC = '[devices.idcard]\nbackend = "samv"\n'
ICC = '[devices.iccard]\nbackend = "pcsc"\n'
PRN = '[devices.printer]\nbackend = "escpos"\n'
PIN = '[devices.pinpad]\nbackend = "kmy"\n'
HOST = '[host]\nurl = "https://lending.example-rcc.cn"\n'
TLS = 'ca_file = "{ca_pem}"\n'

CASES = [
    Case("toml-syntax", "kiosk.toml", raw="[terminal\nid = 1\n"),
    Case("not-utf8", "kiosk.toml", raw="language = \"\xff\"\n"),
    case("unknown-top-level-key", "langauge", "top",
         'langauge = "en"\nsim = false\nstate_dir = "{state}"\n'),
    case("unknown-section", "hots", add='[hots]\nurl = "x"\n'),
    case("language-not-offered", "language", "top",
         'sim = false\nlanguage = "fr"\nstate_dir = "{state}"\n'),
    case("sim-not-a-bool", "sim", "top", 'sim = "maybe"\nstate_dir = "{state}"\n'),
    case("state-dir-a-number", "state_dir", "top", "sim = false\nstate_dir = 5\n"),
    case("terminal-id-empty", "terminal.id", "terminal", '[terminal]\nid = ""\n'),
    case("terminal-id-with-space", "terminal.id", "terminal", '[terminal]\nid = "ZN 6104"\n'),
    case("idle-not-a-number", "timeouts.idle_seconds", "timeouts",
         '[timeouts]\nidle_seconds = "soon"\n'),
    case("idle-negative", "timeouts.idle_seconds", "timeouts", "[timeouts]\nidle_seconds = -1\n"),
    case("warning-after-timeout", "timeouts.idle_warning_seconds", "timeouts",
         "[timeouts]\nidle_seconds = 10\nidle_warning_seconds = 90\n"),
    case("voice-rate-too-slow", "voice.rate", "voice", '[voice]\nbackend = "fake"\nrate = 10\n'),
    case("voice-backend-unknown", "voice.backend", "voice", '[voice]\nbackend = "festival"\n'),
    case("missing-device-section", "devices.pinpad", "pinpad", ""),
    case("idcard-backend-unknown", "devices.idcard.backend", "idcard",
         '[devices.idcard]\nbackend = "acme"\nurl = "/dev/ttyUSB0"\n'),
    case("idcard-baud-fast", "devices.idcard.baud", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nbaud = "fast"\n'),
    case("idcard-baud-zero", "devices.idcard.baud", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nbaud = 0\n'),
    case("idcard-url-integer", "devices.idcard.url", "idcard", IDC + "url = 5\n"),
    case("idcard-url-missing", "devices.idcard.url", "idcard", IDC),
    case("idcard-url-not-a-port", "devices.idcard.url", "idcard", IDC + 'url = "ttyUSB0"\n'),
    case("idcard-typo-bauds", "devices.idcard.bauds", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nbauds = 9600\n'),
    case("idcard-retries-negative", "devices.idcard.retries", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nretries = -1\n'),
    case("idcard-timeout-zero", "devices.idcard.find_timeout", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nfind_timeout = 0\n'),
    case("idcard-exclusive-text", "devices.idcard.exclusive", "idcard",
         IDC + 'url = "/dev/ttyUSB0"\nexclusive = "perhaps"\n'),
    case("iccard-selection-unknown", "devices.iccard.selection", "iccard",
         ICC + 'reader = "ACS"\nselection = "first"\n'),
    case("iccard-directory-unknown", "devices.iccard.directories", "iccard",
         ICC + 'directories = ["ppse", "sse"]\n'),
    case("iccard-aid-not-hex", "devices.iccard.aids", "iccard", ICC + 'aids = ["XYZ"]\n'),
    case("iccard-terminal-country", "devices.iccard.terminal.country", "iccard",
         ICC + '[devices.iccard.terminal]\ncountry = "CN"\n'),
    case("iccard-typo-readr", "devices.iccard.readr", "iccard", ICC + 'readr = "ACS"\n'),
    case("printer-port-not-a-number", "devices.printer.url", "printer",
         PRN + 'url = "tcp://127.0.0.1:abc"\n'),
    case("printer-usb-ids-not-hex", "devices.printer.url", "printer",
         PRN + 'url = "usb://zz:11"\n'),
    case("printer-profile-unknown", "devices.printer.profile", "printer",
         PRN + 'url = "usb://0416:5011"\nprofile = "TM-T88V"\n'),
    case("printer-url-missing", "devices.printer.url", "printer", PRN),
    case("printer-dsrdtr-text", "devices.printer.dsrdtr", "printer",
         PRN + 'url = "/dev/ttyS0"\ndsrdtr = "sometimes"\n'),
    case("file-printer-without-path", "devices.printer.path", "printer",
         '[devices.printer]\nbackend = "file"\n'),
    case("pinpad-framing-unknown", "devices.pinpad.framing", "pinpad",
         PIN + 'url = "/dev/ttyS1"\nframing = "morse"\n'),
    case("pinpad-algorithm-unknown", "devices.pinpad.algorithm", "pinpad",
         PIN + 'url = "/dev/ttyS1"\nalgorithm = "des"\n'),
    case("pinpad-mac-unknown", "devices.pinpad.mac_method", "pinpad",
         PIN + 'url = "/dev/ttyS1"\nmac_method = "md5"\n'),
    case("pinpad-slot-too-high", "devices.pinpad.pik_slot", "pinpad",
         PIN + 'url = "/dev/ttyS1"\npik_slot = 99\n'),
    case("pinpad-etx-maybe", "devices.pinpad.etx", "pinpad",
         PIN + 'url = "/dev/ttyS1"\netx = "maybe"\n'),
    case("pinpad-tcp-without-port", "devices.pinpad.url", "pinpad",
         PIN + 'url = "tcp://127.0.0.1"\n'),
    case("host-http-on-a-real-terminal", "host.url", "host",
         '[host]\nurl = "http://lending.example-rcc.cn"\n'),
    case("host-url-not-a-url", "host.url", "host", '[host]\nurl = "ftp://x"\n'),
    case("host-url-integer", "host.url", "host", "[host]\nurl = 443\n"),
    case("host-connect-timeout-zero", "host.connect_timeout", "host",
         HOST + "connect_timeout = 0\n"),
    case("ca-file-missing", "host.ca_file", "host", HOST + 'ca_file = "/nonexistent/ca.pem"\n'),
    case("ca-file-a-directory", "host.ca_file", "host", HOST + 'ca_file = "{a_directory}"\n'),
    case("ca-file-empty", "host.ca_file", "host", HOST + 'ca_file = "{empty_pem}"\n'),
    case("ca-expired", "host.ca_file", "host", HOST + 'ca_file = "{expired_ca_pem}"\n'),
    case("cert-garbage", "host.cert_file", "host",
         HOST + TLS + 'cert_file = "{garbage_pem}"\nkey_file = "{terminal_key}"\n'),
    case("cert-expired", "host.cert_file", "host",
         HOST + TLS + 'cert_file = "{expired_pem}"\nkey_file = "{terminal_key}"\n'),
    case("cert-not-yet-valid", "host.cert_file", "host",
         HOST + TLS + 'cert_file = "{future_pem}"\nkey_file = "{terminal_key}"\n'),
    case("key-of-another-cert", "host.key_file", "host",
         HOST + TLS + 'cert_file = "{terminal_pem}"\nkey_file = "{other_key}"\n'),
    case("key-encrypted", "host.key_file", "host",
         HOST + TLS + 'cert_file = "{terminal_pem}"\nkey_file = "{encrypted_key}"\n'),
    case("key-is-a-certificate", "host.key_file", "host",
         HOST + TLS + 'cert_file = "{terminal_pem}"\nkey_file = "{terminal_pem}"\n'),
    case("cert-without-key", "host.key_file", "host",
         HOST + TLS + 'cert_file = "{terminal_pem}"\n'),
    case("drawdown-negative", "limits.supervised_drawdown_amount",
         add='[limits]\nsupervised_drawdown_amount = "-5"\n'),
    case("drawdown-thousandths", "limits.supervised_drawdown_amount",
         add='[limits]\nsupervised_drawdown_amount = "1.234"\n'),
    case("ui-width-tiny", "ui.width", add="[ui]\nwidth = 100\n"),
    case("log-level-unknown", "logging.level", add='[logging]\nlevel = "LOUD"\n'),
    case("memory-negative", "service.memory_max_mb", add="[service]\nmemory_max_mb = -1\n"),
    case("clock-skew-zero", "clock.max_skew_seconds", add="[clock]\nmax_skew_seconds = 0\n"),
    case("env-typo", "timeouts.idle_secnds", env={"KIOSK_TIMEOUTS__IDLE_SECNDS": "30"}),
    case("env-device-parameter", "devices.idcard.baud",
         env={"KIOSK_DEVICES__IDCARD__BAUD": "fast"}),
    case("state-dir-is-a-file", "state_dir", "top",
         'sim = false\nstate_dir = "{ca_pem}"\n', state_dir_case=True),
    case("state-dir-under-a-file", "state_dir", "top",
         'sim = false\nstate_dir = "{ca_pem}/state"\n', state_dir_case=True),
]


DEMO_SETS = {"sim-not-a-bool", "state-dir-a-number", "idle-not-a-number", "idle-negative",
             "warning-after-timeout", "voice-backend-unknown", "idcard-url-missing",
             "printer-url-missing", "file-printer-without-path", "host-http-on-a-real-terminal"}


def write_config(tmp_path: Path, pki: dict[str, Path], c: Case | None) -> Path:
    values = {k: str(v) for k, v in pki.items()} | {"state": str(tmp_path / "state")}
    if c is not None and c.raw is not None:
        text = c.raw
    else:
        sections = dict(BASE)
        if c is not None:
            sections.update(c.replace)
        text = "".join(sections.values()) + (c.add if c is not None else "")
    path = tmp_path / "kiosk.toml"
    path.write_text(text.format(**values) if "{" in text else text, encoding="utf-8",
                    errors="surrogateescape")
    if c is not None and c.name == "not-utf8":
        path.write_bytes(b'language = "\xff"\n')
    return path


@pytest.fixture()
def run_cli(capsys, monkeypatch):
    """``kiosk ARGS`` through the real entry point (kiosk.cli.main), in this process."""
    umask = os.umask(0o022)
    os.umask(umask)
    monkeypatch.delenv("KIOSK_STATE_DIR", raising=False)  # tests/conftest.py's: the file decides

    def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = kiosk_main(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        out = capsys.readouterr()
        for name in env:
            monkeypatch.delenv(name)
        return code, out.out, out.err

    yield run
    os.umask(umask)


def test_the_base_terminal_file_is_valid(tmp_path, pki):
    config = load_checked_config(write_config(tmp_path, pki, None), env={})
    assert config.sim is False and config.host.url.startswith("https://")
    assert config.devices.printer.params == {"url": "usb://0416:5011", "profile": "generic_80mm"}


def test_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_every_command_exits_64_naming_the_key(c, tmp_path, pki, run_cli):
    path = write_config(tmp_path, pki, c)
    commands = [["run"]]
    if c.demo:
        commands.append(["demo", "--out", str(tmp_path / "demo"), "--voice", "fake"])
    if not c.state_dir_case:  # only run and demo write to the state directory
        commands += DIAG_COMMANDS
    for command in commands:
        code, out, err = run_cli([*command, "--config", str(path)], c.env)
        shown = " ".join(command[:3])
        assert code == 64, f"kiosk {shown}: exit {code}\n{out[-2000:]}\n{err[-2000:]}"
        assert c.key in err, f"kiosk {shown}: the message does not name {c.key}:\n{err}"
        assert "invalid configuration" in err
        assert "Traceback" not in err + out, f"kiosk {shown}:\n{err}"
        assert not (tmp_path / "demo" / "state").exists()
