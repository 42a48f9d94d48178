"""Benchmark (#11): broadcast delivery across processes on one PostgreSQL database, against a fake Bot API that
enforces 30 msg/s overall; the channel's rate with 1, 2 and 3 processes, and the two ways to share one rate.

    .venv/bin/python bench/scale_out.py [--recipients 750] [--processes 1 2 3] [--design lock bucket]

lock   — the product: N real `sigap run` processes; the one holding the channel's advisory lock sends.
bucket — the alternative measured for the choice: N worker processes that all send, each message's slot
         reserved from one shared row (`UPDATE pace SET next_slot = greatest(next_slot, now()) + interval
         RETURNING …`, a token bucket of depth one), claims through the same outbox repository.

Figures: achieved rate (first to last message), most messages in any one second, 429s, duplicates, missing,
and for `bucket` the database round trips per message. Each run uses a fresh database (created, dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402

PG = os.environ.get("SIGAP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-not-for-production-0001"
TOKEN = "123456:BENCH"
FIRST_CHAT = 700_000
RATE = 25.0
LIMIT = 30.0


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(url: str, recipients: int, var_dir: Path) -> None:
    from bot.bootstrap import bootstrap
    from sigap_core import broadcasts
    from sigap_core.config import Settings
    from sigap_core.store import models

    app = await bootstrap(Settings(var_dir=var_dir, secret_key=SECRET, _env_file=None), url)  # type: ignore[call-arg]
    now = datetime.now(UTC)
    async with app.store.uow() as uow:
        uow.session.add_all(
            models.Subscription(
                channel="telegram",
                user_key=str(FIRST_CHAT + n),
                kode_kelurahan="32.75.08.1002",
                status="active",
                updated_at=now,
            )
            for n in range(recipients)
        )
    async with app.store.uow() as uow:
        # Starts 8 s from now, so every process is up when it does.
        start = now + timedelta(seconds=8)
        await broadcasts.create_broadcast(
            uow, app.domain, broadcasts.CLI_ACTOR, None, "all", "Bench", start, now, app.today()
        )
    await app.close()


async def bucket_worker(url: str, base: str, rate: float) -> None:
    """One process of the shared-bucket design: claim, reserve a slot per message in the database, send."""
    import aiohttp
    from sqlalchemy import text

    from bot.sender import BATCH, process_id
    from sigap_core.store.db import make_engine
    from sigap_core.store.outbox import Result
    from sigap_core.store.repositories import Store, utcnow

    store = Store(make_engine(url))
    owner = process_id()
    interval = 1.0 / rate
    round_trips = sent = 0
    async with store.uow() as uow:
        await uow.session.execute(
            text("CREATE TABLE IF NOT EXISTS pace (channel text PRIMARY KEY, next_slot double precision)")
        )
        await uow.session.execute(text("INSERT INTO pace VALUES ('telegram', 0) ON CONFLICT DO NOTHING"))
    idle_since = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - idle_since < 15:
            async with store.uow() as uow:
                rows = await uow.outbox.claim("telegram", owner, timedelta(seconds=20), BATCH, utcnow())
            round_trips += 1
            if not rows:
                await asyncio.sleep(0.5)
                continue
            idle_since = time.monotonic()
            results = []
            for row in rows:
                async with store.uow() as uow:
                    slot = (
                        await uow.session.execute(
                            text(
                                "UPDATE pace SET next_slot = greatest(next_slot, extract(epoch from clock_timestamp()))"
                                " + :i WHERE channel = 'telegram' RETURNING next_slot - :i"
                            ),
                            {"i": interval},
                        )
                    ).scalar_one()
                round_trips += 1
                wait = float(slot) - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                async with http.post(
                    f"{base}/bot{TOKEN}/sendMessage", json={"chat_id": int(row.user_key), "text": "Bench"}
                ) as response:
                    ok = response.status == 200
                results.append(Result(row.id, "sent" if ok else "failed", "" if ok else "429", row.attempts + 1))
                sent += 1
            async with store.uow() as uow:
                await uow.outbox.record(owner, results, utcnow())
            round_trips += 1
            print(json.dumps({"sent": sent, "round_trips": round_trips}), flush=True)  # the last line counts
    await store.dispose()


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def run_one(design: str, processes: int, recipients: int) -> dict[str, Any]:
    name = "sigap_bench_" + uuid.uuid4().hex[:10]
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    url = PG.rsplit("/", 1)[0] + "/" + name
    children: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        port_file.write_text("")
        fake = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.telegram_api", str(port_file), str(LIMIT)], cwd=ROOT
        )
        try:
            while not port_file.read_text():
                time.sleep(0.05)
            base = port_file.read_text()
            asyncio.run(_prepare(url, recipients, Path(tmp) / "var"))
            env = {
                **os.environ,
                "SIGAP_SECRET_KEY": SECRET,
                "SIGAP_DATABASE_URL": url,
                "SIGAP_VAR_DIR": str(Path(tmp) / "var"),
                "SIGAP_TELEGRAM_TOKEN": TOKEN,
                "SIGAP_TELEGRAM_API_BASE": base,
                "SIGAP_TELEGRAM_WEBHOOK_URL": "https://sigap.invalid/webhooks/telegram",
                "SIGAP_TELEGRAM_WEBHOOK_SECRET": "bench",
                "SIGAP_TELEGRAM_RATE": str(RATE),
            }
            for n in range(processes):
                command = (
                    [sys.executable, "-m", "bot.cli", "run"]
                    if design == "lock"
                    else [sys.executable, __file__, "--worker", url, base]
                )
                children.append(
                    subprocess.Popen(
                        command,
                        env={**env, "SIGAP_HTTP_PORT": str(18_600 + n)},
                        cwd=ROOT,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                )
            deadline = time.monotonic() + 8 + recipients / RATE * 3 + 60
            while time.monotonic() < deadline:
                stats = get_json(f"{base}/_stats?min_chat_id={FIRST_CHAT}")
                if stats["distinct"] >= recipients:
                    break
                time.sleep(0.5)
            time.sleep(1.0)
            stats = get_json(f"{base}/_stats?min_chat_id={FIRST_CHAT}")
            sent = [m for m in get_json(f"{base}/_sent") if int(m["chat_id"]) >= FIRST_CHAT]
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            outputs = [child.communicate(timeout=30)[0] for child in children]
            fake.kill()
            fake.wait()
            asyncio.run(_admin(f"DROP DATABASE {name} WITH (FORCE)"))
    figures: dict[str, Any] = {
        "design": design,
        "processes": processes,
        "recipients": recipients,
        "delivered_distinct": stats["distinct"],
        "missing": recipients - stats["distinct"],
        "duplicates": stats["duplicates"],
        "throttled_429": stats["throttled"],
        "rate_msg_s": round((stats["sent"] - 1) / (stats["last"] - stats["first"]), 2),
        "most_in_one_second": most_in_one_second([float(m["_at"]) for m in sent]),
    }
    if design == "bucket":
        lines = [[line for line in out.decode().splitlines() if line.startswith("{")] for out in outputs]
        reports = [json.loads(found[-1]) for found in lines if found]
        total = sum(r["sent"] for r in reports) or 1
        figures["db_round_trips_per_message"] = round(sum(r["round_trips"] for r in reports) / total, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=750)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--design", nargs="+", default=["lock", "bucket"])
    parser.add_argument("--worker", nargs=2, metavar=("URL", "BASE"))
    options = parser.parse_args()
    if options.worker:
        asyncio.run(bucket_worker(options.worker[0], options.worker[1], RATE))
        return
    runs = [run_one(design, n, options.recipients) for design in options.design for n in options.processes]
    write_figures("scale_out", {"configured_rate": RATE, "platform_limit": LIMIT, "runs": runs})


if __name__ == "__main__":
    main()
