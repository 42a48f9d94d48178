"""Tickets end to end (issue #15): a citizen asks → only that kelurahan's staff chats are told → an officer
replies in the chat (reply-to on the notice, or "Balas" then one message) → the citizen receives it → close
→ the 👍/👎 rating; another kelurahan's officer gets "not found"; outside WhatsApp's 24-hour window the
answer goes as the ticket template and is shown when the citizen writes; the SLA reminder and escalation
with a controllable clock; bad input. Real aiogram against the fake Bot API, real HTTP against the fake
Graph API, the service's own senders (`build_senders`) draining the outbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import sender as bot_sender
from bot.bootstrap import App
from bot.sender import BroadcastSender
from bot.telegram import TelegramChannel
from bot.web import build_senders, run_due_jobs
from sigap_core import broadcasts, tickets
from sigap_core.store import models
from tests.conftest import polling_bot
from tests.e2e.test_direct_messages import replying_to, set_last_heard
from tests.e2e.test_telegram import HandledUpdates
from tests.e2e.whatsapp_driver import Running, press_from, text_from
from tests.fakes.telegram_api import BOT_USER, FakeTelegram, callback, private_message

JATIBENING = "32.75.08.1002"
MARGAHAYU = "32.75.01.1002"
QUESTION = "Suami saya kecelakaan waktu narik kemarin, saya harus ke mana dulu untuk klaimnya?"
ANSWER = "Ibu datang ke kantor kelurahan Senin pagi bawa KTP dan KK, nanti kami bantu ajukan klaim JKK."
STICKER = {
    "file_id": "s",
    "file_unique_id": "s",
    "type": "regular",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
}


async def drain(sender: BroadcastSender) -> None:
    while await sender.step():
        pass


async def invite(app: App, kode: str | None) -> str:
    async with app.store.uow() as uow:
        code, _ = await broadcasts.create_invite(
            uow, app.domain, "admin" if kode is None else "staff", kode, datetime.now(UTC)
        )
    return code


async def ticket_row(app: App, ticket_id: int) -> models.Ticket:
    async with app.store.uow() as uow:
        found = await uow.tickets.get(ticket_id)
    assert found is not None
    return found


async def last_platform_id(app: App, channel: str, user_key: str) -> str:
    """The platform id of the last direct message the outbox sent to this chat (what a reply-to names)."""
    async with app.store.uow() as uow:
        o = models.Outbox
        query = (
            select(o.platform_id)
            .where(o.channel == channel, o.user_key == user_key, o.state == "sent")
            .order_by(o.id.desc())
            .limit(1)
        )
        found = (await uow.session.execute(query)).scalar_one_or_none()
    assert found
    return str(found)


def ticket_id_in(text: str) -> int:
    marker = text.index("#") + 1
    digits = ""
    while marker < len(text) and text[marker].isdigit():
        digits += text[marker]
        marker += 1
    return int(digits)


def no_text_logged(caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert shown, "nothing was logged at all: the check would prove nothing"
    for text in texts:
        assert not any(text[:40] in line for line in shown), text


# Telegram -------------------------------------------------------------------------------------------


class Chats:
    """Telegram chats driven one update at a time; each call returns the texts the bot sent in answer."""

    def __init__(self, fake: FakeTelegram, channel: TelegramChannel) -> None:
        self.fake = fake
        self.handled = HandledUpdates(channel.dispatcher)

    async def push(self, chat: int, update: dict[str, Any]) -> list[str]:
        before = len(self.fake.sent(chat))
        update_id = self.fake.push(update)
        await self.handled.wait(update_id, 1)
        return [c.params.get("text", "") for c in self.fake.sent(chat)[before:]]

    async def say(self, chat: int, text: str | None = None, **extra: Any) -> list[str]:
        return await self.push(chat, private_message(chat, text, **extra))

    async def press(self, chat: int, data: str) -> list[str]:
        return await self.push(chat, callback(chat, data))

    async def reply_to(self, chat: int, platform_id: str, text: str) -> list[str]:
        replied = {"message_id": int(platform_id), "date": 0, "chat": {"id": chat, "type": "private"}}
        replied.update({"from": BOT_USER, "text": "…"})
        return await self.say(chat, text, reply_to_message=replied)

    def texts(self, chat: int) -> list[str]:
        return [c.params.get("text", "") for c in self.fake.sent(chat)]


@pytest.fixture
async def telegram(loaded_sqlite: App, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    async with polling_bot(loaded_sqlite, fake_telegram) as channel:
        yield channel


async def test_telegram_ask_notify_reply_close_rate(
    loaded_sqlite: App, fake_telegram: FakeTelegram, telegram: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app, chats = loaded_sqlite, Chats(fake_telegram, telegram)
    (sender,) = build_senders(app, telegram, None)
    officer, colleague, elsewhere, citizen = 5001, 5002, 5003, 5100
    for chat, kode in ((officer, JATIBENING), (colleague, JATIBENING), (elsewhere, MARGAHAYU)):
        assert "petugas Kelurahan" in (await chats.say(chat, f"/petugas {await invite(app, kode)}"))[-1]

    # The citizen asks: the kelurahan named in free words, a sticker first, then the question.
    assert "Kelurahan Anda apa" in "\n".join(await chats.say(citizen, "min saya mau tanya petugas"))
    prompt = "\n".join(await chats.say(citizen, "kelurahan sy jatibening"))
    assert "Petugas Kelurahan Jatibening" in prompt and "hari kerja" in prompt
    sticker = "\n".join(await chats.say(citizen, sticker=STICKER))
    assert "teks" in sticker and "Nomor tiket" not in sticker
    opened = "\n".join(await chats.say(citizen, QUESTION))
    assert "Nomor tiket Anda: #" in opened and "Kelurahan Jatibening" in opened
    ticket_id = ticket_id_in(opened)

    # Only Jatibening's staff chats are told, with the question and the Balas / Ambil buttons.
    await drain(sender)
    for chat in (officer, colleague):
        notice = fake_telegram.sent(chat)[-1]
        assert f"tiket #{ticket_id}" in notice.params["text"] and QUESTION in notice.params["text"]
        assert notice.buttons == [("Balas", f"tiket_balas:{ticket_id}"), ("Ambil", f"tiket_ambil:{ticket_id}")]
    assert not any(QUESTION in text for text in chats.texts(elsewhere))

    # Another kelurahan's officer: not found, whatever the way in; the ticket is unchanged.
    assert f"Tiket #{ticket_id} tidak ditemukan" in (await chats.say(elsewhere, f"/tiket {ticket_id}"))[-1]
    for data in (f"tiket_balas:{ticket_id}", f"tiket_tutup:{ticket_id}:ya", f"tiket_buka:{ticket_id}"):
        assert f"Tiket #{ticket_id} tidak ditemukan" in (await chats.press(elsewhere, data))[-1]
    assert QUESTION not in "\n".join(await chats.say(elsewhere, "/tiket"))
    assert (await ticket_row(app, ticket_id)).state == "open"

    # The officer lists the open tickets and answers by replying to the notice.
    listing = "\n".join(await chats.say(officer, "/tiket"))
    assert f"#{ticket_id}" in listing and QUESTION[:40] in listing
    notice_id = await last_platform_id(app, "telegram", str(officer))
    assert "sudah masuk antrean" in (await chats.reply_to(officer, notice_id, ANSWER))[-1]
    before = len(chats.texts(citizen))
    await drain(sender)
    (answer,) = chats.texts(citizen)[before:]
    assert f"Jawaban petugas Kelurahan Jatibening untuk tiket #{ticket_id}" in answer and ANSWER in answer

    # A follow-up from the citizen (a reply to the answer) goes into the ticket, with a one-line confirmation,
    # and the officers are told; "menu" still works.
    answer_id = await last_platform_id(app, "telegram", str(citizen))
    added = await chats.reply_to(citizen, answer_id, "Kantornya buka jam berapa?")
    assert added == [f"Tambahan Anda masuk ke tiket #{ticket_id}; petugas akan membacanya."]
    await drain(sender)
    assert "Kantornya buka jam berapa?" in chats.texts(officer)[-1]
    assert "Silakan pilih layanan" in (await chats.say(citizen, "menu"))[-1]

    # The colleague closes it with the button; the citizen is asked once, 👍/👎.
    confirm = (await chats.press(colleague, f"tiket_tutup:{ticket_id}"))[-1]
    assert f"Pesan terakhir warga di tiket #{ticket_id} belum dijawab. Tetap tutup?" in confirm
    assert "ditutup" in "\n".join(await chats.press(colleague, f"tiket_tutup:{ticket_id}:ya"))
    before = len(chats.texts(citizen))
    await drain(sender)
    (rating,) = fake_telegram.sent(citizen)[before:]
    assert "Apakah jawaban ini membantu?" in rating.params["text"]
    assert rating.buttons == [("👍", f"tiket_nilai:{ticket_id}:up"), ("👎", f"tiket_nilai:{ticket_id}:down")]
    assert "Terima kasih atas penilaiannya" in (await chats.press(citizen, f"tiket_nilai:{ticket_id}:up"))[-1]
    assert "sudah tercatat" in (await chats.press(citizen, f"tiket_nilai:{ticket_id}:down"))[-1]
    assert (await ticket_row(app, ticket_id)).rating == "up"

    # Replying to the notice of a closed ticket is explained, and nothing goes to the citizen.
    late = "\n".join(await chats.reply_to(officer, notice_id, "Satu lagi, Bu: bawa juga surat dari RT."))
    assert f"Tiket #{ticket_id} sudah ditutup" in late and "tidak dikirim" in late
    before = len(chats.texts(citizen))
    await drain(sender)
    assert chats.texts(citizen)[before:] == []
    no_text_logged(caplog, QUESTION, ANSWER, "Kantornya buka jam berapa?")


async def test_telegram_two_officers_answering_at_once_each_answer_sent_once(
    loaded_sqlite: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    app, chats = loaded_sqlite, Chats(fake_telegram, telegram)
    (sender,) = build_senders(app, telegram, None)
    first, second, citizen = 5201, 5202, 5300
    for chat in (first, second):
        await chats.say(chat, f"/petugas {await invite(app, JATIBENING)}")
    await chats.say(citizen, "tanya petugas kelurahan jatibening")
    ticket_id = ticket_id_in("\n".join(await chats.say(citizen, QUESTION)))
    await drain(sender)
    for chat in (first, second):
        await chats.press(chat, f"tiket_balas:{ticket_id}")
    # Both answers at once: the poller handles the two updates concurrently.
    updates = [fake_telegram.push(private_message(chat, f"Jawaban dari petugas {chat}.")) for chat in (first, second)]
    for update_id in updates:
        await chats.handled.wait(update_id, 1)
    for chat in (first, second):
        assert "sudah masuk antrean" in chats.texts(chat)[-1]
    before = len(chats.texts(citizen))
    await drain(sender)
    received = chats.texts(citizen)[before:]
    assert sorted(t.split("\n\n")[1] for t in received) == [f"Jawaban dari petugas {c}." for c in (first, second)]
    async with app.store.uow() as uow:
        detail = await tickets.get_for_staff(uow, await uow.staff.of_chat("telegram", str(first)), ticket_id)
    assert detail is not None and [m.author for m in detail.messages] == ["citizen", "staff", "staff"]


async def test_telegram_sla_reminder_then_escalation_once_each(
    loaded_sqlite: App, fake_telegram: FakeTelegram, telegram: TelegramChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hourly job and the sender run on a clock the test moves (days ahead of the wall clock)."""
    app, chats = loaded_sqlite, Chats(fake_telegram, telegram)
    (sender,) = build_senders(app, telegram, None)
    officer, admin, elsewhere, citizen = 5401, 5402, 5403, 5500
    for chat, kode in ((officer, JATIBENING), (admin, None), (elsewhere, MARGAHAYU)):
        await chats.say(chat, f"/petugas {await invite(app, kode)}")
    await chats.say(citizen, "komplain kelurahan jatibening")
    ticket_id = ticket_id_in("\n".join(await chats.say(citizen, QUESTION)))
    await drain(sender)
    created = (await ticket_row(app, ticket_id)).created_at.replace(tzinfo=UTC)
    due, escalate = tickets.answer_due(app.domain, created), tickets.escalation_due(app.domain, created)
    counts = {chat: len(chats.texts(chat)) for chat in (officer, admin, elsewhere)}

    async def run_at(moment: datetime) -> None:
        monkeypatch.setattr(bot_sender, "utcnow", lambda: moment)  # what the sender takes as now
        assert "tickets" in await run_due_jobs(app, "test", now=lambda: moment)
        await drain(sender)

    await run_at(due - timedelta(minutes=5))  # not yet due: nothing
    assert all(len(chats.texts(chat)) == counts[chat] for chat in counts)
    await run_at(due + timedelta(hours=1, minutes=5))
    (reminder,) = chats.texts(officer)[counts[officer] :]
    assert f"Tiket #{ticket_id} belum dijawab" in reminder
    await run_at(due + timedelta(hours=2, minutes=10))  # the next hour: no second reminder
    assert len(chats.texts(officer)) == counts[officer] + 1
    await run_at(escalate + timedelta(hours=3))
    (escalation,) = [t for t in chats.texts(admin)[counts[admin] :] if "Eskalasi" in t]
    assert f"tiket #{ticket_id}" in escalation
    await run_at(escalate + timedelta(hours=4, minutes=5))
    assert sum("Eskalasi" in t for t in chats.texts(admin)) == 1
    assert len(chats.texts(elsewhere)) == counts[elsewhere]  # another kelurahan is never told


