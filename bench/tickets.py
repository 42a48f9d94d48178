"""Benchmark: the ticket service at a city's scale, on SQLite (and PostgreSQL when given --pg URL).

    .venv/bin/python bench/tickets.py [--tickets 20000] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/DB]

A question to staff (`open_ticket`: the row, the message, the notice through the outbox) one by one; then
`run_sla` over every ticket past its deadline (the first run queues a reminder and an escalation per ticket,
the second finds nothing to do), a staff chat's `/tiket` list, and the report's ticket figures. Wall and CPU
seconds, and p50/p99 of one `open_ticket`. Writes bench/out/tickets.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.web import SLA_SLICE  # noqa: E402
from sigap_core import tickets  # noqa: E402
from sigap_core.config import Settings  # noqa: E402
from sigap_core.store import models  # noqa: E402
from sigap_core.ticket_report import ticket_report  # noqa: E402

SECRET = "bench-secret-key-not-for-production-01"
START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09.00 WIB


async def measure(url: str, count: int, directory: Path) -> dict[str, object]:
    settings = Settings(var_dir=directory / "var", secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings, url)
    figures: dict[str, object] = {"tickets": count}
    try:
        places = app.domain.wilayah.kelurahan
        async with app.store.uow() as uow:
            for index, place in enumerate(places):
                for n in range(2):
                    await uow.staff.add(
                        models.Staff(
                            channel="telegram", user_key=f"s{index}-{n}", role="staff",
                            kode_kelurahan=place.code, invite_id=0, created_at=START,
                        )
                    )  # fmt: skip
            staff = await uow.staff.add(
                models.Staff(
                    channel="telegram", user_key="admin", role="admin", kode_kelurahan=None, invite_id=0,
                    created_at=START,
                )
            )  # fmt: skip
        one: list[float] = []
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(count):
            began = time.perf_counter()
            async with app.store.uow() as uow:
                await tickets.open_ticket(
                    uow, domain=app.domain, channel="whatsapp", user_key=f"62811{n:07d}", lang="id",
                    kode_kelurahan=places[n % len(places)].code, topic="data",
                    text="Data saya salah, sudah update tapi belum masuk. " * 4,
                    now=START + timedelta(seconds=n),
                )  # fmt: skip
            one.append(time.perf_counter() - began)
        figures["open_ticket_wall_s"] = round(time.perf_counter() - wall, 2)
        figures["open_ticket_cpu_s"] = round(time.process_time() - cpu, 2)
        one.sort()
        figures["open_ticket_p50_ms"] = round(percentile(one, 0.5) * 1000, 2)
        figures["open_ticket_p99_ms"] = round(percentile(one, 0.99) * 1000, 2)
        late = START + timedelta(days=14)
        for label in ("run_sla_first", "run_sla_again"):
            cpu, wall = time.process_time(), time.perf_counter()
            reminded = escalated = 0
            longest = 0.0
            more = True
            while more:  # as the hourly job does (bot/web.py): a slice per transaction
                began = time.perf_counter()
                async with app.store.uow() as uow:
                    run = await tickets.run_sla(uow, late, app.domain, limit=SLA_SLICE)
                longest = max(longest, time.perf_counter() - began)
                reminded, escalated, more = reminded + len(run.reminded), escalated + len(run.escalated), run.more
            figures[f"{label}_wall_s"] = round(time.perf_counter() - wall, 2)
            figures[f"{label}_cpu_s"] = round(time.process_time() - cpu, 2)
            figures[f"{label}_longest_transaction_ms"] = round(longest * 1000, 1)
            figures[f"{label}_reminded"] = reminded
            figures[f"{label}_escalated"] = escalated
        began = time.perf_counter()
        async with app.store.reader() as uow:
            listed = await tickets.list_for_staff(uow, staff, limit=10, now=late)
        figures["list_for_admin_ms"] = round((time.perf_counter() - began) * 1000, 1)
        figures["listed"] = len(listed)
        began = time.perf_counter()
        async with app.store.reader() as uow:
            report = await ticket_report(uow, app.domain, late)
        figures["report_s"] = round(time.perf_counter() - began, 2)
        figures["report_rows"] = len(report.rows)
    finally:
        await app.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--pg", default="")
    options = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        results["sqlite"] = asyncio.run(measure(url, options.tickets, Path(directory)))
        if options.pg:
            results["postgresql"] = asyncio.run(measure(options.pg, options.tickets, Path(directory)))
    write_figures("tickets", results)


if __name__ == "__main__":
    main()
