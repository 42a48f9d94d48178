"""Audiences counted ahead (while the staff member types) agree with an exact count, and queueing from them
reaches exactly the subscribers an exact queueing reaches."""

from __future__ import annotations

import asyncio

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core import broadcasts
from sigap_core.broadcasts import CLI_ACTOR
from tests.integration.test_broadcasts import JATIBENING, bot, now, subscribe  # noqa: F401 - fixture

EXPECTED = {"all": 4, "eligible": 1, "enrolled": 1, "needs_update": 1}


async def queued_users(app: App, broadcast_id: int) -> list[str]:
    from sqlalchemy import select

    from sigap_core.store import models

    async with app.store.reader() as uow:
        rows = await uow.session.execute(
            select(models.Outbox.user_key).where(models.Outbox.broadcast_id == broadcast_id)
        )
        return sorted(key for (key,) in rows.all())


async def test_counted_ahead_equals_counted_now_and_queues_the_same_people(
    loaded: App,
    bot: Conversations,  # noqa: F811
) -> None:
    for user, verify in (("p", "priority"), ("e", "enrolled"), ("r", "rich"), ("anon", None)):
        await subscribe(bot, user, "jatibening", verify=verify)
    async with loaded.store.uow() as uow:
        exact = await broadcasts._count(uow, loaded.domain, JATIBENING, loaded.today(), now())
        exact_item, _ = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, JATIBENING, "eligible", "Info", now(), now(), loaded.today()
        )
    async with loaded.store.uow() as uow:
        broadcasts.count_ahead(uow, loaded.domain, JATIBENING, loaded.today())
    await asyncio.sleep(0)
    async with loaded.store.uow() as uow:
        ahead = await broadcasts.audience_counts(uow, loaded.domain, JATIBENING, loaded.today())
        ahead_item, count = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, JATIBENING, "eligible", "Info", now(), now(), loaded.today()
        )
    assert exact == ahead == EXPECTED
    assert count == 1
    assert await queued_users(loaded, ahead_item.id) == await queued_users(loaded, exact_item.id) == ["p"]
