"""Tickets: a citizen's question to their kelurahan's staff, answered from the chat staff already use.

The chat flows and the CLI call these functions, never the repository. Scope is decided in one place,
`_scope` / `_load`: staff see the tickets of their own kelurahan, admins all of them; another kelurahan's
ticket is reported exactly like a missing one (`TicketError.NOT_FOUND`), so staff cannot learn it exists.

Messages to staff and citizens are direct messages through the durable outbox (`uow.outbox.enqueue_direct`):
rate limits, retries and crash recovery apply, and they go whether or not the chat subscribed to
announcements. Every such message is recorded in `ticket_notice`, so a reply to it finds its ticket.

Logs carry ticket ids and kelurahan codes only, never a question or an answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sigap_core.i18n import N_, Translator, normalise_language
from sigap_core.nik import mask_nik
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.outbox import UNREAD_DAYS, staff_template, ticket_template
from sigap_core.store.repositories import UnitOfWork, aware, utcnow
from sigap_core.store.tickets import OPEN_STATES
from sigap_core.wilayah import load_wilayah
from sigap_core.working_hours import WorkingHours

log = logging.getLogger(__name__)

STATES = ("open", "answered", "closed")
PREVIEW_CHARS = 200
# The longest question, follow-up, answer or note accepted (issue #15); a longer one is refused, never cut.
MAX_TEXT = 2000
KIND_NOTICE = "ticket_notice"
KIND_REPLY = "ticket_reply"
KIND_RATING = "ticket_rating"
KIND_SLA = "ticket_sla"
KIND_TRANSFER = "ticket_transfer"
# How long after the close a typed 👍/👎 still rates the ticket: as long as a rating question that went
# only as the WhatsApp template waits for the citizen to write (`take_unread`).
RATING_WAIT = timedelta(days=UNREAD_DAYS)
WEEKDAY_LABELS = (N_("Senin"), N_("Selasa"), N_("Rabu"), N_("Kamis"), N_("Jumat"), N_("Sabtu"), N_("Minggu"))
STATUS_LABELS = {
    "not_found": N_("tidak ada di DTSEN"),
    "kk_mismatch": N_("data KK tidak cocok"),
    "not_resident": N_("di luar Kota Bekasi"),
    "desil_above_limit": N_("desil di atas batas"),
    "not_informal_worker": N_("bukan pekerja informal"),
    "already_covered": N_("sudah terlindungi lewat jalur lain"),
    "eligible_priority": N_("layak, prioritas"),
    "eligible": N_("layak"),
    "selected": N_("terpilih, belum terdaftar"),
    "waiting_list": N_("daftar tunggu"),
    "enrolled": N_("terdaftar SIGAP"),
}


class TicketError(StrEnum):
    NOT_FOUND = "not_found"  # also: another kelurahan's ticket
    CLOSED = "closed"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TAKEN_BY_OTHER = "taken_by_other"
    UNKNOWN_KELURAHAN = "unknown_kelurahan"
    SAME_KELURAHAN = "same_kelurahan"


class TicketInputError(ValueError):
    """A citizen-side call that cannot be done: `error` says why (empty, too_long, not_found, closed)."""

    def __init__(self, error: TicketError) -> None:
        super().__init__(error.value)
        self.error = error


@dataclass(frozen=True)
class TicketView:
    id: int
    number: str  # the display form, "#12"
    kode_kelurahan: str
    kelurahan: str  # the name
    channel: str
    topic: str
    state: str
    age: timedelta
    created_at: datetime
    first_response_at: datetime | None
    question: str  # the first 200 characters ("" once erased)
    shared_status: str | None
    assignee_staff_id: int | None = None
    due_at: datetime | None = None
    closed_at: datetime | None = None
    rating: str | None = None
    lang: str = "id"
    erased: bool = False  # closed by the citizen's "hapus data saya": its texts are gone
    transferred_from: str = ""  # the kelurahan code the ticket was first asked in, if it moved since
    transfers: int = 0


@dataclass(frozen=True)
class TicketMessageView:
    author: str  # citizen | staff | note | system
    staff_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketView
    messages: list[TicketMessageView]


@dataclass(frozen=True)
class TicketResult:
    ticket: TicketView | None = None
    error: TicketError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SlaRun:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # answered tickets closed after the quiet period
    more: bool = False  # `limit` was reached: more may be due


def ticket_number(ticket_id: int) -> str:
    return f"#{ticket_id}"


def kelurahan_name(kode: str) -> str:
    """The kelurahan's name, from the bundled Kemendagri list (cached; `Domain.wilayah` is the same list), so
    the calls that take no `domain` (TICKETS.md) can still name it."""
    place = load_wilayah().get(kode)
    return place.name if place else kode


def _hours(domain: Domain) -> WorkingHours:
    return domain.policy.tickets.office_hours


def answer_due(domain: Domain, now: datetime) -> datetime:
    """The first-response deadline of a ticket opened at `now` (UTC)."""
    return _hours(domain).deadline(now, domain.policy.tickets.first_response_working_days)


def escalation_due(domain: Domain, created_at: datetime) -> datetime:
    return _hours(domain).deadline(created_at, domain.policy.tickets.escalation_working_days)


def _days_text(hours: WorkingHours, _: Translator) -> str:
    days = hours.weekdays
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return _(WEEKDAY_LABELS[days[0]]) + "–" + _(WEEKDAY_LABELS[days[-1]])
    return ", ".join(_(WEEKDAY_LABELS[day]) for day in days)


def _number_text(value: float, _: Translator) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if _.lang == "id" else text


def expected_answer(domain: Domain, now: datetime, lang: str) -> str:
    """E.g. "paling lambat 2 hari kerja (Senin–Jumat, 08.00–16.00 WIB)", from policy."""
    _ = Translator(lang)
    hours = _hours(domain)
    return _("paling lambat {days} hari kerja ({weekdays}, {opens}–{closes} WIB)").format(
        days=_number_text(domain.policy.tickets.first_response_working_days, _),
        weekdays=_days_text(hours, _),
        opens=hours.opens.strftime("%H.%M"),
        closes=hours.closes.strftime("%H.%M"),
    )


def _view(
    ticket: models.Ticket,
    question: str,
    now: datetime,
    *,
    erased: bool = False,
    moves: Sequence[tuple[str, str]] = (),
) -> TicketView:
    created = aware(ticket.created_at) or now
    return TicketView(
        id=ticket.id,
        number=ticket_number(ticket.id),
        kode_kelurahan=ticket.kode_kelurahan,
        kelurahan=kelurahan_name(ticket.kode_kelurahan),
        channel=ticket.channel,
        topic=ticket.topic,
        state=ticket.state,
        age=max(now - created, timedelta(0)),
        created_at=created,
        first_response_at=aware(ticket.first_response_at),
        question=question[:PREVIEW_CHARS],
        shared_status=ticket.shared_status,
        assignee_staff_id=ticket.assignee_staff_id,
        due_at=aware(ticket.due_at),
        closed_at=aware(ticket.closed_at),
        rating=ticket.rating,
        lang=ticket.lang,
        erased=erased,
        transferred_from=moves[0][0] if moves else "",
        transfers=len(moves),
    )


async def _views(uow: UnitOfWork, tickets: Sequence[models.Ticket], now: datetime) -> list[TicketView]:
    questions = await uow.tickets.questions(t.id for t in tickets)
    erased = await uow.tickets.erased(t.id for t in tickets if not t.user_key)
    moves = await uow.tickets.transfers(t.id for t in tickets)
    return [_view(t, questions.get(t.id, ""), now, erased=t.id in erased, moves=moves.get(t.id, ())) for t in tickets]


async def _one_view(uow: UnitOfWork, ticket: models.Ticket, now: datetime) -> TicketView:
    return (await _views(uow, [ticket], now))[0]


# A long digit run, digits possibly grouped by spaces, dots or dashes ("3275 0141 0190 0001", "0812-3456-7890").
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ .\-]?\d)*(?!\d)")
NIK_DIGITS = 16
PHONE_DIGITS = range(10, 14)


def redact(text: str, *, phones: bool) -> str:
    """The text as it may be stored: a NIK or KK number (16 digits) becomes `3275********0001`; with
    `phones` (a citizen's text), a phone-length run (10–13 digits) keeps only its last four. Staff texts keep
    phone numbers: an answer may give the office's own."""

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) == NIK_DIGITS:
            return mask_nik(digits)
        if phones and len(digits) in PHONE_DIGITS:
            return "*" * (len(digits) - 4) + digits[-4:]
        return match.group(0)

    return _DIGIT_RUN.sub(replace, text)


