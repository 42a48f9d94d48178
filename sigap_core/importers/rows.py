"""Row validation for dtsen.csv and peserta.csv (CONTRACT §5): a clean tuple or a RowProblem."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from functools import cache

from sigap_core.coverage import mask_kpj
from sigap_core.crypto import Hasher, normalise_phone
from sigap_core.importers.fields import (
    RowProblem,
    gender,
    id_number,
    mask_name,
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
RegistryRow = tuple[int, bytes, bytes, bytes | None, str, str, int, str, int]
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


def _quick_nik_ok(nik: str) -> bool:
    return (
        nik[:2] in PROVINCE_CODES
        and nik[2:4] != "00"
        and nik[4:6] != "00"
        and nik[6:12] in _valid_birth_fields()
        and nik[12:] != "0000"
    )


@cache
def _iso_dates() -> frozenset[str]:
    """Every YYYY-MM-DD from 1900 to 2039: one set lookup instead of a parse per row."""
    first = date(1900, 1, 1).toordinal()
    return frozenset(date.fromordinal(first + n).isoformat() for n in range(date(2040, 1, 1).toordinal() - first))


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

    def parse(self, line: int, cells: list[Cell]) -> RegistryRow:
        """Well-formed fields take a lean path; anything unusual goes through the precise cleaners."""
        if len(cells) < self._width:
            raise RowProblem("too_few_columns", found=len(cells), expected=len(DTSEN_COLUMNS))
        if len(cells) > len(self._columns_in_file) and any(_filled(c) for c in cells[len(self._columns_in_file) :]):
            raise RowProblem("too_many_columns", found=len(cells), expected=len(DTSEN_COLUMNS))
        i_nik, i_kk, i_nama, i_lahir, i_jk, _, _, _, i_kel, i_desil, i_kerja, i_hp = self._idx
        nik = cells[i_nik]
        if not (type(nik) is str and len(nik) == 16 and nik.isdigit() and _quick_nik_ok(nik)):
            nik = checked_nik(nik)
        kk = cells[i_kk]
        if not (type(kk) is str and len(kk) == 16 and kk.isdigit()):
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
        self, first_line: int, lines: list[str], delimiter: str
    ) -> tuple[list[RegistryRow], list[tuple[int, str, dict[str, object]]], int]:
        """A block of quote-free CSV lines, validated column by column.

        Rows that pass every strict check are built here in bulk; any other row goes through `parse`,
        which recovers field dirt or names the precise reason. Returns (rows, rejected, rows read).
        """
        width = len(self._columns_in_file)
        numbered = [
            (first_line + i, line.split(delimiter)) for i, line in enumerate(lines) if line and not line.isspace()
        ]
        strict = [item for item in numbered if len(item[1]) == width]
        rows: list[RegistryRow] = []
        rejected: list[tuple[int, str, dict[str, object]]] = []
        slow = [item for item in numbered if len(item[1]) != width]
        if strict:
            columns = list(zip(*(cells for _, cells in strict), strict=True))
            i_nik, i_kk, i_nama, i_lahir, i_jk, _, _, _, i_kel, i_desil, i_kerja, i_hp = self._idx
            valid_birth, provinces, iso = _valid_birth_fields(), PROVINCE_CODES, _iso_dates()
            niks = columns[i_nik]
            kks = columns[i_kk]
            names = [" ".join(n.split()) for n in columns[i_nama]]
            kodes = [self._codes.get(k) for k in columns[i_kel]]
            desils = [_DESIL.get(d) for d in columns[i_desil]]
            phones = [
                ("62" + hp[1:] if hp.startswith("08") and 10 <= len(hp) <= 14 and hp.isdigit() else normalise_phone(hp))
                if hp
                else ""
                for hp in columns[i_hp]
            ]
            good = [
                len(nik) == 16
                and nik.isdigit()
                and nik[:2] in provinces
                and nik[2:4] != "00"
                and nik[4:6] != "00"
                and nik[6:12] in valid_birth
                and nik[12:] != "0000"
                and len(kk) == 16
                and kk.isdigit()
                and kk != "0000000000000000"
                and 0 < len(name) <= 100
                and (
                    born in iso
                    or (
                        len(born) == 10
                        and born[2] in "-/"
                        and born[5] == born[2]
                        and f"{born[6:]}-{born[3:5]}-{born[:2]}" in iso
                    )
                )
                and jk in ("L", "P")
                and kode is not None
                and desil is not None
                and hp is not None
                for nik, kk, name, born, jk, kode, desil, hp in zip(
                    niks, kks, names, columns[i_lahir], columns[i_jk], kodes, desils, phones, strict=True
                )
            ]
            keep: Sequence[int]
            if all(good):
                picked = strict
                keep = range(len(strict))
            else:
                keep = [i for i, ok in enumerate(good) if ok]
                slow.extend(strict[i] for i in range(len(strict)) if not good[i])
                picked = [strict[i] for i in keep]
            hasher = self._hasher
            good_niks = [niks[i] for i in keep]
            lines_out = [line for line, _ in picked]
            good_phones = [phones[i] for i in keep]
            nik_digests = list(map(hasher.nik, good_niks))
            columns_out = (
                lines_out,
                nik_digests,
                list(map(hasher.kk4, nik_digests, [kks[i][-4:] for i in keep])),
                [hasher.phone(hp) if hp else None for hp in good_phones],
                list(map(mask_name, [names[i] for i in keep])),
                [kodes[i] for i in keep],
                [desils[i] for i in keep],
                [" ".join(columns[i_kerja][i].split())[:120] for i in keep],
                lines_out,
            )
            rows.extend(zip(*columns_out, strict=True))
        for line, cells in sorted(slow, key=lambda item: item[0]):
            try:
                rows.append(self.parse(line, cells))  # type: ignore[arg-type]
            except RowProblem as problem:
                rejected.append((line, problem.reason, problem.params))
        return rows, rejected, len(numbered)

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
