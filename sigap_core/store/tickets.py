"""Repository for tickets (questions to kelurahan staff), their messages and the notices that told staff.

Scope (which staff may see which ticket) is not decided here but in `sigap_core.tickets`; this module only
filters by the kelurahan it is given (None: all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sigap_core.store import models

OPEN_STATES = ("open", "answered")
# A ticket's anonymous events, kept as `ticket_message` rows of this author for the report: they hold
# kelurahan codes only, survive erasure and retention, and are never shown as messages.
EVENT = "event"
TRANSFERRED = "transfer"  # text "transfer <from code> <to code>"
ERASED = "erased"  # closed by the citizen's "hapus data saya" (not by staff)


@dataclass(frozen=True)
class Transfer:
    at: datetime
    from_kode: str
    to_kode: str


@dataclass(frozen=True)
class TicketFigures:
    """What the program report needs of one ticket (no text, no chat)."""

    kode_kelurahan: str
    state: str
    created_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    due_at: datetime
    rating: str | None
    transfers: tuple[Transfer, ...] = ()  # oldest first
    erased: bool = False  # closed by the citizen's erasure, not by staff


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ticket: models.Ticket) -> models.Ticket:
        self.session.add(ticket)
        await self.session.flush()
        return ticket

    async def add_message(self, message: models.TicketMessage) -> None:
        self.session.add(message)
        await self.session.flush()

    async def add_notice(self, ticket_id: int, broadcast_id: int) -> None:
        self.session.add(models.TicketNotice(ticket_id=ticket_id, broadcast_id=broadcast_id))  # flushed later

    async def get(self, ticket_id: int, *, lock: bool = False) -> models.Ticket | None:
        """The ticket; with `lock`, row-locked until the transaction ends (PostgreSQL; on SQLite writers are
        serialised by BEGIN IMMEDIATE anyway), so two staff acting at once act one after the other."""
        query = select(models.Ticket).where(models.Ticket.id == ticket_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def not_closed_of(self, channel: str, user_key: str) -> models.Ticket | None:
        t = models.Ticket
        query = (
            select(t)
            .where(t.channel == channel, t.user_key == user_key, t.state.in_(OPEN_STATES))
            .order_by(t.id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self,
        kode_kelurahan: str | None,
        states: Sequence[str],
        *,
        created_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[models.Ticket]:
        """Tickets of one kelurahan (None: every kelurahan) in these states, oldest first."""
        t = models.Ticket
        query = select(t).where(t.state.in_(list(states))).order_by(t.created_at, t.id)
        if kode_kelurahan is not None:
            query = query.where(t.kode_kelurahan == kode_kelurahan)
        if created_before is not None:
            query = query.where(t.created_at <= created_before)
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def messages(self, ticket_id: int) -> list[models.TicketMessage]:
        """The ticket's messages, oldest first (its anonymous events are not messages)."""
        m = models.TicketMessage
        query = select(m).where(m.ticket_id == ticket_id, m.author != EVENT).order_by(m.id)
        return list((await self.session.execute(query)).scalars())

    async def add_transfer(self, ticket_id: int, from_kode: str, to_kode: str, now: datetime) -> None:
        """Record, for the report, that the ticket moved between kelurahan (codes only)."""
        text = f"{TRANSFERRED} {from_kode} {to_kode}"
        self.session.add(models.TicketMessage(ticket_id=ticket_id, author=EVENT, text=text, created_at=now))
        await self.session.flush()

    async def unrated_closed_of(self, channel: str, user_key: str, closed_after: datetime) -> int | None:
        """This chat's newest ticket, if it is closed after `closed_after` and not rated yet."""
        if not user_key:
            return None
        t = models.Ticket
        query = select(t).where(t.channel == channel, t.user_key == user_key).order_by(t.id.desc()).limit(1)
        ticket = (await self.session.execute(query)).scalar_one_or_none()
        if ticket is None or ticket.state != "closed" or ticket.rating is not None or ticket.closed_at is None:
            return None
        closed = ticket.closed_at if ticket.closed_at.tzinfo else ticket.closed_at.replace(tzinfo=closed_after.tzinfo)
        return ticket.id if closed > closed_after else None

    async def questions(self, ticket_ids: Iterable[int]) -> dict[int, str]:
        """The first citizen message of each ticket (the question), where it still exists."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return {}
        m = models.TicketMessage
        first = (
            select(func.min(m.id))
            .where(m.ticket_id.in_(ids), m.author == "citizen")
            .group_by(m.ticket_id)
            .scalar_subquery()
        )
        rows = await self.session.execute(select(m.ticket_id, m.text).where(m.id.in_(first)))
        return {row[0]: row[1] for row in rows.all()}

    async def erased(self, ticket_ids: Iterable[int]) -> set[int]:
        """Which of these tickets were closed by the citizen's erasure ("hapus data saya")."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return set()
        m = models.TicketMessage
        query = select(m.ticket_id).where(m.ticket_id.in_(ids), m.author == EVENT, m.text == ERASED)
        return set((await self.session.execute(query)).scalars())

    async def transfers(self, ticket_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """Each ticket's moves between kelurahan as (from code, to code), oldest first; codes only."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return {}
        m = models.TicketMessage
        query = (
            select(m.ticket_id, m.text)
            .where(m.ticket_id.in_(ids), m.author == EVENT, m.text.startswith(f"{TRANSFERRED} "))
            .order_by(m.id)
        )
        moves: dict[int, list[tuple[str, str]]] = {}
        for ticket_id, text in (await self.session.execute(query)).all():
            codes = text.split()[1:]
            if len(codes) == 2:
                moves.setdefault(ticket_id, []).append((codes[0], codes[1]))
        return moves

    async def ticket_of_broadcast(self, broadcast_id: int) -> int | None:
        n = models.TicketNotice
        query = select(n.ticket_id).where(n.broadcast_id == broadcast_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def staff_chats(self, kode_kelurahan: str | None) -> list[tuple[str, str, str]]:
        """(channel, user_key, language) of the active staff of a kelurahan; None: of the city's admins. The
        language is the chat's own ("id" when its dialog has expired)."""
        s, c = models.Staff, models.Conversation
        query = (
            select(s.channel, s.user_key, func.coalesce(c.lang, "id"))
            .outerjoin(c, (c.channel == s.channel) & (c.user_key == s.user_key))
            .where(s.revoked_at.is_(None))
            .order_by(s.id)
        )
        if kode_kelurahan is None:
            query = query.where(s.role == "admin")
        else:
            query = query.where(s.role == "staff", s.kode_kelurahan == kode_kelurahan)
        return [(row[0], row[1], row[2]) for row in (await self.session.execute(query)).all()]

    async def past_due(self, now: datetime, limit: int | None = None) -> list[models.Ticket]:
        """Unanswered tickets whose reminder (past the deadline) or escalation (past twice it) is due and not
        yet sent, by deadline."""
        t = models.Ticket
        query = (
            select(t)
            .where(
                t.state == "open",
                t.first_response_at.is_(None),
                ((t.reminded_at.is_(None)) & (t.due_at <= now)) | ((t.escalated_at.is_(None)) & (t.escalate_at <= now)),
            )
            .order_by(t.due_at, t.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def quiet_answered(self, updated_before: datetime, limit: int | None = None) -> list[int]:
        """Answered tickets nobody has written to since `updated_before`, oldest first."""
        t = models.Ticket
        query = select(t.id).where(t.state == "answered", t.updated_at < updated_before).order_by(t.updated_at, t.id)
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def close_quiet(self, ticket_ids: Sequence[int], updated_before: datetime, now: datetime) -> list[int]:
        """Close those of these tickets that are still answered and quiet since `updated_before`; the ids this
        call closed. One statement, rows another transaction holds skipped (as `stamp_once`): a citizen's
        message arriving meanwhile reopens the ticket instead, and two processes never close the same one."""
        if not ticket_ids:
            return []
        return await self._update_free(
            ticket_ids,
            lambda row: (row.state == "answered") & (row.updated_at < updated_before),
            {"state": "closed", "closed_at": now, "updated_at": now},
        )

    async def stamp_once(self, column: str, ticket_ids: Sequence[int], now: datetime) -> list[int]:
        """Set `reminded_at` or `escalated_at` on those of these tickets where it is still NULL; the ids this
        call stamped. One statement; on PostgreSQL rows another transaction holds are skipped (that one
        stamps them), so two processes never stamp, and send for, the same ticket."""
        if column not in ("reminded_at", "escalated_at") or not ticket_ids:
            return []
        return await self._update_free(ticket_ids, lambda row: getattr(row, column).is_(None), {column: now})

    async def _update_free(
        self,
        ticket_ids: Sequence[int],
        condition: Callable[[type[models.Ticket]], ColumnElement[bool]],
        values: dict[str, object],
    ) -> list[int]:
        """UPDATE those of these tickets that still meet `condition`, skipping rows another transaction holds
        (PostgreSQL; SQLite serialises writers): the ids this call updated. Two processes running the same
        timer never both act on one ticket; whoever holds the row (a citizen's message, the other timer)
        decides it."""
        t = models.Ticket
        candidate = aliased(t, name="candidate")
        free = (
            select(candidate.id)
            .where(candidate.id.in_(sorted(set(ticket_ids))), condition(candidate))
            .order_by(candidate.id)
            .with_for_update(of=candidate, skip_locked=True)
            .cte("free")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        connection = await self.session.connection()
        # Counted from RETURNING: the sqlite3 module reports no rowcount for a statement that starts with WITH.
        result = await connection.execute(
            update(t).where(t.id.in_(select(free.c.id)), condition(t)).values(values).returning(t.id)
        )
        return sorted(row[0] for row in result.all())

    async def rate(self, ticket_id: int, channel: str, user_key: str, rating: str, now: datetime) -> bool:
        """Once, and only by the ticket's own citizen, once it is closed."""
        t = models.Ticket
        connection = await self.session.connection()
        result = await connection.execute(
            update(t)
            .where(
                t.id == ticket_id,
                t.channel == channel,
                t.user_key == user_key,
                t.user_key != "",
                t.state == "closed",
                t.rating.is_(None),
            )
            .values(rating=rating, rated_at=now)
        )
        return result.rowcount == 1

    async def share_status(self, ticket_id: int, channel: str, user_key: str, status: str, nik_hmac: bytes) -> bool:
        """Only by the ticket's own citizen, while it is not closed (the status shared after the question)."""
        t = models.Ticket
        connection = await self.session.connection()
        result = await connection.execute(
            update(t)
            .where(
                t.id == ticket_id, t.channel == channel, t.user_key == user_key, t.user_key != "", t.state != "closed"
            )
            .values(shared_status=status, shared_nik_hmac=nik_hmac)
        )
        return result.rowcount == 1

    async def of_chat(self, channel: str, user_key: str) -> list[int]:
        """The ids of every ticket a citizen's chat asked (for their erasure)."""
        t = models.Ticket
        if not user_key:
            return []
        query = select(t.id).where(t.channel == channel, t.user_key == user_key).order_by(t.id)
        return list((await self.session.execute(query)).scalars())

    async def closed_with_texts(self, closed_before: datetime) -> list[int]:
        """Tickets closed before `closed_before` that still hold a text or a chat (for retention)."""
        t, m = models.Ticket, models.TicketMessage
        has_text = select(m.id).where(m.ticket_id == t.id, m.author != EVENT).exists()
        query = select(t.id).where(t.state == "closed", t.closed_at < closed_before, has_text | (t.user_key != ""))
        return list((await self.session.execute(query.order_by(t.id))).scalars())

    async def broadcasts_of(self, ticket_ids: Sequence[int]) -> list[int]:
        """The direct messages (broadcast ids) that told someone about these tickets."""
        if not ticket_ids:
            return []
        n = models.TicketNotice
        query = select(n.broadcast_id).where(n.ticket_id.in_(sorted(set(ticket_ids)))).order_by(n.broadcast_id)
        return list((await self.session.execute(query)).scalars())

    async def forget(self, ticket_ids: Sequence[int], now: datetime, *, close: bool) -> int:
        """Delete the texts of these tickets, their notices and the link to the citizen's chat (with `close`,
        open ones close, marked as erased); the anonymous row (kelurahan, times, rating) and its events stay for
        the report. The number of tickets."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return 0
        t, m, n = models.Ticket, models.TicketMessage, models.TicketNotice
        await self.session.execute(delete(m).where(m.ticket_id.in_(ids), m.author != EVENT))
        await self.session.execute(delete(n).where(n.ticket_id.in_(ids)))
        connection = await self.session.connection()
        if close:
            still_open = (await connection.execute(select(t.id).where(t.id.in_(ids), t.state != "closed"))).all()
            self.session.add_all(
                models.TicketMessage(ticket_id=row[0], author=EVENT, text=ERASED, created_at=now) for row in still_open
            )
            await self.session.flush()
        await connection.execute(
            update(t).where(t.id.in_(ids)).values(user_key="", shared_status=None, shared_nik_hmac=None)
        )
        if close:
            await connection.execute(
                update(t)
                .where(t.id.in_(ids), t.state != "closed")
                .values(state="closed", closed_at=now, updated_at=now)
            )
        return len(ids)

    async def figures(self, since: datetime | None = None) -> list[TicketFigures]:
        """Every ticket's figures with its events (transfers, erasure): two statements."""
        t, m = models.Ticket, models.TicketMessage
        query = select(
            t.id, t.kode_kelurahan, t.state, t.created_at, t.first_response_at, t.closed_at, t.due_at, t.rating
        ).order_by(t.id)
        if since is not None:
            query = query.where(t.created_at >= since)
        rows = (await self.session.execute(query)).all()
        events = select(m.ticket_id, m.text, m.created_at).where(m.author == EVENT).order_by(m.id)
        if since is not None:
            events = events.where(m.ticket_id.in_(select(t.id).where(t.created_at >= since)))
        transfers: dict[int, list[Transfer]] = {}
        erased: set[int] = set()
        for ticket_id, text, at in (await self.session.execute(events)).all():
            kind, *codes = str(text).split()
            if kind == TRANSFERRED and len(codes) == 2:
                transfers.setdefault(ticket_id, []).append(Transfer(at, codes[0], codes[1]))
            elif kind == ERASED:
                erased.add(ticket_id)
        return [
            TicketFigures(*row[1:], transfers=tuple(transfers.get(row[0], ())), erased=row[0] in erased) for row in rows
        ]
