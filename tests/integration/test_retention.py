"""What the privacy notice promises about keeping data is what the retention sweep does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core.retention import prune
from sigap_core.store import models
from tests.integration.chat import Chat
from tests.integration.helpers import KK4, NIK


async def test_old_conversations_links_and_counters_are_deleted_recent_ones_kept(loaded: App) -> None:
    bot = Conversations(loaded.store, loaded.domain, loaded.today)
    old, recent = Chat(bot, user="old"), Chat(bot, user="recent")
    for chat in (old, recent):
        await chat.verify(NIK["priority"], KK4["priority"])
        await chat.send("0000")
    later = datetime.now(UTC) + timedelta(days=31)
    async with loaded.store.uow() as uow:
        conversation = await uow.conversations.get("console", "recent")
        assert conversation is not None
        conversation.updated_at = later - timedelta(days=1)
        removed = await prune(uow, loaded.policy, later)
    assert removed["conversations"] == 1 and removed["verified_links"] == 2 and removed["rate_events"] >= 2
    async with loaded.store.uow() as uow:
        users = (await uow.session.execute(select(models.Conversation.user_key))).scalars().all()
        counters = await uow.session.scalar(select(func.count()).select_from(models.RateEvent))
    assert users == ["recent"] and counters == 0
