"""Row validation for dtsen.csv and peserta.csv (CONTRACT §5): a clean tuple or a RowProblem."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import date
from functools import cache
from itertools import repeat
from operator import contains, itemgetter
from typing import TypeVar

from sigap_core.coverage import mask_kpj
from sigap_core.crypto import Hasher, normalise_phone
from sigap_core.importers.fields import (
    RowProblem,
    gender,
    id_number,
    mask_name,
    mask_names,
    parse_date,
    small_int,
    text,
)
from sigap_core.importers.readers import Cell, Header
from sigap_core.nik import PROVINCE_CODES, NikError, check_rules
from sigap_core.wilayah import KOTA_BEKASI_PREFIX, Wilayah, dotted_kelurahan_code

DTSEN_COLUMNS = (
    "nik", "no_kk", "nama", "tanggal_lahir", "jenis_kelamin", "alamat",
    "rt", "rw", "kode_kelurahan", "desil", "pekerjaan", "no_hp",
)  # fmt: skip
PESERTA_COLUMNS = ("nik", "kpj", "skema", "program", "tanggal_mulai", "tanggal_akhir", "status")

KNOWN_PROGRAMS = ("JKK", "JKM", "JHT", "JP")

# (id, nik_hmac, kk4_hmac, phone_hmac, name_masked, kode_kelurahan, desil, pekerjaan, line); id = line
RegistryRow = tuple[int, bytes | bytearray, bytes | bytearray, bytes | bytearray | None, str, str, int, str, int]
# (id, nik_hmac, kpj_masked, skema, program, mulai, akhir, aktif, line)
ParticipationRow = tuple[int, bytes, str, str, str, date, date, bool, int]


def checked_nik(cell: Cell) -> str:
    digits = id_number(cell, "nik")
    try:
        check_rules(digits)
    except NikError as error:
        raise RowProblem("nik_" + error.code, **error.params) from error
    return digits


_DESIL = {str(n): n for n in range(1, 11)}


def _filled(cell: Cell) -> bool:
    return cell is not None and str(cell).strip() != ""


@cache
def _valid_birth_fields() -> frozenset[str]:
    """Every DDMMYY a NIK may carry (women: day + 40), for the importer's one-lookup check."""
    valid = set()
    for yy in range(100):
        for month in range(1, 13):
            days = max(calendar.monthrange(1900 + yy, month)[1], calendar.monthrange(2000 + yy, month)[1])
            for day in range(1, days + 1):
                valid.add(f"{day:02d}{month:02d}{yy:02d}")
                valid.add(f"{day + 40:02d}{month:02d}{yy:02d}")
    return frozenset(valid)


@cache
def _iso_dates() -> frozenset[str]:
    """Every YYYY-MM-DD from 1900 to 2039: one set lookup instead of a parse per row."""
    first = date(1900, 1, 1).toordinal()
    return frozenset(date.fromordinal(first + n).isoformat() for n in range(date(2040, 1, 1).toordinal() - first))


def warm_up() -> None:
    """Build the look-up tables the block parser uses (≈ 0.1 s) ahead of the first block."""
    _valid_birth_fields()
    _iso_dates()


_T = TypeVar("_T")
_AREA = itemgetter(slice(0, 6))  # province, regency, kecamatan: a few hundred distinct values a block
_BIRTH, _LAST4 = itemgetter(slice(6, 12)), itemgetter(slice(12, 16))  # NIK serial, KK ending
# A column of empty cells and mobile numbers written 08…, +628…, 628… or 8… (what `normalise_phone`
# accepts without cleaning), joined by line breaks; and the prefix that becomes "62".
_MOBILES = re.compile(r"(?:(?:0|\+62|62)?8[0-9]{7,12})?(?:\n(?:(?:0|\+62|62)?8[0-9]{7,12})?)*")
_MOBILE_PREFIX = re.compile(r"^(?:0|\+62|62)?(?=8)", re.MULTILINE)


def _uniform_columns(text: str, delimiter: str, width: int) -> list[Sequence[str]] | None:
    """The block's columns when every line has exactly `width` fields, else None; split in C.

    Splitting the whole text at the delimiter leaves each line's last field glued to the next line's
    first ("hp\\nnik"). With n line breaks, every line has `width` fields exactly when each of the n glued
    pieces (every (width-1)th) holds a line break."""
    if not text.endswith("\n"):
        text += "\n"
    lines = text.count("\n")
    pieces = text.split(delimiter)
    step = width - 1
    if width < 2 or len(pieces) != step * lines + 1:
        return None
    glued = pieces[step::step]
    if not all(map(contains, glued, repeat("\n"))):
        return None
    ends = "\n".join(glued).split("\n")  # last, first, last, first, …, last, ""
    columns: list[Sequence[str]] = [[pieces[0], *ends[1:-1:2]]]
    columns.extend(pieces[j::step] for j in range(1, step))
    columns.append(ends[0::2])
    return columns


