"""Outbox claims under a lease, on both databases: concurrent claimers never share a row, a live lease is never
taken back, an expired one is (and counted), renewal keeps rows in flight; jobs that run once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.bootstrap import App
from bot.sender import BroadcastSender, Outcome
from sigap_core import broadcasts
from sigap_core.broadcasts import CLI_ACTOR
from sigap_core.store import models

JATIBENING = "32.75.08.1002"
LEASE = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC)


async def queue_broadcast(app: App, recipients: int) -> int:
    async with app.store.uow() as uow:
        uow.session.add_all(
            models.Subscription(
                channel="telegram",
                user_key=str(500_000 + n),
                kode_kelurahan=JATIBENING,
                status="active",
                updated_at=now(),
            )
            for n in range(recipients)
        )
    async with app.store.uow() as uow:
        item, count = await broadcasts.create_broadcast(
            uow, app.domain, CLI_ACTOR, JATIBENING, "all", "Info", now(), now(), app.today()
        )
    assert count == recipients
    return item.id


async def claim(app: App, owner: str, limit: int = 5, lease: timedelta = LEASE) -> list[int]:
    async with app.store.uow() as uow:
        return [row.id for row in await uow.outbox.claim("telegram", owner, lease, limit, now())]


async def test_concurrent_claims_never_hand_out_a_row_twice(app: App) -> None:
    await queue_broadcast(app, 120)

    async def claimer(owner: str) -> list[int]:
        mine: list[int] = []
        while batch := await claim(app, owner):
            mine += batch
            await asyncio.sleep(0)
        return mine

    claimed = await asyncio.gather(*(claimer(f"process-{n}") for n in range(6)))
    every = [row for rows in claimed for row in rows]
    assert len(every) == len(set(every)) == 120


async def test_a_live_lease_is_never_taken_back(app: App) -> None:
    await queue_broadcast(app, 8)
    held = await claim(app, "alive")
    other = BroadcastSender(app.store, app.domain, "telegram", _never, 500, owner="restarted")
    assert await other.recover() == 0
    assert set(await claim(app, "restarted", limit=50)).isdisjoint(held)


async def test_an_expired_lease_is_recovered_sent_once_more_and_counted(app: App) -> None:
    item = await queue_broadcast(app, 4)
    await claim(app, "died", limit=2, lease=timedelta(seconds=-1))  # claimed; its process never came back
    sent: list[str] = []

    async def deliver(user_key: str, _text: str) -> Outcome:
        sent.append(user_key)
        return Outcome("sent")

    sender = BroadcastSender(app.store, app.domain, "telegram", deliver, 500, owner="survivor")
    assert await sender.recover() == 2
    while await sender.step():
        pass
    async with app.store.uow() as uow:
        tally = await broadcasts.counts(uow, item)
    assert sorted(sent) == [str(500_000 + n) for n in range(4)]
    assert tally["sent"] == 4 and tally["recovered_after_crash"] == 2


async def test_renewal_keeps_rows_in_flight_past_their_first_expiry(app: App) -> None:
    await queue_broadcast(app, 3)
    held = await claim(app, "slow", lease=timedelta(seconds=-1))
    async with app.store.uow() as uow:
        assert await uow.outbox.renew(held, "slow", now() + LEASE) == 3
        assert await uow.outbox.renew(held, "someone else", now() + LEASE) == 0
    async with app.store.uow() as uow:
        assert await uow.outbox.recover_expired("telegram", now()) == 0


async def test_a_result_written_after_the_lease_was_lost_still_counts_when_nobody_resent_it(app: App) -> None:
    from sigap_core.store.outbox import Result

    item = await queue_broadcast(app, 1)
    (row,) = await claim(app, "frozen", lease=timedelta(seconds=-1))
    async with app.store.uow() as uow:
        await uow.outbox.recover_expired("telegram", now())  # another process took it back ...
    async with app.store.uow() as uow:  # ... before the frozen one wrote that it was sent
        await uow.outbox.record("frozen", [Result(row, "sent", "", 1)], now())
    async with app.store.uow() as uow:
        tally = await broadcasts.counts(uow, item)
    assert tally["sent"] == 1 and tally["pending"] == 0


async def test_a_job_runs_once_per_period_across_processes(app: App) -> None:
    async def take(owner: str, at: datetime) -> bool:
        async with app.store.uow() as uow:
            return await uow.jobs.take_if_due("prune", owner, timedelta(hours=1), at)

    start = now()
    first = await asyncio.gather(*(take(f"process-{n}", start) for n in range(3)), return_exceptions=True)
    assert first.count(True) == 1
    assert not await take("process-1", start + timedelta(minutes=59))
    later = [await take(f"process-{n}", start + timedelta(minutes=61)) for n in range(3)]
    assert later.count(True) == 1


async def test_audience_counts_and_queues_agree_across_slices(app: App) -> None:
    from sigap_core.store.audiences import SLICE

    total = SLICE * 2 + 17  # three slices
    async with app.store.uow() as uow:
        uow.session.add_all(
            models.Subscription(
                channel="telegram",
                user_key=str(n),
                kode_kelurahan=JATIBENING,
                status="stopped" if n % 10 == 0 else "active",
                updated_at=now(),
            )
            for n in range(total)
        )
    async with app.store.reader() as uow:
        counted = await broadcasts.audience_counts(uow, app.domain, JATIBENING, app.today())
    async with app.store.uow() as uow:
        _item, queued = await broadcasts.create_broadcast(
            uow, app.domain, CLI_ACTOR, None, "all", "Info", now(), now(), app.today()
        )
    active = total - len(range(0, total, 10))
    assert counted["all"] == queued == active
    assert counted["eligible"] == 0  # nobody verified


async def _never(_user_key: str, _text: str) -> Outcome:
    raise AssertionError("nothing should be sent")
