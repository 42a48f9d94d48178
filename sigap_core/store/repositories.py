"""Repositories and the unit of work: the only way the service layer reaches the database."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, ClassVar

from sqlalchemy import Select, bindparam, cast, delete, func, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import RegistryPerson
from sigap_core.store import models
from sigap_core.store.audiences import AudienceRepository
from sigap_core.store.dashboard import DashboardRepository
from sigap_core.store.outbox import BroadcastRepository, JobRepository, OutboxRepository, OutgoingMessageRepository
from sigap_core.store.reports import ReportRepository
from sigap_core.store.selection import SelectionRepository
from sigap_core.store.staff import StaffRepository
from sigap_core.store.tickets import TicketRepository


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


PersonFacts = tuple[RegistryPerson, bytes, bytes | None]


class SqliteRegistryReader:
    """Registry point look-ups on SQLite through a read-only synchronous connection.

    An indexed look-up takes tens of microseconds, while every aiosqlite call is a thread hand-off of about
    half a millisecond; a verified check needs two queries, so this keeps look-ups well under 2 ms.
    The connection is read-only (`mode=ro`, `query_only`) and per thread; in WAL mode it never blocks
    writers and always sees committed data, including a freshly swapped-in snapshot.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
            connection.execute("PRAGMA query_only=ON")
            self._local.connection = connection
        return connection

    def facts(self, nik_hmac: bytes) -> tuple[PersonFacts | None, list[Participation]]:
        db = self._connection()
        row = db.execute(
            "SELECT name_masked, kode_kelurahan, desil, pekerjaan, kk4_hmac, phone_hmac "
            "FROM registry_person WHERE nik_hmac = ? LIMIT 1",
            (nik_hmac,),
        ).fetchone()
        person = (RegistryPerson(row[0], row[1], row[2], row[3]), row[4], row[5]) if row else None
        participations = [
            Participation(
                kpj,
                Skema(skema),
                tuple(program.split("+")),
                date.fromisoformat(start),
                date.fromisoformat(end),
                bool(active),
            )
            for kpj, skema, program, start, end, active in db.execute(
                "SELECT kpj_masked, skema, program, tanggal_mulai, tanggal_akhir, aktif "
                "FROM participation WHERE nik_hmac = ?",
                (nik_hmac,),
            )
        ]
        return person, participations

    def rows(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """Another read-only point look-up on the same connection (the selection mark of a check)."""
        return self._connection().execute(sql, parameters).fetchall()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class RegistryRepository:
    def __init__(self, session: AsyncSession, reader: SqliteRegistryReader | None = None) -> None:
        self.session = session
        self.reader = reader

    async def person(self, nik_hmac: bytes) -> tuple[RegistryPerson, bytes, bytes | None] | None:
        """The person, their KK-ending digest and phone digest (for verification)."""
        p = models.RegistryPerson
        row = (
            await self.session.execute(
                select(p.name_masked, p.kode_kelurahan, p.desil, p.pekerjaan, p.kk4_hmac, p.phone_hmac)
                .where(p.nik_hmac == nik_hmac)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return RegistryPerson(row[0], row[1], row[2], row[3]), row[4], row[5]

    async def facts(self, nik_hmac: bytes) -> tuple[PersonFacts | None, list[Participation]]:
        """Person and participations in one statement (one round trip: look-ups are the hot path)."""
        if self.reader is not None:
            return self.reader.facts(nik_hmac)
        p, q = models.RegistryPerson, models.Participation

        def typed_null(column: Any) -> Any:
            return cast(null(), column.type).label(column.key)

        person_columns = (p.name_masked, p.kode_kelurahan, p.desil, p.pekerjaan, p.kk4_hmac, p.phone_hmac)
        part_columns = (q.kpj_masked, q.skema, q.program, q.tanggal_mulai, q.tanggal_akhir, q.aktif)
        # nik_hmac is unique within a snapshot (the importer drops duplicates), so no LIMIT is needed.
        statement = union_all(
            select(literal(0).label("part"), *person_columns, *map(typed_null, part_columns)).where(
                p.nik_hmac == nik_hmac
            ),
            select(literal(1).label("part"), *map(typed_null, person_columns), *part_columns).where(
                q.nik_hmac == nik_hmac
            ),
        )
        person = None
        participations = []
        for row in (await self.session.execute(statement)).all():
            if row[0] == 0:
                person = (RegistryPerson(row[1], row[2], row[3], row[4]), row[5], row[6])
            else:
                participations.append(
                    Participation(row[7], Skema(row[8]), tuple(row[9].split("+")), row[10], row[11], bool(row[12]))
                )
        return person, participations


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Built once: this runs on every incoming message (building and keying a fresh statement each time cost
    # more than running it).
    _GET: ClassVar[Select[models.Conversation]] = select(models.Conversation).where(
        models.Conversation.channel == bindparam("channel"), models.Conversation.user_key == bindparam("user_key")
    )
    # The same, row-locked until the turn's transaction ends (PostgreSQL; SQLite ignores FOR UPDATE, as its
    # writers hold the database's write lock anyway): one user's turns run one after another.
    _GET_LOCKED: ClassVar[Select[models.Conversation]] = _GET.with_for_update()
    _CREATE: ClassVar[dict[str, Any]] = {
        "postgresql": pg_insert(models.Conversation).on_conflict_do_nothing(index_elements=["channel", "user_key"]),
        "sqlite": sqlite_insert(models.Conversation).on_conflict_do_nothing(index_elements=["channel", "user_key"]),
    }

    async def get(self, channel: str, user_key: str) -> models.Conversation | None:
        result = await self.session.execute(self._GET, {"channel": channel, "user_key": user_key})
        return result.scalar_one_or_none()

    async def get_or_create(self, channel: str, user_key: str, lang: str) -> tuple[models.Conversation, bool]:
        """The user's dialog, locked for this turn; created when new. Race-free: a new user's first messages
        arriving together create one row (INSERT … ON CONFLICT DO NOTHING) and then wait for each other on
        its lock, instead of all but one failing on the unique key."""
        key = {"channel": channel, "user_key": user_key}
        existing = (await self.session.execute(self._GET_LOCKED, key)).scalar_one_or_none()
        if existing is not None:
            return existing, False
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        connection = await self.session.connection()
        inserted = await connection.execute(
            self._CREATE["postgresql" if dialect == "postgresql" else "sqlite"],
            {**key, "lang": lang, "state": "", "data": {}, "updated_at": utcnow()},
        )
        conversation = (await self.session.execute(self._GET_LOCKED, key)).scalar_one()
        return conversation, bool(inserted.rowcount)

    def changed(self, conversation: models.Conversation) -> bool:
        """Whether this turn changed the conversation (so its timestamps need writing too)."""
        return self.session.is_modified(conversation)

    async def delete(self, conversation: models.Conversation) -> None:
        await self.session.delete(conversation)


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

    async def live_by_chat(self, kode_kelurahan: str | None) -> dict[tuple[str, str], bytes]:
        """NIK digest of every unexpired link whose chat subscribes to the kelurahan (or the city) actively:
        one statement for what `get` would answer chat by chat."""
        link, sub = models.VerifiedLink, models.Subscription
        query = (
            select(link.channel, link.user_key, link.nik_hmac)
            .join(sub, (sub.channel == link.channel) & (sub.user_key == link.user_key))
            .where(sub.status == "active", link.expires_at >= utcnow())
        )
        if kode_kelurahan is not None:
            query = query.where(sub.kode_kelurahan == kode_kelurahan)
        return {(c, u): bytes(n) for c, u, n in (await self.session.execute(query)).all()}

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

    async def lock(self, *subjects: str) -> None:
        """Serialise decisions on these subjects until the transaction ends.

        PostgreSQL: a transaction-level advisory lock per subject, taken in sorted order (no deadlock
        between two turns that share one subject and differ in the other). SQLite: nothing to do, as a
        writing transaction there holds the database's write lock from its start (BEGIN IMMEDIATE)."""
        if self.session.bind is None or self.session.bind.dialect.name != "postgresql":
            return
        # Without autoflush: a pending change of the dialog row is not written (and row-locked) while this
        # turn waits for another turn of the same chat, which would then wait for that row: a deadlock.
        with self.session.no_autoflush:
            for subject in sorted(set(subjects)):
                await self.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(subject, 0))))

    async def recent(self, scope: str, subject: str, since: datetime) -> list[datetime]:
        """When the events since `since` happened, oldest first."""
        result = await self.session.execute(
            select(models.RateEvent.at)
            .where(
                models.RateEvent.scope == scope,
                models.RateEvent.subject == subject,
                models.RateEvent.at >= since,
            )
            .order_by(models.RateEvent.at)
        )
        return [at for at in map(aware, result.scalars()) if at is not None]

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


class DedupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Built once per dialect: this runs on every incoming message.
    _INSERT_ONCE: ClassVar[dict[str, Any]] = {
        "postgresql": pg_insert(models.ProcessedUpdate).on_conflict_do_nothing(),
        "sqlite": sqlite_insert(models.ProcessedUpdate).on_conflict_do_nothing(),
    }

    async def first_time(self, channel: str, external_id: str) -> bool:
        """Record an incoming id; False when some process already recorded it (one statement, no savepoint)."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        statement = self._INSERT_ONCE["postgresql" if dialect == "postgresql" else "sqlite"]
        # On the session's connection (Core), so the result reports rowcount.
        connection = await self.session.connection()
        result = await connection.execute(statement, {"channel": channel, "external_id": external_id, "at": utcnow()})
        return bool(result.rowcount)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, actor: str, action: str, nik_hmac: bytes | None, outcome: str) -> None:
        self.session.add(models.AuditEvent(at=utcnow(), actor=actor, action=action, nik_hmac=nik_hmac, outcome=outcome))


class UnitOfWork:
    """`async with uow:` — one transaction; commits on success, rolls back on error."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        read_only: bool = False,
        reader: SqliteRegistryReader | None = None,
    ) -> None:
        self._factory = session_factory
        self._read_only = read_only
        self._reader = reader
        # Which database: a key for per-database caches (the URL, as an id may be reused).
        bind = session_factory.kw.get("bind")
        self.database = str(bind.url) if bind is not None else str(id(session_factory))

    def read_unit(self) -> UnitOfWork:
        """A separate read-only unit on its own connection, for reads that need not wait for this one."""
        return UnitOfWork(self._factory, read_only=True, reader=self._reader)

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self._read_only and self._reader is None:
            await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        elif self._read_only:
            # SQLite: a deferred read transaction (db.py's begin hook), so a long read takes no write lock.
            await self.session.connection(execution_options={"sigap_read_only": True})
        self.registry = RegistryRepository(self.session, self._reader)
        self.conversations = ConversationRepository(self.session)
        self.links = LinkRepository(self.session)
        self.subscriptions = SubscriptionRepository(self.session)
        self.rates = RateRepository(self.session)
        self.dedup = DedupRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.selection = SelectionRepository(self.session, self._reader)
        self.dashboard = DashboardRepository(self.session, self._reader.path if self._reader else None)
        self.outbox = OutboxRepository(self.session)
        self.broadcasts = BroadcastRepository(self.session)
        self.outgoing = OutgoingMessageRepository(self.session)
        self.jobs = JobRepository(self.session)
        self.staff = StaffRepository(self.session)
        self.audiences = AudienceRepository(self.session)
        self.reports = ReportRepository(self.session)
        self.tickets = TicketRepository(self.session)
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


class Store:
    """Owns the engine; hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        database = engine.url.database
        self.registry_reader = (
            SqliteRegistryReader(database)
            if engine.dialect.name == "sqlite" and database and database != ":memory:"
            else None
        )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, reader=self.registry_reader)

    def reader(self) -> UnitOfWork:
        """For look-ups that read once: autocommit, so no transaction round trips and no lock."""
        return UnitOfWork(self.sessions, read_only=True, reader=self.registry_reader)

    async def dispose(self) -> None:
        if self.registry_reader is not None:
            self.registry_reader.close()
        await self.engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True
