"""Benchmark (#18 §1): a city admin previews, confirms and queues a city-wide broadcast to 100,000 subscribers
while citizens keep chatting at 20 messages/s in the same process; then `sigap report` runs in another
process. Figures: each staff step's own time, and citizen reply latency (p50 / p99 / max) during each phase.

    .venv/bin/python bench/audience_load.py [--registry 300000] [--subscribers 100000] [--db URL]

The database is filled directly (registry persons with random digests, participation records for some,
subscriptions in every kelurahan, a kept verification for 60 % of the subscribers), so the run measures the
audience work, not an import. Citizen latency is from handing the message to the conversation engine to its
replies coming back (the same engine `sigap run` drives from the webhooks).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bot.bootstrap import App, bootstrap  # noqa: E402
from handlers.engine import Conversations  # noqa: E402
from handlers.model import InMessage, Kind  # noqa: E402
from sigap_core import broadcasts  # noqa: E402
from sigap_core.config import Settings  # noqa: E402
from sigap_core.store import models  # noqa: E402

SECRET = "bench-secret-key-not-for-production-0001"
JOBS = ["pedagang keliling", "ojek online", "buruh harian lepas", "karyawan swasta", "petani", "ibu rumah tangga"]


async def fill(app: App, registry: int, subscribers: int, seed: int) -> None:
    rng = random.Random(seed)
    codes = [k.code for k in app.domain.wilayah.kelurahan]
    now = datetime.now(UTC)
    niks = [rng.randbytes(32) for _ in range(registry)]
    chunk = 20_000
    for start in range(0, registry, chunk):
        async with app.store.uow() as uow:
            connection = await uow.session.connection()
            await connection.execute(
                insert(models.RegistryPerson),
                [
                    {
                        "id": n + 1,
                        "nik_hmac": niks[n],
                        "kk4_hmac": niks[n][::-1],
                        "phone_hmac": None,
                        "name_masked": "Wa** Be****",
                        "kode_kelurahan": rng.choice(codes),
                        "desil": rng.randint(1, 10),
                        "pekerjaan": rng.choice(JOBS),
                        "line": n + 1,
                    }
                    for n in range(start, min(start + chunk, registry))
                ],
            )
            participants = [n for n in range(start, min(start + chunk, registry)) if n % 10 == 0]
            await connection.execute(
                insert(models.Participation),
                [
                    {
                        "id": n + 1,
                        "nik_hmac": niks[n],
                        "kpj_masked": "*******1234",
                        "skema": "SIGAP" if n % 20 == 0 else "LAINNYA",
                        "program": "JKK+JKM",
                        "tanggal_mulai": date(2026, 1, 1),
                        "tanggal_akhir": date(2026, 12, 31),
                        "aktif": True,
                        "line": n + 1,
                    }
                    for n in participants
                ],
            )
    for start in range(0, subscribers, chunk):
        rows = range(start, min(start + chunk, subscribers))
        async with app.store.uow() as uow:
            connection = await uow.session.connection()
            await connection.execute(
                insert(models.Subscription),
                [
                    {
                        "channel": "telegram",
                        "user_key": str(10_000_000 + n),
                        "kode_kelurahan": rng.choice(codes),
                        "status": "active",
                        "updated_at": now,
                    }
                    for n in rows
                ],
            )
            await connection.execute(
                insert(models.VerifiedLink),
                [
                    {
                        "channel": "telegram",
                        "user_key": str(10_000_000 + n),
                        "nik_hmac": niks[(n * 7) % registry],
                        "method": "kk4",
                        "keep": True,
                        "verified_at": now,
                        "expires_at": now + timedelta(days=30),
                    }
                    for n in rows
                    if n % 10 < 6
                ],
            )


class Citizens:
    """20 messages/s from many citizens, each latency recorded with the phase it fell in."""

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.phase = "baseline"
        self.latencies: dict[str, list[float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def one(self, n: int) -> None:
        phase = self.phase
        started = time.perf_counter()
        await self.conversations.handle(InMessage("telegram", str(90_000_000 + n % 5_000), Kind.TEXT, text="menu"))
        self.latencies.setdefault(phase, []).append(time.perf_counter() - started)

    async def run(self, stop: asyncio.Event) -> None:
        n = 0
        next_at = time.perf_counter()
        while not stop.is_set():
            task = asyncio.create_task(self.one(n))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            n += 1
            next_at += 0.05
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*self._tasks)


def summary(values: list[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    return {
        "messages": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def main(registry: int, subscribers: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'audience.db'}"
        settings = Settings(var_dir=Path(tmp) / "var", secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]
        app = await bootstrap(settings, url)
        started = time.perf_counter()
        await fill(app, registry, subscribers, seed=11)
        fill_seconds = time.perf_counter() - started
        conversations = Conversations(app.store, app.domain, app.today)
        async with app.store.uow() as uow:
            code, _invite = await broadcasts.create_invite(uow, app.domain, "admin", None, datetime.now(UTC))
        citizens = Citizens(conversations)
        stop = asyncio.Event()
        load = asyncio.create_task(citizens.run(stop))
        await asyncio.sleep(3.0)

        admin = "admin-1"
        steps: dict[str, float] = {}

        async def staff(step: str, kind: Kind, value: str) -> str:
            citizens.phase = step
            began = time.perf_counter()
            message = (
                InMessage("console", admin, kind, text=value)
                if kind is Kind.TEXT
                else InMessage("console", admin, kind, payload=value)
            )
            replies = await conversations.handle(message)
            steps[step] = round(time.perf_counter() - began, 3)
            citizens.phase = step + " (after)"
            await asyncio.sleep(1.0)  # citizens keep writing between the admin's taps
            return "\n".join(r.text for r in replies)

        await staff("sign_in", Kind.TEXT, f"/petugas {code}")
        await staff("new", Kind.BUTTON, "staff:new")
        await staff("city_wide", Kind.BUTTON, "staff:target")
        await asyncio.sleep(5.0)  # the admin types the announcement
        preview = await staff("preview", Kind.TEXT, "Vaksinasi gratis Senin di semua puskesmas.")
        await staff("audience", Kind.BUTTON, "staff:aud:eligible")
        confirm = await staff("confirm", Kind.BUTTON, "staff:when:now")
        queued = await staff("queue", Kind.BUTTON, "staff:send")
        await staff("queue_all", Kind.BUTTON, "staff:new")  # a second one, to every subscriber
        await staff("queue_all_target", Kind.BUTTON, "staff:target")
        await asyncio.sleep(5.0)
        await staff("queue_all_text", Kind.TEXT, "Kerja bakti Minggu pagi.")
        await staff("queue_all_audience", Kind.BUTTON, "staff:aud:all")
        await staff("queue_all_confirm", Kind.BUTTON, "staff:when:now")
        queued_all = await staff("queue_all_send", Kind.BUTTON, "staff:send")

        citizens.phase = "report_other_process"
        began = time.perf_counter()
        env = {**os.environ, "SIGAP_SECRET_KEY": SECRET, "SIGAP_VAR_DIR": str(Path(tmp) / "var")}
        report = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "report", "--db", url, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        assert await report.wait() == 0
        steps["report_other_process"] = round(time.perf_counter() - began, 3)
        citizens.phase = "after"
        await asyncio.sleep(2.0)
        stop.set()
        await load
        async with app.store.reader() as uow:
            tallies = [dict(await broadcasts.counts(uow, broadcast_id)) for broadcast_id in (1, 2)]
        await app.close()

    figures = {
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "registry": registry,
        "subscribers": subscribers,
        "fill_seconds": round(fill_seconds, 1),
        "staff_step_seconds": steps,
        "preview_reply": preview.splitlines()[-1][:120],
        "confirm_reply": confirm[:120],
        "queued_reply": queued.splitlines()[0][:160],
        "queued_all_reply": queued_all.splitlines()[0][:160],
        "outbox_per_broadcast": tallies,
        "citizen_latency_by_phase": {phase: summary(values) for phase, values in citizens.latencies.items()},
        "citizen_latency_overall": summary([v for values in citizens.latencies.values() for v in values]),
    }
    write_figures("audience_load_" + str(figures["database"]), figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", type=int, default=300_000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    options = parser.parse_args()
    asyncio.run(main(options.registry, options.subscribers, options.db))
