"""An XLSX extract gives exactly the snapshot and report its CSV twin gives: the sheet goes through the
block parser, rows whose cells cannot be text unchanged go row by row."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import App
from sigap_core.importers import service
from sigap_core.importers.service import import_file
from tests.fakes.xlsx import row_xml, write_xlsx
from tests.integration.test_import_parallel import build_file, snapshot


def report(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8") as handle:
        return sorted(tuple(row) for row in csv.reader(handle))


def sheet_twin(csv_path: Path, out: Path) -> Path:
    """The same rows in a workbook, with the cell types Excel would give some of them."""
    with csv_path.open(newline="") as handle:
        table = list(csv.reader(handle))
    rows = []
    for number, cells in enumerate(table, 1):
        typed: list[object] = list(cells)
        if number > 1 and cells:
            if number % 7 == 0 and cells[0].isdigit():
                typed[0] = int(cells[0])  # a NIK typed as a number
            if number % 5 == 0 and cells[9].isdigit():
                typed[9] = int(cells[9])  # desil as a number
            if number % 11 == 0 and len(cells[3]) == 10 and cells[3][4] == "-":
                typed[3] = date.fromisoformat(cells[3])  # a date cell
            if number == 300:
                typed[9] = 2.5  # a fraction: this row keeps its own cells
            if number == 400:
                typed[2] = "SITI\x1fAMINAH"  # the block separator inside a cell
            if number == 500:
                typed[2] = "SITI\nAMINAH"
        rows.append(row_xml(number, typed))
    rows.append(row_xml(len(table) + 3, ["", "", ""]))  # a trailing row of empty strings
    return write_xlsx(out, rows)


async def test_a_workbook_imports_exactly_like_its_csv_twin(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 250 rows: most go through the block parser, the one with rows 400 and 500 row by row.
    monkeypatch.setattr(service, "BATCH_ROWS", 250)
    csv_path = build_file(tmp_path)
    rows = list(csv.reader(csv_path.open(newline="")))
    rows[299][9], rows[399][2], rows[499][2] = "2.5", "SITI\x1fAMINAH", "SITI AMINAH"
    # A sheet row has every column (empty cells are ""), so the CSV twin's short row is padded too.
    rows = [row + [""] * (12 - len(row)) if 0 < len(row) < 12 else row for row in rows]
    with csv_path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    xlsx_path = sheet_twin(csv_path, tmp_path / "dtsen.xlsx")
    args = (app.store.engine, app.domain.hasher, app.domain.wilayah, "dtsen")
    from_csv = await import_file(*args, csv_path, tmp_path / "r1", parallel=False)
    expected = await snapshot(app)
    from_xlsx = await import_file(*args, xlsx_path, tmp_path / "r2", force=True)
    assert await snapshot(app) == expected
    assert (from_xlsx.rows_read, from_xlsx.rows_imported, from_xlsx.rows_rejected) == (
        from_csv.rows_read,
        from_csv.rows_imported,
        from_csv.rows_rejected,
    )
    assert from_xlsx.report_path and from_csv.report_path
    assert report(from_xlsx.report_path) == report(from_csv.report_path)
