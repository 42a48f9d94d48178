"""Telling "the database is away" (retry later, change nothing) from a bug (report it)."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import exc


def database_unavailable(error: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached or used right now: a server restarting or
    refusing connections, a dropped connection, an exhausted pool, SQLite's write lock held for too long.
    Such work is safe to retry once the database answers again: its transaction was rolled back."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, exc.OperationalError) and isinstance(error.orig, sqlite3.Error):
            # SQLite reports a missing table as "operational" too: only lock and file trouble is an outage.
            return any(word in str(error.orig).lower() for word in _SQLITE_AWAY)
        if isinstance(error, sqlite3.OperationalError):  # raised unwrapped by the write-lock wait (BEGIN)
            return any(word in str(error).lower() for word in _SQLITE_AWAY)
        if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
            return True
        if isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError):
            return True
        if isinstance(error, OSError) and not type(error).__module__.startswith("aiohttp"):
            return True  # asyncpg's connect raises the socket's own error
        if type(error).__module__.startswith("asyncpg") and type(error).__name__ in _ASYNCPG_AWAY:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


_SQLITE_AWAY = ("locked", "busy", "unable to open", "disk i/o")
_ASYNCPG_AWAY = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CannotConnectNowError",
        "AdminShutdownError",
        "CrashShutdownError",
        "InterfaceError",
        "PostgresConnectionError",
        "TooManyConnectionsError",
    }
)
