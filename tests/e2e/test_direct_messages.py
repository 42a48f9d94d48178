"""Direct messages end to end: queued with `enqueue_direct`, sent by the service's own senders (`build_senders`)
through the real aiogram client to the fake Bot API and through our Graph client to the fake Graph API; buttons
arrive and a press comes back as a BUTTON; reply-to is parsed on both channels and names the broadcast; outside
WhatsApp's 24-hour window the configured ticket template goes with the ticket number only."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.sender import BroadcastSender
from bot.telegram import TelegramChannel
from bot.web import build_senders
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply
from sigap_core.config import Settings
from sigap_core.store import models
from sigap_core.store.outbox import ERASED_TEXT, ticket_template
from tests.conftest import DatabaseTemplates, polling_bot
from tests.e2e.whatsapp_driver import Running, press_from, text_from, whatsapp_service
from tests.fakes.telegram_api import BOT_USER, FakeTelegram, callback, private_message

BUTTONS = (("tiket_balas:12", "Balas"), ("tiket_ambil:12", "Ambil"))
TICKET_TEMPLATE = "sigap_jawaban_uji"  # not the default: the name must come from the settings
STAFF_TEMPLATE = "sigap_tiket_uji"


class Heard:
    """Every InMessage the channel hands to the engine (which still answers as usual)."""

    def __init__(self, conversations: Conversations) -> None:
        self.messages: list[InMessage] = []
        self._handle = conversations.handle
        conversations.handle = self  # type: ignore[method-assign]

    async def __call__(self, message: InMessage) -> list[Reply]:
        try:
            return await self._handle(message)
        finally:
            self.messages.append(message)

    async def wait(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} messages handled"
            await asyncio.sleep(0.02)


async def outbox_rows(app: App, broadcast_id: int) -> list[models.Outbox]:
    async with app.store.uow() as uow:
        query = select(models.Outbox).where(models.Outbox.broadcast_id == broadcast_id)
        return list((await uow.session.execute(query)).scalars())


async def drain(sender: BroadcastSender) -> None:
    while await sender.step():
        pass


# Telegram ------------------------------------------------------------------------------------------


@pytest.fixture
async def telegram(sqlite_app: App, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    async with polling_bot(sqlite_app, fake_telegram) as channel:
        yield channel


async def test_telegram_direct_message_buttons_press_and_reply_to(
    sqlite_app: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    app, chat = sqlite_app, 4100  # a chat that never subscribed (nor wrote)
    heard = Heard(telegram.conversations)
    (sender,) = build_senders(app, telegram, None)
    async with app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_notice",
            "Tiket #12 baru dari Jatibening",
            [("telegram", str(chat))],
            datetime.now(UTC),
            buttons=BUTTONS,
        )
    await drain(sender)
    await drain(sender)
    (sent,) = fake_telegram.sent(chat)
    assert sent.params["text"] == "Tiket #12 baru dari Jatibening"  # verbatim: no announcement header
    assert sent.buttons == [("Balas", "tiket_balas:12"), ("Ambil", "tiket_ambil:12")]
    (row,) = await outbox_rows(app, direct)
    assert row.state == "sent" and row.platform_id is not None

    # The same chat is still dropped from an announcement-like notice: it never subscribed.
    async with app.store.uow() as uow:
        notice = await uow.selection.enqueue("selected", "Selamat", [("telegram", str(chat))], datetime.now(UTC))
    await drain(sender)
    assert len(fake_telegram.sent(chat)) == 1
    assert [r.state for r in await outbox_rows(app, notice)] == ["opted_out"]

    # A press of the notice's button, and a reply to the notice: both name the notice's message.
    press = callback(chat, "tiket_balas:12")
    press["callback_query"]["message"]["message_id"] = int(row.platform_id)
    replied = {"message_id": int(row.platform_id), "date": 0, "chat": {"id": chat, "type": "private"}, "from": BOT_USER}
    replied["text"] = sent.params["text"]
    updates = [press, private_message(chat, "Sudah saya cek, datanya benar.", reply_to_message=replied)]
    for count, update in enumerate([*updates, private_message(chat, "menu")], start=1):
        fake_telegram.push(update)  # one at a time: the poller handles updates concurrently
        await heard.wait(count)
    button, reply, plain = heard.messages
    assert (button.kind, button.payload, button.reply_to) == (Kind.BUTTON, "tiket_balas:12", row.platform_id)
    assert (reply.kind, reply.text, reply.reply_to) == (Kind.TEXT, "Sudah saya cek, datanya benar.", row.platform_id)
    assert plain.reply_to == ""
    async with app.store.uow() as uow:
        assert await uow.outbox.broadcast_of_platform_message("telegram", str(chat), reply.reply_to) == direct


@pytest.mark.long(6)  # 150 messages at 25/s
async def test_direct_messages_and_an_announcement_share_the_channels_pace_without_a_429(
    sqlite_app: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    """100 direct messages to chats that never subscribed, queued beside an announcement to 50 subscribers,
    through the service loop at the default 25 msg/s against a server enforcing 30: each once, no 429."""
    app, now = sqlite_app, datetime.now(UTC)
    async with app.store.uow() as uow:
        uow.session.add_all(
            models.Subscription(
                channel="telegram",
                user_key=str(300_000 + n),
                kode_kelurahan="32.75.08.1002",
                status="active",
                updated_at=now,
            )
            for n in range(50)
        )
    async with app.store.uow() as uow:
        notice = await uow.selection.enqueue(
            "selected", "Selamat", [("telegram", str(300_000 + n)) for n in range(50)], now
        )
        direct = await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket #5 baru", [("telegram", str(400_000 + n)) for n in range(100)], now, buttons=BUTTONS
        )
    fake_telegram.rate_limit = 30
    (sender,) = build_senders(app, telegram, None)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sender.run(stop))
    try:
        await fake_telegram.wait_sent_total(150, min_chat_id=300_000, timeout=120)
    finally:
        stop.set()
        await loop_task
    stats = fake_telegram.stats(min_chat_id=300_000)
    assert stats["sent"] == stats["distinct"] == 150 and fake_telegram.throttled == 0
    assert len([c for c in fake_telegram.sent() if c.chat_id >= 400_000 and c.buttons]) == 100
    assert (
        {r.state for r in await outbox_rows(app, direct)}
        == {r.state for r in await outbox_rows(app, notice)}
        == {"sent"}
    )
    rate = (150 - 1) / (stats["last"] - stats["first"])
    assert 0.7 * 25 <= rate <= 30, f"{rate:.1f} msg/s"  # wide margin: the machine may be loaded


async def test_telegram_direct_message_to_a_chat_that_blocked_the_bot_is_marked_blocked(
    sqlite_app: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    (sender,) = build_senders(sqlite_app, telegram, None)
    async with sqlite_app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct("ticket_reply", "Jawaban", [("telegram", "4101")], datetime.now(UTC))
    fake_telegram.fail("sendmessage", 403, "Forbidden: bot was blocked by the user")
    await drain(sender)
    assert [(r.state, r.attempts) for r in await outbox_rows(sqlite_app, direct)] == [("blocked", 1)]


# WhatsApp ------------------------------------------------------------------------------------------


@pytest.fixture
async def wa(tmp_path: Path, database_templates: DatabaseTemplates) -> AsyncIterator[Running]:
    """The WhatsApp service (webhook, channel) built from settings naming a ticket template of its own."""
    async with whatsapp_service(
        tmp_path, database_templates, whatsapp_ticket_template=TICKET_TEMPLATE, whatsapp_staff_template=STAFF_TEMPLATE
    ) as service:
        yield service


def replying_to(payload: dict[str, Any], platform_id: str) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"from": "15550783881", "id": platform_id}
    return payload


async def set_last_heard(app: App, wa_id: str, ago: timedelta) -> None:
    async with app.store.uow() as uow:
        conversation = await uow.conversations.get("whatsapp", wa_id)
        assert conversation is not None
        conversation.last_inbound_at = datetime.now(UTC) - ago


async def test_whatsapp_direct_message_buttons_press_and_reply_to(wa: Running) -> None:
    wa_id = "628130001111"
    await wa.post(text_from(wa_id, "halo"))  # inside the 24-hour window; never subscribed
    before = len(wa.graph.to(wa_id))
    heard = Heard(wa.channel.conversations)
    (sender,) = build_senders(wa.app, None, wa.channel)
    async with wa.app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket #12 baru", [("whatsapp", wa_id)], datetime.now(UTC), buttons=BUTTONS
        )
    await drain(sender)
    await drain(sender)
    (sent,) = wa.graph.to(wa_id)[before:]
    assert sent["type"] == "interactive" and sent["interactive"]["type"] == "button"
    assert sent["interactive"]["body"]["text"] == "Tiket #12 baru"
    assert sent["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "tiket_balas:12", "title": "Balas"}},
        {"type": "reply", "reply": {"id": "tiket_ambil:12", "title": "Ambil"}},
    ]
    (row,) = await outbox_rows(wa.app, direct)
    assert row.state == "sent" and row.reason == "" and row.platform_id

    await wa.post(replying_to(press_from(wa_id, "tiket_balas:12"), row.platform_id))
    await wa.post(replying_to(text_from(wa_id, "Baik, terima kasih."), row.platform_id))
    await wa.post(text_from(wa_id, "menu"))
    button, reply, plain = heard.messages
    assert (button.kind, button.payload, button.reply_to) == (Kind.BUTTON, "tiket_balas:12", row.platform_id)
    assert (reply.kind, reply.text, reply.reply_to) == (Kind.TEXT, "Baik, terima kasih.", row.platform_id)
    assert plain.reply_to == ""
    async with wa.app.store.uow() as uow:
        assert await uow.outbox.broadcast_of_platform_message("whatsapp", wa_id, button.reply_to) == direct
        assert await uow.outbox.broadcast_of_platform_message("whatsapp", "628130009999", button.reply_to) is None


async def test_whatsapp_outside_the_window_sends_the_ticket_template_with_the_number_only(wa: Running) -> None:
    wa_id = "628130002222"
    await wa.post(text_from(wa_id, "halo"))
    await set_last_heard(wa.app, wa_id, timedelta(hours=25))
    before = len(wa.graph.to(wa_id))
    (sender,) = build_senders(wa.app, None, wa.channel)
    now = datetime.now(UTC)
    async with wa.app.store.uow() as uow:
        answer = await uow.outbox.enqueue_direct(
            "ticket_reply",
            "Data Anda sudah kami perbaiki.",
            [("whatsapp", wa_id)],
            now,
            template=ticket_template("#12"),
        )
        rating = await uow.outbox.enqueue_direct(
            "ticket_rating", "Apakah jawaban ini membantu?", [("whatsapp", wa_id)], now, buttons=BUTTONS[:1]
        )
    await drain(sender)
    answer_sent, rating_sent = wa.graph.to(wa_id)[before:]
    assert answer_sent["type"] == "template"
    assert answer_sent["template"]["name"] == TICKET_TEMPLATE
    assert answer_sent["template"]["components"] == [{"type": "body", "parameters": [{"type": "text", "text": "#12"}]}]
    assert "Data Anda" not in str(answer_sent)  # the answer itself waits until the citizen writes
    # No ticket template asked for: the announcement template with the text, as for announcements.
    assert rating_sent["type"] == "template" and rating_sent["template"]["name"] == "sigap_pengumuman"
    assert rating_sent["template"]["components"][0]["parameters"][0]["text"] == "Apakah jawaban ini membantu?"
    for broadcast_id in (answer, rating):
        (row,) = await outbox_rows(wa.app, broadcast_id)
        assert (row.state, row.reason) == ("sent", "sent as template")

    # Meta's word wins over our clock: a window it says is closed gets the template at once, not a retry.
    await set_last_heard(wa.app, wa_id, timedelta(hours=1))
    wa.graph.fail(131047, "Re-engagement message")
    async with wa.app.store.uow() as uow:
        late = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban kedua.", [("whatsapp", wa_id)], datetime.now(UTC), template=ticket_template("#13")
        )
    await drain(sender)
    assert wa.graph.to(wa_id)[-1]["template"]["components"][0]["parameters"][0]["text"] == "#13"
    (row,) = await outbox_rows(wa.app, late)
    assert (row.state, row.reason, row.attempts) == ("sent", "sent as template", 1)

    # When the citizen writes, the answers that went only as the ticket template are handed out, once each
    # (the message with no ticket template went with its text as the announcement template's parameter).
    async with wa.app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", wa_id, datetime.now(UTC)) == [
            (answer, "Data Anda sudah kami perbaiki.", ()),
            (late, "Jawaban kedua.", ()),
        ]
    async with wa.app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", wa_id, datetime.now(UTC)) == []
    async with wa.app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", "628130009999", datetime.now(UTC)) == []


async def test_whatsapp_erasing_a_chat_cancels_its_queued_direct_messages(wa: Running) -> None:
    wa_id = "628130003333"
    await wa.post(text_from(wa_id, "halo"))
    async with wa.app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct("ticket_reply", "Jawaban", [("whatsapp", wa_id)], datetime.now(UTC))
    await wa.post(text_from(wa_id, "hapus data saya"))
    await wa.post(press_from(wa_id, "erase:yes"))
    before = len(wa.graph.to(wa_id))
    (sender,) = build_senders(wa.app, None, wa.channel)
    await drain(sender)
    assert len(wa.graph.to(wa_id)) == before
    assert [(r.state, r.reason) for r in await outbox_rows(wa.app, direct)] == [("cancelled", "erased")]
    async with wa.app.store.uow() as uow:
        item = await uow.broadcasts.get(direct)
    assert item is not None and item.text == ERASED_TEXT  # for this chat alone: its text went with the erasure


async def test_whatsapp_outside_the_window_staff_get_the_staff_template_and_the_citizen_can_still_rate(
    wa: Running,
) -> None:
    from sigap_core import tickets

    officer, citizen = "628130004444", "628130005555"
    for wa_id in (officer, citizen):
        await wa.post(text_from(wa_id, "halo"))
    async with wa.app.store.uow() as uow:
        staff = await uow.staff.add(
            models.Staff(
                channel="whatsapp",
                user_key=officer,
                role="staff",
                kode_kelurahan="32.75.01.1001",
                invite_id=0,
                created_at=datetime.now(UTC),
            )
        )
    for wa_id in (officer, citizen):
        await set_last_heard(wa.app, wa_id, timedelta(hours=25))
    question = "Data saya salah. " + "Mohon dicek lagi ya pak. " * 70  # 1,767 characters
    async with wa.app.store.uow() as uow:
        view = await tickets.open_ticket(
            uow, domain=wa.app.domain, channel="whatsapp", user_key=citizen, lang="id",
            kode_kelurahan="32.75.01.1001", topic="data", text=question, now=datetime.now(UTC),
        )  # fmt: skip
    (sender,) = build_senders(wa.app, None, wa.channel)
    before = len(wa.graph.to(officer))
    await drain(sender)
    (notice,) = wa.graph.to(officer)[before:]
    assert notice["type"] == "template" and notice["template"]["name"] == STAFF_TEMPLATE
    assert notice["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": f"#{view.id}"}]}
    ]  # the number only: nothing of the question, so nothing cut
    # The officer writes: the whole notice comes (the question's first 200 characters, as on every channel),
    # with its Balas/Ambil buttons.
    before = len(wa.graph.to(officer))
    await wa.post(text_from(officer, "ok"))
    (shown,) = wa.graph.to(officer)[before:]
    body = shown["interactive"]["body"]["text"]
    assert body.startswith(f"🆕 Pertanyaan warga, tiket #{view.id}\n") and question[:200] in body
    assert [b["reply"]["id"] for b in shown["interactive"]["action"]["buttons"]] == [
        f"tiket_balas:{view.id}",
        f"tiket_ambil:{view.id}",
    ]

    # Closed while the citizen's window is shut: the ticket template, then on their next message the
    # question with its 👍/👎 buttons, and the press is recorded.
    async with wa.app.store.uow() as uow:
        assert (await tickets.close(uow, staff, view.id, datetime.now(UTC))).ok
    before = len(wa.graph.to(citizen))
    await drain(sender)
    (template,) = wa.graph.to(citizen)[before:]
    assert template["template"]["name"] == TICKET_TEMPLATE
    assert template["template"]["components"][0]["parameters"] == [{"type": "text", "text": f"#{view.id}"}]
    await wa.post(text_from(citizen, "halo"))
    asked = wa.graph.to(citizen)[-1]
    assert asked["type"] == "interactive" and "Apakah jawaban ini membantu?" in asked["interactive"]["body"]["text"]
    assert [b["reply"]["id"] for b in asked["interactive"]["action"]["buttons"]] == [
        f"tiket_nilai:{view.id}:up",
        f"tiket_nilai:{view.id}:down",
    ]
    await wa.post(press_from(citizen, f"tiket_nilai:{view.id}:up"))
    assert "Terima kasih atas penilaiannya" in wa.graph.texts(citizen)[-1]
    async with wa.app.store.reader() as uow:
        ticket = await uow.tickets.get(view.id)
    assert ticket is not None and ticket.rating == "up"


def test_the_staff_template_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).whatsapp_staff_template == "sigap_tiket_petugas"  # type: ignore[call-arg]
    monkeypatch.setenv("SIGAP_WHATSAPP_STAFF_TEMPLATE", "tiket_kelurahan")
    assert Settings(_env_file=None).whatsapp_staff_template == "tiket_kelurahan"  # type: ignore[call-arg]


def test_the_ticket_template_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).whatsapp_ticket_template == "sigap_jawaban_petugas"  # type: ignore[call-arg]
    monkeypatch.setenv("SIGAP_WHATSAPP_TICKET_TEMPLATE", "jawaban_kelurahan")
    assert Settings(_env_file=None).whatsapp_ticket_template == "jawaban_kelurahan"  # type: ignore[call-arg]
