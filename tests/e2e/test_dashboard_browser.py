"""The dashboard in a real Chromium (Debian's package, driven by Playwright): the link comes through the
fake Telegram server, the staff member signs in, reads their kelurahan's figures in the chart, creates and
cancels a broadcast, on a 360-pixel-wide screen.

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing (.ci/run installs both).
SIGAP_SCREENSHOT_DIR=docs writes the README's screenshots.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.dashboard.views_broadcasts import DELIVERY_STATES, WIB
from sigap_core import broadcasts, dashboard
from sigap_core.broadcasts import CLI_ACTOR
from sigap_core.store import models
from tests.conftest import TODAY, polling_bot
from tests.dashboard_support import (
    JATIBENING,
    LINK,
    MARGAJAYA,
    running_service,
    statuses_by_single_check,
)
from tests.fakes.telegram_api import FakeTelegram, private_message

CHROMIUM = os.environ.get("SIGAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}


def _browser_problem() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not installed at {CHROMIUM} (Debian: apt-get install chromium; .ci/run does this)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright; it is in the dev extras)"
    return None


pytestmark = pytest.mark.skipif(_browser_problem() is not None, reason=_browser_problem() or "")


@pytest.fixture
async def demo(demo_registry: App) -> App:
    sqlite_app = demo_registry
    async with sqlite_app.store.uow() as uow:  # a few subscribers, so broadcasts have recipients
        for n in range(3):
            await uow.subscriptions.set("telegram", str(7100 + n), JATIBENING, "active")
        await uow.subscriptions.set("whatsapp", "6281100", JATIBENING, "active")
        await uow.subscriptions.set("telegram", "7200", MARGAJAYA, "active")
    return sqlite_app


@pytest.fixture
async def service(demo: App) -> AsyncIterator[str]:
    async with running_service(demo) as base:
        yield base


@pytest.fixture
async def phone() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        page = await context.new_page()
        try:
            yield page
        finally:
            await context.close()
            await browser.close()


async def link_from_chat(demo: App, fake: FakeTelegram, chat_id: int, role: str = "staff") -> str:
    """Bind the chat as staff with `/petugas CODE`, then ask `/dasbor`; the link is in the bot's reply."""
    async with demo.store.uow() as uow:
        code, _invite = await broadcasts.create_invite(
            uow, demo.domain, role, JATIBENING if role == "staff" else None, datetime.now(UTC)
        )
    async with polling_bot(demo, fake):
        fake.push(private_message(chat_id, f"/petugas {code}"))
        await fake.wait_sent(chat_id, 1)
        fake.push(private_message(chat_id, "/dasbor"))
        sent = await fake.wait_sent(chat_id, 2)
    found = LINK.search(sent[-1].params["text"])
    assert found, sent[-1].params["text"]
    return found[0]


