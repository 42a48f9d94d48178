"""A selection round reads the registry through the sqlite3 cursor on inline SQLite and through SQLAlchemy
Core elsewhere: both give the same round, and the bulk insert leaves the pooled connection as it found it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import App, bootstrap
from sigap_core.config import Settings
from sigap_core.selection_rounds import RoundResult, run_selection
from sigap_core.store import selection as selection_store
from tests.conftest import TODAY, copy_sqlite_database
from tests.integration.test_selection import NOW, extra_people, load

ENTRY_SQL = (
    "SELECT id, round_id, nik_hmac, tier, desil, kode_kelurahan, rank, outcome, name_masked "
    "FROM selection_entry ORDER BY id"
)


async def record_round(settings: Settings, url: str) -> tuple[int, list[tuple[object, ...]], int]:
    """(people selected, the round's entries, the connection's cache_size afterwards)."""
    app = await bootstrap(settings, url, today=lambda: TODAY)
    try:
        result = await run_selection(app.store, app.domain, TODAY, NOW, "cli:test", quota=150)
        assert result.round is not None
        async with app.store.uow() as uow:
            entries = [tuple(row) for row in await uow.session.execute(text(ENTRY_SQL))]
            cache_size = int((await uow.session.execute(text("PRAGMA cache_size"))).scalar_one())
        return result.round.selected, entries, cache_size
    finally:
        await app.close()


async def test_inline_and_aiosqlite_record_the_same_round(
    sqlite_app: App, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selection_store, "STREAM_ROWS", 7)  # many partitions
    await load(sqlite_app, tmp_path, extra_people(120, desil=2) + extra_people(180, desil=5, first=200))
    source = Path(str(sqlite_app.store.engine.url.database))
    copies = tmp_path / "inline.db", tmp_path / "aiosqlite.db"
    for copy in copies:
        copy_sqlite_database(source, copy)

    selected, inline, cache_size = await record_round(settings, f"sqlite+aiosqlite:///{copies[0]}")
    threaded_settings = settings.model_copy(update={"sqlite_driver": "aiosqlite"})
    selected_too, threaded, _ = await record_round(threaded_settings, f"sqlite+aiosqlite:///{copies[1]}")

    assert inline == threaded
    assert selected == selected_too
    assert len(inline) >= 300
    assert [row[7] for row in inline].count("selected") == selected
    assert [row[3] for row in inline[:120]] == [1] * 120  # desil 2 (tier 1) ranks before desil 5
    # The insert's larger page cache was for that statement only: SQLite's default again.
    assert cache_size == -2000


async def test_the_scan_in_small_partitions_plans_what_one_partition_plans(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On both databases (inline SQLite: the sqlite3 cursor; PostgreSQL: an asyncpg cursor)."""
    await load(app, tmp_path, extra_people(120, desil=2) + extra_people(180, desil=5, first=200))

    def placements(result: RoundResult) -> list[tuple[bytes, int, int, str]]:
        return [(p.candidate.nik_hmac, p.tier, p.rank, p.outcome.value) for p in result.plan.plan.placements]

    monkeypatch.setattr(selection_store, "STREAM_ROWS", 1_000_000)
    whole = await run_selection(app.store, app.domain, TODAY, NOW, "cli:test", quota=150, dry_run=True)
    monkeypatch.setattr(selection_store, "STREAM_ROWS", 7)
    recorded = await run_selection(app.store, app.domain, TODAY, NOW, "cli:test", quota=150)
    assert recorded.round is not None
    assert len(placements(whole)) >= 300
    assert placements(recorded) == placements(whole)
    async with app.store.uow() as uow:
        selected = [digest for digest, *_ in await uow.selection.selected_of(recorded.round.id)]
    assert selected == [digest for digest, _, _, outcome in placements(whole) if outcome == "selected"]
