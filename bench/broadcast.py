"""Benchmark: a 5,000-recipient Telegram broadcast at the configured 25 msg/s against a fake Bot API
enforcing 30 msg/s, while citizens keep chatting; achieved rate, 429s, citizen reply latency.

    .venv/bin/python bench/broadcast.py [--recipients 5000] [--rate 25]

The citizen side: every 250 ms a citizen sends "menu" through long polling; latency is from the update
being available on the fake server to the bot's reply arriving there.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.sender import BroadcastSender  # noqa: E402
from bot.telegram import TelegramChannel  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from sigap_core import broadcasts  # noqa: E402
from sigap_core.config import Settings  # noqa: E402
from sigap_core.store import models  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, private_message  # noqa: E402

TOKEN = "123456:BENCH"


async def main(recipients: int, rate: float, database_url: str | None) -> None:
    fake = FakeTelegram(rate_limit=30)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), secret_key="bench-secret-key-0123456789abcdef", _env_file=None)  # type: ignore[call-arg]
        app = await bootstrap(settings, database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}")
        now = datetime.now(UTC)
        async with app.store.uow() as uow:
            uow.session.add_all(
                models.Subscription(
                    channel="telegram",
                    user_key=str(1_000_000 + n),
                    kode_kelurahan="32.75.08.1002",
                    status="active",
                    updated_at=now,
                )
                for n in range(recipients)
            )
        async with app.store.uow() as uow:
            await broadcasts.create_broadcast(
                uow, app.domain, broadcasts.CLI_ACTOR, None, "all", "Pengumuman uji", now, now, app.today()
            )
        channel = TelegramChannel(TOKEN, fake.base_url, Conversations(app.store, app.domain, app.today), app.store)
        polling = asyncio.create_task(
            channel.dispatcher.start_polling(channel.bot, handle_signals=False, polling_timeout=1)
        )
        sender = BroadcastSender(app.store, app.domain, "telegram", channel.deliver_announcement, rate)
        stop = asyncio.Event()
        latencies: list[float] = []

        async def citizens() -> None:
            n = 0
            while not stop.is_set():
                chat = 10 + n % 50
                before = len(fake.sent(chat))
                fake.push(private_message(chat, "menu"))
                pushed = time.perf_counter()
                while len(fake.sent(chat)) <= before and time.perf_counter() - pushed < 10:
                    await asyncio.sleep(0.002)
                latencies.append(time.perf_counter() - pushed)
                n += 1
                await asyncio.sleep(0.25)

        citizen_task = asyncio.create_task(citizens())
        started = time.perf_counter()
        sending_stop = asyncio.Event()
        sending = asyncio.create_task(sender.run(sending_stop))  # the service loop, as `sigap run` drives it
        while len([c for c in fake.sent() if c.chat_id >= 1_000_000]) < recipients:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        sending_stop.set()
        await sending
        stop.set()
        await citizen_task
        await channel.stop_polling()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await channel.close()
        async with app.store.reader() as uow:
            tally = await broadcasts.counts(uow, 1)
        await app.close()
    await fake.stop()
    latencies.sort()
    figures = {
        "recipients": recipients,
        "configured_rate": rate,
        "achieved_rate": round(tally.get("sent", 0) / elapsed, 2),
        "ratio_to_configured": round(tally.get("sent", 0) / elapsed / rate, 3),
        "sent": tally.get("sent", 0),
        "throttled_429": fake.throttled,
        "citizen_replies": len(latencies),
        "citizen_reply_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "citizen_reply_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "database": "postgresql" if database_url and "postgresql" in database_url else "sqlite",
    }
    write_figures(f"broadcast_{figures['database']}", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25)
    parser.add_argument("--db", default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.recipients, arguments.rate, arguments.db))
