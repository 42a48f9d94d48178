"""The dashboard's Tiket pages in a real Chromium on a 360-pixel-wide screen: the staff member signs in from
the link the bot sent through the fake Telegram server, opens Tiket from the navigation, reads their
kelurahan's ticket and its conversation; another kelurahan's ticket is "not found".

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing (as tests/e2e/test_dashboard_browser.py).
SIGAP_SCREENSHOT_DIR=docs writes docs/dasbor-tiket.png.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import App
from sigap_core import tickets
from tests.dashboard_support import JATIBENING, MARGAJAYA, running_service
from tests.e2e.test_dashboard_browser import _browser_problem, fits_the_screen, link_from_chat, phone
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.skipif(_browser_problem() is not None, reason=_browser_problem() or "")
__all__ = ["phone"]  # the fixture, shared with the other browser tests


@pytest.fixture
async def service(sqlite_app: App) -> AsyncIterator[str]:
    async with running_service(sqlite_app) as base:
        yield base


async def ask(app: App, kode: str, text: str, user_key: str, hours_ago: float) -> int:
    async with app.store.uow() as uow:
        view = await tickets.open_ticket(
            uow,
            domain=app.domain,
            channel="telegram",
            user_key=user_key,
            lang="id",
            kode_kelurahan=kode,
            topic="Data saya salah",
            text=text,
            now=datetime.now(UTC) - timedelta(hours=hours_ago),
        )
    return view.id


async def test_staff_read_their_kelurahans_tickets_on_a_phone(
    sqlite_app: App, service: str, fake_telegram: FakeTelegram, phone: Any
) -> None:
    ours = await ask(sqlite_app, JATIBENING, "Nama saya salah di DTSEN, harus bawa apa ke kelurahan?", "8201", 30)
    theirs = await ask(sqlite_app, MARGAJAYA, "Pertanyaan warga Margajaya.", "8202", 5)
    await phone.goto(await link_from_chat(sqlite_app, fake_telegram, 8203))
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")

    await phone.click("nav >> text=Tiket")
    await phone.wait_for_url(f"{service}/dasbor/tiket")
    rows = phone.locator("#daftar li")
    assert await rows.count() == 1 and await rows.first.get_attribute("data-id") == str(ours)
    row = await rows.first.inner_text()
    assert f"Tiket #{ours}" in row and "terbuka" in row and "umur 30 jam" in row and "Jatibening" in row
    assert "Margajaya" not in await phone.content()
    await fits_the_screen(phone)

    await phone.click(f"text=Tiket #{ours}")
    await phone.wait_for_url(f"{service}/dasbor/tiket/{ours}")
    assert (await phone.inner_text("h1")).startswith(f"Tiket #{ours}")
    assert "harus bawa apa ke kelurahan?" in await phone.inner_text("#percakapan")
    await fits_the_screen(phone)
    if os.environ.get("SIGAP_SCREENSHOT_DIR"):
        await phone.screenshot(path=str(Path(os.environ["SIGAP_SCREENSHOT_DIR"]) / "dasbor-tiket.png"), full_page=True)

    response = await phone.goto(f"{service}/dasbor/tiket/{theirs}")
    assert response is not None and response.status == 404
    assert "Tidak ditemukan" in await phone.inner_text("h1")
    assert "Margajaya" not in await phone.content()
