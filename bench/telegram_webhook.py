"""Benchmark: Telegram updates per second through the webhook path to the reply arriving at a fake Bot API
server, for SIGAP (a real `sigap run` process: dedup in the database, dialog state, a menu reply with an
inline keyboard) beside a bare aiogram echo bot process on the same fake server.

    .venv/bin/python bench/telegram_webhook.py [--updates 1500] [--rounds 5] [--concurrency 32] [--db URL]

Every party is its own process on 127.0.0.1, as in production: the fake Bot API server, the SIGAP service,
the echo bot, and this load generator (which posts the updates and counts the replies the fake server
recorded). Rounds alternate between the two bots, so each pair of rounds ran under the same machine
conditions; the per-round ratio and its median are the comparable figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402
from bot.web import TELEGRAM_PATH  # noqa: E402
from tests.fakes.telegram_api import private_message  # noqa: E402

TOKEN = "123456:BENCH"
SECRET = "bench-hook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_up(http: ClientSession, url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(400):
        if process.poll() is not None:
            raise SystemExit(f"{url}: the process exited with {process.returncode}")
        try:
            async with http.get(url) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


async def sent_count(http: ClientSession, fake_base: str) -> int:
    async with http.get(fake_base + "/_sent") as response:
        return len(await response.json())


async def drive(http: ClientSession, url: str, fake_base: str, updates: int, concurrency: int, first_id: int) -> float:
    """Updates per second, from the first POST to the last reply recorded by the fake server."""
    before = await sent_count(http, fake_base)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(updates):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            body = {"update_id": first_id + n, **private_message(50_000 + n % 500, "/menu")}
            async with http.post(url, json=body, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 200, response.status

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    while await sent_count(http, fake_base) - before < updates:
        await asyncio.sleep(0.02)
    return updates / (time.perf_counter() - started)


# The bare echo bot: aiogram's documented webhook example, nothing else in the process. -------------------


async def echo_healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def serve_echo(port: int, api_base: str) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    app = web.Application()
    app.router.add_get("/healthz", echo_healthz)
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=SECRET).register(app, path=TELEGRAM_PATH)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# ---------------------------------------------------------------------------------------------------------


async def main(updates: int, concurrency: int, rounds: int, database_url: str | None) -> dict[str, object]:
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "fake.port"
        port_file.write_text("")
        processes.append(subprocess.Popen([sys.executable, "-m", "tests.fakes.telegram_api", str(port_file)], cwd=ROOT))
        while not port_file.read_text():
            await asyncio.sleep(0.05)
        fake_base = port_file.read_text()

        sigap_port, echo_port = free_port(), free_port()
        env = {
            **os.environ,
            "SIGAP_VAR_DIR": tmp,
            "SIGAP_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "SIGAP_TELEGRAM_TOKEN": TOKEN,
            "SIGAP_TELEGRAM_API_BASE": fake_base,
            "SIGAP_TELEGRAM_WEBHOOK_URL": "https://example.invalid/webhooks/telegram",
            "SIGAP_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "SIGAP_HTTP_PORT": str(sigap_port),
        }
        if database_url:
            env["SIGAP_DATABASE_URL"] = database_url
        sigap = [str(Path(sys.executable).parent / "sigap"), "run"]
        processes.append(subprocess.Popen(sigap, cwd=tmp, env=env))
        echo = [sys.executable, __file__, "--serve-echo", str(echo_port), fake_base]
        processes.append(subprocess.Popen(echo, cwd=ROOT))
        sigap_url = f"http://127.0.0.1:{sigap_port}{TELEGRAM_PATH}"
        echo_url = f"http://127.0.0.1:{echo_port}{TELEGRAM_PATH}"
        try:
            async with ClientSession() as http:
                await wait_until_up(http, f"http://127.0.0.1:{sigap_port}/healthz", processes[1])
                await wait_until_up(http, f"http://127.0.0.1:{echo_port}/healthz", processes[2])
                # Warm both up (first conversations, connection pools, lazily built models).
                await drive(http, sigap_url, fake_base, 300, concurrency, 1)
                await drive(http, echo_url, fake_base, 300, concurrency, 1)
                sigap_rates, echo_rates = [], []
                next_id = 10_000
                for _ in range(rounds):
                    sigap_rates.append(await drive(http, sigap_url, fake_base, updates, concurrency, next_id))
                    echo_rates.append(await drive(http, echo_url, fake_base, updates, concurrency, next_id))
                    next_id += updates
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    ratios = [s / e for s, e in zip(sigap_rates, echo_rates, strict=True)]
    return {
        "database": "postgresql" if database_url and "postgresql" in database_url else "sqlite",
        "updates_per_round": updates,
        "concurrency": concurrency,
        "sigap_updates_per_second": [round(r) for r in sigap_rates],
        "echo_updates_per_second": [round(r) for r in echo_rates],
        "ratio_per_round": [round(r, 3) for r in ratios],
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--serve-echo", nargs=2, metavar=("PORT", "API_BASE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_echo:
        serve_echo(int(arguments.serve_echo[0]), arguments.serve_echo[1])
        raise SystemExit(0)
    figures = asyncio.run(main(arguments.updates, arguments.concurrency, arguments.rounds, arguments.db))
    write_figures(f"telegram_webhook_{figures['database']}", figures)
