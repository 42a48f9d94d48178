"""What a killed import leaves behind, and the lock that tells a dead import from a live one.

An import holds a lock for its kind while it runs: on PostgreSQL a session-level advisory lock (the server
drops it when the client's connection dies), on SQLite an exclusive `flock` on a file beside the database
(the kernel drops it when the process dies). Whoever takes the lock therefore knows that no import of that
kind is alive: every `running` import run of the kind is dead, and every staging table of the kind is
debris. The next import sweeps both before it starts, and so does `sigap db upgrade`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import inspect, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sigap_core.store.models import ImportRun, Participation, RegistryPerson

log = logging.getLogger(__name__)

TARGET_TABLES = {"dtsen": RegistryPerson.__tablename__, "peserta": Participation.__tablename__}
_ADVISORY_CLASS = 0x5167  # "Qg": pg_try_advisory_lock(class, kind) keys of SIGAP imports
_ADVISORY_KIND = {"dtsen": 1, "peserta": 2}


class ImportBusy(Exception):
    """Another import of the same kind is running."""


@dataclass
class Swept:
    tables: list[str] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tables or self.runs)

    def __str__(self) -> str:
        return f"{len(self.tables)} staging table(s) dropped, {len(self.runs)} import run(s) marked failed"


def _lock_file(engine: AsyncEngine, kind: str) -> str | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return f"{database}.import-{kind}.lock"


@asynccontextmanager
async def import_lock(engine: AsyncEngine, kind: str) -> AsyncIterator[None]:
    """Hold the lock of one import kind for the block; ImportBusy when a live import holds it."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (
                await conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_ADVISORY_CLASS}, {_ADVISORY_KIND[kind]})")
            ).scalar_one()
            if not got:
                raise ImportBusy(kind)
            try:
                yield
            finally:
                await conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_ADVISORY_CLASS}, {_ADVISORY_KIND[kind]})")
        return
    path = _lock_file(engine, kind)
    if path is None:
        yield  # an in-memory database lives in this process only
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ImportBusy(kind) from error
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _staging_tables(kind: str) -> Callable[[Connection], list[str]]:
    pattern = re.compile(rf"^{TARGET_TABLES[kind]}_stage_\d+$")

    def names(sync_conn: Connection) -> list[str]:
        return [name for name in inspect(sync_conn).get_table_names() if pattern.match(name)]

    return names


async def sweep_kind(engine: AsyncEngine, kind: str) -> Swept:
    """Drop the kind's staging tables and fail its `running` runs. Only with the kind's lock held."""
    swept = Swept()
    async with engine.begin() as conn:
        swept.tables = await conn.run_sync(_staging_tables(kind))
        for table in swept.tables:
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        result = await conn.execute(
            update(ImportRun)
            .where(ImportRun.kind == kind, ImportRun.status == "running")
            .values(status="failed", finished_at=datetime.now(UTC))
            .returning(ImportRun.id)
        )
        swept.runs = sorted(result.scalars())
    if swept.tables or swept.runs:
        log.warning(
            "import %s: cleaned up after an import that died: %d staging table(s) dropped, run(s) %s marked failed",
            kind,
            len(swept.tables),
            ", ".join(map(str, swept.runs)) or "none",
        )
    return swept


async def sweep_dead_imports(engine: AsyncEngine) -> Swept:
    """For each kind whose lock is free (no import alive), sweep what dead imports left. Skips a kind
    that is being imported right now."""
    total = Swept()
    for kind in TARGET_TABLES:
        try:
            async with import_lock(engine, kind):
                swept = await sweep_kind(engine, kind)
        except ImportBusy:
            continue
        total.tables += swept.tables
        total.runs += swept.runs
    return total
