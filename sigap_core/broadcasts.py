"""Kelurahan staff and their broadcasts: invites, scope, audiences, the durable outbox.

Scope is checked here, in one place, for every use (chat and CLI): staff act only on their own kelurahan,
admins on all. A broadcast another kelurahan owns is reported as "not found", never as "forbidden", so
staff cannot even learn that it exists.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from sigap_core.eligibility import Status
from sigap_core.i18n import Translator
from sigap_core.services import Domain, check
from sigap_core.store import models
from sigap_core.store.repositories import UnitOfWork, aware

ROLES = ("staff", "admin")
AUDIENCES = ("all", "eligible", "enrolled", "needs_update")
INVITE_DAYS = 7
MAX_TEXT = 1000
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
    uow.session.add(invite)
    await uow.session.flush()
    return code, invite


async def redeem_invite(
    uow: UnitOfWork, domain: Domain, code: str, channel: str, user_key: str, now: datetime
) -> models.Staff:
    digest = domain.hasher.token("invite", normalise_code(code))
    invite = (
        await uow.session.execute(select(models.StaffInvite).where(models.StaffInvite.code_hmac == digest))
    ).scalar_one_or_none()
    if invite is None:
        raise BroadcastError("invite_unknown")
    if invite.used_at is not None:
        raise BroadcastError("invite_used")
    if (aware(invite.expires_at) or now) < now:
        raise BroadcastError("invite_expired")
    # Single use even under concurrency: only one UPDATE can move used_at from NULL.
    claimed = await uow.session.execute(
        update(models.StaffInvite)
        .where(models.StaffInvite.id == invite.id, models.StaffInvite.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise BroadcastError("invite_used")
    staff = await staff_of(uow, channel, user_key, include_revoked=True)
    if staff is None:
        staff = models.Staff(channel=channel, user_key=user_key)
        uow.session.add(staff)
    staff.role = invite.role
    staff.kode_kelurahan = invite.kode_kelurahan
    staff.invite_id = invite.id
    staff.created_at = now
    staff.revoked_at = None
    await uow.session.flush()
    return staff


async def staff_of(uow: UnitOfWork, channel: str, user_key: str, include_revoked: bool = False) -> models.Staff | None:
    query = select(models.Staff).where(models.Staff.channel == channel, models.Staff.user_key == user_key)
    if not include_revoked:
        query = query.where(models.Staff.revoked_at.is_(None))
    return (await uow.session.execute(query)).scalar_one_or_none()


def actor_for(staff: models.Staff) -> Actor:
    return Actor(staff.role, staff.kode_kelurahan, f"{staff.channel}:{staff.user_key}")


async def list_staff(uow: UnitOfWork) -> list[models.Staff]:
    return list((await uow.session.execute(select(models.Staff).order_by(models.Staff.id))).scalars())


async def revoke_staff(uow: UnitOfWork, staff_id: int, now: datetime) -> models.Staff:
    staff = await uow.session.get(models.Staff, staff_id)
    if staff is None:
        raise BroadcastError("staff_unknown")
    staff.revoked_at = now
    return staff


# Audiences and broadcasts ---------------------------------------------------------------------------


async def audiences(
    uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, today: date, *, targeted: bool = True
) -> dict[str, list[tuple[str, str]]]:
    """(channel, user_key) of the active subscribers in the kelurahan (or city), per audience, in one pass.

    Targeted audiences need the subscriber's status, so they include only subscribers whose chat is verified
    (a kept link); "all" includes every active subscriber. `targeted=False` skips the status checks.
    """
    query = select(models.Subscription.channel, models.Subscription.user_key).where(
        models.Subscription.status == "active"
    )
    if kode_kelurahan is not None:
        query = query.where(models.Subscription.kode_kelurahan == kode_kelurahan)
    subscribers = [(c, u) for c, u in (await uow.session.execute(query.order_by(models.Subscription.id))).all()]
    found: dict[str, list[tuple[str, str]]] = {audience: [] for audience in AUDIENCES}
    found["all"] = subscribers
    if not targeted:
        return found
    links = await uow.links.live_by_chat(kode_kelurahan)  # one statement, not one per subscriber
    for channel, user_key in subscribers:
        nik_hmac = links.get((channel, user_key))
        if nik_hmac is None:
            continue
        decision = await check(uow, domain, nik_hmac, today)
        if decision.is_eligible:
            found["eligible"].append((channel, user_key))
        elif decision.status is Status.ENROLLED:
            found["enrolled"].append((channel, user_key))
        elif decision.needs_data_update:
            found["needs_update"].append((channel, user_key))
    return found


async def recipients(
    uow: UnitOfWork, domain: Domain, kode_kelurahan: str | None, audience: str, today: date
) -> list[tuple[str, str]]:
    """The subscribers one audience reaches (see `audiences`)."""
    if audience not in AUDIENCES:
        raise BroadcastError("bad_audience")
    return (await audiences(uow, domain, kode_kelurahan, today, targeted=audience != "all"))[audience]


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
    if not actor.may_act_on(kode_kelurahan):
        raise BroadcastError("out_of_scope")
    # Stored in UTC: SQLite keeps a datetime's wall-clock time and drops its zone, and is read back as UTC,
    # so 08:00 WIB from the chat's schedule would otherwise be sent at 15:00 WIB.
    send_at = send_at.astimezone(UTC)
    clean = validate_text(text)
    people = await recipients(uow, domain, kode_kelurahan, audience, today)
    broadcast = models.Broadcast(
        kode_kelurahan=kode_kelurahan,
        audience=audience,
        text=clean,
        created_by=actor.name,
        created_at=now,
        send_at=send_at,
        status="scheduled",
        reported=False,
    )
    uow.session.add(broadcast)
    await uow.session.flush()
    uow.session.add_all(
        models.Outbox(
            broadcast_id=broadcast.id,
            channel=channel,
            user_key=user_key,
            state="pending",
            attempts=0,
            reason="",
            next_attempt_at=send_at,
            recovered=False,
            updated_at=now,
        )
        for channel, user_key in people
    )
    if not people:
        broadcast.status = "done"
        broadcast.finished_at = now
    await uow.session.flush()
    return broadcast, len(people)


async def visible_broadcast(uow: UnitOfWork, actor: Actor, broadcast_id: int) -> models.Broadcast:
    broadcast = await uow.session.get(models.Broadcast, broadcast_id)
    if broadcast is None or not actor.may_act_on(broadcast.kode_kelurahan):
        raise BroadcastError("broadcast_unknown", id=broadcast_id)  # same answer: no existence leak
    return broadcast


async def list_broadcasts(uow: UnitOfWork, actor: Actor, limit: int = 20) -> list[models.Broadcast]:
    query = select(models.Broadcast).order_by(models.Broadcast.id.desc()).limit(limit)
    if not actor.is_admin:
        query = query.where(models.Broadcast.kode_kelurahan == actor.kode_kelurahan)
    return list((await uow.session.execute(query)).scalars())


async def counts(uow: UnitOfWork, broadcast_id: int) -> Counter[str]:
    rows = await uow.session.execute(
        select(models.Outbox.state, models.Outbox.recovered, func.count())
        .where(models.Outbox.broadcast_id == broadcast_id)
        .group_by(models.Outbox.state, models.Outbox.recovered)
    )
    result: Counter[str] = Counter()
    for state, recovered, n in rows.all():
        result[state] += n
        if recovered:
            result["recovered_after_crash"] += n
    return result


def sent_count(tally: Counter[str] | dict[str, int]) -> int:
    """Messages the platform accepted, whatever happened to them after (delivered, read)."""
    return tally.get("sent", 0) + tally.get("delivered", 0) + tally.get("read", 0)


async def cancel_broadcast(uow: UnitOfWork, actor: Actor, broadcast_id: int, now: datetime) -> Counter[str]:
    broadcast = await visible_broadcast(uow, actor, broadcast_id)
    if broadcast.status in ("done", "cancelled"):
        raise BroadcastError("broadcast_finished", id=broadcast_id)
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    await uow.session.execute(
        update(models.Outbox)
        .where(models.Outbox.broadcast_id == broadcast_id, models.Outbox.state == "pending")
        .values(state="cancelled", updated_at=now)
    )
    return await counts(uow, broadcast_id)
