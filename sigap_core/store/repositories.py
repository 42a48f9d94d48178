"""Repositories and the unit of work: the only way the service layer reaches the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import RegistryPerson
from sigap_core.store import models


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def person_row(self, nik_hmac: bytes) -> models.RegistryPerson | None:
        result = await self.session.execute(
            select(models.RegistryPerson).where(models.RegistryPerson.nik_hmac == nik_hmac).limit(1)
        )
        return result.scalar_one_or_none()

    async def person(self, nik_hmac: bytes) -> tuple[RegistryPerson, bytes, bytes | None] | None:
        """The person, their KK-ending digest and phone digest (for verification)."""
        row = await self.person_row(nik_hmac)
        if row is None:
            return None
        person = RegistryPerson(row.name_masked, row.kode_kelurahan, row.desil, row.pekerjaan)
        return person, row.kk4_hmac, row.phone_hmac

    async def participations(self, nik_hmac: bytes) -> list[Participation]:
        result = await self.session.execute(
            select(models.Participation).where(models.Participation.nik_hmac == nik_hmac)
        )
        return [
            Participation(
                kpj_masked=row.kpj_masked,
                skema=Skema(row.skema),
                programs=tuple(row.program.split("+")),
                start=row.tanggal_mulai,
                end=row.tanggal_akhir,
                active_flag=row.aktif,
            )
            for row in result.scalars()
        ]


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, channel: str, user_key: str) -> models.Conversation | None:
        result = await self.session.execute(
            select(models.Conversation).where(
                models.Conversation.channel == channel, models.Conversation.user_key == user_key
            )
        )
        return result.scalar_one_or_none()

    async def get_or_create(self, channel: str, user_key: str, lang: str) -> tuple[models.Conversation, bool]:
        existing = await self.get(channel, user_key)
        if existing is not None:
            return existing, False
        conversation = models.Conversation(
            channel=channel, user_key=user_key, lang=lang, state="", data={}, updated_at=utcnow()
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation, True

    async def delete(self, channel: str, user_key: str) -> None:
        await self.session.execute(
            delete(models.Conversation).where(
                models.Conversation.channel == channel, models.Conversation.user_key == user_key
            )
        )


class LinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, channel: str, user_key: str) -> models.VerifiedLink | None:
        result = await self.session.execute(
            select(models.VerifiedLink).where(
                models.VerifiedLink.channel == channel, models.VerifiedLink.user_key == user_key
            )
        )
        link = result.scalar_one_or_none()
        if link is not None and (aware(link.expires_at) or utcnow()) < utcnow():
            await self.session.delete(link)
            return None
        return link

    async def set(
        self, channel: str, user_key: str, nik_hmac: bytes, method: str, keep: bool, days: int
    ) -> models.VerifiedLink:
        link = await self.get(channel, user_key)
        now = utcnow()
        if link is None:
            link = models.VerifiedLink(channel=channel, user_key=user_key)
            self.session.add(link)
        link.nik_hmac = nik_hmac
        link.method = method
        link.keep = keep
        link.verified_at = now
        link.expires_at = now + (timedelta(days=days) if keep else timedelta(hours=1))
        await self.session.flush()
        return link

    async def delete(self, channel: str, user_key: str) -> None:
        await self.session.execute(
            delete(models.VerifiedLink).where(
                models.VerifiedLink.channel == channel, models.VerifiedLink.user_key == user_key
            )
        )


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, channel: str, user_key: str) -> models.Subscription | None:
        result = await self.session.execute(
            select(models.Subscription).where(
                models.Subscription.channel == channel, models.Subscription.user_key == user_key
            )
        )
        return result.scalar_one_or_none()

    async def set(self, channel: str, user_key: str, kode_kelurahan: str | None, status: str) -> None:
        sub = await self.get(channel, user_key)
        if sub is None:
            if kode_kelurahan is None:
                return
            sub = models.Subscription(channel=channel, user_key=user_key, kode_kelurahan=kode_kelurahan)
            self.session.add(sub)
        elif kode_kelurahan is not None:
            sub.kode_kelurahan = kode_kelurahan
        sub.status = status
        sub.updated_at = utcnow()
        await self.session.flush()

    async def delete(self, channel: str, user_key: str) -> None:
        await self.session.execute(
            delete(models.Subscription).where(
                models.Subscription.channel == channel, models.Subscription.user_key == user_key
            )
        )


class RateRepository:
    """Sliding-window counters on the database, so every process sees the same limits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, scope: str, subject: str, since: datetime) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(models.RateEvent)
            .where(
                models.RateEvent.scope == scope,
                models.RateEvent.subject == subject,
                models.RateEvent.at >= since,
            )
        )
        return int(result.scalar_one())

    async def oldest(self, scope: str, subject: str, since: datetime) -> datetime | None:
        result = await self.session.execute(
            select(func.min(models.RateEvent.at)).where(
                models.RateEvent.scope == scope,
                models.RateEvent.subject == subject,
                models.RateEvent.at >= since,
            )
        )
        return aware(result.scalar_one_or_none())

    async def add(self, scope: str, subject: str, at: datetime | None = None) -> None:
        self.session.add(models.RateEvent(scope=scope, subject=subject, at=at or utcnow()))
        await self.session.flush()

    async def clear(self, scope: str, subject: str) -> None:
        await self.session.execute(
            delete(models.RateEvent).where(models.RateEvent.scope == scope, models.RateEvent.subject == subject)
        )

    async def prune(self, before: datetime) -> None:
        await self.session.execute(delete(models.RateEvent).where(models.RateEvent.at < before))


class DedupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, channel: str, external_id: str) -> bool:
        """Record an incoming id; False when some process already recorded it."""
        try:
            async with self.session.begin_nested():
                self.session.add(models.ProcessedUpdate(channel=channel, external_id=external_id, at=utcnow()))
        except IntegrityError:
            return False
        return True


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, actor: str, action: str, nik_hmac: bytes | None, outcome: str) -> None:
        self.session.add(models.AuditEvent(at=utcnow(), actor=actor, action=action, nik_hmac=nik_hmac, outcome=outcome))


class UnitOfWork:
    """`async with uow:` — one transaction; commits on success, rolls back on error."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.registry = RegistryRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.links = LinkRepository(self.session)
        self.subscriptions = SubscriptionRepository(self.session)
        self.rates = RateRepository(self.session)
        self.dedup = DedupRepository(self.session)
        self.audit = AuditRepository(self.session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()


class Store:
    """Owns the engine; hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True


def as_dict(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}
