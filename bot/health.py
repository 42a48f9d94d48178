"""What `/healthz` reports: each part's state (`ok`, `starting`, `degraded: <reason>`), counters, and the
capped, jittered backoff every retry loop of the service uses.

A state is logged once, at WARNING, when it changes; a retry that fails the same way again logs nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from contextlib import suppress

log = logging.getLogger(__name__)

OK = "ok"
STARTING = "starting"


def degraded(reason: str) -> str:
    return f"degraded: {reason}"


class Health:
    """The state of each channel (and of the database, as the service last saw it)."""

    def __init__(self) -> None:
        self._states: dict[str, str] = {}
        self.counters: Counter[str] = Counter()

    def set(self, part: str, state: str) -> None:
        previous = self._states.get(part)
        if previous == state:
            return
        self._states[part] = state
        if previous is None and state in (OK, STARTING):
            return  # the first state of a part that starts normally is not news
        log.warning("%s: %s", part, state)

    def ok(self, part: str) -> None:
        self.set(part, OK)

    def degrade(self, part: str, reason: str) -> None:
        self.set(part, degraded(reason))

    def state(self, part: str) -> str:
        return self._states.get(part, STARTING)

    def states(self) -> dict[str, str]:
        return dict(self._states)

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] += by


class Backoff:
    """Capped exponential backoff with jitter: attempt n waits a random time in [d/2, d], d = min(cap,
    first * 2**n). Half the delay is kept so a fleet restarting together still spreads out without ever
    retrying in a tight loop."""

    def __init__(self, first: float = 0.5, cap: float = 15.0) -> None:
        self.first = first
        self.cap = max(cap, first)
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2.0**self.attempt)
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.attempt = 0

    async def wait(self, stop: asyncio.Event | None = None) -> None:
        """Sleep the next delay; return early when `stop` is set."""
        delay = self.next_delay()
        if stop is None:
            await asyncio.sleep(delay)
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
