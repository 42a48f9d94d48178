"""Kelurahan staff answer citizens' tickets from the chat: `/tiket` lists their kelurahan's open tickets
(oldest first), one opens with its messages; take, reply (the "Balas" button then one message, or a reply-to
on the notice), internal note, transfer to another kelurahan, close.

Scope is enforced by sigap_core.tickets alone: another kelurahan's ticket comes back exactly like a missing
one, and it is answered here as "not found".
"""

from __future__ import annotations

import re
from datetime import datetime

from handlers.context import Turn
from handlers.flow import ButtonHandler, Router
from handlers.flows import kelurahan as kelurahan_flow
from handlers.flows import tickets as ticket_flow
from handlers.flows.staff import WIB, says_send, staff_menu, thanks_only
from handlers.flows.tickets import TOPICS
from handlers.model import MAX_ROW_DESCRIPTION, MAX_ROW_TITLE, Button, Kind, Menu, Reply, Row
from handlers.understanding import Said
from sigap_core import tickets as service
from sigap_core.broadcasts import staff_of
from sigap_core.i18n import N_
from sigap_core.store.models import Staff

STAFF_TICKET_REPLY = "staff_ticket_reply"
STAFF_TICKET_NOTE = "staff_ticket_note"
STAFF_TICKET_TRANSFER = "staff_ticket_transfer"
STAFF_TICKET_VIEW = "staff_ticket_view"  # a ticket was just shown: typed text is likely its answer
STAFF_TICKET_DRAFT = "staff_ticket_draft"  # typed text offered as the answer, waiting for "Kirim"
MAX_ANSWER = 2000
LIST_LIMIT = 9  # a WhatsApp list holds 10 rows: 9 tickets and the way back
HISTORY_ROOM = 3000  # characters of messages shown with a ticket (the newest; the rest is said to exist)

router = Router("ticket_staff")

