"""The ticket conversations on both databases: consent decides whether the eligibility status reaches
staff; a NIK typed in a question is never stored; a staff reply-to on a notice answers that ticket (and
another kelurahan's staff get "not found"); an answer that went only as the WhatsApp template is shown once
on the citizen's next message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from bot.bootstrap import App
from handlers.engine import Conversations
from handlers.model import InMessage, Kind
from sigap_core import broadcasts, tickets
from sigap_core.store import models
from sigap_core.store.outbox import SENT_AS_TEMPLATE
from tests.integration.chat import Chat
from tests.integration.helpers import KK4, NIK

BEKASIJAYA = "32.75.01.1001"  # the priority sample person's kelurahan
MARGAHAYU = "32.75.01.1002"


@pytest.fixture
def bot(loaded: App) -> Conversations:
    return Conversations(loaded.store, loaded.domain, loaded.today)


async def staff_chat(bot: Conversations, app: App, user: str, kode: str, channel: str = "console") -> Chat:
    async with app.store.uow() as uow:
        code, _ = await broadcasts.create_invite(uow, app.domain, "staff", kode, datetime.now(UTC))
    chat = Chat(bot, user, channel)
    assert "petugas Kelurahan" in await chat.send(f"/petugas {code}")
    return chat


async def the_ticket(app: App, channel: str, user: str) -> models.Ticket:
    async with app.store.uow() as uow:
        found = await uow.tickets.not_closed_of(channel, user)
    assert found is not None
    return found


async def test_status_is_shared_only_by_a_verified_citizen_who_agrees(bot: Conversations, loaded: App) -> None:
    agrees, declines, unverified = Chat(bot, "c-agree"), Chat(bot, "c-decline"), Chat(bot, "c-plain")
    for chat in (agrees, declines):
        await chat.verify(NIK["priority"], KK4["priority"])
        assert "Kelurahan Bekasijaya" in await chat.send("tanya petugas")  # the verified record's kelurahan
        assert "Boleh petugas melihat" in await chat.send("kapan saya didaftarkan ke bpjs ya pak")
    assert "Nomor tiket" in await agrees.press("Ya, boleh")
    assert "Nomor tiket" in await declines.press("Tidak usah")
    await unverified.send("tanya petugas kelurahan bekasijaya")
    opened = await unverified.send("kapan saya didaftarkan ke bpjs ya pak")
    assert "Nomor tiket" in opened and "Boleh petugas melihat" not in opened  # never asked: nothing to share

    shared = await the_ticket(loaded, "console", "c-agree")
    assert shared.shared_status == "eligible_priority"
    assert shared.shared_nik_hmac == loaded.domain.hasher.nik(NIK["priority"])
    for user in ("c-decline", "c-plain"):
        ticket = await the_ticket(loaded, "console", user)
        assert (ticket.shared_status, ticket.shared_nik_hmac) == (None, None)


async def test_a_nik_or_phone_in_the_question_is_never_stored(bot: Conversations, loaded: App) -> None:
    chat = Chat(bot, "c-nik")
    await chat.send("tanya petugas kelurahan margahayu")
    answer = await chat.send(f"NIK saya {NIK['eligible']}, hp 0812 3456 7890, kenapa belum terdaftar?")
    assert "nomor panjang" in answer and NIK["eligible"] not in answer
    await chat.send(f"ini KK saya {NIK['rich']}, di aplikasi cek bansos juga tidak muncul")  # a follow-up too
    ticket = await the_ticket(loaded, "console", "c-nik")
    async with loaded.store.uow() as uow:
        texts = [m.text for m in await uow.tickets.messages(ticket.id)]
    assert texts == [
        "NIK saya […], hp […], kenapa belum terdaftar?",
        "ini KK saya […], di aplikasi cek bansos juga tidak muncul",
    ]
    # A bare NIK with a few words is a check, served as such, not added.
    assert "UU 27/2022" in await chat.send(f"cek nik {NIK['rich']}")


async def test_reply_to_the_notice_answers_and_scope_holds(bot: Conversations, loaded: App) -> None:
    officer = await staff_chat(bot, loaded, "s-bekasijaya", BEKASIJAYA)
    elsewhere = await staff_chat(bot, loaded, "s-margahayu", MARGAHAYU)
    citizen = Chat(bot, "c-reply")
    await citizen.send("komplain kelurahan bekasijaya")
    await citizen.send("pendamping belum datang ke rumah padahal sudah dijadwalkan")
    ticket = await the_ticket(loaded, "console", "c-reply")
    async with loaded.store.uow() as uow:  # the notice as the sender leaves it: sent, with the platform's id
        o = models.Outbox
        notice = await uow.session.execute(
            update(o)
            .where(o.user_key == "s-bekasijaya", o.channel == "console")
            .values(state="sent", platform_id="m-41")
            .returning(o.broadcast_id)
        )
        assert notice.scalar_one()
    replied = await officer.deliver(
        InMessage("console", "s-bekasijaya", Kind.TEXT, text="Besok pendamping datang jam 10.", reply_to="m-41")
    )
    assert f"Jawaban untuk tiket #{ticket.id} sudah masuk antrean" in replied
    # The same platform id from another kelurahan's chat names nothing of theirs.
    other = await elsewhere.deliver(
        InMessage("console", "s-margahayu", Kind.TEXT, text="Besok pendamping datang jam 10.", reply_to="m-41")
    )
    assert "antrean" not in other
    assert f"Tiket #{ticket.id} tidak ditemukan" in await elsewhere.send(f"/tiket {ticket.id}")
    async with loaded.store.uow() as uow:
        authors = [m.author for m in await uow.tickets.messages(ticket.id)]
    assert authors == ["citizen", "staff"]


@pytest.mark.parametrize("pruned", [False, True], ids=["dialog kept", "dialog pruned"])
async def test_an_answer_sent_only_as_the_template_is_shown_once(bot: Conversations, loaded: App, pruned: bool) -> None:
    """Also when retention deleted the citizen's dialog meanwhile: the answer is the outbox's, not the dialog's."""
    officer = await staff_chat(bot, loaded, "s-wa", MARGAHAYU)
    citizen = Chat(bot, "628120000777", "whatsapp")
    await citizen.send("tanya petugas kelurahan margahayu")
    await citizen.send("apakah istri saya yang ibu rumah tangga bisa ikut didaftarkan")
    ticket = await the_ticket(loaded, "whatsapp", "628120000777")
    await officer.send(f"/tiket {ticket.id}")
    await officer.press("Balas")
    await officer.send("Bisa bila ia bekerja informal, misalnya berjualan. Datang ke kelurahan, ya.")
    async with loaded.store.uow() as uow:  # what the WhatsApp sender records outside the window
        o = models.Outbox
        await uow.session.execute(
            update(o).where(o.user_key == "628120000777").values(state="sent", reason=SENT_AS_TEMPLATE)
        )
        if pruned:
            await uow.session.execute(delete(models.Conversation).where(models.Conversation.user_key == "628120000777"))
    shown = await citizen.send("ok")
    assert f"Jawaban petugas Kelurahan Margahayu untuk tiket #{ticket.id}" in shown and "berjualan" in shown
    assert "berjualan" not in await citizen.send("baik terima kasih")
    added = await citizen.send("kalau jualannya online dari rumah apakah juga termasuk?")
    assert f"Tambahan Anda masuk ke tiket #{ticket.id}" in added
    async with loaded.store.uow() as uow:
        reasons = (await uow.session.execute(select(models.Outbox.reason).where(o.user_key == "628120000777"))).all()
    assert [r[0] for r in reasons] == ["sent as template, text shown later"]
    async with loaded.store.uow() as uow:
        view = await tickets.open_ticket_of(uow, "whatsapp", "628120000777")
    assert view is not None and view.state == "open"  # the follow-up waits for staff again


