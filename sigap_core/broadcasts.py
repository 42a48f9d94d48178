"""Kelurahan staff and their broadcasts: invites, scope, audiences, the durable outbox.

Scope is checked here, in one place, for every use (chat and CLI): staff act only on their own kelurahan,
admins on all. A broadcast another kelurahan owns is reported as "not found", never as "forbidden", so
staff cannot even learn that it exists.
"""

from __future__ import annotations

import asyncio
import secrets
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import Facts, RegistryPerson, Status, decide
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.audiences import SLICE, GroupKey
from sigap_core.store.repositories import UnitOfWork, aware

ROLES = ("staff", "admin")
AUDIENCES = ("all", "eligible", "enrolled", "needs_update")
INVITE_DAYS = 7
MAX_TEXT = 1000
# A broadcast's states: scheduled → sending → done, or cancelled; "empty" when it had no recipient at all
# (0 subscribers in its audience when it was confirmed): nothing was queued and nothing will be sent.
FINISHED = ("done", "cancelled", "empty")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


class BroadcastError(ValueError):
    """A user-caused problem; `code` selects the message."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff chat, or the CLI (an admin)."""

    role: str
    kode_kelurahan: str | None
    name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_on(self, kode_kelurahan: str | None) -> bool:
        return self.is_admin or (kode_kelurahan is not None and kode_kelurahan == self.kode_kelurahan)


CLI_ACTOR = Actor("admin", None, "cli")


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


async def create_invite(
    uow: UnitOfWork, domain: Domain, role: str, kode_kelurahan: str | None, now: datetime
) -> tuple[str, models.StaffInvite]:
    if role not in ROLES:
        raise BroadcastError("bad_role")
    if role == "staff" and (kode_kelurahan is None or domain.wilayah.get(kode_kelurahan) is None):
        raise BroadcastError("bad_kelurahan")
    code = new_code()
    invite = models.StaffInvite(
        code_hmac=domain.hasher.token("invite", code),
        role=role,
        kode_kelurahan=kode_kelurahan if role == "staff" else None,
        created_at=now,
        expires_at=now + timedelta(days=INVITE_DAYS),
    )
    return code, await uow.staff.add_invite(invite)


async def redeem_invite(
    uow: UnitOfWork, domain: Domain, code: str, channel: str, user_key: str, now: datetime
) -> models.Staff:
    invite = await uow.staff.invite_by_code(domain.hasher.token("invite", normalise_code(code)))
    if invite is None:
        raise BroadcastError("invite_unknown")
    if invite.used_at is not None:
        raise BroadcastError("invite_used")
    if (aware(invite.expires_at) or now) < now:
        raise BroadcastError("invite_expired")
    if not await uow.staff.use_invite(invite.id, now):
        raise BroadcastError("invite_used")
    staff = await uow.staff.of_chat(channel, user_key, include_revoked=True) or models.Staff(
        channel=channel, user_key=user_key
    )
    staff.role = invite.role
    staff.kode_kelurahan = invite.kode_kelurahan
    staff.invite_id = invite.id
    staff.created_at = now
    staff.revoked_at = None
    return await uow.staff.add(staff)


async def staff_of(uow: UnitOfWork, channel: str, user_key: str, include_revoked: bool = False) -> models.Staff | None:
    return await uow.staff.of_chat(channel, user_key, include_revoked=include_revoked)


def actor_for(staff: models.Staff) -> Actor:
    return Actor(staff.role, staff.kode_kelurahan, f"{staff.channel}:{staff.user_key}")


async def list_staff(uow: UnitOfWork) -> list[models.Staff]:
    return await uow.staff.all()


async def revoke_staff(uow: UnitOfWork, staff_id: int, now: datetime) -> models.Staff:
    staff = await uow.staff.get(staff_id)
    if staff is None:
        raise BroadcastError("staff_unknown")
    staff.revoked_at = now
    return staff


