"""SQLAlchemy 2 models. No raw NIK, KK number or registry phone anywhere: HMAC digests only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RegistryPerson(Base):
    """One person of the current DTSEN snapshot. Replaced as a whole by each import (table swap)."""

    __tablename__ = "registry_person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nik_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    # HMAC(NIK + last 4 KK digits): verifies a chat without keeping the KK number in any form.
    kk4_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    phone_hmac: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    name_masked: Mapped[str] = mapped_column(String(80))
    kode_kelurahan: Mapped[str] = mapped_column(String(13))
    desil: Mapped[int] = mapped_column(SmallInteger)
    pekerjaan: Mapped[str] = mapped_column(String(120))
    line: Mapped[int] = mapped_column(Integer)  # also the id: unique within one extract
    # Index names carry the snapshot generation: SQLite cannot rename an index, and the swap builds the
    # new snapshot's indexes before the old table is dropped. Generation 0 is the empty table.
    __table_args__ = (Index("ix_registry_person_nik_g0", "nik_hmac"),)


class Participation(Base):
    """BPJS Ketenagakerjaan participation records of the current peserta snapshot."""

    __tablename__ = "participation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nik_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    kpj_masked: Mapped[str] = mapped_column(String(24))
    skema: Mapped[str] = mapped_column(String(10))
    program: Mapped[str] = mapped_column(String(40))
    tanggal_mulai: Mapped[date] = mapped_column(Date)
    tanggal_akhir: Mapped[date] = mapped_column(Date)
    aktif: Mapped[bool] = mapped_column(Boolean)
    line: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_participation_nik_g0", "nik_hmac"),)


class ImportRun(Base):
    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    report_path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # running | active | failed | superseded


class Conversation(Base):
    """Dialog state per (channel, user): survives restarts and is shared by all processes."""

    __tablename__ = "conversation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5), default="id")
    state: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the user last wrote to us: WhatsApp allows free-form messages only within 24 hours of it.
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # [id, label] of the choices last offered, so a typed "2" or a typed label presses that button.
    choices: Mapped[list[list[str]] | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("channel", "user_key"),)


class VerifiedLink(Base):
    """A chat that proved it holds a person's data (NIK + KK digits or own phone)."""

    __tablename__ = "verified_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    nik_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    method: Mapped[str] = mapped_column(String(8))
    keep: Mapped[bool] = mapped_column(Boolean, default=False)  # the user agreed to keep it for status
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "user_key"),)


class Subscription(Base):
    __tablename__ = "subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    kode_kelurahan: Mapped[str] = mapped_column(String(13), index=True)
    status: Mapped[str] = mapped_column(String(10))  # active | stopped | blocked
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "user_key"),)


class RateEvent(Base):
    """Counted events for rate limits (failed verifications, checks per day), across processes."""

    __tablename__ = "rate_event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_rate_event_scope_subject_at", "scope", "subject", "at"),)


class ProcessedUpdate(Base):
    """Incoming ids already handled (Telegram update_id, WhatsApp message id): processed once."""

    __tablename__ = "processed_update"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "external_id"),)


class AuditEvent(Base):
    """Who looked up what (as a digest) and what came of it — UU PDP accountability."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(32))
    nik_hmac: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    outcome: Mapped[str] = mapped_column(Text, default="")


class OutgoingMessage(Base):
    """A message we sent, by the platform's id, with its delivery state (never moving backwards)."""

    __tablename__ = "outgoing_message"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(12))  # accepted | sent | delivered | read | failed
    error: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "platform_id"),)


class StaffInvite(Base):
    """A one-time code (kept only as its HMAC) that makes a chat staff of a kelurahan, or city admin."""

    __tablename__ = "staff_invite"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hmac: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    role: Mapped[str] = mapped_column(String(8))  # staff | admin
    kode_kelurahan: Mapped[str | None] = mapped_column(String(13))  # None for admin
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    kode_kelurahan: Mapped[str | None] = mapped_column(String(13))
    invite_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "user_key"),)


class Broadcast(Base):
    __tablename__ = "broadcast"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kode_kelurahan: Mapped[str | None] = mapped_column(String(13))  # None: the whole city (admins only)
    audience: Mapped[str] = mapped_column(String(16))  # all | eligible | enrolled | needs_update
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(96))  # "channel:user_key" of the staff chat, or "cli"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))  # scheduled | sending | done | cancelled | empty (no recipient)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    # A direct message (ticket notice, an officer's answer): sent whatever the announcement subscription,
    # never to a chat that blocked the bot; not listed as an announcement (`OutboxRepository.enqueue_direct`).
    direct: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # [[payload, label], ...]: an inline keyboard on Telegram, reply buttons on WhatsApp inside the window.
    buttons: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # The WhatsApp template outside the 24-hour window: "" the announcement template with the text as its
    # parameter; "ticket:<number>" the ticket template (SIGAP_WHATSAPP_TICKET_TEMPLATE) with the number.
    template: Mapped[str] = mapped_column(String(160), default="", server_default="")


