"""Cleaning single fields from the field: stray spaces, Excel-mangled numbers, three date formats.

Each cleaner returns the clean value or raises RowProblem with a stable reason code. Only what can be
recovered unambiguously is recovered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sigap_core.importers.readers import Cell


class RowProblem(Exception):
    def __init__(self, reason: str, /, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


_SCIENTIFIC = re.compile(r"^(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_FLOAT_INTEGRAL = re.compile(r"^(\d+)\.0+$")
_GROUPED_DIGITS = re.compile(r"^\d+(?:[ .\-]\d+)+$")


def text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


def id_number(cell: Cell, field: str, length: int = 16) -> str:
    """A NIK / KK / KPJ as digits. `3.27501E+15` (Excel lost the digits) is rejected, never guessed."""
    if isinstance(cell, int) and not isinstance(cell, bool):
        value = str(cell)
    elif isinstance(cell, float):
        # XLSX keeps numbers as doubles: exact up to 2**53 (all 16-digit NIKs below 9007199254740992).
        if not cell.is_integer() or cell >= 2**53:
            raise RowProblem(f"{field}_excel_number", value=repr(cell))
        value = str(int(cell))
    else:
        value = str(cell or "").strip().strip("'\"").strip()
    if value.isdigit() and value.isascii():
        digits = value
    elif not value:
        raise RowProblem(f"{field}_missing")
    elif match := _SCIENTIFIC.match(value):
        mantissa_digits = match.group(1) + (match.group(2) or "")
        exponent = int(match.group(3))
        # Exact only when every digit survived: as many mantissa digits as the number has.
        if len(mantissa_digits) != exponent + 1:
            raise RowProblem(f"{field}_excel_scientific", value=value)
        digits = mantissa_digits
    elif match := _FLOAT_INTEGRAL.match(value):
        digits = match.group(1)
    elif _GROUPED_DIGITS.match(value):
        digits = re.sub(r"[ .\-]", "", value)
    else:
        raise RowProblem(f"{field}_not_digits", value=_safe_preview(value))
    if length and len(digits) != length:
        raise RowProblem(f"{field}_wrong_length", length=len(digits))
    return digits


def _safe_preview(value: str) -> str:
    """Never echo a possible identifier into a report: show only its shape."""
    return re.sub(r"\d", "9", value[:24])


_DATE_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 2, 1)),
)


def parse_date(cell: Cell, field: str) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    value = str(cell or "").strip()
    if not value:
        raise RowProblem(f"{field}_missing")
    if " " in value:  # "2025-11-01 00:00:00" from spreadsheets
        value = value.split(" ", 1)[0]
    for pattern, (y, m, d) in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            try:
                return date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError as error:
                raise RowProblem(f"{field}_impossible", value=value) from error
    raise RowProblem(f"{field}_format", value=value[:24])


def small_int(cell: Cell, field: str, low: int, high: int) -> int:
    if isinstance(cell, bool):
        raise RowProblem(f"{field}_invalid", value=str(cell))
    if isinstance(cell, int):
        number = cell
    else:
        value = str(cell if cell is not None else "").strip()
        if not value:
            raise RowProblem(f"{field}_missing")
        try:
            parsed = Decimal(value.replace(",", "."))
        except InvalidOperation as error:
            raise RowProblem(f"{field}_invalid", value=value[:12]) from error
        if parsed != parsed.to_integral_value():
            raise RowProblem(f"{field}_invalid", value=value[:12])
        number = int(parsed)
    if not low <= number <= high:
        raise RowProblem(f"{field}_out_of_range", value=number)
    return number


_GENDER = {"l": "L", "laki-laki": "L", "laki laki": "L", "lk": "L", "p": "P", "perempuan": "P", "pr": "P"}


def gender(cell: Cell) -> str:
    value = text(cell).lower()
    if value not in _GENDER:
        raise RowProblem("jenis_kelamin_invalid", value=value[:12])
    return _GENDER[value]


def mask_name(name: str) -> str:
    """`Budi Santoso` → `Bu** Sa*****`: recognisable to its owner, useless to anyone else."""
    return " ".join(map(_mask_word, name.split()))[:80]


@lru_cache(maxsize=1 << 16)  # names repeat a lot: Budi, Siti, Santoso …
def _mask_word(word: str) -> str:
    keep = 1 if len(word) <= 3 else 2
    return word[:keep].capitalize() + "*" * (len(word) - keep)


_WORD_MASKS: dict[str, str] = {"\n": "\n"}
_WORD_MASKS_MAX = 1 << 18


def mask_names(names: Sequence[str]) -> list[str]:
    """`mask_name` of each tidy name (single spaces, no line breaks), a column at a time: the words are
    looked up in C, and only words not seen before are masked in Python."""
    if not names:
        return []  # "\n".join([]) is "", which would come back as one empty name
    tokens = "\n".join(names).replace("\n", " \n ").split(" ")
    masked = list(map(_WORD_MASKS.get, tokens))
    if None in masked:
        if len(_WORD_MASKS) > _WORD_MASKS_MAX:
            _WORD_MASKS.clear()
            _WORD_MASKS["\n"] = "\n"
        for index, value in enumerate(masked):
            if value is None:
                word = tokens[index]
                masked[index] = _WORD_MASKS[word] = _mask_word(word)
    result = " ".join(masked).split(" \n ")  # type: ignore[arg-type]
    return result if max(map(len, result)) <= 80 else [name[:80] for name in result]