ERRORS = {
    "not_found": N_("Tiket {number} tidak ditemukan."),
    "closed": N_("Tiket {number} sudah ditutup, jadi tidak bisa diubah lagi. Jawaban tidak dikirim."),
    "empty": N_("Pesannya kosong. Ketik isinya dengan kata-kata."),
    "too_long": N_("Terlalu panjang: paling banyak {limit} karakter. Persingkat, ya."),
    "taken_by_other": N_("Tiket {number} sudah diambil petugas lain."),
    "same_kelurahan": N_("Tiket {number} sudah di kelurahan itu."),
    "unknown_kelurahan": N_("Kelurahan itu tidak ada di Kota Bekasi."),
}
STATES = {"open": N_("menunggu jawaban"), "answered": N_("sudah dijawab"), "closed": N_("ditutup")}
AUTHORS = {"citizen": N_("Warga"), "staff": N_("Petugas"), "note": N_("Catatan internal"), "system": N_("Sistem")}
_TYPED_LIST = re.compile(
    r"^(/?tiket|tickets?|my tickets?|daftar tiket|lihat tiket|cek tiket|status tiket|list tiket"
    r"|tiket (warga|terbuka|masuk|saya|sy))$"
)
_TYPED_ONE = re.compile(r"^(?:/?tiket|ticket)?\s*(?:(?:no|nomor|nomer|nmr|number)\.?\s*)?#?(\d{1,9})$")
# The same in free words: "ada tiket masuk ga?", "tiket warga yg blm dijawab apa aja", "cek tiket baru dong";
# "buka tiket 4", "liat tiket no 4", "open ticket #4".
_TICKET_WORD = re.compile(r"\b(tiket\w*|ticket\w*|tikets?)\b")
# What staff call tickets: the residents' questions ("ada pertanyaan warga ga?", "ada yg nanya?", "komplain
# masuk apa aja"). Only with the residents or their coming in named, so a staff member's own question
# ("ada pertanyaan nih, …") is not the list.
_CITIZEN_QUESTIONS = re.compile(
    r"\b(pertanyaan|aduan|komplain|keluhan|pesan|chat)\w* (dari |para )?(warga|masuk|baru|yg masuk|yang masuk)\b"
    r"|\b(warga|orang) (yg|yang) (nanya|tanya|bertanya|komplain|ngadu)\b|^(ada )?(yg|yang) (nanya|tanya|komplain)\b"
)
_LIST_CUE = re.compile(
    r"\b(ada|lihat|liat|cek|check|daftar|list|masuk|baru|terbuka|belum|blm|warga|semua|apa aja|apa saja|mana"
    r"|show|open|pending|menunggu|antrian|antrean)\b"
)
_OPEN_ONE = re.compile(
    r"^(?:tolong\s+)?(?:buka|bukain|lihat|liat|cek|check|open|show|detail|baca)\s+(?:tiket\w*|ticket)?\s*"
    r"(?:no\.?|nomor|nomer|#)?\s*#?(\d{1,9})\b[\s.!?]*(?:dong|ya|deh|pak|bu)?[\s.!?]*$"
)
# A ticket action typed with its number: "tutup tiket 4", "balas 4 sudah kami cek pak", "ambil #4",
# "alihkan tiket 1 ke kaliabang tengah", "catat 4 sudah ditelepon".
_VERBS = {
    **dict.fromkeys(
        ("balas", "bls", "bales", "balesin", "balasin", "jawab", "jawabin", "reply", "answer", "respon", "respond"),
        "tiket_balas",
    ),
    **dict.fromkeys(("tutup", "close", "selesai", "selesaikan"), "tiket_tutup"),
    **dict.fromkeys(("ambil", "take", "klaim"), "tiket_ambil"),
    **dict.fromkeys(("alihkan", "alihin", "pindahkan", "pindahin", "transfer", "teruskan", "oper"), "tiket_alih"),
    **dict.fromkeys(("catat", "catatan", "note", "catatan internal"), "tiket_catat"),
}
_VERB = "|".join(sorted((re.escape(v) for v in _VERBS), key=len, reverse=True))
_TYPED_ACTION = re.compile(
    rf"^(?P<verb>{_VERB})(?:\s+(?:tiket|ticket|no\.?|nomor|nomer))?\s*#?(?P<id>\d{{1,9}})\b[\s:,.\-]*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# The same without a number, for the ticket just shown: "Alihkan", "tutup tiket", "alihkan ke jatibening".
_BARE_ACTION = re.compile(
    rf"^(?:(?:udah|sudah|udh|oke|ok|sip|ya|iya|beres|selesai|saya|sy|aku|gw|i'?ll|i will|let me|please|pls)"
    rf"[\s,.!]+)*(?:tolong\s+)?(?P<verb>{_VERB})(?:in|kan|nya)?"
    r"(?:\s+(?:(?:tiket|ticket)(?:nya)?|ini|itu|this|the|it|aja|saja|dong|ya|deh|dulu|sekarang|skrg|now|please))*"
    r"(?:\s+(?P<rest>(?:ke|to)\s.+?))?[\s.!]*$",
    re.IGNORECASE | re.DOTALL,
)
_TO = re.compile(r"^(?:ke|to)\s+(?:kelurahan\s+|kel\.?\s+)?", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")


def number_of(ticket_id: int | str) -> str:
    return f"#{ticket_id}"


def _error(turn: Turn, code: str, ticket_id: int | str) -> str:
    _ = turn._
    template = ERRORS.get(code)
    text = _(template) if template else _("Permintaan itu tidak bisa diproses.")
    return text.format(number=number_of(ticket_id), limit=_.number(MAX_ANSWER))


def _code(result: object) -> str:
    error = getattr(result, "error", None)
    return str(getattr(error, "value", error) or "")


def age_text(turn: Turn, since: datetime, now: datetime) -> str:
    _ = turn._
    if since.tzinfo is None:
        since = since.replace(tzinfo=now.tzinfo)
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("{n} menit").format(n=minutes)
    if minutes < 24 * 60:
        return _("{n} jam").format(n=minutes // 60)
    return _("{n} hari").format(n=minutes // (24 * 60))


def _when(turn: Turn, moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=turn.now.tzinfo)
    local = moment.astimezone(WIB)
    return f"{turn._.date(local.date())} {local:%H.%M} WIB"


def _channel_name(channel: str) -> str:
    return {"telegram": "Telegram", "whatsapp": "WhatsApp"}.get(channel, channel)


async def _staff(turn: Turn) -> Staff | None:
    return await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)


def _not_staff(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Fitur ini khusus petugas kelurahan."))]


def _back(turn: Turn, ticket_id: int | None = None) -> tuple[Button, ...]:
    _ = turn._
    buttons = [Button("tiket_daftar", _("Daftar tiket")), Button("staff:menu", _("Menu petugas"))]
    if ticket_id is not None:
        buttons.insert(0, Button(f"tiket_buka:{ticket_id}", _("Buka tiket")))
    return tuple(buttons)


# The list and one ticket ------------------------------------------------------------------------------------


async def list_for(turn: Turn, staff: Staff, lead: str = "") -> list[Reply]:
    _ = turn._
    turn.clear_state()
    items = await service.list_for_staff(turn.uow, staff, limit=LIST_LIMIT + 1, now=turn.now)
    more, items = len(items) > LIST_LIMIT, items[:LIST_LIMIT]
    where = (
        _("Kelurahan {kelurahan}").format(kelurahan=_place(turn, staff.kode_kelurahan))
        if staff.kode_kelurahan
        else _("seluruh Kota Bekasi")
    )
    if not items:
        text = _("Tidak ada tiket terbuka untuk {where}.").format(where=where)
        buttons = (
            Button("tiket_daftar", _("Muat ulang")),
            Button("staff:menu", _("Menu petugas")),
            Button("menu", _("Menu warga")),
        )
        return [Reply(f"{lead}\n\n{text}" if lead else text, buttons)]
    lines = [_("Tiket terbuka untuk {where}, terlama dulu:").format(where=where)]
    rows = []
    for item in items:
        age = age_text(turn, item.created_at, turn.now)
        state = _(STATES.get(item.state, item.state))
        line = f"{item.number} · {age} · {_(item.topic) if item.topic else _(TOPICS['other'])} · {state}"
        if not staff.kode_kelurahan:
            line += f" · {item.kelurahan}"
        lines.append(f"{line}\n   “{_short(item.question, 80)}”")
        rows.append(
            Row(
                f"tiket_buka:{item.id}",
                _short(f"{item.number} · {age}", MAX_ROW_TITLE),
                _short(item.question, MAX_ROW_DESCRIPTION),
            )
        )
    rows.append(Row("staff:menu", _("Menu petugas")))
    if more:
        lines.append(_("Ada tiket terbuka lain yang lebih baru; yang terlama ditampilkan dulu. Semua tiket: /dasbor."))
    text = "\n".join(lines)
    if lead:
        text = f"{lead}\n\n{text}"
    return [Reply(text, menu=Menu(_("Buka tiket"), tuple(rows)))]


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _place(turn: Turn, kode: str | None) -> str:
    place = turn.domain.wilayah.get(kode) if kode else None
    return place.name if place else (kode or "")


async def show(turn: Turn, staff: Staff, ticket_id: int, lead: str = "") -> list[Reply]:
    _ = turn._
    turn.clear_state()
    detail = await service.get_for_staff(turn.uow, staff, ticket_id, turn.now)
    if detail is None:
        return [Reply(_error(turn, "not_found", ticket_id), _back(turn))]
    ticket = detail.ticket
    head = [
        _("Tiket {number} · Kelurahan {kelurahan} · {channel}").format(
            number=ticket.number, kelurahan=ticket.kelurahan, channel=_channel_name(ticket.channel)
        ),
        _("Topik: {topic} · {state} · dibuat {when} ({age} lalu)").format(
            topic=_(ticket.topic) if ticket.topic else _(TOPICS["other"]),
            state=_(STATES.get(ticket.state, ticket.state)),
            when=_when(turn, ticket.created_at),
            age=age_text(turn, ticket.created_at, turn.now),
        ),
    ]
    if ticket.assignee_staff_id is not None:
        head.append(
            _("Diambil: Anda")
            if ticket.assignee_staff_id == staff.id
            else _("Diambil: petugas lain (ID petugas {id})").format(id=ticket.assignee_staff_id)
        )
    if ticket.shared_status:
        label = service.STATUS_LABELS.get(ticket.shared_status)
        head.append(
            _("Status kelayakan (dibagikan warga): {status}").format(status=_(label) if label else ticket.shared_status)
        )
    else:
        head.append(_("Warga tidak membagikan status kelayakan."))
    history: list[str] = []
    room = HISTORY_ROOM
    for message in reversed(detail.messages):
        author = _(AUTHORS.get(message.author, message.author))
        if message.staff_id is not None and message.author in ("staff", "note"):
            who = _("Anda") if message.staff_id == staff.id else _("ID petugas {id}").format(id=message.staff_id)
            author = f"{author} · {who}"
        entry = f"{author} ({_when(turn, message.created_at)}):\n{message.text}"
        if len(entry) > room and history:
            break
        history.insert(0, entry)  # whole: a message is never cut, older ones are left out and counted
        room -= len(entry)
    hidden = len(detail.messages) - len(history)
    if hidden:
        history.insert(0, _("({n} pesan sebelumnya tidak ditampilkan)").format(n=hidden))
    if not detail.messages:
        history.append(
            _(
                "(Isi tiket ini sudah dihapus: warga meminta datanya dihapus, atau masa simpannya habis. "
                "Warga tidak bisa menerima jawaban lagi.)"
            )
        )
    text = "\n".join(head) + "\n\n" + "\n\n".join(history)
    if lead:
        text = f"{lead}\n\n{text}"
    if ticket.state == "closed":
        return [Reply(text, _back(turn))]
    rows = [
        Row(f"tiket_balas:{ticket.id}", _("Balas"), _("Jawaban dikirim ke warga")),
        Row(f"tiket_ambil:{ticket.id}", _("Ambil"), _("Tandai tiket ini sebagai tugas Anda")),
        Row(f"tiket_catat:{ticket.id}", _("Catatan internal"), _("Hanya dibaca petugas")),
        Row(f"tiket_alih:{ticket.id}", _("Alihkan"), _("Ke kelurahan lain")),
        Row(f"tiket_tutup:{ticket.id}", _("Tutup tiket"), _("Warga diminta menilai jawaban")),
        Row("tiket_daftar", _("Daftar tiket")),
    ]
    if ticket.assignee_staff_id == staff.id:
        del rows[1]  # already this officer's: no "Ambil"
    # Text typed next is most likely the answer: offered to send (`view_step`), never lost.
    turn.set_state(STAFF_TICKET_VIEW, ticket=ticket.id)
    return [Reply(text, menu=Menu(_("Pilih tindakan"), tuple(rows)))]


# Actions ----------------------------------------------------------------------------------------------------


def _ask_text(turn: Turn, state: str, ticket_id: int) -> list[Reply]:
    _ = turn._
    turn.set_state(state, ticket=ticket_id)
    if state == STAFF_TICKET_REPLY:
        text = _(
            "Ketik jawaban untuk tiket {number} dalam satu pesan. Warga menerimanya persis seperti yang Anda ketik."
        )
    else:
        text = _("Ketik catatan internal untuk tiket {number}. Hanya petugas yang membacanya, warga tidak.")
    return [Reply(text.format(number=number_of(ticket_id)), (Button("tiket_batal", _("Batal")),))]


async def reply(turn: Turn, staff: Staff, ticket_id: int, text: str) -> list[Reply]:
    turn.written_for_others()  # the answer's language is the citizen's, not necessarily the officer's
    _ = turn._
    if turn.state in (STAFF_TICKET_REPLY, STAFF_TICKET_DRAFT, STAFF_TICKET_VIEW):
        turn.clear_state()  # (a reply-to on a notice leaves any other draft where it was)
    result = await service.reply(turn.uow, staff, ticket_id, turn.now, text)
    if not result.ok:
        return [Reply(_error(turn, _code(result), ticket_id), _back(turn, _open_again(result, ticket_id)))]
    return [
        Reply(
            _("Jawaban untuk tiket {number} sudah masuk antrean dan segera dikirim ke warga.").format(
                number=number_of(ticket_id)
            ),
            (
                Button(f"tiket_tutup:{ticket_id}", _("Tutup tiket")),
                Button(f"tiket_buka:{ticket_id}", _("Buka tiket")),
                Button("tiket_daftar", _("Daftar tiket")),
            ),
        )
    ]


def _open_again(result: object, ticket_id: int) -> int | None:
    """Offer to open the ticket again only when there is one to open."""
    return None if _code(result) == "not_found" else ticket_id


async def note(turn: Turn, staff: Staff, ticket_id: int, text: str) -> list[Reply]:
    turn.written_for_others()
    _ = turn._
    turn.clear_state()
    result = await service.note(turn.uow, staff, ticket_id, turn.now, text)
    if not result.ok:
        return [Reply(_error(turn, _code(result), ticket_id), _back(turn, _open_again(result, ticket_id)))]
    return [Reply(_("Catatan disimpan di tiket {number}.").format(number=number_of(ticket_id)), _back(turn, ticket_id))]


async def take(turn: Turn, staff: Staff, ticket_id: int) -> list[Reply]:
    _ = turn._
    result = await service.take(turn.uow, staff, ticket_id, turn.now)
    if not result.ok:
        return [Reply(_error(turn, _code(result), ticket_id), _back(turn, _open_again(result, ticket_id)))]
    return await show(
        turn, staff, ticket_id, _("Tiket {number} sekarang tugas Anda.").format(number=number_of(ticket_id))
    )


async def ask_close(turn: Turn, staff: Staff, ticket_id: int) -> list[Reply]:
    _ = turn._
    detail = await service.get_for_staff(turn.uow, staff, ticket_id, turn.now)
    if detail is None:
        return [Reply(_error(turn, "not_found", ticket_id), _back(turn))]
    if detail.ticket.state == "closed":
        return [Reply(_error(turn, "closed", ticket_id), _back(turn))]
    text = _("Tutup tiket {number}? Warga akan ditanya apakah jawabannya membantu.")
    if detail.ticket.state == "open" and detail.ticket.first_response_at is None:
        text = _("Tiket {number} belum dijawab. Tetap tutup? Warga akan ditanya apakah jawabannya membantu.")
    elif detail.ticket.state == "open":
        text = _(
            "Pesan terakhir warga di tiket {number} belum dijawab. Tetap tutup? Warga akan ditanya apakah "
            "jawabannya membantu."
        )
    return [
        Reply(
            text.format(number=number_of(ticket_id)),
            (Button(f"tiket_tutup:{ticket_id}:ya", _("Ya, tutup")), Button(f"tiket_buka:{ticket_id}", _("Batal"))),
        )
    ]


async def close(turn: Turn, staff: Staff, ticket_id: int) -> list[Reply]:
    _ = turn._
    result = await service.close(turn.uow, staff, ticket_id, turn.now)
    if not result.ok:
        return [Reply(_error(turn, _code(result), ticket_id), _back(turn))]
    return await list_for(
        turn,
        staff,
        _("Tiket {number} ditutup. Warga diminta menilai jawabannya.").format(number=number_of(ticket_id)),
    )


async def ask_transfer(turn: Turn, staff: Staff, ticket_id: int) -> list[Reply]:
    _ = turn._
    if await service.get_for_staff(turn.uow, staff, ticket_id, turn.now) is None:
        return [Reply(_error(turn, "not_found", ticket_id), _back(turn))]
    turn.set_state(STAFF_TICKET_TRANSFER, ticket=ticket_id)
    return [
        Reply(
            _("Alihkan tiket {number} ke kelurahan mana? Ketik namanya, contoh: Jatibening.").format(
                number=number_of(ticket_id)
            ),
            (Button("tiket_batal", _("Batal")),),
        )
    ]


async def transfer(turn: Turn, staff: Staff, ticket_id: int, text: str) -> list[Reply]:
    _ = turn._
    place = kelurahan_flow.from_text(turn, text)
    if place is None:
        return [
            Reply(
                _("Kelurahan itu tidak ada di Kota Bekasi. Ketik lagi namanya, contoh: Jatibening."),
                (Button("tiket_batal", _("Batal")),),
            )
        ]
    turn.clear_state()
    result = await service.transfer(turn.uow, staff, ticket_id, turn.now, place.code)
    if not result.ok:
        return [Reply(_error(turn, _code(result), ticket_id), _back(turn, _open_again(result, ticket_id)))]
    return await list_for(
        turn,
        staff,
        _("Tiket {number} dialihkan ke Kelurahan {kelurahan}; petugasnya diberi tahu.").format(
            number=number_of(ticket_id), kelurahan=place.name
        ),
    )


# Entry points -----------------------------------------------------------------------------------------------


async def command(turn: Turn, text: str) -> list[Reply]:
    """`/tiket` (the list) or `/tiket 12` (one ticket)."""
    staff = await _staff(turn)
    if staff is None:
        return [Reply(turn._("Perintah /tiket hanya untuk petugas kelurahan. Warga: ketik “tanya petugas”."))]
    argument = text.split(maxsplit=1)[1].strip().lstrip("#") if len(text.split()) > 1 else ""
    if argument.isdigit():
        return await show(turn, staff, int(argument))
    return await list_for(turn, staff)


async def typed(turn: Turn, said: Said) -> list[Reply] | None:
    """ "tiket", "daftar tiket", "tiket 12", "#12" typed by a staff member; a citizen typing "tiket saya"
    gets their own ticket's state. None for anything else."""
    lowered = " ".join(said.lowered.split())
    one = _TYPED_ONE.match(lowered) if lowered.startswith(("#", "tiket", "ticket")) else None
    one = one or _OPEN_ONE.match(lowered)
    action = None if one else _TYPED_ACTION.match(said.text.strip())
    numbered = None if one or action else _numbered_action(lowered)
    exact_list = None if one or action or numbered else _TYPED_LIST.match(lowered)
    free_list = not (one or action or numbered or exact_list) and _asks_list(lowered)
    listing = exact_list or free_list
    # A bare "Alihkan" is for the ticket on the screen (the view's own step); with none, which one is asked.
    bare = None if action or turn.state else _BARE_ACTION.match(said.text.strip())
    status = not (listing or one or action or bare or numbered) and ticket_flow.asks_status(said)
    if not listing and not one and not action and not bare and not status and not numbered:
        return None
    staff = await _staff(turn)
    if staff is None:
        if action or bare or numbered:
            return None  # "balas 4 …" or "tutup" from a citizen is no command
        if free_list and not ticket_flow.asks_status(said):
            return None  # "harga tiket masuk berapa": the staff list in free words is for staff only
        return await ticket_flow.status(turn)  # a citizen asking about their own ticket
    if bare and (shown := _ticket_on_screen(turn)) is not None:
        # "tutup tiketnya" right after an answer was sent: the ticket whose buttons are on the screen.
        return await _typed_action(turn, staff, _VERBS[bare["verb"].lower()], shown, bare["rest"] or "")
    if bare:
        # "Alihkan" with no ticket on the screen: which one?
        _ = turn._
        return [
            Reply(
                _("Tiket yang mana? Ketik nomornya juga, contoh: “{example}”, atau buka daftar dengan /tiket.").format(
                    example=f"{bare['verb'].lower()} 4"
                ),
                (Button("tiket_daftar", _("Daftar tiket")), Button("staff:menu", _("Menu petugas"))),
            )
        ]
    if action:
        return await _typed_action(turn, staff, _VERBS[action["verb"].lower()], int(action["id"]), action["rest"])
    if numbered:
        return await _on_button(turn, numbered[0], str(numbered[1]))
    if one:
        return await show(turn, staff, int(one.group(1)))
    return await list_for(turn, staff)


_AS_NOTE = re.compile(r"\b(catat\w*|note|simpan)\b")
# A ticket action said in a sentence with the ticket's number: "tiket #4 udah selesai, tutup ya",
# "yg #4 sy ambil". Only the actions that need no text (closing still asks to confirm).
_NUMBERED = re.compile(r"(?:\b(?:tiket|ticket)\s*(?:no\.?|nomor|nomer)?\s*#?|#)(\d{1,9})\b")
_NO_TEXT_VERBS = {verb: action for verb, action in _VERBS.items() if action in ("tiket_tutup", "tiket_ambil")}
_NO_TEXT_VERB = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _NO_TEXT_VERBS), key=len, reverse=True)) + r")(?:in|kan|nya)?\b"
)