async def fits_the_screen(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


async def chart_values(page: Any, chart: str) -> dict[str, int]:
    rows = page.locator(f"#chart-{chart} g.bar-row")
    values = {}
    for index in range(await rows.count()):
        row = rows.nth(index)
        shown = str(await row.locator("text.value").text_content()).replace(".", "")
        values[str(await row.get_attribute("data-key"))] = int(shown)
    return values


async def test_staff_sign_in_from_telegram_read_figures_create_and_cancel(
    demo: App, service: str, fake_telegram: FakeTelegram, phone: Any
) -> None:
    link = await link_from_chat(demo, fake_telegram, 8101)
    assert link.startswith(service + "/dasbor/masuk/")
    await phone.goto(link)
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")
    assert "Ringkasan: Jatibening" in await phone.inner_text("h1")
    expected = await statuses_by_single_check(demo, JATIBENING)
    assert await chart_values(phone, "area") == {
        "in_registry": sum(expected.values()),
        "eligible_priority": expected["eligible_priority"],
        "eligible": expected["eligible"],
        "enrolled": expected["enrolled"],
        "subscribers_telegram": 3,
        "subscribers_whatsapp": 1,
    }
    assert await chart_values(phone, "statuses") == {status: n for status, n in expected.items() if n}
    await fits_the_screen(phone)

    await phone.click("nav >> text=Pengumuman")
    await phone.click("#buat")
    await fits_the_screen(phone)
    await phone.fill("#text", "Posyandu balita Sabtu ini, jam 08.00 di balai RW 03.\nBawa buku KIA.")
    await phone.click("#pratinjau")
    preview = await phone.inner_text("#preview")
    assert preview.startswith("📢 Pengumuman Kelurahan Jatibening") and "Kirim BERHENTI" in preview
    assert await phone.inner_text('[data-audience="all"]') == "4 penerima"
    await fits_the_screen(phone)
    await phone.check('input[name="when"][value="later"]')
    later = (datetime.now(UTC) + timedelta(days=1)).astimezone(WIB).strftime("%Y-%m-%dT08:00")
    await phone.fill("#send_at", later)
    await phone.click("#kirim")
    await phone.wait_for_url(re.compile(r".*/dasbor/pengumuman/\d+\?dibuat$"))
    assert await phone.inner_text("#status") == "terjadwal"
    assert await chart_values(phone, "delivery") == {
        "pending": 4,
        **{state: 0 for state, _title, _tone in DELIVERY_STATES if state != "pending"},
    }
    await fits_the_screen(phone)
    broadcast_id = int(phone.url.rsplit("/", 1)[1].split("?")[0])
    async with demo.store.uow() as uow:
        stored = await uow.session.get(models.Broadcast, broadcast_id)
        assert stored is not None and stored.kode_kelurahan == JATIBENING and stored.status == "scheduled"

    await phone.click("#batalkan")
    await phone.wait_for_url(re.compile(r".*\?dibatalkan$"))
    assert await phone.inner_text("#status") == "dibatalkan"
    assert (await chart_values(phone, "delivery"))["cancelled"] == 4
    async with demo.store.uow() as uow:
        stored = await uow.session.get(models.Broadcast, broadcast_id)
        assert stored is not None and stored.status == "cancelled"


async def test_another_kelurahans_broadcast_is_not_found(
    demo: App, service: str, fake_telegram: FakeTelegram, phone: Any
) -> None:
    now = datetime.now(UTC)
    async with demo.store.uow() as uow:
        theirs, _n = await broadcasts.create_broadcast(
            uow, demo.domain, CLI_ACTOR, MARGAJAYA, "all", "Kerja bakti Margajaya", now, now, TODAY
        )
    await phone.goto(await link_from_chat(demo, fake_telegram, 8102))
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")
    response = await phone.goto(f"{service}/dasbor/pengumuman/{theirs.id}")
    assert response is not None and response.status == 404
    assert "Tidak ditemukan" in await phone.inner_text("h1")
    assert "Margajaya" not in await phone.content()


async def test_reused_and_expired_links_are_refused(
    demo: App, service: str, fake_telegram: FakeTelegram, phone: Any
) -> None:
    link = await link_from_chat(demo, fake_telegram, 8103)
    await phone.goto(link)
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")
    await phone.click("#keluar")
    assert "Anda sudah keluar" in await phone.inner_text("h1")
    await phone.goto(link)  # the same link again
    await phone.click("#masuk")
    assert "sudah dipakai" in await phone.inner_text("main")
    response = await phone.goto(f"{service}/dasbor/")
    assert response is not None and response.status == 401

    async with demo.store.uow() as uow:
        staff = await broadcasts.staff_of(uow, "telegram", "8103")
        assert staff is not None
        old = await dashboard.create_login_link(
            uow, demo.domain, staff, "id", datetime.now(UTC) - timedelta(minutes=11)
        )
    await phone.goto(old)
    await phone.click("#masuk")
    assert "kedaluwarsa" in await phone.inner_text("main")
    response = await phone.goto(f"{service}/dasbor/")
    assert response is not None and response.status == 401


async def test_a_form_without_its_csrf_token_is_refused(
    demo: App, service: str, fake_telegram: FakeTelegram, phone: Any
) -> None:
    await phone.goto(await link_from_chat(demo, fake_telegram, 8104))
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")
    await phone.click("nav >> text=Pengumuman")
    await phone.click("#buat")
    await phone.fill("#text", "Pengumuman palsu")
    await phone.evaluate("document.querySelector('input[name=csrf]').remove()")  # as a forged form would be
    await phone.click("#pratinjau")
    assert "Formulir ditolak" in await phone.inner_text("h1")
    await phone.goto(f"{service}/dasbor/")  # the session itself is still good
    assert "Ringkasan" in await phone.inner_text("h1")


@pytest.mark.skipif(
    not os.environ.get("SIGAP_SCREENSHOT_DIR"), reason="SIGAP_SCREENSHOT_DIR=docs makes the README's screenshots"
)
async def test_screenshots_for_the_readme(demo: App, service: str, fake_telegram: FakeTelegram, phone: Any) -> None:
    """An admin's Ringkasan (the city by kecamatan) and a finished broadcast with every kind of outcome."""
    from sqlalchemy import update

    target = Path(os.environ["SIGAP_SCREENSHOT_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    async with demo.store.uow() as uow:
        for n in range(40):
            await uow.subscriptions.set("telegram" if n % 3 else "whatsapp", str(7300 + n), JATIBENING, "active")
        created, _n = await broadcasts.create_broadcast(
            uow,
            demo.domain,
            CLI_ACTOR,
            JATIBENING,
            "all",
            "Posyandu balita Sabtu ini, jam 08.00 di balai RW 03.",
            now,
            now,
            TODAY,
        )
        outbox = models.Outbox
        ids = list((await uow.session.execute(select(outbox.id).where(outbox.broadcast_id == created.id))).scalars())
        outcomes = ["read"] * 17 + ["delivered"] * 17 + ["sent"] * 6 + ["failed"] * 2 + ["opted_out", "blocked"]
        for row_id, state in zip(ids, outcomes, strict=False):
            reason = "131026: message undeliverable" if state == "failed" else ""
            await uow.session.execute(
                update(outbox).where(outbox.id == row_id).values(state=state, reason=reason, recovered=row_id == ids[0])
            )
        created.status = "done"
        created.finished_at = now + timedelta(minutes=2)
    await phone.goto(await link_from_chat(demo, fake_telegram, 8105, role="admin"))
    await phone.click("#masuk")
    await phone.wait_for_url(f"{service}/dasbor/")
    await phone.screenshot(path=str(target / "dasbor-ringkasan.png"), full_page=True)
    await phone.goto(f"{service}/dasbor/pengumuman/{created.id}")
    await phone.screenshot(path=str(target / "dasbor-pengumuman.png"), full_page=True)
