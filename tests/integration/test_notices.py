"""Lifecycle notices on both databases: who gets them, once per person and event, through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import App
from sigap_core.notices import queue_notices
from sigap_core.store import models
from tests.conftest import TODAY
from tests.integration.helpers import NIK
from tests.integration.test_selection import load, run

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


async def verified_subscriber(app: App, user_key: str, who: str, keep: bool = True, status: str = "active") -> None:
    async with app.store.uow() as uow:
        await uow.links.set("telegram", user_key, app.domain.hasher.nik(NIK[who]), "kk4", keep, 30)
        await uow.subscriptions.set("telegram", user_key, "32.75.01.1001", status)


async def outbox(app: App) -> list[tuple[str, str, str]]:
    async with app.store.uow() as uow:
        rows = await uow.session.execute(
            select(models.Broadcast.audience, models.Outbox.user_key, models.Broadcast.text)
            .join(models.Outbox, models.Outbox.broadcast_id == models.Broadcast.id)
            .order_by(models.Outbox.id)
        )
        return [(str(a), str(u), str(t)) for a, u, t in rows.all()]


async def test_notices_reach_verified_subscribers_once_per_person_and_event(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, [])
    await run(app, quota=2)  # the sample priority person is selected; the enrolled person holds a place
    await verified_subscriber(app, "1", "priority")
    await verified_subscriber(app, "2", "priority")  # a second chat of the same person
    await verified_subscriber(app, "3", "enrolled")
    await verified_subscriber(app, "4", "priority", keep=False)  # did not keep the verification
    await verified_subscriber(app, "5", "enrolled", status="stopped")  # opted out
    first = await queue_notices(app.store, app.domain, TODAY, NOW)
    assert (first.queued["selected"], first.chats["selected"]) == (1, 2)
    assert (first.queued["enrolled"], first.chats["enrolled"]) == (1, 1)
    queued = await outbox(app)
    assert sorted((a, u) for a, u, _ in queued) == [
        ("notice_enrolled", "3"),
        ("notice_selected", "1"),
        ("notice_selected", "2"),
    ]
    assert all(NIK["priority"] not in text for _, _, text in queued)
    again = await queue_notices(app.store, app.domain, TODAY, NOW)
    assert sum(again.queued.values()) == 0 and again.broadcasts == []
    assert len(await outbox(app)) == 3


async def test_the_services_hourly_job_queues_due_notices_once_across_processes(app: App, tmp_path: Path) -> None:
    """`sigap run` queues lifecycle notices by itself: the first process whose turn it is runs the job; another
    process checking in the same hour runs nothing, and a second run changes nothing anyway."""
    from bot.web import run_due_jobs

    await load(app, tmp_path, [])
    await run(app, quota=2)
    await verified_subscriber(app, "1", "priority")
    assert await run_due_jobs(app, "process-a") == ["prune", "notices", "tickets"]
    assert await run_due_jobs(app, "process-b") == []  # the same hour, another process: nothing is due
    assert [(audience, user) for audience, user, _ in await outbox(app)] == [("notice_selected", "1")]
