"""Keyed hashes (HMAC-SHA256) of NIK, KK and phone numbers.

The database only ever sees these digests. Each kind of value has its own domain prefix, so a NIK digest
can never be confused with a KK digest of the same digits.
"""

from __future__ import annotations

import hmac
import re

DIGEST_SIZE = 32

_PHONE_JUNK = re.compile(r"[\s().\-]+")


def normalise_phone(text: str) -> str | None:
    """Indonesian mobile number as `628…` digits, or None when it is not one.

    Accepts `08…`, `+628…`, `628…` and `8…` (as Telegram and WhatsApp send it).
    """
    digits = _PHONE_JUNK.sub("", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return None
    return digits


class Hasher:
    """HMACs keyed with SIGAP_SECRET_KEY. Cheap to call: the importer runs it millions of times."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("SIGAP_SECRET_KEY must be at least 16 bytes")
        self._key = key

    def _digest(self, message: bytes) -> bytes:
        return hmac.digest(self._key, message, "sha256")

    def nik(self, nik_digits: str) -> bytes:
        return self._digest(b"nik:" + nik_digits.encode())

    def kk(self, kk_digits: str) -> bytes:
        return self._digest(b"kk:" + kk_digits.encode())

    def kk4(self, nik_digits: str, kk_last4: str) -> bytes:
        """Bound to the NIK so the 10,000 possible endings cannot be looked up across people."""
        return self._digest(b"kk4:" + nik_digits.encode() + b":" + kk_last4.encode())

    def phone(self, phone_628: str) -> bytes:
        return self._digest(b"phone:" + phone_628.encode())

    def token(self, purpose: str, value: str) -> bytes:
        """Digest for other secrets (invite codes, rate-limit keys)."""
        return self._digest(purpose.encode() + b":" + value.encode())


def same_digest(a: bytes | None, b: bytes | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
