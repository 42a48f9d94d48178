"""Row validation for dtsen.csv and peserta.csv (CONTRACT §5): a clean tuple or a RowProblem."""

from __future__ import annotations

from datetime import date

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
from sigap_core.nik import NikError, check_rules
from sigap_core.wilayah import KOTA_BEKASI_PREFIX, Wilayah, dotted_kelurahan_code

DTSEN_COLUMNS = (
    "nik", "no_kk", "nama", "tanggal_lahir", "jenis_kelamin", "alamat",
    "rt", "rw", "kode_kelurahan", "desil", "pekerjaan", "no_hp",
)  # fmt: skip
PESERTA_COLUMNS = ("nik", "kpj", "skema", "program", "tanggal_mulai", "tanggal_akhir", "status")

KNOWN_PROGRAMS = ("JKK", "JKM", "JHT", "JP")

# (nik_hmac, kk_hmac, kk4_hmac, phone_hmac, name_masked, kode_kelurahan, desil, pekerjaan, line)
RegistryRow = tuple[bytes, bytes, bytes, bytes | None, str, str, int, str, int]
# (nik_hmac, kpj_masked, skema, program, mulai, akhir, aktif, line)
ParticipationRow = tuple[bytes, str, str, str, date, date, bool, int]


def checked_nik(cell: Cell) -> str:
    digits = id_number(cell, "nik")
    try:
        check_rules(digits)
    except NikError as error:
        raise RowProblem("nik_" + error.code, **error.params) from error
    return digits


class DtsenRowParser:
    """Turns one raw row into what the store keeps. Runs a million times per import: keep it lean."""

    def __init__(self, header: Header, hasher: Hasher, wilayah: Wilayah) -> None:
        p = header.positions
        self._idx = [p[name] for name in DTSEN_COLUMNS]
        self._width = max(self._idx) + 1
        self._hasher = hasher
        self._known = {k.plain_code: k.code for k in wilayah.kelurahan}
        self.warnings: list[tuple[int, str, dict[str, object]]] = []

    def parse(self, line: int, cells: list[Cell]) -> RegistryRow:
        if len(cells) < self._width:
            raise RowProblem("too_few_columns", found=len(cells), expected=len(DTSEN_COLUMNS))
        i_nik, i_kk, i_nama, i_lahir, i_jk, _, _, _, i_kel, i_desil, i_kerja, i_hp = self._idx
        nik = checked_nik(cells[i_nik])
        kk = id_number(cells[i_kk], "no_kk")
        if kk == "0" * 16:
            raise RowProblem("no_kk_invalid")
        nama = text(cells[i_nama])
        if not nama:
            raise RowProblem("nama_missing")
        if len(nama) > 100:
            raise RowProblem("nama_too_long")
        parse_date(cells[i_lahir], "tanggal_lahir")
        gender(cells[i_jk])
        kode = self._kelurahan(cells[i_kel])
        desil = small_int(cells[i_desil], "desil", 1, 10)
        pekerjaan = text(cells[i_kerja])[:120]
        phone_hmac = None
        raw_phone = cells[i_hp]
        if raw_phone not in (None, ""):
            phone_text = text(raw_phone)
            if phone_text:
                phone = normalise_phone(phone_text)
                if phone is None:
                    self.warnings.append((line, "no_hp_ignored", {}))
                else:
                    phone_hmac = self._hasher.phone(phone)
        hasher = self._hasher
        return (
            hasher.nik(nik),
            hasher.kk(kk),
            hasher.kk4(nik, kk[-4:]),
            phone_hmac,
            mask_name(nama),
            kode,
            desil,
            pekerjaan,
            line,
        )

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
        self._idx = [p[name] for name in PESERTA_COLUMNS]
        self._width = max(self._idx) + 1
        self._hasher = hasher

    def parse(self, line: int, cells: list[Cell]) -> ParticipationRow:
        if len(cells) < self._width:
            raise RowProblem("too_few_columns", found=len(cells), expected=len(PESERTA_COLUMNS))
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
        return (self._hasher.nik(nik), mask_kpj(kpj), skema, programs, mulai, akhir, status == "AKTIF", line)


def _programs(value: str) -> str:
    parts = [p for p in value.upper().replace(",", "+").replace("/", "+").replace(" ", "+").split("+") if p]
    if not parts:
        raise RowProblem("program_missing")
    unknown = [p for p in parts if p not in KNOWN_PROGRAMS]
    if unknown:
        raise RowProblem("program_invalid", value="+".join(unknown)[:16])
    return "+".join(sorted(set(parts), key=KNOWN_PROGRAMS.index))
