"""The dashboard's Tiket pages over real HTTP (the service's aiohttp app on 127.0.0.1): staff see their
kelurahan's tickets, oldest first, admins every kelurahan's; another kelurahan's ticket is 404 exactly like a
missing one; a ticket's page shows its conversation (notes included) and nothing that identifies the citizen."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import ClientSession, CookieJar

from bot.bootstrap import App
from sigap_core import dashboard, tickets
from tests.dashboard_support import JATIBENING, MARGAJAYA, make_staff, running_service

CITIZEN_TG = "700100200"  # a Telegram chat id: it must never appear on a page
CITIZEN_WA = "6281234500011"


@pytest.fixture
async def service(sqlite_app: App) -> AsyncIterator[str]:
    async with running_service(sqlite_app) as base:
        yield base


async def signed_in(app: App, staff_id: int) -> ClientSession:
    client = ClientSession(cookie_jar=CookieJar(unsafe=True))  # unsafe: cookies from 127.0.0.1
    async with app.store.uow() as uow:
        staff = await uow.dashboard.active_staff(staff_id)
        assert staff is not None
        link = await dashboard.create_login_link(uow, app.domain, staff, "id", datetime.now(UTC))
    async with client.post(link, allow_redirects=False) as response:
        assert response.status == 303
    return client


async def page(client: ClientSession, url: str) -> tuple[int, str]:
    async with client.get(url) as response:
        return response.status, await response.text()


def listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li data-id="(\d+)"', html)]


async def open_tickets(app: App) -> dict[str, int]:
    """Three tickets: two in Jatibening (the older first), one in Margajaya; one answered, with a note."""
    start = datetime.now(UTC) - timedelta(days=3)
    async with app.store.uow() as uow:
        older = await tickets.open_ticket(
            uow,
            domain=app.domain,
            channel="telegram",
            user_key=CITIZEN_TG,
            lang="id",
            kode_kelurahan=JATIBENING,
            topic="Data saya salah",
            text="Nama ibu saya salah tulis di DTSEN, bagaimana memperbaikinya?",
            now=start,
        )
        newer = await tickets.open_ticket(
            uow,
            domain=app.domain,
            channel="whatsapp",
            user_key=CITIZEN_WA,
            lang="id",
            kode_kelurahan=JATIBENING,
            topic="Komplain",
            text="Sudah update data tapi belum masuk.",
            now=start + timedelta(hours=5),
            shared_status="eligible",
            shared_nik_hmac=b"x" * 32,
        )
        other = await tickets.open_ticket(
            uow,
            domain=app.domain,
            channel="telegram",
            user_key="700100300",
            lang="id",
            kode_kelurahan=MARGAJAYA,
            topic="Tanya petugas",
            text="Pertanyaan warga Margajaya.",
            now=start + timedelta(hours=1),
        )
    return {"older": older.id, "newer": newer.id, "other": other.id}


async def test_staff_see_their_kelurahans_tickets_and_another_is_not_found(sqlite_app: App, service: str) -> None:
    ids = await open_tickets(sqlite_app)
    staff_id = await make_staff(sqlite_app, "telegram", "9001")
    async with sqlite_app.store.uow() as uow:
        staff = await uow.dashboard.active_staff(staff_id)
        assert staff is not None
        answered = await tickets.reply(uow, staff, ids["newer"], datetime.now(UTC), "Sudah kami teruskan ke dinas.")
        noted = await tickets.note(uow, staff, ids["newer"], datetime.now(UTC), "Cek lagi hari Senin.")
    assert answered.ok and noted.ok
    client = await signed_in(sqlite_app, staff_id)
    async with client:
        status, html = await page(client, f"{service}/dasbor/tiket")
        assert status == 200
        assert listed(html) == [ids["older"], ids["newer"]]  # oldest first; Margajaya's is not there
        assert "Nama ibu saya salah tulis" in html and "Pertanyaan warga Margajaya" not in html
        assert 'href="/dasbor/tiket" aria-current="page"' in html  # the navigation has the page
        status, html = await page(client, f"{service}/dasbor/tiket?status=dijawab")
        assert status == 200 and listed(html) == [ids["newer"]]
        status, html = await page(client, f"{service}/dasbor/tiket?status=ditutup")
        assert status == 200 and listed(html) == [] and 'id="kosong"' in html

        status, html = await page(client, f"{service}/dasbor/tiket/{ids['newer']}")
        assert status == 200
        conversation = html.split('id="percakapan"', 1)[1]
        assert [a for a in re.findall(r'class="author-(\w+)"', conversation)] == ["citizen", "staff", "note"]
        assert "Sudah kami teruskan ke dinas." in html and "Cek lagi hari Senin." in html
        assert "Status kelayakan (dibagikan warga): layak" in html
        assert CITIZEN_WA not in html and CITIZEN_TG not in html

        missing_status, missing = await page(client, f"{service}/dasbor/tiket/999999")
        other_status, other = await page(client, f"{service}/dasbor/tiket/{ids['other']}")
        assert missing_status == other_status == 404
        assert "Pertanyaan warga Margajaya" not in other
        assert _main(other) == _main(missing)  # nothing tells "someone else's" from "none"
        for bad in ("abc", "1" * 20):
            assert (await page(client, f"{service}/dasbor/tiket/{bad}"))[0] == 404


def _main(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


async def test_an_admin_sees_every_kelurahans_tickets(sqlite_app: App, service: str) -> None:
    ids = await open_tickets(sqlite_app)
    admin_id = await make_staff(sqlite_app, "whatsapp", "628119990001", role="admin", kode=None)
    client = await signed_in(sqlite_app, admin_id)
    async with client:
        status, html = await page(client, f"{service}/dasbor/tiket")
        assert status == 200 and listed(html) == [ids["older"], ids["other"], ids["newer"]]
        status, html = await page(client, f"{service}/dasbor/tiket/{ids['other']}")
        assert status == 200 and "Pertanyaan warga Margajaya" in html and "Margajaya" in html
        assert not re.search(r"\d{10,}", _main(html))  # no chat id, phone or NIK on the page


async def test_tickets_need_a_session(sqlite_app: App, service: str) -> None:
    async with ClientSession() as anonymous:
        assert (await page(anonymous, f"{service}/dasbor/tiket"))[0] == 401
        assert (await page(anonymous, f"{service}/dasbor/tiket/1"))[0] == 401


async def test_ringkasan_with_an_empty_registry_says_so(sqlite_app: App, service: str) -> None:
    """A new installation (no import yet): the chart macro's "no data" text needs the page's translator."""
    client = await signed_in(sqlite_app, await make_staff(sqlite_app, "telegram", "9002"))
    async with client:
        status, html = await page(client, f"{service}/dasbor/")
    assert status == 200 and "Belum ada data." in html
