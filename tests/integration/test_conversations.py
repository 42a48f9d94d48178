from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.engine import Conversations
from handlers.model import (
    MAX_BUTTON_LABEL,
    MAX_BUTTONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_ROWS,
    InMessage,
    Kind,
    Reply,
)
from sigap_core.store import models
from tests.integration.chat import Chat
from tests.integration.helpers import GOOD, KK4, NIK

UNKNOWN_NIK = "3275016612990999"


@pytest.fixture
def bot(loaded: App) -> Conversations:
    return Conversations(loaded.store, loaded.domain, loaded.today)


def check_limits(replies: list[Reply]) -> None:
    for reply in replies:
        assert 0 < len(reply.text) <= 4096
        assert len(reply.buttons) <= MAX_BUTTONS
        assert len({b.label for b in reply.buttons}) == len(reply.buttons)
        for button in reply.buttons:
            assert 0 < len(button.label) <= MAX_BUTTON_LABEL, button.label
            assert len(button.id.encode()) <= 64
        if reply.menu:
            assert 0 < len(reply.menu.rows) <= MAX_ROWS
            assert len(reply.menu.button) <= MAX_BUTTON_LABEL
            for row in reply.menu.rows:
                assert 0 < len(row.title) <= MAX_ROW_TITLE, row.title
                assert len(row.description) <= MAX_ROW_DESCRIPTION


EXPECTED = {
    "priority": ("PRIORITAS", ["Langganan info", "Cara perbarui data", "Menu"]),
    "eligible": ("memenuhi syarat SIGAP (desil 5)", ["Langganan info", "Cara perbarui data", "Menu"]),
    "rich": ("desil 8", ["Cara perbarui data", "Menu"]),
    "office": ("Karyawan Swasta", ["Cara perbarui data", "Menu"]),
    "outside": ("di luar Kota Bekasi", ["Cara perbarui data", "Menu"]),
    "covered": ("lewat jalur lain", ["Menu"]),
    "enrolled": ("peserta SIGAP", ["Jika kecelakaan", "Klaim JKM", "Menu"]),
}


# How each sample person's name appears after verification (sigap_core/importers/fields.py mask_name).
MASKED_NAME = {
    "priority": "Bu** Sa*****",
    "eligible": "Si** Am****",
    "rich": "Ag** Wi****",
    "office": "De** Le*****",
    "outside": "Jo** Su****",
    "covered": "Ri** Ma*****",
    "enrolled": "Ah*** Fa***",
}


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_every_outcome_journey(bot: Conversations, who: str) -> None:
    chat = Chat(bot, user=f"user-{who}")
    first = await chat.send("halo")
    assert "SIGAP bot" in first and "Cek kelayakan" in chat.labels
    await chat.press("Cek kelayakan")
    assert "UU 27/2022" in chat.text  # privacy notice before any NIK
    await chat.press("Setuju")
    await chat.send(NIK[who])
    answer = await chat.send(KK4[who])
    fragment, buttons = EXPECTED[who]
    assert fragment in answer
    assert chat.replies[0].choices() and [label for _, label in chat.replies[0].choices()] == buttons
    assert MASKED_NAME[who] in answer  # the masked name, never the full one
    full_name = GOOD[who].split(",")[2]
    assert full_name.upper() not in answer.upper()
    assert NIK[who] not in answer
    check_limits(chat.replies)


async def test_enrolled_person_sees_coverage_dates_and_claim_help(bot: Conversations) -> None:
    chat = Chat(bot)
    answer = await chat.verify(NIK["enrolled"], KK4["enrolled"])
    assert "1 Januari 2026 sampai 31 Desember 2026" in answer
    assert "JKK (Jaminan Kecelakaan Kerja)" in answer and "Rp16.800" in answer
    assert "*******2109" in answer  # masked KPJ
    accident = await chat.press("Jika kecelakaan")
    assert "2×24 jam" in accident and "Jl. Pramuka No. 29" in accident
    jkm = await chat.press("Klaim JKM")
    assert "Rp42 juta" in jkm and "Lapak Asik" in jkm


async def test_unknown_nik_and_wrong_kk_give_identical_replies(bot: Conversations) -> None:
    unknown = Chat(bot, user="a")
    await unknown.verify(UNKNOWN_NIK, "1234")
    wrong = Chat(bot, user="b")
    await wrong.verify(NIK["priority"], "9999")
    assert unknown.replies == wrong.replies
    assert "belum masuk DTSEN" in unknown.text and "Cek Bansos" in unknown.text


async def test_lockout_after_too_many_failures_even_for_the_right_digits(bot: Conversations) -> None:
    chat = Chat(bot)
    limit = bot.domain.policy.verification.failed_attempts_per_user
    for _ in range(limit):
        await chat.verify(NIK["priority"], "0000")
    locked = await chat.verify(NIK["priority"], KK4["priority"])
    assert "coba lagi setelah pukul" in locked and "WIB" in locked
    assert "PRIORITAS" not in locked
    other = Chat(bot, user="someone-else")
    assert "PRIORITAS" in await other.verify(NIK["priority"], KK4["priority"])


