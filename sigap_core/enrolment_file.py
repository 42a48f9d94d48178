"""`sigap selection export`: the enrolment workbook for BPJS Ketenagakerjaan.

The database never holds a raw NIK or KK number, so the export re-reads the admin's own registry file
(CSV or XLSX, as imported), hashes each row's NIK with SIGAP_SECRET_KEY, and keeps the rows whose digest
a round selected. Those rows are written, in rank order, with NIK and KK as text cells (leading zeros
kept) in the column layout of the policy's `[enrolment_file]`. A file that does not belong to the round
(another key, another city's extract) is refused; the workbook is written all at once or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import chain, islice
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any, cast

from sigap_core.crypto import Hasher, normalise_phone, same_digest
from sigap_core.importers.fields import RowProblem, gender, id_number, parse_date, text
from sigap_core.importers.readers import Cell, CsvSource, FileUnreadable, open_source
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
TEXT_FIELDS = ("nik", "no_kk")  # styled as text ("@"): the other fields are written as strings anyway


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
    sampled: int = 0  # rows of the first batch, looked at for where the file's people live
    bekasi_rows: int = 0  # of those, in Kota Bekasi


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


@dataclass(frozen=True)
class _Batch:
    """Up to BATCH_ROWS rows: their NIK cells, and the rows themselves — raw CSV lines, parsed only
    when one matches, or already parsed cells."""

    niks: list[Cell]
    records: Sequence[Any]
    parse: Callable[[Any], Sequence[Cell]]


def _column(batch: Sequence[Sequence[Cell]], index: int) -> list[Cell]:
    try:
        return list(map(itemgetter(index), batch))
    except IndexError:  # a short row: the slow way
        return [cells[index] if len(cells) > index else None for cells in batch]


def _parsed(rows: Iterator[Sequence[Cell]], i_nik: int) -> Iterator[_Batch]:
    while chunk := list(islice(rows, BATCH_ROWS)):
        batch = [row for row in chunk if row]
        if batch:
            yield _Batch(_column(batch, i_nik), batch, _same)


def _same(row: Sequence[Cell]) -> Sequence[Cell]:
    return row


def _csv_batches(source: CsvSource, i_nik: int) -> Iterator[_Batch]:
    """A CSV file in batches. Quote-free text (the usual export) is cut into lines and only the NIK field
    is split off each, in C; a row is parsed whole only when its NIK matches. From the first block that
    holds a quote on, the csv module reads the rest (quoted fields may hold delimiters and line breaks)."""
    delimiter = source.delimiter

    def parse_line(line: str) -> list[str]:
        return next(csv.reader([line], delimiter=delimiter))

    def nik_fields(lines: list[str]) -> list[Cell]:
        if i_nik == 0:
            return list(map(itemgetter(0), map(methodcaller("partition", delimiter), lines)))
        try:
            return list(map(itemgetter(i_nik), map(methodcaller("split", delimiter, i_nik + 1), lines)))
        except IndexError:
            return [_column([line.split(delimiter)], i_nik)[0] for line in lines]

    with source.path.open(encoding=source.encoding, newline="") as handle:
        handle.readline()  # the header, checked by CsvSource
        rest = ""
        while chunk := handle.read(1 << 22):
            text_block = rest + chunk
            cut = text_block.rfind("\n") + 1
            block, rest = text_block[:cut], text_block[cut:]
            if '"' in block:
                rows = csv.reader(chain(io.StringIO(block + rest), handle), delimiter=delimiter)
                yield from _parsed(rows, i_nik)
                return
            lines = list(filter(None, block.split("\n")))
            for first in range(0, len(lines), BATCH_ROWS):
                part = lines[first : first + BATCH_ROWS]
                yield _Batch(nik_fields(part), part, parse_line)
        if rest.strip():
            yield _Batch(_column([parse_line(rest)], i_nik), [rest], parse_line)


_BEKASI_CODES = (KOTA_BEKASI_PREFIX, KOTA_BEKASI_PREFIX[:2] + "." + KOTA_BEKASI_PREFIX[2:])


def match_source(path: Path, hasher: Hasher, wanted: set[bytes]) -> Match:
    """Stream the registry file; keep the first row of each wanted NIK digest (memory: the matches only).

    Each batch is handled a column at a time in C: the NIK column checked whole, hashed in one call,
    intersected with the wanted digests; only a batch with an unusual NIK cell is looked at row by row.
    """
    try:
        source = open_source(path, DTSEN_COLUMNS)
    except FileUnreadable as error:
        raise SelectionError(f"cannot use {path.name} as the source: {error}") from error
    found = Match(positions=dict(source.header.positions))
    i_nik, i_kode = found.positions["nik"], found.positions["kode_kelurahan"]
    batches = (
        _csv_batches(source, i_nik)
        if isinstance(source, CsvSource)
        else _parsed((cells for _, cells in source.rows()), i_nik)
    )
    try:
        for batch in batches:
            if not found.rows_read:  # where the file's people live, from its first batch (for the message)
                kodes = _column(list(map(batch.parse, batch.records)), i_kode)
                found.sampled = len(kodes)
                found.bekasi_rows = sum(text(k).startswith(_BEKASI_CODES) for k in kodes)
            found.rows_read += len(batch.records)
            niks = batch.niks
            texts = cast(list[str], niks) if set(map(type, niks)) == {str} else []
            joined = "".join(texts)
            records: Sequence[Any]
            if texts and set(map(len, texts)) == {16} and joined.isdigit() and joined.isascii():
                records, digits = batch.records, texts
            else:
                cleaned = list(map(_nik_digits, niks))
                records = [r for r, nik in zip(batch.records, cleaned, strict=True) if nik is not None]
                digits = [nik for nik in cleaned if nik is not None]
            keys = list(map(bytes, hasher.niks(digits)))
            hits = wanted.intersection(keys)
            if hits:
                where = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))  # first row wins
                for key in hits:
                    if key not in found.rows:
                        found.rows[key] = batch.parse(records[where[key]])
    except (FileUnreadable, UnicodeDecodeError, csv.Error) as error:
        raise SelectionError(f"cannot use {path.name} as the source: the file looks damaged ({error})") from error
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
            f" Only {match.bekasi_rows} of its first {match.sampled} rows are in Kota Bekasi: is it another "
            "city's extract?"
            if match.bekasi_rows * 2 < match.sampled
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
