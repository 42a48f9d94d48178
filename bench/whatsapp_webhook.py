"""Benchmark: signed WhatsApp webhook requests at a fixed arrival rate (open loop) to the reply reaching a
fake Graph API server on 127.0.0.1; p50/p99 latency and completed requests per second.

    .venv/bin/python bench/whatsapp_webhook.py [--rate 200] [--seconds 10]

Each request is a first "halo" from a new user (new dialog row, once-only record, welcome list reply).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, TCPConnector, web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.web import build_web_app, settle_heap  # noqa: E402
from bot.whatsapp import WHATSAPP_PATH  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from tests.e2e.whatsapp_driver import whatsapp_settings  # noqa: E402

SECRET = "bench-app-secret"
BENCH_KEY = "bench-secret-key-0123456789abcdef"


def payload(n: int) -> bytes:
    wa_id = f"62813{n:07d}"
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                            "contacts": [{"profile": {"name": "Warga"}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": f"wamid.B{n:09d}",
                                    "timestamp": "1750263773",
                                    "type": "text",
                                    "text": {"body": "halo"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


async def main(rate: float, seconds: float, database_url: str | None, fake_in_process: bool) -> None:
    # By default the fake Graph API runs in its own process, as Meta's servers are not in ours; on a 2-core
    # machine it then competes for CPU with the bot and the database. --fake-in-process shares the loop.
    port_file = Path(tempfile.mkstemp()[1])
    port_file.write_text("")
    fake: subprocess.Popen[bytes] | None = None
    if fake_in_process:
        from tests.fakes.graph_api import FakeGraph

        in_process = FakeGraph()
        port_file.write_text(await in_process.start())
    else:
        fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.graph_api", str(port_file)], cwd=ROOT)
    while not port_file.read_text():
        await asyncio.sleep(0.05)
    graph_base = port_file.read_text()
    arrivals_url = graph_base.rsplit("/", 1)[0] + "/_arrivals"
    with tempfile.TemporaryDirectory() as tmp:
        settings = whatsapp_settings(Path(tmp), graph_base, app_secret=SECRET, secret_key=BENCH_KEY)
        app = await bootstrap(settings, database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        web_app, _ = build_web_app(app, Conversations(app.store, app.domain, app.today))
        settle_heap()  # as `sigap run` does once its service is built
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{WHATSAPP_PATH}"  # type: ignore[union-attr]
        total = int(rate * seconds)
        bodies = [payload(n) for n in range(total)]
        sent_at: dict[str, float] = {}
        statuses: list[int] = []
        async with ClientSession(connector=TCPConnector(limit=256)) as http:

            async def fire(n: int) -> None:
                body = bodies[n]
                signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                sent_at[f"62813{n:07d}"] = time.time()
                async with http.post(url, data=body, headers={"X-Hub-Signature-256": signature}) as response:
                    statuses.append(response.status)

            started = time.time()
            tasks = []
            for n in range(total):
                delay = started + n / rate - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(fire(n)))
            await asyncio.gather(*tasks)
            arrivals: dict[str, float] = {}
            while len(arrivals) < total and time.time() - started < seconds + 60:
                await asyncio.sleep(0.2)
                async with http.get(arrivals_url) as response:
                    arrivals = await response.json()
            elapsed = max(arrivals.values()) - started
        latencies = sorted((arrivals[user] - t) * 1000 for user, t in sent_at.items() if user in arrivals)
        await runner.cleanup()
        await app.close()
    if fake is not None:
        fake.terminate()
        fake.wait()
    port_file.unlink()
    figures = {
        "database": "postgresql" if database_url and "postgresql" in database_url else "sqlite",
        "fake_graph": "in process" if fake_in_process else "own process",
        "offered_rate_per_second": rate,
        "requests": total,
        "answered": len(latencies),
        "http_200": statuses.count(200),
        "completed_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
    }
    write_figures(f"whatsapp_webhook_{figures['database']}_{'inproc' if fake_in_process else 'proc'}", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--db", default=None)
    parser.add_argument("--fake-in-process", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rate, arguments.seconds, arguments.db, arguments.fake_in_process))
