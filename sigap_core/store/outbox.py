"""Repositories for broadcast delivery: the outbox (claims under a lease), broadcasts, sent messages, jobs.

A claim is one statement: `UPDATE outbox … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) AND
state = 'pending' RETURNING …`. On PostgreSQL concurrent claimers skip each other's locked rows and the outer
`state = 'pending'` guard re-checks each row after any wait; on SQLite the same statement runs under
`BEGIN IMMEDIATE` (the unit of work's begin), which serialises writers, and `FOR UPDATE` renders as nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sigap_core.delivery import DeliveryState, moves_forward
from sigap_core.store import models

OPEN_BROADCAST = ("scheduled", "sending")

# Direct messages: the limits both platforms accept (WhatsApp: 3 reply buttons, 20-character titles;
# Telegram: callback data of at most 64 bytes; one message of at most 4096 characters).
MAX_DIRECT_BUTTONS = 3
MAX_DIRECT_BUTTON_LABEL = 20
MAX_DIRECT_BUTTON_PAYLOAD = 64
MAX_DIRECT_TEXT = 4096
# `template` of a direct message: "" is the announcement template with the text as its one parameter; the
# ticket template (to a citizen: news on their ticket) and the staff template (to staff: a question is
# waiting) carry only the ticket number (never a question or an answer), e.g. "ticket:#12", "staff:#12".
TICKET_TEMPLATE = "ticket"
STAFF_TEMPLATE = "staff"
TEMPLATE_KEYS = (TICKET_TEMPLATE, STAFF_TEMPLATE)
MAX_TEMPLATE_PARAMETER = 60
DIRECT_SENDER = "system"  # `created_by` of direct messages: nobody is told of their progress
# A direct message's outbox reason once a template went instead of its text (WhatsApp, outside the window),
# and once its text was handed to the conversation after the citizen wrote (`take_unread`).
SENT_AS_TEMPLATE = "sent as template"
SHOWN_AFTER_TEMPLATE = "sent as template, text shown later"
# What a direct message holds once its text is forgotten (erasure, retention); "" from before this marker.
ERASED_TEXT = "[dihapus]"
FORGOTTEN = ("", ERASED_TEXT)
UNREAD_DAYS = 30  # how long an answer that went only as the template waits for the citizen to write


def ticket_template(number: str) -> str:
    """The `template` of a direct message that, outside WhatsApp's 24-hour window, goes as the ticket template
    (SIGAP_WHATSAPP_TICKET_TEMPLATE) with `number` (e.g. "#12") as its one parameter."""
    return f"{TICKET_TEMPLATE}:{number}"


def staff_template(number: str) -> str:
    """The `template` of a notice to staff that, outside WhatsApp's 24-hour window, goes as the staff template
    (SIGAP_WHATSAPP_STAFF_TEMPLATE) with `number` as its one parameter: never cut, never the question."""
    return f"{STAFF_TEMPLATE}:{number}"


def parse_template(template: str) -> tuple[str, str] | None:
    """(key, parameter) of a direct message's template; None for the announcement template ("")."""
    if not template:
        return None
    key, sep, parameter = template.partition(":")
    if key not in TEMPLATE_KEYS or not sep or not parameter.strip() or len(parameter) > MAX_TEMPLATE_PARAMETER:
        raise ValueError(f"unknown template form (expected '' or one of {TEMPLATE_KEYS} + ':<number>')")
    return key, parameter


class Unread(NamedTuple):
    """A direct message this chat got only as a template, to show now the chat wrote: text and buttons."""

    broadcast_id: int
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (payload, label)


@dataclass(frozen=True)
class OutMessage:
    """What one broadcast's recipients receive, as the sender needs it."""

    kode_kelurahan: str | None
    text: str
    direct: bool = False
    buttons: tuple[tuple[str, str], ...] = ()  # (payload, label)
    template: str = ""


@dataclass(frozen=True)
class Claimed:
    """One outbox row this process now holds under a lease, with what the message needs."""

    id: int
    user_key: str
    attempts: int
    broadcast_id: int
    recovered: bool


@dataclass(frozen=True)
class Result:
    """What became of one claimed row."""

    id: int
    state: str  # a DeliveryState, or "retry"
    reason: str
    attempts: int
    next_attempt_at: datetime | None = None  # for a retry
    platform_id: str = ""