def _numbered_action(lowered: str) -> tuple[str, int] | None:
    if len(lowered.split()) > 10:
        return None
    number = _NUMBERED.search(lowered)
    verb = _NO_TEXT_VERB.search(lowered)
    return (_NO_TEXT_VERBS[verb[1]], int(number[1])) if number and verb else None


def _asks_list(lowered: str) -> bool:
    """ "ada tiket masuk ga?", "tiket warga apa aja": the list, asked in free words (no number in it)."""
    words = lowered.split()
    return (
        len(words) <= 10
        and bool(_TICKET_WORD.search(lowered) or _CITIZEN_QUESTIONS.search(lowered))
        and bool(_LIST_CUE.search(lowered) or _CITIZEN_QUESTIONS.search(lowered))
        and not any(ch.isdigit() for ch in lowered)
        and not _VERB_FIRST.match(lowered)
    )


_VERB_FIRST = re.compile(rf"^(?:{_VERB})\b", re.IGNORECASE)
_ON_SCREEN = re.compile(r"^tiket_(?:tutup|buka|balas|alih|ambil|catat):(\d{1,9})$")


def _ticket_on_screen(turn: Turn) -> int | None:
    """The one ticket the last reply's buttons act on, if there is exactly one."""
    shown = {int(m[1]) for choice, _label in (turn.choices or []) if (m := _ON_SCREEN.match(choice))}
    return shown.pop() if len(shown) == 1 else None


