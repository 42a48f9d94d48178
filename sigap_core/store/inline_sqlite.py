"""An aiosqlite stand-in that runs SQLite statements inline, in the event-loop thread.

SQLAlchemy's async SQLite support goes through aiosqlite, which hands every statement to a worker thread
and back. On this workload a statement takes tens of microseconds, the hand-off about half a millisecond,
and a chat turn needs five or six statements inside one write transaction — so on SQLite the hand-offs,
not the work, bounded how many turns per second one process could serve.

This module gives SQLAlchemy's `sqlite+aiosqlite` dialect a connection with aiosqlite's interface whose
awaitables complete at once. The only statement that could block is waiting for the write lock: it is
taken with `BEGIN IMMEDIATE` and a zero busy timeout, and retried with `asyncio.sleep` between attempts
(see `begin_immediate`), so the event loop is never blocked by another process holding the lock. In WAL
mode nothing else waits for a lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

LOCK_WAIT_SECONDS = 30.0


class _ImmediateQueue:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets isolation_level through it)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except BaseException as error:
            future.set_exception(error)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _ImmediateQueue()

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for a repository's bulk read that needs no row objects."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value  # type: ignore[assignment]

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None


def inline_creator(path: str) -> Any:
    async def connect() -> InlineConnection:
        # check_same_thread=False only because a pool may close a connection from a finaliser; every
        # statement runs in the event-loop thread.
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect


def begin_immediate(raw: sqlite3.Connection) -> None:
    """Take the write lock without blocking the event loop: try, and sleep asynchronously while busy.

    Called from SQLAlchemy's "begin" event, which runs inside SQLAlchemy's greenlet bridge, so the
    asynchronous sleep is awaited there.
    """
    from sqlalchemy.util import await_only

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay = 0.001
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await_only(asyncio.sleep(delay))
        delay = min(delay * 2, 0.05)