async def queue_broadcast(
    session: AsyncSession, broadcast: models.Broadcast, recipients: Sequence[tuple[str, str]], now: datetime
) -> int:
    """Store a broadcast and one pending outbox row per distinct (channel, user_key); the broadcast's id.
    The one way a single message for known chats (a direct message, a lifecycle notice) enters the outbox."""
    session.add(broadcast)
    await session.flush()
    session.add_all(
        models.Outbox(
            broadcast_id=broadcast.id,
            channel=channel,
            user_key=user_key,
            state=DeliveryState.PENDING,
            attempts=0,
            reason="",
            next_attempt_at=now,
            recovered=False,
            updated_at=now,
        )
        for channel, user_key in dict.fromkeys(recipients)
    )
    await session.flush()
    return broadcast.id


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, channel: str, owner: str, lease: timedelta, limit: int, now: datetime, *, user_key: str | None = None
    ) -> list[Claimed]:
        """Due pending rows of the channel, moved to `sending` under this owner's lease; with `user_key`, only
        that chat's (a terminal chat delivers its own messages, `bot.console`)."""
        o, b = models.Outbox, models.Broadcast
        candidate = aliased(o, name="candidate")
        # MATERIALIZED: the locking sub-select runs exactly once. Inlined (`id IN (SELECT …)`), PostgreSQL may
        # rescan it per outer row, and each rescan skips the rows just locked: more than `limit` rows claimed.
        due = (
            select(candidate.id)
            .join(b, b.id == candidate.broadcast_id)
            .where(
                candidate.channel == channel,
                candidate.state == DeliveryState.PENDING,
                candidate.next_attempt_at <= now,
                b.status.in_(OPEN_BROADCAST),
                b.send_at <= now,
                *([candidate.user_key == user_key] if user_key is not None else []),
            )
            .order_by(candidate.id)
            .limit(limit)
            .with_for_update(of=candidate, skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(o)
            .where(o.id.in_(select(due.c.id)), o.state == DeliveryState.PENDING)
            .values(state=DeliveryState.SENDING, lease_owner=owner, lease_expires_at=now + lease, updated_at=now)
            .returning(o.id, o.user_key, o.attempts, o.broadcast_id, o.recovered)
        )
        connection = await self.session.connection()
        rows = (await connection.execute(statement)).all()
        return sorted((Claimed(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows), key=lambda c: c.id)

    async def has_due(self, channel: str, user_key: str, now: datetime) -> bool:
        """Whether this chat has a row `claim` would take now, or one whose lease ran out (a read only: a
        terminal polls with it, so an idle poll takes no write lock on SQLite)."""
        o, b = models.Outbox, models.Broadcast
        due = and_(
            o.state == DeliveryState.PENDING, o.next_attempt_at <= now, b.status.in_(OPEN_BROADCAST), b.send_at <= now
        )
        stale = and_(o.state == DeliveryState.SENDING, or_(o.lease_expires_at.is_(None), o.lease_expires_at < now))
        query = (
            select(o.id)
            .join(b, b.id == o.broadcast_id)
            .where(o.channel == channel, o.user_key == user_key, or_(due, stale))
            .limit(1)
        )
        return (await self.session.execute(query)).first() is not None

    async def renew(self, ids: Sequence[int], owner: str, until: datetime) -> int:
        """Extend this process's lease on rows still in flight; the number of rows it still holds."""
        if not ids:
            return 0
        o = models.Outbox
        held = aliased(o, name="held")
        # SKIP LOCKED: a row locked right now is having its result written; waiting for it (while holding
        # other rows) could deadlock with that writer, and the row needs no longer lease anyway.
        mine = (
            select(held.id)
            .where(held.id.in_(list(ids)), held.lease_owner == owner, held.state == DeliveryState.SENDING)
            .with_for_update(of=held, skip_locked=True)
            .cte("mine")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        connection = await self.session.connection()
        # Counted from RETURNING: the sqlite3 module reports no rowcount for a statement that starts with WITH.
        result = await connection.execute(
            update(o).where(o.id.in_(select(mine.c.id))).values(lease_expires_at=until).returning(o.id)
        )
        return len(result.all())

    async def release(self, ids: Sequence[int], owner: str, now: datetime) -> int:
        """Claimed rows this process will not send after all (a clean stop) go back as they were."""
        o = models.Outbox
        connection = await self.session.connection()
        result = await connection.execute(
            update(o)
            .where(o.id.in_(list(ids)), o.lease_owner == owner, o.state == DeliveryState.SENDING)
            .values(state=DeliveryState.PENDING, lease_owner=None, lease_expires_at=None, updated_at=now)
        )
        return int(result.rowcount or 0)

    async def recover_expired(self, channel: str, now: datetime) -> int:
        """Rows whose sender's lease ran out go back to the queue, marked as recovered (maybe sent twice).

        A live sender renews its leases, so this never takes back another live process's rows."""
        o = models.Outbox
        stale = aliased(o, name="stale")
        expired = (
            select(stale.id)
            .where(
                stale.channel == channel,
                stale.state == DeliveryState.SENDING,
                or_(stale.lease_expires_at.is_(None), stale.lease_expires_at < now),
            )
            .with_for_update(of=stale, skip_locked=True)  # a locked row is being written by its owner
            .cte("expired")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        connection = await self.session.connection()
        result = await connection.execute(
            update(o)
            .where(o.id.in_(select(expired.c.id)), o.state == DeliveryState.SENDING)
            .values(
                state=DeliveryState.PENDING, recovered=True, lease_owner=None, lease_expires_at=None, updated_at=now
            )
            .returning(o.id)
        )
        return len(result.all())

    async def record(self, owner: str, results: Iterable[Result], now: datetime) -> None:
        """Write each row's outcome: one statement, executed for all rows at once (one round trip on
        asyncpg). A row is written if it is still ours, or was recovered but not claimed again (writing it
        saves a second send); a row another process holds now is left to it."""
        o = models.Outbox
        rows = [
            {
                "row_id": r.id,
                "new_state": r.state,
                "new_attempts": r.attempts,
                "new_reason": r.reason[:200],
                "retry_at": r.next_attempt_at,
                "new_platform_id": r.platform_id or None,
            }
            for r in results
        ]
        if not rows:
            return
        mine = or_(and_(o.state == DeliveryState.SENDING, o.lease_owner == owner), o.state == DeliveryState.PENDING)
        statement = (
            update(o)
            .where(o.id == bindparam("row_id"), mine)
            .values(
                state=bindparam("new_state"),
                attempts=bindparam("new_attempts"),
                reason=bindparam("new_reason"),
                next_attempt_at=func.coalesce(bindparam("retry_at", type_=o.next_attempt_at.type), o.next_attempt_at),
                platform_id=func.coalesce(bindparam("new_platform_id", type_=o.platform_id.type), o.platform_id),
                lease_owner=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        connection = await self.session.connection()
        await connection.execute(statement, rows)

    async def enqueue_direct(
        self,
        kind: str,
        text: str,
        recipients: Sequence[tuple[str, str]],
        now: datetime,
        *,
        buttons: Sequence[tuple[str, str]] = (),
        template: str = "",
    ) -> int:
        """Queue a direct message (a ticket notice, an officer's answer) for these (channel, user_key) chats;
        the broadcast's id.

        Unlike an announcement it goes whether or not the chat subscribed to announcements, but never to a
        chat that blocked the bot since it last wrote (checked at claim time) nor to one that erased itself
        (`cancel_direct_to`). The same outbox carries it: the channel's rate, retries, crash recovery and
        WhatsApp's 24-hour window. `buttons` are (payload, label) pairs; `template` says what goes outside
        the window ("" the announcement template with the text, `ticket_template(number)` the ticket
        template, `staff_template(number)` the staff template). Not listed as an announcement: `sigap
        broadcast list` and the dashboard skip it."""
        if not text.strip() or len(text) > MAX_DIRECT_TEXT:
            raise ValueError(f"a direct message holds 1 to {MAX_DIRECT_TEXT} characters")
        if len(buttons) > MAX_DIRECT_BUTTONS:
            raise ValueError(f"at most {MAX_DIRECT_BUTTONS} buttons")
        for payload, label in buttons:
            if not payload or len(payload.encode()) > MAX_DIRECT_BUTTON_PAYLOAD:
                raise ValueError(f"a button payload holds 1 to {MAX_DIRECT_BUTTON_PAYLOAD} bytes")
            if not label.strip() or len(label) > MAX_DIRECT_BUTTON_LABEL:
                raise ValueError(f"a button label holds 1 to {MAX_DIRECT_BUTTON_LABEL} characters")
        if len({payload for payload, _ in buttons}) != len(buttons):
            raise ValueError("button payloads must differ")
        parse_template(template)
        broadcast = models.Broadcast(
            kode_kelurahan=None,
            audience=kind[:16],
            text=text,
            created_by=DIRECT_SENDER,
            created_at=now,
            send_at=now,
            status="scheduled" if recipients else "done",
            finished_at=None if recipients else now,
            reported=False,
            direct=True,
            buttons=[[payload, label] for payload, label in buttons] or None,
            template=template,
        )
        return await queue_broadcast(self.session, broadcast, recipients, now)

    async def broadcast_of_platform_message(self, channel: str, user_key: str, platform_id: str) -> int | None:
        """The broadcast id of the message we sent to this chat under this platform id (reply-to), if any."""
        if not platform_id:
            return None
        o = models.Outbox
        row = await self.session.execute(
            select(o.broadcast_id)
            .where(o.channel == channel, o.user_key == user_key, o.platform_id == platform_id)
            .order_by(o.id.desc())
            .limit(1)
        )
        return row.scalar_one_or_none()

    async def take_unread(self, channel: str, user_key: str, now: datetime) -> list[Unread]:
        """The direct messages this chat got only as the ticket or staff template, oldest first, each handed out
        once with its buttons (a rating question keeps its 👍/👎): the conversation shows them when the chat
        writes (the window is open then).

        Marked in the caller's transaction: if its turn rolls back, they are handed out again next time."""
        o, b = models.Outbox, models.Broadcast
        templated = select(b.id).where(b.direct.is_(True), b.template != "", b.text.not_in(FORGOTTEN))
        connection = await self.session.connection()
        taken = await connection.execute(
            update(o)
            .where(
                o.channel == channel,
                o.user_key == user_key,
                o.reason == SENT_AS_TEMPLATE,
                o.state.in_((DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ)),
                o.broadcast_id.in_(templated),
            )
            .values(reason=SHOWN_AFTER_TEMPLATE, updated_at=now)
            .returning(o.broadcast_id)
        )
        ids = sorted({row[0] for row in taken.all()})
        if not ids:
            return []
        rows = await self.session.execute(select(b.id, b.text, b.buttons).where(b.id.in_(ids)))
        found = {
            int(row[0]): Unread(int(row[0]), str(row[1]), tuple((str(p), str(label)) for p, label in row[2] or ()))
            for row in rows.all()
        }
        return [found[broadcast_id] for broadcast_id in ids]

    async def cancel_direct_to(self, channel: str, user_key: str, now: datetime) -> int:
        """A chat erased itself: direct messages still queued for it are not sent (marked cancelled), and the
        texts of those that were for this chat alone are forgotten; the number of rows cancelled.

        A notice that went to staff about this chat's question is found by the ticket, not by this chat:
        the ticket's erasure passes its broadcast ids to `forget_texts`."""
        o, b = models.Outbox, models.Broadcast
        direct = select(b.id).where(b.direct.is_(True))
        connection = await self.session.connection()
        result = await connection.execute(
            update(o)
            .where(
                o.channel == channel,
                o.user_key == user_key,
                o.state == DeliveryState.PENDING,
                o.broadcast_id.in_(direct),
            )
            .values(state=DeliveryState.CANCELLED, reason="erased", updated_at=now)
        )
        mine = select(o.broadcast_id).where(o.channel == channel, o.user_key == user_key)
        others = select(o.broadcast_id).where(or_(o.channel != channel, o.user_key != user_key))
        await connection.execute(
            update(b)
            .where(b.direct.is_(True), b.id.in_(mine), b.id.not_in(others), b.text.not_in(FORGOTTEN))
            .values(text=ERASED_TEXT, buttons=None)
        )
        return int(result.rowcount or 0)

    async def forget_texts(self, broadcast_ids: Sequence[int]) -> int:
        """Forget the texts of these direct messages (a ticket's erasure); what was still queued of them is
        not sent. Announcements are never touched. The number of messages forgotten."""
        if not broadcast_ids:
            return 0
        o, b = models.Outbox, models.Broadcast
        ids = sorted(set(broadcast_ids))
        connection = await self.session.connection()
        direct = select(b.id).where(b.id.in_(ids), b.direct.is_(True))
        await connection.execute(
            update(o)
            .where(o.broadcast_id.in_(direct), o.state == DeliveryState.PENDING)
            .values(state=DeliveryState.CANCELLED, reason="erased")
        )
        result = await connection.execute(
            update(b)
            .where(b.id.in_(ids), b.direct.is_(True), b.text.not_in(FORGOTTEN))
            .values(text=ERASED_TEXT, buttons=None)
            .returning(b.id)
        )
        return len(result.all())

    async def forget_sent_texts(self, now: datetime, unread_days: int = UNREAD_DAYS) -> int:
        """Retention: a direct message's text is kept only while it may still be needed: until it is sent,
        and while it went only as the ticket template and the citizen has not written since (at most
        `unread_days`). The number of texts forgotten."""
        o, b = models.Outbox, models.Broadcast
        needed = select(o.broadcast_id).where(
            or_(
                o.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)),
                and_(o.reason == SENT_AS_TEMPLATE, o.updated_at >= now - timedelta(days=unread_days)),
            )
        )
        connection = await self.session.connection()
        result = await connection.execute(
            update(b)
            .where(
                b.direct.is_(True), b.text.not_in(FORGOTTEN), b.status.in_(("done", "cancelled")), b.id.not_in(needed)
            )
            .values(text=ERASED_TEXT, buttons=None)
            .returning(b.id)
        )
        return len(result.all())

    async def blocked(self, channel: str, user_keys: Sequence[str]) -> set[str]:
        """Which of these chats blocked the bot and have not written since (direct messages skip them).

        A chat that blocked the bot and then came back keeps the subscription status `blocked` until it
        subscribes again; its newer message says it is back."""
        s, c = models.Subscription, models.Conversation
        rows = await self.session.execute(
            select(s.user_key, s.updated_at, c.last_inbound_at)
            .outerjoin(c, and_(c.channel == s.channel, c.user_key == s.user_key))
            .where(s.channel == channel, s.user_key.in_(list(user_keys)), s.status == "blocked")
        )
        return {
            key for key, blocked_at, heard_at in rows.all() if heard_at is None or _utc(heard_at) <= _utc(blocked_at)
        }

    async def subscribed(self, channel: str, user_keys: Sequence[str]) -> set[str]:
        """Which of these users are still subscribed (opt-out is checked right before sending)."""
        s = models.Subscription
        rows = await self.session.execute(
            select(s.user_key).where(s.channel == channel, s.user_key.in_(list(user_keys)), s.status == "active")
        )
        return {key for (key,) in rows.all()}

    async def counts(self, broadcast_id: int) -> Counter[str]:
        o = models.Outbox
        rows = await self.session.execute(
            select(o.state, o.recovered, func.count())
            .where(o.broadcast_id == broadcast_id)
            .group_by(o.state, o.recovered)
        )
        result: Counter[str] = Counter()
        for state, recovered, n in rows.all():
            result[state] += n
            if recovered:
                result["recovered_after_crash"] += n
        return result

    async def cancel_pending(self, broadcast_id: int, now: datetime) -> int:
        o = models.Outbox
        connection = await self.session.connection()
        result = await connection.execute(
            update(o)
            .where(o.broadcast_id == broadcast_id, o.state == DeliveryState.PENDING)
            .values(state=DeliveryState.CANCELLED, updated_at=now)
        )
        return int(result.rowcount or 0)

    async def follow_callback(self, channel: str, platform_id: str, state: str, error: str, now: datetime) -> bool:
        """A platform status callback for a broadcast message: the row moves only forward."""
        o = models.Outbox
        row = (
            await self.session.execute(select(o).where(o.channel == channel, o.platform_id == platform_id))
        ).scalar_one_or_none()
        if row is None or not moves_forward(row.state, state):
            return False
        row.state = state
        if state == DeliveryState.FAILED:
            row.reason = error[:200]
        row.updated_at = now
        return True


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, broadcast_id: int) -> models.Broadcast | None:
        return await self.session.get(models.Broadcast, broadcast_id)

    async def add(self, broadcast: models.Broadcast) -> models.Broadcast:
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def recent(self, kode_kelurahan: str | None, limit: int, *, everywhere: bool) -> list[models.Broadcast]:
        b = models.Broadcast
        # Direct messages (ticket notices and answers) are not announcements: they are not listed.
        query = select(b).where(b.direct.is_(False)).order_by(b.id.desc()).limit(limit)
        if not everywhere:
            query = query.where(b.kode_kelurahan == kode_kelurahan)
        return list((await self.session.execute(query)).scalars())

    async def messages(self, broadcast_ids: Iterable[int]) -> dict[int, OutMessage]:
        """What each of these broadcasts sends: text, whether direct, buttons, template."""
        b = models.Broadcast
        rows = await self.session.execute(
            select(b.id, b.kode_kelurahan, b.text, b.direct, b.buttons, b.template).where(b.id.in_(set(broadcast_ids)))
        )
        return {
            row[0]: OutMessage(
                row[1],
                row[2],
                bool(row[3]),
                tuple((str(payload), str(label)) for payload, label in row[4] or ()),
                row[5] or "",
            )
            for row in rows.all()
        }

    async def texts(self, broadcast_ids: Iterable[int]) -> dict[int, tuple[str | None, str]]:
        """(kelurahan, text) per broadcast, to build the message each recipient receives."""
        b = models.Broadcast
        rows = await self.session.execute(select(b.id, b.kode_kelurahan, b.text).where(b.id.in_(set(broadcast_ids))))
        return {row[0]: (row[1], row[2]) for row in rows.all()}

    async def start(self, broadcast_ids: Iterable[int]) -> list[tuple[int, str]]:
        """Scheduled broadcasts among these begin sending: (id, created_by) of those this call moved.

        One guarded statement, so across processes each broadcast starts (and is announced) once."""
        b = models.Broadcast
        connection = await self.session.connection()
        rows = await connection.execute(
            update(b)
            .where(b.id.in_(sorted(set(broadcast_ids))), b.status == "scheduled")
            .values(status="sending")
            .returning(b.id, b.created_by)
        )
        return sorted((row[0], row[1]) for row in rows.all())

    async def finish_sent(self, now: datetime) -> list[tuple[int, str]]:
        """Sending broadcasts with nothing left to send become done: (id, created_by) of those this call moved,
        so exactly one process reports each."""
        b, o = models.Broadcast, models.Outbox
        unfinished = exists().where(o.broadcast_id == b.id, o.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)))
        connection = await self.session.connection()
        rows = await connection.execute(
            update(b)
            .where(b.status == "sending", ~unfinished)
            .values(status="done", finished_at=now, reported=True)
            .returning(b.id, b.created_by)
        )
        return sorted((row[0], row[1]) for row in rows.all())


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class OutgoingMessageRepository:
    """Every message we sent, by the platform's id, with its delivery state."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_accepted(self, channel: str, sent: Iterable[tuple[str, str]], now: datetime) -> None:
        self.session.add_all(
            models.OutgoingMessage(
                channel=channel,
                user_key=user_key,
                platform_id=platform_id,
                state=DeliveryState.ACCEPTED,
                updated_at=now,
            )
            for user_key, platform_id in sent
        )
        await self.session.flush()

    async def follow_callback(self, channel: str, platform_id: str, state: str, error: str, now: datetime) -> bool:
        m = models.OutgoingMessage
        row = (
            await self.session.execute(select(m).where(m.channel == channel, m.platform_id == platform_id))
        ).scalar_one_or_none()
        if row is None or not moves_forward(row.state, state):
            return False
        row.state = state
        if state == DeliveryState.FAILED:
            row.error = error[:200]
        row.updated_at = now
        return True

    async def states(self, channel: str, platform_ids: Sequence[str]) -> dict[str, str]:
        if not platform_ids:
            return {}
        m = models.OutgoingMessage
        rows = await self.session.execute(
            select(m.platform_id, m.state).where(m.channel == channel, m.platform_id.in_(list(platform_ids)))
        )
        return {row[0]: row[1] for row in rows.all()}


class JobRepository:
    """Jobs that run once across processes: whoever moves a job's `due_at` forward runs it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_if_due(self, name: str, owner: str, every: timedelta, now: datetime) -> bool:
        j = models.JobLease
        connection = await self.session.connection()
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        await connection.execute(insert(j).values(name=name, owner="", due_at=now).on_conflict_do_nothing())
        result = await connection.execute(
            update(j).where(j.name == name, j.due_at <= now).values(owner=owner, due_at=now + every, ran_at=now)
        )
        return result.rowcount == 1
