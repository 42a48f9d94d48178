"""What must never replace a registry: a file cut off mid-row, a snapshot that loses a large share of the
people, an exploding workbook; and what a dead import must not leave behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from bot.bootstrap import App
from sigap_core.demo import generate, write_files
from sigap_core.importers.housekeeping import import_lock, sweep_dead_imports
from sigap_core.importers.service import ImportFailed, import_file
from sigap_core.nik import parse_nik
from sigap_core.policy import ImportLimits
from sigap_core.services import check
from sigap_core.store import models
from tests.conftest import TODAY
from tests.fakes.xlsx import row_xml, table_rows, write_xlsx
from tests.integration.helpers import DTSEN_HEADER, GOOD, KK4, NIK, dtsen, write


async def count(app: App) -> int:
    async with app.store.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(models.RegistryPerson))).scalar_one())


async def statuses(app: App) -> list[str]:
    async with app.store.uow() as uow:
        rows = await uow.session.execute(select(models.ImportRun.status).order_by(models.ImportRun.id))
        return list(rows.scalars())


async def tables(app: App) -> list[str]:
    async with app.store.uow() as uow:
        return await uow.session.run_sync(lambda s: s.connection().dialect.get_table_names(s.connection()))


async def do_import(app: App, path: Path, **kwargs: object) -> object:
    return await import_file(
        app.store.engine, app.domain.hasher, app.domain.wilayah, "dtsen", path, path.parent / "reports", **kwargs
    )  # type: ignore[arg-type]


@pytest.fixture
def extract(tmp_path: Path) -> bytes:
    """6,000 synthetic people as CSV bytes."""
    persons, peserta, _ = generate(6000, 3, __import__("sigap_core.wilayah").wilayah.load_wilayah(), TODAY)
    write_files(tmp_path / "big", persons, peserta, 3)
    return (tmp_path / "big" / "dtsen.csv").read_bytes()


async def person_is_found(app: App, nik: str, kk4: str) -> bool:
    async with app.store.reader() as uow:
        decision = await check(uow, app.domain, parse_nik(nik), TODAY, kk4)
    return decision.status.value != "not_found"


@pytest.mark.parametrize("parallel", [False, True], ids=["in_process", "workers"])
async def test_a_file_cut_mid_row_is_broken_and_keeps_the_snapshot(
    app: App, tmp_path: Path, extract: bytes, parallel: bool
) -> None:
    whole = tmp_path / "whole.csv"
    whole.write_bytes(extract)
    await do_import(app, whole, parallel=parallel)
    last = extract.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode().split(",")
    cut_at = int(len(extract) * 0.6)
    while extract[cut_at - 1 : cut_at + 1].count(b",") or extract[cut_at] in b"\n":
        cut_at += 1  # mid-field, mid-row
    cut = tmp_path / "cut.csv"
    cut.write_bytes(extract[:cut_at])
    # --force (which accepts a shrinking snapshot) must not accept a broken file either.
    with pytest.raises(ImportFailed, match="ends in the middle of a row"):
        await do_import(app, cut, force=True, parallel=parallel)
    assert await count(app) == 6000
    assert await person_is_found(app, last[0], last[1][-4:])  # someone from the missing part
    assert await statuses(app) == ["active"]


async def test_a_complete_last_row_without_a_final_line_break_is_fine(app: App, tmp_path: Path) -> None:
    path = dtsen(tmp_path / "d.csv")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    result = await do_import(app, path)
    assert result.rows_imported == len(GOOD)  # type: ignore[attr-defined]


async def test_a_snapshot_losing_more_than_the_policy_share_is_refused_without_force(
    app: App, tmp_path: Path, extract: bytes
) -> None:
    whole = tmp_path / "whole.csv"
    whole.write_bytes(extract)
    await do_import(app, whole)
    lines = extract.splitlines(keepends=True)
    half = tmp_path / "half.csv"  # cut cleanly at a line end: only the share can tell
    half.write_bytes(b"".join(lines[:3001]))
    with pytest.raises(ImportFailed, match="would remove 3,000 of the 6,000 people in the registry"):
        await do_import(app, half)
    assert await count(app) == 6000
    assert not [t for t in await tables(app) if "_stage_" in t]
    nine_tenths = tmp_path / "most.csv"  # 10 % fewer: within the policy's 20 %
    nine_tenths.write_bytes(b"".join(lines[:5401]))
    await do_import(app, nine_tenths)
    assert await count(app) == 5400
    await do_import(app, half, force=True)
    assert await count(app) == 3000
    assert await statuses(app) == ["superseded", "failed", "superseded", "active"]


async def test_the_share_comes_from_the_policy(app: App, tmp_path: Path) -> None:
    await do_import(app, dtsen(tmp_path / "d.csv"))
    six = write(tmp_path / "six.csv", DTSEN_HEADER, list(GOOD.values())[:6])
    with pytest.raises(ImportFailed, match=r"would remove 1 of the 7 people .*\(5%"):
        await do_import(app, six, limits=ImportLimits(max_drop_share=0.05))
    await do_import(app, six)  # 1 of 7 is 14 %: within the default 20 %
    assert await count(app) == 6


def _workbook_of(path: Path, lines: list[str], extra: list[str] | None = None) -> Path:
    header = DTSEN_HEADER.split(",")
    rows = list(table_rows(header, ([*line.split(",")] for line in lines)))  # type: ignore[misc]
    return write_xlsx(path, [*rows, *(extra or [])])


async def test_an_xlsx_is_imported_through_the_streaming_reader(app: App, tmp_path: Path) -> None:
    path = _workbook_of(tmp_path / "d.xlsx", list(GOOD.values()))
    result = await do_import(app, path)
    assert result.rows_imported == len(GOOD)  # type: ignore[attr-defined]
    assert await person_is_found(app, NIK["priority"], KK4["priority"])


@pytest.mark.parametrize(
    ("hostile", "limits", "message"),
    [
        ("unpacks_big", ImportLimits(xlsx_max_uncompressed_mib=8), "unpacks to 16 MiB, over the limit of 8 MiB"),
        ("whitespace", ImportLimits(), "longer than 256 KiB"),
        ("giant_cell", ImportLimits(), "longer than 256 KiB"),
        ("too_many_rows", ImportLimits(xlsx_max_rows=100), "the sheet has 208 rows, over the limit of 100"),
    ],
)
async def test_hostile_workbooks_are_refused_before_they_are_read(
    app: App, tmp_path: Path, hostile: str, limits: ImportLimits, message: str
) -> None:
    await do_import(app, dtsen(tmp_path / "first.csv"))
    extra = {
        "unpacks_big": [" " * (1 << 24)],
        "whitespace": [" " * (1 << 22)],
        "giant_cell": [row_xml(9, ["A" * (1 << 22)])],
        "too_many_rows": [row_xml(10 + n, ["x"]) for n in range(200)],
    }[hostile]
    path = _workbook_of(tmp_path / "d.xlsx", list(GOOD.values()), extra)
    with pytest.raises(ImportFailed, match=message):
        await do_import(app, path, limits=limits, force=True)
    assert await count(app) == len(GOOD)
    assert await statuses(app) == ["active"]  # refused before an import run began


async def test_a_dead_import_leaves_nothing_the_next_one_does_not_sweep(app: App, tmp_path: Path) -> None:
    """A run left `running` and its staging table, as `kill -9` leaves them (the real kill is in e2e)."""
    engine = app.store.engine
    async with engine.begin() as conn:
        run_id = (
            await conn.execute(
                insert(models.ImportRun)
                .values(kind="dtsen", source_name="x.csv", sha256="0" * 64, started_at=func.now(), status="running")
                .returning(models.ImportRun.id)
            )
        ).scalar_one()
        await conn.execute(text(f"CREATE TABLE registry_person_stage_{run_id} (id INTEGER)"))
    # A live import of the other kind is not touched.
    async with import_lock(engine, "peserta"):
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE participation_stage_999 (id INTEGER)"))
        swept = await sweep_dead_imports(engine)
        assert swept.tables == [f"registry_person_stage_{run_id}"] and swept.runs == [run_id]
        assert "participation_stage_999" in await tables(app)
    await do_import(app, dtsen(tmp_path / "d.csv"))
    assert await statuses(app) == ["failed", "active"]
    assert "participation_stage_999" in await tables(app)  # the next peserta import sweeps it


async def test_a_second_import_of_the_same_kind_waits_its_turn(app: App, tmp_path: Path) -> None:
    async with import_lock(app.store.engine, "dtsen"):
        with pytest.raises(ImportFailed, match="another dtsen import is running"):
            await do_import(app, dtsen(tmp_path / "d.csv"))
    assert await count(app) == 0
