"""The broadcast sender: drains the durable outbox at one configured rate per channel, across processes.

Claims. Rows are claimed a few at a time in one statement that moves them `pending` → `sending` under a lease
(this process's id and an expiry), committed before any send; each batch's results are committed right
after it. The lease is renewed while its rows are in flight, and only an expired lease is taken back, so no
process ever takes another live process's rows. A process killed at any moment leaves at most the rows of
its lease unknown: when the lease runs out they go back to `pending` marked `recovered` and are sent again.
Nothing is lost, nothing recorded as sent is resent, and only the recovered rows may reach a recipient
twice; `sigap broadcast show` and the staff report count them.

One rate per channel. Every process runs a sender per channel, but only the one holding the channel's lock
(`sigap_core.store.leadership`: a PostgreSQL advisory lock, or a file lock beside a SQLite database) sends;
the others stand by and take over when it dies. The pacer keeps a fixed slot grid: a slot missed because the
database was slow is made up later, but never more than `rate` sends fall within any one second.

Replies to citizens never queue here: they are sent from the conversation path directly, and the
broadcast rate defaults to 80 % of each platform's limit so replies keep headroom.

Direct messages (a ticket notice to staff, an officer's answer to a citizen; `OutboxRepository.enqueue_direct`)
share this outbox, its rate, retries and crash recovery. They skip the announcement-subscription check (the
chat asked, or works here) but not a chat that blocked the bot since it last wrote; they go verbatim (no
announcement header), with their buttons, through the channel's `deliver_direct`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.health import Backoff
from sigap_core.broadcasts import announcement_text, sent_count
from sigap_core.delivery import DeliveryState, moves_forward
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.availability import database_unavailable
from sigap_core.store.leadership import Leadership
from sigap_core.store.outbox import DIRECT_SENDER, Claimed, OutMessage, Result
from sigap_core.store.repositories import Store, utcnow

log = logging.getLogger(__name__)

BATCH = 5
MAX_ATTEMPTS = 5
LEASE_SECONDS = 20.0
STANDBY_POLL_SECONDS = 1.0
RECORD_ATTEMPTS = 5
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Outcome:
    state: str  # sent | failed | blocked | retry
    reason: str = ""
    retry_after: float = 0.0
    platform_id: str = ""  # the platform's message id, for later delivery callbacks
    platform_away: bool = False  # a retry because the platform could not be reached (or failed on its side)


Deliver = Callable[[str, str], Awaitable[Outcome]]
DeliverDirect = Callable[[str, OutMessage], Awaitable[Outcome]]
Notify = Callable[[str, str], Coroutine[Any, Any, None]]


def process_id() -> str:
    """Who holds a lease: host, pid and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Pacer:
    """One send per slot on a fixed grid of `1/rate` seconds (GCRA, a burst tolerance of one slot).

    A slot missed by up to one interval (timer and event-loop jitter, a slow platform answer) is made up on
    the next sends, so the rate does not sag under load; a longer gap is not made up, since that would be a
    burst. The database is kept off this path (the sender claims the next batch while sending the current
    one), so a slow database causes no gap. `idle()` restarts the grid after idle time; `pause()` moves it
    (the platform's retry_after). In any one second at most `rate` + 2 sends start: 27 at the default 25/s,
    under Telegram's 30."""

    TOLERANCE_SLOTS = 1

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next_slot: float | None = None  # the grid starts at the first send
        self._paused_until = 0.0

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def idle(self) -> None:
        self._next_slot = None

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._now() + seconds)
        self._next_slot = max(self._next_slot or 0.0, self._paused_until)

    async def wait(self) -> None:
        now = self._now()
        tolerance = self.TOLERANCE_SLOTS * self.interval
        slot = now if self._next_slot is None else max(self._next_slot, now - tolerance)
        at = max(slot, self._paused_until)
        if at > now:
            await self._sleep(at - now)
        self._next_slot = at + self.interval


