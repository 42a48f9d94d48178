"""The terminal chat's own deliveries (`bot.console.ConsoleInbox`), on both databases: only this chat's queued
messages are taken (another terminal's and other channels' stay pending), each once, recorded as sent when
printed; an idle check takes nothing; a row whose lease ran out (a terminal killed between printing and
recording) is taken again."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select, update

from bot.bootstrap import App
from bot.console import CHANNEL, ConsoleInbox, Delivered, Screen
from sigap_core.store import models
from sigap_core.store.repositories import utcnow


async def states(app: App) -> list[tuple[str, str, str]]:
    async with app.store.uow() as uow:
        o = models.Outbox
        rows = await uow.session.execute(select(o.channel, o.user_key, o.state).order_by(o.id))
        return [(str(c), str(u), str(s)) for c, u, s in rows.all()]


async def test_a_terminal_takes_only_its_own_messages_once(loaded: App) -> None:
    async with loaded.store.uow() as uow:
        await uow.outbox.enqueue_direct(
            "ticket_answer", "Jawaban untuk warga", [(CHANNEL, "warga")], utcnow(), buttons=[("tiket_nilai:1:up", "👍")]
        )
        await uow.outbox.enqueue_direct(
            "ticket_notice", "Tiket baru", [(CHANNEL, "petugas"), ("telegram", "9001")], utcnow()
        )
    citizen = ConsoleInbox(loaded.store, loaded.domain, "warga", "terminal-a")
    assert await ConsoleInbox(loaded.store, loaded.domain, "nobody", "terminal-c").take() == ([], [])
    taken, results = await citizen.take()
    assert taken == [Delivered("Jawaban untuk warga", (("tiket_nilai:1:up", "👍"),))]
    assert await citizen.take() == ([], [])  # claimed: not handed out twice
    await citizen.printed(results)
    assert await states(loaded) == [
        (CHANNEL, "warga", "sent"),
        (CHANNEL, "petugas", "pending"),
        ("telegram", "9001", "pending"),
    ]
    officer = ConsoleInbox(loaded.store, loaded.domain, "petugas", "terminal-b")
    taken, _results = await officer.take()
    assert [message.text for message in taken] == ["Tiket baru"]
    # Killed before recording: once the lease has run out the row comes back to the same chat only.
    async with loaded.store.uow() as uow:
        o = models.Outbox
        await uow.session.execute(
            update(o).where(o.user_key == "petugas").values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await citizen.take() == ([], [])
    again, results = await ConsoleInbox(loaded.store, loaded.domain, "petugas", "terminal-b2").take()
    assert [message.text for message in again] == ["Tiket baru"]
    await ConsoleInbox(loaded.store, loaded.domain, "petugas", "terminal-b2").printed(results)
    assert [state for _c, _u, state in await states(loaded)] == ["sent", "sent", "pending"]


def test_delivered_buttons_continue_the_numbering_and_are_pressed_by_number_or_label() -> None:
    out = io.StringIO()
    screen = Screen(out, interactive=False)
    screen.numbered = 3  # the last reply offered [1]..[3]
    screen.delivered(
        [Delivered("Apakah jawaban ini membantu?", (("tiket_nilai:7:up", "👍"), ("tiket_nilai:7:down", "👎")))],
        at_prompt=False,
    )
    assert out.getvalue() == "Apakah jawaban ini membantu?\n[4] 👍\n[5] 👎\n\n"
    assert screen.press("5") == ("tiket_nilai:7:down", "👎")
    assert screen.press("👍") == ("tiket_nilai:7:up", "👍")
    assert screen.press("2") is None  # the reply's own button: the engine maps it
