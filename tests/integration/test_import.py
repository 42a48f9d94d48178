from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from sigap_core.importers.service import ImportFailed, import_file
from sigap_core.nik import parse_nik
from sigap_core.services import check
from sigap_core.store import models
from tests.conftest import TODAY
from tests.integration.helpers import DTSEN_HEADER, GOOD, KK4, NIK, OUTCOME_STATUS, dtsen, peserta, write

GOOD_ROW = GOOD["priority"].split(",")


def variant(**changes: str) -> str:
    """A copy of the good row with some fields changed and a fresh, valid NIK."""
    row = list(GOOD_ROW)
    columns = DTSEN_HEADER.split(",")
    row[0] = changes.pop("nik", "3275016612990" + str(100 + len(changes) * 7 + hash(tuple(changes.items())) % 800))
    for key, value in changes.items():
        row[columns.index(key)] = value
    return ",".join(row)


# Each kind of bad row with the reason it must be rejected for.
BAD_ROWS = [
    (variant(nik="327501410190001"), "nik_wrong_length"),
    (variant(nik="3.27501E+15"), "nik_excel_scientific"),
    (variant(nik="3275O14101900001"), "nik_not_digits"),
    (variant(nik=""), "nik_missing"),
    (variant(nik="3275013201900001"), "nik_bad_day"),
    (variant(nik="3275011301900000"), "nik_zero_serial"),
    (variant(nik="3275013102900009"), "nik_impossible_date"),
    (variant(nik="3275016612990201", no_kk="32750101"), "no_kk_wrong_length"),
    (variant(nik="3275016612990202", nama=""), "nama_missing"),
    (variant(nik="3275016612990203", tanggal_lahir="1990-13-01"), "tanggal_lahir_impossible"),
    (variant(nik="3275016612990204", tanggal_lahir="kemarin"), "tanggal_lahir_format"),
    (variant(nik="3275016612990205", jenis_kelamin="X"), "jenis_kelamin_invalid"),
    (variant(nik="3275016612990206", kode_kelurahan="32.75.01.1999"), "kode_kelurahan_unknown"),
    (variant(nik="3275016612990207", kode_kelurahan="3275"), "kode_kelurahan_invalid"),
    (variant(nik="3275016612990208", desil="11"), "desil_out_of_range"),
    (variant(nik="3275016612990209", desil="dua"), "desil_invalid"),
    ("3275016612990210,3275010101050123,NAMA SAJA", "too_few_columns"),
    (GOOD["priority"], "duplicate_in_file"),
]


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def count(app: App, model: type) -> int:
    async with app.store.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


async def do_import(app: App, kind: str, path: Path, **kwargs: bool) -> object:
    return await import_file(
        app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, path.parent / "reports", **kwargs
    )


async def test_bad_rows_are_rejected_with_reasons_and_good_rows_kept(app: App, tmp_path: Path) -> None:
    path = dtsen(tmp_path / "dtsen.csv", [row for row, _ in BAD_ROWS])
    result = await do_import(app, "dtsen", path)
    assert result.rows_imported == len(GOOD)  # type: ignore[attr-defined]
    assert result.rows_rejected == len(BAD_ROWS)  # type: ignore[attr-defined]
    rejected = [r for r in report_rows(result.report_path) if r["action"] == "rejected"]  # type: ignore[attr-defined]
    first_bad_line = len(GOOD) + 2
    by_line = {int(r["line"]): r["reason"] for r in rejected}
    for offset, (_, reason) in enumerate(BAD_ROWS):
        assert by_line[first_bad_line + offset] == reason
    assert await count(app, models.RegistryPerson) == len(GOOD)


async def test_rejected_row_report_never_echoes_identifiers(app: App, tmp_path: Path) -> None:
    path = dtsen(tmp_path / "dtsen.csv", [variant(nik="3275O14101900001"), variant(nik="327501410190001")])
    result = await do_import(app, "dtsen", path)
    text = Path(result.report_path).read_text()  # type: ignore[attr-defined]
    assert "3275O14101900001" not in text and "327501410190001" not in text
    assert "harus 16 digit, tertulis 15 digit" in text


async def test_field_dirt_is_recovered(app: App, tmp_path: Path) -> None:
    dirty = [
        " 3275016612990301 ;'3275010101050123; budi  santoso ;1990-01-01;l;x;1;2; 3275011001 ; 2.0 ;Ojol; 0812-3456-7890",
        "3.275016612990302E+15;3275010101050123;ANI;1990-01-01;P;x;1;2;32.75.01.1001;3;Buruh;",
        "3275016612990303.0;3275010101050123;ANI;1990-01-01;P;x;1;2;32.75.01.1001;3;Buruh;+62 813 1111 2222",
    ]
    path = write(tmp_path / "dtsen.csv", DTSEN_HEADER, dirty, bom=True, sep=";")
    result = await do_import(app, "dtsen", path)
    assert result.rows_imported == 3, report_rows(result.report_path)  # type: ignore[attr-defined]
    async with app.store.uow() as uow:
        decision = await check(uow, app.domain, parse_nik("3275016612990301"), TODAY, "0123")
    assert decision.status.value == "eligible_priority"


