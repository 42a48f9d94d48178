"""Staff, scope and the outbox, through the service layer, the console chat and the sender."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.sender import BroadcastSender, Outcome
from handlers.engine import Conversations
from handlers.model import InMessage, Kind
from sigap_core import broadcasts
from sigap_core.broadcasts import CLI_ACTOR, Actor, BroadcastError
from sigap_core.i18n import Translator
from sigap_core.store import models
from tests.integration.chat import Chat
from tests.integration.helpers import KK4, NIK

JATIBENING = "32.75.08.1002"
MARGAJAYA = "32.75.04.1002"


@pytest.fixture
def bot(loaded: App) -> Conversations:
    return Conversations(loaded.store, loaded.domain, loaded.today)


def now() -> datetime:
    return datetime.now(UTC)


async def invite(app: App, role: str = "staff", kode: str | None = JATIBENING) -> str:
    async with app.store.uow() as uow:
        code, _ = await broadcasts.create_invite(uow, app.domain, role, kode, now())
    return code


async def subscribe(bot: Conversations, user: str, kelurahan: str, verify: str | None = None) -> None:
    chat = Chat(bot, user=user)
    if verify:
        await chat.verify(NIK[verify], KK4[verify])
        await chat.press("Ya, simpan")
    await chat.send(f"langganan info {kelurahan}")
    assert "Anda berlangganan" in chat.text


async def test_invite_is_single_use_and_expires(loaded: App, bot: Conversations) -> None:
    code = await invite(loaded)
    first = Chat(bot, user="staff-1")
    assert "petugas Kelurahan Jatibening" in await first.send(f"/petugas {code.lower().replace('-', '')}")
    second = Chat(bot, user="staff-2")
    assert "sudah dipakai" in await second.send(f"/petugas {code}")
    assert "tidak dikenal" in await second.send("/petugas ZZZZ-ZZZZ")
    old = await invite(loaded)
    async with loaded.store.uow() as uow:
        row = (
            (await uow.session.execute(select(models.StaffInvite).order_by(models.StaffInvite.id.desc())))
            .scalars()
            .first()
        )
        assert row is not None
        row.expires_at = now() - timedelta(minutes=1)
    assert "kedaluwarsa" in await second.send(f"/petugas {old}")
    citizen = Chat(bot, user="citizen")
    assert "khusus petugas" in await citizen.deliver(InMessage("console", "citizen", Kind.BUTTON, payload="staff:new"))


async def test_staff_journey_in_chat_with_exact_preview(loaded: App, bot: Conversations) -> None:
    for n in range(3):
        await subscribe(bot, f"warga-{n}", "jatibening")
    await subscribe(bot, "warga-lain", "margajaya")
    staff = Chat(bot, user="petugas")
    await staff.send(f"/petugas {await invite(loaded)}")
    await staff.press("Buat pengumuman")
    assert "paling banyak 1.000" in staff.text
    assert "terlalu panjang" in await staff.send("x" * 1001)
    preview = await staff.send("Posyandu balita hari Sabtu pukul 08.00 di balai RW 05.")
    expected = broadcasts.announcement_text(
        Translator("id"), loaded.domain, JATIBENING, "Posyandu balita hari Sabtu pukul 08.00 di balai RW 05."
    )
    assert staff.replies[1].text == expected and "Pratinjau" in preview
    rows = staff.replies[2].menu.rows  # type: ignore[union-attr]
    # The count is on the button itself (Telegram shows no row descriptions).
    assert rows[0].title == "Semua pelanggan (3)" and rows[0].description.startswith("3 penerima")
    await staff.press("Semua pelanggan (3)")
    await staff.press("Kirim sekarang")
    assert "Kirim ke 3 penerima, sekarang?" in staff.text
    assert "masuk antrean" in await staff.press("Kirim")
    async with loaded.store.uow() as uow:
        rows_out = (await uow.session.execute(select(models.Outbox))).scalars().all()
    assert sorted(r.user_key for r in rows_out) == ["warga-0", "warga-1", "warga-2"]
    assert all(r.state == "pending" for r in rows_out)
    listing = await staff.press("Daftar pengumuman")
    assert "[terjadwal] terkirim 0/3: Posyandu" in listing  # the state in the staff's language


async def test_scheduled_time_is_parsed_in_wib(loaded: App, bot: Conversations) -> None:
    from handlers.flows.staff import parse_when

    base = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert parse_when("09:30", base).astimezone(UTC) == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # type: ignore[union-attr]
    assert parse_when("07:00", base).day == 22  # type: ignore[union-attr]  # already passed today: tomorrow
    assert parse_when("25-11 08:00", base).astimezone(UTC) == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # type: ignore[union-attr]
    assert parse_when("2020-01-01 08:00", base) is None
    assert parse_when("besok pagi", base) is None


async def test_scope_staff_never_send_see_or_cancel_another_kelurahan(loaded: App) -> None:
    jatibening = Actor("staff", JATIBENING, "console:a")
    margajaya = Actor("staff", MARGAJAYA, "console:b")
    async with loaded.store.uow() as uow:
        own, _ = await broadcasts.create_broadcast(
            uow, loaded.domain, margajaya, MARGAJAYA, "all", "Info", now(), now(), loaded.today()
        )
        with pytest.raises(BroadcastError, match="out_of_scope"):
            await broadcasts.create_broadcast(
                uow, loaded.domain, jatibening, MARGAJAYA, "all", "x", now(), now(), loaded.today()
            )
        with pytest.raises(BroadcastError, match="out_of_scope"):
            await broadcasts.create_broadcast(
                uow, loaded.domain, jatibening, None, "all", "x", now(), now(), loaded.today()
            )
        with pytest.raises(BroadcastError, match="broadcast_unknown"):
            await broadcasts.visible_broadcast(uow, jatibening, own.id)
        with pytest.raises(BroadcastError, match="broadcast_unknown"):
            await broadcasts.cancel_broadcast(uow, jatibening, own.id, now())
        assert [b.id for b in await broadcasts.list_broadcasts(uow, jatibening)] == []
        assert [b.id for b in await broadcasts.list_broadcasts(uow, margajaya)] == [own.id]
        assert [b.id for b in await broadcasts.list_broadcasts(uow, CLI_ACTOR)] == [own.id]
        city, _ = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, None, "all", "Kota", now(), now(), loaded.today()
        )
        with pytest.raises(BroadcastError):
            await broadcasts.visible_broadcast(uow, margajaya, city.id)


async def test_a_broadcast_to_nobody_is_empty_never_done(loaded: App, bot: Conversations) -> None:
    """0 recipients when confirmed: stored as "empty" (not "done", as if it had gone out), finished, not cancellable,
    and listed in the chat as reaching nobody."""
    async with loaded.store.uow() as uow:
        item, count = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, MARGAJAYA, "all", "Info", now(), now(), loaded.today()
        )
        assert count == 0 and item.status == "empty" and item.finished_at is not None
        with pytest.raises(BroadcastError, match="broadcast_finished"):
            await broadcasts.cancel_broadcast(uow, CLI_ACTOR, item.id, now())
    staff = Chat(bot, user="staff-empty")
    await staff.send(f"/petugas {await invite(loaded, kode=MARGAJAYA)}")
    listed = await staff.send("daftar pengumuman")
    assert f"#{item.id} [tidak ada penerima] tidak sampai ke siapa pun" in listed and "selesai" not in listed


async def test_scope_holds_for_buttons_pressed_in_chat(loaded: App, bot: Conversations) -> None:
    await subscribe(bot, "warga-margajaya", "margajaya")
    async with loaded.store.uow() as uow:
        other, _ = await broadcasts.create_broadcast(
            uow,
            loaded.domain,
            Actor("staff", MARGAJAYA, "x"),
            MARGAJAYA,
            "all",
            "Info",
            now() + timedelta(hours=1),
            now(),
            loaded.today(),
        )
    staff = Chat(bot, user="petugas")
    await staff.send(f"/petugas {await invite(loaded)}")
    answer = await staff.deliver(InMessage("console", "petugas", Kind.BUTTON, payload=f"staff:cancel:{other.id}"))
    assert "tidak ditemukan" in answer
    async with loaded.store.uow() as uow:
        assert (await uow.session.get(models.Broadcast, other.id)).status == "scheduled"  # type: ignore[union-attr]


async def test_a_typed_cancel_keeps_the_scope_checks(loaded: App, bot: Conversations) -> None:
    """ "batalkan #N" typed by staff cancels their own scheduled broadcast, and never another kelurahan's."""
    await subscribe(bot, "warga-jatibening", "jatibening")
    await subscribe(bot, "warga-margajaya-2", "margajaya")
    made = []
    async with loaded.store.uow() as uow:
        for kode in (JATIBENING, MARGAJAYA):
            broadcast, _ = await broadcasts.create_broadcast(
                uow,
                loaded.domain,
                Actor("staff", kode, f"staff-{kode}"),
                kode,
                "all",
                "Info",
                now() + timedelta(hours=1),
                now(),
                loaded.today(),
            )
            made.append(broadcast.id)
    own, other = made
    staff = Chat(bot, user="petugas-ketik")
    await staff.send(f"/petugas {await invite(loaded)}")
    assert "tidak ditemukan" in await staff.send(f"batalkan pengumuman #{other}")
    assert f"Pengumuman #{own} dibatalkan" in await staff.send(f"tolong batalin #{own}")
    async with loaded.store.uow() as uow:
        assert (await uow.session.get(models.Broadcast, own)).status == "cancelled"  # type: ignore[union-attr]
        assert (await uow.session.get(models.Broadcast, other)).status == "scheduled"  # type: ignore[union-attr]


