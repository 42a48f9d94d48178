"""Engine creation and schema migrations (Alembic), for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sigap_core.store.inline_sqlite import InlineConnection, begin_immediate, inline_creator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# A PostgreSQL connection idle for longer than this is pinged before use (asyncpg's ping is BEGIN, `;`,
# ROLLBACK: three round trips). One back in the pool sooner was just used, so a ping every checkout bought
# nothing but ~10 % of a busy process's CPU and 5-10x the median webhook latency (bench/README.md).
PING_AFTER_IDLE_SECONDS = 1.0


def _inline_connection(connection: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under a SQLAlchemy connection, when it runs inline."""
    adapted = connection.connection.dbapi_connection
    inner = getattr(adapted, "_connection", None)
    return inner._conn if isinstance(inner, InlineConnection) else None


def make_engine(url: str, *, sqlite_driver: str = "inline", **kwargs: Any) -> AsyncEngine:
    """An engine for `url`; on SQLite, `sqlite_driver` (Settings.sqlite_driver) picks inline or plain aiosqlite."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        inline = bool(db_path) and db_path != ":memory:" and sqlite_driver != "aiosqlite"
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        if inline:
            engine = create_async_engine(url, async_creator=inline_creator(db_path), **kwargs)
        else:
            engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control from the sqlite3 module (it would not BEGIN before DDL, which
            # makes a snapshot swap non-atomic) and begin IMMEDIATE: writers queue on busy_timeout
            # instead of failing with "database is locked" when a read transaction tries to upgrade.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Inline connections never wait inside SQLite (that would block the event loop): the write lock
            # is taken by begin_immediate, which retries asynchronously.
            cursor.execute("PRAGMA busy_timeout=0" if inline else "PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Read-only units of work take no write lock: in WAL mode they never wait for writers.
            options = connection.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT":
                return  # a single-statement read: no transaction, no lock, no extra round trip
            if options.get("sigap_read_only"):
                connection.exec_driver_sql("BEGIN")
                return
            raw = _inline_connection(connection)
            if raw is not None:
                begin_immediate(raw)
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """`pool_pre_ping`, but only for a connection that sat in the pool for `PING_AFTER_IDLE_SECONDS`."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")  # none yet: the connection was just opened
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:  # a dead connection: the pool opens a new one and tries again
            raise exc.DisconnectionError() from error


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Create or migrate the schema. Idempotent."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