def _check_text(text: str) -> TicketError | None:
    if not text.strip():
        return TicketError.EMPTY
    if len(text.strip()) > MAX_TEXT:
        return TicketError.TOO_LONG
    return None


# Scope: the one place that decides which tickets a staff chat may see -------------------------------------

ALL_KELURAHAN = None


def _scope(staff: models.Staff) -> str | None:
    """The kelurahan a staff chat acts on; None (all) for an admin. A revoked chat sees nothing."""
    if staff.revoked_at is not None:
        return "-"
    return ALL_KELURAHAN if staff.role == "admin" else (staff.kode_kelurahan or "-")


def _in_scope(scope: str | None, ticket: models.Ticket | None) -> models.Ticket | None:
    if ticket is None or (scope is not None and ticket.kode_kelurahan != scope):
        return None
    return ticket


async def _load(uow: UnitOfWork, scope: str | None, ticket_id: int, *, lock: bool = False) -> models.Ticket | None:
    return _in_scope(scope, await uow.tickets.get(ticket_id, lock=lock))


# Messages out ---------------------------------------------------------------------------------------------


def _staff_buttons(ticket_id: int, _: Translator) -> list[tuple[str, str]]:
    return [(f"tiket_balas:{ticket_id}", _("Balas")), (f"tiket_ambil:{ticket_id}", _("Ambil"))]


