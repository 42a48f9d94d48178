"""Benchmark: every dashboard page's latency with a large registry and 100 broadcasts.

    .venv/bin/python bench/dashboard.py [--rows 1000000] [--requests 200] [--subscribers 5000]

Builds (once, reused after) a SQLite database under bench/out/: the registry and participation files of
`sigap demo-data --people ROWS` imported by `sigap import` as processes, SUBSCRIBERS announcement
subscribers, and 100 broadcasts (staff and city-wide) whose outbox rows are spread over the delivery states.
Then serves the service's web app (bot/web.py, as `sigap run` builds it) in a child process on 127.0.0.1,
signs in an admin and a staff member through one-time links, and requests each page REQUESTS times in
turn (after 10 warm-up requests each), one request at a time. The first Ringkasan after the import
(the figures cache filling) is timed on its own. Figures go to bench/out/dashboard.json.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SECRET = "bench-secret-key-0123456789abcdef"
TODAY = date(2026, 11, 21)
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402

STAFF_KELURAHAN = "32.75.08.1002"  # Jatibening
BUCKETS = (
    (0, 30, "sent", ""),
    (30, 70, "delivered", ""),
    (70, 90, "read", ""),
    (90, 94, "failed", "131026: message undeliverable"),
    (94, 97, "opted_out", ""),
    (97, 100, "blocked", ""),
)


def environment(database: Path) -> dict[str, str]:
    import os

    return {**os.environ, "SIGAP_SECRET_KEY": SECRET, "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}


def ensure_files(rows: int) -> Path:
    folder = OUT / f"dtsen_{rows}"
    if not (folder / "peserta.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo-data", "--people", str(rows), "--seed", "42", "--out", str(folder)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    return folder


async def ensure_database(rows: int, subscribers: int) -> Path:
    database = OUT / f"dashboard_{rows}.db"
    if database.exists():
        return database
    folder = ensure_files(rows)
    started = time.perf_counter()
    for kind in ("dtsen", "peserta"):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "import", kind, str(folder / f"{kind}.csv")],
            check=True,
            cwd=ROOT,
            env=environment(database),
            stdout=subprocess.DEVNULL,
        )
    print(f"imported {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    await seed(database, subscribers)
    return database


async def seed(database: Path, subscribers: int) -> None:
    """Subscribers over the city (a tenth in the staff member's kelurahan) and 100 broadcasts."""
    from sqlalchemy import update

    from bot.bootstrap import bootstrap
    from sigap_core import broadcasts
    from sigap_core.broadcasts import CLI_ACTOR
    from sigap_core.config import Settings
    from sigap_core.store import models

    rng = random.Random(7)
    app = await bootstrap(Settings(secret_key=SECRET, _env_file=None), f"sqlite+aiosqlite:///{database}")  # type: ignore[call-arg]
    codes = [k.code for k in app.domain.wilayah.kelurahan]
    now = datetime.now(UTC)
    async with app.store.uow() as uow:
        for n in range(subscribers):
            kode = STAFF_KELURAHAN if n % 10 == 0 else rng.choice(codes)
            channel = "telegram" if n % 3 else "whatsapp"
            await uow.subscriptions.set(channel, str(6_000_000 + n), kode, "active")
    for n in range(100):
        kode = STAFF_KELURAHAN if n % 4 == 0 else (None if n % 4 == 1 else rng.choice(codes))
        async with app.store.uow() as uow:
            created, _count = await broadcasts.create_broadcast(
                uow, app.domain, CLI_ACTOR, kode, "all", f"Pengumuman uji {n}", now, now, TODAY
            )
            if n < 95:  # the newest five stay scheduled; the rest are done with a mix of outcomes
                created.status = "done"
                created.finished_at = now
                outbox = models.Outbox
                # Outcomes by the row id's last two digits: 30 % sent, 40 % delivered, 20 % read, 4 % failed,
                # 3 % opted out, 3 % blocked; 1 % resent after a crash.
                for low, high, state, reason in BUCKETS:
                    await uow.session.execute(
                        update(outbox)
                        .where(outbox.broadcast_id == created.id, outbox.id % 100 >= low, outbox.id % 100 < high)
                        .values(state=state, reason=reason, recovered=outbox.id % 100 == 0)
                    )
    await app.close()


def serve(database: str, port: int) -> None:
    """The child process: the service's web app, as `sigap run` builds it (no chat channel configured)."""

    async def main() -> None:
        from aiohttp import web

        from bot.bootstrap import bootstrap
        from bot.web import build_web_app, settle_heap
        from handlers.engine import Conversations
        from sigap_core.config import Settings

        settings = Settings(secret_key=SECRET, public_url=f"http://127.0.0.1:{port}", _env_file=None)  # type: ignore[call-arg]
        app = await bootstrap(settings, f"sqlite+aiosqlite:///{database}", today=lambda: TODAY)
        web_app, _telegram = build_web_app(app, Conversations(app.store, app.domain, app.today))
        settle_heap()
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def figures_fill(database: Path) -> dict[str, float]:
    """The figures' grouping at this size, timed on its own, and the event loop's worst lag meanwhile
    (on SQLite the grouping runs on a worker thread, so the loop should keep ticking every 10 ms)."""
    from bot.bootstrap import bootstrap
    from sigap_core.config import Settings
    from sigap_core.dashboard import registry_figures

    app = await bootstrap(Settings(secret_key=SECRET, _env_file=None), f"sqlite+aiosqlite:///{database}")  # type: ignore[call-arg]
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - before - 0.01)

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    async with app.store.reader() as uow:
        await registry_figures(uow, app.domain, TODAY)
    elapsed = time.perf_counter() - started
    done.set()
    await ticking
    await app.close()
    return {
        "figures fill (group the registry, decide per group), s": round(elapsed, 2),
        "event loop's worst lag during the fill, ms": round(1000 * worst, 1),
    }