async def staff_messages(app: App, ticket_id: int) -> list[tuple[str, str]]:
    async with app.store.uow() as uow:
        return [(m.author, m.text) for m in await uow.tickets.messages(ticket_id)]


async def test_an_answer_typed_without_balas_is_offered_not_lost(bot: Conversations, loaded: App) -> None:
    officer = await staff_chat(bot, loaded, "s-draft", MARGAHAYU)
    citizen = Chat(bot, "c-draft")
    await citizen.send("tanya petugas kelurahan margahayu")
    await citizen.send("berkas apa saja yang harus dibawa untuk update dtsen?")
    ticket = await the_ticket(loaded, "console", "c-draft")
    await officer.send(f"/tiket {ticket.id}")
    offered = await officer.send("Bawa KTP-el dan KK asli, Pak.")
    assert f"jawaban tiket #{ticket.id}?" in offered and "Ya, kirim" in officer.labels
    assert await staff_messages(loaded, ticket.id) == [
        ("citizen", "berkas apa saja yang harus dibawa untuk update dtsen?")
    ]  # nothing sent unasked
    assert "Bawa KTP-el dan KK asli, Pak.\nDatang jam kerja." in await officer.send("Datang jam kerja.")
    assert "sudah masuk antrean" in await officer.press("Ya, kirim")
    assert (await staff_messages(loaded, ticket.id))[1:] == [
        ("staff", "Bawa KTP-el dan KK asli, Pak.\nDatang jam kerja.")
    ]
    # The citizen re-reads it; a thank-you is not filed and leaves the ticket answered.
    assert "Jawaban petugas: “Bawa KTP-el dan KK asli, Pak." in await citizen.send("udah dibales blm?")
    assert "Tambahan Anda masuk" not in await citizen.send("oke pak makasih infonya")
    assert (await the_ticket(loaded, "console", "c-draft")).state == "answered"
    assert len(await staff_messages(loaded, ticket.id)) == 2


