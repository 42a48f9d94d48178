"""`sigap selection export`: the enrolment workbook for BPJS Ketenagakerjaan.

The database never holds a raw NIK or KK number, so the export re-reads the admin's own registry file
(CSV or XLSX, as imported), hashes each row's NIK with SIGAP_SECRET_KEY, and keeps the rows whose digest
a round selected. Those rows are written, in rank order, with NIK and KK as text cells (leading zeros
kept) in the column layout of the policy's `[enrolment_file]`. A file that does not belong to the round
(another key, another city's extract) is refused; the workbook is written all at once or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sigap_core.crypto import Hasher, normalise_phone, same_digest
from sigap_core.importers.fields import RowProblem, gender, id_number, parse_date, text
from sigap_core.importers.readers import Cell, FileUnreadable, open_source
from sigap_core.importers.rows import DTSEN_COLUMNS
from sigap_core.importers.service import file_sha256
from sigap_core.selection import coverage_period
from sigap_core.selection_rounds import SelectionError, key_check
from sigap_core.services import Domain
from sigap_core.store.repositories import Store, aware
from sigap_core.wilayah import KOTA_BEKASI_PREFIX, dotted_kelurahan_code
from sigap_core.xlsx import save_workbook_atomically

BATCH_ROWS = 20_000
MIN_MATCH = 0.5
WIB = timedelta(hours=7)
TEXT_FIELDS = ("nik", "no_kk", "rt", "rw", "no_hp", "kode_kelurahan")


@dataclass(frozen=True)
class Selected:
    nik_hmac: bytes
    rank: int
    name_masked: str
    kode_kelurahan: str


@dataclass
class Match:
    """What re-reading the source file found."""

    rows: dict[bytes, Sequence[Cell]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    bekasi_rows: int = 0


@dataclass
class ExportResult:
    out: Path
    written: int
    selected: int
    missing: list[Selected]
    rows_read: int
    same_snapshot: bool
    enrolled_already: int


def _nik_digits(cell: Cell) -> str | None:
    if type(cell) is str and len(cell) == 16 and cell.isdigit() and cell.isascii():
        return cell
    try:
        return id_number(cell, "nik")
    except RowProblem:
        return None


def _batches(rows: Iterator[tuple[int, Sequence[Cell]]]) -> Iterator[list[Sequence[Cell]]]:
    batch: list[Sequence[Cell]] = []
    for _, cells in rows:
        batch.append(cells)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def match_source(path: Path, hasher: Hasher, wanted: set[bytes]) -> Match:
    """Stream the registry file; keep the first row of each wanted NIK digest (memory: the matches only)."""
    try:
        source = open_source(path, DTSEN_COLUMNS)
    except FileUnreadable as error:
        raise SelectionError(f"cannot use {path.name} as the source: {error}") from error
    found = Match(positions=dict(source.header.positions))
    i_nik, i_kode = found.positions["nik"], found.positions["kode_kelurahan"]
    try:
        for batch in _batches(source.rows()):
            found.rows_read += len(batch)
            niks: list[str] = []
            rows: list[Sequence[Cell]] = []
            for cells in batch:
                digits = _nik_digits(cells[i_nik]) if len(cells) > i_nik else None
                if digits is not None:
                    niks.append(digits)
                    rows.append(cells)
                if len(cells) > i_kode and text(cells[i_kode]).replace(".", "").startswith(KOTA_BEKASI_PREFIX):
                    found.bekasi_rows += 1
            for digest, cells in zip(hasher.niks(niks), rows, strict=True):
                key = bytes(digest)
                if key in wanted and key not in found.rows:
                    found.rows[key] = cells
    except FileUnreadable as error:
        raise SelectionError(f"cannot use {path.name} as the source: {error}") from error
    finally:
        source.close()
    return found


def _value(name: str, cells: Sequence[Cell], positions: dict[str, int], extra: dict[str, Any]) -> Any:
    if name in extra:
        return extra[name]
    cell = cells[positions[name]] if positions[name] < len(cells) else None
    return text(cell)


def enrolment_row(
    domain: Domain, cells: Sequence[Cell], positions: dict[str, int], coverage: tuple[date, date]
) -> list[Any]:
    """One selected person's row in the policy's column layout."""
    layout = domain.policy.selection
    fmt = layout.date_format

    def cell(name: str) -> Cell:
        index = positions[name]
        return cells[index] if index < len(cells) else None

    nik = id_number(cell("nik"), "nik")
    try:
        kk = id_number(cell("no_kk"), "no_kk")
    except RowProblem:
        kk = text(cell("no_kk"))
    try:
        born = parse_date(cell("tanggal_lahir"), "tanggal_lahir").strftime(fmt)
    except RowProblem:
        born = text(cell("tanggal_lahir"))
    try:
        sex = gender(cell("jenis_kelamin"))
    except RowProblem:
        sex = text(cell("jenis_kelamin"))
    kode = dotted_kelurahan_code(text(cell("kode_kelurahan"))) or text(cell("kode_kelurahan"))
    place = domain.wilayah.get(kode)
    phone_raw = text(cell("no_hp"))
    phone = normalise_phone(phone_raw) if phone_raw else None
    desil_text = text(cell("desil"))
    extra: dict[str, Any] = {
        "nik": nik,
        "no_kk": kk,
        "tanggal_lahir": born,
        "jenis_kelamin": sex,
        "kode_kelurahan": kode,
        "kelurahan": place.name if place else "",
        "kecamatan": place.kecamatan.name if place else "",
        "no_hp": "0" + phone[2:] if phone else phone_raw,
        "desil": int(desil_text) if desil_text.isdigit() else desil_text,
        "tanggal_mulai": coverage[0].strftime(fmt),
        "tanggal_akhir": coverage[1].strftime(fmt),
        "program": layout.program,
    }
    return [_value(name, cells, positions, extra) for _, name in layout.columns]


def build_workbook(domain: Domain, rows: Sequence[list[Any]], round_id: int) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"SIGAP round {round_id}")
    columns = domain.policy.selection.columns
    sheet.freeze_panes = "A2"
    for index, (_, name) in enumerate(columns, start=1):
        width = 20 if name in ("nik", "no_kk", "nama", "alamat", "pekerjaan") else 14
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for header, _ in columns:
        item = WriteOnlyCell(sheet, value=header)
        item.font = bold
        header_cells.append(item)
    sheet.append(header_cells)
    text_columns = [name in TEXT_FIELDS for _, name in columns]
    for values in rows:
        out: list[Any] = []
        for value, as_text in zip(values, text_columns, strict=True):
            if as_text:
                item = WriteOnlyCell(sheet, value=str(value))
                item.number_format = "@"  # text: Excel keeps the leading zeros and all 16 digits
                out.append(item)
            else:
                out.append(value)
        sheet.append(out)
    return workbook


async def export_round(
    store: Store,
    domain: Domain,
    round_id: int,
    source: Path,
    out: Path,
    today: date,
    *,
    actor: str = "cli",
    min_match: float = MIN_MATCH,
) -> ExportResult:
    async with store.uow() as uow:
        item = await uow.selection.get_round(round_id)
        if item is None:
            raise SelectionError(f"no selection round #{round_id} (see `sigap selection list`)")
        selected = [Selected(d, r, n, k) for d, r, n, k, _ in await uow.selection.selected_of(round_id)]
    if not same_digest(item.key_check, key_check(domain)):
        raise SelectionError(
            f"round #{round_id} was run with a different SIGAP_SECRET_KEY: no NIK can be matched. "
            "Export with the key the round was run with."
        )
    if not selected:
        raise SelectionError(f"round #{round_id} selected nobody: there is nothing to export")
    source = Path(source)
    same_snapshot = bool(item.registry_sha256) and file_sha256(source) == item.registry_sha256
    match = match_source(source, domain.hasher, {s.nik_hmac for s in selected})
    found = len(match.rows)
    if found < len(selected) * min_match or found == 0:
        hint = (
            f" Only {match.bekasi_rows} of its {match.rows_read} rows are in Kota Bekasi: is it another city's extract?"
            if match.bekasi_rows * 2 < match.rows_read
            else " Is it the registry extract this round was run on (and the same SIGAP_SECRET_KEY)?"
        )
        raise SelectionError(
            f"{source.name} does not match round #{round_id}: {found} of the {len(selected)} selected "
            f"people are in it.{hint} Nothing was written."
        )
    created = aware(item.created_at) or datetime.now(UTC)
    coverage = coverage_period(domain.policy, (created + WIB).date())
    rows = [
        enrolment_row(domain, match.rows[s.nik_hmac], match.positions, coverage)
        for s in selected
        if s.nik_hmac in match.rows
    ]
    save_workbook_atomically(build_workbook(domain, rows, round_id), out, created)
    missing = [s for s in selected if s.nik_hmac not in match.rows]
    async with store.uow() as uow:
        enrolled = len(await uow.selection.enrolled_among([s.nik_hmac for s in selected], today))
        await uow.audit.add(
            actor, "selection_export", None, f"round {round_id}: {len(rows)} rows, {len(missing)} missing"
        )
    return ExportResult(Path(out), len(rows), len(selected), missing, match.rows_read, same_snapshot, enrolled)