# Audiences and broadcasts ---------------------------------------------------------------------------
#
# Set-based (#18): the store counts and queues a slice of subscriptions per statement, and `decide` runs once
# per distinct group of facts, not once per subscriber. Between slices the event loop runs other work.


class _Classifier:
    """The audience of a group of facts, decided once per group (the same `decide` a single check runs)."""

    def __init__(self, domain: Domain, today: date) -> None:
        self.domain = domain
        self.today = today
        self._seen: dict[GroupKey, str | None] = {}

    def audience(self, key: GroupKey) -> str | None:
        if key not in self._seen:
            self._seen[key] = self._decide(key)
        return self._seen[key]

    def _decide(self, key: GroupKey) -> str | None:
        kode, desil, pekerjaan, sigap, other = key
        far_future = date(9999, 12, 31)
        participations = []
        if sigap:
            participations.append(Participation("", Skema.SIGAP, (), self.today, far_future, True))
        if other:
            participations.append(Participation("", Skema.LAINNYA, (), self.today, far_future, True))
        person = RegistryPerson("", kode, desil, pekerjaan or "") if kode is not None and desil is not None else None
        decision = decide(Facts(person, participations), self.domain.policy, self.domain.wilayah, self.today)
        if decision.is_eligible:
            return "eligible"
        if decision.status is Status.ENROLLED:
            return "enrolled"
        if decision.needs_data_update:
            return "needs_update"
        return None


def _slices(bounds: tuple[int, int] | None) -> list[tuple[int, int]]:
    if bounds is None:
        return []
    low, high = bounds
    return [(start, min(start + SLICE - 1, high)) for start in range(low, high + 1, SLICE)]


# Counts computed ahead, while the staff member types the announcement: (kelurahan, day) → when, counts.
# A staff turn runs in a write transaction (on SQLite it holds the database's write lock), so a city-wide
# count inside it would make every citizen wait; counted ahead on a read unit, nobody waits.
COUNTS_FRESH = timedelta(minutes=2)
CacheKey = tuple[str, str | None, date]


@dataclass(frozen=True)
class _Ahead:
    """Audiences counted ahead: when, the counts, and the subscription ids of each targeted audience."""

    at: datetime
    counts: dict[str, int]
    members: dict[str, list[int]]


_ahead: dict[CacheKey, _Ahead] = {}
_counting: dict[CacheKey, asyncio.Task[_Ahead]] = {}


def count_ahead(uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, today: date) -> None:
    """Start counting the audiences of a kelurahan (or the city) on a read unit, in the background; the
    members of each targeted audience are kept too, so queueing it needs no status work either."""
    key = (uow.database, kode_kelurahan, today)
    if key in _counting and not _counting[key].done():
        return

    async def count() -> _Ahead:
        now = datetime.now(UTC)
        classify = _Classifier(domain, today)
        counts = dict.fromkeys(AUDIENCES, 0)
        members: dict[str, list[int]] = {audience: [] for audience in AUDIENCES if audience != "all"}
        async with uow.read_unit() as reader:
            for low, high in _slices(await reader.audiences.id_range(kode_kelurahan)):
                counts["all"] += await reader.audiences.count_all(kode_kelurahan, low, high)
                for subscription_id, group in await reader.audiences.verified(kode_kelurahan, low, high, now, today):
                    audience = classify.audience(group)
                    if audience is not None:
                        counts[audience] += 1
                        members[audience].append(subscription_id)
                await asyncio.sleep(0)
        for chosen in members.values():
            chosen.sort()  # sliced by id range when queued
        ahead = _Ahead(now, counts, members)
        _ahead[key] = ahead
        return ahead

    _counting[key] = asyncio.create_task(count())


async def finish_counting() -> None:
    """Wait for the counts still running in the background, before the store is closed: a staff member who
    opened a draft and left (batal, a question) never awaited theirs, and a count left running would open a
    connection on a closed database."""
    running = [task for task in _counting.values() if not task.done()]
    if running:
        await asyncio.gather(*running, return_exceptions=True)


