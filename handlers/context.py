"""What every flow gets for one incoming message: the message, the user's dialog, the store and the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from handlers.model import Button, InMessage, Menu, Reply, Row
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.models import Conversation
from sigap_core.store.repositories import UnitOfWork


@dataclass
class Turn:
    msg: InMessage
    conversation: Conversation
    uow: UnitOfWork
    domain: Domain
    today: date
    now: datetime
    _: Translator
    erased: bool = False  # the user erased their data: nothing of this turn may be written back

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
        return self.conversation.state or ""

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.conversation.data or {})

    def set_state(self, state: str, **data: Any) -> None:
        """Move the dialog; `data` replaces the dialog data. Expires after the policy's dialog minutes.

        Only what changes is assigned, so a turn that leaves the dialog as it was writes nothing."""
        conversation = self.conversation
        if conversation.state != state:
            conversation.state = state
        if (conversation.data or {}) != data:
            conversation.data = data
        if state:
            conversation.expires_at = self.now + timedelta(minutes=self.domain.policy.dialog_minutes)
        elif conversation.expires_at is not None:
            conversation.expires_at = None

    def clear_state(self) -> None:
        self.set_state("")

    def set_language(self, lang: str) -> None:
        self.conversation.lang = lang
        self._ = Translator(lang)

    @property
    def has_consent(self) -> bool:
        return self.conversation.consent_at is not None

    def give_consent(self) -> None:
        self.conversation.consent_at = datetime.now(UTC)

    @property
    def can_share_contact(self) -> bool:
        return self.msg.channel == "telegram" and self.domain.policy.verification.accepts_phone

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