def _tidy(values: Sequence[str]) -> Sequence[str]:
    """Whitespace collapsed as `text()` does; the column itself when nothing needs it.

    Joined by single spaces, a tidy column has no double space and does not start or end with one (an
    empty value also shows as a double space); and as every whitespace character but the space is
    unprintable, it is printable."""
    flat = " ".join(values)
    if "  " in flat or flat.startswith(" ") or flat.endswith(" ") or not flat.isprintable():
        return [" ".join(value.split()) for value in values]
    return values


def _mobile_numbers(values: Sequence[str]) -> list[str | None]:
    """Each cell as `628…` digits, "" when empty, None when it is not a mobile number."""
    joined = "\n".join(values)
    if _MOBILES.fullmatch(joined):
        return _MOBILE_PREFIX.sub("62", joined).split("\n")  # type: ignore[return-value]
    return [normalise_phone(hp) if hp else "" for hp in values]


def _all_ascii_digits(values: Sequence[str]) -> bool:
    joined = "".join(values)
    return joined.isdigit() and joined.isascii()


def _area_ok(area: str) -> bool:
    """Province, regency and kecamatan digits (the first six) as a NIK must have them."""
    return area[:2] in PROVINCE_CODES and area[2:4] != "00" and area[4:6] != "00"


def _nik_ok(nik: str) -> bool:
    """Passes every NIK rule (the fast check; `checked_nik` names what is wrong)."""
    return (
        len(nik) == 16
        and nik.isdigit()
        and nik.isascii()
        and _area_ok(nik)
        and nik[6:12] in _valid_birth_fields()
        and nik[12:] != "0000"
    )


def _kk_ok(kk: str) -> bool:
    return len(kk) == 16 and kk.isdigit() and kk.isascii() and kk != "0000000000000000"


def _day_first_date_ok(value: str) -> bool:
    """dd-mm-yyyy or dd/mm/yyyy of a real date."""
    return (
        len(value) == 10
        and value[2] in "-/"
        and value[5] == value[2]
        and f"{value[6:]}-{value[3:5]}-{value[:2]}" in _iso_dates()
    )


def _suspect_rows(
    niks: Sequence[str],
    kks: Sequence[str],
    names: Sequence[str],
    borns: Sequence[str],
    jks: Sequence[str],
    kodes: Sequence[str | None],
    desils: Sequence[int | None],
    phones: Sequence[str | None],
) -> set[int]:
    """Positions of the rows that fail a strict check and need the precise per-row parse.

    Each column is first checked whole, in C (set look-ups, joined-string tests, or once per distinct
    value); only a column that fails is looked at row by row.
    """
    suspects: set[int] = set()
    if not (
        set(map(len, niks)) == {16}
        and _all_ascii_digits(niks)
        and all(map(_area_ok, set(map(_AREA, niks))))
        and set(map(_BIRTH, niks)) <= _valid_birth_fields()
        and "0000" not in map(_LAST4, niks)
    ):
        suspects.update(i for i, nik in enumerate(niks) if not _nik_ok(nik))
    if not (set(map(len, kks)) == {16} and _all_ascii_digits(kks) and "0000000000000000" not in kks):
        suspects.update(i for i, kk in enumerate(kks) if not _kk_ok(kk))
    if "" in names or max(map(len, names)) > 100:
        suspects.update(i for i, name in enumerate(names) if not 0 < len(name) <= 100)
    odd_dates = {born for born in set(borns) - _iso_dates() if not _day_first_date_ok(born)}
    if odd_dates:
        suspects.update(i for i, born in enumerate(borns) if born in odd_dates)
    if not set(jks) <= {"L", "P"}:
        suspects.update(i for i, jk in enumerate(jks) if jk not in ("L", "P"))
    for column in (kodes, desils, phones):
        if None in column:
            suspects.update(i for i, value in enumerate(column) if value is None)
    return suspects


