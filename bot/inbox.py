"""Webhook intake through the inbox (issue #18 §2): an update is written down before the platform gets its
200, handled in the background from there, and deleted once handled.

- The database is away: the update cannot be written, so the webhook answers 503 and the platform sends it
  again later. An update written but not yet handled is retried here, with backoff, until the database is
  back; its transaction rolled back, so nothing is half-written.
- Shutdown (SIGTERM): work in flight is given a bounded grace period; what is left is released so the next
  process takes it at once.
- A crash: the item's lease runs out and any process's sweep takes it.
Handling is idempotent (the incoming id is recorded in the dialog's own transaction), so an update handled
twice is still answered once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta

from bot.health import Backoff, Health
from sigap_core.store.availability import database_unavailable
from sigap_core.store.inbox import Inbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
SWEEP_SECONDS = 1.0
SWEEP_BATCH = 50
DELETE_AFTER = 0.05  # handled items are deleted in batches gathered over this long

Process = Callable[[bytes], Awaitable[None]]


class InboxWorker:
    """The inbox of one channel: `accept` from the webhook, `sweep` for leftovers, `drain` at shutdown."""

    def __init__(self, inbox: Inbox, channel: str, process: Process, health: Health, retry_cap: float) -> None:
        self.inbox = inbox
        self.channel = channel
        self.process = process
        self.health = health
        self.retry_cap = retry_cap
        self._active: dict[int, asyncio.Task[None]] = {}
        self._finished: list[int] = []  # handled, to be deleted
        self._deleter: asyncio.Task[None] | None = None
        self._closing = False  # no new work starts here
        self._stopping = False  # and work under way gives up

    def stopping(self) -> None:
        """The service is shutting down: whatever arrives now is kept for the next process."""
        self._closing = True

    async def accept(self, raw: bytes) -> bool:
        """Write the update down and start handling it; False when the database cannot take it (answer 503).
        Shielded: a request cancelled at shutdown cannot leave a written item that nobody handles."""
        return await asyncio.shield(self._accept(raw))

    async def _accept(self, raw: bytes) -> bool:
        try:
            item_id = await self.inbox.add(self.channel, raw, timedelta(0) if self._closing else LEASE)
        except Exception as error:
            if not database_unavailable(error):
                raise
            self.health.degrade("database", "unreachable")
            return False
        self.health.ok("database")
        if not self._closing:
            self._start(item_id, raw)
        return True

    def _start(self, item_id: int, raw: bytes) -> asyncio.Task[None]:
        task = asyncio.create_task(self._handle(item_id, raw))
        self._active[item_id] = task
        task.add_done_callback(lambda _task: self._active.pop(item_id, None))
        return task

    async def _handle(self, item_id: int, raw: bytes) -> None:
        backoff = Backoff(cap=self.retry_cap)
        while True:
            try:
                await self.process(raw)
                break
            except Exception as error:
                if not database_unavailable(error):
                    # A bug, not an outage: retrying would fail the same way. The user got an apology.
                    log.exception("%s: an update could not be handled; dropped", self.channel)
                    break
                self.health.degrade("database", "unreachable")
                if self._stopping:
                    return  # stays in the inbox for the next process
                await backoff.wait()
        self._finished.append(item_id)
        if self._deleter is None or self._deleter.done():
            self._deleter = asyncio.create_task(self._delete_finished(DELETE_AFTER))

    async def _delete_finished(self, delay: float) -> None:
        """Delete handled items in batches (one transaction per batch instead of one per update). An item
        left behind by a crash is handled again later, which changes nothing (its incoming id is recorded)."""
        await asyncio.sleep(delay)
        backoff = Backoff(cap=self.retry_cap)
        while self._finished:
            batch, self._finished = self._finished, []
            try:
                await self.inbox.done(batch)
            except Exception as error:
                self._finished[:0] = batch
                if self._stopping or not database_unavailable(error):
                    log.warning("%s: handled updates stay in the inbox (%s)", self.channel, type(error).__name__)
                    return
                await backoff.wait()

    async def sweep(self, stop: asyncio.Event) -> None:
        """Take items whose lease ran out (a process died, or shut down and released them), oldest first,
        and handle them one at a time, in order. Runs at start and every second."""
        backoff = Backoff(cap=self.retry_cap)
        while not stop.is_set():
            try:
                items = await self.inbox.take(self.channel, SWEEP_BATCH, LEASE, {*self._active, *self._finished})
            except Exception as error:
                if not database_unavailable(error):
                    log.exception("%s: inbox sweep failed", self.channel)
                await backoff.wait(stop)
                continue
            backoff.reset()
            if items:
                log.warning("%s: %d acknowledged updates taken from the inbox", self.channel, len(items))
            for item_id, raw in items:
                if stop.is_set():
                    await self.inbox.release([i for i, _ in items if i not in self._active])
                    return
                await self._start(item_id, raw)
            if not items:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)

    async def settle(self) -> None:
        """Wait until everything accepted so far is handled (tests); deleting it follows within 50 ms."""
        while self._active:
            await asyncio.gather(*list(self._active.values()), return_exceptions=True)

    async def drain(self, grace: float) -> None:
        """Shutdown: let work in flight finish for up to `grace` seconds, then give back what is left."""
        self._closing = True
        if self._active:
            log.warning("%s: finishing %d updates in flight", self.channel, len(self._active))
            await asyncio.wait(list(self._active.values()), timeout=grace)
        self._stopping = True
        left = list(self._active)
        for task in list(self._active.values()):
            task.cancel()
        await asyncio.gather(*list(self._active.values()), return_exceptions=True)
        if self._deleter is not None:
            await asyncio.gather(self._deleter, return_exceptions=True)
        await self._delete_finished(0)
        if left:
            log.warning("%s: %d updates left unfinished in the inbox for the next start", self.channel, len(left))
            try:
                await self.inbox.release(left)
            except Exception as error:  # their leases run out on their own
                log.warning("%s: could not release inbox items (%s)", self.channel, type(error).__name__)
