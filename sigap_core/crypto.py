"""Keyed hashes (HMAC-SHA256) of NIK, KK and phone numbers.

The database only ever sees these digests. Each kind of value has its own domain prefix, so a NIK digest
can never be confused with a KK digest of the same digits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat


# The importer's batch digests in C (sigap_core/_hmac_many.c, on OpenSSL; ≈ 5× faster than the same loop
# in Python); optional: without it the pure-Python loop below gives the same digests.
def _batch_hmac() -> Callable[[bytes, Sequence[bytes]], list[bytearray]] | None:
    try:
        from sigap_core._hmac_many import hmac_sha256_many
    except ImportError:  # not built (no compiler or OpenSSL headers where it was installed)
        return None
    return hmac_sha256_many


_hmac_sha256_many = _batch_hmac()

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

    __slots__ = ("_inner", "_key", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("SIGAP_SECRET_KEY must be at least 16 bytes")
        self._key = key
        # RFC 2104 with the two padded-key states computed once: 2.5x faster than hmac.digest per call,
        # which is most of the importer's hashing time at a million rows.
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    @property
    def key(self) -> bytes:
        return self._key

    def _digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __getstate__(self) -> bytes:  # hash objects do not pickle; worker processes rebuild them
        return self._key

    def __setstate__(self, key: bytes) -> None:
        self.__init__(key)  # type: ignore[misc]

    def nik(self, nik_digits: str) -> bytes:
        return self._digest(b"nik:" + nik_digits.encode())

    def kk4(self, nik_hmac: bytes, kk_last4: str) -> bytes:
        """Bound to the person (through the NIK's digest, so a dialog can hold the pending NIK as a digest
        only) and keyed, so the 10,000 possible endings cannot be tried offline from a database copy."""
        return self._digest(b"kk4:" + nik_hmac + b":" + kk_last4.encode())

    def phone(self, phone_628: str) -> bytes:
        return self._digest(b"phone:" + phone_628.encode())

    # Column-at-a-time forms for the importer: the same digests as above, without a Python call per value
    # for building the message (joined, encoded and split in C). They come as bytearray, which Python's
    # sqlite3 binds directly; a bytes value first goes through its adapter look-up (measured ≈ 0.3 µs a
    # value, a third of the cost of inserting a registry row).

    def niks(self, niks: Sequence[str]) -> list[bytearray]:
        """`nik()` of each value; the values must be digit strings (no line breaks)."""
        return self._digests(_prefixed(b"nik:", niks)) if niks else []

    def phones(self, phones: Sequence[str]) -> list[bytearray]:
        """`phone()` of each value; the values must be digit strings (no line breaks)."""
        return self._digests(_prefixed(b"phone:", phones)) if phones else []

    def kk4s(self, nik_hmacs: Sequence[bytes | bytearray], kk_last4s: Iterable[str]) -> list[bytearray]:
        """`kk4()` of each pair."""
        tails = [tail.encode() for tail in kk_last4s]
        if len(tails) != len(nik_hmacs):
            raise ValueError("kk4s: one KK ending per NIK digest")
        return self._digests(list(map(b"".join, zip(repeat(b"kk4:"), nik_hmacs, repeat(b":"), tails))))

    def _digests(self, messages: Sequence[bytes]) -> list[bytearray]:
        if _hmac_sha256_many is not None:
            return _hmac_sha256_many(self._key, messages)
        inner, outer = self._inner.copy, self._outer.copy
        digests: list[bytearray] = []
        append = digests.append
        for message in messages:
            state = inner()
            state.update(message)
            result = outer()
            result.update(state.digest())
            append(bytearray(result.digest()))
        return digests

    def token(self, purpose: str, value: str) -> bytes:
        """Digest for other secrets (invite codes, rate-limit keys)."""
        return self._digest(purpose.encode() + b":" + value.encode())


def _prefixed(prefix: bytes, values: Sequence[str]) -> list[bytes]:
    separator = "\n" + prefix.decode()
    return (prefix.decode() + separator.join(values)).encode().split(b"\n")


def same_digest(a: bytes | None, b: bytes | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
