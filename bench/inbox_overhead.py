"""Benchmark: what the inbox (issue #18 §2) costs a WhatsApp webhook message, in CPU time of the service's
process and in time from the POST to the reply reaching a fake Graph API server.

    .venv/bin/python bench/inbox_overhead.py [--messages 300] [--rounds 3] [--db URL]

Rounds alternate between the service as `sigap run` builds it (the update written to the inbox before the
200, deleted once handled) and the same service with the inbox switched off (the update handled from
memory after the 200, as before). Each message is a first "halo" from a new user, sent one at a time
(closed loop), so the figures are per message and not a matter of queueing; CPU time is the process's own
(user + system), which a busy shared machine disturbs less than wall-clock time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bench.whatsapp_webhook import BENCH_KEY, SECRET, payload  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.web import WHATSAPP_KEY, build_web_app, settle_heap  # noqa: E402
from bot.whatsapp import WHATSAPP_PATH  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from tests.e2e.whatsapp_driver import whatsapp_settings  # noqa: E402
from tests.fakes.graph_api import FakeGraph  # noqa: E402


async def main(messages: int, rounds: int, database_url: str | None) -> None:
    graph = FakeGraph()
    await graph.start()
    results: dict[str, list[tuple[float, list[float]]]] = {"inbox": [], "no inbox": []}
    with tempfile.TemporaryDirectory() as tmp:
        settings = whatsapp_settings(Path(tmp), graph.base_url, app_secret=SECRET, secret_key=BENCH_KEY)
        app = await bootstrap(settings, database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        web_app, _ = build_web_app(app, Conversations(app.store, app.domain, app.today))
        channel = web_app[WHATSAPP_KEY]
        worker = channel.inbox
        settle_heap()
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{WHATSAPP_PATH}"  # type: ignore[union-attr]
        sequence = 0
        async with ClientSession() as http:
            for _round in range(rounds):
                for mode in ("inbox", "no inbox"):
                    channel.inbox = worker if mode == "inbox" else None
                    latencies = []
                    cpu_started = time.process_time()
                    for _ in range(messages):
                        sequence += 1
                        body = payload(sequence)
                        user = f"62813{sequence:07d}"
                        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                        started = time.perf_counter()
                        async with http.post(url, data=body, headers={"X-Hub-Signature-256": signature}) as r:
                            assert r.status == 200
                        while user not in graph.first_arrival:
                            await asyncio.sleep(0.0005)
                        latencies.append((time.perf_counter() - started) * 1000)
                    await channel.drain()
                    cpu = (time.process_time() - cpu_started) / messages * 1000
                    results[mode].append((cpu, sorted(latencies)))
        await runner.cleanup()
        await app.close()
    await graph.stop()
    figures: dict[str, object] = {"messages_per_round": messages, "rounds": rounds}
    for mode, runs in results.items():
        figures[mode] = {
            "cpu_ms_per_message": [round(cpu, 3) for cpu, _ in runs],
            "median_cpu_ms_per_message": round(statistics.median(cpu for cpu, _ in runs), 3),
            "p50_ms": [round(percentile(lat, 0.5), 2) for _, lat in runs],
            "p99_ms": [round(percentile(lat, 0.99), 2) for _, lat in runs],
        }
    write_figures("inbox_overhead", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.rounds, arguments.db))
