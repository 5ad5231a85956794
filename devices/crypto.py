"""The one cryptography module of the kiosk: key check values, key wrapping, PIN blocks, MACs.

Used by the PIN pad driver, by the EPP simulator (its keys and PIN blocks), by the bank host
simulator (sign-in key wrapping, MAC and PIN verification) and by tests. Qt-free; every cipher
comes from the ``cryptography`` package (3DES from ``hazmat.decrepit``, SM4 and AES from
``hazmat.primitives``); nothing here is a hand-written cipher.

Conventions (see ``pinpad_epp_and_crypto.md`` §2):

* 3DES keys may be 8 (single DES, K1=K2=K3), 16 (two-key) or 24 bytes (three-key).
* Working keys travel under the terminal master key in ECB mode, block by block.
* KCV = the key's encryption of a zero block, leftmost 4 bytes for 3DES (8 hex characters, the
  Chinese habit), 8 bytes for SM4; ``length`` picks another truncation (3 for ANSI X9.24).
* PIN blocks: ISO 9564-1 format 0 (3DES), format 4 (AES) and the two SM4 widenings of the
  format-0 block that Chinese banks use (:class:`PinBlockFormat`; which one a host expects is
  a setting, convention A being the one that reproduces the published vector).
* MACs: :class:`MacMethod`.
"""

from __future__ import annotations

import hmac
import os
from enum import StrEnum

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES, SM4

__all__ = [
    "Algorithm",
    "CryptoError",
    "MacMethod",
    "PinBlockFormat",
    "block_size",
    "decrypt_ecb",
    "decrypt_key_under",
    "decrypt_pin_block",
    "encrypt_ecb",
    "encrypt_key_under",
    "encrypt_pin_block",
    "iso0_pan_digits",
    "kcv",
    "mac",
    "pin_block_clear",
    "pin_from_block",
    "verify_kcv",
    "verify_mac",
    "xor_bytes",
    "xor_components",
]


class CryptoError(ValueError):
    """A key, block or PIN that does not fit the requested operation."""


class Algorithm(StrEnum):
    """Block ciphers of the key hierarchy."""

    TDES = "3des"
    SM4 = "sm4"
    AES = "aes"


_KEY_LENGTHS = {
    Algorithm.TDES: (8, 16, 24),
    Algorithm.SM4: (16,),
    Algorithm.AES: (16, 24, 32),
}


def block_size(algorithm: Algorithm) -> int:
    """Block size in bytes: 8 for 3DES, 16 for SM4 and AES."""
    return 8 if algorithm is Algorithm.TDES else 16


def _cipher_algorithm(key: bytes, algorithm: Algorithm) -> CipherAlgorithm:
    if len(key) not in _KEY_LENGTHS[algorithm]:
        raise CryptoError(f"a {algorithm.value} key has {_KEY_LENGTHS[algorithm]} bytes, "
                          f"not {len(key)}")
    if algorithm is Algorithm.TDES:
        # Expand to three-key form ourselves: same cipher, no deprecation of short keys.
        if len(key) == 8:
            key = key * 3
        elif len(key) == 16:
            key = key + key[:8]
        return TripleDES(key)
    if algorithm is Algorithm.SM4:
        return SM4(key)
    return AES(key)


def _check_blocks(data: bytes, algorithm: Algorithm) -> None:
    if not data or len(data) % block_size(algorithm):
        raise CryptoError(f"data of {len(data)} bytes is not whole {algorithm.value} blocks")