async def test_the_global_guard_slows_guessers_but_lets_a_correct_check_through(bot: Conversations) -> None:
    """Above the global threshold nobody is refused before trying (issue 13: 300 failures from 300 chats
    used to lock out the whole city); each chat just gets fewer failures."""
    bot.domain = replace(
        bot.domain,
        policy=replace(
            bot.domain.policy,
            verification=replace(bot.domain.policy.verification, failed_attempts_global_per_hour=3),
        ),
    )
    for n in range(3):
        await Chat(bot, user=f"attacker-{n}").verify(UNKNOWN_NIK, "1111")
    answer = await Chat(bot, user="honest").verify(NIK["priority"], KK4["priority"])
    assert "PRIORITAS" in answer
    guesser = Chat(bot, user="new-guesser")
    assert "tidak menemukan data yang cocok" in await guesser.verify(NIK["eligible"], "0000")
    assert "coba lagi setelah pukul" in await guesser.verify(NIK["eligible"], "0001")  # one failure, not five


async def test_family_checks_are_limited_per_day(bot: Conversations) -> None:
    chat = Chat(bot)
    limit = bot.domain.policy.verification.checks_per_user_per_day
    people = ["priority", "eligible", "rich", "office", "outside", "covered", "enrolled"]
    for who in people[:limit]:
        assert "Batas cek" not in await chat.verify(NIK[who], KK4[who])
    assert "Batas cek hari ini" in await chat.verify(NIK[people[limit]], KK4[people[limit]])


async def test_one_chat_never_sees_another_chats_verified_data(bot: Conversations) -> None:
    owner = Chat(bot, user="owner")
    await owner.verify(NIK["enrolled"], KK4["enrolled"])
    await owner.press("Ya, simpan")
    stranger = Chat(bot, user="stranger")
    answer = await stranger.send("status kepesertaan sy")
    assert "UU 27/2022" in answer and "peserta SIGAP" not in answer and "KPJ" not in answer
    same_user_other_channel = Chat(bot, user="owner", channel="whatsapp")
    assert "KPJ" not in await same_user_other_channel.send("status")
    assert "KPJ" in await owner.send("status")


async def test_nik_sent_before_consent_is_not_processed(bot: Conversations, loaded: App) -> None:
    chat = Chat(bot)
    answer = await chat.send(f"cek nik sy {NIK['priority']}")
    assert "UU 27/2022" in answer and "Setuju" in chat.labels
    async with loaded.store.uow() as uow:
        conversation = await uow.conversations.get("console", "u1")
    assert conversation is not None and "nik" not in conversation.data
    assert "Sekarang ketik NIK" in await chat.press("Setuju")


