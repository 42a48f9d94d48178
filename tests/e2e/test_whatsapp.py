"""Signed, Meta-shaped webhook payloads posted to the running aiohttp app; a fake Graph API on 127.0.0.1
receives what the bot sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import ClientSession
from sqlalchemy import select

from bot.whatsapp import WHATSAPP_PATH, render
from handlers.model import Button, Menu, Reply, Row
from sigap_core.store import models
from tests.e2e.whatsapp_driver import Running, fixture, press_from, text_from
from tests.integration.helpers import KK4, NIK, OUTCOME_TEXT


async def test_verification_handshake(running: Running) -> None:
    async with ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
        async with http.get(running.base + WHATSAPP_PATH, params=query) as ok:
            assert ok.status == 200 and await ok.text() == "1158201444"
        query["hub.verify_token"] = "wrong"
        async with http.get(running.base + WHATSAPP_PATH, params=query) as bad:
            assert bad.status == 403


OUTCOMES = OUTCOME_TEXT


@pytest.mark.parametrize("who", list(OUTCOMES))
async def test_journey_for_every_outcome(running: Running, who: str) -> None:
    wa_id = f"62812000{list(OUTCOMES).index(who):04d}"
    assert await running.post(text_from(wa_id, "halo")) == 200
    welcome = (await running.graph.wait(wa_id, 1))[0]
    assert welcome["to"] == wa_id and welcome["interactive"]["type"] == "list"
    rows = welcome["interactive"]["action"]["sections"][0]["rows"]
    assert {"id": "check", "title": "Cek kelayakan", "description": "Apakah saya dapat BPJS TK gratis?"} in rows
    await running.post(press_from(wa_id, "check", "list_reply"))
    consent = (await running.graph.wait(wa_id, 2))[-1]
    assert consent["interactive"]["type"] == "button"
    await running.post(press_from(wa_id, "consent:yes"))
    await running.post(text_from(wa_id, NIK[who]))
    await running.post(text_from(wa_id, KK4[who]))
    texts = running.graph.texts(wa_id)
    assert any(OUTCOMES[who] in text for text in texts[-3:]), texts[-3:]


async def test_business_scoped_user_without_phone_is_answered_by_recipient(running: Running) -> None:
    user_id = "ID.13491208655302741918"
    await running.post(text_from("", "halo", user_id=user_id))
    sent = (await running.graph.wait(user_id, 1))[0]
    assert sent["recipient"] == user_id and "to" not in sent
    async with running.app.store.uow() as uow:
        assert await uow.conversations.get("whatsapp", user_id) is not None


async def test_forged_signature_is_rejected_and_nothing_processed(running: Running) -> None:
    payload = text_from("628120009999", "halo")
    assert await running.post(payload, signature="sha256=" + "0" * 64) == 401
    assert await running.post(payload, signature="") == 401
    assert running.graph.sent == []
    async with running.app.store.uow() as uow:
        assert await uow.conversations.get("whatsapp", "628120009999") is None


async def test_duplicate_message_is_processed_once(running: Running) -> None:
    payload = text_from("628120008888", "halo")
    assert await running.post(payload) == 200
    assert await running.post(payload) == 200  # Meta delivers the same message id again
    # post() returns once the channel has processed everything it accepted: both deliveries are done.
    assert len(running.graph.to("628120008888")) == 1
    assert await running.post(text_from("628120008888", "menu")) == 200
    assert len(running.graph.to("628120008888")) == 2  # the next message is answered as usual


async def test_throttling_is_backed_off_then_delivered(running: Running) -> None:
    running.graph.fail(131056, "(Business Account, Consumer Account) pair rate limit hit", times=2)
    running.graph.fail(130429, "Rate limit hit", status=429)
    await running.post(text_from("628120007777", "halo"))
    sent = await running.graph.wait("628120007777", 1)
    assert "SIGAP bot" in sent[0]["interactive"]["body"]["text"]
    assert running.graph.attempts == 4


async def test_status_callbacks_never_move_backwards(running: Running) -> None:
    await running.post(text_from("6281234567890", "halo"))
    await running.graph.wait("6281234567890", 1)
    status = fixture("status_delivered")
    statuses = status["entry"][0]["changes"][0]["value"]["statuses"]
    for state in ("read", "delivered", "sent"):
        statuses[0]["status"] = state
        await running.post(status)
    async with running.app.store.uow() as uow:
        row = (await uow.session.execute(select(models.OutgoingMessage))).scalars().one()
    assert row.platform_id == "wamid.TEST000001" and row.state == "read"


async def test_other_message_types_get_a_kind_reply(running: Running) -> None:
    for kind, body, expected in (
        ("sticker", {"mime_type": "image/webp", "sha256": "x", "id": "s1"}, "Terima kasih"),
        ("audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "x", "id": "a1", "voice": True}, "pesan suara"),
        ("image", {"mime_type": "image/jpeg", "sha256": "x", "id": "i1"}, "foto"),
        ("location", {"latitude": -6.24, "longitude": 106.99}, "lokasi"),
        ("unsupported", {}, "jenis pesan"),
    ):
        payload = text_from("628120006666", "x")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"] = kind
        if body:
            message[kind] = body
        await running.post(payload)
        assert expected in running.graph.texts("628120006666")[-1], kind


async def test_typed_number_presses_the_offered_choice(running: Running) -> None:
    await running.post(text_from("628120005555", "halo"))
    await running.post(text_from("628120005555", "2"))  # second row: Cara perbarui data
    assert "Kelurahan Anda apa" in running.graph.texts("628120005555")[-1]


async def test_announcement_uses_text_inside_the_window_and_the_template_outside(running: Running) -> None:
    wa_id = "628120004444"
    await running.post(text_from(wa_id, "halo"))
    assert (await running.channel.deliver_announcement(wa_id, "Posyandu buka Sabtu")).state == "sent"
    assert running.graph.to(wa_id)[-1]["type"] == "text"
    async with running.app.store.uow() as uow:
        conversation = await uow.conversations.get("whatsapp", wa_id)
        assert conversation is not None
        conversation.last_inbound_at = datetime.now(UTC) - timedelta(hours=25)
    assert (await running.channel.deliver_announcement(wa_id, "Posyandu buka Sabtu")).state == "sent"
    template = running.graph.to(wa_id)[-1]
    assert template["type"] == "template" and template["template"]["name"] == "sigap_pengumuman"
    assert template["template"]["components"][0]["parameters"][0]["text"] == "Posyandu buka Sabtu"


async def test_outside_window_error_is_not_retried_as_free_text(running: Running) -> None:
    wa_id = "628120003333"
    await running.post(text_from(wa_id, "halo"))
    before = running.graph.attempts
    running.graph.fail(131047, "Re-engagement message")
    assert await running.channel.deliver(wa_id, {"type": "text", "text": {"body": "hi"}}) is False
    assert running.graph.attempts == before + 1


def test_rendering_degrades_gracefully() -> None:
    three = Reply("Pilih", (Button("a", "Satu"), Button("b", "Dua"), Button("c", "Tiga")))
    assert render(three)[0]["interactive"]["type"] == "button"
    twenty_two = Reply("Pilih", (Button("a", "Label dua puluh dua ch"),))  # too long for a button, fits a row
    assert render(twenty_two)[0]["interactive"]["type"] == "list"
    assert render(twenty_two)[0]["interactive"]["action"]["button"] == "☰ Menu"  # no untranslated word
    too_long = Reply("Pilih", (Button("a", "Label yang jauh lebih panjang dari dua puluh empat"),))
    assert render(too_long)[0]["type"] == "text" and "1. Label" in render(too_long)[0]["text"]["body"]
    rows = tuple(Row(f"r{n}", f"Pilihan {n}") for n in range(12))
    numbered = render(Reply("Pilih", menu=Menu("Pilih", rows)))
    assert numbered[0]["type"] == "text" and "12. Pilihan 11" in numbered[0]["text"]["body"]
    long_body = render(Reply("x" * 2000, (Button("a", "Oke"),)))
    assert [m["type"] for m in long_body] == ["text", "interactive"]
    huge = render(Reply("kata " * 3000))
    assert len(huge) == 4 and all(len(m["text"]["body"]) <= 4096 for m in huge)
