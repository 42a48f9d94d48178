"""The inline SQLite driver: waiting for the write lock never blocks the event loop."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import sqlalchemy

from bot.bootstrap import App
from sigap_core.store.db import _inline_connection
from sigap_core.store.inline_sqlite import inline_creator


async def test_waiting_for_the_write_lock_keeps_the_event_loop_running(sqlite_app: App, tmp_path: Path) -> None:
    path = sqlite_app.store.engine.url.database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    loop = asyncio.get_running_loop()
    ticks = 0
    longest_gap = 0.0

    async def ticker() -> None:
        nonlocal ticks, longest_gap
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            longest_gap = max(longest_gap, loop.time() - last)
            last = loop.time()
            ticks += 1

    async def write() -> None:
        async with sqlite_app.store.uow() as uow:
            await uow.rates.add("test", "lock")

    clock = asyncio.create_task(ticker())
    writer = asyncio.create_task(write())
    # The loop keeps serving everything else while the writer waits: 40 ticks take 0.4 s when idle, and
    # however long a loaded machine takes, no tick waits for a lock wait (a blocking one would stall the loop
    # for its busy timeout, seconds). Counted, not timed, so a busy machine cannot fail it.
    deadline = loop.time() + 60
    while ticks < 40:
        assert longest_gap < 1.0, f"the loop stalled for {longest_gap:.2f} s"
        assert loop.time() < deadline, f"{ticks} ticks in 60 s"
        await asyncio.sleep(0.01)
    assert not writer.done()  # still waiting for the lock …
    assert longest_gap < 1.0, f"the loop stalled for {longest_gap:.2f} s"  # … and never blocked by the wait
    holder.execute("COMMIT")
    await asyncio.wait_for(writer, 5)
    clock.cancel()
    holder.close()
    async with sqlite_app.store.uow() as uow:
        assert await uow.rates.count("test", "lock", since=datetime(2000, 1, 1, tzinfo=UTC)) == 1


# inline_sqlite.InlineConnection imitates aiosqlite's Connection, including private attributes that
# SQLAlchemy's aiosqlite dialect reaches into. When either library changes them, these tests say which.
IMITATED_PRIVATE = ("_conn", "_connection", "_tx", "stop")


def driver_attributes_sqlalchemy_uses() -> set[str]:
    """Every attribute SQLAlchemy's asyncio adapter and aiosqlite dialect use on the driver's connection."""
    import inspect

    import sqlalchemy.connectors.asyncio as connector
    import sqlalchemy.dialects.sqlite.aiosqlite as dialect

    used: set[str] = set()
    for module in (connector, dialect):
        used |= set(re.findall(r"self\._connection\.(\w+)", inspect.getsource(module)))
    return used


def test_sqlalchemy_still_reaches_for_the_private_aiosqlite_attributes_we_imitate() -> None:
    used = driver_attributes_sqlalchemy_uses()
    gone = [name for name in IMITATED_PRIVATE if name not in used]
    assert not gone, (
        f"SQLAlchemy {sqlalchemy.__version__}'s aiosqlite dialect no longer uses {gone} on the driver connection: "
        "review sigap_core/store/inline_sqlite.py against the new dialect"
    )


async def test_the_inline_connection_has_every_attribute_sqlalchemy_uses(tmp_path: Path) -> None:
    connection = await inline_creator(str(tmp_path / "a.db"))()
    try:
        missing = sorted(name for name in driver_attributes_sqlalchemy_uses() if not hasattr(connection, name))
        assert not missing, (
            f"SQLAlchemy {sqlalchemy.__version__} uses {missing} on the aiosqlite connection, which "
            "sigap_core/store/inline_sqlite.py's InlineConnection does not provide"
        )
        assert callable(connection._tx.put_nowait) and callable(connection.stop)
    finally:
        await connection.close()


async def test_aiosqlite_still_has_the_private_attributes_sqlalchemy_and_we_rely_on(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(str(tmp_path / "b.db"))
    try:
        missing = [name for name in IMITATED_PRIVATE if not hasattr(connection, name)]
        assert not missing, (
            f"aiosqlite {aiosqlite.__version__}'s Connection lost {missing}: SQLAlchemy's dialect and "
            "sigap_core/store/inline_sqlite.py imitate them"
        )
        assert isinstance(connection._conn, sqlite3.Connection)
        assert callable(connection._tx.put_nowait) and callable(connection.stop)
    finally:
        await connection.close()


async def test_the_engine_finds_the_sqlite3_connection_under_sqlalchemy(sqlite_app: App) -> None:
    """`db._inline_connection` goes through SQLAlchemy's adapted connection (`dbapi_connection._connection`);
    without it the write lock would be taken by a blocking BEGIN IMMEDIATE."""
    async with sqlite_app.store.engine.connect() as connection:
        raw = await connection.run_sync(lambda sync: _inline_connection(sync))
    assert isinstance(raw, sqlite3.Connection)