class Outbox(Base):
    """One row per broadcast and recipient: the durable record of what must be, and was, sent."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    # pending | sending | sent | failed | opted_out | blocked | cancelled
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)  # was in flight when a sender died
    # The platform's message id, so delivery callbacks (WhatsApp: delivered / read / failed) reach the row.
    platform_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # A row in `sending` belongs to one sender process until its lease expires; only then may another
    # process take it back (marked `recovered`). The owner renews the lease while the row is in flight.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("broadcast_id", "channel", "user_key"),
        Index("ix_outbox_channel_state_next", "channel", "state", "next_attempt_at"),
        # Covers the per-state tallies (dashboard, `broadcast show`): counted from the index alone.
        Index("ix_outbox_broadcast_state", "broadcast_id", "state", "recovered"),
        # Reply-to: which broadcast a chat's replied-to message belongs to (Telegram ids are per chat).
        Index("ix_outbox_channel_user_key_platform_id", "channel", "user_key", "platform_id"),
    )


class SelectionRound(Base):
    """One `sigap selection run`: who ran it, when, with which policy, on which registry snapshot."""

    __tablename__ = "selection_round"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_by: Mapped[str] = mapped_column(String(96))
    note: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[dict[str, object]] = mapped_column(JSON)
    quota: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer)  # places held by SIGAP participants at the run
    kept: Mapped[int] = mapped_column(Integer)  # places held by earlier selections, still eligible
    selected: Mapped[int] = mapped_column(Integer)
    waiting: Mapped[int] = mapped_column(Integer)
    # The registry snapshot the round ran on (sha256 of the imported file, rows) and a digest that
    # identifies SIGAP_SECRET_KEY without revealing it: the export refuses a file or key that differ.
    registry_sha256: Mapped[str] = mapped_column(String(64), default="")
    registry_rows: Mapped[int] = mapped_column(Integer, default=0)
    key_check: Mapped[bytes] = mapped_column(LargeBinary(32))
    # sha256 of the waiting list's sorted digests: a rerun that would change nothing is told apart cheaply.
    waiting_fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))


class SelectionEntry(Base):
    """A person's place in a round, by NIK digest only: tier, rank, outcome."""

    __tablename__ = "selection_entry"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer)
    nik_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    tier: Mapped[int] = mapped_column(SmallInteger)
    desil: Mapped[int] = mapped_column(SmallInteger)
    kode_kelurahan: Mapped[str] = mapped_column(String(13))
    rank: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12))  # selected | waiting_list
    name_masked: Mapped[str] = mapped_column(String(80), default="")  # selected only: the missing-rows list
    __table_args__ = (
        Index("ix_selection_entry_nik_hmac_round_id", "nik_hmac", "round_id"),
        Index("ix_selection_entry_round_id_outcome_rank", "round_id", "outcome", "rank"),
    )


class LifecycleNotice(Base):
    """A lifecycle notice (selected, enrolled, ending, renewed) queued for a person: once per person and
    event. `period` tells coverage periods apart (the coverage end date), so a renewal is a new event."""

    __tablename__ = "lifecycle_notice"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(10), default="")
    nik_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    broadcast_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("event", "period", "nik_hmac"),)


class DashboardLogin(Base):
    """A one-time dashboard link sent to a staff chat: only its HMAC is kept; single use, short-lived."""

    __tablename__ = "dashboard_login"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hmac: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_id: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(5), default="id")  # the chat's language, the dashboard's first
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DashboardSession(Base):
    """A browser signed in to the dashboard (the cookie holds the token; the table only its HMAC)."""

    __tablename__ = "dashboard_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hmac: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    lang: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboxItem(Base):
    """An update acknowledged to the platform but not yet fully handled: written before the webhook answers
    200 and deleted once handled, so a restart or crash loses nothing that was acknowledged. The payload is
    sealed (AES-GCM, a key derived from SIGAP_SECRET_KEY): it holds the message text, which may be a NIK."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The process handling the item holds it until then; an item whose lease ran out is anyone's to take.
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_inbox_channel_lease_until", "channel", "lease_until"),)


class JobLease(Base):
    """A job that must run once across all processes (the hourly prune, later lifecycle notices): the process
    that moves `due_at` forward runs it; the others see it is not due."""

    __tablename__ = "job_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ran_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Ticket(Base):
    """A citizen's question to their kelurahan's staff. No text here (the messages hold it, and go by
    retention or erasure); what stays is anonymous once `user_key` is cleared: kelurahan, times, rating."""

    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kode_kelurahan: Mapped[str] = mapped_column(String(13))
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))  # "" once the citizen erased their data
    lang: Mapped[str] = mapped_column(String(5), default="id")
    topic: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(10))  # open | answered | closed
    assignee_staff_id: Mapped[int | None] = mapped_column(Integer)
    # The eligibility status, only when the citizen verified and agreed to share it; the NIK only as HMAC.
    shared_status: Mapped[str | None] = mapped_column(String(32))
    shared_nik_hmac: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the first-response deadline
    escalate_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # twice it: to the admins
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[str | None] = mapped_column(String(4))  # up | down
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_ticket_channel_user_key_state", "channel", "user_key", "state"),
        Index("ix_ticket_kode_kelurahan_state_created_at", "kode_kelurahan", "state", "created_at"),
        Index("ix_ticket_state_due_at", "state", "due_at"),
        Index("ix_ticket_state_escalate_at", "state", "escalate_at"),
    )


class TicketMessage(Base):
    """One message of a ticket: the citizen's question and follow-ups, staff answers, internal notes."""

    __tablename__ = "ticket_message"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(8))  # citizen | staff | note | system
    staff_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_ticket_message_ticket_id_id", "ticket_id", "id"),)


class TicketNotice(Base):
    """Which outbox message told which chat about which ticket: a staff reply-to finds its ticket."""

    __tablename__ = "ticket_notice"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    broadcast_id: Mapped[int] = mapped_column(Integer, unique=True)