async def _typed_action(turn: Turn, staff: Staff, action: str, ticket_id: int, rest: str) -> list[Reply]:
    """A typed action: with its text ("balas 4 sudah kami cek", "alihkan 4 ke jatibening") done at once
    (closing still asks to confirm); without, the same as pressing its button."""
    rest = rest.strip()
    if rest and _LETTERS.search(rest):
        if action == "tiket_balas":
            return await reply(turn, staff, ticket_id, rest)
        if action == "tiket_catat":
            return await note(turn, staff, ticket_id, rest)
        if action == "tiket_alih":
            return await transfer(turn, staff, ticket_id, _TO.sub("", rest))
    return await _on_button(turn, action, str(ticket_id))


async def not_understood(turn: Turn) -> list[Reply] | None:
    """A staff member's message the bot cannot place (most likely an answer typed with no ticket open): how to
    send it, never a bare "belum mengerti" with the citizen menu. None for a citizen (and for a short message,
    without asking the database: "hmm gimana ya" from a citizen costs no query)."""
    if len(turn.msg.text.split()) < 4:
        return None
    staff = await _staff(turn)
    if staff is None:
        return None
    _ = turn._
    text = _(
        "Pesan itu belum saya kirim ke siapa pun. Kalau itu jawaban untuk warga: buka tiketnya (/tiket), lalu "
        "tekan Balas atau ketik jawabannya; atau ketik langsung “balas 4 …” dengan nomor tiketnya."
    )
    return [Reply(text, (Button("tiket_daftar", _("Daftar tiket")), Button("staff:menu", _("Menu petugas"))))]


