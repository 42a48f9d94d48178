"""What every flow gets for one incoming message: the message, the user's dialog, the store and the domain.

Flows never touch the stored conversation row: they read and move the dialog through Turn's methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from handlers.model import Button, InMessage, Menu, Reply, Row
from handlers.regions import regency_of
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.models import Conversation
from sigap_core.store.repositories import UnitOfWork, aware

# Dialog data that outlives a step: the last outcome of a check (a status code, nothing personal) for
# follow-up questions, and whether the user chose the language themselves (then it is never auto-switched).
# And whether this chat ever asked an officer: only then is its open ticket looked up on free text.
# And the follow-up answer just given (an entry id and a status group), so the same one is never given twice in a row.
# And, for a not-resident outcome only, the regency code the registry places the person in ("32.16"): a
# follow-up names "Kabupaten Bekasi", not "outside the city" (a regency is no address, and goes with the outcome).
KEPT = ("outcome", "outcome_other", "outcome_place", "topic", "lang_chosen", "asked", "said")


@dataclass
class Turn:
    msg: InMessage
    _conversation: Conversation
    uow: UnitOfWork
    domain: Domain
    today: date
    now: datetime
    _: Translator
    erased: bool = False  # the user erased their data: nothing of this turn may be written back
    written_over: str | None = None  # the chat's language before this message's language replaced it
    notes: list[str] = field(default_factory=list)  # one-line notes the engine puts before the answer

    @property
    def chat(self) -> str:
        """This chat on this channel, as the platform addresses it (a WhatsApp wa_id is a phone number)."""
        return f"{self.msg.channel}:{self.msg.user_key}"

    @property
    def subject(self) -> str:
        """The rate-limit subject: a digest of the chat, since counting needs no address to write to."""
        return self.domain.hasher.token("rate", self.chat).hex()

    @property
    def state(self) -> str:
        return self._conversation.state or ""

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._conversation.data or {})

    @property
    def expired(self) -> bool:
        expires = aware(self._conversation.expires_at)
        return bool(self.state and expires is not None and expires < self.now)

    def set_state(self, state: str, **data: Any) -> None:
        """Move the dialog; `data` replaces the dialog data (except what is KEPT). Expires after the policy's
        dialog minutes. Only what changes is assigned, so a turn that leaves the dialog as it was writes
        nothing."""
        conversation = self._conversation
        kept = {key: value for key, value in (conversation.data or {}).items() if key in KEPT}
        data = {**kept, **data}
        if conversation.state != state:
            conversation.state = state
        if (conversation.data or {}) != data:
            conversation.data = data
        if state:
            conversation.expires_at = self.now + timedelta(minutes=self.domain.policy.dialog_minutes)
        elif conversation.expires_at is not None:
            conversation.expires_at = None

    def update_data(self, **changes: Any) -> None:
        """Change some dialog data, keeping the step."""
        self.set_state(self.state, **{**self.data, **changes})

    def clear_state(self) -> None:
        self.set_state("")

    # What outlives a step ---------------------------------------------------------------------------

    @property
    def outcome(self) -> str | None:
        """The status code of the last check in this chat, for follow-up questions."""
        value = self.data.get("outcome")
        return str(value) if value else None

    @property
    def outcome_other(self) -> bool:
        """The last check was of someone else's NIK (a parent, a spouse): follow-ups say "NIK yang dicek"."""
        return bool(self.data.get("outcome_other"))

    @property
    def outcome_place(self) -> str | None:
        """The regency named for a not-resident outcome ("Kabupaten Bekasi"), when the table knows its code."""
        code = self.data.get("outcome_place")
        return regency_of(str(code)) if code else None

    def remember_outcome(self, status: str, other: bool = False, place: str | None = None) -> None:
        """`place`: for a not-resident outcome, the registry's regency code (its first two levels only)."""
        self._keep("outcome", status)
        self._keep("outcome_other", other or None)
        self._keep("outcome_place", place[:5] if place and regency_of(place) else None)
        self._keep("topic", None)  # the check is now the thing a follow-up is about
        self._keep("said", None)

    @property
    def topic(self) -> str | None:
        """The knowledge-base answer given last (its id), when it came after the last check."""
        value = self.data.get("topic")
        return str(value) if value else None

    def remember_topic(self, entry_id: str) -> None:
        self._keep("topic", entry_id)
        self._keep("said", None)  # a new answer: the follow-up after it is not a repeat

    @property
    def follow_up_said(self) -> str | None:
        """The follow-up answer given last ("ENTRY:GROUP"), while no other answer came after it."""
        value = self.data.get("said")
        return str(value) if value else None

    def remember_follow_up(self, key: str) -> None:
        self._keep("said", key)

    def _keep(self, key: str, value: Any) -> None:
        conversation = self._conversation
        data = dict(conversation.data or {})
        if data.get(key) != value:
            data[key] = value
            conversation.data = data

    @property
    def asked_officer(self) -> bool:
        """This chat has opened a ticket (so a message may be for the officer)."""
        return bool(self.data.get("asked"))

    def remember_asked(self) -> None:
        self._keep("asked", True)

    @property
    def lang(self) -> str:
        return self._.lang

    @property
    def language_chosen(self) -> bool:
        return bool(self.data.get("lang_chosen"))

    def set_language(self, lang: str, chosen: bool = True) -> None:
        """`chosen`: the user asked for it (kept); otherwise it follows the language they write in."""
        if self._conversation.lang != lang:
            self._conversation.lang = lang
        self._ = Translator(lang)
        if chosen:
            self._keep("lang_chosen", True)

    def follow_written_language(self, lang: str) -> None:
        """The chat follows the language this message is clearly written in (the user chose none)."""
        self.written_over = self.lang
        self.set_language(lang, chosen=False)

    def written_for_others(self) -> None:
        """The message is content for others (an announcement, an officer's answer): its language says
        nothing of the writer's, so a switch it made is undone."""
        if self.written_over is not None:
            self.set_language(self.written_over, chosen=False)
            self.written_over = None

    @property
    def has_consent(self) -> bool:
        return self._conversation.consent_at is not None

    def give_consent(self) -> None:
        self._conversation.consent_at = datetime.now(UTC)

    @property
    def can_share_contact(self) -> bool:
        return self.msg.channel == "telegram" and self.domain.policy.verification.accepts_phone

    async def erase(self) -> None:
        """Delete what the bot holds about this chat: verification, subscription, the dialog itself."""
        channel, user = self.msg.channel, self.msg.user_key
        await self.uow.links.delete(channel, user)
        await self.uow.subscriptions.delete(channel, user)
        await self.uow.outbox.cancel_direct_to(channel, user, self.now)  # nothing more is sent to this chat
        await self.uow.conversations.delete(self._conversation)
        self.erased = True

    # For the engine ---------------------------------------------------------------------------------

    @property
    def choices(self) -> list[list[str]] | None:
        return self._conversation.choices

    def finish(self, choices: list[list[str]] | None, created: bool, touch_every: timedelta) -> None:
        """Remember the choices offered; stamp the time when something changed or a minute has passed.

        Timestamps (retention, the WhatsApp 24-hour window) need minute precision, not a write per
        message: a turn that changed nothing else writes nothing."""
        conversation = self._conversation
        if conversation.choices != choices:
            conversation.choices = choices
        last = aware(conversation.updated_at)
        if created or self.uow.conversations.changed(conversation) or last is None or self.now - last > touch_every:
            conversation.updated_at = self.now
            conversation.last_inbound_at = self.now

    # Common replies -------------------------------------------------------------------------------

    def main_menu(self, text: str | None = None) -> Reply:
        _ = self._
        rows = (
            Row("check", _("Cek kelayakan"), _("Apakah saya dapat BPJS TK gratis?")),
            Row("update", _("Cara perbarui data"), _("Perbarui data DTSEN di kelurahan")),
            Row("coverage", _("Status kepesertaan"), _("Masa aktif, klaim, KPJ")),
            Row("subscribe", _("Langganan info"), _("Pengumuman dari kelurahan")),
            Row("help", _("Bantuan"), _("Kontak petugas")),
            Row("erase", _("Hapus data saya"), _("Hapus yang disimpan bot")),
            # Each language is offered in its own name, as people look for it.
            Row("lang:en", "English", "Change language")
            if _.lang == "id"
            else Row("lang:id", "Bahasa Indonesia", "Ganti bahasa"),
        )
        return Reply(
            text or _("Silakan pilih layanan, atau ketik pertanyaan Anda."),
            menu=Menu(_("Pilih layanan"), rows),
        )

    def menu_button(self) -> Button:
        return Button("menu", self._("Menu"))

    def cancel_button(self) -> Button:
        return Button("cancel", self._("Batal"))
