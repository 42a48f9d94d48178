"""Set-based audience queries: who a broadcast reaches, counted and queued a slice of subscribers at a time.

Each statement covers one slice of subscription ids (`SLICE`), so none runs long: on SQLite statements run
in the event-loop thread, and a slice is a few milliseconds. A status-targeted audience needs each
subscriber's eligibility status; the store hands back the facts that status depends on, grouped (so
`decide` runs once per distinct group, never once per subscriber), and the service picks the groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, insert, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from sigap_core.delivery import DeliveryState
from sigap_core.store import models

SLICE = 5_000

# (kode_kelurahan, desil, pekerjaan, current SIGAP record, current other coverage); the person's columns are
# None when the verified NIK is not in the registry snapshot.
GroupKey = tuple[str | None, int | None, str | None, bool, bool]


class AudienceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def id_range(self, kode_kelurahan: str | None) -> tuple[int, int] | None:
        s = models.Subscription
        query = select(func.min(s.id), func.max(s.id)).where(s.status == "active")
        if kode_kelurahan is not None:
            query = query.where(s.kode_kelurahan == kode_kelurahan)
        low, high = (await self.session.execute(query)).one()
        return None if low is None else (int(low), int(high))

    def _subscribers(self, kode_kelurahan: str | None, low: int, high: int) -> ColumnElement[bool]:
        s = models.Subscription
        scope = s.kode_kelurahan == kode_kelurahan if kode_kelurahan is not None else true()
        return and_(s.status == "active", s.id >= low, s.id <= high, scope)

    async def count_all(self, kode_kelurahan: str | None, low: int, high: int) -> int:
        s = models.Subscription
        query = select(func.count()).select_from(s).where(self._subscribers(kode_kelurahan, low, high))
        return int((await self.session.execute(query)).scalar_one())

    def _verified(self, kode_kelurahan: str | None, low: int, high: int, now: datetime, today: date) -> Any:
        s, link, person, part = models.Subscription, models.VerifiedLink, models.RegistryPerson, models.Participation

        def current(skema: str) -> Any:
            return exists().where(
                part.nik_hmac == link.nik_hmac,
                part.skema == skema,
                part.aktif.is_(True),
                part.tanggal_akhir >= today,
            )

        columns = (
            person.kode_kelurahan,
            person.desil,
            person.pekerjaan,
            current("SIGAP").label("sigap"),
            current("LAINNYA").label("other"),
        )
        query = (
            select(s.id, *columns)
            .select_from(s)
            .join(link, and_(link.channel == s.channel, link.user_key == s.user_key))
            .outerjoin(person, person.nik_hmac == link.nik_hmac)
            .where(self._subscribers(kode_kelurahan, low, high), link.expires_at > now)
        )
        return query

    async def groups(
        self, kode_kelurahan: str | None, low: int, high: int, now: datetime, today: date
    ) -> dict[GroupKey, int]:
        """Verified subscribers of one slice, counted per group of the facts their status depends on."""
        facts = self._verified(kode_kelurahan, low, high, now, today).subquery()
        keys = (facts.c.kode_kelurahan, facts.c.desil, facts.c.pekerjaan, facts.c.sigap, facts.c.other)
        rows = await self.session.execute(select(*keys, func.count()).group_by(*keys))
        return {(r[0], r[1], r[2], bool(r[3]), bool(r[4])): int(r[5]) for r in rows.all()}

    async def verified(
        self, kode_kelurahan: str | None, low: int, high: int, now: datetime, today: date
    ) -> list[tuple[int, GroupKey]]:
        """Subscription id and group of each verified subscriber of one slice."""
        rows = await self.session.execute(self._verified(kode_kelurahan, low, high, now, today))
        return [(r[0], (r[1], r[2], r[3], bool(r[4]), bool(r[5]))) for r in rows.all()]

    async def members(
        self, kode_kelurahan: str | None, low: int, high: int, only: Sequence[int] | None = None
    ) -> list[tuple[str, str]]:
        """(channel, user_key) of the subscribers of one slice (only the ids `only` names, when given)."""
        s = models.Subscription
        where = self._subscribers(kode_kelurahan, low, high)
        if only is not None:
            where = and_(where, s.id.in_(list(only)))
        rows = await self.session.execute(select(s.channel, s.user_key).where(where).order_by(s.id))
        return [(r[0], r[1]) for r in rows.all()]

    async def queue(
        self,
        broadcast_id: int,
        kode_kelurahan: str | None,
        low: int,
        high: int,
        send_at: datetime,
        now: datetime,
        only: Sequence[int] | None = None,
    ) -> int:
        """Outbox rows for the subscribers of one slice (only the ids `only` names, when given): one
        INSERT … SELECT."""
        s, o = models.Subscription, models.Outbox
        where = self._subscribers(kode_kelurahan, low, high)
        if only is not None:
            if not only:
                return 0
            where = and_(where, s.id.in_(list(only)))
        source = (
            select(
                literal(broadcast_id),
                s.channel,
                s.user_key,
                literal(DeliveryState.PENDING.value),
                literal(0),
                literal(""),
                literal(send_at, o.next_attempt_at.type),
                literal(False),
                literal(now, o.updated_at.type),
            )
            .where(where)
            .order_by(s.id)
        )
        statement = insert(o).from_select(
            [
                o.broadcast_id,
                o.channel,
                o.user_key,
                o.state,
                o.attempts,
                o.reason,
                o.next_attempt_at,
                o.recovered,
                o.updated_at,
            ],
            source,
        )
        connection = await self.session.connection()
        result = await connection.execute(statement)
        return int(result.rowcount or 0)
