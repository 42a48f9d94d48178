"""Shared by the dashboard tests: a registry of a few thousand synthetic people, staff, and the service's
real aiohttp app listening on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core import broadcasts
from sigap_core.demo import generate, write_files
from sigap_core.importers.service import import_file
from sigap_core.services import check
from sigap_core.store import models
from tests.conftest import TODAY

JATIBENING = "32.75.08.1002"
MARGAJAYA = "32.75.04.1002"
# Rows the import rejects, so the rejected-rows report has something (including a mangled NIK) in it.
REJECTED_ROWS = [
    "3.27501E+15,3275010101050123,ANI,1990-01-01,P,Jl. A,001,002,32.75.08.1002,2,Buruh Harian Lepas,081234567890\n",
    "3275084101900009,3275010101050129,BUDI,1990-01-01,L,Jl. B,001,002,99.99.99.9999,2,Buruh,081234567899\n",
]
LINK = re.compile(r"https?://\S+/dasbor/masuk/[A-Za-z0-9_\-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def load_demo_registry(app: App, tmp_path: Path, people: int = 3000) -> None:
    persons, peserta, _samples = generate(people, 7, app.domain.wilayah, TODAY)
    write_files(tmp_path / "demo", persons, peserta, 7)
    with (tmp_path / "demo" / "dtsen.csv").open("a", encoding="utf-8") as handle:
        handle.writelines(REJECTED_ROWS)
    for kind in ("dtsen", "peserta"):
        await import_file(
            app.store.engine,
            app.domain.hasher,
            app.domain.wilayah,
            kind,
            tmp_path / "demo" / f"{kind}.csv",
            tmp_path / "reports",
        )


def with_public_url(app: App, url: str) -> None:
    app.domain = dataclasses.replace(app.domain, public_url=url)


async def make_staff(app: App, channel: str, user_key: str, role: str = "staff", kode: str | None = JATIBENING) -> int:
    now = datetime.now(UTC)
    async with app.store.uow() as uow:
        code, _invite = await broadcasts.create_invite(uow, app.domain, role, kode, now)
        staff = await broadcasts.redeem_invite(uow, app.domain, code, channel, user_key, now)
        return staff.id


async def statuses_by_single_check(app: App, kode: str) -> Counter[str]:
    """The kelurahan's eligibility statuses, person by person through the chat's own check."""
    async with app.store.uow() as uow:
        digests = (
            await uow.session.execute(
                select(models.RegistryPerson.nik_hmac).where(models.RegistryPerson.kode_kelurahan == kode)
            )
        ).scalars()
        tally: Counter[str] = Counter()
        for digest in list(digests):
            tally[(await check(uow, app.domain, digest, TODAY)).status.value] += 1
    return tally


@asynccontextmanager
async def running_service(app: App, conversations: Conversations | None = None) -> AsyncIterator[str]:
    """The service's web app (as `sigap run` builds it) on a free port; yields its base URL."""
    from bot.web import build_web_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with_public_url(app, base)
    web_app, telegram = build_web_app(app, conversations or Conversations(app.store, app.domain, app.today))
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield base
    finally:
        if telegram is not None:
            await telegram.close()
        await runner.cleanup()