async def on_reply_to(turn: Turn, said: Said | None) -> list[Reply] | None:
    """A staff member's reply (the platform's reply-to) on a ticket notice is the answer to that ticket.
    None when the chat is not staff or the replied-to message is not a ticket notice."""
    msg = turn.msg
    if not msg.reply_to:
        return None
    staff = await _staff(turn)
    if staff is None:
        return None
    ticket_id = await service.ticket_of_reply(turn.uow, staff, msg.channel, msg.user_key, msg.reply_to)
    if ticket_id is None:
        return None
    _ = turn._
    if msg.kind is not Kind.TEXT:
        return [
            Reply(
                _(
                    "Jawaban untuk warga harus berupa teks: suara, foto, dan stiker tidak diteruskan. Ketik "
                    "jawabannya sebagai balasan pesan tiket, atau tekan Balas."
                ),
                (Button(f"tiket_balas:{ticket_id}", _("Balas")), Button(f"tiket_buka:{ticket_id}", _("Buka tiket"))),
            )
        ]
    text = msg.text.strip()
    if len(text) > MAX_ANSWER:
        return [
            Reply(
                _(
                    "Jawaban Anda {length} karakter; paling banyak {limit}. Belum ada yang terkirim. Persingkat, ya."
                ).format(length=_.number(len(text)), limit=_.number(MAX_ANSWER)),
                (Button(f"tiket_balas:{ticket_id}", _("Balas")),),
            )
        ]
    if said is None or text.startswith("/"):
        return None
    if said.escape in ("cancel", "menu") and len(text.split()) <= 2:
        return None  # "menu" typed as a reply: the way out, not an answer
    if not re.search(r"[^\W_]", text):
        return [Reply(_("Jawabannya belum ada kata-katanya. Ketik jawaban untuk warga, ya."))]
    return await reply(turn, staff, ticket_id, text)


