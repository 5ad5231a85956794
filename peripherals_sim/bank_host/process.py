"""Run the host simulator as a child process, and a bare terminal to talk to it.

``HostProcess`` is :class:`peripherals_sim.process.SimulatorProcess` for ``kiosk-sim host``
(tests, benchmarks, the fuzzer). ``SimTerminal`` is a minimal terminal for tests and
benchmarks: ``requests`` with the terminal's client certificate, sign-in with the working keys
unwrapped under the TMK, PIN blocks and MACs made with ``devices/crypto.py`` as the PIN pad
would. It is not the kiosk's
client (``kiosk/host``), which is an independent implementation of the same contract.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import requests

from devices import crypto
from peripherals_sim.process import READY_TIMEOUT, SimulatorProcess


class HostProcess(SimulatorProcess):
    """``with HostProcess(state_dir) as host: host.url, host.control, host.ready``."""

    def __init__(self, state_dir: Path, *args: str, listen: str = "https://127.0.0.1:0",
                 timeout: float = READY_TIMEOUT, **options: Any) -> None:
        super().__init__("host", ["--listen", listen, *args], state_dir=state_dir,
                         ready_timeout=timeout, **options)
        self.state_dir = Path(state_dir)

    def cert(self, terminal_id: str) -> tuple[str, str]:
        """The terminal's client certificate and key files (from the ready line)."""
        t = self.ready["terminals"][terminal_id]
        return str(t["cert_file"]), str(t["key_file"])


class SimTerminal:
    """A bare terminal: mutual TLS session, sign-in keys, PIN blocks and MACs."""

    def __init__(self, url: str, ca_file: str, cert: tuple[str, str] | None, terminal_id: str,
                 tmk: bytes, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.terminal_id = terminal_id
        self.tmk = tmk
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = ca_file
        self.session.cert = cert
        self.session.headers["X-Terminal-Id"] = terminal_id
        self.pik: bytes | None = None
        self.mak: bytes | None = None
        self.algorithm = crypto.Algorithm.TDES
        self.last_sign_in: requests.Response | None = None

    @classmethod
    def for_host(cls, host: HostProcess, scenario: dict[str, Any],
                 terminal_id: str = "ZN610425001", sm4: bool = False) -> SimTerminal:
        t = next(t for t in scenario["terminals"] if t["id"] == terminal_id)
        name = "tmk_sm4_components" if sm4 else "tmk_3des_components"
        tmk = crypto.xor_components(*(bytes.fromhex(c) for c in t[name]))
        return cls(host.url, host.ready["ca_file"], host.cert(terminal_id), terminal_id, tmk)

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=kw.pop("timeout", self.timeout), **kw)

    def post(self, path: str, body: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, **kw: Any) -> requests.Response:
        data = json.dumps(body or {}, ensure_ascii=False).encode("utf-8")
        h = {"Content-Type": "application/json", **(headers or {})}
        return self.session.post(self.url + path, data=data, headers=h,
                                 timeout=kw.pop("timeout", self.timeout), **kw)

    def sign_in(self, algorithm: str = "TDES") -> dict[str, Any]:
        r = self.post("/v1/terminal/sign-in", {"algorithm": algorithm})
        r.raise_for_status()
        self.last_sign_in = r
        ans: dict[str, Any] = r.json()
        self.algorithm = crypto.Algorithm.SM4 if algorithm == "SM4" else crypto.Algorithm.TDES
        keys = ans["keys"]
        self.pik = crypto.decrypt_key_under(self.tmk, bytes.fromhex(keys["pik"]["under_tmk"]),
                                            self.algorithm)
        self.mak = crypto.decrypt_key_under(self.tmk, bytes.fromhex(keys["mak"]["under_tmk"]),
                                            self.algorithm)
        for name, key in (("pik", self.pik), ("mak", self.mak)):
            if not crypto.verify_kcv(key, bytes.fromhex(keys[name]["kcv"]), self.algorithm):
                raise ValueError(f"{name} check value does not match")
        return ans

    def pin_block(self, pin: str, pan: str) -> str:
        assert self.pik is not None, "sign in first"
        fmt = crypto.PinBlockFormat.SM4_ISO0_ZERO_PAD \
            if self.algorithm is crypto.Algorithm.SM4 else crypto.PinBlockFormat.ISO0
        return crypto.encrypt_pin_block(self.pik, pin, pan, fmt).hex().upper()

    def mac(self, path: str, key: str, body: bytes) -> str:
        assert self.mak is not None, "sign in first"
        text = "\n".join(("POST", path, self.terminal_id, key,
                          hashlib.sha256(body).hexdigest())).encode("utf-8")
        method = crypto.MacMethod.SM4 if self.algorithm is crypto.Algorithm.SM4 \
            else crypto.MacMethod.X9_19
        return crypto.mac(self.mak, text, method).hex().upper()

    def money(self, path: str, body: dict[str, Any], key: str | None = None,
              mac: str | None = None, **kw: Any) -> requests.Response:
        """POST a money request with its Idempotency-Key and MAC (``mac`` overrides)."""
        key = key or f"{self.terminal_id}-{uuid.uuid4().hex[:20]}"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": key,
                   "X-MAC": mac or self.mac(path, key, data)}
        return self.session.post(self.url + path, data=data, headers=headers,
                                 timeout=kw.pop("timeout", self.timeout), **kw)
