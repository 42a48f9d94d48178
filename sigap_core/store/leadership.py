"""One holder per name across processes: which process sends a channel's broadcasts.

PostgreSQL: a session-level advisory lock on a connection kept for as long as the process leads. When the
process dies, its connection closes and the server releases the lock at once, so a standby takes over within
its next poll. SQLite (one machine by nature): an exclusive `flock` on a file beside the database, which the
kernel releases when the process dies. Other databases (in-memory SQLite in tests): always the holder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable 32-bit advisory lock key for a name (the same in every process)."""
    return zlib.crc32(f"sigap:{name}".encode())


class Leadership:
    """Try to hold the name; `held` checks the hold is still real (the connection may have dropped)."""

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLock(Leadership):
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.key = lock_key(name)
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None:
            return await self.held()
        connection = await self.engine.connect()
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})).scalar())
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("advisory lock %d: its connection is gone; leadership lost", self.key)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:
            log.warning("advisory lock %d: unlock failed; the connection's end releases it", self.key)
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                await connection.invalidate()


class FileLock(Leadership):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    async def acquire(self) -> bool:
        if self._handle is not None:
            return True
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._handle = handle
        return True

    async def held(self) -> bool:
        return self._handle is not None

    async def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


def leadership(engine: AsyncEngine, name: str) -> Leadership:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return FileLock(Path(f"{database}.{name}.lock"))
    return Leadership()