@dataclass
class Batch:
    rows: list[Claimed]
    messages: dict[int, OutMessage]
    active: set[str]  # subscribed: announcements go to these
    blocked: set[str] = field(default_factory=set)  # blocked the bot since they last wrote: no direct message
    started: list[tuple[int, str, int]] = field(default_factory=list)


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
        *,
        lease_seconds: float = LEASE_SECONDS,
        leadership: Leadership | None = None,
        owner: str | None = None,
        deliver_direct: DeliverDirect | None = None,
    ) -> None:
        self.store = store
        self.domain = domain
        self.channel = channel
        self.deliver = deliver
        # Without a channel's own (tests): a direct message goes through `deliver` as its plain text.
        self.deliver_direct = deliver_direct or (lambda user_key, message: deliver(user_key, message.text))
        self.rate = rate
        self.interval = 1.0 / rate
        self.notify = notify
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.leadership = leadership or Leadership()
        self.owner = owner or process_id()
        self.role = "standby"
        self.pacer = Pacer(rate)
        self._held: set[int] = set()  # claimed rows not yet recorded: their lease is renewed
        # Messages sent (or being sent) whose result is not yet committed: what a crash may send twice.
        self._unrecorded = asyncio.Semaphore(BATCH)
        self._done: list[tuple[Result, bool]] = []  # results waiting to be written (bool: holds a permit)
        self._writer: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._notifications: set[asyncio.Task[None]] = set()
        self._paused = Backoff(cap=5.0)  # while the database is away
        self._platform_away: Outcome | None = None  # the last send could not reach the platform

    # One batch, start to end (tests and the loop below) ------------------------------------------

    async def step(self) -> int:
        """Claim, send and record one batch; the number of rows handled."""
        batch = await self._claim()
        if batch is None:
            await self._finish_broadcasts()
            return 0
        await self._start(batch)
        await self._drain()
        return len(batch.rows)

    async def recover(self) -> int:
        """Rows whose lease expired (their sender died) go back to the queue, marked as recovered."""
        async with self.store.uow() as uow:
            recovered = await uow.outbox.recover_expired(self.channel, utcnow())
        if recovered:
            log.warning("%s sender: %d in-flight sends recovered after a crash", self.channel, recovered)
        return recovered

    async def _claim(self) -> Batch | None:
        now = utcnow()
        async with self.store.uow() as uow:
            rows = await uow.outbox.claim(self.channel, self.owner, self.lease, BATCH, now)
            if not rows:
                return None
            self._held.update(row.id for row in rows)
            messages = await uow.broadcasts.messages(row.broadcast_id for row in rows)
            announced = [row.user_key for row in rows if not messages[row.broadcast_id].direct]
            direct = [row.user_key for row in rows if messages[row.broadcast_id].direct]
            batch = Batch(
                rows,
                messages,
                # Opt-out is checked as late as possible: right before sending, in the claiming transaction.
                await uow.outbox.subscribed(self.channel, announced) if announced else set(),
                await uow.outbox.blocked(self.channel, direct) if direct else set(),
            )
            for broadcast_id, created_by in await uow.broadcasts.start(row.broadcast_id for row in rows):
                total = sum((await uow.outbox.counts(broadcast_id)).values())
                batch.started.append((broadcast_id, created_by, total))
        return batch

    async def _start(self, batch: Batch) -> None:
        """Start a batch's sends, one per slot; returns once the last one started.

        A send does not wait for the one before to be answered, so a slow platform answer does not slow the
        rate; each result is written as soon as it is known, and at most `BATCH` messages are ever out
        without a written result (what a crash may send twice)."""
        _ = Translator("id")
        self._platform_away = None  # each batch tries the platform again (after the pacer's pause)
        for row in batch.rows:
            message = batch.messages[row.broadcast_id]
            if message.direct and row.user_key in batch.blocked:
                self._finished(Result(row.id, DeliveryState.BLOCKED, "blocked the bot", row.attempts), permit=False)
                continue
            if not message.direct and row.user_key not in batch.active:
                self._finished(Result(row.id, DeliveryState.OPTED_OUT, "", row.attempts), permit=False)
                continue
            if self._platform_away is not None:
                # The platform just could not be reached: the rest of the batch goes back to the queue at once,
                # with that reason, not attempted (no attempt counted).
                away = self._platform_away
                retry_at = utcnow() + timedelta(seconds=max(away.retry_after, 1.0))
                self._finished(Result(row.id, DeliveryState.PENDING, away.reason, row.attempts, retry_at), permit=False)
                continue
            await self._unrecorded.acquire()
            await self.pacer.wait()
            if message.direct:
                sending = self.deliver_direct(row.user_key, message)
            else:
                sending = self.deliver(
                    row.user_key, announcement_text(_, self.domain, message.kode_kelurahan, message.text)
                )
            task = asyncio.create_task(self._send_one(row, sending))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)
        for broadcast_id, created_by, total in batch.started:
            self._tell(created_by, start_text(broadcast_id, total))
        self._write_soon()

    async def _send_one(self, row: Claimed, sending: Awaitable[Outcome]) -> None:
        try:
            outcome = await sending
        except Exception as error:  # a transport error (the platform away): try again later
            outcome = Outcome("retry", type(error).__name__, 5.0, platform_away=True)
        self._platform_away = outcome if outcome.platform_away else None
        attempts = row.attempts + 1
        if outcome.state != "retry":
            result = Result(row.id, outcome.state, outcome.reason, attempts, platform_id=outcome.platform_id)
        else:
            self.pacer.pause(outcome.retry_after)  # the platform asked everyone to slow down
            if attempts < MAX_ATTEMPTS:
                retry_at = utcnow() + timedelta(seconds=max(outcome.retry_after, 1.0))
                result = Result(row.id, DeliveryState.PENDING, outcome.reason, attempts, retry_at)
            else:
                result = Result(row.id, DeliveryState.FAILED, outcome.reason or "retries exhausted", attempts)
        self._finished(result, permit=True)

    def _finished(self, result: Result, *, permit: bool) -> None:
        self._done.append((result, permit))
        self._write_soon()

    def _write_soon(self) -> None:
        if self._done and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write_done())

    async def _write_done(self) -> None:
        """Write every result known so far, in one transaction per round (group commit)."""
        while self._done:
            taken, self._done = self._done, []
            try:
                await self._record([result for result, _permit in taken])
            except Exception:
                log.exception("%s sender: results not written; those rows will be resent", self.channel)
            finally:
                for _result, permit in taken:
                    if permit:
                        self._unrecorded.release()

    async def _drain(self) -> None:
        """Wait until every send started so far is answered and its result written."""
        while self._sends or self._done or (self._writer is not None and not self._writer.done()):
            if self._sends:
                await asyncio.gather(*list(self._sends), return_exceptions=True)
            self._write_soon()
            if self._writer is not None:
                await asyncio.gather(self._writer, return_exceptions=True)

    async def _record(self, results: list[Result]) -> None:
        """Write results; retried, since the messages are already out. If it still fails, the rows' lease is
        left to run out and they are sent again, counted as resent."""
        attempt = 0
        while True:
            try:
                await self._write(results)
                self._database_back()
                return
            except Exception as error:
                if database_unavailable(error):
                    # Sent but not yet recorded: kept (the lease renewed) until the database answers again,
                    # so nothing sent is sent again, and nothing is marked sent that was not.
                    self._database_away(error)
                    await self._paused.wait()
                    continue
                attempt += 1
                if attempt == RECORD_ATTEMPTS:
                    self._held.difference_update(r.id for r in results)
                    raise
                log.warning("%s sender: writing results failed (%s); retrying", self.channel, type(error).__name__)
                await asyncio.sleep(0.2 * attempt)

    async def _write(self, results: list[Result]) -> None:
        now = utcnow()
        async with self.store.uow() as uow:
            # A delivery callback may have arrived before this record: take the state it reported.
            reported = await uow.outgoing.states(self.channel, [r.platform_id for r in results if r.platform_id])
            final = [
                Result(r.id, reported[r.platform_id], r.reason, r.attempts, platform_id=r.platform_id)
                if r.state == DeliveryState.SENT and moves_forward(DeliveryState.SENT, reported.get(r.platform_id, ""))
                else r
                for r in results
            ]
            await uow.outbox.record(self.owner, final, now)
        self._held.difference_update(r.id for r in results)

    async def _finish_broadcasts(self) -> None:
        async with self.store.uow() as uow:
            finished = await uow.broadcasts.finish_sent(utcnow())
            reports = [
                (created_by, broadcast_id, await uow.outbox.counts(broadcast_id))
                for broadcast_id, created_by in finished
            ]
        for created_by, broadcast_id, tally in reports:
            self._tell(created_by, report_text(broadcast_id, tally))

    async def _release(self) -> None:
        """On a clean stop, rows claimed but not sent go back to the queue (not marked recovered)."""
        if not self._held:
            return
        async with self.store.uow() as uow:
            await uow.outbox.release(sorted(self._held), self.owner, utcnow())
        self._held.clear()

    # The service loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        renewer = asyncio.create_task(self._renew_leases(stop))
        try:
            while not stop.is_set():
                try:
                    leading = await self.leadership.acquire()
                except Exception as error:
                    if database_unavailable(error):
                        self._database_away(error)
                    else:
                        log.exception("%s sender: leadership check failed", self.channel)
                    leading = False
                if not leading:
                    self.role = "standby"
                    await _wait(stop, STANDBY_POLL_SECONDS)
                    continue
                if self.role != "leader":
                    log.warning("%s sender: this process now sends the broadcasts", self.channel)
                self.role = "leader"
                await self._lead(stop)
        finally:
            renewer.cancel()
            self.role = "standby"
            await asyncio.shield(self._stop_cleanly())

    async def _stop_cleanly(self) -> None:
        """Wait (briefly) for messages under way and write their results; then hand back the rows claimed but
        not sent. If the wait runs out, nothing is handed back: those leases expire and count as resent."""
        try:
            await asyncio.wait_for(self._drain(), STOP_GRACE_SECONDS)
            await self._release()
        except Exception:
            log.warning("%s sender: stopped with messages under way; their rows will be resent", self.channel)
        with suppress(Exception):
            await self.leadership.release()

    async def _lead(self, stop: asyncio.Event) -> None:
        """Send while this process holds the channel. The next batch is claimed while the current one is
        sent, and results are written while later messages are sent, so neither a slow database nor a slow
        platform answer costs a slot."""
        loop = asyncio.get_running_loop()
        checked = recovered = float("-inf")
        next_batch: asyncio.Task[Batch | None] | None = None
        self.pacer.idle()
        try:
            while not stop.is_set():
                try:
                    if loop.time() - checked > STANDBY_POLL_SECONDS:
                        if not await self.leadership.held():
                            return
                        checked = loop.time()
                    if loop.time() - recovered > self.lease.total_seconds() / 2:
                        await self.recover()
                        recovered = loop.time()
                    batch = await (next_batch or self._claim())
                    next_batch = None
                    self._database_back()
                    if batch is None:
                        await self._drain()
                        await self._finish_broadcasts()
                        self.pacer.idle()
                        await _wait(stop, self.poll_seconds)
                        continue
                    next_batch = asyncio.create_task(self._claim())
                    await self._start(batch)
                except Exception as error:
                    next_batch = None
                    if database_unavailable(error):  # paused: its transaction rolled back, nothing marked sent
                        self._database_away(error)
                        await self._paused.wait(stop)
                        continue
                    log.exception("%s sender: step failed; retrying", self.channel)
                    await _wait(stop, self.poll_seconds)
        finally:
            if next_batch is not None:
                # Its rows, once claimed, are in `_held`: handed back on a clean stop.
                with suppress(Exception, asyncio.CancelledError):
                    await asyncio.shield(next_batch)

    def _database_away(self, error: BaseException) -> None:
        if self._paused.attempt == 0:
            log.warning("%s sender: paused, the database is unreachable (%s)", self.channel, type(error).__name__)

    def _database_back(self) -> None:
        if self._paused.attempt:
            log.warning("%s sender: resumed", self.channel)
            self._paused.reset()

    async def _renew_leases(self, stop: asyncio.Event) -> None:
        """Keep the lease of rows in flight (a long 429 wait, a slow platform) from running out."""
        every = self.lease.total_seconds() / 3
        while not stop.is_set():
            await _wait(stop, every)
            if not self._held:
                continue
            try:
                async with self.store.uow() as uow:
                    await uow.outbox.renew(sorted(self._held), self.owner, utcnow() + self.lease)
            except Exception:
                log.exception("%s sender: lease renewal failed", self.channel)

    def _tell(self, created_by: str, text: str) -> None:
        """Progress for the staff chat that created the broadcast (the CLI reads `broadcast show`)."""
        if self.notify is None or created_by in ("cli", DIRECT_SENDER):
            return
        task = asyncio.create_task(self.notify(created_by, text))
        self._notifications.add(task)
        task.add_done_callback(self._notifications.discard)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


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
