"""Kelurahan staff in the chat: `/petugas KODE`, then compose a broadcast — text, exact preview, audience
with recipient counts, time (WIB), confirm — list, and cancel. Every action goes through the scope checks
of sigap_core.broadcasts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.context import Turn
from handlers.entities import parse_when
from handlers.flow import Router
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import MAX_ROW_TITLE, Button, Menu, Reply, Row
from handlers.understanding import Said
from sigap_core import broadcasts, dashboard
from sigap_core.broadcasts import BroadcastError, actor_for, staff_of
from sigap_core.i18n import N_
from sigap_core.store.models import Staff

WIB = ZoneInfo("Asia/Jakarta")
STAFF_TARGET = "staff_target"
STAFF_TEXT = "staff_text"
STAFF_WHEN = "staff_when"
STAFF_CONFIRM = "staff_confirm"
STATES = (STAFF_TARGET, STAFF_TEXT, STAFF_WHEN, STAFF_CONFIRM)

router = Router("staff")
__all__ = ["parse_when"]  # the time parser lives with the other entities; kept importable from here


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


def dropped_text(turn: Turn) -> str:
    """What "batal" / "hapus draf" did, in words staff expect: cancelled, nothing sent."""
    return turn._("Baik, dibatalkan. Draf dibuang; tidak ada yang dikirim.")


def staff_menu(turn: Turn, staff: Staff, text: str | None = None) -> Reply:
    _ = turn._
    intro = text or (
        _("Menu petugas ({place}).").format(place=_place_name(turn, staff))
        + "\n"
        + _("Pertanyaan warga (tiket): ketik /tiket.")
    )
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
        return [staff_menu(turn, staff, welcome + "\n" + _("Pertanyaan warga (tiket): ketik /tiket."))]
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
            return await choose_audience(turn, staff, value)
        case "when":
            if "audience" not in turn.data:
                return [staff_menu(turn, staff, _("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
            if value == "later":
                return [
                    Reply(
                        _("Ketik waktu kirim (WIB), contoh: besok jam 8 pagi, Senin 09.00, 25-11 08:00."),
                        (Button("staff:drop", _("Batal")),),
                    )
                ]
            return await confirm(turn, turn.now)
        case "send":
            return await send(turn, staff)
        case "audience":
            return await ask_audience(turn, staff)
        case "drop":
            turn.clear_state()
            return [staff_menu(turn, staff, dropped_text(turn))]
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


SURE = re.compile(r"^(sudah |udah |ya |iya )?(yakin|pasti|fix|sure)( kirim| deh| aja)*[.!]*$")
NOW_WORDS = re.compile(r"^\s*(sekarang|skrg|skrng|langsung|kirim sekarang|now|right now|saat ini)\b")
# Staff may type what the staff menu offers.
STAFF_ACTIONS = (
    (re.compile(r"\b(batal|batalkan|batalin|cancel|stop|hentikan)\b.{0,20}#\s?(\d+)\b"), "cancel"),
    (
        re.compile(
            r"\b(buat|bikin|kirim|kirimin|tulis)\b.{0,12}\b(pengumuman|broadcast|siaran|info)\b"
            r"|^(mau |saya mau |sy mau )?(broadcast|ngumumin|umumkan|mengumumkan|blast)\b"
        ),
        "new",
    ),
    (re.compile(r"\b(daftar|lihat|list|riwayat|cek)\b.{0,12}\b(pengumuman|broadcast)\w*\b"), "list"),
    (re.compile(r"^(menu petugas|petugas menu|staff menu)$"), "menu"),
)
# Edit wording at any step of a draft: change the text, the time or the audience, or throw the draft away.
# Short commands only (a typed announcement may well contain "ganti" or "jadwal").
EDITS = (
    (
        re.compile(
            r"^(tolong |mau |saya mau |sy mau )?(hapus|buang|batalkan|batalin|delete|discard|drop)\s+"
            r"(draf|draft|drafnya|draftnya|pengumuman(nya)?( ini)?|semua(nya)?)\b"
            r"|^(ga|gak|gk|nggak|ngga|tidak|tdk|enggak) jadi (bikin|buat|kirim|ngirim|bikinnya|kirimnya)\b"
        ),
        "drop",
    ),
    (
        re.compile(
            r"^(tolong |mau |saya mau |sy mau )?(ganti|ubah|edit|koreksi|perbaiki|revisi|benerin|betulin|change|fix)"
            r"\s+(teks|text|isi|kata|kalimat|tulisan|pesan|pengumuman)\w*\b|^(salah ketik|ada typo|typo)\b"
        ),
        "text",
    ),
    (
        re.compile(
            r"^(tolong |mau |saya mau |sy mau )?(ganti|ubah|edit|geser|undur|majukan|mundurin|change)"
            r"\s+(waktu|jam|tanggal|tgl|hari|jadwal|time|schedule)\w*\b"
        ),
        "when",
    ),
    (
        re.compile(
            r"^(tolong |mau |saya mau |sy mau )?(ganti|ubah|edit|pilih|change)\s+"
            r"(penerima|audiens|sasaran|target|kelompok|recipients?|audience)\w*\b"
        ),
        "audience",
    ),
)
# A day or part of day without an hour ("nanti sore", "besok pagi", "Senin"): the hour is asked for.
_DAY_PART = re.compile(
    r"\b(pagi|siang|sore|malam|malem|besok|bsk|lusa|nanti|hari ini|senin|selasa|rabu|kamis|jumat|sabtu|minggu"
    r"|tomorrow|tonight|morning|afternoon|evening)\b"
)
_EXAMPLE_HOUR = {"pagi": "8", "siang": "1", "sore": "4", "malam": "7", "malem": "7"}


def _example_hour(text: str) -> str:
    parts = [word for word in re.findall(r"[a-z]+", text.lower()) if word in _EXAMPLE_HOUR]
    return _EXAMPLE_HOUR[parts[0]] if parts else "9"


def edit_of(text: str) -> str | None:
    """ "ganti teks", "ubah jam", "ganti penerima", "hapus draf": what to change in the draft, or None."""
    typed = " ".join(re.sub(r"[^\w ]+", " ", text.lower()).split())
    if len(typed.split()) > 5:
        return None
    return next((name for pattern, name in EDITS if pattern.search(typed)), None)


async def edit_draft(turn: Turn, staff: Staff, what: str) -> list[Reply]:
    """Go back to the step that owns what is to be changed; the rest of the draft is kept where it can be."""
    _ = turn._
    data = turn.data
    if what == "drop":
        return await drop(turn)
    if what == "text" or "text" not in data:
        turn.set_state(STAFF_TEXT, kode=data.get("kode"))
        return [ask_text(turn)]
    if what == "audience" or "audience" not in data:
        return await ask_audience(turn, staff)
    kept = {k: v for k, v in data.items() if k in ("kode", "text", "audience")}
    turn.set_state(STAFF_WHEN, **kept)
    return [
        Reply(
            _("Ketik waktu kirim yang baru (WIB), contoh: besok jam 8 pagi, Senin 09.00, 25-11 08:00."),
            (Button("staff:when:now", _("Kirim sekarang")), Button("staff:drop", _("Batal"))),
        )
    ]


_AUDIENCE_FILLER = re.compile(r"\b(aja|saja|deh|ya|dong|kirim|kirimkan|ke|untuk|buat|yang|to|send)\b|[.!]")
AUDIENCE_WORDS = {
    "all": (
        "semua",
        "all",
        "semua pelanggan",
        "everyone",
        "semuanya",
        "semua warga",
        "semua orang",
        "pelanggan",
        "all subscribers",
        "seluruh pelanggan",
        "seluruh warga",
    ),
    "eligible": ("layak", "eligible", "layak belum daftar", "warga layak", "yang layak"),
    "enrolled": ("peserta", "terdaftar", "sudah terdaftar", "enrolled", "peserta sigap", "sudah peserta"),
    "needs_update": (
        "perlu perbarui",
        "perlu update",
        "update",
        "needs update",
        "perlu perbarui data",
        "perlu update data",
        "update data",
    ),
}


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    _ = turn._
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return None
    if turn.state == STAFF_TARGET:
        if text.strip().lower() in ("seluruh kota", "semua", "all", "kota"):
            turn.set_state(STAFF_TEXT, kode=None)
            return [ask_text(turn)]
        place = kelurahan_flow.from_text(turn, text)
        if place is None:
            return [
                Reply(
                    _("Kelurahan itu tidak ada di Kota Bekasi. Ketik lagi namanya, contoh: Jatibening."),
                    (Button("staff:target", _("Seluruh kota")), Button("staff:drop", _("Batal"))),
                )
            ]
        turn.set_state(STAFF_TEXT, kode=place.code)
        broadcasts.count_ahead(turn.uow, turn.domain, place.code, turn.today)
        return [ask_text(turn)]
    what = edit_of(text)
    if what is not None and turn.state != STAFF_TARGET:
        return await edit_draft(turn, staff, what)
    if turn.state == STAFF_TEXT:
        typed = " ".join(text.lower().split())
        if len(typed.split()) <= 5:  # "semua aja", "kirim ke semua": the audience, not a new text
            typed = " ".join(_AUDIENCE_FILLER.sub(" ", typed).split())
        if "text" in turn.data:
            for audience, words in AUDIENCE_WORDS.items():
                if typed in words:
                    return await choose_audience(turn, staff, audience)
        try:
            clean = broadcasts.validate_text(text)
        except BroadcastError as error:
            return [Reply(error_text(turn, error), (Button("staff:drop", _("Batal")),))]
        kode = turn.data.get("kode")
        turn.set_state(STAFF_TEXT, kode=kode, text=clean)
        preview = broadcasts.announcement_text(_, turn.domain, kode, clean)
        return [
            Reply(_("Pratinjau, persis seperti yang diterima warga:")),
            Reply(preview),
            *await audience_replies(turn),
        ]
    if turn.state == STAFF_WHEN:
        if NOW_WORDS.search(text.lower()):
            return await confirm(turn, turn.now)
        hint = turn.data.get("when_hint")
        # "nanti sore", then "jam 4": read together.
        when = (parse_when(f"{hint} {text}", turn.now) if hint else None) or parse_when(text, turn.now)
        part = _DAY_PART.search(text.lower())
        if when is None and part and not any(ch.isdigit() for ch in text):
            turn.update_data(when_hint=" ".join(text.split())[:40])
            return [
                Reply(
                    _(
                        "Jamnya belum saya kenali, dan saya tidak mau menebak: jam berapa? Contoh: {example} (WIB). "
                        "Waktunya saya ulangi dulu sebelum dikirim."
                    ).format(example=f"{' '.join(text.split())[:40]} jam {_example_hour(text)}"),
                    (Button("staff:when:now", _("Kirim sekarang")), Button("staff:drop", _("Batal"))),
                )
            ]
        if when is None:
            return [
                Reply(
                    _(
                        "Waktu itu belum saya kenali, atau sudah lewat. Contoh: besok jam 8 pagi, Senin 09.00, "
                        "25-11 08:00 (WIB)."
                    ),
                    (Button("staff:when:now", _("Kirim sekarang")), Button("staff:drop", _("Batal"))),
                )
            ]
        return await confirm(turn, when)
    return None


AUDIENCE_TITLES = {
    "all": N_("Semua pelanggan"),
    "eligible": N_("Layak, belum daftar"),
    "enrolled": N_("Sudah terdaftar"),
    "needs_update": N_("Perlu perbarui data"),
}
AUDIENCE_DESCRIPTIONS = {
    "all": N_("Semua yang berlangganan info"),
    "eligible": N_("Terverifikasi layak, belum terdaftar"),
    "enrolled": N_("Terverifikasi sudah terdaftar SIGAP"),
    "needs_update": N_("Terverifikasi, data DTSEN perlu diperbarui"),
}


async def audience_replies(turn: Turn) -> list[Reply]:
    """The audience choice, each with its recipient count on the button itself."""
    _ = turn._
    kode = turn.data.get("kode")
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, kode, turn.today, turn.now)
    rows = []
    for audience in broadcasts.AUDIENCES:
        count = _.number(reached[audience])
        suffix = f" ({count})"
        title = _(AUDIENCE_TITLES[audience])[: MAX_ROW_TITLE - len(suffix)]
        rows.append(
            Row(
                f"staff:aud:{audience}",
                title + suffix,
                _("{n} penerima · {about}").format(n=count, about=_(AUDIENCE_DESCRIPTIONS[audience])),
            )
        )
    rows.append(Row("staff:drop", _("Batal")))
    replies = [
        Reply(_("Kirim ke siapa? Angka dalam kurung = jumlah penerima."), menu=Menu(_("Pilih penerima"), tuple(rows)))
    ]
    if not reached["all"]:
        replies.insert(
            0,
            Reply(
                _(
                    "⚠️ 0 penerima: belum ada warga yang berlangganan info dari {place}, jadi pengumuman ini belum "
                    "akan sampai ke siapa pun."
                ).format(place=_kode_place(turn, kode))
            ),
        )
    return replies


async def ask_audience(turn: Turn, staff: Staff) -> list[Reply]:
    if "text" not in turn.data:
        return [staff_menu(turn, staff, turn._("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
    data = {k: v for k, v in turn.data.items() if k in ("kode", "text")}
    turn.set_state(STAFF_TEXT, **data)
    return await audience_replies(turn)


async def choose_audience(turn: Turn, staff: Staff, audience: str) -> list[Reply]:
    _ = turn._
    turn.set_state(STAFF_WHEN, **{**turn.data, "audience": audience})
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


def _kode_place(turn: Turn, kode: str | None) -> str:
    place = turn.domain.wilayah.get(kode) if kode else None
    return turn._("Kelurahan {kelurahan}").format(kelurahan=place.name) if place else turn._("seluruh Kota Bekasi")


async def confirm(turn: Turn, when: datetime) -> list[Reply]:
    """The time is always echoed back in words, in WIB; 0 recipients is said plainly before anything is sent."""
    _ = turn._
    data = turn.data
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, data.get("kode"), turn.today, turn.now)
    people = reached[data["audience"]]
    turn.set_state(STAFF_CONFIRM, **{**data, "send_at": when.isoformat()})
    now = when <= turn.now + timedelta(minutes=1)
    moment = (
        _("sekarang") if now else format_datetime(when.astimezone(WIB), "EEEE, d MMMM y, HH:mm", locale=_.lang) + " WIB"
    )
    if not people:
        return [
            Reply(
                _(
                    "⚠️ Tidak ada penerima (0 penerima): belum ada warga di kelompok ini yang berlangganan. Jika "
                    "dikirim, pengumuman tidak sampai ke siapa pun ({when}). Pilih penerima lain?"
                ).format(when=moment),
                (
                    Button("staff:audience", _("Pilih penerima lain")),
                    Button("staff:send", _("Kirim saja")),
                    Button("staff:drop", _("Batal")),
                ),
            )
        ]
    return [
        Reply(
            _("Kirim ke {n} penerima, {when}?").format(n=_.number(people), when=moment),
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


async def dashboard_link(turn: Turn) -> list[Reply]:
    """`/dasbor`: a one-time link to the web dashboard (10 minutes, one use), for staff and admins only."""
    _ = turn._
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        return [Reply(_("Perintah /dasbor hanya untuk petugas kelurahan."))]
    link = await dashboard.create_login_link(turn.uow, turn.domain, staff, _.lang, turn.now)
    return [
        Reply(_("Tautan masuk dasbor (berlaku 10 menit, sekali pakai; jangan dibagikan):\n{link}").format(link=link))
    ]


# What this flow owns --------------------------------------------------------------------------------------


async def drop(turn: Turn) -> list[Reply]:
    """Batal at any staff step: the draft is thrown away, back to the staff menu."""
    turn.clear_state()
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        return [turn.main_menu(turn._("Dibatalkan."))]
    return [staff_menu(turn, staff, dropped_text(turn))]


def _reminder(turn: Turn) -> Reply:
    _ = turn._
    prompts = {
        STAFF_TARGET: _("Pengumuman untuk kelurahan mana? Ketik namanya."),
        STAFF_TEXT: _("Draf pengumuman masih terbuka: ketik isinya, atau pilih penerima."),
        STAFF_WHEN: _("Kapan dikirim? Contoh: besok jam 8 pagi (WIB)."),
        STAFF_CONFIRM: _("Pengumuman belum dikirim: tekan Kirim atau Batal."),
    }
    return Reply(prompts.get(turn.state, _("Menu petugas.")), (Button("staff:drop", _("Batal")),))


@router.step(STAFF_TARGET, STAFF_WHEN, reminder=_reminder, cancel=drop)
async def staff_step(turn: Turn, said: Said) -> list[Reply] | None:
    return await on_text(turn, said.text)


@router.step(STAFF_TEXT, reminder=_reminder, cancel=drop, free_text=True)
async def staff_text_step(turn: Turn, said: Said) -> list[Reply] | None:
    return await on_text(turn, said.text)


@router.step(STAFF_CONFIRM, reminder=_reminder, cancel=drop)
async def staff_confirm_step(turn: Turn, said: Said) -> list[Reply] | None:
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return None
    what = edit_of(said.text)  # before the yes/no: "hapus draf" holds a "hapus", which is not a "kirim"
    if what is not None:
        return await edit_draft(turn, staff, what)
    if said.bare_answer is True or SURE.match(said.lowered.strip()):
        return await send(turn, staff)
    if said.bare_answer is False:
        return await drop(turn)
    when = parse_when(said.text, turn.now)
    if when is not None:  # a corrected time
        return await confirm(turn, when)
    _ = turn._
    return [
        Reply(
            _(
                "Ketik “kirim” untuk mengirim, “batal” untuk membuang draf, “ganti teks” atau “ganti penerima” "
                "untuk mengubahnya, atau waktu lain (contoh: besok jam 9)."
            ),
            (Button("staff:send", _("Kirim")), Button("staff:drop", _("Batal"))),
        )
    ]


@router.button("staff")
async def staff_button(turn: Turn, argument: str) -> list[Reply]:
    return await on_button(turn, argument)


async def menu_of_staff(turn: Turn) -> list[Reply] | None:
    """A staff member's "menu": the staff menu (with the way to the citizen menu). None for a citizen."""
    current = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if current is None:
        return None
    turn.clear_state()
    return [staff_menu(turn, current)]


async def typed_action(turn: Turn, said: Said) -> list[Reply] | None:
    """ "buat pengumuman", "lihat daftar pengumuman" typed by a staff member: the staff menu's action.
    None for everyone else (a citizen asking for announcements subscribes instead)."""
    found = next(((name, m) for pattern, name in STAFF_ACTIONS if (m := pattern.search(said.lowered))), None)
    if found is None or await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key) is None:
        return None
    action, typed = found
    if action == "cancel":  # "batalkan #3": that broadcast, through the same scope checks as the button
        return await on_button(turn, f"cancel:{typed[2]}")
    return await on_button(turn, action)