async def test_staff_act_by_typing_with_the_number(bot: Conversations, loaded: App) -> None:
    officer = await staff_chat(bot, loaded, "s-typed", MARGAHAYU)
    citizen = Chat(bot, "c-typed")
    await citizen.send("tanya petugas kelurahan margahayu")
    await citizen.send("kapan pendaftaran sigap dibuka lagi?")
    ticket = await the_ticket(loaded, "console", "c-typed")
    assert "sudah masuk antrean" in await officer.send(f"balas {ticket.id} sudah kami cek pak, tunggu pengumuman ya")
    assert (await staff_messages(loaded, ticket.id))[-1] == ("staff", "sudah kami cek pak, tunggu pengumuman ya")
    assert f"Tiket #{ticket.id} sekarang tugas Anda." in await officer.send(f"ambil tiket {ticket.id}")
    assert f"Tutup tiket #{ticket.id}?" in await officer.send(f"tutup tiket {ticket.id}")  # still confirmed
    assert (await the_ticket(loaded, "console", "c-typed")).state == "answered"
    moved = await officer.send(f"alihkan tiket {ticket.id} ke kaliabang tengah")
    assert "dialihkan ke Kelurahan Kaliabang Tengah" in moved
    kaliabang = loaded.domain.wilayah.find_in_text("kaliabang tengah")
    assert kaliabang is not None
    assert (await the_ticket(loaded, "console", "c-typed")).kode_kelurahan == kaliabang.code
    # Now another kelurahan's: every typed action says "not found", like the buttons.
    assert f"Tiket #{ticket.id} tidak ditemukan" in await officer.send(f"balas {ticket.id} halo bu, ini jawabannya")


async def test_erasing_with_an_open_ticket_says_it_closes(bot: Conversations, loaded: App) -> None:
    officer = await staff_chat(bot, loaded, "s-erase", MARGAHAYU)
    citizen = Chat(bot, "c-erase")
    await citizen.send("tanya petugas kelurahan margahayu")
    await citizen.send("kenapa nama saya tidak ada di dtsen padahal sudah daftar?")
    ticket = await the_ticket(loaded, "console", "c-erase")
    assert f"Tiket #{ticket.id} Anda masih terbuka" in await citizen.send("hapus data saya")
    assert f"Tiket #{ticket.id} ditutup dan tidak akan dijawab" in await citizen.press("Ya, hapus")
    shown = await officer.send(f"/tiket {ticket.id}")
    assert "Isi tiket ini sudah dihapus" in shown and "ditutup" in shown
