"""The broadcast pacer on a simulated clock: the configured rate under jitter, no burst, idle not made up."""

from __future__ import annotations

import itertools
import random

from bot.sender import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_late_sends_cost_no_slots_and_never_burst_past_the_platform_limit() -> None:
    clock = Clock()
    pacer = Pacer(25, clock=clock, sleep=clock.sleep)
    jitter = random.Random(7)
    times = []
    for n in range(500):
        # Work between two sends on a loaded machine: a few ms, and after each batch of 5 a database round trip
        # that takes longer than one 40 ms slot.
        clock.now += jitter.uniform(0.045, 0.075) if n % 5 == 0 else jitter.uniform(0.0, 0.01)
        await pacer.wait()
        times.append(clock.now)
    # The late sends were made up: the last send is within one interval of the ideal grid's ...
    assert times[-1] - times[0] < 499 / 25 + 0.04
    # ... and never more than Telegram's 30 within one second (25 configured, one slot of tolerance).
    assert most_in_one_second(times) <= 27


async def test_idle_time_is_not_made_up_as_a_burst() -> None:
    clock = Clock()
    pacer = Pacer(25, clock=clock, sleep=clock.sleep)
    await pacer.wait()
    clock.now += 30.0  # nothing to send for half a minute
    pacer.idle()
    times = []
    for _ in range(10):
        await pacer.wait()
        times.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) > 0.039


async def test_a_long_gap_is_not_made_up_as_a_burst() -> None:
    clock = Clock()
    pacer = Pacer(25, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await pacer.wait()
    clock.now += 2.0  # a send blocked for two seconds
    times = []
    for _ in range(30):
        await pacer.wait()
        times.append(clock.now)
    assert most_in_one_second(times) <= 27


async def test_retry_after_moves_every_later_slot() -> None:
    clock = Clock()
    pacer = Pacer(25, clock=clock, sleep=clock.sleep)
    await pacer.wait()
    started = clock.now
    pacer.pause(3.0)  # a 429 with retry_after 3
    await pacer.wait()
    await pacer.wait()
    assert clock.now - started >= 3.0 + 0.039
