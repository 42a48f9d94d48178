"""Direct messages on the durable outbox, on both databases: they skip the announcement-subscription check but
never reach a chat that blocked the bot (and has not written since) or erased itself; they are not listed as
announcements; reply-to finds the broadcast of a sent message by its platform id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import App
from bot.sender import BroadcastSender, Outcome
from sigap_core import broadcasts
from sigap_core.broadcasts import CLI_ACTOR, Actor, BroadcastError
from sigap_core.store import models
from sigap_core.store.outbox import ERASED_TEXT, OutMessage, ticket_template

JATIBENING = "32.75.08.1002"
TICKET_BUTTONS = (("tiket_balas:12", "Balas"), ("tiket_ambil:12", "Ambil"))


def now() -> datetime:
    return datetime.now(UTC)


class Recorder:
    """The channel side of a sender: what went to whom, each message with a fresh platform id."""

    def __init__(self) -> None:
        self.announcements: list[tuple[str, str]] = []
        self.direct: list[tuple[str, OutMessage]] = []

    async def announce(self, user_key: str, text: str) -> Outcome:
        self.announcements.append((user_key, text))
        return Outcome("sent", platform_id=f"a{len(self.announcements)}")

    async def deliver_direct(self, user_key: str, message: OutMessage) -> Outcome:
        self.direct.append((user_key, message))
        return Outcome("sent", platform_id=str(700 + len(self.direct)))


def sender_for(app: App, recorder: Recorder) -> BroadcastSender:
    return BroadcastSender(
        app.store, app.domain, "telegram", recorder.announce, 500, deliver_direct=recorder.deliver_direct
    )


async def drain(sender: BroadcastSender) -> None:
    while await sender.step():
        pass


async def states(app: App, broadcast_id: int) -> dict[str, tuple[str, str]]:
    async with app.store.uow() as uow:
        rows = (await uow.session.execute(models.Outbox.__table__.select())).all()
    return {row.user_key: (row.state, row.reason) for row in rows if row.broadcast_id == broadcast_id}


async def test_a_direct_message_reaches_a_chat_that_never_subscribed_exactly_once(app: App) -> None:
    recorder = Recorder()
    async with app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_notice",
            "Tiket #12 baru",
            [("telegram", "4001"), ("telegram", "4001")],
            now(),
            buttons=TICKET_BUTTONS,
        )
    sender = sender_for(app, recorder)
    await drain(sender)
    await drain(sender)
    assert [(key, m.text, m.buttons, m.direct) for key, m in recorder.direct] == [
        ("4001", "Tiket #12 baru", TICKET_BUTTONS, True)
    ]
    assert recorder.announcements == []
    assert await states(app, direct) == {"4001": ("sent", "")}
    async with app.store.uow() as uow:
        item = await uow.broadcasts.get(direct)
        assert item is not None and item.status == "done" and item.created_by == "system"
        # The same chat, never subscribed, is still dropped from an announcement-like notice.
        notice = await uow.selection.enqueue("selected", "Selamat", [("telegram", "4001")], now())
    await drain(sender)
    assert recorder.announcements == [] and len(recorder.direct) == 1
    assert await states(app, notice) == {"4001": ("opted_out", "")}


async def test_a_chat_that_blocked_the_bot_gets_no_direct_message_until_it_writes_again(app: App) -> None:
    recorder = Recorder()
    blocked_at = now()
    async with app.store.uow() as uow:
        uow.session.add_all(
            [
                models.Subscription(
                    channel="telegram",
                    user_key="4002",
                    kode_kelurahan=JATIBENING,
                    status="blocked",
                    updated_at=blocked_at,
                ),
                models.Conversation(
                    channel="telegram",
                    user_key="4002",
                    updated_at=blocked_at,
                    last_inbound_at=blocked_at - timedelta(hours=1),
                ),
                # Blocked once, then came back and wrote (its subscription still says blocked).
                models.Subscription(
                    channel="telegram",
                    user_key="4003",
                    kode_kelurahan=JATIBENING,
                    status="blocked",
                    updated_at=blocked_at,
                ),
                models.Conversation(
                    channel="telegram",
                    user_key="4003",
                    updated_at=blocked_at,
                    last_inbound_at=blocked_at + timedelta(minutes=5),
                ),
                # Blocked, and nothing heard of since (its dialog gone).
                models.Subscription(
                    channel="telegram",
                    user_key="4004",
                    kode_kelurahan=JATIBENING,
                    status="blocked",
                    updated_at=blocked_at,
                ),
                # Stopped announcements: direct messages still go.
                models.Subscription(
                    channel="telegram",
                    user_key="4005",
                    kode_kelurahan=JATIBENING,
                    status="stopped",
                    updated_at=blocked_at,
                ),
            ]
        )
    async with app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban petugas", [("telegram", key) for key in ("4002", "4003", "4004", "4005")], now()
        )
    await drain(sender_for(app, recorder))
    assert sorted(key for key, _ in recorder.direct) == ["4003", "4005"]
    assert await states(app, direct) == {
        "4002": ("blocked", "blocked the bot"),
        "4003": ("sent", ""),
        "4004": ("blocked", "blocked the bot"),
        "4005": ("sent", ""),
    }


async def test_an_erased_chat_gets_none_of_its_queued_direct_messages(app: App) -> None:
    recorder = Recorder()
    async with app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban", [("telegram", "4006"), ("telegram", "4007")], now()
        )
        announcement = await uow.selection.enqueue("selected", "Selamat", [("telegram", "4006")], now())
    async with app.store.uow() as uow:
        assert await uow.outbox.cancel_direct_to("telegram", "4006", now()) == 1  # the announcement is not direct
    await drain(sender_for(app, recorder))
    assert [key for key, _ in recorder.direct] == ["4007"]
    assert await states(app, direct) == {"4006": ("cancelled", "erased"), "4007": ("sent", "")}
    assert await states(app, announcement) == {"4006": ("opted_out", "")}


async def test_reply_to_finds_the_broadcast_by_chat_and_platform_id(app: App) -> None:
    recorder = Recorder()
    async with app.store.uow() as uow:
        first = await uow.outbox.enqueue_direct("ticket_notice", "Tiket #1", [("telegram", "4008")], now())
        second = await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket #2", [("telegram", "4008"), ("telegram", "4009")], now()
        )
    await drain(sender_for(app, recorder))
    sent = {
        (key, m.text): platform_id for (key, m), platform_id in zip(recorder.direct, ("701", "702", "703"), strict=True)
    }
    async with app.store.uow() as uow:
        assert await uow.outbox.broadcast_of_platform_message("telegram", "4008", sent[("4008", "Tiket #1")]) == first
        assert await uow.outbox.broadcast_of_platform_message("telegram", "4009", sent[("4009", "Tiket #2")]) == second
        # Telegram message ids are per chat: another chat's id, another channel, an unknown id, none.
        assert await uow.outbox.broadcast_of_platform_message("telegram", "4009", sent[("4008", "Tiket #1")]) is None
        assert await uow.outbox.broadcast_of_platform_message("whatsapp", "4008", sent[("4008", "Tiket #1")]) is None
        assert await uow.outbox.broadcast_of_platform_message("telegram", "4008", "999") is None
        assert await uow.outbox.broadcast_of_platform_message("telegram", "4008", "") is None


async def test_direct_messages_are_not_listed_as_announcements(app: App) -> None:
    async with app.store.uow() as uow:
        uow.session.add(
            models.Subscription(
                channel="telegram", user_key="4010", kode_kelurahan=JATIBENING, status="active", updated_at=now()
            )
        )
    async with app.store.uow() as uow:
        announcement, _count = await broadcasts.create_broadcast(
            uow, app.domain, CLI_ACTOR, JATIBENING, "all", "Info", now(), now(), app.today()
        )
        direct = await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket #3: pertanyaan warga", [("telegram", "1")], now()
        )
    admin = Actor("admin", None, "telegram:1")
    async with app.store.uow() as uow:
        assert [b.id for b in await broadcasts.list_broadcasts(uow, admin)] == [announcement.id]
        assert [b.id for b in await broadcasts.list_broadcasts(uow, CLI_ACTOR)] == [announcement.id]
        assert [b.id for b in await uow.dashboard.broadcasts(None, True, 50)] == [announcement.id]
        with pytest.raises(BroadcastError):
            await broadcasts.visible_broadcast(uow, admin, direct)
        # The operator's CLI can still follow one by its id (`sigap broadcast show`).
        assert (await broadcasts.visible_broadcast(uow, CLI_ACTOR, direct)).id == direct


@pytest.mark.parametrize(
    ("text", "buttons", "template"),
    [
        ("", (), ""),
        (" ", (), ""),
        ("x" * 4097, (), ""),
        ("Tiket", (("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")), ""),
        ("Tiket", (("a", "Label yang terlalu panjang"),), ""),
        ("Tiket", (("a" * 65, "Balas"),), ""),
        ("Tiket", (("", "Balas"),), ""),
        ("Tiket", (("a", "Balas"), ("a", "Ambil")), ""),
        ("Tiket", (), "sigap_jawaban_petugas"),
        ("Tiket", (), "ticket:"),
    ],
)
async def test_a_direct_message_outside_the_limits_is_refused(
    app: App, text: str, buttons: tuple[tuple[str, str], ...], template: str
) -> None:
    async with app.store.uow() as uow:
        with pytest.raises(ValueError):
            await uow.outbox.enqueue_direct(
                "ticket_notice", text, [("telegram", "1")], now(), buttons=buttons, template=template
            )


async def test_buttons_and_template_round_trip_through_the_store(app: App) -> None:
    async with app.store.uow() as uow:
        direct = await uow.outbox.enqueue_direct(
            "ticket_reply",
            "Jawaban",
            [("whatsapp", "6281")],
            now(),
            buttons=TICKET_BUTTONS,
            template=ticket_template("#12"),
        )
        plain = await uow.outbox.enqueue_direct("ticket_sla", "Pengingat", [("whatsapp", "6281")], now())
        nobody = await uow.outbox.enqueue_direct("ticket_sla", "Pengingat", [], now())
    async with app.store.uow() as uow:
        messages = await uow.broadcasts.messages([direct, plain])
        finished = await uow.broadcasts.get(nobody)
    assert messages[direct] == OutMessage(None, "Jawaban", True, TICKET_BUTTONS, "ticket:#12")
    assert messages[plain] == OutMessage(None, "Pengingat", True, (), "")
    assert finished is not None and finished.status == "done"


async def test_answers_sent_only_as_the_template_are_handed_out_once_and_again_after_a_rollback(app: App) -> None:
    from sigap_core.store.outbox import Result

    async with app.store.uow() as uow:
        answer = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban", [("whatsapp", "6282")], now(), template=ticket_template("#5")
        )
    async with app.store.uow() as uow:
        (row,) = await uow.outbox.claim("whatsapp", "me", timedelta(seconds=60), 5, now())
        await uow.outbox.record("me", [Result(row.id, "delivered", "sent as template", 1, platform_id="w1")], now())

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback):
        async with app.store.uow() as uow:
            assert await uow.outbox.take_unread("whatsapp", "6282", now()) == [(answer, "Jawaban", ())]
            raise Rollback
    async with app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", "6282", now()) == [(answer, "Jawaban", ())]
    async with app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", "6282", now()) == []
    # An answer that went as the template, then erased (the citizen's "hapus data saya"): nothing handed out.
    async with app.store.uow() as uow:
        erased = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban lain", [("whatsapp", "6282")], now(), template=ticket_template("#6")
        )
        (row,) = await uow.outbox.claim("whatsapp", "me", timedelta(seconds=60), 5, now())
        await uow.outbox.record("me", [Result(row.id, "sent", "sent as template", 1, platform_id="w2")], now())
    async with app.store.uow() as uow:
        await uow.outbox.cancel_direct_to("whatsapp", "6282", now())
    async with app.store.uow() as uow:
        assert await uow.outbox.take_unread("whatsapp", "6282", now()) == []
    assert await texts_of(app, erased) == [ERASED_TEXT]


async def texts_of(app: App, *broadcast_ids: int) -> list[str]:
    async with app.store.uow() as uow:
        found = {b: m.text for b, m in (await uow.broadcasts.messages(broadcast_ids)).items()}
    return [found[b] for b in broadcast_ids]


async def test_direct_texts_are_kept_only_while_needed_and_go_with_an_erasure(app: App) -> None:
    from sigap_core.retention import prune

    recorder = Recorder()
    async with app.store.uow() as uow:
        sent = await uow.outbox.enqueue_direct("ticket_reply", "Jawaban A", [("telegram", "4020")], now())
        announcement = await uow.selection.enqueue("selected", "Selamat", [("telegram", "4020")], now())
    await drain(sender_for(app, recorder))
    async with app.store.uow() as uow:
        queued = await uow.outbox.enqueue_direct("ticket_reply", "Jawaban B", [("telegram", "4021")], now())
        templated = await uow.outbox.enqueue_direct(
            "ticket_reply", "Jawaban C", [("whatsapp", "6283")], now(), template=ticket_template("#7")
        )
        (row,) = await uow.outbox.claim("whatsapp", "me", timedelta(seconds=60), 5, now())
        await uow.broadcasts.start([templated])
    async with app.store.uow() as uow:
        from sigap_core.store.outbox import Result

        await uow.outbox.record("me", [Result(row.id, "sent", "sent as template", 1, platform_id="w7")], now())
        await uow.broadcasts.finish_sent(now())
    async with app.store.uow() as uow:
        removed = await prune(uow, app.policy, now())
    assert removed["direct_texts"] == 1
    # Sent: forgotten. Still queued, or waiting for the citizen to write after the template: kept.
    assert await texts_of(app, sent, queued, templated, announcement) == [
        ERASED_TEXT,
        "Jawaban B",
        "Jawaban C",
        "Selamat",
    ]
    async with app.store.uow() as uow:  # a month later the citizen has still not written: C goes, B is queued
        assert await uow.outbox.forget_sent_texts(now() + timedelta(days=31)) == 1
    assert await texts_of(app, queued, templated) == ["Jawaban B", ERASED_TEXT]
    async with app.store.uow() as uow:  # B's only recipient erased itself: its text goes with it
        assert await uow.outbox.cancel_direct_to("telegram", "4021", now()) == 1
    assert await texts_of(app, queued, announcement) == [ERASED_TEXT, "Selamat"]


async def test_a_tickets_erasure_forgets_the_notices_to_staff(app: App) -> None:
    async with app.store.uow() as uow:
        notice = await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket #9: data saya salah", [("telegram", "1"), ("whatsapp", "6284")], now()
        )
        announcement = await uow.selection.enqueue("selected", "Selamat", [("telegram", "1")], now())
    async with app.store.uow() as uow:
        # An erasure of one staff chat leaves a notice that also went to another chat as it is.
        assert await uow.outbox.cancel_direct_to("telegram", "1", now()) == 1
    assert await texts_of(app, notice) == ["Tiket #9: data saya salah"]
    async with app.store.uow() as uow:
        assert await uow.outbox.forget_texts([notice, announcement]) == 1
        assert await uow.outbox.forget_texts([]) == 0
    assert await texts_of(app, notice, announcement) == [ERASED_TEXT, "Selamat"]
    assert await states(app, notice) == {"1": ("cancelled", "erased"), "6284": ("cancelled", "erased")}