# What this flow owns ----------------------------------------------------------------------------------------


def _reminder(turn: Turn) -> Reply:
    _ = turn._
    ticket = number_of(turn.data.get("ticket", ""))
    if turn.state == STAFF_TICKET_VIEW:
        return Reply(
            _("Tiket {number} masih terbuka di layar Anda: tekan Balas, atau ketik jawabannya.").format(number=ticket),
            (
                Button(f"tiket_balas:{turn.data.get('ticket', '')}", _("Balas")),
                Button("tiket_daftar", _("Daftar tiket")),
            ),
        )
    if turn.state == STAFF_TICKET_DRAFT:
        return _draft_offer(turn, int(turn.data.get("ticket") or 0), str(turn.data.get("draft") or ""))
    prompts = {
        STAFF_TICKET_REPLY: _("Ketik jawaban untuk tiket {number} (teks), atau tekan Batal."),
        STAFF_TICKET_NOTE: _("Ketik catatan internal untuk tiket {number}, atau tekan Batal."),
        STAFF_TICKET_TRANSFER: _("Ketik nama kelurahan tujuan tiket {number}, atau tekan Batal."),
    }
    return Reply(
        prompts.get(turn.state, _("Menu petugas.")).format(number=ticket), (Button("tiket_batal", _("Batal")),)
    )