def encrypt_ecb(key: bytes, data: bytes, algorithm: Algorithm) -> bytes:
    """ECB encryption of whole blocks (what an EPP's encrypt command does)."""
    _check_blocks(data, algorithm)
    enc = Cipher(_cipher_algorithm(key, algorithm), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def decrypt_ecb(key: bytes, data: bytes, algorithm: Algorithm) -> bytes:
    """ECB decryption of whole blocks."""
    _check_blocks(data, algorithm)
    dec = Cipher(_cipher_algorithm(key, algorithm), modes.ECB()).decryptor()
    return dec.update(data) + dec.finalize()


def _cbc_encrypt(key: bytes, data: bytes, algorithm: Algorithm, iv: bytes) -> bytes:
    _check_blocks(data, algorithm)
    enc = Cipher(_cipher_algorithm(key, algorithm), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def xor_bytes(a: bytes, b: bytes) -> bytes:
    """Byte-wise XOR of two equal-length strings."""
    if len(a) != len(b):
        raise CryptoError(f"cannot XOR {len(a)} bytes with {len(b)} bytes")
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def xor_components(*components: bytes) -> bytes:
    """Combine key components of a key ceremony (each custodian holds one) into the key."""
    if not components:
        raise CryptoError("no key components")
    key = components[0]
    for part in components[1:]:
        key = xor_bytes(key, part)
    return key


# --- key check values and key wrapping ------------------------------------------------------


def kcv(key: bytes, algorithm: Algorithm, length: int | None = None) -> bytes:
    """Key check value: the key's ECB encryption of a zero block, truncated on the left.

    Default length: 4 bytes for 3DES and AES, 8 bytes for SM4 (reference §2.4).
    """
    full = encrypt_ecb(key, bytes(block_size(algorithm)), algorithm)
    if length is None:
        length = 8 if algorithm is Algorithm.SM4 else 4
    if not 1 <= length <= len(full):
        raise CryptoError(f"KCV length {length} out of range")
    return full[:length]


def verify_kcv(key: bytes, check: bytes, algorithm: Algorithm) -> bool:
    """True when ``check`` (any length from 3 bytes up) is the start of the key's KCV."""
    if len(check) < 3:
        return False
    full = kcv(key, algorithm, block_size(algorithm))
    return hmac.compare_digest(full[: len(check)], check)


def encrypt_key_under(kek: bytes, key: bytes, algorithm: Algorithm) -> bytes:
    """Wrap a working key under a key-encryption key (the TMK): ECB, block by block."""
    return encrypt_ecb(kek, key, algorithm)


def decrypt_key_under(kek: bytes, wrapped: bytes, algorithm: Algorithm) -> bytes:
    """Unwrap a working key delivered under the TMK (ECB, block by block)."""
    return decrypt_ecb(kek, wrapped, algorithm)


# --- PIN blocks ------------------------------------------------------------------------------


class PinBlockFormat(StrEnum):
    """PIN block constructions; each belongs to one cipher (:attr:`algorithm`).

    ``ISO0``: ISO 9564-1 format 0 (ANSI X9.8), 8 bytes, 3DES.
    ``SM4_ISO0_ZERO_PAD``: SM4 convention A, the format-0 block followed by eight 00 bytes.
    ``SM4_EXTENDED``: SM4 convention B, a 32-nibble PIN field XOR a 32-nibble PAN field.
    ``ISO4``: ISO 9564-1 format 4, 16 bytes, AES (with 8 random bytes in the PIN field).
    """

    ISO0 = "iso0"
    SM4_ISO0_ZERO_PAD = "sm4_iso0_zero_pad"
    SM4_EXTENDED = "sm4_extended"
    ISO4 = "iso4"

    @property
    def algorithm(self) -> Algorithm:
        if self is PinBlockFormat.ISO0:
            return Algorithm.TDES
        if self is PinBlockFormat.ISO4:
            return Algorithm.AES
        return Algorithm.SM4


def _check_pin(pin: str) -> None:
    if not pin.isascii() or not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise CryptoError("a PIN is 4 to 12 decimal digits")


def _check_pan(pan: str) -> None:
    if not pan.isascii() or not pan.isdigit() or not 1 <= len(pan) <= 19:
        raise CryptoError("a PAN is 1 to 19 decimal digits")


def iso0_pan_digits(pan: str) -> str:
    """The 12 rightmost PAN digits without the check digit (left-padded with 0 if short).

    This is the account field of format 0 and the 12 digits the KMY ``34`` command takes.
    """
    _check_pan(pan)
    return pan[:-1][-12:].rjust(12, "0")


def _iso0(pin: str, pan: str) -> bytes:
    pin_field = bytes.fromhex(f"0{len(pin):X}{pin}".ljust(16, "F"))
    pan_field = bytes.fromhex("0000" + iso0_pan_digits(pan))
    return xor_bytes(pin_field, pan_field)


def _iso4_pan_field(pan: str) -> bytes:
    m = max(0, len(pan) - 12)
    return bytes.fromhex((f"{m:X}" + pan.rjust(12, "0")).ljust(32, "0"))


def pin_block_clear(pin: str, pan: str, fmt: PinBlockFormat,
                    random_bytes: bytes | None = None) -> bytes:
    """The clear PIN block for ``pin`` and ``pan``.

    For ``ISO4`` this is the plain PIN field (``random_bytes``: its 8 random bytes, fresh from
    ``os.urandom`` when omitted); the PAN enters during encipherment.
    """
    _check_pin(pin)
    _check_pan(pan)
    if fmt is PinBlockFormat.ISO0:
        return _iso0(pin, pan)
    if fmt is PinBlockFormat.SM4_ISO0_ZERO_PAD:
        return _iso0(pin, pan) + bytes(8)
    if fmt is PinBlockFormat.SM4_EXTENDED:
        pin_field = bytes.fromhex(f"0{len(pin):X}{pin}".ljust(32, "F"))
        pan_field = bytes.fromhex(iso0_pan_digits(pan).rjust(32, "0"))
        return xor_bytes(pin_field, pan_field)
    rnd = os.urandom(8) if random_bytes is None else random_bytes
    if len(rnd) != 8:
        raise CryptoError("format 4 takes 8 random bytes")
    return bytes.fromhex(f"4{len(pin):X}{pin}".ljust(16, "A")) + rnd


def encrypt_pin_block(key: bytes, pin: str, pan: str, fmt: PinBlockFormat,
                      random_bytes: bytes | None = None) -> bytes:
    """The enciphered PIN block under the PIN key (what the EPP hands out)."""
    clear = pin_block_clear(pin, pan, fmt, random_bytes)
    algorithm = fmt.algorithm
    if fmt is PinBlockFormat.ISO4:
        first = encrypt_ecb(key, clear, algorithm)
        return encrypt_ecb(key, xor_bytes(first, _iso4_pan_field(pan)), algorithm)
    return encrypt_ecb(key, clear, algorithm)


def decrypt_pin_block(key: bytes, block: bytes, pan: str, fmt: PinBlockFormat) -> bytes:
    """The clear PIN block (for ``ISO4``: the plain PIN field) of an enciphered block."""
    algorithm = fmt.algorithm
    expected = 8 if fmt is PinBlockFormat.ISO0 else 16
    if len(block) != expected:
        raise CryptoError(f"a {fmt.value} PIN block has {expected} bytes, not {len(block)}")
    clear = decrypt_ecb(key, block, algorithm)
    if fmt is PinBlockFormat.ISO4:
        _check_pan(pan)
        return decrypt_ecb(key, xor_bytes(clear, _iso4_pan_field(pan)), algorithm)
    return clear


def _pin_from_field(nibbles: str, fmt_nibble: str, fill: str, width: int) -> str:
    if nibbles[0] != fmt_nibble:
        raise CryptoError("PIN block: wrong format nibble")
    length = int(nibbles[1], 16)
    if not 4 <= length <= 12:
        raise CryptoError("PIN block: bad PIN length")
    pin = nibbles[2:2 + length]
    rest = nibbles[2 + length:width]
    if not pin.isdigit() or rest != fill * len(rest):
        raise CryptoError("PIN block: bad PIN digits or fill")
    return pin


def pin_from_block(clear_block: bytes, pan: str, fmt: PinBlockFormat) -> str:
    """Recover the PIN from a clear PIN block (host side and tests), checking its structure."""
    if fmt is PinBlockFormat.ISO4:
        return _pin_from_field(clear_block.hex().upper(), "4", "A", 16)
    if fmt is PinBlockFormat.SM4_EXTENDED:
        pan_field = bytes.fromhex(iso0_pan_digits(pan).rjust(32, "0"))
        return _pin_from_field(xor_bytes(clear_block, pan_field).hex().upper(), "0", "F", 32)
    if fmt is PinBlockFormat.SM4_ISO0_ZERO_PAD:
        if len(clear_block) != 16 or clear_block[8:] != bytes(8):
            raise CryptoError("PIN block: SM4 convention A needs 8 zero bytes at the end")
        clear_block = clear_block[:8]
    pan_field = bytes.fromhex("0000" + iso0_pan_digits(pan))
    return _pin_from_field(xor_bytes(clear_block, pan_field).hex().upper(), "0", "F", 16)


# --- MACs ------------------------------------------------------------------------------------


class MacMethod(StrEnum):
    """MAC algorithms used by Chinese hosts (reference §2.5).

    ``X9_9``: CBC-MAC with the whole key (single DES for an 8-byte key), zero padding, 8 bytes.
    ``X9_19``: retail MAC (ISO 9797-1 alg. 3), zero padding, 16-byte key, 8 bytes.
    ``PBOC_3DES``: padding 80 00.., X9.19 chaining with an IV (default zero), 8 bytes.
    ``UNIONPAY_ECB``: the POS "银联 ECB" MAC; the result is 8 ASCII hex characters.
    ``SM4``: SM4 CBC-MAC, padding 80 00.., IV zero, 16 bytes.
    """

    X9_9 = "x9.9"
    X9_19 = "x9.19"
    PBOC_3DES = "pboc_3des"
    UNIONPAY_ECB = "unionpay_ecb"
    SM4 = "sm4"

    @property
    def algorithm(self) -> Algorithm:
        return Algorithm.SM4 if self is MacMethod.SM4 else Algorithm.TDES


def _zero_pad(data: bytes, size: int) -> bytes:
    if not data:
        return bytes(size)
    return data + bytes(-len(data) % size)


def _iso_pad(data: bytes, size: int) -> bytes:
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % size)


def _retail_mac(key: bytes, padded: bytes, iv: bytes) -> bytes:
    if len(key) != 16:
        raise CryptoError("the X9.19 / PBOC MAC needs a 16-byte key")
    left, right = key[:8], key[8:]
    last = _cbc_encrypt(left, padded, Algorithm.TDES, iv)[-8:]
    last = decrypt_ecb(right, last, Algorithm.TDES)
    return encrypt_ecb(left, last, Algorithm.TDES)


def _xor_fold(padded: bytes, size: int) -> bytes:
    acc = bytearray(size)
    for i in range(0, len(padded), size):
        for j, b in enumerate(padded[i:i + size]):
            acc[j] ^= b
    return bytes(acc)


def mac(key: bytes, data: bytes, method: MacMethod, iv: bytes | None = None) -> bytes:
    """The MAC of ``data`` under ``key`` (the full result; hosts may keep only the left part)."""
    algorithm = method.algorithm
    size = block_size(algorithm)
    iv = bytes(size) if iv is None else iv
    if len(iv) != size:
        raise CryptoError(f"an IV of {method.value} has {size} bytes")
    if method is MacMethod.X9_9:
        return _cbc_encrypt(key, _zero_pad(data, 8), algorithm, iv)[-8:]
    if method is MacMethod.X9_19:
        return _retail_mac(key, _zero_pad(data, 8), iv)
    if method is MacMethod.PBOC_3DES:
        return _retail_mac(key, _iso_pad(data, 8), iv)
    if method is MacMethod.UNIONPAY_ECB:
        folded = _xor_fold(_zero_pad(data, 8), 8).hex().upper().encode("ascii")
        first = encrypt_ecb(key, folded[:8], algorithm)
        second = encrypt_ecb(key, xor_bytes(first, folded[8:]), algorithm)
        return second.hex().upper().encode("ascii")[:8]
    return _cbc_encrypt(key, _iso_pad(data, 16), algorithm, iv)[-16:]


def verify_mac(key: bytes, data: bytes, received: bytes, method: MacMethod,
               iv: bytes | None = None) -> bool:
    """True when ``received`` (the full MAC or its left part, at least 4 bytes) matches."""
    if len(received) < 4:
        return False
    expected = mac(key, data, method, iv)
    return hmac.compare_digest(expected[: len(received)], received)
