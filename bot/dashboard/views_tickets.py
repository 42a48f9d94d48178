"""Tiket: the tickets of the viewer's scope, oldest first, and one ticket's conversation. Read-only: staff
answer, take, transfer and close from the chat they already use. Scope comes from sigap_core.tickets (the
one place, as in the chat): staff see their kelurahan's tickets, admins all; another kelurahan's ticket is
"not found", like a missing one."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.dashboard.app import not_found, now, render, sigap, viewer
from bot.dashboard.views_broadcasts import wib
from sigap_core import tickets
from sigap_core.i18n import N_, Translator

LIMIT = 200  # a kelurahan's open tickets fit many times over; the CLI exports everything
STATE_TITLES = {"open": N_("terbuka"), "answered": N_("sudah dijawab"), "closed": N_("ditutup")}
# ?status=… → the states shown; the default is what still needs an officer.
FILTERS = {
    "": ("open", "answered"),
    "terbuka": ("open",),
    "dijawab": ("answered",),
    "ditutup": ("closed",),
    "semua": tickets.STATES,
}
FILTER_TITLES = (
    ("", N_("Belum ditutup")),
    ("terbuka", N_("Terbuka")),
    ("dijawab", N_("Sudah dijawab")),
    ("ditutup", N_("Ditutup")),
    ("semua", N_("Semua")),
)
AUTHOR_TITLES = {
    "citizen": N_("Warga"),
    "staff": N_("Petugas"),
    "note": N_("Catatan internal"),
    "system": N_("Sistem"),
}
CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp"}


def age_text(age: timedelta, _: Translator) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return _("{n} menit").format(n=minutes)
    if minutes < 48 * 60:
        return _("{n} jam").format(n=minutes // 60)
    return _("{n} hari").format(n=minutes // (24 * 60))


def _summary(view: tickets.TicketView, _: Translator) -> dict[str, object]:
    moment = now()
    overdue = view.state == "open" and view.due_at is not None and view.due_at < moment
    status = tickets.STATUS_LABELS.get(view.shared_status or "")
    return {
        "id": view.id,
        "number": view.number,
        "kelurahan": view.kelurahan,
        "channel": CHANNELS.get(view.channel, view.channel),
        "topic": view.topic,
        "state": view.state,
        "state_title": _(STATE_TITLES.get(view.state, view.state)),
        "age": age_text(view.age, _),
        "created_at": wib(_, view.created_at),
        "due_at": wib(_, view.due_at) if view.due_at else None,
        "overdue": overdue,
        "first_response_at": wib(_, view.first_response_at) if view.first_response_at else None,
        "closed_at": wib(_, view.closed_at) if view.closed_at else None,
        "question": view.question,
        "shared_status": (_(status) if status else view.shared_status) if view.shared_status else None,
        "rating": {"up": "👍", "down": "👎"}.get(view.rating or ""),
    }


async def list_page(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    chosen = request.query.get("status", "")
    if chosen not in FILTERS:
        chosen = ""
    async with app.store.reader() as uow:
        staff = await uow.dashboard.active_staff(who.staff_id)
        if staff is None:
            return not_found(request)
        views = await tickets.list_for_staff(uow, staff, states=FILTERS[chosen], limit=LIMIT, now=now())
    filters = [(key, _(title), key == chosen) for key, title in FILTER_TITLES]
    rows = [_summary(view, _) for view in views]
    return render(request, "tiket.html", {"rows": rows, "filters": filters, "full": len(rows) == LIMIT})


async def detail_page(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    ticket_id = request.match_info["id"]
    if not ticket_id.isdigit() or len(ticket_id) > 12:
        return not_found(request)
    async with app.store.reader() as uow:
        staff = await uow.dashboard.active_staff(who.staff_id)
        found = await tickets.get_for_staff(uow, staff, int(ticket_id), now()) if staff is not None else None
    if found is None:
        return not_found(request)  # another kelurahan's ticket is "not found", as in the chat
    messages = [
        {
            "author": message.author,
            "author_title": _(AUTHOR_TITLES.get(message.author, message.author)),
            "at": wib(_, message.created_at),
            "text": message.text,
        }
        for message in found.messages
    ]
    return render(request, "tiket_detail.html", {"ticket": _summary(found.ticket, _), "messages": messages})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/tiket", list_page)
    router.add_get("/tiket/{id}", detail_page)
