"""No raw NIK, KK number or registry phone anywhere in a freshly imported database."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import inspect, text

from bot.bootstrap import App
from sigap_core.crypto import normalise_phone
from sigap_core.demo import generate, write_files
from sigap_core.importers.service import import_file
from tests.conftest import TODAY


def secrets_of(out: Path) -> set[str]:
    found: set[str] = set()
    with (out / "dtsen.csv").open() as handle:
        for row in csv.DictReader(handle):
            found.update({row["nik"], row["no_kk"]})
            if row["no_hp"]:
                phone = normalise_phone(row["no_hp"])
                assert phone
                found.update({phone, "0" + phone[2:]})
    return found


async def test_no_table_or_column_holds_a_raw_identifier(app: App, tmp_path: Path) -> None:
    persons, peserta, _ = generate(800, 11, app.domain.wilayah, TODAY)
    write_files(tmp_path, persons, peserta, 11)
    for kind in ("dtsen", "peserta"):
        await import_file(
            app.store.engine,
            app.domain.hasher,
            app.domain.wilayah,
            kind,
            tmp_path / f"{kind}.csv",
            tmp_path / "r",
        )
    secrets = secrets_of(tmp_path)
    assert len(secrets) > 1500
    values: list[str] = []
    async with app.store.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert {"registry_person", "participation"} <= set(tables)
        for table in tables:
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                for value in row:
                    if isinstance(value, bytes):
                        values.append(value.hex())
                        values.append(value.decode("latin-1"))
                    elif value is not None:
                        values.append(str(value))
    blob = "\n".join(values)
    assert "registry_person" in tables and len(values) > 5000
    leaked = [s for s in secrets if s in blob]
    assert leaked == []
    # Also the raw SQLite file (free pages, WAL) where there is one.
    url = str(app.store.engine.url)
    if url.startswith("sqlite"):
        db_file = Path(url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
        assert [s for s in secrets if s.encode() in raw] == []
