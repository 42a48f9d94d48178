"""The broadcast sender: one loop per channel, draining the durable outbox at a configured rate.

Crash safety. Rows are claimed a few at a time (state `sending`, committed) before any send, and each
batch's results are committed right after it. A sender killed at any moment therefore leaves at most one
batch (`BATCH` rows) whose fate is unknown. On restart those rows go back to `pending` with `recovered` set
and are sent again: nothing is lost, nothing recorded as sent is resent, and only the recovered rows — at
most one batch per sender that died — may reach a recipient twice. The report counts them.

Replies to citizens never queue here: they are sent from the conversation path directly, and the
broadcast rate defaults to 80 % of each platform's limit so replies keep headroom.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.health import Backoff
from sigap_core.broadcasts import announcement_text, counts, sent_count
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.availability import database_unavailable
from sigap_core.store.repositories import Store, UnitOfWork, utcnow

log = logging.getLogger(__name__)

BATCH = 5
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Outcome:
    state: str  # sent | failed | blocked | retry
    reason: str = ""
    retry_after: float = 0.0
    platform_id: str = ""  # the platform's message id, for later delivery callbacks
    platform_away: bool = False  # a retry because the platform could not be reached (or failed on its side)


# Delivery states after "sent" only move forward; "failed" (a callback) can replace only "sent".
DELIVERY_RANK = {"sent": 1, "failed": 2, "delivered": 3, "read": 4}


def later_state(current: str, reported: str) -> bool:
    return current in DELIVERY_RANK and reported in DELIVERY_RANK and DELIVERY_RANK[reported] > DELIVERY_RANK[current]


Deliver = Callable[[str, str], Awaitable[Outcome]]
Notify = Callable[[str, str], Coroutine[Any, Any, None]]


class BroadcastSender:
    def __init__(
        self,
        store: Store,
        domain: Domain,
        channel: str,
        deliver: Deliver,
        rate: float,
        notify: Notify | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        self.store = store
        self.domain = domain
        self.channel = channel
        self.deliver = deliver
        self.interval = 1.0 / rate
        self.notify = notify
        self.poll_seconds = poll_seconds
        self._next_slot = 0.0
        self._notifications: set[asyncio.Task[None]] = set()
        self._paused = Backoff(cap=5.0)  # while the database is away

    async def recover(self) -> int:
        """Rows a dead sender left in flight go back to the queue, marked as recovered."""
        async with self.store.uow() as uow:
            result = await uow.session.execute(
                update(models.Outbox)
                .where(models.Outbox.channel == self.channel, models.Outbox.state == "sending")
                .values(state="pending", recovered=True, updated_at=utcnow())
            )
        recovered = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if recovered:
            log.warning("%s sender: %d in-flight sends recovered after a crash", self.channel, recovered)
        return recovered

    async def run(self, stop: asyncio.Event) -> None:
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                handled = await self.step()
                self._database_back()
            except Exception as error:
                if not database_unavailable(error):
                    log.exception("%s sender: step failed; retrying", self.channel)
                    handled = 0
                else:  # paused: its transaction rolled back, nothing was marked sent
                    self._database_away(error)
                    await self._paused.wait(stop)
                    continue
            if not handled:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)

    def _database_away(self, error: BaseException) -> None:
        if self._paused.attempt == 0:
            log.warning("%s sender: paused, the database is unreachable (%s)", self.channel, type(error).__name__)

    def _database_back(self) -> None:
        if self._paused.attempt:
            log.warning("%s sender: resumed", self.channel)
            self._paused.reset()

    async def _record_when_possible(self, results: dict[int, tuple[str, str, int, float, str]]) -> None:
        """Record a batch that was sent; while the database is away, keep it and try again, so what was
        sent is never sent again nor left unrecorded."""
        while True:
            try:
                await self._record(results)
                return
            except Exception as error:
                if not database_unavailable(error):
                    raise
                self._database_away(error)
                await self._paused.wait()

    async def step(self) -> int:
        """Claim, send and record one batch; the number of rows handled."""
        now = utcnow()
        async with self.store.uow() as uow:
            due = (
                await uow.session.execute(
                    select(
                        models.Outbox.id,
                        models.Outbox.user_key,
                        models.Outbox.attempts,
                        models.Broadcast.id,
                        models.Broadcast.kode_kelurahan,
                        models.Broadcast.text,
                    )
                    .join(models.Broadcast, models.Broadcast.id == models.Outbox.broadcast_id)
                    .where(
                        models.Outbox.channel == self.channel,
                        models.Outbox.state == "pending",
                        models.Outbox.next_attempt_at <= now,
                        models.Broadcast.status.in_(("scheduled", "sending")),
                        models.Broadcast.send_at <= now,
                    )
                    .order_by(models.Outbox.id)
                    .limit(BATCH)
                )
            ).all()
            if not due:
                await self._finish_broadcasts(uow)
                return 0
            ids = [row[0] for row in due]
            await uow.session.execute(
                update(models.Outbox).where(models.Outbox.id.in_(ids)).values(state="sending", updated_at=now)
            )
            started = []
            for broadcast_id in sorted({row[3] for row in due}):
                moved = await uow.session.execute(
                    update(models.Broadcast)
                    .where(models.Broadcast.id == broadcast_id, models.Broadcast.status == "scheduled")
                    .values(status="sending")
                )
                if moved.rowcount == 1:  # type: ignore[attr-defined]
                    broadcast = await uow.session.get(models.Broadcast, broadcast_id)
                    total = sum((await counts(uow, broadcast_id)).values())
                    if broadcast is not None:
                        started.append((broadcast.created_by, broadcast_id, total))
            # Opt-out is checked as late as possible: right before sending, in the claiming transaction.
            active = {
                key
                for (key,) in (
                    await uow.session.execute(
                        select(models.Subscription.user_key).where(
                            models.Subscription.channel == self.channel,
                            models.Subscription.user_key.in_([row[1] for row in due]),
                            models.Subscription.status == "active",
                        )
                    )
                ).all()
            }
        for created_by, broadcast_id, total in started:
            self._tell(created_by, start_text(broadcast_id, total))
        results: dict[int, tuple[str, str, int, float, str]] = {}
        _ = Translator("id")
        halted: Outcome | None = None
        for outbox_id, user_key, attempts, _broadcast_id, kode, text in due:
            if user_key not in active:
                results[outbox_id] = ("opted_out", "", attempts, 0.0, "")
                continue
            if halted is not None:
                # The platform just could not be reached: the rest of the batch goes back to the queue at
                # once, with that reason, not attempted (no attempt counted).
                results[outbox_id] = ("retry", halted.reason, attempts, halted.retry_after, "")
                continue
            await self._pace()
            try:
                outcome = await self.deliver(user_key, announcement_text(_, self.domain, kode, text))
            except Exception as error:  # a transport error (the platform away): try again later
                outcome = Outcome("retry", type(error).__name__, 5.0, platform_away=True)
            if outcome.state == "retry":
                self._next_slot += outcome.retry_after  # the platform asked everyone to slow down
                halted = outcome if outcome.platform_away else None
            results[outbox_id] = (outcome.state, outcome.reason, attempts + 1, outcome.retry_after, outcome.platform_id)
        await self._record_when_possible(results)
        return len(due)

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._next_slot = max(self._next_slot, now)
        wait = self._next_slot - now
        self._next_slot += self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def _record(self, results: dict[int, tuple[str, str, int, float, str]]) -> None:
        now = utcnow()
        async with self.store.uow() as uow:
            # A delivery callback may have arrived before this record: take the state it reported.
            platform_ids = [r[4] for r in results.values() if r[4]]
            reported = (
                dict(
                    (
                        await uow.session.execute(
                            select(models.OutgoingMessage.platform_id, models.OutgoingMessage.state).where(
                                models.OutgoingMessage.channel == self.channel,
                                models.OutgoingMessage.platform_id.in_(platform_ids),
                            )
                        )
                    ).all()
                )
                if platform_ids
                else {}
            )
            for outbox_id, (state, reason, attempts, retry_after, platform_id) in results.items():
                values: dict[str, object] = {"attempts": attempts, "updated_at": now, "reason": reason[:200]}
                if platform_id:
                    values["platform_id"] = platform_id
                    if state == "sent" and later_state("sent", reported.get(platform_id, "")):
                        state = reported[platform_id]
                if state == "retry" and attempts < MAX_ATTEMPTS:
                    values.update(state="pending", next_attempt_at=now + timedelta(seconds=max(retry_after, 1.0)))
                elif state == "retry":
                    values.update(state="failed", reason=(reason or "retries exhausted")[:200])
                else:
                    values["state"] = state
                await uow.session.execute(update(models.Outbox).where(models.Outbox.id == outbox_id).values(**values))

    async def _finish_broadcasts(self, uow: UnitOfWork) -> None:
        """Broadcasts with nothing left to send become done; exactly one sender reports each."""
        session = uow.session
        open_ids = [
            b
            for (b,) in (
                await session.execute(select(models.Broadcast.id).where(models.Broadcast.status == "sending"))
            ).all()
        ]
        for broadcast_id in open_ids:
            remaining = (
                await session.execute(
                    select(models.Outbox.id)
                    .where(
                        models.Outbox.broadcast_id == broadcast_id,
                        models.Outbox.state.in_(("pending", "sending")),
                    )
                    .limit(1)
                )
            ).first()
            if remaining:
                continue
            claimed = await session.execute(
                update(models.Broadcast)
                .where(models.Broadcast.id == broadcast_id, models.Broadcast.status == "sending")
                .values(status="done", finished_at=utcnow(), reported=True)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                broadcast = await session.get(models.Broadcast, broadcast_id)
                tally = await counts(uow, broadcast_id)
                if broadcast is not None:
                    self._tell(broadcast.created_by, report_text(broadcast_id, tally))

    def _tell(self, created_by: str, text: str) -> None:
        """Progress for the staff chat that created the broadcast (the CLI reads `broadcast show`)."""
        if self.notify is None or created_by == "cli":
            return
        task = asyncio.create_task(self.notify(created_by, text))
        self._notifications.add(task)
        task.add_done_callback(self._notifications.discard)


def start_text(broadcast_id: int, total: int, lang: str = "id") -> str:
    _ = Translator(lang)
    return _("Pengumuman #{id} mulai dikirim ke {n} penerima.").format(id=broadcast_id, n=_.number(total))


def report_text(broadcast_id: int, tally: dict[str, int], lang: str = "id") -> str:
    _ = Translator(lang)
    text = _(
        "Pengumuman #{id} selesai: terkirim {sent}, gagal {failed}, berhenti langganan {opted_out}, "
        "memblokir bot {blocked}, dibatalkan {cancelled}."
    ).format(
        id=broadcast_id,
        sent=sent_count(tally),
        failed=tally.get("failed", 0),
        opted_out=tally.get("opted_out", 0),
        blocked=tally.get("blocked", 0),
        cancelled=tally.get("cancelled", 0),
    )
    if tally.get("recovered_after_crash"):
        text += " " + _("{n} pesan dikirim ulang setelah gangguan (mungkin diterima dua kali).").format(
            n=tally["recovered_after_crash"]
        )
    return text