class DtsenRowParser:
    """Turns one raw row into what the store keeps. Runs a million times per import: keep it lean."""

    def __init__(self, header: Header, hasher: Hasher, wilayah: Wilayah) -> None:
        p = header.positions
        self._columns_in_file = header.columns
        self._idx = [p[name] for name in DTSEN_COLUMNS]
        self._width = max(self._idx) + 1
        self._hasher = hasher
        self._known = {k.plain_code: k.code for k in wilayah.kelurahan}
        self._codes = {**self._known, **{k.code: k.code for k in wilayah.kelurahan}}
        self.warnings: list[tuple[int, str, dict[str, object]]] = []

    @property
    def columns_in_file(self) -> list[str]:
        return self._columns_in_file

    def parse(self, line: int, cells: list[Cell]) -> RegistryRow:
        """Well-formed fields take a lean path; anything unusual goes through the precise cleaners."""
        if len(cells) < self._width:
            raise RowProblem("too_few_columns", found=len(cells), expected=len(DTSEN_COLUMNS))
        if len(cells) > len(self._columns_in_file) and any(_filled(c) for c in cells[len(self._columns_in_file) :]):
            raise RowProblem("too_many_columns", found=len(cells), expected=len(DTSEN_COLUMNS))
        i_nik, i_kk, i_nama, i_lahir, i_jk, _, _, _, i_kel, i_desil, i_kerja, i_hp = self._idx
        nik = cells[i_nik]
        if not (type(nik) is str and _nik_ok(nik)):
            nik = checked_nik(nik)
        kk = cells[i_kk]
        if not (type(kk) is str and _kk_ok(kk)):
            kk = id_number(kk, "no_kk")
        if kk == "0000000000000000":
            raise RowProblem("no_kk_invalid")
        nama = cells[i_nama]
        nama = " ".join(nama.split()) if type(nama) is str else text(nama)
        if not nama:
            raise RowProblem("nama_missing")
        if len(nama) > 100:
            raise RowProblem("nama_too_long")
        born = cells[i_lahir]
        if born not in _iso_dates():
            parse_date(born, "tanggal_lahir")
        if cells[i_jk] not in ("L", "P"):
            gender(cells[i_jk])
        kode = self._codes.get(cells[i_kel]) or self._kelurahan(cells[i_kel])  # type: ignore[arg-type]
        desil = _DESIL.get(cells[i_desil]) or small_int(cells[i_desil], "desil", 1, 10)  # type: ignore[arg-type]
        pekerjaan = cells[i_kerja]
        pekerjaan = (" ".join(pekerjaan.split()) if type(pekerjaan) is str else text(pekerjaan))[:120]
        hasher = self._hasher
        phone_hmac = None
        raw_phone = cells[i_hp]
        if raw_phone:
            if (
                type(raw_phone) is str
                and raw_phone.startswith("08")
                and 10 <= len(raw_phone) <= 14
                and raw_phone.isdigit()
            ):
                phone_hmac = hasher.phone("62" + raw_phone[1:])
            else:
                phone = normalise_phone(text(raw_phone))
                if phone is None:
                    if text(raw_phone):
                        self.warnings.append((line, "no_hp_ignored", {}))
                else:
                    phone_hmac = hasher.phone(phone)
        nik_hmac = hasher.nik(nik)
        return (
            line,
            nik_hmac,
            hasher.kk4(nik_hmac, kk[-4:]),
            phone_hmac,
            mask_name(nama),
            kode,
            desil,
            pekerjaan,
            line,
        )

    def parse_block(
        self, first_line: int, text: str, delimiter: str
    ) -> tuple[list[RegistryRow], list[tuple[int, str, dict[str, object]]], int]:
        """A block of quote-free CSV text ("\\n" line ends), validated a column at a time.

        A clean block (the usual case) is checked with one C-level pass per column — set look-ups,
        joined-string tests — and built in bulk. A column that fails its block check is checked row by
        row; rows that fail go through `parse`, which recovers field dirt or names the precise reason.
        Returns (rows, rejected, rows read).
        """
        width = len(self._columns_in_file)
        slow: list[tuple[int, list[str]]] = []
        numbers: Sequence[int]
        columns = _uniform_columns(text, delimiter, width)
        if columns is not None:
            numbers = range(first_line, first_line + len(columns[0]))
        else:
            lines = text.split("\n")
            if lines and not lines[-1]:
                lines.pop()  # the text ended with a line break
            strict, positions = [], []
            for index, row in enumerate(map(str.split, lines, repeat(delimiter))):
                if len(row) == width:
                    strict.append(row)
                    positions.append(first_line + index)
                elif len(row) > 1 or (row[0] and not row[0].isspace()):  # a blank line is not a row
                    slow.append((first_line + index, row))
            numbers = positions
            columns = list(zip(*strict, strict=True)) if strict else None
        rows: list[RegistryRow] = []
        rejected: list[tuple[int, str, dict[str, object]]] = []
        if columns is not None:
            i_nik, i_kk, i_nama, i_lahir, i_jk, _, _, _, i_kel, i_desil, i_kerja, i_hp = self._idx
            niks, kks, borns, jks = columns[i_nik], columns[i_kk], columns[i_lahir], columns[i_jk]
            names = _tidy(columns[i_nama])
            jobs = _tidy(columns[i_kerja])
            if max(map(len, jobs)) > 120:
                jobs = [job[:120] for job in jobs]
            kodes = self._kodes(columns[i_kel])
            desils = list(map(_DESIL.get, columns[i_desil]))
            phones = _mobile_numbers(columns[i_hp])
            suspects = _suspect_rows(niks, kks, names, borns, jks, kodes, desils, phones)
            keep: Sequence[int] | None = None  # None: every row passed
            if suspects:
                keep = [i for i in range(len(numbers)) if i not in suspects]
                slow.extend((numbers[i], [column[i] for column in columns]) for i in suspects)

            def kept(column: Sequence[_T]) -> Sequence[_T]:
                return column if keep is None else [column[i] for i in keep]

            hasher = self._hasher
            lines_out = kept(numbers)
            nik_digests = hasher.niks(kept(niks))
            kept_phones = kept(phones)
            phone_digests = iter(hasher.phones([phone for phone in kept_phones if phone]))
            columns_out = (
                lines_out,
                nik_digests,
                hasher.kk4s(nik_digests, map(_LAST4, kept(kks))),
                [next(phone_digests) if phone else None for phone in kept_phones],
                mask_names(kept(names)),
                kept(kodes),
                kept(desils),
                kept(jobs),
                lines_out,
            )
            rows.extend(zip(*columns_out, strict=True))
        for line, row in sorted(slow, key=lambda item: item[0]):
            try:
                rows.append(self.parse(line, row))  # type: ignore[arg-type]
            except RowProblem as problem:
                rejected.append((line, problem.reason, problem.params))
        return rows, rejected, len(rows) + len(rejected)  # every line but a blank one is a row read

    def _kodes(self, column: Sequence[str]) -> list[str | None]:
        """Each kode_kelurahan as a dotted code, None where `_kelurahan` would reject it. Codes outside
        Kota Bekasi (people registered elsewhere) are resolved once and remembered."""
        codes = self._codes
        for value in set(column) - codes.keys():
            with suppress(RowProblem):
                codes[value] = self._kelurahan(value)
        return list(map(codes.get, column))

    def _kelurahan(self, cell: Cell) -> str:
        raw = text(cell)
        if not raw:
            raise RowProblem("kode_kelurahan_missing")
        dotted = dotted_kelurahan_code(raw)
        if dotted is None:
            raise RowProblem("kode_kelurahan_invalid", value=raw[:16])
        plain = dotted.replace(".", "")
        if plain.startswith(KOTA_BEKASI_PREFIX) and plain not in self._known:
            raise RowProblem("kode_kelurahan_unknown", value=dotted)
        return dotted


