"""The dashboard's way to the database: one-time login links, browser sessions, and the read-only figures
its pages show (registry groups, subscribers, imports, delivery tallies)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigap_core.store import models
from sigap_core.store.reports import registry_groups_statement

# Finished logins and sessions are kept a day (enough to tell "used" from "unknown"), then deleted.
KEEP_FINISHED = timedelta(days=1)


class LoginRefused(Exception):
    """A login link that cannot be used; `code` is unknown | used | expired."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# The same grouping for SQLite's own driver, run on a worker thread (see `registry_groups`). Dates are stored
# as ISO text and booleans as 0/1 there.
_SQLITE_GROUPS = """
SELECT p.kode_kelurahan, p.desil, p.pekerjaan,
  EXISTS (SELECT 1 FROM participation q WHERE q.nik_hmac = p.nik_hmac AND q.skema = 'SIGAP'
          AND q.aktif = 1 AND q.tanggal_akhir >= :today) AS sigap,
  EXISTS (SELECT 1 FROM participation q WHERE q.nik_hmac = p.nik_hmac AND q.skema = 'LAINNYA'
          AND q.aktif = 1 AND q.tanggal_akhir >= :today) AS other,
  count(*)
FROM registry_person p
GROUP BY 1, 2, 3, 4, 5
"""

GroupRow = tuple[str, int, str, bool, bool, int]


def _sqlite_groups(path: str, today: date) -> list[GroupRow]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        connection.execute("PRAGMA query_only=ON")
        rows = connection.execute(_SQLITE_GROUPS, {"today": today.isoformat()}).fetchall()
    finally:
        connection.close()
    return [(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), bool(r[4]), int(r[5])) for r in rows]