async def test_declining_consent_keeps_the_menu_usable(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.send("cek kelayakan")
    answer = await chat.press("Tidak setuju")
    assert "tidak akan diproses" in answer and "Cara perbarui data" in chat.labels


@pytest.mark.parametrize(
    ("typed", "feedback"),
    [
        ("3275 0141 0190 001", "yang Anda kirim 15 digit"),
        ("32750141019000012", "yang Anda kirim 17 digit"),
        ("9975014101900001", "bukan kode provinsi"),
        ("3275013201900001", "tanggal lahir"),
        ("3275014101900000", "0000"),
    ],
)
async def test_nik_typos_get_precise_feedback(bot: Conversations, typed: str, feedback: str) -> None:
    chat = Chat(bot)
    await chat.send("cek")
    await chat.press("Setuju")
    assert feedback in await chat.send(typed)
    assert "NIK diterima" in await chat.send(NIK["priority"])


async def test_update_guide_from_the_verified_record_and_from_a_typed_name(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.verify(NIK["rich"], KK4["rich"])
    guide = await chat.press("Cara perbarui data")
    assert "Kelurahan Bintara (Kecamatan Bekasi Barat)" in guide
    assert "KTP-el" in guide and "SIKS-NG" in guide and "Cek Bansos" in guide and "Disdukcapil" in guide
    assert "Tanyakan jam layanannya" in guide  # no hours configured: none invented
    other = Chat(bot, user="walk-in")
    typed = await other.send("kelurahan sy jati bening gmn cara update data")
    assert "Kelurahan Jatibening (Kecamatan Pondokgede)" in typed


async def test_update_guide_by_picking_from_lists(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    asked = await chat.press("Cara perbarui data")
    assert "Kelurahan Anda apa" in asked
    check_limits(chat.replies)
    await chat.press("Kecamatan lain…")
    check_limits(chat.replies)
    await chat.press("Pondokmelati")
    check_limits(chat.replies)
    assert "Jatirahayu" in chat.labels
    assert "Kelurahan Jatirahayu" in await chat.press("Jatirahayu")


async def test_subscribe_stop_and_resume(bot: Conversations, loaded: App) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    await chat.press("Langganan info")
    assert "Kelurahan Jatibening" in await chat.send("jatibening")
    await chat.send("cek")  # in the middle of another flow
    await chat.press("Setuju")
    assert "tidak akan menerima pengumuman" in await chat.send("BERHENTI")
    async with loaded.store.uow() as uow:
        sub = await uow.subscriptions.get("console", "u1")
        assert sub is not None and sub.status == "stopped"
    assert "Kelurahan Jatibening" in await chat.send("MULAI")
    assert "tidak akan menerima" in await chat.send("stop")


async def test_help_shows_configured_contacts_only(bot: Conversations) -> None:
    chat = Chat(bot)
    # Asking for a person starts a question for a kelurahan officer (a ticket); "bantuan" shows the contacts.
    assert "Kelurahan Anda apa?" in await chat.send("mau bicara dengan petugas")
    answer = await chat.send("bantuan")
    assert "Jl. Pramuka No. 29" in answer and "Dinas Tenaga Kerja" in answer
    assert "WhatsApp layanan" not in answer  # not configured: not invented
    bot.domain = replace(
        bot.domain,
        policy=replace(
            bot.domain.policy, contacts=replace(bot.domain.policy.contacts, helpline_whatsapp="0811-0000-111")
        ),
    )
    assert "0811-0000-111" in await chat.send("bantuan")


async def test_erase_my_data_after_confirmation(bot: Conversations, loaded: App) -> None:
    chat = Chat(bot)
    await chat.verify(NIK["enrolled"], KK4["enrolled"])
    await chat.press("Ya, simpan")
    await chat.send("langganan jatibening")
    await chat.send("menu")
    await chat.press("Hapus data saya")
    assert "Lanjutkan?" in chat.text
    assert "sudah dihapus" in await chat.press("Ya, hapus")
    async with loaded.store.uow() as uow:
        for model in (models.Conversation, models.VerifiedLink, models.Subscription):
            count = await uow.session.scalar(select(func.count()).select_from(model))
            assert count == 0, model
    # A stale "Ya, hapus" pressed again asks first instead of acting.
    again = await chat.deliver(InMessage("console", "u1", Kind.BUTTON, payload="erase:yes"))
    assert "Lanjutkan?" in again


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        (Kind.STICKER, "Terima kasih"),
        (Kind.AUDIO, "pesan suara"),
        (Kind.IMAGE, "foto"),
        (Kind.LOCATION, "lokasi"),
        (Kind.UNKNOWN, "jenis pesan"),
    ],
)
async def test_non_text_messages_get_a_kind_reply_and_the_menu(bot: Conversations, kind: Kind, fragment: str) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    answer = await chat.deliver(InMessage("console", "u1", kind))
    assert fragment in answer and "Cek kelayakan" in chat.labels


async def test_long_emoji_and_out_of_scope_text(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    assert "terlalu panjang" in await chat.send("a" * 5000)
    assert "belum mengerti" in await chat.send("😂😂😂")
    assert "belum mengerti" in await chat.send("harga bbm naik ga")
    assert "Cek kelayakan" in chat.labels


async def test_informal_first_message_is_understood(bot: Conversations) -> None:
    chat = Chat(bot)
    answer = await chat.send("sy mau cek bpjs gratis dr pemkot")
    assert "SIGAP bot" in answer and "UU 27/2022" in answer


async def test_language_is_remembered(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    assert "Language changed to English" in await chat.press("English")
    answer = await chat.verify(NIK["priority"], KK4["priority"])
    assert "PRIORITY" in answer and "Rp16,800" in answer
    assert "Choose a service" in await chat.send("menu")


async def test_old_buttons_still_do_something_sensible(bot: Conversations) -> None:
    chat = Chat(bot)
    await chat.send("halo")
    for payload in ("keep:yes", "kel:32.75.01.1001", "kec:32.75.02", "consent:yes", "zzz:1", "accident"):
        answer = await chat.deliver(InMessage("console", "u1", Kind.BUTTON, payload=payload))
        assert answer
        check_limits(chat.replies)


async def test_dialog_state_expires(bot: Conversations, loaded: App) -> None:
    chat = Chat(bot)
    await chat.send("cek")
    await chat.press("Setuju")
    await chat.send(NIK["priority"])
    async with loaded.store.uow() as uow:
        conversation = await uow.conversations.get("console", "u1")
        assert conversation is not None
        conversation.expires_at = conversation.updated_at.replace(year=2000)
    answer = await chat.send(KK4["priority"])
    assert "PRIORITAS" not in answer