def _too_long(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _("Pesan Anda {length} karakter; paling banyak {limit}. Belum ada yang terkirim. Persingkat, ya.").format(
            length=_.number(len(turn.msg.text)), limit=_.number(MAX_ANSWER)
        ),
        (Button("tiket_batal", _("Batal")),),
    )


async def _drop(turn: Turn) -> list[Reply]:
    ticket_id = turn.data.get("ticket")
    turn.clear_state()
    staff = await _staff(turn)
    if staff is None:
        return [turn.main_menu(turn._("Dibatalkan."))]
    if isinstance(ticket_id, int):
        return await show(turn, staff, ticket_id, turn._("Dibatalkan; tidak ada yang dikirim."))
    return await list_for(turn, staff, turn._("Dibatalkan; tidak ada yang dikirim."))


@router.step(
    STAFF_TICKET_REPLY,
    STAFF_TICKET_NOTE,
    reminder=_reminder,
    cancel=_drop,
    free_text=True,
    max_text=MAX_ANSWER,
    too_long=_too_long,
)
async def text_step(turn: Turn, said: Said) -> list[Reply] | None:
    staff = await _staff(turn)
    ticket_id = turn.data.get("ticket")
    if staff is None or not isinstance(ticket_id, int):
        turn.clear_state()
        return None
    text = said.text.strip()
    if not re.search(r"[^\W_]", text):
        return [Reply(turn._("Pesannya belum ada kata-katanya. Ketik dengan kata-kata, ya.")), _reminder(turn)]
    if turn.state == STAFF_TICKET_REPLY:
        return await reply(turn, staff, ticket_id, text)
    return await note(turn, staff, ticket_id, text)


@router.step(STAFF_TICKET_TRANSFER, reminder=_reminder, cancel=_drop)
async def transfer_step(turn: Turn, said: Said) -> list[Reply] | None:
    staff = await _staff(turn)
    ticket_id = turn.data.get("ticket")
    if staff is None or not isinstance(ticket_id, int):
        turn.clear_state()
        return None
    typed_instead = await typed(turn, said)  # "#4", "tiket 5", "tutup 4": another command, not a kelurahan
    if typed_instead is not None:
        return typed_instead
    bare = _BARE_ACTION.match(said.text.strip())
    if bare and _VERBS[bare["verb"].lower()] == "tiket_alih" and bare["rest"]:
        return await transfer(turn, staff, ticket_id, _TO.sub("", bare["rest"]))  # "alihkan ke jatibening"
    return await transfer(turn, staff, ticket_id, said.text)


def _draft_offer(turn: Turn, ticket_id: int, draft: str) -> Reply:
    _ = turn._
    return Reply(
        _("Kirim pesan ini ke warga sebagai jawaban tiket {number}?\n\n“{draft}”").format(
            number=number_of(ticket_id), draft=draft
        ),
        (
            Button(f"tiket_kirim:{ticket_id}", _("Ya, kirim")),
            Button(f"tiket_catat_draf:{ticket_id}", _("Simpan jadi catatan")),
            Button("tiket_batal", _("Batal")),
        ),
    )


async def _exit_view(turn: Turn) -> list[Reply]:
    if turn.state == STAFF_TICKET_DRAFT:
        return await _drop(turn)  # the draft: "Dibatalkan; tidak ada yang dikirim.", the ticket again
    staff = await _staff(turn)
    turn.clear_state()
    if staff is None:
        return [turn.main_menu(turn._("Dibatalkan."))]
    return await list_for(turn, staff)


