"""The worker-process path must produce exactly what the in-process path produces."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from sigap_core.demo import generate, write_files
from sigap_core.importers import parallel
from sigap_core.importers.service import ImportFailed, import_file
from sigap_core.store import models
from tests.conftest import TODAY


def build_file(tmp_path: Path) -> Path:
    persons, peserta, _ = generate(3000, 5, _wilayah(), TODAY)
    write_files(tmp_path, persons, peserta, 5)
    path = tmp_path / "dtsen.csv"
    lines = path.read_text().splitlines()
    # Dirt and bad rows spread through the file, one quoted row (slow path), a duplicate, blank lines.
    lines[100] = lines[100].replace(lines[100].split(",")[0], "3.27501E+15", 1)
    lines[700] = ",".join(lines[700].split(",")[:5])
    lines[1500] = lines[1500].replace(",L,", ",X,").replace(",P,", ",X,")
    lines[2000] = '"' + lines[2000].replace(",", '","') + '"'
    lines[2500] = lines[10]
    lines.insert(2600, "")
    path.write_text("\n".join(lines) + "\n")
    return path


def _wilayah():  # type: ignore[no-untyped-def]
    from sigap_core.wilayah import load_wilayah

    return load_wilayah()


async def snapshot(app: App) -> list[tuple[object, ...]]:
    async with app.store.uow() as uow:
        rows = await uow.session.execute(
            select(
                models.RegistryPerson.line,
                models.RegistryPerson.nik_hmac,
                models.RegistryPerson.kk4_hmac,
                models.RegistryPerson.phone_hmac,
                models.RegistryPerson.name_masked,
                models.RegistryPerson.kode_kelurahan,
                models.RegistryPerson.desil,
                models.RegistryPerson.pekerjaan,
            ).order_by(models.RegistryPerson.line)
        )
        return [tuple(r) for r in rows.all()]


async def test_worker_processes_give_the_same_snapshot_and_report(
    tmp_path: Path, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16_384)  # many chunks from a small file
    path = build_file(tmp_path)
    results = {}
    for mode in (False, True):
        result = await import_file(
            app.store.engine,
            app.domain.hasher,
            app.domain.wilayah,
            "dtsen",
            path,
            tmp_path / f"reports-{mode}",
            parallel=mode,
            force=True,
        )
        results[mode] = (
            await snapshot(app),
            Path(result.report_path).read_text(),  # type: ignore[arg-type]
            (result.rows_read, result.rows_imported, result.rows_rejected),
        )
    serial, pooled = results[False], results[True]
    assert serial[2] == pooled[2] == (3000, 2996, 4)
    assert serial[1] == pooled[1]
    assert serial[0] == pooled[0]


async def test_damaged_bytes_found_by_a_worker_abort_the_import(
    tmp_path: Path, sqlite_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16_384)
    path = build_file(tmp_path)
    data = path.read_bytes()
    middle = data.index(b"\n", len(data) // 2) + 1
    path.write_bytes(data[:middle] + b"\xff\xfe\n" + data[middle:])
    with pytest.raises(ImportFailed, match="damaged"):
        await import_file(
            sqlite_app.store.engine,
            sqlite_app.domain.hasher,
            sqlite_app.domain.wilayah,
            "dtsen",
            path,
            tmp_path / "r",
            parallel=True,
        )
    assert await snapshot(sqlite_app) == []


async def test_bom_semicolons_and_crlf_give_the_same_snapshot(
    tmp_path: Path, sqlite_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spreadsheet-style export (UTF-8 BOM, `;`, CRLF line ends) through the worker path."""
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16_384)
    source = build_file(tmp_path)
    lines = source.read_text().splitlines()
    spreadsheet = tmp_path / "export.csv"
    spreadsheet.write_bytes(("\ufeff" + "\r\n".join(line.replace(",", ";") for line in lines) + "\r\n").encode())
    results = []
    for path, mode in ((source, False), (spreadsheet, True)):
        result = await import_file(
            sqlite_app.store.engine,
            sqlite_app.domain.hasher,
            sqlite_app.domain.wilayah,
            "dtsen",
            path,
            tmp_path / f"reports-{mode}",
            parallel=mode,
            force=True,
        )
        results.append((await snapshot(sqlite_app), (result.rows_read, result.rows_imported, result.rows_rejected)))
    assert results[0][1] == results[1][1] == (3000, 2996, 4)
    assert results[0][0] == results[1][0]
