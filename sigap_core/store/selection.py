"""Selection rounds, their entries and the lifecycle notices: the store side (by NIK digest only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import and_, distinct, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sigap_core.store import models
from sigap_core.store.inline_sqlite import InlineConnection
from sigap_core.store.outbox import queue_broadcast

# (nik_hmac, kode_kelurahan, desil, pekerjaan)
PersonRow = tuple[bytes, str, int, str]
# (round_id, nik_hmac, tier, desil, kode_kelurahan, rank, outcome, name_masked)
EntryRow = tuple[int, bytes, int, int, str, int, str, str]

STREAM_ROWS = 20_000
ENTRY_INSERT_CACHE_KIB = 65_536  # SQLite page cache while a round's entries are inserted


class _RowReader(Protocol):
    def rows(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]: ...


# The selection mark of one person, on the registry reader's read-only SQLite connection (a check's hot
# path: no write lock, no thread hand-off). Same logic as `mark` below.
_MARK_SQL = "SELECT outcome, round_id = (SELECT max(id) FROM selection_round) FROM selection_entry WHERE nik_hmac = ?"
# `registry_rows` on inline SQLite and PostgreSQL ($1 there): the same query as its Core one, as text.
_REGISTRY_ROWS_SQL = "SELECT nik_hmac, kode_kelurahan, desil, pekerjaan FROM registry_person WHERE desil <= ?"


class SelectionRepository:
    def __init__(self, session: AsyncSession, reader: _RowReader | None = None) -> None:
        self.session = session
        self.reader = reader

    # The registry as selection sees it -------------------------------------------------------------

    async def registry_snapshot(self) -> tuple[str, int]:
        """sha256 and row count of the current DTSEN snapshot ("", 0 when none was imported)."""
        run = models.ImportRun
        row = (
            await self.session.execute(
                select(run.sha256, run.rows_imported).where(run.kind == "dtsen", run.status == "active")
            )
        ).first()
        return (str(row[0]), int(row[1])) if row else ("", 0)

    async def registry_rows(self, desil_max: int) -> AsyncIterator[Sequence[PersonRow]]:
        """(nik_hmac, kode_kelurahan, desil, pekerjaan) of registry people with desil <= desil_max, in
        partitions (memory stays flat), in this unit's transaction.

        The partitions are the driver's own rows on this unit's connection: the sqlite3 cursor's tuples on
        inline SQLite, an asyncpg cursor's records on PostgreSQL. At 360k rows SQLAlchemy's result rows and
        greenlet hand-offs made the scan 1.9 CPU s instead of 1.3 on SQLite (a recorded round on PostgreSQL:
        3.85 → 3.17 CPU s). Plain aiosqlite goes through Core, streamed.
        """
        connection = await self.session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        if isinstance(driver, InlineConnection):
            cursor = driver.sqlite.execute(_REGISTRY_ROWS_SQL, (desil_max,))
            try:
                while rows := cursor.fetchmany(STREAM_ROWS):
                    yield rows
                    await asyncio.sleep(0)  # a long scan still lets the event loop run between partitions
            finally:
                cursor.close()
            return
        if connection.dialect.name == "postgresql" and driver is not None:
            # asyncpg's own records (a server-side cursor in this unit's transaction), for the same reason.
            pg_cursor = await driver.cursor(_REGISTRY_ROWS_SQL.replace("?", "$1"), desil_max)
            while records := await pg_cursor.fetch(STREAM_ROWS):
                yield records
            return
        person = models.RegistryPerson.__table__
        query = select(person.c.nik_hmac, person.c.kode_kelurahan, person.c.desil, person.c.pekerjaan).where(
            person.c.desil <= desil_max
        )
        result = await connection.stream(query.execution_options(yield_per=STREAM_ROWS))
        async for partition in result.partitions(STREAM_ROWS):
            yield partition

    async def current_digests(self, skema: str, today: date) -> set[bytes]:
        part = models.Participation
        query = (
            select(part.nik_hmac)
            .where(part.skema == skema, part.aktif.is_(True), part.tanggal_akhir >= today)
            .distinct()
        )
        return {bytes(d) for (d,) in (await self.session.execute(query)).all()}

    async def enrolled_count(self, today: date) -> int:
        """People (distinct NIK digests) with a current SIGAP record, in the registry or not."""
        part = models.Participation
        query = select(func.count(distinct(part.nik_hmac))).where(
            part.skema == "SIGAP", part.aktif.is_(True), part.tanggal_akhir >= today
        )
        return int((await self.session.execute(query)).scalar_one())

    async def enrolled_among(self, digests: Sequence[bytes], today: date) -> set[bytes]:
        part = models.Participation
        found: set[bytes] = set()
        for start in range(0, len(digests), 500):
            query = (
                select(part.nik_hmac)
                .distinct()
                .where(
                    part.nik_hmac.in_(digests[start : start + 500]),
                    part.skema == "SIGAP",
                    part.aktif.is_(True),
                    part.tanggal_akhir >= today,
                )
            )
            found.update(bytes(d) for (d,) in (await self.session.execute(query)).all())
        return found

    async def names(self, digests: Sequence[bytes]) -> dict[bytes, str]:
        person = models.RegistryPerson
        found: dict[bytes, str] = {}
        for start in range(0, len(digests), 500):
            query = select(person.nik_hmac, person.name_masked).where(person.nik_hmac.in_(digests[start : start + 500]))
            found.update((bytes(d), str(n)) for d, n in (await self.session.execute(query)).all())
        return found

    # Rounds ----------------------------------------------------------------------------------------

    async def selected_ever(self) -> set[bytes]:
        """Everyone any round selected."""
        entry = models.SelectionEntry
        rows = await self.session.execute(select(entry.nik_hmac).where(entry.outcome == "selected"))
        return {bytes(d) for (d,) in rows.all()}

    async def latest_round(self) -> models.SelectionRound | None:
        query = select(models.SelectionRound).order_by(models.SelectionRound.id.desc()).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add_round(self, selection_round: models.SelectionRound) -> models.SelectionRound:
        self.session.add(selection_round)
        await self.session.flush()
        return selection_round

    async def add_entries(self, rows: Sequence[EntryRow]) -> None:
        """Bulk insert (a round may hold a few hundred thousand waiting-list entries)."""
        if not rows:
            return
        connection = await self.session.connection()
        columns = ("round_id", "nik_hmac", "tier", "desil", "kode_kelurahan", "rank", "outcome", "name_masked")
        if connection.dialect.name == "postgresql":
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.copy_records_to_table("selection_entry", records=rows, columns=columns)
            return
        placeholders = ", ".join("?" for _ in columns)
        # A larger page cache for this insert only: the NIK-digest index takes its entries in random order,
        # and with SQLite's default 2 MiB cache its pages were written out and read back.
        (previous,) = (await connection.exec_driver_sql("PRAGMA cache_size")).one()
        await connection.exec_driver_sql(f"PRAGMA cache_size=-{ENTRY_INSERT_CACHE_KIB}")
        try:
            await connection.exec_driver_sql(
                f"INSERT INTO selection_entry ({', '.join(columns)}) VALUES ({placeholders})", list(rows)
            )
        finally:
            await connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")

    async def rounds(self, limit: int = 50) -> list[models.SelectionRound]:
        query = select(models.SelectionRound).order_by(models.SelectionRound.id.desc()).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def get_round(self, round_id: int) -> models.SelectionRound | None:
        return await self.session.get(models.SelectionRound, round_id)

    async def entry_counts(self, round_id: int) -> list[tuple[str, int, str, int]]:
        """(outcome, tier, kode_kelurahan, count) of a round."""
        entry = models.SelectionEntry
        query = (
            select(entry.outcome, entry.tier, entry.kode_kelurahan, func.count())
            .where(entry.round_id == round_id)
            .group_by(entry.outcome, entry.tier, entry.kode_kelurahan)
        )
        return [(str(o), int(t), str(k), int(n)) for o, t, k, n in (await self.session.execute(query)).all()]

    async def selected_of(self, round_id: int) -> list[tuple[bytes, int, str, str, int]]:
        """(nik_hmac, rank, name_masked, kode_kelurahan, desil) of the people a round selected, by rank."""
        entry = models.SelectionEntry
        query = (
            select(entry.nik_hmac, entry.rank, entry.name_masked, entry.kode_kelurahan, entry.desil)
            .where(entry.round_id == round_id, entry.outcome == "selected")
            .order_by(entry.rank)
        )
        return [
            (bytes(d), int(r), str(n), str(k), int(s)) for d, r, n, k, s in (await self.session.execute(query)).all()
        ]

    async def mark(self, nik_hmac: bytes) -> str | None:
        """ "selected" when any round selected the person, "waiting_list" when the latest round put them
        on the waiting list, else None."""
        rows: Sequence[tuple[Any, ...]]
        if self.reader is not None:
            rows = self.reader.rows(_MARK_SQL, (nik_hmac,))
        else:
            entry = models.SelectionEntry
            latest = select(func.max(models.SelectionRound.id)).scalar_subquery()
            query = select(entry.outcome, entry.round_id == latest).where(entry.nik_hmac == nik_hmac)
            rows = [tuple(row) for row in (await self.session.execute(query)).all()]
        if any(outcome == "selected" for outcome, _ in rows):
            return "selected"
        if any(outcome == "waiting_list" and in_latest for outcome, in_latest in rows):
            return "waiting_list"
        return None

    # Lifecycle notices -----------------------------------------------------------------------------

    async def notice_audience(self, now: datetime) -> list[tuple[str, str, bytes]]:
        """(channel, user_key, nik_hmac) of active subscribers whose chat kept a verification."""
        sub, link = models.Subscription, models.VerifiedLink
        query = (
            select(sub.channel, sub.user_key, link.nik_hmac)
            .join(link, and_(link.channel == sub.channel, link.user_key == sub.user_key))
            .where(sub.status == "active", link.keep.is_(True), link.expires_at > now)
            .order_by(sub.id)
        )
        return [(str(c), str(u), bytes(d)) for c, u, d in (await self.session.execute(query)).all()]

    async def notice_periods(self, nik_hmac: bytes) -> list[tuple[str, str]]:
        """(event, period) of the notices already queued for a person."""
        notice = models.LifecycleNotice
        query = select(notice.event, notice.period).where(notice.nik_hmac == nik_hmac)
        return [(str(e), str(p)) for e, p in (await self.session.execute(query)).all()]

    async def enqueue(self, kind: str, text: str, recipients: Sequence[tuple[str, str]], now: datetime) -> int:
        """Queue one message for these chats on the durable broadcast outbox; the broadcast's id.

        The one place lifecycle notices touch the outbox tables: the sender then applies the channel's
        rate, the opt-out check at claim time, retries and crash recovery, as for any broadcast. City-wide
        (no kelurahan), so admins see it in `sigap broadcast list`.
        """
        broadcast = models.Broadcast(
            kode_kelurahan=None,
            audience=kind[:16],
            text=text,
            created_by="cli",
            created_at=now,
            send_at=now,
            status="scheduled" if recipients else "done",
            finished_at=None if recipients else now,
            reported=False,
        )
        return await queue_broadcast(self.session, broadcast, recipients, now)

    async def claim_notice(self, event: str, period: str, nik_hmac: bytes, now: datetime) -> bool:
        """Claim the notice for this person and event; False when it was already claimed (by any process)."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        build = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            build(models.LifecycleNotice)
            .values(event=event, period=period, nik_hmac=nik_hmac, created_at=now)
            .on_conflict_do_nothing()
        )
        result = await (await self.session.connection()).execute(statement)
        return bool(result.rowcount)

    async def set_notice_broadcast(self, event: str, period: str, digests: Sequence[bytes], broadcast_id: int) -> None:
        notice = models.LifecycleNotice
        for start in range(0, len(digests), 500):
            await self.session.execute(
                update(models.LifecycleNotice)
                .where(
                    notice.event == event,
                    notice.period == period,
                    notice.nik_hmac.in_(digests[start : start + 500]),
                )
                .values(broadcast_id=broadcast_id)
            )

    async def notice_counts(self) -> list[tuple[str, int | None, int]]:
        """(event, broadcast_id, people) of every notice sent, newest broadcast first."""
        notice = models.LifecycleNotice
        query = (
            select(notice.event, notice.broadcast_id, func.count())
            .group_by(notice.event, notice.broadcast_id)
            .order_by(notice.broadcast_id.desc())
        )
        return [(str(e), b, int(n)) for e, b, n in (await self.session.execute(query)).all()]
