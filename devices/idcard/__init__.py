"""The ID card reader (二代证阅读器): contract, identity checks, the ``fake`` and ``samv`` backends.

Backends are created through :mod:`devices.registry` (``idcard.fake``, ``idcard.samv``); this
package re-exports the contract so that callers need one import.
"""

from devices.idcard.contract import (
    KIND,
    CardPresence,
    CardType,
    IdCardError,
    IdCardReader,
    IdCardStatus,
    Identity,
    SamState,
    idcard_error,
)

__all__ = [
    "KIND",
    "CardPresence",
    "CardType",
    "IdCardError",
    "IdCardReader",
    "IdCardStatus",
    "Identity",
    "SamState",
    "idcard_error",
]