@router.step(
    STAFF_TICKET_VIEW,
    STAFF_TICKET_DRAFT,
    reminder=_reminder,
    cancel=_exit_view,
    own_escapes=("menu",),
    free_text=True,  # "Gak usah bawa KK, Bu" or "Kembali ke kantor" is an answer: only a bare "batal"/"menu" leave
    max_text=MAX_ANSWER,
    too_long=_too_long,
)
async def view_step(turn: Turn, said: Said) -> list[Reply] | None:
    """Text right after a ticket was shown (or after a draft was offered): a typed command ("tutup",
    "alihkan ke jatibening", "tiket 5"); a clear request of its own (served as such); otherwise the likely
    answer, offered to send with a button — never sent unasked, never lost."""
    staff = await _staff(turn)
    ticket_id = turn.data.get("ticket")
    if staff is None or not isinstance(ticket_id, int):
        turn.clear_state()
        return None
    drafting = turn.state == STAFF_TICKET_DRAFT
    if said.escape == "menu":
        turn.clear_state()  # (a draft is dropped: it was never sent)
        return [staff_menu(turn, staff)]
    typed_instead = await typed(turn, said)
    if typed_instead is not None:
        return typed_instead
    text = said.text.strip()
    bare = _BARE_ACTION.match(text)
    if bare:
        return await _typed_action(turn, staff, _VERBS[bare["verb"].lower()], ticket_id, bare["rest"] or "")
    if drafting and len(text.split()) <= 5 and _AS_NOTE.search(said.lowered):
        return await note(turn, staff, ticket_id, str(turn.data.get("draft") or ""))  # "jadiin catatan aja"
    if drafting and thanks_only(said.lowered) and len(text.split()) <= 4:  # "makasih ya": no instruction to send
        draft = str(turn.data.get("draft") or "")
        return [Reply(turn._("Sama-sama. Jawaban ini belum dikirim.")), _draft_offer(turn, ticket_id, draft)]
    if drafting and (then := _send_then(text)) is not None:
        # "kirim, terus tutup tiketnya": the answer sent, then the other action (closing still asks)
        sent = await reply(turn, staff, ticket_id, str(turn.data.get("draft") or ""))
        return [*sent, *await _typed_action(turn, staff, _VERBS[then["verb"].lower()], ticket_id, then["rest"] or "")]
    # a bare yes in a few words, or the sending verb as the whole message ("kirimin ke warganya aja")
    if drafting and ((len(text.split()) <= 3 and said.bare_answer is True) or says_send(text)):
        return await reply(turn, staff, ticket_id, str(turn.data.get("draft") or ""))  # "kirimm", "kirimkan"
    if drafting and said.bare_answer is not None and len(text.split()) <= 3:
        if said.bare_answer:
            return await reply(turn, staff, ticket_id, str(turn.data.get("draft") or ""))
        return await _drop(turn)
    words = len(text.split())
    if not _LETTERS.search(text) or (words <= 4 and (ticket_flow.new_request(said) or said.escape is not None)):
        turn.clear_state()
        return None  # "ok", "cek kelayakan": not an answer, served as itself
    if words < 3 and not drafting:
        turn.clear_state()
        return None
    draft = f"{turn.data.get('draft')}\n{text}" if drafting and turn.data.get("draft") else text
    if len(draft) > MAX_ANSWER:
        return [_too_long(turn)]
    turn.set_state(STAFF_TICKET_DRAFT, ticket=ticket_id, draft=draft)
    turn.written_for_others()
    return [_draft_offer(turn, ticket_id, draft)]


# "kirim, terus tutup tiketnya", "ok kirim lalu tutup": the send, and a ticket action after it.
_SEND_THEN = re.compile(
    r"^(?P<send>[^,;]{1,30}?)\s*(?:[,;]\s*(?:(?:terus|trus|trs|lalu|habis itu|abis itu|kemudian|then)\s+)?"
    r"|\s+(?:terus|trus|trs|lalu|habis itu|abis itu|kemudian|and then|then)\s+)(?P<then>.+)$",
    re.IGNORECASE | re.DOTALL,
)


def _send_then(text: str) -> re.Match[str] | None:
    """The ticket action typed after a send word, or None (then the text is no such pair)."""
    pair = _SEND_THEN.match(text.strip())
    if pair is None or len(text.split()) > 8 or not says_send(pair["send"]):
        return None
    return _BARE_ACTION.match(pair["then"].strip())


def _ticket_id(argument: str) -> int | None:
    first = argument.split(":", 1)[0]
    return int(first) if first.isdigit() else None


async def _on_button(turn: Turn, action: str, argument: str) -> list[Reply]:
    staff = await _staff(turn)
    if staff is None:
        return _not_staff(turn)
    ticket_id = _ticket_id(argument)
    if action == "tiket_daftar" or ticket_id is None:
        return await list_for(turn, staff)
    match action:
        case "tiket_kirim" | "tiket_catat_draf":
            draft = turn.data.get("draft") if turn.state == STAFF_TICKET_DRAFT else None
            if not draft or turn.data.get("ticket") != ticket_id:
                return await show(turn, staff, ticket_id, turn._("Draf itu sudah tidak ada; tidak ada yang dikirim."))
            if action == "tiket_kirim":
                return await reply(turn, staff, ticket_id, str(draft))
            return await note(turn, staff, ticket_id, str(draft))
        case "tiket_balas" | "tiket_catat":
            detail = await service.get_for_staff(turn.uow, staff, ticket_id, turn.now)
            if detail is None:
                return [Reply(_error(turn, "not_found", ticket_id), _back(turn))]
            if action == "tiket_balas" and detail.ticket.state == "closed":
                return [Reply(_error(turn, "closed", ticket_id), _back(turn, ticket_id))]
            return _ask_text(turn, STAFF_TICKET_REPLY if action == "tiket_balas" else STAFF_TICKET_NOTE, ticket_id)
        case "tiket_ambil":
            return await take(turn, staff, ticket_id)
        case "tiket_alih":
            return await ask_transfer(turn, staff, ticket_id)
        case "tiket_tutup":
            if argument.endswith(":ya"):
                return await close(turn, staff, ticket_id)
            return await ask_close(turn, staff, ticket_id)
    return await show(turn, staff, ticket_id)


def _button_for(action: str) -> ButtonHandler:
    async def handler(turn: Turn, argument: str) -> list[Reply]:
        return await _on_button(turn, action, argument)

    return handler


for _action in (
    "tiket_daftar",
    "tiket_buka",
    "tiket_balas",
    "tiket_ambil",
    "tiket_catat",
    "tiket_alih",
    "tiket_tutup",
    "tiket_kirim",
    "tiket_catat_draf",
):
    router.button(_action)(_button_for(_action))


@router.button("tiket_batal")
async def cancel_button(turn: Turn, argument: str) -> list[Reply]:
    return await _drop(turn)
