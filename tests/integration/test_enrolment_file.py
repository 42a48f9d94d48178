"""The enrolment workbook: re-joined from the admin's own file, refused when the file is not the round's,
the same bytes on a second export, nothing half-written, and no raw identifier left in the database."""

from __future__ import annotations

import asyncio
import logging
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bootstrap import App
from sigap_core.crypto import Hasher
from sigap_core.enrolment_file import export_round
from sigap_core.importers.fields import mask_name
from sigap_core.importers.service import import_file
from sigap_core.selection_rounds import SelectionError, run_selection
from sigap_core.services import Domain
from tests.conftest import TODAY
from tests.integration.helpers import DTSEN_HEADER, GOOD, NIK, PESERTA_GOOD, PESERTA_HEADER, write
from tests.integration.test_privacy_scan import secrets_of
from tests.integration.test_selection import NOW, extra_people, nik_of


async def selected_round(app: App, tmp_path: Path, extra: list[str], quota: int) -> tuple[int, Path]:
    source = write(tmp_path / "dtsen.csv", DTSEN_HEADER, [*GOOD.values(), *extra])
    peserta = write(tmp_path / "peserta.csv", PESERTA_HEADER, PESERTA_GOOD)
    for kind, path in (("dtsen", source), ("peserta", peserta)):
        await import_file(app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, tmp_path / "r")
    result = await run_selection(app.store, app.domain, TODAY, NOW, "cli:test", quota=quota)
    assert result.round is not None
    return result.round.id, source


async def test_workbook_holds_the_selected_people_with_nik_and_kk_as_text(app: App, tmp_path: Path) -> None:
    round_id, source = await selected_round(app, tmp_path, extra_people(3, 1), quota=3)
    out = tmp_path / "out" / "enrolment.xlsx"
    result = await export_round(app.store, app.domain, round_id, source, out, TODAY)
    assert (result.written, result.selected, result.missing, result.same_snapshot) == (2, 2, [], True)
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    assert header[:3] == ["NIK", "NO_KK", "NAMA"] and header[-1] == "PROGRAM"
    body = rows[1:]
    assert len(body) == 2
    niks = {nik_of(r) for r in extra_people(3, 1)}
    for row in body:
        nik, kk = row[0], row[1]
        assert nik.data_type == "s" and nik.number_format == "@" and nik.value in niks
        assert kk.data_type == "s" and len(kk.value) == 16
        values = {h: c.value for h, c in zip(header, row, strict=True)}
        assert values["RT"] == "001" and values["RW"] == "002"  # leading zeros kept
        assert values["KELURAHAN"] == "Bekasijaya" and values["PROGRAM"] == "JKK+JKM"
        assert (values["TANGGAL_MULAI"], values["TANGGAL_AKHIR"]) == ("01-12-2026", "30-11-2027")
        assert values["DESIL"] == 1


async def test_a_second_export_gives_the_same_file(app: App, tmp_path: Path) -> None:
    round_id, source = await selected_round(app, tmp_path, extra_people(5, 2), quota=4)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    await export_round(app.store, app.domain, round_id, source, first, TODAY)
    await asyncio.sleep(1.1)  # zip entries and document properties carry times to the second
    await export_round(app.store, app.domain, round_id, source, second, TODAY)
    assert first.read_bytes() == second.read_bytes()


async def test_people_missing_from_the_source_are_reported(app: App, tmp_path: Path) -> None:
    people = extra_people(4, 1)
    round_id, _ = await selected_round(app, tmp_path, people, quota=5)  # enrolled + the 4 desil-1 people
    older = write(tmp_path / "older.csv", DTSEN_HEADER, [*GOOD.values(), *people[:3]])
    result = await export_round(app.store, app.domain, round_id, older, tmp_path / "e.xlsx", TODAY)
    assert (result.written, result.selected, result.same_snapshot) == (3, 4, False)
    assert [(m.rank, m.name_masked) for m in result.missing] == [
        (m.rank, mask_name("ORANG KE 4")) for m in result.missing
    ]
    assert len(result.missing) == 1


async def test_a_file_hashed_with_another_key_is_refused(app: App, tmp_path: Path) -> None:
    round_id, source = await selected_round(app, tmp_path, extra_people(3, 1), quota=3)
    other = Domain(Hasher(b"another-secret-key-of-another-city"), app.domain.policy, app.domain.wilayah)
    out = tmp_path / "e.xlsx"
    with pytest.raises(SelectionError, match="different SIGAP_SECRET_KEY"):
        await export_round(app.store, other, round_id, source, out, TODAY)
    assert not out.exists()


