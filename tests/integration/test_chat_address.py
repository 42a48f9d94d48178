"""What is kept of a chat's address: a WhatsApp wa_id is the user's phone number. It stays where replies and
announcements are addressed from, and nowhere else: rate-limit and audit rows hold digests only."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core.store import models
from tests.integration.chat import Chat
from tests.integration.helpers import KK4, NIK

WA_ID = "628120001111"


async def test_failed_checks_are_counted_under_a_digest_and_still_lock_the_chat_out(loaded_sqlite: App) -> None:
    app = loaded_sqlite
    chat = Chat(Conversations(app.store, app.domain, app.today), user=WA_ID, channel="whatsapp")
    wrong = "0000" if KK4["priority"] != "0000" else "1111"
    for _ in range(app.policy.verification.failed_attempts_per_user):
        await chat.verify(NIK["priority"], wrong)
    locked = await chat.verify(NIK["priority"], KK4["priority"])
    assert "Terlalu banyak percobaan" in locked  # the lock-out holds: counting by digest still counts this chat
    async with app.store.uow() as uow:
        subjects = (await uow.session.execute(select(models.RateEvent.subject))).scalars().all()
        actors = (await uow.session.execute(select(models.AuditEvent.actor))).scalars().all()
        conversation = await uow.conversations.get("whatsapp", WA_ID)
    assert len(subjects) >= app.policy.verification.failed_attempts_per_user
    assert actors and not any(WA_ID in value for value in [*subjects, *actors])
    assert conversation is not None  # the dialog is keyed by the address it answers (README, Privacy)
