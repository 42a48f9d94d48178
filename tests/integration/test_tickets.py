"""Tickets on a real database (SQLite and PostgreSQL): scope, concurrent answers, timers, erasure, retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from sigap_core import tickets
from sigap_core.retention import prune
from sigap_core.store import models
from sigap_core.store.outbox import ERASED_TEXT, FORGOTTEN
from sigap_core.store.repositories import UnitOfWork
from sigap_core.ticket_report import ticket_report

BEKASIJAYA = "32.75.01.1001"
MARGAHAYU = "32.75.01.1002"
# Monday 7 December 2026, 09.00 WIB (02.00 UTC): inside office hours.
MONDAY_9 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def add_staff(
    app: App, user: str, kode: str | None, role: str = "staff", channel: str = "telegram"
) -> models.Staff:
    async with app.store.uow() as uow:
        staff = models.Staff(
            channel=channel, user_key=user, role=role, kode_kelurahan=kode, invite_id=0, created_at=MONDAY_9
        )
        return await uow.staff.add(staff)


async def ask(app: App, user: str = "warga1", kode: str = BEKASIJAYA, text: str = "Data saya salah, bagaimana?",
              now: datetime = MONDAY_9) -> tickets.TicketView:  # fmt: skip
    async with app.store.uow() as uow:
        return await tickets.open_ticket(
            uow,
            domain=app.domain,
            channel="telegram",
            user_key=user,
            lang="id",
            kode_kelurahan=kode,
            topic="data",
            text=text,
            now=now,
        )


async def sent(uow: UnitOfWork, kind: str | None = None) -> list[tuple[str, str, str, str]]:
    """(kind, user_key, text, template) of every queued direct message, in order."""
    o, b = models.Outbox, models.Broadcast
    query = select(b.audience, o.user_key, b.text, b.template).join(b, b.id == o.broadcast_id).where(b.direct.is_(True))
    if kind is not None:
        query = query.where(b.audience == kind)
    return [tuple(row) for row in (await uow.session.execute(query.order_by(o.id))).all()]  # type: ignore[misc]


async def test_a_question_notifies_only_its_kelurahans_staff(app: App) -> None:
    await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "petugas_b", MARGAHAYU)
    await add_staff(app, "admin", None, role="admin")
    view = await ask(app)
    assert view.number == f"#{view.id}" and view.kelurahan == "Bekasijaya" and view.state == "open"
    # Monday 09.00 + 16 office hours (7 on Monday, 8 on Tuesday, 1 on Wednesday) = Wednesday 09.00 WIB.
    assert view.due_at == datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
    async with app.store.reader() as uow:
        notices = await sent(uow)
    assert [(kind, user) for kind, user, _text, _template in notices] == [("ticket_notice", "petugas_a")]
    assert "Data saya salah, bagaimana?" in notices[0][2] and f"tiket #{view.id}" in notices[0][2]
    assert notices[0][3] == f"staff:#{view.id}"  # outside WhatsApp's window: the staff template, never cut


async def test_a_kelurahan_without_staff_tells_the_admins(app: App) -> None:
    await add_staff(app, "admin", None, role="admin")
    await ask(app)
    async with app.store.reader() as uow:
        assert [user for _k, user, _t, _p in await sent(uow)] == ["admin"]


async def test_another_kelurahans_ticket_is_not_found_and_an_admin_sees_all(app: App) -> None:
    own = await add_staff(app, "petugas_a", BEKASIJAYA)
    other = await add_staff(app, "petugas_b", MARGAHAYU)
    admin = await add_staff(app, "admin", None, role="admin")
    view = await ask(app)
    later = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert await tickets.get_for_staff(uow, other, view.id) is None
        assert await tickets.get_for_staff(uow, other, 9999) is None
        assert await tickets.list_for_staff(uow, other) == []
        for result in (
            await tickets.reply(uow, other, view.id, later, "jawaban"),
            await tickets.note(uow, other, view.id, later, "catatan"),
            await tickets.take(uow, other, view.id, later),
            await tickets.close(uow, other, view.id, later),
            await tickets.transfer(uow, other, view.id, later, MARGAHAYU),
        ):
            assert result.error is tickets.TicketError.NOT_FOUND
        missing = await tickets.reply(uow, other, 9999, later, "jawaban")
        assert missing.error is tickets.TicketError.NOT_FOUND
    async with app.store.uow() as uow:
        assert [t.id for t in await tickets.list_for_staff(uow, own)] == [view.id]
        assert [t.id for t in await tickets.list_for_staff(uow, admin)] == [view.id]
        detail = await tickets.get_for_staff(uow, admin, view.id)
        assert detail is not None and [m.author for m in detail.messages] == ["citizen"]
        assert (await tickets.close(uow, admin, view.id, later)).ok


async def test_two_staff_answering_at_once_both_answers_kept_and_each_queued_once(app: App) -> None:
    first = await add_staff(app, "petugas_a", BEKASIJAYA)
    second = await add_staff(app, "petugas_c", BEKASIJAYA)
    view = await ask(app)
    at = MONDAY_9 + timedelta(hours=2)

    async def answer(staff: models.Staff, text: str, delay: timedelta) -> tickets.TicketResult:
        async with app.store.uow() as uow:
            return await tickets.reply(uow, staff, view.id, at + delay, text)

    results = await asyncio.gather(
        answer(first, "Jawaban A", timedelta(0)), answer(second, "Jawaban B", timedelta(seconds=1))
    )
    assert all(result.ok for result in results)
    async with app.store.reader() as uow:
        replies = await sent(uow, "ticket_reply")
        detail = await tickets.detail(uow, view.id, at)
    assert sorted(text.split("\n\n")[1] for _k, _u, text, _t in replies) == ["Jawaban A", "Jawaban B"]
    assert {user for _k, user, _t, _p in replies} == {"warga1"}
    assert {template for *_rest, template in replies} == {f"ticket:#{view.id}"}
    assert detail is not None and sorted(m.text for m in detail.messages if m.author == "staff") == [
        "Jawaban A",
        "Jawaban B",
    ]
    assert detail.ticket.state == "answered" and detail.ticket.first_response_at in (at, at + timedelta(seconds=1))


async def test_the_reminder_and_the_escalation_fire_once_each(app: App) -> None:
    await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "petugas_b", MARGAHAYU)
    await add_staff(app, "admin", None, role="admin")
    view = await ask(app)
    due = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # Wednesday 09.00 WIB: 16 office hours
    escalation = datetime(2026, 12, 11, 2, 0, tzinfo=UTC)  # Friday 09.00 WIB: 32 office hours
    clock = [due - timedelta(minutes=1), due, due + timedelta(hours=1), escalation - timedelta(minutes=1)]
    clock += [escalation, escalation + timedelta(hours=1), escalation + timedelta(days=3)]
    runs = []
    for now in clock:
        async with app.store.uow() as uow:
            run = await tickets.run_sla(uow, now, app.domain)
        runs.append((run.reminded, run.escalated))
    assert runs == [([], []), ([view.id], []), ([], []), ([], []), ([], [view.id]), ([], []), ([], [])]
    async with app.store.reader() as uow:
        timers = [(user, text.splitlines()[0]) for _k, user, text, _t in await sent(uow, "ticket_sla")]
    assert [user for user, _line in timers] == ["petugas_a", "admin"]
    assert timers[0][1].startswith(f"⏰ Tiket #{view.id} belum dijawab")
    assert timers[1][1].startswith(f"🚨 Eskalasi: tiket #{view.id}")


async def test_an_answered_ticket_gets_no_reminder(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, view.id, MONDAY_9 + timedelta(hours=1), "Sudah kami cek")).ok
    async with app.store.uow() as uow:
        run = await tickets.run_sla(uow, MONDAY_9 + timedelta(days=10), app.domain)
    assert (run.reminded, run.escalated) == ([], [])


async def test_close_asks_for_a_rating_which_only_the_citizen_gives_once(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, view.id, at, "Silakan datang ke kantor kelurahan.")).ok
        assert (await tickets.close(uow, staff, view.id, at)).ok
        assert (await tickets.reply(uow, staff, view.id, at, "lagi")).error is tickets.TicketError.CLOSED
    async with app.store.uow() as uow:
        assert not await tickets.rate(uow, "telegram", "orang_lain", view.id, True, at)
        assert await tickets.rate(uow, "telegram", "warga1", view.id, True, at)
        assert not await tickets.rate(uow, "telegram", "warga1", view.id, False, at)
        ratings = await sent(uow, "ticket_rating")
        assert await tickets.open_ticket_of(uow, "telegram", "warga1") is None
    assert [user for _k, user, _t, _p in ratings] == ["warga1"] and "Apakah jawaban ini membantu?" in ratings[0][2]
    # Outside WhatsApp's window it goes as the ticket template, not the announcement template (no buttons).
    assert ratings[0][3] == f"ticket:#{view.id}"


async def test_the_rating_question_that_went_as_the_template_comes_back_with_its_buttons(app: App) -> None:
    from sigap_core.store.outbox import Result, Unread

    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    async with app.store.uow() as uow:
        view = await tickets.open_ticket(
            uow, domain=app.domain, channel="whatsapp", user_key="6281", lang="id", kode_kelurahan=BEKASIJAYA,
            topic="data", text="Data saya salah", now=MONDAY_9,
        )  # fmt: skip
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.close(uow, staff, view.id, at)).ok
    async with app.store.uow() as uow:  # the sender: outside the window, the template went instead
        rows = await uow.outbox.claim("whatsapp", "me", timedelta(seconds=60), 5, at)
        assert [row.user_key for row in rows] == ["6281"]
        await uow.outbox.record("me", [Result(rows[0].id, "sent", "sent as template", 1, platform_id="w9")], at)
    async with app.store.uow() as uow:
        unread = await uow.outbox.take_unread("whatsapp", "6281", at)
        again = await uow.outbox.take_unread("whatsapp", "6281", at)
    question = f"Tiket #{view.id} sudah ditutup oleh petugas. Apakah jawaban ini membantu?"
    assert unread == [
        Unread(
            rows[0].broadcast_id, question, ((f"tiket_nilai:{view.id}:up", "👍"), (f"tiket_nilai:{view.id}:down", "👎"))
        )
    ]
    assert again == []


async def test_a_typed_vote_rates_the_chats_newest_closed_unrated_ticket(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    first = await ask(app)
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.reader() as uow:
        assert await tickets.rating_pending(uow, "telegram", "warga1", at) is None  # still open
    async with app.store.uow() as uow:
        assert (await tickets.close(uow, staff, first.id, at)).ok
    async with app.store.reader() as uow:
        assert await tickets.rating_pending(uow, "telegram", "warga1", at) == first.id
        assert await tickets.rating_pending(uow, "telegram", "orang_lain", at) is None
        assert await tickets.rating_pending(uow, "whatsapp", "warga1", at) is None
        late = at + tickets.RATING_WAIT + timedelta(minutes=1)
        assert await tickets.rating_pending(uow, "telegram", "warga1", late) is None
    async with app.store.uow() as uow:
        pending = await tickets.rating_pending(uow, "telegram", "warga1", at)
        vote = tickets.typed_vote("tidak membantu")
        assert pending == first.id and vote is False
        assert await tickets.rate(uow, "telegram", "warga1", pending, vote, at)
    async with app.store.reader() as uow:
        assert await tickets.rating_pending(uow, "telegram", "warga1", at) is None  # rated once
        assert (await uow.tickets.get(first.id)) is not None
        assert (await uow.tickets.get(first.id)).rating == "down"  # type: ignore[union-attr]
    second = await ask(app, now=at)
    async with app.store.uow() as uow:
        assert (await tickets.close(uow, staff, second.id, at)).ok
        third = await tickets.open_ticket(
            uow, domain=app.domain, channel="telegram", user_key="warga1", lang="id", kode_kelurahan=BEKASIJAYA,
            topic="data", text="Satu lagi", now=at,
        )  # fmt: skip
    async with app.store.reader() as uow:  # a newer ticket is open: a 👍 now is not about the closed one
        assert third.id > second.id and await tickets.rating_pending(uow, "telegram", "warga1", at) is None


@pytest.mark.parametrize(
    ("text", "vote"),
    [
        ("👍", True), ("👍🏽", True), ("👍👍", True), ("Membantu!", True), ("sangat membantu", True),
        ("helpful", True), ("👎", False), ("tidak membantu", False), ("Tidak  membantu.", False),
        ("gak membantu", False), ("kurang membantu", False), ("not helpful", False),
        ("membantu apa?", None), ("ok", None), ("", None), ("👍 tapi masih bingung", None),
    ],
)  # fmt: skip
def test_typed_vote_reads_a_bare_vote_only(text: str, vote: bool | None) -> None:
    assert tickets.typed_vote(text) is vote


async def test_a_follow_up_goes_to_the_assignee_and_reopens_an_answered_ticket(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "petugas_c", BEKASIJAYA)
    view = await ask(app)
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.take(uow, staff, view.id, at)).ok
        assert (await tickets.reply(uow, staff, view.id, at, "Sudah dicek")).ok
    async with app.store.uow() as uow:
        current = await tickets.open_ticket_of(uow, "telegram", "warga1")
        assert current is not None and current.state == "answered"
        updated = await tickets.add_citizen_message(uow, view.id, "Terima kasih, satu lagi", at)
    assert updated.state == "open"
    async with app.store.reader() as uow:
        notices = [user for _k, user, _t, _p in await sent(uow, "ticket_notice")]
    assert notices == ["petugas_a", "petugas_c", "petugas_a"]


async def test_transfer_moves_the_ticket_out_of_scope_and_tells_the_new_kelurahan(app: App) -> None:
    staff_a = await add_staff(app, "petugas_a", BEKASIJAYA)
    staff_b = await add_staff(app, "petugas_b", MARGAHAYU)
    view = await ask(app)
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        same = await tickets.transfer(uow, staff_a, view.id, at, BEKASIJAYA)
        unknown = await tickets.transfer(uow, staff_a, view.id, at, "32.75.99.9999")
        moved = await tickets.transfer(uow, staff_a, view.id, at, MARGAHAYU)
    assert same.error is tickets.TicketError.SAME_KELURAHAN and unknown.error is tickets.TicketError.UNKNOWN_KELURAHAN
    assert moved.ok and moved.ticket is not None and moved.ticket.kelurahan == "Margahayu"
    async with app.store.uow() as uow:
        assert await tickets.get_for_staff(uow, staff_a, view.id) is None
        assert await tickets.get_for_staff(uow, staff_b, view.id) is not None
        notices = [user for _k, user, _t, _p in await sent(uow, "ticket_notice")]
        told = await sent(uow, "ticket_transfer")
    assert notices == ["petugas_a", "petugas_b"]
    # The citizen is told which kelurahan handles it now (the ticket template outside WhatsApp's window).
    assert told == [
        (
            "ticket_transfer",
            "warga1",
            f"Tiket #{view.id} Anda sekarang ditangani petugas Kelurahan Margahayu. Jawabannya akan dikirim di sini.",
            f"ticket:#{view.id}",
        )
    ]


async def test_erasure_deletes_the_texts_keeps_the_counts_and_closes_the_ticket(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    other = await ask(app, user="warga2", text="Pertanyaan lain")
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, view.id, at, "Jawaban")).ok
    async with app.store.uow() as uow:
        assert await tickets.erase_of(uow, "telegram", "warga1", at) == 1
    async with app.store.reader() as uow:
        gone = await tickets.detail(uow, view.id, at)
        kept = await tickets.detail(uow, other.id, at)
        report = await ticket_report(uow, app.domain, at)
        chats = (await uow.session.execute(select(models.Ticket.user_key).order_by(models.Ticket.id))).scalars().all()
        carried = await sent(uow)
        states = (await uow.session.execute(select(models.Outbox.state).order_by(models.Outbox.id))).scalars().all()
    assert gone is not None and gone.messages == [] and gone.ticket.question == "" and gone.ticket.state == "closed"
    assert kept is not None and kept.ticket.question == "Pertanyaan lain"
    assert gone.ticket.erased and not kept.ticket.erased  # staff and the CLI can say why the texts are gone
    async with app.store.reader() as uow:
        listed = {view.id: view.erased for view in await tickets.search(uow, now=at)}
    assert listed == {view.id: True, other.id: False}
    assert chats == ["", "warga2"] and report.total.total == 2 and report.total.answered == 1
    # No copy in the outbox either: the notice and the answer that carried the texts hold none, and were not
    # sent (still queued here); the other citizen's notice is untouched.
    assert [user for _k, user, text, _t in carried if text in FORGOTTEN] == ["petugas_a", "warga1"]
    assert not any("Data saya salah" in text or "Jawaban" in text for _k, _u, text, _t in carried)
    assert any("Pertanyaan lain" in text for _k, _u, text, _t in carried)
    assert states == ["cancelled", "pending", "cancelled"]


async def test_retention_deletes_the_texts_of_long_closed_tickets_only(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    closed = await ask(app)
    still_open = await ask(app, user="warga2", text="Masih menunggu")
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.close(uow, staff, closed.id, at)).ok
    days = app.policy.tickets.text_days
    async with app.store.uow() as uow:
        early = await prune(uow, app.policy, at + timedelta(days=days - 1))
    async with app.store.uow() as uow:
        late = await prune(uow, app.policy, at + timedelta(days=days + 1))
    assert early["ticket_texts"] == 0 and late["ticket_texts"] == 1
    async with app.store.reader() as uow:
        texts = await uow.session.execute(
            select(models.TicketMessage.ticket_id, func.count()).group_by(models.TicketMessage.ticket_id)
        )
        assert dict(texts.all()) == {still_open.id: 1}
        tickets_left = await uow.session.scalar(select(func.count()).select_from(models.Ticket))
        pruned = await tickets.detail(uow, closed.id, at)
        assert pruned is not None and pruned.messages == [] and not pruned.ticket.erased  # retention, not erasure
        carried = [text for _k, _u, text, _t in await sent(uow)]
    assert tickets_left == 2
    assert "Masih menunggu" in carried[1] and carried.count(ERASED_TEXT) == 2  # the closed one's notice, rating


async def test_the_report_counts_open_tickets_median_response_sla_share_and_thumbs_up(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    other = await add_staff(app, "petugas_b", MARGAHAYU)
    fast = await ask(app, user="w1")
    slow = await ask(app, user="w2")
    waiting = await ask(app, user="w3")
    elsewhere = await ask(app, user="w4", kode=MARGAHAYU)
    async with app.store.uow() as uow:
        # 2 office hours; then Thursday 09.00 WIB = 24 office hours after Monday 09.00, past the 16-hour SLA.
        assert (await tickets.reply(uow, staff, fast.id, MONDAY_9 + timedelta(hours=2), "a")).ok
        assert (await tickets.reply(uow, staff, slow.id, datetime(2026, 12, 10, 2, 0, tzinfo=UTC), "b")).ok
        assert (await tickets.close(uow, staff, fast.id, MONDAY_9 + timedelta(hours=3))).ok
        assert (await tickets.close(uow, staff, slow.id, datetime(2026, 12, 10, 3, 0, tzinfo=UTC))).ok
        assert (await tickets.reply(uow, other, elsewhere.id, MONDAY_9 + timedelta(hours=4), "c")).ok
    async with app.store.uow() as uow:
        assert await tickets.rate(uow, "telegram", "w1", fast.id, True, MONDAY_9 + timedelta(hours=4))
        assert await tickets.rate(uow, "telegram", "w2", slow.id, False, MONDAY_9 + timedelta(hours=4))
    now = datetime(2026, 12, 10, 4, 0, tzinfo=UTC)  # Thursday 11.00 WIB: "waiting" is past its deadline
    async with app.store.reader() as uow:
        report = await ticket_report(uow, app.domain, now)
    rows = {row.name: row for row in report.rows}
    assert list(rows) == ["Bekasijaya", "Margahayu"] and waiting.id
    bekasijaya = rows["Bekasijaya"]
    assert (bekasijaya.total, bekasijaya.open, bekasijaya.answered, bekasijaya.sla_due) == (3, 1, 2, 3)
    assert bekasijaya.median_first_response_hours == 13.0  # median of 2 and 24 office hours
    assert bekasijaya.within_sla_percent is not None and round(bekasijaya.within_sla_percent, 1) == 33.3
    assert bekasijaya.up_percent == 50.0
    assert report.total.total == 4 and report.total.open == 2 and report.total.within_sla == 2
    assert rows["Margahayu"].median_first_response_hours == 4.0 and rows["Margahayu"].up_percent is None


async def test_the_report_keeps_unanswered_and_erased_closes_apart_and_credits_the_answering_kelurahan(
    app: App,
) -> None:
    from sigap_core.i18n import Translator
    from sigap_core.ticket_report import ticket_text

    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    other = await add_staff(app, "petugas_b", MARGAHAYU)
    quick, spam, late, _erased, moved, moved_after = [await ask(app, user=f"w{n}") for n in range(6)]
    thursday = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 09.00 WIB, past Wednesday 09.00's deadline
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, quick.id, MONDAY_9 + timedelta(minutes=12), "a")).ok
        assert (await tickets.close(uow, staff, quick.id, MONDAY_9 + timedelta(hours=1))).ok
        assert (await tickets.close(uow, staff, spam.id, MONDAY_9 + timedelta(minutes=30))).ok  # before the deadline
        assert (await tickets.close(uow, staff, late.id, thursday)).ok  # after it, never answered
        assert (await tickets.transfer(uow, staff, moved.id, MONDAY_9 + timedelta(hours=1), MARGAHAYU)).ok
        # Tuesday 09.00 WIB: 8 office hours after the question (7 on Monday, 1 on Tuesday).
        assert (await tickets.reply(uow, other, moved.id, MONDAY_9 + timedelta(days=1), "b")).ok
        assert (await tickets.reply(uow, staff, moved_after.id, MONDAY_9 + timedelta(hours=1), "c")).ok
        assert (await tickets.transfer(uow, staff, moved_after.id, MONDAY_9 + timedelta(hours=2), MARGAHAYU)).ok
    async with app.store.uow() as uow:
        assert await tickets.erase_of(uow, "telegram", "w3", MONDAY_9 + timedelta(hours=2)) == 1
    now = datetime(2026, 12, 10, 4, 0, tzinfo=UTC)
    async with app.store.uow() as uow:  # retention afterwards keeps what the report needs
        await prune(uow, app.policy, now + timedelta(days=app.policy.tickets.text_days + 1))
    async with app.store.reader() as uow:
        report = await ticket_report(uow, app.domain, now)
    rows = {row.name: row for row in report.rows}
    bekasijaya, margahayu = rows["Bekasijaya"], rows["Margahayu"]
    # quick, spam, late, erased, and moved_after (answered here before it moved on).
    assert (bekasijaya.total, bekasijaya.open, bekasijaya.answered) == (5, 1, 2)
    assert (bekasijaya.resolved, bekasijaya.closed_unanswered, bekasijaya.erased, bekasijaya.transferred) == (
        1,
        2,
        1,
        0,
    )
    assert bekasijaya.median_resolution_hours == 1.0  # quick only: never 0 h for spam, late or erased
    assert bekasijaya.median_first_response_hours == pytest.approx(0.6)  # 12 and 60 minutes
    # In time: quick, moved_after; against: late (its deadline passed unanswered); spam and erased closed first.
    assert (bekasijaya.within_sla, bekasijaya.sla_due) == (2, 3)
    # Margahayu answered the moved ticket: 8 office hours from the question, within the SLA, transferred in.
    assert (margahayu.total, margahayu.answered, margahayu.transferred, margahayu.within_sla) == (1, 1, 1, 1)
    assert margahayu.median_first_response_hours == 8.0 and margahayu.sla_due == 1
    assert (report.total.total, report.total.transferred, report.total.erased) == (6, 2, 1)
    text = {line.split()[0]: line.split() for line in ticket_text(report, Translator("id")).splitlines()}
    assert text["Bekasijaya"] == ["Bekasijaya", "5", "1", "36", "menit", "67%", "1,0", "jam", "2", "1", "0", "–"]
    assert text["Margahayu"] == ["Margahayu", "1", "1", "8,0", "jam", "100%", "–", "0", "0", "1", "–"]
    english = ticket_text(report, Translator("en"))
    assert ["Bekasijaya", "5", "1", "36", "min", "67%", "1.0", "h"] in [
        line.split()[:8] for line in english.splitlines()
    ]
    json_row = bekasijaya.as_json()
    assert (json_row["median_first_response_working_minutes"], json_row["resolved"], json_row["erased"]) == (36, 1, 1)


async def test_bad_input_is_refused_not_cut(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    for text, error in (("   ", tickets.TicketError.EMPTY), ("x" * 2001, tickets.TicketError.TOO_LONG)):
        try:
            await ask(app, text=text)
        except tickets.TicketInputError as problem:
            assert problem.error is error
        else:
            raise AssertionError("accepted")
    view = await ask(app, text="y" * 2000)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, view.id, MONDAY_9, "")).error is tickets.TicketError.EMPTY
        assert (await tickets.reply(uow, staff, view.id, MONDAY_9, "z" * 2001)).error is tickets.TicketError.TOO_LONG
        detail = await tickets.get_for_staff(uow, staff, view.id)
    assert detail is not None and len(detail.messages[0].text) == 2000 and len(detail.ticket.question) == 200


async def test_the_hourly_jobs_run_the_ticket_timers_once_per_hour_across_processes(app: App) -> None:
    from bot.web import run_due_jobs

    await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    late = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)  # Wednesday 10.00 WIB: an hour past the deadline
    assert "tickets" in await run_due_jobs(app, "process-a", now=lambda: late)
    assert await run_due_jobs(app, "process-b", now=lambda: late + timedelta(minutes=5)) == []
    assert "tickets" in await run_due_jobs(app, "process-b", now=lambda: late + timedelta(hours=1))
    async with app.store.reader() as uow:
        reminders = await sent(uow, "ticket_sla")
    assert [user for _k, user, _t, _p in reminders] == ["petugas_a"] and f"#{view.id}" in reminders[0][2]


async def test_hapus_data_saya_erases_the_ticket_texts_and_says_so(app: App) -> None:
    from handlers.engine import Conversations
    from tests.integration.chat import Chat

    bot = Conversations(app.store, app.domain, app.today)
    asker, other = Chat(bot, user="asker"), Chat(bot, user="other")
    for chat in (asker, other):
        await chat.send("halo")
    async with app.store.uow() as uow:
        view = await tickets.open_ticket(
            uow, domain=app.domain, channel="console", user_key="asker", lang="id", kode_kelurahan=BEKASIJAYA,
            topic="data", text="Data saya salah", now=MONDAY_9,
        )  # fmt: skip
    for chat in (asker, other):
        await chat.send("menu")
        await chat.press("Hapus data saya")
        assert "isi pertanyaan Anda ke petugas kelurahan" in chat.text
    assert "sudah dihapus, termasuk isi pertanyaan Anda ke petugas kelurahan" in await asker.press("Ya, hapus")
    said = await other.press("Ya, hapus")
    assert "sudah dihapus" in said and "termasuk" not in said  # no ticket: nothing more to say
    async with app.store.reader() as uow:
        detail = await tickets.detail(uow, view.id, MONDAY_9)
    assert detail is not None and detail.messages == [] and detail.ticket.state == "closed"


async def test_a_staff_reply_to_a_notice_finds_its_ticket_within_scope_only(app: App) -> None:
    own = await add_staff(app, "petugas_a", BEKASIJAYA)
    other = await add_staff(app, "petugas_b", MARGAHAYU)
    admin = await add_staff(app, "admin", None, role="admin")
    view = await ask(app)
    async with app.store.uow() as uow:  # what the sender records once the platform accepted the notice
        row = (
            await uow.session.execute(select(models.Outbox).where(models.Outbox.user_key == "petugas_a"))
        ).scalar_one()
        row.platform_id = "5001"
    async with app.store.reader() as uow:
        assert await tickets.ticket_of_reply(uow, own, "telegram", "petugas_a", "5001") == view.id
        assert await tickets.ticket_of_reply(uow, own, "telegram", "petugas_a", "5002") is None
        assert await tickets.ticket_of_reply(uow, own, "telegram", "petugas_a", "") is None
        # The same platform id in another chat is another message.
        assert await tickets.ticket_of_reply(uow, other, "telegram", "petugas_b", "5001") is None
        assert await tickets.ticket_of_reply(uow, admin, "telegram", "admin", "5001") is None
    async with app.store.uow() as uow:
        assert (await tickets.transfer(uow, own, view.id, MONDAY_9, MARGAHAYU)).ok
    async with app.store.reader() as uow:  # transferred away: the old notice no longer opens it
        assert await tickets.ticket_of_reply(uow, own, "telegram", "petugas_a", "5001") is None


async def test_no_question_or_answer_text_in_logs_at_info(app: App, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "admin", None, role="admin")
    secrets = ["pertanyaan-rahasia-123", "tambahan-rahasia-456", "jawaban-rahasia-789", "catatan-rahasia-000"]
    view = await ask(app, text=secrets[0])
    at = MONDAY_9 + timedelta(days=10)
    async with app.store.uow() as uow:
        await tickets.run_sla(uow, at, app.domain)
        await tickets.add_citizen_message(uow, view.id, secrets[1], at)
        assert (await tickets.reply(uow, staff, view.id, at, secrets[2])).ok
        assert (await tickets.note(uow, staff, view.id, at, secrets[3])).ok
        assert (await tickets.close(uow, staff, view.id, at)).ok
        await tickets.erase_of(uow, "telegram", "warga1", at)
    loud = [record.getMessage() for record in caplog.records if record.levelno >= logging.INFO]
    assert any(f"ticket {view.id} opened" in message for message in loud)  # the test does see INFO records
    for message in loud:
        assert not any(secret in message for secret in [*secrets, "warga1"]), message


async def test_the_citizen_reads_the_answers_since_a_moment_on_their_own_ticket_only(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    async with app.store.uow() as uow:
        for minutes, text in ((10, "Jawaban pertama"), (30, "Jawaban kedua")):
            assert (await tickets.reply(uow, staff, view.id, MONDAY_9 + timedelta(minutes=minutes), text)).ok
        assert (await tickets.note(uow, staff, view.id, MONDAY_9 + timedelta(minutes=40), "catatan internal")).ok
    since = MONDAY_9 + timedelta(minutes=20)
    async with app.store.reader() as uow:
        assert await tickets.answers_since(uow, "telegram", "warga1", view.id, since) == ["Jawaban kedua"]
        assert await tickets.answers_since(uow, "telegram", "warga1", view.id, MONDAY_9) == [
            "Jawaban pertama",
            "Jawaban kedua",
        ]
        assert await tickets.answers_since(uow, "telegram", "orang_lain", view.id, MONDAY_9) == []
        assert await tickets.answers_since(uow, "whatsapp", "warga1", view.id, MONDAY_9) == []


async def test_two_staff_closing_at_once_ask_for_one_rating(app: App) -> None:
    first = await add_staff(app, "petugas_a", BEKASIJAYA)
    second = await add_staff(app, "petugas_c", BEKASIJAYA)
    view = await ask(app)

    async def close(staff: models.Staff) -> tickets.TicketResult:
        async with app.store.uow() as uow:
            return await tickets.close(uow, staff, view.id, MONDAY_9 + timedelta(hours=1))

    results = await asyncio.gather(close(first), close(second))
    assert sorted(str(result.error) for result in results) == ["None", "closed"]
    async with app.store.reader() as uow:
        assert [user for _k, user, _t, _p in await sent(uow, "ticket_rating")] == ["warga1"]


async def test_two_processes_running_the_timers_at_once_remind_once(app: App) -> None:
    await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "admin", None, role="admin")
    view = await ask(app)
    late = MONDAY_9 + timedelta(days=14)  # past both the deadline and the escalation

    async def run() -> tickets.SlaRun:
        async with app.store.uow() as uow:
            return await tickets.run_sla(uow, late, app.domain)

    runs = await asyncio.gather(run(), run())
    assert sorted(run.reminded for run in runs) == [[], [view.id]]
    assert sorted(run.escalated for run in runs) == [[], [view.id]]
    async with app.store.reader() as uow:
        assert [user for _k, user, _t, _p in await sent(uow, "ticket_sla")] == ["petugas_a", "admin"]


async def test_no_raw_nik_kk_or_citizen_phone_is_stored_with_a_ticket(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app, text="NIK saya 3275 0141 0190 0001, KK 3275010101050123, hp 0812-3456-7890, anak 2")
    assert view.question == "NIK saya 3275********0001, KK 3275********0123, hp ********7890, anak 2"
    at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        await tickets.add_citizen_message(uow, view.id, "nomor lain +62 813 1111 2222", at)
        assert (await tickets.reply(uow, staff, view.id, at, "NIK 3275014101900001 benar; telepon 021-8895-4321")).ok
        assert (await tickets.note(uow, staff, view.id, at, "cek 3275.0141.0190.0001")).ok
    async with app.store.reader() as uow:
        detail = await tickets.detail(uow, view.id, at)
        queued = " ".join(text for _k, _u, text, _t in await sent(uow))
    assert detail is not None
    assert [m.text for m in detail.messages] == [
        "NIK saya 3275********0001, KK 3275********0123, hp ********7890, anak 2",
        "nomor lain +*********2222",  # 13 digits: the last four kept
        "NIK 3275********0001 benar; telepon 021-8895-4321",
        "cek 3275********0001",
    ]
    for raw in ("3275014101900001", "3275010101050123", "081234567890", "6281311112222", "0141 0190"):
        assert raw not in queued


async def test_each_staff_chat_gets_its_notice_in_its_own_language(app: App) -> None:
    await add_staff(app, "petugas_id", BEKASIJAYA)
    await add_staff(app, "petugas_en", BEKASIJAYA)
    async with app.store.uow() as uow:
        await uow.conversations.get_or_create("telegram", "petugas_en", "en")
    view = await ask(app)
    async with app.store.reader() as uow:
        notices = {user: text.splitlines()[0] for _k, user, text, _t in await sent(uow, "ticket_notice")}
    assert notices == {
        "petugas_en": f"🆕 A citizen’s question, ticket #{view.id}",
        "petugas_id": f"🆕 Pertanyaan warga, tiket #{view.id}",
    }


async def test_the_timers_work_in_slices_and_a_reminded_ticket_does_not_hold_up_the_next(app: App) -> None:
    await add_staff(app, "petugas_a", BEKASIJAYA)
    await add_staff(app, "admin", None, role="admin")
    first = await ask(app, user="w1")
    second = await ask(app, user="w2", now=MONDAY_9 + timedelta(hours=1))
    third = await ask(app, user="w3", now=MONDAY_9 + timedelta(hours=2))
    reminders_due = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)  # Wednesday 13.00 WIB: all three past the deadline
    slices = []
    for _ in range(3):
        async with app.store.uow() as uow:
            run = await tickets.run_sla(uow, reminders_due, app.domain, limit=2)
        slices.append((run.reminded, run.escalated, run.more))
    assert slices == [([first.id, second.id], [], True), ([third.id], [], False), ([], [], False)]
    async with app.store.uow() as uow:  # Friday 11.00 WIB: the first two are past twice the deadline
        run = await tickets.run_sla(uow, datetime(2026, 12, 11, 4, 0, tzinfo=UTC), app.domain, limit=1)
    assert (run.reminded, run.escalated, run.more) == ([], [first.id], True)


async def test_a_revoked_staff_chat_sees_nothing_and_is_not_told(app: App) -> None:
    gone = await add_staff(app, "petugas_lama", BEKASIJAYA)
    await add_staff(app, "petugas_a", BEKASIJAYA)
    async with app.store.uow() as uow:
        revoked = await uow.staff.get(gone.id)
        assert revoked is not None
        revoked.revoked_at = MONDAY_9
    view = await ask(app)
    async with app.store.uow() as uow:
        assert revoked.revoked_at is not None
        assert await tickets.list_for_staff(uow, revoked) == []
        assert (await tickets.reply(uow, revoked, view.id, MONDAY_9, "jawaban")).error is tickets.TicketError.NOT_FOUND
        notices = [user for _k, user, _t, _p in await sent(uow)]
    assert notices == ["petugas_a"]


async def test_a_quiet_answered_ticket_closes_by_itself_once_with_the_rating_question(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    quiet = await ask(app, user="warga1")
    wrote_back = await ask(app, user="warga2")
    unanswered = await ask(app, user="warga3")
    answered_at = MONDAY_9 + timedelta(hours=1)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, quiet.id, answered_at, "Silakan ke kantor kelurahan.")).ok
        assert (await tickets.reply(uow, staff, wrote_back.id, answered_at, "Sudah kami cek.")).ok
    async with app.store.uow() as uow:  # the citizen writes back after 10 days: waiting for staff again
        await tickets.add_citizen_message(uow, wrote_back.id, "Masih belum bisa", answered_at + timedelta(days=10))
    days = app.policy.tickets.close_answered_after_days
    assert days == 14
    runs = []
    for now in (answered_at + timedelta(days=days) - timedelta(minutes=1), answered_at + timedelta(days=days, hours=1)):
        async with app.store.uow() as uow:
            runs.append((await tickets.run_sla(uow, now, app.domain)).closed)
    async with app.store.uow() as uow:
        runs.append((await tickets.run_sla(uow, answered_at + timedelta(days=60), app.domain)).closed)
    assert runs == [[], [quiet.id], []]
    async with app.store.reader() as uow:
        ids = (quiet.id, wrote_back.id, unanswered.id)
        states = {t: (await tickets.detail(uow, t, answered_at)).ticket.state for t in ids}  # type: ignore[union-attr]
        ratings = await sent(uow, "ticket_rating")
    assert states == {quiet.id: "closed", wrote_back.id: "open", unanswered.id: "open"}
    assert [user for _k, user, _t, _p in ratings] == ["warga1"]
    assert f"Tiket #{quiet.id} kami tutup karena tidak ada pesan lagi selama 14 hari" in ratings[0][2]
    assert ratings[0][3] == f"ticket:#{quiet.id}"  # outside WhatsApp's window: the ticket template


async def test_two_processes_closing_quiet_tickets_at_once_close_each_once(app: App) -> None:
    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    views = [await ask(app, user=f"warga{n}") for n in range(3)]
    async with app.store.uow() as uow:
        for view in views:
            assert (await tickets.reply(uow, staff, view.id, MONDAY_9, "Sudah dijawab.")).ok
    late = MONDAY_9 + timedelta(days=30)

    async def run() -> list[int]:
        async with app.store.uow() as uow:
            return await tickets.close_quiet(uow, late, app.domain)

    runs = await asyncio.gather(run(), run())
    assert sorted(runs[0] + runs[1]) == [view.id for view in views]
    async with app.store.reader() as uow:
        assert sorted(user for _k, user, _t, _p in await sent(uow, "ticket_rating")) == ["warga0", "warga1", "warga2"]


async def test_quiet_tickets_stay_open_when_the_policy_says_never(app: App) -> None:
    from dataclasses import replace

    staff = await add_staff(app, "petugas_a", BEKASIJAYA)
    view = await ask(app)
    async with app.store.uow() as uow:
        assert (await tickets.reply(uow, staff, view.id, MONDAY_9, "Sudah dijawab.")).ok
    policy = replace(app.domain.policy, tickets=replace(app.domain.policy.tickets, close_answered_after_days=0))
    domain = replace(app.domain, policy=policy)
    async with app.store.uow() as uow:
        assert await tickets.close_quiet(uow, MONDAY_9 + timedelta(days=365), domain) == []