class PesertaRowParser:
    def __init__(self, header: Header, hasher: Hasher) -> None:
        p = header.positions
        self._columns_in_file = header.columns
        self._idx = [p[name] for name in PESERTA_COLUMNS]
        self._width = max(self._idx) + 1
        self._hasher = hasher

    def parse(self, line: int, cells: list[Cell]) -> ParticipationRow:
        if len(cells) < self._width:
            raise RowProblem("too_few_columns", found=len(cells), expected=len(PESERTA_COLUMNS))
        if len(cells) > len(self._columns_in_file) and any(_filled(c) for c in cells[len(self._columns_in_file) :]):
            raise RowProblem("too_many_columns", found=len(cells), expected=len(PESERTA_COLUMNS))
        i_nik, i_kpj, i_skema, i_program, i_mulai, i_akhir, i_status = self._idx
        nik = checked_nik(cells[i_nik])
        kpj = id_number(cells[i_kpj], "kpj", length=0)
        if len(kpj) > 20:
            raise RowProblem("kpj_too_long", length=len(kpj))
        skema = text(cells[i_skema]).upper()
        if skema not in ("SIGAP", "LAINNYA"):
            raise RowProblem("skema_invalid", value=skema[:16])
        programs = _programs(text(cells[i_program]))
        mulai = parse_date(cells[i_mulai], "tanggal_mulai")
        akhir = parse_date(cells[i_akhir], "tanggal_akhir")
        if akhir < mulai:
            raise RowProblem("tanggal_akhir_before_mulai")
        status = text(cells[i_status]).upper().replace("-", "").replace(" ", "")
        if status not in ("AKTIF", "NONAKTIF"):
            raise RowProblem("status_invalid", value=status[:16])
        return (
            line,
            self._hasher.nik(nik),
            mask_kpj(kpj),
            skema,
            programs,
            mulai,
            akhir,
            status == "AKTIF",
            line,
        )


def _programs(value: str) -> str:
    parts = [p for p in value.upper().replace(",", "+").replace("/", "+").replace(" ", "+").split("+") if p]
    if not parts:
        raise RowProblem("program_missing")
    unknown = [p for p in parts if p not in KNOWN_PROGRAMS]
    if unknown:
        raise RowProblem("program_invalid", value="+".join(unknown)[:16])
    return "+".join(sorted(set(parts), key=KNOWN_PROGRAMS.index))