async def login_links(database: Path, port: int) -> tuple[str, str]:
    from bot.bootstrap import bootstrap
    from sigap_core import broadcasts, dashboard
    from sigap_core.config import Settings

    settings = Settings(secret_key=SECRET, public_url=f"http://127.0.0.1:{port}", _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{database}")
    links = []
    now = datetime.now(UTC)
    for role, kode, user in (("admin", None, "bench-admin"), ("staff", STAFF_KELURAHAN, "bench-staff")):
        async with app.store.uow() as uow:
            code, _invite = await broadcasts.create_invite(uow, app.domain, role, kode, now)
            staff = await broadcasts.redeem_invite(uow, app.domain, code, "console", user, now)
            links.append(await dashboard.create_login_link(uow, app.domain, staff, "id", now))
    await app.close()
    return links[0], links[1]


async def measure(base: str, admin_link: str, staff_link: str, requests: int) -> dict[str, object]:
    from aiohttp import ClientSession, CookieJar

    figures: dict[str, object] = {}
    async with (
        ClientSession(cookie_jar=CookieJar(unsafe=True)) as admin,
        ClientSession(cookie_jar=CookieJar(unsafe=True)) as staff,
    ):
        for client, link in ((admin, admin_link), (staff, staff_link)):
            async with client.post(link, allow_redirects=False) as response:
                assert response.status == 303, response.status
        started = time.perf_counter()
        async with admin.get(f"{base}/dasbor/") as response:
            assert response.status == 200
            html = await response.text()
        figures["first Ringkasan after start (waits for the warm-up fill), ms"] = round(
            1000 * (time.perf_counter() - started), 1
        )
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert csrf
        async with staff.get(f"{base}/dasbor/") as response:
            staff_csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', await response.text())
        assert staff_csrf
        # Broadcast n (from 0) has id n + 1: n % 4 == 0 the staff member's kelurahan, 1 the whole city.
        city_wide, own = 94, 93
        pages = [
            ("admin Ringkasan (city, by kecamatan)", admin, "GET", "/dasbor/", None),
            ("admin Ringkasan (one kecamatan, by kelurahan)", admin, "GET", "/dasbor/wilayah/32.75.08", None),
            ("staff Ringkasan (own kelurahan)", staff, "GET", "/dasbor/", None),
            ("admin Pengumuman list (newest 25 of 100)", admin, "GET", "/dasbor/pengumuman", None),
            ("admin Pengumuman list (older page)", admin, "GET", "/dasbor/pengumuman?sebelum=51", None),
            ("staff Pengumuman list", staff, "GET", "/dasbor/pengumuman", None),
            ("admin broadcast page (city-wide)", admin, "GET", f"/dasbor/pengumuman/{city_wide}", None),
            ("staff broadcast page", staff, "GET", f"/dasbor/pengumuman/{own}", None),
            ("staff new broadcast form", staff, "GET", "/dasbor/pengumuman/baru", None),
            ("staff preview with audience counts", staff, "POST", "/dasbor/pengumuman/pratinjau", staff_csrf[1]),
            ("admin Impor", admin, "GET", "/dasbor/impor", None),
            ("admin Unduh", admin, "GET", "/dasbor/unduh", None),
            ("admin Unduh ringkasan.xlsx", admin, "GET", "/dasbor/unduh/ringkasan.xlsx", None),
            ("admin Unduh pengumuman.csv", admin, "GET", "/dasbor/unduh/pengumuman.csv", None),
        ]
        for name, client, method, path, token in pages:
            timings = []
            for attempt in range(10 + requests):
                data = {"csrf": token, "text": "Posyandu balita Sabtu jam 08.00"} if method == "POST" else None
                started = time.perf_counter()
                async with client.request(method, f"{base}{path}", data=data) as response:
                    await response.read()
                    assert response.status == 200, (name, response.status)
                if attempt >= 10:
                    timings.append(1000 * (time.perf_counter() - started))
            timings.sort()
            figures[name] = {
                "p50 ms": round(percentile(timings, 0.50), 1),
                "p99 ms": round(percentile(timings, 0.99), 1),
                "max ms": round(timings[-1], 1),
            }
            print(name, figures[name], file=sys.stderr)
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=5000)
    options = parser.parse_args()
    database = await ensure_database(options.rows, options.subscribers)
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = int(probe_socket.getsockname()[1])
    fill = await figures_fill(database)
    print(fill, file=sys.stderr)
    child = multiprocessing.get_context("spawn").Process(target=serve, args=(str(database), port), daemon=True)
    child.start()
    try:
        from aiohttp import ClientSession

        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        async with ClientSession() as probe:
            while True:
                try:
                    async with probe.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or not child.is_alive():
                    raise SystemExit(f"the service did not start (exit code {child.exitcode})")
                await asyncio.sleep(0.2)
        admin_link, staff_link = await login_links(database, port)
        figures: dict[str, object] = {
            "registry rows": options.rows,
            "broadcasts": 100,
            "subscribers": options.subscribers,
            "requests per page": options.requests,
            **fill,
        }
        figures.update(await measure(base, admin_link, staff_link, options.requests))
    finally:
        child.terminate()
        child.join(10)
    write_figures(f"dashboard_{options.rows}", figures)


if __name__ == "__main__":
    asyncio.run(main())
