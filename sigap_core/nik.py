"""NIK (Nomor Induk Kependudukan): normalise, validate, mask, find in free text.

Structure (Dukcapil): PP KK CC DDMMYY SSSS — province, regency/city, kecamatan, birth date (women: day + 40),
serial from 0001. The area code is where the NIK was *issued*, never where the person lives now, so nothing
here says anything about residence.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

# Province codes of Indonesia (Kemendagri), including the 2022 Papua provinces.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96", "97",
    }
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-_/]+")
NIK_LENGTH = 16


class NikError(ValueError):
    """A NIK that breaks a rule; `code` is machine-readable, `params` fill the user message."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"NikError({self.code!r}, {self.params!r})"


@dataclass(frozen=True, slots=True)
class Nik:
    value: str

    @property
    def is_female(self) -> bool:
        return int(self.value[6:8]) > 40

    def masked(self) -> str:
        return mask_nik(self.value)

    def __str__(self) -> str:  # never let a raw NIK slip into a log through str()
        return self.masked()

    def __repr__(self) -> str:
        return f"Nik({self.masked()})"


def normalise(text: str) -> str:
    """Drop what people type around digits: spaces, dots, dashes, slashes, underscores."""
    return _SEPARATORS.sub("", text.strip())


def _birth_date_candidates(day: int, month: int, yy: int) -> list[date]:
    found = []
    for century in (1900, 2000):
        with suppress(ValueError):
            found.append(date(century + yy, month, day))
    return found


def check_rules(digits: str) -> None:
    """Raise NikError naming the first broken rule of a 16-digit string."""
    province, regency, kecamatan = digits[0:2], digits[2:4], digits[4:6]
    if province not in PROVINCE_CODES:
        raise NikError("unknown_province", code=province)
    if regency == "00":
        raise NikError("zero_regency")
    if kecamatan == "00":
        raise NikError("zero_kecamatan")
    raw_day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    day = raw_day - 40 if raw_day > 40 else raw_day
    if not 1 <= day <= 31:
        raise NikError("bad_day", day=digits[6:8])
    if not 1 <= month <= 12:
        raise NikError("bad_month", month=digits[8:10])
    if not _birth_date_candidates(day, month, yy):
        raise NikError("impossible_date", date=f"{day:02d}-{month:02d}-{yy:02d}")
    if digits[12:] == "0000":
        raise NikError("zero_serial")


def parse_nik(text: str) -> Nik:
    """Normalise and validate; raise NikError with a precise reason."""
    digits = normalise(text)
    if not digits:
        raise NikError("empty")
    if not digits.isascii() or not digits.isdigit():
        raise NikError("not_digits")
    if len(digits) != NIK_LENGTH:
        raise NikError("wrong_length", length=len(digits))
    check_rules(digits)
    return Nik(digits)


def mask_nik(digits: str) -> str:
    """`3275********0001`: region and last four, enough for a person to recognise their own number."""
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# A NIK inside free text: 16 digits possibly split by spaces, dots or dashes ("3275 0141 0190 0001").
_NIK_IN_TEXT = re.compile(r"(?<!\d)(\d(?:[\s.\-]?\d){15})(?![\s.\-]?\d)")
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d)*(?!\d)")


def find_nik(text: str) -> str | None:
    """The first 16-digit run in a message (validity is checked separately)."""
    match = _NIK_IN_TEXT.search(text)
    return normalise(match.group(1)) if match else None


def longest_digit_run(text: str) -> str:
    """The longest digit run (separators allowed) — to tell a user their NIK had 15 digits, say."""
    runs = [normalise(m.group(0)) for m in _DIGIT_RUN.finditer(text)]
    return max(runs, key=len, default="")