async def _counted_ahead(uow: UnitOfWork, kode_kelurahan: str | None, today: date, now: datetime) -> _Ahead | None:
    key = (uow.database, kode_kelurahan, today)
    running = _counting.get(key)
    if running is not None and not running.done():
        await asyncio.shield(running)
    ahead = _ahead.get(key)
    return ahead if ahead is not None and now - ahead.at < COUNTS_FRESH else None


async def audience_counts(
    uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, today: date, now: datetime | None = None
) -> dict[str, int]:
    """How many active subscribers of the kelurahan (or city) each audience reaches.

    Targeted audiences need the subscriber's status, so they include only subscribers whose chat is verified
    (a kept link); "all" includes every active subscriber. A count made ahead (`count_ahead`) in the last two
    minutes is used as it is (opt-outs since are still honoured: the sender checks each one when sending)."""
    now = now or datetime.now(UTC)
    ahead = await _counted_ahead(uow, kode_kelurahan, today, now)
    if ahead is not None:
        return dict(ahead.counts)
    return await _count(uow, domain, kode_kelurahan, today, now)


async def _count(
    uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, today: date, now: datetime
) -> dict[str, int]:
    classify = _Classifier(domain, today)
    found = dict.fromkeys(AUDIENCES, 0)
    for low, high in _slices(await uow.audiences.id_range(kode_kelurahan)):
        found["all"] += await uow.audiences.count_all(kode_kelurahan, low, high)
        for key, n in (await uow.audiences.groups(kode_kelurahan, low, high, now, today)).items():
            audience = classify.audience(key)
            if audience is not None:
                found[audience] += n
        await asyncio.sleep(0)
    return found


async def _slice_members(
    uow: UnitOfWork,
    classify: _Classifier,
    kode_kelurahan: str | None,
    audience: str,
    low: int,
    high: int,
    now: datetime,
) -> list[int] | None:
    """The subscription ids of one slice an audience reaches; None for all of them."""
    if audience == "all":
        return None
    rows = await uow.audiences.verified(kode_kelurahan, low, high, now, classify.today)
    return [subscription_id for subscription_id, key in rows if classify.audience(key) == audience]


async def recipients(
    uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, audience: str, today: date
) -> list[tuple[str, str]]:
    """(channel, user_key) of the subscribers one audience reaches (see `audience_counts`)."""
    if audience not in AUDIENCES:
        raise BroadcastError("bad_audience")
    now = datetime.now(UTC)
    classify = _Classifier(domain, today)
    found: list[tuple[str, str]] = []
    for low, high in _slices(await uow.audiences.id_range(kode_kelurahan)):
        only = await _slice_members(uow, classify, kode_kelurahan, audience, low, high, now)
        found += await uow.audiences.members(kode_kelurahan, low, high, only)
    return found


def validate_text(text: str) -> str:
    clean = text.strip()
    if not clean:
        raise BroadcastError("text_empty")
    if len(clean) > MAX_TEXT:
        raise BroadcastError("text_too_long", length=len(clean), limit=MAX_TEXT)
    return clean


def announcement_text(_: Translator, domain: Domain, kode_kelurahan: str | None, text: str) -> str:
    """Exactly what citizens receive (the preview shows this same text)."""
    place = domain.wilayah.get(kode_kelurahan) if kode_kelurahan else None
    header = (
        _("📢 Pengumuman Kelurahan {kelurahan}").format(kelurahan=place.name)
        if place
        else _("📢 Pengumuman Pemkot Bekasi")
    )
    return header + "\n\n" + text + "\n\n" + _("(Kirim BERHENTI untuk berhenti menerima pengumuman.)")


