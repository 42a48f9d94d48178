"""The inline SQLite driver: waiting for the write lock never blocks the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import App


async def test_waiting_for_the_write_lock_keeps_the_event_loop_running(sqlite_app: App, tmp_path: Path) -> None:
    path = sqlite_app.store.engine.url.database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with sqlite_app.store.uow() as uow:
            await uow.rates.add("test", "lock")

    clock = asyncio.create_task(ticker())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.4)
    assert not writer.done()  # still waiting for the lock …
    assert ticks >= 20  # … while the loop keeps serving everything else
    holder.execute("COMMIT")
    await asyncio.wait_for(writer, 5)
    clock.cancel()
    holder.close()
    async with sqlite_app.store.uow() as uow:
        assert await uow.rates.count("test", "lock", since=datetime(2000, 1, 1, tzinfo=UTC)) == 1