async def test_a_file_broken_half_way_changes_nothing(app: App, tmp_path: Path) -> None:
    from sigap_core.demo import generate, write_files

    await do_import(app, "dtsen", dtsen(tmp_path / "first.csv"))
    persons, peserta_rows, _ = generate(6000, 3, app.domain.wilayah, TODAY)
    write_files(tmp_path / "big", persons, peserta_rows, 3)
    good = (tmp_path / "big" / "dtsen.csv").read_bytes()
    middle = good.index(b"\n", len(good) // 2) + 1
    broken = tmp_path / "broken.csv"
    broken.write_bytes(good[:middle] + b"3275016612990401,\xff\xfe\xfa garbage \x81\n" + good[middle:])
    with pytest.raises(ImportFailed, match="damaged"):
        await do_import(app, "dtsen", broken)
    assert await count(app, models.RegistryPerson) == len(GOOD)
    async with app.store.uow() as uow:
        runs = (await uow.session.execute(select(models.ImportRun.status).order_by(models.ImportRun.id))).scalars()
        assert list(runs) == ["active", "failed"]
        decision = await check(uow, app.domain, parse_nik(NIK["priority"]), TODAY, KK4["priority"])
        tables = await uow.session.run_sync(lambda s: s.connection().dialect.get_table_names(s.connection()))
    assert decision.status.value == "eligible_priority"
    assert not [t for t in tables if "_stage_" in t]


async def test_wrong_header_is_refused_before_anything_changes(app: App, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", "nik,kk,nama", ["1,2,3"])
    with pytest.raises(ImportFailed, match="missing column"):
        await do_import(app, "dtsen", path)
    assert await count(app, models.ImportRun) == 0


async def test_a_file_with_no_usable_row_keeps_the_current_data(app: App, tmp_path: Path) -> None:
    await do_import(app, "dtsen", dtsen(tmp_path / "first.csv"))
    path = write(tmp_path / "bad.csv", DTSEN_HEADER, [variant(nik="123")])
    with pytest.raises(ImportFailed, match="no usable row"):
        await do_import(app, "dtsen", path)
    assert await count(app, models.RegistryPerson) == len(GOOD)


async def test_reimport_is_idempotent_and_a_new_extract_replaces_the_old(app: App, tmp_path: Path) -> None:
    first = dtsen(tmp_path / "a.csv")
    await do_import(app, "dtsen", first)
    again = await do_import(app, "dtsen", first)
    assert again.unchanged  # type: ignore[attr-defined]
    forced = await do_import(app, "dtsen", first, force=True)
    assert forced.rows_imported == len(GOOD)  # type: ignore[attr-defined]
    assert await count(app, models.RegistryPerson) == len(GOOD)
    smaller = write(tmp_path / "b.csv", DTSEN_HEADER, [GOOD["priority"], GOOD["rich"]])
    with pytest.raises(ImportFailed, match="would remove 5 of the 7 people"):
        await do_import(app, "dtsen", smaller)  # more than the policy's 20 % would disappear
    assert await count(app, models.RegistryPerson) == len(GOOD)
    await do_import(app, "dtsen", smaller, force=True)
    assert await count(app, models.RegistryPerson) == 2
    async with app.store.uow() as uow:
        gone = await check(uow, app.domain, parse_nik(NIK["eligible"]), TODAY)
    assert gone.status.value == "not_found"


async def test_every_eligibility_outcome_after_importing_both_files(app: App, tmp_path: Path) -> None:
    await do_import(app, "dtsen", dtsen(tmp_path / "dtsen.csv"))
    await do_import(app, "peserta", peserta(tmp_path / "peserta.csv"))
    async with app.store.uow() as uow:
        for key, status in OUTCOME_STATUS.items():
            decision = await check(uow, app.domain, parse_nik(NIK[key]), TODAY, KK4[key])
            assert decision.status.value == status, key
        wrong = await check(uow, app.domain, parse_nik(NIK["priority"]), TODAY, "9999")
        unknown = await check(uow, app.domain, parse_nik("3275016612990999"), TODAY, "1234")
    assert wrong.status.value == "kk_mismatch"
    assert unknown.status.value == "not_found"


async def test_peserta_bad_rows(app: App, tmp_path: Path) -> None:
    bad = [
        f"{NIK['priority']},123,SIGAP,JKK+JKM,2026-01-01,2025-12-31,AKTIF",
        f"{NIK['priority']},123,BPJS,JKK+JKM,2026-01-01,2026-12-31,AKTIF",
        f"{NIK['priority']},123,SIGAP,JKK+XYZ,2026-01-01,2026-12-31,AKTIF",
        f"{NIK['priority']},123,SIGAP,JKK+JKM,2026-01-01,2026-12-31,MATI",
        f"{NIK['priority']},12a3,SIGAP,JKK+JKM,2026-01-01,2026-12-31,AKTIF",
        f"{NIK['enrolled']},98765432109,SIGAP,JKK+JKM,01-01-2026,31-12-2026,AKTIF",
    ]
    result = await do_import(app, "peserta", peserta(tmp_path / "peserta.csv", bad))
    reasons = [r["reason"] for r in report_rows(result.report_path)]  # type: ignore[attr-defined]
    assert reasons == [
        "tanggal_akhir_before_mulai",
        "skema_invalid",
        "program_invalid",
        "status_invalid",
        "kpj_not_digits",
        "duplicate_in_file",
    ]
    assert result.rows_imported == 2  # type: ignore[attr-defined]


async def test_xlsx_with_numeric_cells_is_imported(app: App, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(DTSEN_HEADER.split(","))
    for line in GOOD.values():
        cells: list[object] = line.split(",")
        cells[0] = int(cells[0])  # type: ignore[arg-type]  # NIK typed as a number in Excel
        cells[9] = int(cells[9])  # type: ignore[arg-type]
        sheet.append(cells)
    sheet.append(["3275016612990501", "x", "y"])
    path = tmp_path / "dtsen.xlsx"
    book.save(path)
    result = await do_import(app, "dtsen", path)
    assert (result.rows_imported, result.rows_rejected) == (len(GOOD), 1)  # type: ignore[attr-defined]


async def test_damaged_xlsx_is_refused(app: App, tmp_path: Path) -> None:
    path = tmp_path / "dtsen.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFailed):
        await do_import(app, "dtsen", path)