async def test_telegram_bad_input_at_the_prompt(
    loaded_sqlite: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    chats, citizen = Chats(fake_telegram, telegram), 5600
    await chats.say(citizen, "tanya petugas kelurahan margahayu")
    assert "belum ada" in "\n".join(await chats.say(citizen, "🙏🙏"))
    voice = "\n".join(await chats.say(citizen, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}))
    assert "pesan suara" in voice and "satu pesan" in voice
    assert "tidak dikirim" in "\n".join(await chats.say(citizen, "batal"))
    async with loaded_sqlite.store.uow() as uow:
        assert await tickets.open_ticket_of(uow, "telegram", str(citizen)) is None


# WhatsApp -------------------------------------------------------------------------------------------


async def test_whatsapp_ask_balas_template_outside_window_close_rate(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = running.app
    (sender,) = build_senders(app, None, running.channel)
    officer, elsewhere, citizen = "628119990001", "628119990002", "628120000001"
    await running.post(text_from(officer, f"/petugas {await invite(app, JATIBENING)}"))
    await running.post(text_from(elsewhere, f"/petugas {await invite(app, MARGAHAYU)}"))

    await running.post(text_from(citizen, "mau komplain ke petugas kelurahan jatibening"))
    assert "Petugas Kelurahan Jatibening" in running.graph.texts(citizen)[-1]
    await running.post(text_from(citizen, QUESTION))
    opened = running.graph.texts(citizen)[-1]
    assert "Nomor tiket Anda: #" in opened
    ticket_id = ticket_id_in(opened)

    await drain(sender)
    notice = running.graph.to(officer)[-1]
    assert notice["type"] == "interactive" and QUESTION in notice["interactive"]["body"]["text"]
    assert [b["reply"]["id"] for b in notice["interactive"]["action"]["buttons"]] == [
        f"tiket_balas:{ticket_id}",
        f"tiket_ambil:{ticket_id}",
    ]
    assert not any(QUESTION in text for text in running.graph.texts(elsewhere))
    await running.post(text_from(elsewhere, f"tiket {ticket_id}"))
    assert f"Tiket #{ticket_id} tidak ditemukan" in running.graph.texts(elsewhere)[-1]

    # The citizen's window closes; the officer answers with the Balas button, then one message.
    await set_last_heard(app, citizen, timedelta(hours=25))
    notice_id = await last_platform_id(app, "whatsapp", officer)
    await running.post(replying_to(press_from(officer, f"tiket_balas:{ticket_id}"), notice_id))
    assert f"Ketik jawaban untuk tiket #{ticket_id}" in running.graph.texts(officer)[-1]
    await running.post(text_from(officer, ANSWER))
    assert "sudah masuk antrean" in running.graph.texts(officer)[-1]
    before = len(running.graph.to(citizen))
    await drain(sender)
    (template,) = running.graph.to(citizen)[before:]
    assert template["type"] == "template" and template["template"]["name"] == "sigap_jawaban_petugas"
    assert template["template"]["components"][0]["parameters"] == [{"type": "text", "text": f"#{ticket_id}"}]
    assert ANSWER not in str(template)

    # The citizen replies to read it: the answer is shown.
    await running.post(text_from(citizen, "ok"))
    shown = running.graph.texts(citizen)[-1]
    assert f"Jawaban petugas Kelurahan Jatibening untuk tiket #{ticket_id}" in shown and ANSWER in shown
    await running.post(text_from(citizen, "baik pak terima kasih"))
    assert ANSWER not in running.graph.texts(citizen)[-1]  # shown once

    # A second answer by a swipe-reply on the notice: the window is open now, so it goes as text.
    await running.post(replying_to(text_from(officer, "Jangan lupa bawa surat keterangan dari RT."), notice_id))
    assert "sudah masuk antrean" in running.graph.texts(officer)[-1]
    before = len(running.graph.to(citizen))
    await drain(sender)
    (second,) = running.graph.to(citizen)[before:]
    assert second["type"] == "text" and "Jangan lupa bawa surat keterangan dari RT." in second["text"]["body"]

    # Closed by the officer (the window is open again): 👍/👎 as reply buttons; the rating is kept once.
    await running.post(press_from(officer, f"tiket_tutup:{ticket_id}"))
    await running.post(press_from(officer, f"tiket_tutup:{ticket_id}:ya"))
    before = len(running.graph.to(citizen))
    await drain(sender)
    (rating,) = running.graph.to(citizen)[before:]
    assert rating["type"] == "interactive" and "Apakah jawaban ini membantu?" in rating["interactive"]["body"]["text"]
    await running.post(press_from(citizen, f"tiket_nilai:{ticket_id}:down"))
    assert "Terima kasih atas penilaiannya" in running.graph.texts(citizen)[-1]
    assert (await ticket_row(app, ticket_id)).rating == "down"
    no_text_logged(caplog, QUESTION, ANSWER)


async def test_whatsapp_bad_input(running: Running) -> None:
    citizen = "628120000002"
    await running.post(text_from(citizen, "tanya petugas kelurahan bekasijaya"))
    assert "satu pesan" in running.graph.texts(citizen)[-1]
    await running.post(text_from(citizen, "kata " * 1000))  # 5,000 characters
    refused = running.graph.texts(citizen)[-1]
    assert "5.000 karakter" in refused and "2.000" in refused and "Belum ada yang terkirim" in refused
    await running.post(text_from(citizen, "   "))
    assert "Petugas menunggu pertanyaan Anda" in running.graph.texts(citizen)[-1]
    await running.post(text_from(citizen, "bansos"))
    assert "lebih lengkap" in running.graph.texts(citizen)[-1]
    async with running.app.store.uow() as uow:
        assert await tickets.open_ticket_of(uow, "whatsapp", citizen) is None
    await running.post(text_from(citizen, "bansos saya belum cair dari bulan lalu"))
    assert "Nomor tiket Anda" in running.graph.texts(citizen)[-1]
