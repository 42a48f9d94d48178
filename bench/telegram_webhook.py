"""Benchmark: Telegram updates per second through the webhook path to the reply arriving at a fake Bot API
server, for SIGAP (dedup in the database, dialog state, a real menu reply) beside a bare aiogram echo bot
on the same fake server.

    .venv/bin/python bench/telegram_webhook.py [--updates 2000] [--concurrency 32]

Everything runs on 127.0.0.1; the fake server, the bot and the load generator share one event loop, the same
for both bots, so the ratio is the comparable figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientSession, web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bootstrap import bootstrap  # noqa: E402
from bot.web import TELEGRAM_PATH, build_web_app  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from sigap_core.config import Settings  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, private_message  # noqa: E402

TOKEN = "123456:BENCH"
SECRET = "bench-hook-secret"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


class RemoteFake:
    """The fake Bot API in its own process, read through its /_sent endpoint."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http: ClientSession | None = None

    async def count(self) -> int:
        if self._http is None:
            self._http = ClientSession()
        async with self._http.get(self.base_url + "/_sent") as response:
            return len(await response.json())

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


async def sent_count(fake: FakeTelegram | RemoteFake) -> int:
    return await fake.count() if isinstance(fake, RemoteFake) else len(fake.sent())


async def drive(url: str, fake: FakeTelegram | RemoteFake, updates: int, concurrency: int, first_id: int) -> float:
    """Updates per second, from the first POST to the last reply recorded by the fake server."""
    before = await sent_count(fake)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(updates):
        queue.put_nowait(n)
    async with ClientSession() as http:

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                body = {"update_id": first_id + n, **private_message(50_000 + n % 500, "/menu")}
                async with http.post(url, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    assert response.status == 200, response.status

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        while await sent_count(fake) - before < updates:
            await asyncio.sleep(0.005 if isinstance(fake, FakeTelegram) else 0.05)
        return updates / (time.perf_counter() - started)


async def echo_bot(fake: FakeTelegram | RemoteFake) -> tuple[web.AppRunner, str, Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=SECRET).register(app, path=TELEGRAM_PATH)
    runner, base = await serve(app)
    return runner, base + TELEGRAM_PATH, bot


async def main(updates: int, concurrency: int, rounds: int, database_url: str | None, fake_in_process: bool) -> None:
    process = None
    fake: FakeTelegram | RemoteFake
    if fake_in_process:
        fake = FakeTelegram()
        await fake.start()
    else:
        port_file = Path(tempfile.mkstemp()[1])
        port_file.write_text("")
        process = subprocess.Popen([sys.executable, "-m", "tests.fakes.telegram_api", str(port_file)], cwd=ROOT)
        while not port_file.read_text():
            await asyncio.sleep(0.05)
        fake = RemoteFake(port_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            var_dir=Path(tmp),
            secret_key="bench-secret-key-0123456789abcdef",
            telegram_token=TOKEN,
            telegram_api_base=fake.base_url,
            telegram_webhook_url="https://example.invalid/webhooks/telegram",
            telegram_webhook_secret=SECRET,
            _env_file=None,  # type: ignore[call-arg]
        )
        app = await bootstrap(settings, database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        web_app, telegram = build_web_app(app, Conversations(app.store, app.domain, app.today))
        sigap_runner, sigap_base = await serve(web_app)
        echo_runner, echo_url, echo = await echo_bot(fake)
        # Warm both up (first conversations, connection pools).
        await drive(sigap_base + TELEGRAM_PATH, fake, 200, concurrency, 1)
        await drive(echo_url, fake, 200, concurrency, 1)
        sigap_rates, echo_rates = [], []
        next_id = 10_000
        for _ in range(rounds):
            sigap_rates.append(await drive(sigap_base + TELEGRAM_PATH, fake, updates, concurrency, next_id))
            echo_rates.append(await drive(echo_url, fake, updates, concurrency, next_id))
            next_id += updates
        await sigap_runner.cleanup()
        await echo_runner.cleanup()
        assert telegram is not None
        await telegram.close()
        await echo.session.close()
        await app.close()
    if isinstance(fake, FakeTelegram):
        await fake.stop()
    else:
        await fake.close()
    if process is not None:
        process.terminate()
        process.wait()
    figures = {
        "fake_bot_api": "in process" if fake_in_process else "own process",
        "database": "postgresql" if database_url and "postgresql" in database_url else "sqlite",
        "updates_per_round": updates,
        "concurrency": concurrency,
        "sigap_updates_per_second": [round(r) for r in sigap_rates],
        "echo_updates_per_second": [round(r) for r in echo_rates],
        "ratio_sigap_to_echo_best": round(max(sigap_rates) / max(echo_rates), 3),
        # Rounds alternate between the two bots, so each pair ran under the same machine conditions.
        "ratio_per_round": [round(s / e, 3) for s, e in zip(sigap_rates, echo_rates, strict=True)],
        "ratio_median": round(statistics.median(s / e for s, e in zip(sigap_rates, echo_rates, strict=True)), 3),
    }
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    name = f"telegram_webhook_{figures['database']}_{'inproc' if fake_in_process else 'proc'}.json"
    (ROOT / "bench" / "out" / name).write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--fake-in-process", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.updates, arguments.concurrency, arguments.rounds, arguments.db, arguments.fake_in_process)
    )