async def test_audiences_follow_each_subscribers_status(loaded: App, bot: Conversations) -> None:
    await subscribe(bot, "p", "jatibening", verify="priority")
    await subscribe(bot, "e", "jatibening", verify="enrolled")
    await subscribe(bot, "r", "jatibening", verify="rich")
    await subscribe(bot, "anon", "jatibening")
    async with loaded.store.uow() as uow:
        found = {
            audience: sorted(
                u for _, u in await broadcasts.recipients(uow, loaded.domain, JATIBENING, audience, loaded.today())
            )
            for audience in broadcasts.AUDIENCES
        }
    assert found == {"all": ["anon", "e", "p", "r"], "eligible": ["p"], "enrolled": ["e"], "needs_update": ["r"]}


async def test_sender_delivers_honours_opt_out_and_reports(loaded: App, bot: Conversations) -> None:
    for user in ("a", "b", "c", "d", "e", "f"):
        await subscribe(bot, user, "jatibening")
    staff = Chat(bot, user="petugas")
    await staff.send(f"/petugas {await invite(loaded)}")
    async with loaded.store.uow() as uow:
        staff_row = await broadcasts.staff_of(uow, "console", "petugas")
        item, count = await broadcasts.create_broadcast(
            uow,
            loaded.domain,
            broadcasts.actor_for(staff_row),
            JATIBENING,
            "all",
            "Kerja bakti Minggu",
            now(),
            now(),
            loaded.today(),  # type: ignore[arg-type]
        )
    assert count == 6
    await Chat(bot, user="b").send("BERHENTI")  # opts out after the broadcast was created
    calls: dict[str, int] = {}
    reports: list[tuple[str, str]] = []

    async def deliver(user_key: str, text: str) -> Outcome:
        calls[user_key] = calls.get(user_key, 0) + 1
        assert "Kerja bakti Minggu" in text and "BERHENTI" in text
        if user_key == "c":
            return Outcome("blocked", "403")
        if user_key == "d":
            return Outcome("failed", "400 chat not found")
        if user_key == "e" and calls[user_key] == 1:
            return Outcome("retry", "429", 0.0)
        return Outcome("sent")

    async def notify(created_by: str, text: str) -> None:
        reports.append((created_by, text))

    sender = BroadcastSender(loaded.store, loaded.domain, "console", deliver, rate=200, notify=notify)
    for _ in range(20):
        await sender.step()
        async with loaded.store.uow() as uow:
            row = await uow.session.execute(select(models.Outbox).where(models.Outbox.user_key == "e"))
            pending = row.scalar_one()
            if pending.state == "pending":
                pending.next_attempt_at = now() - timedelta(seconds=1)  # don't wait the back-off in a test
    await asyncio.sleep(0.05)
    async with loaded.store.uow() as uow:
        tally = await broadcasts.counts(uow, item.id)
        done = await uow.session.get(models.Broadcast, item.id)
    assert dict(tally) == {"sent": 3, "opted_out": 1, "blocked": 1, "failed": 1}
    assert "b" not in calls and calls["e"] == 2 and all(calls[u] == 1 for u in ("a", "f"))
    assert done is not None and done.status == "done"
    assert [who for who, _ in reports] == ["console:petugas", "console:petugas"]
    assert "mulai dikirim ke 6 penerima" in reports[0][1]
    assert "terkirim 3, gagal 1" in reports[1][1]