class DashboardRepository:
    def __init__(self, session: AsyncSession, sqlite_path: str | None = None) -> None:
        self.session = session
        self.sqlite_path = sqlite_path

    # Login links ------------------------------------------------------------------------------

    async def add_login(self, token_hmac: bytes, staff_id: int, lang: str, now: datetime, lifetime: timedelta) -> None:
        login = models.DashboardLogin
        await self.session.execute(delete(login).where(login.expires_at < now - KEEP_FINISHED))
        self.session.add(
            login(token_hmac=token_hmac, staff_id=staff_id, lang=lang, created_at=now, expires_at=now + lifetime)
        )
        await self.session.flush()

    async def claim_login(self, token_hmac: bytes, now: datetime) -> models.DashboardLogin:
        """Mark the link used and return it. Single use even when two requests race: only one UPDATE can
        move `used_at` from NULL."""
        login = models.DashboardLogin
        found = (await self.session.execute(select(login).where(login.token_hmac == token_hmac))).scalar_one_or_none()
        if found is None:
            raise LoginRefused("unknown")
        if found.used_at is not None:
            raise LoginRefused("used")
        if _aware(found.expires_at) <= now:
            raise LoginRefused("expired")
        claimed = await self.session.execute(
            update(login).where(login.id == found.id, login.used_at.is_(None)).values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise LoginRefused("used")
        return found

    # Sessions --------------------------------------------------------------------------------

    async def add_session(
        self, token_hmac: bytes, staff_id: int, lang: str, now: datetime, lifetime: timedelta
    ) -> models.DashboardSession:
        session = models.DashboardSession
        await self.session.execute(delete(session).where(session.expires_at < now - KEEP_FINISHED))
        row = session(token_hmac=token_hmac, staff_id=staff_id, lang=lang, created_at=now, expires_at=now + lifetime)
        self.session.add(row)
        await self.session.flush()
        return row

    async def session_of(self, token_hmac: bytes, now: datetime) -> tuple[models.DashboardSession, models.Staff] | None:
        """The live session and its staff member. A revoked member's sessions, and sessions opened before
        the member was (re)bound, are dead: revoking ends every session at once, across processes."""
        session, staff = models.DashboardSession, models.Staff
        row = (
            await self.session.execute(
                select(session, staff)
                .join(staff, staff.id == session.staff_id)
                .where(
                    session.token_hmac == token_hmac,
                    session.ended_at.is_(None),
                    session.expires_at > now,
                    staff.revoked_at.is_(None),
                    session.created_at >= staff.created_at,
                )
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def end_session(self, session_id: int, now: datetime) -> None:
        session = models.DashboardSession
        await self.session.execute(update(session).where(session.id == session_id).values(ended_at=now))

    async def set_language(self, session_id: int, lang: str) -> None:
        session = models.DashboardSession
        await self.session.execute(update(session).where(session.id == session_id).values(lang=lang))

    async def active_staff(self, staff_id: int) -> models.Staff | None:
        staff = await self.session.get(models.Staff, staff_id)
        return staff if staff is not None and staff.revoked_at is None else None

    # Figures ---------------------------------------------------------------------------------

    async def snapshot_key(self) -> tuple[int, ...]:
        """Ids of the active registry and participation imports: the figures change only when these do."""
        run = models.ImportRun
        rows = await self.session.execute(
            select(run.kind, func.max(run.id)).where(run.status == "active").group_by(run.kind).order_by(run.kind)
        )
        return tuple(int(run_id) for _kind, run_id in rows.all())

    async def registry_groups(self, today: date) -> list[GroupRow]:
        """Grouping a million-row registry takes seconds. On SQLite, whose statements run in the event-loop
        thread (inline_sqlite), it runs on a worker thread with its own read-only connection, so chat
        replies and webhooks are not held up meanwhile; in WAL mode it sees the committed snapshot."""
        if self.sqlite_path is not None:
            return await asyncio.to_thread(_sqlite_groups, self.sqlite_path, today)
        rows = await self.session.execute(registry_groups_statement(today))
        return [(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), bool(r[4]), int(r[5])) for r in rows.all()]

    async def subscribers(self, kode_kelurahan: str | None) -> list[tuple[str, str, int]]:
        """(kelurahan, channel, active subscribers)."""
        sub = models.Subscription
        query = select(sub.kode_kelurahan, sub.channel, func.count()).where(sub.status == "active")
        if kode_kelurahan is not None:
            query = query.where(sub.kode_kelurahan == kode_kelurahan)
        rows = await self.session.execute(query.group_by(sub.kode_kelurahan, sub.channel))
        return [(str(k), str(c), int(n)) for k, c, n in rows.all()]

    async def imports(self, limit: int = 50) -> list[models.ImportRun]:
        run = models.ImportRun
        return list((await self.session.execute(select(run).order_by(run.id.desc()).limit(limit))).scalars())

    async def import_run(self, run_id: int) -> models.ImportRun | None:
        return await self.session.get(models.ImportRun, run_id)

    async def broadcasts(
        self, kode_kelurahan: str | None, admin: bool, limit: int, before: int | None = None
    ) -> list[models.Broadcast]:
        """Newest first (older than `before` when given); staff (not admin) see their own kelurahan's only."""
        broadcast = models.Broadcast
        # Direct messages (ticket notices and answers) are conversations, not announcements: not listed.
        query = select(broadcast).where(broadcast.direct.is_(False)).order_by(broadcast.id.desc()).limit(limit)
        if before is not None:
            query = query.where(broadcast.id < before)
        if not admin:
            query = query.where(broadcast.kode_kelurahan == kode_kelurahan)
        return list((await self.session.execute(query)).scalars())

    async def tallies(self, broadcast_ids: Sequence[int]) -> dict[int, Counter[str]]:
        """Outbox rows per delivery state for many broadcasts in one statement (as `broadcasts.counts`)."""
        outbox = models.Outbox
        result: dict[int, Counter[str]] = {broadcast_id: Counter() for broadcast_id in broadcast_ids}
        if not broadcast_ids:
            return result
        rows = await self.session.execute(
            select(outbox.broadcast_id, outbox.state, outbox.recovered, func.count())
            .where(outbox.broadcast_id.in_(list(broadcast_ids)))
            .group_by(outbox.broadcast_id, outbox.state, outbox.recovered)
        )
        for broadcast_id, state, recovered, n in rows.all():
            result[broadcast_id][state] += n
            if recovered:
                result[broadcast_id]["recovered_after_crash"] += n
        return result

    async def failure_reasons(self, broadcast_id: int) -> list[tuple[str, int]]:
        outbox = models.Outbox
        rows = await self.session.execute(
            select(outbox.reason, func.count())
            .where(outbox.broadcast_id == broadcast_id, outbox.state == "failed")
            .group_by(outbox.reason)
            .order_by(func.count().desc())
        )
        return [(str(reason or ""), int(n)) for reason, n in rows.all()]


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
