"""The key ceremony: two custodians each enter their component of the terminal master key
(TMK); each component's check value (KCV) is shown for them to compare with their sheet; the
PIN pad loads the XOR of the two and answers the key's check value. Qt-free: ``kiosk diag
pinpad load-keys`` (command line) and the technician's 密钥灌注 screen both run it.

The components exist only in this object, until :meth:`KeyCeremony.load` hands them to the
pad (then they are dropped) or :meth:`KeyCeremony.abort`. Nothing of them is shown, logged or
audited: only check values. Every step is in the audit log, and no step runs when its audit
record cannot be written (a ceremony the log does not know of must not happen).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from devices.crypto import Algorithm, kcv

COMPONENT_HEX = 32  # 16-byte components: double-length 3DES or SM4
CUSTODIANS = 2
ALGORITHMS = (Algorithm.TDES, Algorithm.SM4)

#: ``record(action, detail)`` writes one audit record; raises (OSError ...) when it cannot.
Recorder = Callable[[str, Mapping[str, Any]], None]
#: ``load(components, algorithm, slot)`` -> the loaded key's check value (the pad's answer).
Loader = Callable[[Sequence[bytes], Algorithm, "int | None"], bytes]


class CeremonyError(ValueError):
    """A step out of order or a malformed component (``reason``: bad_component, order)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_component(text: str) -> bytes | None:
    """A component as typed: 32 hex digits (spaces allowed); None when it is not one."""
    text = text.strip().replace(" ", "")
    if len(text) != COMPONENT_HEX or any(c not in string.hexdigits for c in text):
        return None
    return bytes.fromhex(text)


def check_value(key: bytes, algorithm: Algorithm) -> str:
    """The KCV as custodians read it: upper-case hex."""
    return kcv(key, algorithm).hex().upper()


@dataclass
class KeyCeremony:
    """One ceremony: :meth:`start`, :meth:`add` per custodian, then :meth:`load`."""

    record: Recorder
    algorithm: Algorithm = Algorithm.TDES
    slot: int | None = None
    components: list[bytes] = field(default_factory=list, repr=False)
    component_kcvs: list[str] = field(default_factory=list)
    custodians: list[str] = field(default_factory=list)
    started: bool = False
    kcv: str | None = None  # the loaded key's, once loaded

    def start(self) -> None:
        """Audited before anything else happens; raises when the record cannot be written."""
        self.record("pinpad.key_ceremony.start",
                    {"algorithm": self.algorithm.value, "slot": self.slot})
        self.started = True

    @property
    def next_custodian(self) -> int:
        """1 or 2: whose component comes next (3 when both are in)."""
        return len(self.components) + 1

    @property
    def complete(self) -> bool:
        return len(self.components) == CUSTODIANS

    def add(self, text: str, custodian: str = "") -> str:
        """The next custodian's component as typed; returns its KCV (audited with the
        custodian's staff number, never the component)."""
        if not self.started or self.complete or self.kcv is not None:
            raise CeremonyError("order", "no component is expected now")
        part = parse_component(text)
        if part is None:
            raise CeremonyError("bad_component",
                                f"a component is {COMPONENT_HEX} hexadecimal digits")
        check = check_value(part, self.algorithm)
        n = self.next_custodian
        self.record("pinpad.key_ceremony.part", {"n": n, "kcv": check,
                                                 "custodian": custodian or None})
        self.components.append(part)
        self.component_kcvs.append(check)
        self.custodians.append(custodian)
        return check

    def load(self, loader: Loader) -> str:
        """Both components to the pad; returns the key's KCV (audited). The components are
        dropped whatever happens."""
        if not self.complete or self.kcv is not None:
            raise CeremonyError("order", "both components are needed first")
        try:
            answer = loader(list(self.components), self.algorithm, self.slot)
        finally:
            self.components.clear()
        return self.loaded(answer)

    def take_components(self) -> list[bytes]:
        """For a loader that runs elsewhere (the PIN pad's worker): the components, dropped
        from here at once; :meth:`loaded` or :meth:`abort` follows."""
        if not self.complete or self.kcv is not None:
            raise CeremonyError("order", "both components are needed first")
        parts = list(self.components)
        self.components.clear()
        return parts

    def loaded(self, answer: bytes, slot: int | None = None) -> str:
        """The pad's answer to the load: the key's KCV, audited."""
        self.kcv = answer.hex().upper()
        self.record("pinpad.key_ceremony.loaded",
                    {"algorithm": self.algorithm.value,
                     "slot": self.slot if slot is None else slot, "kcv": self.kcv,
                     "kcvs": list(self.component_kcvs),
                     "custodians": [c or None for c in self.custodians]})
        return self.kcv

    def abort(self, reason: str) -> None:
        """Stopped (cancelled, a failed load, signed out): components dropped, audited."""
        self.components.clear()
        if self.started and self.kcv is None:
            self.record("pinpad.key_ceremony.aborted",
                        {"reason": reason, "entered": len(self.component_kcvs)})
        self.started = False