async def test_cancel_during_sending_stops_the_rest(loaded: App, bot: Conversations) -> None:
    for n in range(12):
        await subscribe(bot, f"w{n}", "jatibening")
    async with loaded.store.uow() as uow:
        item, _ = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, JATIBENING, "all", "Info", now(), now(), loaded.today()
        )
    sent: list[str] = []

    async def deliver(user_key: str, text: str) -> Outcome:
        sent.append(user_key)
        return Outcome("sent")

    sender = BroadcastSender(loaded.store, loaded.domain, "console", deliver, rate=500)
    await sender.step()  # one batch
    async with loaded.store.uow() as uow:
        tally = await broadcasts.cancel_broadcast(uow, CLI_ACTOR, item.id, now())
    for _ in range(5):
        await sender.step()
    assert len(sent) == 5 and tally["sent"] == 5 and tally["cancelled"] == 7


async def test_rows_in_flight_when_a_sender_died_are_recovered_and_counted(loaded: App, bot: Conversations) -> None:
    for n in range(4):
        await subscribe(bot, f"w{n}", "jatibening")
    async with loaded.store.uow() as uow:
        item, _ = await broadcasts.create_broadcast(
            uow, loaded.domain, CLI_ACTOR, JATIBENING, "all", "Info", now(), now(), loaded.today()
        )
        rows = (await uow.session.execute(select(models.Outbox).order_by(models.Outbox.id))).scalars().all()
        rows[0].state = "sent"
        rows[1].state = "sending"  # the sender died while this one was under way
    sent: list[str] = []

    async def deliver(user_key: str, text: str) -> Outcome:
        sent.append(user_key)
        return Outcome("sent")

    sender = BroadcastSender(loaded.store, loaded.domain, "console", deliver, rate=500)
    assert await sender.recover() == 1
    await sender.step()
    async with loaded.store.uow() as uow:
        tally = await broadcasts.counts(uow, item.id)
    assert sorted(sent) == ["w1", "w2", "w3"]  # the recorded "sent" one is not resent
    assert tally["sent"] == 4 and tally["recovered_after_crash"] == 1


async def test_a_code_that_reads_like_a_greeting_still_signs_staff_in(
    loaded: App, bot: Conversations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """About 1 code in 1,000 holds a word the classifier knows ("TQ" is "thank you"): the first message of a
    new chat, `/petugas TQ6K-WGY3`, was welcomed as a greeting and the code never redeemed."""
    monkeypatch.setattr(broadcasts, "new_code", lambda: "TQ6K-WGY3")
    code = await invite(loaded)
    assert code == "TQ6K-WGY3"
    assert "petugas Kelurahan Jatibening" in await Chat(bot, user="new-staff").send(f"/petugas {code}")