async def test_another_citys_extract_is_refused_with_a_clear_message(app: App, tmp_path: Path) -> None:
    round_id, _ = await selected_round(app, tmp_path, extra_people(3, 1), quota=3)
    elsewhere = [r.replace("32.75.01.1001", "32.16.06.2001") for r in extra_people(20, 2, first=800)]
    foreign = write(tmp_path / "kabupaten.csv", DTSEN_HEADER, elsewhere)
    out = tmp_path / "e.xlsx"
    with pytest.raises(SelectionError, match="another city's extract") as refused:
        await export_round(app.store, app.domain, round_id, foreign, out, TODAY)
    assert "0 of the 2 selected" in str(refused.value)
    assert not out.exists()


async def test_an_interrupted_export_leaves_no_file(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    round_id, source = await selected_round(app, tmp_path, extra_people(3, 1), quota=3)
    out = tmp_path / "e.xlsx"
    calls = 0
    real = zipfile.ZipFile.writestr

    def interrupted(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 6:
            raise KeyboardInterrupt
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        await export_round(app.store, app.domain, round_id, source, out, TODAY)
    assert calls == 6
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".partial")) == []
    # An earlier good file at the same path is left whole.
    monkeypatch.setattr(zipfile.ZipFile, "writestr", real)
    await export_round(app.store, app.domain, round_id, source, out, TODAY)
    good = out.read_bytes()
    calls = 0
    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        await export_round(app.store, app.domain, round_id, source, out, TODAY)
    assert out.read_bytes() == good
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


async def test_no_raw_identifier_in_the_database_or_logs_after_an_export(
    app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import inspect, text

    caplog.set_level(logging.DEBUG)
    round_id, source = await selected_round(app, tmp_path, extra_people(30, 1), quota=20)
    await export_round(app.store, app.domain, round_id, source, tmp_path / "e.xlsx", TODAY)
    secrets = secrets_of(tmp_path)
    assert NIK["priority"] in secrets and len(secrets) > 60
    values: list[str] = []
    async with app.store.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert {"selection_round", "selection_entry"} <= set(tables)
        for table in tables:
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                values.extend(v.hex() + v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row)
    blob = "\n".join(values)
    assert [s for s in secrets if s in blob] == []
    url = str(app.store.engine.url)
    if url.startswith("sqlite"):
        db_file = Path(url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
        assert [s for s in secrets if s.encode() in raw] == []
    assert [s for s in secrets if s in caplog.text] == []


def sheet_values(path: Path) -> list[tuple[object, ...]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


async def test_every_registry_file_form_gives_the_same_workbook(app: App, tmp_path: Path) -> None:
    """Plain CSV; BOM, semicolons and CRLF; quoted fields holding the delimiter; a blank line; XLSX."""
    from openpyxl import Workbook

    people = extra_people(6, 1)
    round_id, plain = await selected_round(app, tmp_path, people, quota=5)
    expected = tmp_path / "plain.xlsx"
    await export_round(app.store, app.domain, round_id, plain, expected, TODAY)
    assert len(sheet_values(expected)) == 5  # header + 4 selected
    lines = [*GOOD.values(), *people]
    variants = {
        "bom-semicolon-crlf.csv": (
            "\ufeff"
            + DTSEN_HEADER.replace(",", ";")
            + "\r\n"
            + "\r\n".join(line.replace(",", ";") for line in lines)
            + "\r\n"
        ).encode(),
        "quoted.csv": (
            DTSEN_HEADER
            + "\n"
            + "\n".join(line.replace("Jl. Uji", '"Jl. Uji, Gg.').replace(",001,002", '",001,002') for line in lines[:3])
            + "\n\n"
            + "\n".join(line.replace("Jl. Uji", '"Jl. Uji, Gg.').replace(",001,002", '",001,002') for line in lines[3:])
            + "\n"
        ).encode(),
    }
    for name, content in variants.items():
        source = tmp_path / name
        source.write_bytes(content)
        out = tmp_path / f"{name}.xlsx"
        await export_round(app.store, app.domain, round_id, source, out, TODAY)
        got = sheet_values(out)
        if name == "quoted.csv":
            got = [
                tuple(str(v).replace("Jl. Uji, Gg.", "Jl. Uji") if isinstance(v, str) else v for v in row)
                for row in got
            ]
        assert got == sheet_values(expected), name
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(DTSEN_HEADER.split(","))
    for line in lines:
        cells: list[object] = line.split(",")
        cells[0] = int(str(cells[0]))  # Excel keeps NIKs as numbers unless told otherwise
        sheet.append(cells)
    book.save(tmp_path / "registry.xlsx")
    out = tmp_path / "from-xlsx.xlsx"
    await export_round(app.store, app.domain, round_id, tmp_path / "registry.xlsx", out, TODAY)
    assert sheet_values(out) == sheet_values(expected)
