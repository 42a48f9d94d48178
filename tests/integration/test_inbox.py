"""The inbox repository on both databases: leases, one taker per item, release, batch delete."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.bootstrap import App
from sigap_core.store.inbox import Inbox, Sealer

LEASE = timedelta(seconds=30)


async def test_an_item_is_taken_once_and_only_after_its_lease_ran_out(app: App) -> None:
    inbox = Inbox(app.store, Sealer(app.domain.hasher.key))
    held = await inbox.add("whatsapp", b"held by its receiver", LEASE)
    free = await inbox.add("whatsapp", b"left by a process that died", timedelta(0))
    await inbox.add("telegram", b"another channel's", timedelta(0))
    batches = await asyncio.gather(*(inbox.take("whatsapp", 10, LEASE, set()) for _ in range(4)))
    assert [item for batch in batches for item in batch] == [(free, b"left by a process that died")]
    assert await inbox.take("whatsapp", 10, LEASE, set()) == []  # now held by its taker
    await inbox.release([held])
    assert await inbox.take("whatsapp", 10, LEASE, {free}) == [(held, b"held by its receiver")]
    await inbox.done([held, free])
    assert await inbox.waiting("whatsapp") == 0 and await inbox.waiting("telegram") == 1
