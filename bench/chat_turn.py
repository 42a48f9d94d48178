"""Benchmark: a verified eligibility turn (the KK-digits message that yields the answer), in-process,
through the channel-neutral engine and a real SQLite database holding a 1M-row registry; and an unclear
message (text the bot cannot place, at the NIK prompt and with nothing pending), answered with an example
and a way out.

    .venv/bin/python bench/chat_turn.py [--turns 3000] [--unclear 3000]

Needs the database built by bench/import_dtsen.py (bench/out/bench.db).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, sample_pairs, write_figures  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from handlers.model import InMessage, Kind  # noqa: E402
from sigap_core.crypto import Hasher  # noqa: E402
from sigap_core.policy import load_policy  # noqa: E402
from sigap_core.services import Domain  # noqa: E402
from sigap_core.store.db import make_engine, upgrade  # noqa: E402
from sigap_core.store.repositories import Store  # noqa: E402
from sigap_core.wilayah import load_wilayah  # noqa: E402

OUT = ROOT / "bench" / "out"
SECRET = "bench-secret-key-0123456789abcdef"


UNCLEAR = ("hmm gimana ya", "asdf qwerty", "😂😂😂", "ya gitu deh pokoknya", "zzz", "anak saya 3 orang")


async def main(turns: int, unclear: int) -> None:
    csv_path = OUT / "dtsen_1000000" / "dtsen.csv"
    pairs = sample_pairs(csv_path, every=97, count=turns, seed=2)
    policy = load_policy()
    # Generous limits: the benchmark measures the turn, not the rate limiter's refusals.
    policy = replace(policy, verification=replace(policy.verification, checks_per_user_per_day=10**6))
    domain = Domain(Hasher(SECRET.encode()), policy, load_wilayah())
    engine = make_engine(f"sqlite+aiosqlite:///{OUT / 'bench.db'}")
    await upgrade(engine)
    store = Store(engine)
    bot = Conversations(store, domain, date.today)
    timings = []
    answered = 0
    # Fresh chats every run, so every run measures first checks of new chats, however often the database
    # has been used before (a run used to continue the previous run's 3,000 chats).
    run = f"{time.time_ns():x}"
    for n, (nik, kk4) in enumerate(pairs):
        user = f"bench-{run}-{n}"
        await bot.handle(InMessage("console", user, Kind.TEXT, text="cek kelayakan"))
        await bot.handle(InMessage("console", user, Kind.BUTTON, payload="consent:yes"))
        await bot.handle(InMessage("console", user, Kind.TEXT, text=nik))
        started = time.perf_counter()
        replies = await bot.handle(InMessage("console", user, Kind.TEXT, text=kk4))
        elapsed = time.perf_counter() - started
        if n >= 100:
            timings.append(elapsed)
        answered += "Desil DTSEN" in replies[0].text
    unclear_timings = []
    kind_answers = 0
    for n in range(unclear):
        user = f"bench-unclear-{run}-{n}"
        if n % 2:  # half of them at the NIK prompt, half with nothing pending
            await bot.handle(InMessage("console", user, Kind.TEXT, text="cek kelayakan"))
            await bot.handle(InMessage("console", user, Kind.BUTTON, payload="consent:yes"))
        else:
            await bot.handle(InMessage("console", user, Kind.TEXT, text="halo"))
        started = time.perf_counter()
        replies = await bot.handle(InMessage("console", user, Kind.TEXT, text=UNCLEAR[n % len(UNCLEAR)]))
        elapsed = time.perf_counter() - started
        if n >= 100:
            unclear_timings.append(elapsed)
        kind_answers += any(r.buttons or r.menu for r in replies)
    await store.dispose()
    timings.sort()
    figures: dict[str, object] = {
        "turns": len(timings),
        "answered_with_verified_data": answered,
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p99_ms": round(percentile(timings, 0.99) * 1000, 2),
        "max_ms": round(timings[-1] * 1000, 2),
    }
    if unclear_timings:
        unclear_timings.sort()
        figures |= {
            "unclear_turns": len(unclear_timings),
            "unclear_answered_with_a_way_out": kind_answers,
            "unclear_p50_ms": round(statistics.median(unclear_timings) * 1000, 2),
            "unclear_p99_ms": round(percentile(unclear_timings, 0.99) * 1000, 2),
            "unclear_max_ms": round(unclear_timings[-1] * 1000, 2),
        }
    assert answered == len(pairs), figures
    write_figures("chat_turn", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--unclear", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.unclear))