async def create_broadcast(
    uow: UnitOfWork,
    domain: Domain,
    actor: Actor,
    kode_kelurahan: str | None,
    audience: str,
    text: str,
    send_at: datetime,
    now: datetime,
    today: date,
) -> tuple[models.Broadcast, int]:
    """The broadcast and its outbox rows, queued with one INSERT … SELECT per slice of subscribers."""
    if not actor.may_act_on(kode_kelurahan):
        raise BroadcastError("out_of_scope")
    # Stored in UTC: SQLite keeps a datetime's wall-clock time and drops its zone, and is read back as UTC,
    # so 08:00 WIB from the chat's schedule would otherwise be sent at 15:00 WIB.
    send_at = send_at.astimezone(UTC)
    if audience not in AUDIENCES:
        raise BroadcastError("bad_audience")
    clean = validate_text(text)
    broadcast = await uow.broadcasts.add(
        models.Broadcast(
            kode_kelurahan=kode_kelurahan,
            audience=audience,
            text=clean,
            created_by=actor.name,
            created_at=now,
            send_at=send_at,
            status="scheduled",
            reported=False,
        )
    )
    classify = _Classifier(domain, today)
    ahead = await _counted_ahead(uow, kode_kelurahan, today, now) if audience != "all" else None
    queued = 0
    for low, high in _slices(await uow.audiences.id_range(kode_kelurahan)):
        if ahead is not None:  # the members were found ahead: no status work while holding this transaction
            chosen = ahead.members[audience]
            only: list[int] | None = chosen[bisect_left(chosen, low) : bisect_right(chosen, high)]
        else:
            only = await _slice_members(uow, classify, kode_kelurahan, audience, low, high, now)
        queued += await uow.audiences.queue(broadcast.id, kode_kelurahan, low, high, send_at, now, only)
        await asyncio.sleep(0)
    if not queued:  # nobody to send it to: kept (the staff chose to), but never "done" as if it had gone out
        broadcast.status = "empty"
        broadcast.finished_at = now
    await uow.session.flush()
    return broadcast, queued


async def visible_broadcast(uow: UnitOfWork, actor: Actor, broadcast_id: int) -> models.Broadcast:
    broadcast = await uow.broadcasts.get(broadcast_id)
    # A direct message (ticket notice, an officer's answer) is no announcement: only the operator's CLI
    # (`sigap broadcast show`) follows its delivery; staff chats and the dashboard do not know it.
    hidden = broadcast is not None and broadcast.direct and actor.name != CLI_ACTOR.name
    if broadcast is None or hidden or not actor.may_act_on(broadcast.kode_kelurahan):
        raise BroadcastError("broadcast_unknown", id=broadcast_id)  # same answer: no existence leak
    return broadcast


async def list_broadcasts(uow: UnitOfWork, actor: Actor, limit: int = 20) -> list[models.Broadcast]:
    return await uow.broadcasts.recent(actor.kode_kelurahan, limit, everywhere=actor.is_admin)


async def counts(uow: UnitOfWork, broadcast_id: int) -> Counter[str]:
    """Outbox rows per delivery state, and `recovered_after_crash`: rows a dead sender's lease left in
    flight, sent again (some may have reached the recipient twice)."""
    return await uow.outbox.counts(broadcast_id)


def sent_count(tally: Counter[str] | dict[str, int]) -> int:
    """Messages the platform accepted, whatever happened to them after (delivered, read)."""
    return tally.get("sent", 0) + tally.get("delivered", 0) + tally.get("read", 0)


async def cancel_broadcast(uow: UnitOfWork, actor: Actor, broadcast_id: int, now: datetime) -> Counter[str]:
    broadcast = await visible_broadcast(uow, actor, broadcast_id)
    if broadcast.status in FINISHED:
        raise BroadcastError("broadcast_finished", id=broadcast_id)
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    await uow.outbox.cancel_pending(broadcast_id, now)
    return await counts(uow, broadcast_id)
