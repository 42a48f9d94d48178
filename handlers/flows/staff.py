"""Kelurahan staff in the chat: `/petugas KODE`, then compose a broadcast — text, exact preview, audience
with recipient counts, time (WIB), confirm — list, and cancel. Every action goes through the scope checks
of sigap_core.broadcasts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.context import Turn
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import Button, Menu, Reply, Row
from sigap_core import broadcasts
from sigap_core.broadcasts import BroadcastError, actor_for, staff_of
from sigap_core.i18n import N_
from sigap_core.store.models import Staff

WIB = ZoneInfo("Asia/Jakarta")
STAFF_TARGET = "staff_target"
STAFF_TEXT = "staff_text"
STAFF_WHEN = "staff_when"
STATES = (STAFF_TARGET, STAFF_TEXT, STAFF_WHEN)


def error_text(turn: Turn, error: BroadcastError) -> str:
    _ = turn._
    messages = {
        "invite_unknown": _("Kode petugas tidak dikenal. Periksa lagi kodenya, atau minta kode baru ke admin."),
        "invite_used": _("Kode petugas itu sudah dipakai. Minta kode baru ke admin."),
        "invite_expired": _("Kode petugas itu sudah kedaluwarsa. Minta kode baru ke admin."),
        "text_empty": _("Pengumuman tidak boleh kosong. Ketik isi pengumumannya."),
        "text_too_long": _("Pengumuman terlalu panjang ({length} karakter, paling banyak {limit}). Persingkat, ya."),
        "out_of_scope": _("Anda hanya bisa mengirim pengumuman untuk kelurahan Anda sendiri."),
        "broadcast_unknown": _("Pengumuman #{id} tidak ditemukan."),
        "broadcast_finished": _("Pengumuman #{id} sudah selesai atau sudah dibatalkan."),
    }
    return messages.get(error.code, _("Permintaan itu tidak bisa diproses.")).format(**error.params)


def _place_name(turn: Turn, staff: Staff) -> str:
    place = turn.domain.wilayah.get(staff.kode_kelurahan) if staff.kode_kelurahan else None
    return place.name if place else turn._("seluruh Kota Bekasi")


def staff_menu(turn: Turn, staff: Staff, text: str | None = None) -> Reply:
    _ = turn._
    intro = text or _("Menu petugas ({place}).").format(place=_place_name(turn, staff))
    buttons = (
        Button("staff:new", _("Buat pengumuman")),
        Button("staff:list", _("Daftar pengumuman")),
        Button("menu", _("Menu warga")),
    )
    return Reply(intro, buttons)


async def command(turn: Turn, text: str) -> list[Reply]:
    _ = turn._
    parts = text.split(maxsplit=1)
    if len(parts) == 2:
        try:
            staff = await broadcasts.redeem_invite(
                turn.uow, turn.domain, parts[1], turn.msg.channel, turn.msg.user_key, turn.now
            )
        except BroadcastError as error:
            return [Reply(error_text(turn, error))]
        welcome = (
            _("Anda sekarang admin SIGAP untuk seluruh Kota Bekasi.")
            if staff.role == "admin"
            else _("Anda sekarang petugas Kelurahan {kelurahan}.").format(kelurahan=_place_name(turn, staff))
        )
        return [staff_menu(turn, staff, welcome)]
    current = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if current is None:
        return [
            Reply(_("Untuk masuk sebagai petugas, kirim /petugas diikuti kode dari admin, contoh: /petugas ABCD-EFGH."))
        ]
    return [staff_menu(turn, current)]


async def on_button(turn: Turn, argument: str) -> list[Reply]:
    _ = turn._
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return [turn.main_menu(_("Fitur ini khusus petugas kelurahan."))]
    action, _sep, value = argument.partition(":")
    match action:
        case "menu":
            turn.clear_state()
            return [staff_menu(turn, staff)]
        case "new":
            if staff.role == "admin":
                turn.set_state(STAFF_TARGET)
                return [
                    Reply(
                        _("Untuk kelurahan mana? Ketik nama kelurahannya, atau pilih seluruh kota."),
                        (Button("staff:target", _("Seluruh kota")), Button("staff:drop", _("Batal"))),
                    )
                ]
            turn.set_state(STAFF_TEXT, kode=staff.kode_kelurahan)
            broadcasts.count_ahead(turn.uow, turn.domain, staff.kode_kelurahan, turn.today)
            return [ask_text(turn)]
        case "target":
            turn.set_state(STAFF_TEXT, kode=None)
            broadcasts.count_ahead(turn.uow, turn.domain, None, turn.today)
            return [ask_text(turn)]
        case "aud":
            if "text" not in turn.data or value not in broadcasts.AUDIENCES:
                return [staff_menu(turn, staff, _("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
            turn.set_state(STAFF_WHEN, **{**turn.data, "audience": value})
            return [
                Reply(
                    _("Kapan dikirim?"),
                    (
                        Button("staff:when:now", _("Kirim sekarang")),
                        Button("staff:when:later", _("Jadwalkan")),
                        Button("staff:drop", _("Batal")),
                    ),
                )
            ]
        case "when":
            if "audience" not in turn.data:
                return [staff_menu(turn, staff, _("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
            if value == "later":
                return [Reply(_("Ketik waktu kirim (WIB), contoh: 08:00 atau 25-11 08:00."))]
            return await confirm(turn, turn.now)
        case "send":
            return await send(turn, staff)
        case "drop":
            turn.clear_state()
            return [staff_menu(turn, staff, _("Draf dibuang."))]
        case "list":
            return await list_for(turn, staff)
        case "cancel":
            return await cancel(turn, staff, value)
    return [staff_menu(turn, staff)]


def ask_text(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _("Ketik isi pengumuman (paling banyak {limit} karakter).").format(limit=broadcasts.MAX_TEXT),
        (Button("staff:drop", _("Batal")),),
    )


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    _ = turn._
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return None
    if turn.state == STAFF_TARGET:
        place = kelurahan_flow.from_text(turn, text)
        if place is None:
            return [Reply(_("Kelurahan itu tidak ada di Kota Bekasi. Ketik lagi namanya."))]
        turn.set_state(STAFF_TEXT, kode=place.code)
        broadcasts.count_ahead(turn.uow, turn.domain, place.code, turn.today)
        return [ask_text(turn)]
    if turn.state == STAFF_TEXT:
        try:
            clean = broadcasts.validate_text(text)
        except BroadcastError as error:
            return [Reply(error_text(turn, error), (Button("staff:drop", _("Batal")),))]
        kode = turn.data.get("kode")
        turn.set_state(STAFF_TEXT, kode=kode, text=clean)
        preview = broadcasts.announcement_text(_, turn.domain, kode, clean)
        rows = []
        titles = {
            "all": _("Semua pelanggan"),
            "eligible": _("Layak, belum terdaftar"),
            "enrolled": _("Sudah terdaftar"),
            "needs_update": _("Perlu perbarui data"),
        }
        reached = await broadcasts.audience_counts(turn.uow, turn.domain, kode, turn.today, turn.now)
        for audience in broadcasts.AUDIENCES:
            rows.append(
                Row(f"staff:aud:{audience}", titles[audience], _("{n} penerima").format(n=_.number(reached[audience])))
            )
        return [
            Reply(_("Pratinjau, persis seperti yang diterima warga:")),
            Reply(preview),
            Reply(_("Kirim ke siapa?"), menu=Menu(_("Pilih penerima"), tuple(rows))),
        ]
    if turn.state == STAFF_WHEN:
        when = parse_when(text, turn.now)
        if when is None:
            return [Reply(_("Waktu tidak dikenali atau sudah lewat. Contoh: 08:00 atau 25-11 08:00 (WIB)."))]
        return await confirm(turn, when)
    return None


def parse_when(text: str, now: datetime) -> datetime | None:
    """`08:00` (today, or tomorrow if passed), `25-11 08:00`, `25-11-2026 08:00`, `2026-11-25 08:00` — WIB."""
    local_now = now.astimezone(WIB)
    text = text.strip().replace(".", ":")
    patterns: tuple[tuple[str, Callable[[re.Match[str]], datetime]], ...] = (
        (r"^(\d{1,2}):(\d{2})$", lambda m: local_now.replace(hour=int(m[1]), minute=int(m[2]))),
        (
            r"^(\d{1,2})[-/](\d{1,2})\s+(\d{1,2}):(\d{2})$",
            lambda m: local_now.replace(month=int(m[2]), day=int(m[1]), hour=int(m[3]), minute=int(m[4])),
        ),
        (
            r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})\s+(\d{1,2}):(\d{2})$",
            lambda m: local_now.replace(
                year=int(m[3]), month=int(m[2]), day=int(m[1]), hour=int(m[4]), minute=int(m[5])
            ),
        ),
        (
            r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$",
            lambda m: local_now.replace(
                year=int(m[1]), month=int(m[2]), day=int(m[3]), hour=int(m[4]), minute=int(m[5])
            ),
        ),
    )
    for pattern, build in patterns:
        match = re.match(pattern, text)
        if match:
            try:
                when = build(match).replace(second=0, microsecond=0)
            except ValueError:
                return None
            if pattern.startswith("^(\\d{1,2}):") and when <= local_now:
                when += timedelta(days=1)
            return when if when > local_now - timedelta(minutes=1) else None
    return None


async def confirm(turn: Turn, when: datetime) -> list[Reply]:
    _ = turn._
    data = turn.data
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, data.get("kode"), turn.today, turn.now)
    turn.set_state(STAFF_WHEN, **{**data, "send_at": when.isoformat()})
    moment = (
        _("sekarang")
        if when <= turn.now + timedelta(minutes=1)
        else format_datetime(when.astimezone(WIB), "d MMMM y, HH:mm", locale=_.lang) + " WIB"
    )
    return [
        Reply(
            _("Kirim ke {n} penerima, {when}?").format(n=_.number(reached[data["audience"]]), when=moment),
            (Button("staff:send", _("Kirim")), Button("staff:drop", _("Batal"))),
        )
    ]


async def send(turn: Turn, staff: Staff) -> list[Reply]:
    _ = turn._
    data = turn.data
    if "send_at" not in data:
        return [staff_menu(turn, staff, _("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
    try:
        broadcast, count = await broadcasts.create_broadcast(
            turn.uow,
            turn.domain,
            actor_for(staff),
            data.get("kode"),
            data["audience"],
            data["text"],
            datetime.fromisoformat(data["send_at"]),
            turn.now,
            turn.today,
        )
    except BroadcastError as error:
        turn.clear_state()
        return [staff_menu(turn, staff, error_text(turn, error))]
    turn.clear_state()
    return [
        staff_menu(
            turn,
            staff,
            _("Pengumuman #{id} untuk {n} penerima sudah masuk antrean. Laporannya dikirim ke chat ini.").format(
                id=broadcast.id, n=_.number(count)
            ),
        )
    ]


# Broadcast states as staff read them in the list (stored in English, shown through gettext).
BROADCAST_STATUS = {
    "scheduled": N_("terjadwal"),
    "sending": N_("sedang dikirim"),
    "done": N_("selesai"),
    "cancelled": N_("dibatalkan"),
}


async def list_for(turn: Turn, staff: Staff) -> list[Reply]:
    _ = turn._
    turn.clear_state()
    items = await broadcasts.list_broadcasts(turn.uow, actor_for(staff), limit=8)
    if not items:
        return [staff_menu(turn, staff, _("Belum ada pengumuman."))]
    lines = []
    cancellable = []
    for item in items:
        tally = await broadcasts.counts(turn.uow, item.id)
        lines.append(
            _("#{id} [{status}] terkirim {sent}/{total}: {text}").format(
                id=item.id,
                status=_(BROADCAST_STATUS.get(item.status, item.status)),
                sent=broadcasts.sent_count(tally),
                total=sum(v for k, v in tally.items() if k != "recovered_after_crash"),
                text=item.text[:40],
            )
        )
        if item.status in ("scheduled", "sending"):
            cancellable.append(Row(f"staff:cancel:{item.id}", _("Batalkan #{id}").format(id=item.id)))
    replies = [Reply("\n".join(lines))]
    if cancellable:
        replies.append(
            Reply(_("Batalkan pengumuman yang belum selesai?"), menu=Menu(_("Batalkan"), tuple(cancellable)))
        )
    replies.append(staff_menu(turn, staff, _("Menu petugas.")))
    return replies


async def cancel(turn: Turn, staff: Staff, value: str) -> list[Reply]:
    _ = turn._
    if not value.isdigit():
        return [staff_menu(turn, staff)]
    try:
        tally = await broadcasts.cancel_broadcast(turn.uow, actor_for(staff), int(value), turn.now)
    except BroadcastError as error:
        return [staff_menu(turn, staff, error_text(turn, error))]
    return [
        staff_menu(
            turn,
            staff,
            _("Pengumuman #{id} dibatalkan. Sudah terkirim {sent}, tidak jadi dikirim {cancelled}.").format(
                id=value, sent=broadcasts.sent_count(tally), cancelled=tally.get("cancelled", 0)
            ),
        )
    ]
