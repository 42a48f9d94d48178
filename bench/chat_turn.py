"""Benchmark: a verified eligibility turn (the KK-digits message that yields the answer), in-process,
through the channel-neutral engine and a real SQLite database holding a 1M-row registry.

    .venv/bin/python bench/chat_turn.py [--turns 3000]

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


async def main(turns: int) -> None:
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
    for n, (nik, kk4) in enumerate(pairs):
        user = f"bench-{n}"
        await bot.handle(InMessage("console", user, Kind.TEXT, text="cek kelayakan"))
        await bot.handle(InMessage("console", user, Kind.BUTTON, payload="consent:yes"))
        await bot.handle(InMessage("console", user, Kind.TEXT, text=nik))
        started = time.perf_counter()
        replies = await bot.handle(InMessage("console", user, Kind.TEXT, text=kk4))
        elapsed = time.perf_counter() - started
        if n >= 100:
            timings.append(elapsed)
        answered += "Desil DTSEN" in replies[0].text
    await store.dispose()
    timings.sort()
    figures = {
        "turns": len(timings),
        "answered_with_verified_data": answered,
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p99_ms": round(percentile(timings, 0.99) * 1000, 2),
        "max_ms": round(timings[-1] * 1000, 2),
    }
    assert answered == len(pairs), figures
    write_figures("chat_turn", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=3000)
    asyncio.run(main(parser.parse_args().turns))
