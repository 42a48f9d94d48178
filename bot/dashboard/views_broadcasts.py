"""Pengumuman: the list with state and progress, one broadcast's delivery states as a chart, create (the
chat's exact preview, audience counts and WIB schedule) and cancel. Scope, audiences, the citizens' text
and the outbox all come from sigap_core.broadcasts, as in the chat."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from aiohttp import web
from babel import Locale
from babel.dates import format_datetime

from bot.dashboard.app import PREFIX, not_found, now, render, see_other, sigap, viewer
from bot.dashboard.charts import bar_chart
from sigap_core import broadcasts
from sigap_core.broadcasts import BroadcastError
from sigap_core.i18n import N_, Translator
from sigap_core.store import models
from sigap_core.store.repositories import aware

WIB = ZoneInfo("Asia/Jakarta")
PAGE_SIZE = 25  # a phone screen's worth of scrolling; older ones a tap away

STATUS_TITLES = {
    "scheduled": N_("terjadwal"),
    "sending": N_("sedang dikirim"),
    "done": N_("selesai"),
    "cancelled": N_("dibatalkan"),
    "empty": N_("tidak ada penerima"),
}
AUDIENCE_TITLES = {
    "all": N_("Semua pelanggan"),
    "eligible": N_("Layak, belum terdaftar"),
    "enrolled": N_("Sudah terdaftar"),
    "needs_update": N_("Perlu perbarui data"),
}
# Delivery states in the order a message moves through them; the chart shows each with its count.
DELIVERY_STATES = (
    ("pending", N_("Menunggu giliran"), "tone-6"),
    ("sending", N_("Sedang dikirim"), "tone-6"),
    ("sent", N_("Terkirim"), "tone-0"),
    ("delivered", N_("Diterima"), "tone-1"),
    ("read", N_("Dibaca"), "tone-2"),
    ("failed", N_("Gagal"), "tone-bad"),
    ("opted_out", N_("Berhenti langganan"), "tone-3"),
    ("blocked", N_("Memblokir bot"), "tone-3"),
    ("cancelled", N_("Dibatalkan"), "tone-6"),
    ("recovered_after_crash", N_("Dikirim ulang setelah gangguan"), "tone-5"),
)


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def wib(_: Translator, moment: datetime | None) -> str:
    """`5 November 2026, 08:00 WIB` (the locale parsed once: lists format a date per row)."""
    if moment is None:
        return "–"
    local = (aware(moment) or moment).astimezone(WIB)
    return format_datetime(local, "d MMMM y, HH:mm", locale=_locale(_.lang)) + " WIB"


def area_name(request: web.Request, kode: str | None, _: Translator) -> str:
    place = sigap(request).domain.wilayah.get(kode) if kode else None
    return place.name if place else _("Seluruh Kota Bekasi")


def total_of(tally: Counter[str]) -> int:
    return sum(n for state, n in tally.items() if state != "recovered_after_crash")


async def list_page(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    before = request.query.get("sebelum", "")
    async with app.store.reader() as uow:
        items = await uow.dashboard.broadcasts(
            who.actor.kode_kelurahan, who.is_admin, PAGE_SIZE, int(before) if before.isdigit() else None
        )
        tallies = await uow.dashboard.tallies([item.id for item in items])
    rows = []
    for item in items:
        tally = tallies[item.id]
        total = total_of(tally)
        sent = broadcasts.sent_count(tally)
        rows.append(
            {
                "id": item.id,
                "area": area_name(request, item.kode_kelurahan, _),
                "status": item.status,
                "status_title": _(STATUS_TITLES.get(item.status, item.status)),
                "sent": _.number(sent),
                "total": _.number(total),
                "percent": round(100 * sent / total) if total else 0,
                "send_at": wib(_, item.send_at),
                "text": item.text if len(item.text) <= 90 else item.text[:89] + "…",
            }
        )
    older = f"{PREFIX}/pengumuman?sebelum={items[-1].id}" if len(items) == PAGE_SIZE else None
    newest = f"{PREFIX}/pengumuman" if before else None
    return render(request, "pengumuman.html", {"rows": rows, "older": older, "newest": newest})


async def detail_page(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    broadcast_id = request.match_info["id"]
    if not broadcast_id.isdigit():
        return not_found(request)
    async with app.store.reader() as uow:
        try:
            item = await broadcasts.visible_broadcast(uow, who.actor, int(broadcast_id))
        except BroadcastError:
            return not_found(request)  # another kelurahan's broadcast is "not found", as in the chat
        tally = (await uow.dashboard.tallies([item.id]))[item.id]
        reasons = await uow.dashboard.failure_reasons(item.id)
    return render(request, "pengumuman_detail.html", _detail_context(request, _, item, tally, reasons))


def _detail_context(
    request: web.Request,
    _: Translator,
    item: models.Broadcast,
    tally: Counter[str],
    reasons: list[tuple[str, int]],
) -> dict[str, object]:
    states = bar_chart(
        "delivery",
        _("Status pengiriman"),
        [(state, _(title), tally.get(state, 0)) for state, title, _tone in DELIVERY_STATES],
        _.number,
        tone={state: tone for state, _title, tone in DELIVERY_STATES}.__getitem__,
    )
    failures = bar_chart(
        "failures",
        _("Gagal menurut alasan"),
        [(reason or "-", reason or _("(tanpa keterangan)"), n) for reason, n in reasons],
        _.number,
        tone="tone-bad",
    )
    app = sigap(request)
    return {
        "item": item,
        "area": area_name(request, item.kode_kelurahan, _),
        "status_title": _(STATUS_TITLES.get(item.status, item.status)),
        "audience_title": _(AUDIENCE_TITLES.get(item.audience, item.audience)),
        "created_at": wib(_, item.created_at),
        "send_at": wib(_, item.send_at),
        "finished_at": wib(_, item.finished_at) if item.finished_at else None,
        "preview": broadcasts.announcement_text(_, app.domain, item.kode_kelurahan, item.text),
        "states": states,
        "failures": failures if reasons else None,
        "sent": _.number(broadcasts.sent_count(tally)),
        "total": _.number(total_of(tally)),
        "cancellable": item.status in ("scheduled", "sending"),
        "cancelled": request.query.get("dibatalkan") is not None,
        "created": request.query.get("dibuat") is not None,
    }


async def cancel(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    broadcast_id = request.match_info["id"]
    if not broadcast_id.isdigit():
        return not_found(request)
    try:
        async with app.store.uow() as uow:
            await broadcasts.cancel_broadcast(uow, who.actor, int(broadcast_id), now())
    except BroadcastError as error:
        if error.code == "broadcast_unknown":
            return not_found(request)
    return see_other(f"{PREFIX}/pengumuman/{broadcast_id}?dibatalkan")


# Create ------------------------------------------------------------------------------------------


def _target(request: web.Request, form: dict[str, str] | None) -> tuple[bool, str | None]:
    """(known, kode): staff always write for their own kelurahan; an admin picks one or the whole city."""
    who = viewer(request)
    if not who.is_admin:
        return True, who.actor.kode_kelurahan
    chosen = str(form.get("kode", "")) if form is not None else ""
    if not chosen:
        return True, None
    place = sigap(request).domain.wilayah.get(chosen)
    return (place is not None), (place.code if place else None)


async def form_fields(request: web.Request) -> dict[str, str]:
    return {key: value for key, value in (await request.post()).items() if isinstance(value, str)}


def form_text(form: dict[str, str]) -> str:
    """The announcement as typed (browsers send line breaks as CRLF; citizens get LF, as from the chat)."""
    return str(form.get("text", "")).replace("\r\n", "\n")


def error_text(_: Translator, error: BroadcastError) -> str:
    messages = {
        "text_empty": _("Pengumuman tidak boleh kosong. Ketik isi pengumumannya."),
        "text_too_long": _("Pengumuman terlalu panjang ({length} karakter, paling banyak {limit}). Persingkat, ya."),
        "out_of_scope": _("Anda hanya bisa mengirim pengumuman untuk kelurahan Anda sendiri."),
        "bad_audience": _("Pilih penerimanya dulu."),
    }
    return messages.get(error.code, _("Permintaan itu tidak bisa diproses.")).format(**error.params)


def _places(request: web.Request) -> list[tuple[str, list[tuple[str, str]]]]:
    wilayah = sigap(request).domain.wilayah
    return [
        (kecamatan.name, [(k.code, k.name) for k in wilayah.kelurahan_of(kecamatan)]) for kecamatan in wilayah.kecamatan
    ]


async def new_page(request: web.Request) -> web.StreamResponse:
    return _compose(request, text="", kode=None, error=None)


def _compose(request: web.Request, text: str, kode: str | None, error: str | None) -> web.Response:
    who = viewer(request)
    _ = Translator(who.lang)
    return render(
        request,
        "pengumuman_baru.html",
        {
            "text": text,
            "kode": kode or "",
            "error": error,
            "limit": broadcasts.MAX_TEXT,
            "places": _places(request) if who.is_admin else None,
            "own_area": area_name(request, who.actor.kode_kelurahan, _),
        },
        status=400 if error else 200,
    )


async def preview(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    return await _preview(request, form, error=None)


async def _preview(request: web.Request, form: dict[str, str], error: str | None) -> web.Response:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    known, kode = _target(request, form)
    raw_text = form_text(form)
    if not known:
        return _compose(request, raw_text, None, _("Kelurahan itu tidak ada di Kota Bekasi."))
    try:
        clean = broadcasts.validate_text(raw_text)
    except BroadcastError as problem:
        return _compose(request, raw_text, kode, error_text(_, problem))
    async with app.store.uow() as uow:
        reached = await broadcasts.audience_counts(uow, app.domain, kode, app.today())
    moment = now().astimezone(WIB)
    return render(
        request,
        "pengumuman_pratinjau.html",
        {
            "text": clean,
            "kode": kode or "",
            "area": area_name(request, kode, _),
            "preview": broadcasts.announcement_text(_, app.domain, kode, clean),
            "audiences": [
                (audience, _(AUDIENCE_TITLES[audience]), _.number(reached[audience]))
                for audience in broadcasts.AUDIENCES
            ],
            "chosen": str(form.get("audience", "all")),
            "when": str(form.get("when", "now")),
            "send_at": str(form.get("send_at", "")),
            "min_send_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "error": error,
        },
        status=400 if error else 200,
    )


def parse_wib(value: str, current: datetime) -> datetime | None:
    """A `datetime-local` value (`2026-11-25T08:00`) read as WIB; None when unreadable or past."""
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if local.tzinfo is not None:
        return None
    # In UTC: SQLite keeps the wall-clock time and drops the zone, and everything stored is read as UTC.
    when = local.replace(tzinfo=WIB, second=0, microsecond=0).astimezone(UTC)
    return when if when > current - timedelta(minutes=1) else None


async def create(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    _ = Translator(who.lang)
    form = await form_fields(request)
    known, kode = _target(request, form)
    if not known:
        return _compose(request, form_text(form), None, _("Kelurahan itu tidak ada di Kota Bekasi."))
    current = now()
    if form.get("when") == "later":
        when = parse_wib(str(form.get("send_at", "")), current)
        if when is None:
            return await _preview(
                request, form, _("Waktu tidak dikenali atau sudah lewat. Pilih tanggal dan jam (WIB).")
            )
    else:
        when = current
    audience = str(form.get("audience", ""))
    try:
        async with app.store.uow() as uow:
            created, _count = await broadcasts.create_broadcast(
                uow, app.domain, who.actor, kode, audience, form_text(form), when, current, app.today()
            )
    except BroadcastError as problem:
        return await _preview(request, form, error_text(_, problem))
    return see_other(f"{PREFIX}/pengumuman/{created.id}?dibuat")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/pengumuman", list_page)
    router.add_get("/pengumuman/baru", new_page)
    router.add_post("/pengumuman/pratinjau", preview)
    router.add_post("/pengumuman", create)
    router.add_get("/pengumuman/{id}", detail_page)
    router.add_post("/pengumuman/{id}/batal", cancel)