def _age_text(age: timedelta, _: Translator) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return _("{n} menit").format(n=minutes)
    if minutes < 48 * 60:
        return _("{n} jam").format(n=minutes // 60)
    return _("{n} hari").format(n=minutes // (24 * 60))


def _channel_label(channel: str) -> str:
    return {"telegram": "Telegram", "whatsapp": "WhatsApp"}.get(channel, channel)


def _staff_notice_text(view: TicketView, headline: str, _: Translator) -> str:
    lines = [
        headline,
        _("Kelurahan {name} · {channel} · umur {age}").format(
            name=view.kelurahan, channel=_channel_label(view.channel), age=_age_text(view.age, _)
        ),
    ]
    if view.topic:
        lines.append(_("Topik: {topic}").format(topic=view.topic))
    if view.shared_status:
        label = STATUS_LABELS.get(view.shared_status)
        lines.append(
            _("Status kelayakan (dibagikan warga): {status}").format(status=_(label) if label else view.shared_status)
        )
    lines += ["", view.question, "", _("Balas pesan ini untuk menjawab, atau tekan “Balas”.")]
    return "\n".join(lines)


async def _tell(
    uow: UnitOfWork,
    ticket_id: int,
    kind: str,
    text: str,
    recipients: Sequence[tuple[str, str]],
    now: datetime,
    *,
    buttons: Sequence[tuple[str, str]] = (),
    template: str = "",
) -> int | None:
    """Queue one direct message and remember it belongs to this ticket (for reply-to)."""
    if not recipients:
        return None
    broadcast_id = await uow.outbox.enqueue_direct(kind, text, recipients, now, buttons=buttons, template=template)
    await uow.tickets.add_notice(ticket_id, broadcast_id)
    return broadcast_id


Headline = Callable[[Translator], str]


async def _tell_staff(
    uow: UnitOfWork,
    view: TicketView,
    headline: Headline,
    chats: Sequence[tuple[str, str, str]],
    now: datetime,
    kind: str,
) -> None:
    """One notice per language the staff chats use (each chat in its own)."""
    by_language: dict[str, list[tuple[str, str]]] = {}
    for channel, user_key, lang in chats:
        by_language.setdefault(normalise_language(lang), []).append((channel, user_key))
    for lang, recipients in sorted(by_language.items()):
        _ = Translator(lang)
        text = _staff_notice_text(view, headline(_), _)
        # Outside WhatsApp's window: the staff template with the number (never the question, never cut).
        await _tell(
            uow,
            view.id,
            kind,
            text,
            recipients,
            now,
            buttons=_staff_buttons(view.id, _),
            template=staff_template(view.number),
        )


class _StaffDirectory:
    """The staff chats of each kelurahan (and the admins), looked up once per unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._chats: dict[str | None, list[tuple[str, str, str]]] = {}

    async def chats(self, kode_kelurahan: str | None) -> list[tuple[str, str, str]]:
        if kode_kelurahan not in self._chats:
            self._chats[kode_kelurahan] = await self.uow.tickets.staff_chats(kode_kelurahan)
        return self._chats[kode_kelurahan]


async def _notify_staff(
    uow: UnitOfWork,
    view: TicketView,
    headline: Headline,
    now: datetime,
    kind: str,
    directory: _StaffDirectory | None = None,
) -> int:
    """The kelurahan's staff chats; when it has none yet, the admins, so a question is never unseen."""
    directory = directory or _StaffDirectory(uow)
    chats = await directory.chats(view.kode_kelurahan) or await directory.chats(ALL_KELURAHAN)
    if not chats:
        log.warning(
            "ticket %s: kelurahan %s has no staff chat and the city no admin: nobody was told "
            "(invite one with `sigap staff invite`)",
            view.id,
            view.kode_kelurahan,
        )
    await _tell_staff(uow, view, headline, chats, now, kind)
    return len(chats)


async def _tell_citizen(
    uow: UnitOfWork,
    ticket: models.Ticket,
    kind: str,
    text: str,
    now: datetime,
    *,
    buttons: Sequence[tuple[str, str]] = (),
    template: str = "",
) -> None:
    if ticket.user_key:  # "" once the citizen erased their data
        await _tell(
            uow, ticket.id, kind, text, [(ticket.channel, ticket.user_key)], now, buttons=buttons, template=template
        )


# Citizen side ---------------------------------------------------------------------------------------------


async def open_ticket(
    uow: UnitOfWork,
    *,
    domain: Domain,
    channel: str,
    user_key: str,
    lang: str,
    kode_kelurahan: str,
    topic: str,
    text: str,
    now: datetime,
    shared_status: str | None = None,
    shared_nik_hmac: bytes | None = None,
) -> TicketView:
    """Store the question and queue the notice to that kelurahan's staff chats (and only theirs). Long
    numbers in it (NIK, KK, phone) are masked first (`redact`): no raw identifier reaches the database.

    Raises TicketInputError: EMPTY, TOO_LONG (over MAX_TEXT characters), UNKNOWN_KELURAHAN.
    `shared_status`/`shared_nik_hmac` only when the citizen verified and agreed to share (the caller's
    decision); the NIK only as its HMAC."""
    problem = _check_text(text)
    if problem is not None:
        raise TicketInputError(problem)
    if domain.wilayah.get(kode_kelurahan) is None:
        raise TicketInputError(TicketError.UNKNOWN_KELURAHAN)
    question = redact(text.strip(), phones=True)
    ticket = await uow.tickets.add(
        models.Ticket(
            kode_kelurahan=kode_kelurahan,
            channel=channel,
            user_key=user_key,
            lang=lang,
            topic=topic[:40],
            state="open",
            shared_status=shared_status if shared_status else None,
            shared_nik_hmac=shared_nik_hmac if shared_status else None,
            created_at=now,
            updated_at=now,
            due_at=answer_due(domain, now),
            escalate_at=escalation_due(domain, now),
        )
    )
    await uow.tickets.add_message(
        models.TicketMessage(ticket_id=ticket.id, author="citizen", text=question, created_at=now)
    )
    view = _view(ticket, question, now)
    chats = await _notify_staff(
        uow, view, lambda _: _("🆕 Pertanyaan warga, tiket {number}").format(number=view.number), now, KIND_NOTICE
    )
    log.info("ticket %s opened for kelurahan %s (%s staff chats told)", ticket.id, kode_kelurahan, chats)
    return view


async def share_status(
    uow: UnitOfWork, channel: str, user_key: str, ticket_id: int, status: str, nik_hmac: bytes
) -> bool:
    """The citizen agreed, after asking, that the officer may see their eligibility status (the NIK only as
    its HMAC): added to their own open ticket. False when the ticket is closed or not theirs."""
    shared = await uow.tickets.share_status(ticket_id, channel, user_key, status, nik_hmac)
    if shared:
        log.info("ticket %s: the citizen shared their eligibility status", ticket_id)
    return shared


async def open_ticket_of(
    uow: UnitOfWork, channel: str, user_key: str, now: datetime | None = None
) -> TicketView | None:
    """The citizen's ticket that is not closed (the latest), if any."""
    ticket = await uow.tickets.not_closed_of(channel, user_key)
    return await _one_view(uow, ticket, now or utcnow()) if ticket is not None else None


async def add_citizen_message(uow: UnitOfWork, ticket_id: int, text: str, now: datetime) -> TicketView:
    """Append a follow-up from the citizen; the assignee (or else the kelurahan's staff) gets a short notice.

    Raises TicketInputError: EMPTY, TOO_LONG, NOT_FOUND, CLOSED."""
    problem = _check_text(text)
    if problem is not None:
        raise TicketInputError(problem)
    ticket = await uow.tickets.get(ticket_id, lock=True)
    if ticket is None or not ticket.user_key:
        raise TicketInputError(TicketError.NOT_FOUND)
    if ticket.state == "closed":
        raise TicketInputError(TicketError.CLOSED)
    addition = redact(text.strip(), phones=True)
    await uow.tickets.add_message(
        models.TicketMessage(ticket_id=ticket.id, author="citizen", text=addition, created_at=now)
    )
    if ticket.state == "answered":
        ticket.state = "open"  # waiting for staff again
    ticket.updated_at = now
    view = _view(ticket, addition, now)

    def headline(_: Translator) -> str:
        return _("💬 Pesan baru dari warga, tiket {number}").format(number=view.number)

    assignee = await uow.staff.get(ticket.assignee_staff_id) if ticket.assignee_staff_id else None
    chat = (assignee.channel, assignee.user_key) if assignee is not None else None
    own = [row for row in await uow.tickets.staff_chats(ticket.kode_kelurahan) if row[:2] == chat]
    if assignee is not None and own and _in_scope(_scope(assignee), ticket) is not None:
        await _tell_staff(uow, view, headline, own, now, KIND_NOTICE)
    else:
        await _notify_staff(uow, view, headline, now, KIND_NOTICE)
    log.info("ticket %s: citizen message added", ticket.id)
    return await _one_view(uow, ticket, now)


async def answers_since(uow: UnitOfWork, channel: str, user_key: str, ticket_id: int, since: datetime) -> list[str]:
    """The staff answers on this chat's own ticket written after `since`, oldest first (e.g. those that went
    as the WhatsApp template, which carries only the ticket number). Another chat's ticket: none."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None or not ticket.user_key or (ticket.channel, ticket.user_key) != (channel, user_key):
        return []
    return [
        m.text
        for m in await uow.tickets.messages(ticket_id)
        if m.author == "staff" and (aware(m.created_at) or since) > since
    ]


async def rating_pending(uow: UnitOfWork, channel: str, user_key: str, now: datetime | None = None) -> int | None:
    """The ticket a typed 👍/👎 ("membantu", "tidak membantu") from this chat would rate: its newest ticket,
    when that is closed, not yet rated, and closed within `RATING_WAIT`; else None. The chat side calls
    it for a message that reads as a vote (`typed_vote`), then `rate`."""
    return await uow.tickets.unrated_closed_of(channel, user_key, (now or utcnow()) - RATING_WAIT)


_UP = {"👍", "membantu", "sangat membantu", "cukup membantu", "helpful", "yes helpful", "very helpful"}
_DOWN = {"👎", "tidak membantu", "ga membantu", "gak membantu", "nggak membantu", "kurang membantu"}
_DOWN |= {"tdk membantu", "not helpful", "unhelpful"}
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")


def typed_vote(text: str) -> bool | None:
    """A typed answer to "Apakah jawaban ini membantu?": True (👍, "membantu"), False (👎, "tidak membantu"),
    None when the message is not a bare vote."""
    said = " ".join(_SKIN_TONES.sub("", text).lower().strip(" .!?,").split())
    if said in _DOWN or (said and set(said) <= {"👎", " "}):
        return False
    if said in _UP or (said and set(said) <= {"👍", " "}):
        return True
    return None


async def rate(uow: UnitOfWork, channel: str, user_key: str, ticket_id: int, up: bool, now: datetime) -> bool:
    """The citizen's 👍/👎 after close: once, and only by the ticket's own citizen."""
    done = await uow.tickets.rate(ticket_id, channel, user_key, "up" if up else "down", now)
    if done:
        log.info("ticket %s rated", ticket_id)
    return done


async def _forget(uow: UnitOfWork, ticket_ids: Sequence[int], now: datetime, *, close: bool) -> int:
    """The tickets' texts, their notices and their chat go, with the copies in the direct messages that
    carried them (those still queued are not sent); the anonymous rows stay for the report."""
    await uow.outbox.forget_texts(await uow.tickets.broadcasts_of(ticket_ids))
    return await uow.tickets.forget(ticket_ids, now, close=close)


async def erase_of(uow: UnitOfWork, channel: str, user_key: str, now: datetime | None = None) -> int:
    """ "Hapus data saya": delete the citizen's ticket texts and the link to their chat (open tickets close);
    the anonymous counts stay for the report. The number of tickets affected."""
    count = await _forget(uow, await uow.tickets.of_chat(channel, user_key), now or utcnow(), close=True)
    if count:
        log.info("erased the texts of %s tickets", count)
    return count


async def prune_texts(uow: UnitOfWork, closed_before: datetime, now: datetime) -> int:
    """Retention: tickets closed before `closed_before` lose their texts and their chat."""
    return await _forget(uow, await uow.tickets.closed_with_texts(closed_before), now, close=False)


# Staff side -----------------------------------------------------------------------------------------------


async def list_for_staff(
    uow: UnitOfWork,
    staff: models.Staff,
    *,
    states: Sequence[str] = OPEN_STATES,
    limit: int = 10,
    now: datetime | None = None,
) -> list[TicketView]:
    """The tickets this staff chat may see, oldest first."""
    scope = _scope(staff)
    tickets = await uow.tickets.search(scope, states, limit=limit)
    return await _views(uow, tickets, now or utcnow())


async def get_for_staff(
    uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime | None = None
) -> TicketDetail | None:
    """The ticket with its messages (notes included); None when missing or out of scope."""
    ticket = await _load(uow, _scope(staff), ticket_id)
    return await _detail(uow, ticket, now or utcnow()) if ticket is not None else None


async def _detail(uow: UnitOfWork, ticket: models.Ticket, now: datetime) -> TicketDetail:
    messages = [
        TicketMessageView(m.author, m.staff_id, m.text, aware(m.created_at) or now)
        for m in await uow.tickets.messages(ticket.id)
    ]
    question = next((m.text for m in messages if m.author == "citizen"), "")
    erased = not ticket.user_key and ticket.id in await uow.tickets.erased([ticket.id])
    return TicketDetail(_view(ticket, question, now, erased=erased), messages)


async def ticket_of_reply(
    uow: UnitOfWork, staff: models.Staff, channel: str, user_key: str, reply_to: str
) -> int | None:
    """The ticket whose notice this staff chat replied to (by the platform id of our message), in scope."""
    if not reply_to:
        return None
    broadcast_id = await uow.outbox.broadcast_of_platform_message(channel, user_key, reply_to)
    if broadcast_id is None:
        return None
    ticket_id = await uow.tickets.ticket_of_broadcast(broadcast_id)
    if ticket_id is None:
        return None
    return ticket_id if await _load(uow, _scope(staff), ticket_id) is not None else None


async def _for_change(
    uow: UnitOfWork, staff: models.Staff, ticket_id: int
) -> tuple[models.Ticket | None, TicketError | None]:
    """The ticket locked for a change by this staff chat, or why not."""
    ticket = await _load(uow, _scope(staff), ticket_id, lock=True)
    if ticket is None:
        return None, TicketError.NOT_FOUND
    if ticket.state == "closed":
        return ticket, TicketError.CLOSED
    return ticket, None


async def take(uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime) -> TicketResult:
    """Assign the ticket to this staff chat. Another staff member's ticket: TAKEN_BY_OTHER (admins may)."""
    ticket, error = await _for_change(uow, staff, ticket_id)
    if ticket is None or error is not None:
        return TicketResult(error=error)
    if ticket.assignee_staff_id not in (None, staff.id) and staff.role != "admin":
        return TicketResult(await _one_view(uow, ticket, now), TicketError.TAKEN_BY_OTHER)
    ticket.assignee_staff_id = staff.id
    ticket.updated_at = now
    log.info("ticket %s taken by staff %s", ticket.id, staff.id)
    return TicketResult(await _one_view(uow, ticket, now))


async def reply(uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime, text: str) -> TicketResult:
    """Queue the answer to the citizen (a direct message; on WhatsApp outside the 24-hour window the ticket
    template) and set the first response time once. The ticket row is locked first: two staff answering at
    once are serialised, both answers kept and each sent once."""
    problem = _check_text(text)
    if problem is not None:
        return TicketResult(error=problem)
    ticket, error = await _for_change(uow, staff, ticket_id)
    if ticket is None or error is not None:
        return TicketResult(error=error)
    body = redact(text.strip(), phones=False)
    await uow.tickets.add_message(
        models.TicketMessage(ticket_id=ticket.id, author="staff", staff_id=staff.id, text=body, created_at=now)
    )
    ticket.state = "answered"
    ticket.updated_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_staff_id is None:
        ticket.assignee_staff_id = staff.id
    _ = Translator(ticket.lang)
    message = "\n".join(
        [
            _("💬 Jawaban petugas Kelurahan {name} untuk tiket {number}:").format(
                name=kelurahan_name(ticket.kode_kelurahan), number=ticket_number(ticket.id)
            ),
            "",
            body,
            "",
            _("Balas pesan ini jika masih ada yang ingin ditanyakan."),
        ]
    )
    await _tell_citizen(uow, ticket, KIND_REPLY, message, now, template=ticket_template(ticket_number(ticket.id)))
    log.info("ticket %s answered by staff %s", ticket.id, staff.id)
    return TicketResult(await _one_view(uow, ticket, now))


async def note(uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime, text: str) -> TicketResult:
    """An internal note: staff only, never sent to the citizen."""
    problem = _check_text(text)
    if problem is not None:
        return TicketResult(error=problem)
    ticket = await _load(uow, _scope(staff), ticket_id, lock=True)
    if ticket is None:
        return TicketResult(error=TicketError.NOT_FOUND)
    await uow.tickets.add_message(
        models.TicketMessage(
            ticket_id=ticket.id,
            author="note",
            staff_id=staff.id,
            text=redact(text.strip(), phones=False),
            created_at=now,
        )
    )
    ticket.updated_at = now
    return TicketResult(await _one_view(uow, ticket, now))


async def transfer(
    uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime, kode_kelurahan: str
) -> TicketResult:
    """Hand the ticket to another kelurahan: its staff are told, the assignment is cleared, the deadline
    stays (the citizen has been waiting since they asked). Afterwards it is out of the sender's scope."""
    ticket, error = await _for_change(uow, staff, ticket_id)
    if ticket is None or error is not None:
        return TicketResult(error=error)
    if load_wilayah().get(kode_kelurahan) is None:
        return TicketResult(error=TicketError.UNKNOWN_KELURAHAN)
    if kode_kelurahan == ticket.kode_kelurahan:
        return TicketResult(error=TicketError.SAME_KELURAHAN)
    _ = Translator("id")
    previous = ticket.kode_kelurahan
    await uow.tickets.add_message(
        models.TicketMessage(
            ticket_id=ticket.id,
            author="system",
            staff_id=staff.id,
            text=_("Dipindahkan dari Kelurahan {old} ke Kelurahan {new}.").format(
                old=kelurahan_name(previous), new=kelurahan_name(kode_kelurahan)
            ),
            created_at=now,
        )
    )
    await uow.tickets.add_transfer(ticket.id, previous, kode_kelurahan, now)
    ticket.kode_kelurahan = kode_kelurahan
    ticket.assignee_staff_id = None
    ticket.updated_at = now
    if ticket.first_response_at is None:
        ticket.reminded_at = None  # the new kelurahan gets its own reminder
    view = await _one_view(uow, ticket, now)
    await _notify_staff(
        uow,
        view,
        lambda _: _("↪️ Tiket {number} dipindahkan ke kelurahan Anda dari Kelurahan {old}").format(
            number=view.number, old=kelurahan_name(previous)
        ),
        now,
        KIND_NOTICE,
    )
    _ = Translator(ticket.lang)  # the citizen is told in their own language which kelurahan answers now
    moved = _("Tiket {number} Anda sekarang ditangani petugas Kelurahan {name}. Jawabannya akan dikirim di sini.")
    await _tell_citizen(
        uow,
        ticket,
        KIND_TRANSFER,
        moved.format(number=view.number, name=view.kelurahan),
        now,
        template=ticket_template(view.number),
    )
    log.info("ticket %s transferred from %s to %s", ticket.id, previous, kode_kelurahan)
    return TicketResult(view)


async def close(uow: UnitOfWork, staff: models.Staff, ticket_id: int, now: datetime) -> TicketResult:
    """Close the ticket and ask the citizen one question: was the answer helpful (👍/👎)?"""
    ticket, error = await _for_change(uow, staff, ticket_id)
    if ticket is None or error is not None:
        return TicketResult(error=error)
    ticket.state = "closed"
    ticket.closed_at = now
    ticket.updated_at = now
    _ = Translator(ticket.lang)
    question = _("Tiket {number} sudah ditutup oleh petugas. Apakah jawaban ini membantu?").format(
        number=ticket_number(ticket.id)
    )
    await _ask_rating(uow, ticket, question, now)
    log.info("ticket %s closed by staff %s", ticket.id, staff.id)
    return TicketResult(await _one_view(uow, ticket, now))


async def _ask_rating(uow: UnitOfWork, ticket: models.Ticket, question: str, now: datetime) -> None:
    buttons = [(f"tiket_nilai:{ticket.id}:up", "👍"), (f"tiket_nilai:{ticket.id}:down", "👎")]
    # Outside WhatsApp's window: the ticket template; the citizen's next message shows the question with its
    # buttons (`take_unread`), and a typed 👍/👎 counts too (`rating_pending`, `typed_vote`).
    await _tell_citizen(
        uow, ticket, KIND_RATING, question, now, buttons=buttons, template=ticket_template(ticket_number(ticket.id))
    )


async def close_quiet(uow: UnitOfWork, now: datetime, domain: Domain, *, limit: int | None = None) -> list[int]:
    """Close the answered tickets the citizen has not written to for `close_answered_after_days`, each with
    the one rating question, once even across processes. The ids closed (at most `limit`)."""
    days = domain.policy.tickets.close_answered_after_days
    if days <= 0:
        return []
    before = now - timedelta(days=days)
    closed = await uow.tickets.close_quiet(await uow.tickets.quiet_answered(before, limit), before, now)
    for ticket_id in closed:
        ticket = await uow.tickets.get(ticket_id, lock=True)  # fresh from the row this call just closed
        if ticket is None or not ticket.user_key:
            continue
        _ = Translator(ticket.lang)
        question = _(
            "Tiket {number} kami tutup karena tidak ada pesan lagi selama {days} hari. "
            'Apakah jawaban petugas membantu? Kalau masih perlu bantuan, ketik "tanya petugas".'
        ).format(number=ticket_number(ticket.id), days=days)
        await _ask_rating(uow, ticket, question, now)
    return closed  # counted in the hourly job's log line


# Timers ---------------------------------------------------------------------------------------------------


async def run_sla(uow: UnitOfWork, now: datetime, domain: Domain, *, limit: int | None = None) -> SlaRun:
    """Reminders to the kelurahan's staff for unanswered tickets past the first-response deadline, and
    escalation to the admins at twice the deadline: each once per ticket, even across processes (the
    timestamp is claimed with a guarded UPDATE before the message is queued, in the same transaction).

    With `limit`, at most that many tickets in this unit of work (`SlaRun.more`: call again in a new one),
    so a backlog does not hold the database's write lock for long."""
    run = SlaRun()
    tickets = await uow.tickets.past_due(now, limit)
    run.more = limit is not None and len(tickets) == limit
    views = {view.id: view for view in await _views(uow, tickets, now)}
    directory = _StaffDirectory(uow)
    reminders = await uow.tickets.stamp_once(
        "reminded_at", [t.id for t in tickets if t.reminded_at is None and (aware(t.due_at) or now) <= now], now
    )
    escalations = await uow.tickets.stamp_once(
        "escalated_at", [t.id for t in tickets if t.escalated_at is None and (aware(t.escalate_at) or now) <= now], now
    )
    for ticket_id in reminders:
        view = views[ticket_id]

        def reminder(_: Translator, view: TicketView = view) -> str:
            return _("⏰ Tiket {number} belum dijawab dan sudah lewat batas waktu ({expected}).").format(
                number=view.number, expected=expected_answer(domain, now, _.lang)
            )

        await _notify_staff(uow, view, reminder, now, KIND_SLA, directory)
        run.reminded.append(ticket_id)
    admins = await directory.chats(ALL_KELURAHAN) if escalations else []
    if escalations and not admins:
        log.warning("%s tickets are due for escalation, but the city has no admin chat", len(escalations))
    for ticket_id in escalations:
        view = views[ticket_id]

        def escalation(_: Translator, view: TicketView = view) -> str:
            return _("🚨 Eskalasi: tiket {number} belum dijawab setelah 2× batas waktu.").format(number=view.number)

        await _tell_staff(uow, view, escalation, admins, now, KIND_SLA)
        run.escalated.append(ticket_id)
    run.closed = await close_quiet(uow, now, domain, limit=limit)
    run.more = run.more or (limit is not None and len(run.closed) == limit)
    if run.reminded or run.escalated:
        log.info("ticket timers: %s reminders, %s escalations", len(run.reminded), len(run.escalated))
    return run


# Operator side (the CLI acts as an admin) -----------------------------------------------------------------


async def search(
    uow: UnitOfWork,
    *,
    kode_kelurahan: str | None = None,
    states: Sequence[str] = STATES,
    older_than: timedelta | None = None,
    now: datetime,
    limit: int | None = None,
) -> list[TicketView]:
    """Every kelurahan's tickets for the operator (`sigap tickets list|export`), oldest first."""
    before = now - older_than if older_than is not None else None
    tickets = await uow.tickets.search(kode_kelurahan, states, created_before=before, limit=limit)
    return await _views(uow, tickets, now)


async def detail(uow: UnitOfWork, ticket_id: int, now: datetime) -> TicketDetail | None:
    """One ticket with its messages, for the operator (`sigap tickets show`)."""
    ticket = await _load(uow, ALL_KELURAHAN, ticket_id)
    return await _detail(uow, ticket, now) if ticket is not None else None
