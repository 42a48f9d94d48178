"""Kelurahan staff in the chat: `/petugas KODE`, then compose a broadcast — text, exact preview, audience
with recipient counts, time (WIB), confirm — list, and cancel. Every action goes through the scope checks
of sigap_core.broadcasts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from rapidfuzz import fuzz

from handlers.change_of_mind import change_of_mind
from handlers.context import Turn
from handlers.entities import (
    THANKS,
    ChatSpelling,
    names_day,
    one_letter_off,
    parse_when,
    skeleton,
    vowel_poor,
    when_words,
)
from handlers.flow import Router
from handlers.flows import kelurahan as kelurahan_flow
from handlers.model import MAX_ROW_TITLE, MAX_ROWS, Button, Menu, Reply, Row
from handlers.understanding import Said
from sigap_core import broadcasts, dashboard
from sigap_core.broadcasts import BroadcastError, actor_for, staff_of
from sigap_core.i18n import N_
from sigap_core.store.models import Staff
from sigap_core.wilayah import Kecamatan

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
                return [_ask_target(turn)]
            turn.set_state(STAFF_TEXT, kode=staff.kode_kelurahan)
            broadcasts.count_ahead(turn.uow, turn.domain, staff.kode_kelurahan, turn.today)
            return [ask_text(turn)]
        case "target":
            return await _target_chosen(turn, None)
        case "tgt":  # a kelurahan picked from a kecamatan's list (admin)
            if staff.role != "admin" or turn.domain.wilayah.get(value) is None:
                return [staff_menu(turn, staff)]
            return await _target_chosen(turn, value)
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
        case "counts":
            return await counts_reply(turn, staff)
        case "usetext":  # the question typed at the text step (a short line at the audience step) was the text
            asked = turn.data.get("asked")
            if turn.state != STAFF_TEXT or not asked:
                return [staff_menu(turn, staff, _("Draf pengumuman sudah tidak ada. Mulai lagi, ya."))]
            return await _use_as_text(turn, str(asked))
        case "cancel":
            return await cancel(turn, staff, value)
    return [staff_menu(turn, staff)]


def ask_text(turn: Turn) -> Reply:
    """The text prompt names where the announcement goes (a kelurahan typed loosely is echoed back)."""
    _ = turn._
    place = _kode_place(turn, turn.data.get("kode"))
    return Reply(
        _("Pengumuman untuk {place}.").format(place=place)
        + "\n"
        + _("Ketik isi pengumuman (paling banyak {limit} karakter).").format(limit=_.number(broadcasts.MAX_TEXT)),
        (Button("staff:drop", _("Batal")),),
    )


def text_too_long(turn: Turn) -> Reply:
    """An announcement longer than a message the bot reads: the numbers, nothing kept, the text step stays."""
    _ = turn._
    return Reply(
        _("Pengumuman terlalu panjang ({length} karakter, paling banyak {limit}). Persingkat, ya.").format(
            length=_.number(len(turn.msg.text)), limit=_.number(broadcasts.MAX_TEXT)
        ),
        (Button("staff:drop", _("Batal")),),
    )


# A yes word next to one of these is not a go-ahead to send ("bentar, iya tapi jamnya salah", "mau diganti").
HOLD_ON = re.compile(
    r"\b(salah|keliru|ganti|diganti|ubah|diubah|edit|revisi|koreksi|tunggu|tunggu dulu|bentar|sebentar|wait|tapi"
    r"|but|kok|masa)\b|\?"
)
SURE = re.compile(r"^(sudah |udah |ya |iya )?(yakin|pasti|fix|sure)( kirim| deh| aja)*[.!]*$")
# The sending itself, in any form of the verb ("kirimkan", "kirimin", "dikirim aja", "send it", "sebarin"): a
# yes at the confirmation, where nothing else can be sent.
SEND = re.compile(
    r"^((ya|iya|ok|oke|okey|sip|boleh|lanjut|yaudah|ya udah|udah|langsung|tolong|silakan) )*"
    r"(kirim\w*|dikirim\w*|ngirim|send( it| now| them)?|sent|post|posting|sebar\w*|disebar\w*|broadcast|go)"
    # "kirimin ke wargany": the one it goes to, named
    r"( (ke|to) (warga\w*|orangnya|dia|beliau|bapak\w*|ibu\w*|penanya|the citizen|the resident|them))?"
    r"( aja| saja| deh| dong| ya| sekarang| skrg| sesuai jadwal| pak| bu| min| please| pls)*[.!]*$"
)


# Words of their own one letter away from "kirim": "kiri" is left, never a send.
NOT_SENDING = frozenset({"kiri", "kira", "kirik"})


def _sending_word(word: str) -> str:
    """ "kirimm", "kirm", "krim", "kiri m": "kirim" typed in a hurry (any other word as it is)."""
    if word.startswith("kirim") or len(word) < 3 or word[0] != "k" or word in NOT_SENDING:
        return word
    near = len(word) >= 4 and one_letter_off(word, "kirim")
    return "kirim" if near or (skeleton(word) == "krm" and len(word) <= 5) else word


def thanks_only(typed: str) -> bool:
    """A thank-you with no instruction to send ("makasih ya", not "makasih, kirim aja"): at a confirmation it
    sends nothing (a draft's or an officer's ticket answer)."""
    return bool(THANKS.search(typed)) and not says_send(typed) and not re.search(r"\bkirim\w*\b", typed)


def says_send(text: str) -> bool:
    """ "kirimkan", "send it", "ok kirimm", "yaudah sebarin": the sending verb as the whole answer to a
    confirmation (a draft's or a ticket answer's), so it is a yes."""
    typed = " ".join(_sending_word(word) for word in re.sub(r"[,.!]+", " ", text.lower()).split())
    return bool(SEND.match(typed))


# "Jadwalkan" typed in other words, with no time in it.
LATER_WORDS = re.compile(
    r"^(di)?(jadwal|jadwalkan|jadwalin|jadwalkn|jadwalkeun|schedule|schedule it|later|nanti|ntar|nanti saja|nanti aja"
    r"|ntar aja|jangan sekarang|jgn sekarang|jangan skrg|jgn skrg)( aja| saja| deh| dulu| ya| dong| it| later)*[.!]*$"
)
# "ga usah dijadwalin, langsung kirim aja", "kirim skrg aja": now, said anywhere in a short message.
NOW_ANYWHERE = re.compile(r"\b(sekarang|skrg|skrng|sekarng|langsung|now|right away|immediately)\b")
NOT_NOW = re.compile(r"\b(jangan|jgn|bukan|ga|gak|nggak|tidak|tdk|not|don't)\s+(sekarang|skrg|skrng|langsung|now)\b")


# "ga usah dikirim", "gak perlu dikirim", "jangan dikirim": not sent at all. With a time in it ("jangan dikirim
# sekarang", "ga usah dikirim dulu, besok aja") it is a later time, and the draft is kept.
_NO_SENDING = re.compile(
    r"\b(ga|gak|gk|nggak|ngga|tidak|tdk|jangan|jgn|gausah|gaperlu|gajadi)( (usah|perlu|jadi|jd))? ?(di)?kirim\w*\b"
)
_NOT_YET = re.compile(r"\b(sekarang|skrg|skrng|now|dulu|dl|hari ini|besok|bsk|lusa|nanti|ntar|jam|tgl|\d)")


def _not_sent_at_all(text: str) -> bool:
    """ "udah ga usah dikirim" — but not "jangan dikirim sekarang" (a later time) nor "ga usah dikirim ke semua,
    yg layak aja" (another audience)."""
    lowered = " ".join(text.lower().split())
    if len(lowered.split()) > 8 or not _NO_SENDING.search(lowered) or _NOT_YET.search(lowered):
        return False
    named = (_audience_word(word) for word in _words(lowered))
    return not any(cue.match(word) for word in named for _name, cue in _AUDIENCE_CUES)


def now_asked(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    return (
        len(lowered.split()) <= 8
        and not any(ch.isdigit() for ch in lowered)
        and bool(NOW_ANYWHERE.search(lowered))
        and not NOT_NOW.search(lowered)
    )


NOW_WORDS = re.compile(r"^\s*(sekarang|skrg|skrng|langsung|kirim sekarang|now|right now|saat ini)\b")
# Staff may type what the staff menu offers.
STAFF_ACTIONS = (
    (re.compile(r"\b(batal|batalkan|batalin|cancel|stop|hentikan)\b.{0,20}#\s?(\d+)\b"), "cancel"),
    (
        re.compile(
            r"\b(daftar|lihat|liat|list|riwayat|cek|status)\b.{0,12}\b(pengumuman|broadcast)\w*\b"
            r"|\b(pengumuman|broadcast)\w*\b.{0,30}\b(terkirim|kekirim|sudah dikirim|udah dikirim|sampai|nyampe)\b"
            # "jadwal pengumuman yg udah dibuat mana?", "pengumuman yg kemarin gimana?": the ones made before
            r"|^(mana |lihat |liat |cek )?jadwal(nya)? (pengumuman|broadcast)\w*\b"
            r"|\b(pengumuman|broadcast)\w*\b.{0,20}\b(yg|yang) (udah|sudah|sdh|udh) (dibuat|dibikin|dijadwalkan)\b"
        ),
        "list",
    ),
    (re.compile(r"^(menu petugas|petugas menu|staff menu)$"), "menu"),
    (
        re.compile(
            r"\b(batal|batalkan|batalin|cancel|hentikan|stop|tarik)\b.{0,24}\b(pengumuman|broadcast|siaran)\w*\b"
            r"|\b(pengumuman|broadcast|siaran)\w*\b.{0,24}\b(batal|batalkan|batalin|dibatalkan|dibatalin|cancel)\b"
        ),
        "list",  # which one: the list, with a cancel button for each one not yet finished
    ),
    (
        # "batalin yg tadi", "cancel yang barusan", "tarik lagi yg terakhir": the one just made, by reference
        re.compile(
            r"^(eh |duh |waduh |aduh |tolong |mau )*(batal|batalkan|batalin|btlin|cancel|hentikan|stop|tarik)\b"
            r".{0,16}\b(tadi|barusan|terakhir|td|last one)\b"
            # "yg barusan tolong dibatalin", "yang tadi dicancel aja": the reference first, then the verb
            r"|^(eh |duh |waduh |aduh |tolong |mau )*(yg |yang |pengumuman )?(tadi|barusan|terakhir|td)\b"
            r".{0,16}\b(di)?(batal\w*|cancel\w*|tarik\w*|stop|hentikan)\b"
        ),
        "list",
    ),
    (
        re.compile(
            r"\b(berapa|brp|jumlah|how many|ada berapa)\b.{0,30}\b(langganan|pelanggan|berlangganan|subscriber\w*"
            r"|penerima|warga)\b"
        ),
        "counts",
    ),
)
# Composing, in the words staff use: a verb of making or sending and the word for an announcement, in any
# order and spelling ("tolong bikinin pengumuman", "broadcast ke warga", "mo buat pengumman"), or a verb that
# is itself the announcing ("umumin ke warga", "blast info").
_TELLING_VERBS = (
    "kirim", "kirimin", "kirimkan", "ngirim", "mengirim", "sebar", "sebarin", "sebarkan", "nyebar", "share", "send",
    "post", "posting", "siarkan", "bagikan", "bagiin", "umumin", "umumkan", "ngumumin", "mengumumkan", "broadcast",
    "brodcast", "broadcat", "blast", "announce", "ngasih", "kasih", "kasi", "kasihkan", "beri", "berikan", "memberi",
    "sampaikan", "sampein", "nyampein", "menyampaikan", "infokan", "infoin", "kabarin", "kabarkan", "ngabarin",
    "mengabarkan", "beritahu", "kasitau", "kasihtau", "notify", "tell", "inform",
)  # fmt: skip
_MAKING_VERBS = ("buat", "bikin", "bikinin", "buatin", "buatkan", "tulis", "nulis", "make", "create")
_MAKE = re.compile(r"^(" + "|".join((*_MAKING_VERBS, *_TELLING_VERBS)) + r")$")
# Chat spellings without vowels ("bkin", "krim", "kbrin"): their consonants name the verb.
_VERB_BY_SKELETON = {skeleton(verb): verb for verb in (*_MAKING_VERBS, *_TELLING_VERBS)}
# The words around a bare "pengumuman" that ask for nothing else ("mo pengumuman dong", "sy mau pngumuman").
_WANTING = frozenset({
    "mau", "mo", "mw", "pengen", "pingin", "ingin", "sy", "saya", "aku", "dong", "donk", "min", "ya", "nih", "tolong",
    "tlg", "pak", "bu", "kak", "lagi", "baru", "satu", "ada",
})  # fmt: skip
# "kirim pesan ke semua warga", "send a message to all residents": a message to everyone is an announcement.
_MESSAGE = re.compile(r"^(pesan|message|kabar|informasi|info|news|update|notice)$")
_EVERYONE = re.compile(
    r"^(warga|residents?|semua|all|everyone|everybody|seluruh|masyarakat|penduduk|subscribers|pelanggan)$"
)
# "broadcast" as it is spoken and typed: "brodkes", "brotkas", "broadkast", "brodcast", "brodkesin".
# "woro-woro" is the village crier's announcing, and still the word for it.
_ANNOUNCING = re.compile(
    r"^(umumin|umumkan|ngumumin|mengumumkan|broadcast|broadcat|blast|announce|woro|diworo|ngeworo"
    r"|bro+a?[dt][ck][aeo]?[st]+t?(in|kan)?)$"
)
_ANNOUNCEMENT = ("pengumuman", "broadcast", "announcement", "siaran")
# The office's other words for a notice to residents ("bikin edaran", "kirim imbauan ke warga"), read whole.
_NOTICE_NOUNS = ("pemberitahuan", "edaran", "surat edaran", "imbauan", "himbauan", "maklumat")
# "bc" is broadcast only when it goes to someone ("bc warga dong", "bc ke semua"); alone it may be "baca".
_BC = re.compile(r"\bbc (ke |buat |untuk |utk )?(warga|semua|seluruh|pelanggan|rt|rw)\b")
# "cara kirim pengumuman gmn", "gimana bales tiket", "apa aja yg bisa sy lakuin": a how-to, not the action.
_HOW = re.compile(
    r"\b(cara|caranya|gimana|gmn|gmna|gimn|bagaimana|bgmn|gimana sih|how|tutorial|panduan|petunjuk"
    r"|bisa apa|apa aja|apa saja|fitur|what can)\b"
)
_STAFF_TOPIC = re.compile(
    r"\b(pengumuman\w*|broadcast|siaran|tiket\w*|ticket\w*|balas|bales|jawab|petugas|staff|jadwal\w*"
    r"|announcement\w*)\b"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _announcement_word(word: str) -> bool:
    if word.startswith(("pengumum", "pngumum", "pegumum")) or word.removesuffix("nya") in _NOTICE_NOUNS:
        return True
    return any(fuzz.ratio(word, noun) >= 80 for noun in _ANNOUNCEMENT) or word == "info" or word == "bc"


# The roots of the telling verbs, for their other forms: "nyebarin", "menyebarkan", "ngabarin", "diumumin".
_TELLING_ROOTS = frozenset({"kirim", "sebar", "umum", "kabar", "siar", "bagi", "info", "sampai", "beritahu"})
# A prefix that nasalises the root's first letter takes it away: ny- for s, ng- for k, m- for p, n- for t.
_PREFIXES = (("meny", "s"), ("ny", "s"), ("meng", "k"), ("ng", "k"), ("menge", ""), ("nge", ""), ("meng", ""),
             ("mem", "p"), ("men", "t"), ("me", ""), ("di", ""))  # fmt: skip


def _telling_root(word: str) -> str | None:
    """The telling root of an affixed verb ("nyebarin" → "sebar", "ngabarin" → "kabar"), or None."""
    stems = {word, *(word.removesuffix(end) for end in ("in", "kan", "i") if word.endswith(end))}
    for stem in stems:
        if stem in _TELLING_ROOTS and stem != word:  # a bare "umum", "bagi", "sampai" is no verb
            return stem
        for prefix, first in _PREFIXES:
            if stem.startswith(prefix) and (root := first + stem[len(prefix) :]) in _TELLING_ROOTS:
                return root
    return None


def _verb(word: str) -> str | None:
    """The verb of making or telling a word is, also spelt without its vowels ("bkin", "krim") or in another
    affixed form ("nyebarin"), or None."""
    if _MAKE.match(word):
        return word
    if (root := _telling_root(word)) is not None:
        return "kirim" if root not in _TELLING_VERBS else root
    return _VERB_BY_SKELETON.get(skeleton(word)) if vowel_poor(word) else None


def wants_new(text: str) -> bool:
    """A request to compose an announcement, typed in free words (for staff only): "bikin pengumuman", "mo bkin
    pngumuman", "kirim pesan ke semua warga", "tlg kabarin warga", "umumin", or a bare "pengumuman dong"."""
    words = _words(text)
    if not words or len(words) > 14 or _HOW.search(text.lower()):
        return False
    verbs = [verb for word in words if (verb := _verb(word)) is not None]
    noun = any(_announcement_word(word) for word in words if not _ANNOUNCING.match(word))
    # "diumumin", "umumkan": announcing is the verb itself
    announcing = any(_ANNOUNCING.match(word) or _telling_root(word) == "umum" for word in words)
    announcing = announcing or bool(_BC.search(" ".join(words)))
    named = [word for word in words if _announcement_word(word) and word not in ("info", "bc")]
    everyone = any(_EVERYONE.match(word) for word in words)
    to_everyone = everyone and any(_MESSAGE.match(word) for word in words)
    telling = everyone and any(verb in _TELLING_VERBS for verb in verbs)  # "kabarin warga", "sebarin ke semua"
    bare = bool(named) and all(word in named or word in _WANTING for word in words)
    return bool(verbs and (noun or to_everyone)) or telling or announcing or bare


def how_to(text: str) -> bool:
    """A staff member asking how to use the staff tools ("cara kirim pengumuman gmn", "apa aja fitur petugas")."""
    lowered = text.lower()
    return bool(_HOW.search(lowered) and _STAFF_TOPIC.search(lowered)) and len(_words(text)) <= 16


def staff_help(turn: Turn, staff: Staff) -> list[Reply]:
    """How the staff tools work, in steps, with the buttons that start them."""
    _ = turn._
    lines = [
        _("Cara memakai menu petugas ({place}):").format(place=_place_name(turn, staff)),
        _(
            "📢 Pengumuman: ketik “buat pengumuman” (atau /petugas → Buat pengumuman), ketik isinya, pilih penerima "
            "(angka dalam kurung = jumlah penerima), lalu Kirim sekarang atau Jadwalkan dengan kata-kata biasa, "
            "contoh: besok jam 8 pagi (WIB). Waktunya saya ulangi dulu sebelum dikirim."
        ),
        _(
            "✏️ Selama menyusun: ketik “ganti teks”, “ganti penerima” atau “ganti jam” untuk mengubah, “batal” untuk "
            "membuang draf."
        ),
        _(
            "💬 Tiket warga: ketik /tiket untuk daftar, buka satu tiket, lalu Balas (atau ketik “balas 4 …” dengan "
            "nomor tiketnya), Alihkan ke kelurahan lain, atau Tutup tiket."
        ),
        _("Dasbor web: ketik /dasbor."),
    ]
    buttons = (
        Button("staff:new", _("Buat pengumuman")),
        Button("tiket_daftar", _("Daftar tiket")),
        Button("staff:menu", _("Menu petugas")),
    )
    return [Reply("\n".join(lines), buttons)]


async def help_of_staff(turn: Turn) -> list[Reply] | None:
    """ "bantuan" from a staff member: the staff how-to, and the way to the citizens' help. None for a citizen."""
    current = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if current is None:
        return None
    replies = staff_help(turn, current)
    citizen = Reply(
        _citizen_help_line(turn),
        (Button("help", turn._("Bantuan warga")),),
    )
    return [*replies, citizen]


def _citizen_help_line(turn: Turn) -> str:
    return turn._("Kontak kantor dan bantuan untuk warga: tekan Bantuan warga.")


# Edit wording at any step of a draft: change the text, the time or the audience, or throw the draft away.
# Short commands only (a typed announcement may well contain "ganti" or "jadwal").
EDITS = (
    (
        re.compile(
            r"^(tolong |mau |saya mau |sy mau )?(hapus|hapusin|apus|apusin|buang|buangin|batalkan|batalin|delete"
            r"|discard|drop)\s+((aja|saja|deh|dong|ya|tuh|itu)\s+)*"
            r"(draf|draft|drafnya|draftnya|pengumuman(nya)?( ini| itu)?|semua(nya)?)\b"
            r"|^(hapus|hapusin|apus|apusin|buang|buangin|delete|discard)( (aja|saja|deh|dong|ya|dulu))*$"
            r"|^(ga|gak|gk|nggak|ngga|tidak|tdk|enggak) jadi (bikin|buat|kirim|ngirim|bikinnya|kirimnya)\b"
        ),
        "drop",
    ),
    (
        re.compile(
            r"^(ulang|ulangi|mulai|start|bikin|buat)( ulang| lagi)? (dari awal|dari nol|over)\b"
            r"|^(ulang|ulangi|ulangin)( lagi)?( aja| saja| deh| ya)?$|^start over\b|^(reset|restart)\b"
        ),
        "restart",
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
# "nanti aja deh bikinnya", "ntar dulu", "lain kali aja": the announcement is put off, at the text prompt. Only
# such words: "Nanti malam ada ronda" is an announcement.
_LATER_DRAFT = re.compile(
    r"^(nanti|nnti|ntar|entar|ntr|lain kali|kapan2|kapan-kapan|later|not now)"
    r"( (aja|aj|saja|dulu|dl|deh|dh|ya|yah|lah|ah|sih|min|pak|bu|kak|lagi|lg|sy|saya|bikinnya|buatnya|nulisnya"
    r"|ngetiknya|bikin|buat|nulis|ngetik|kirimnya|ngirimnya))*[.!]*$"
)
# A day or part of day without an hour ("nanti sore", "besok pagi", "Senin"): the hour is asked for.
_DAY_PART = re.compile(
    r"\b(pagi|siang|sore|malam|malem|besok|bsk|lusa|nanti|hari ini|senin|selasa|rabu|kamis|jumat|sabtu|minggu"
    r"|tomorrow|tonight|morning|afternoon|evening)\b"
)
_DAY_PART_ONLY = re.compile(r"\b(pagi|siang|sore|malam|malem|morning|afternoon|evening|tonight)\b")
# An hour that fits the part of the day named, for the example ("nanti sore" → "jam 4 sore").
_EXAMPLE_HOUR = {
    "pagi": N_("jam 8 pagi"),
    "siang": N_("jam 1 siang"),
    "sore": N_("jam 4 sore"),
    "malam": N_("jam 7 malam"),
}
_ANY_HOUR = N_("jam 9")


def _example_hour(text: str) -> str:
    parts = [word for word in re.findall(r"[a-z]+", when_words(text)) if word in _EXAMPLE_HOUR]
    return _EXAMPLE_HOUR[parts[0]] if parts else _ANY_HOUR


def _ask_hour(turn: Turn, text: str) -> Reply:
    """A day without its hour ("nanti sore", "besok aja"): the day understood is said back, and only the hour
    is asked for (it is never guessed)."""
    _ = turn._
    hour = _example_hour(text)
    probe = parse_when(f"{text} {hour}", turn.now) if names_day(text) else None
    example = _(hour)
    if probe is not None:
        day = format_date(probe.astimezone(WIB), "EEEE, d MMMM y", locale=_.lang)
        asked = _("{day}, jam berapa? Contoh: {example} (WIB).").format(day=day, example=example)
    else:
        asked = _("Jam berapa? Contoh: {example} (WIB).").format(example=example)
    return Reply(
        asked + " " + _("Waktunya saya ulangi dulu sebelum dikirim."),
        (Button("staff:when:now", _("Kirim sekarang")), Button("staff:drop", _("Batal"))),
    )


# The same in free word order, with the small words around a correction: "eh salah, ganti teksnya", "teksnya
# salah mau diganti", "eh penerimanya salah", "jamnya salah, jam 10 aja". A change word and the part changed.
_CHANGE_WORD = re.compile(
    r"^(ganti|gantiin|diganti|ganty|ubah|diubah|ubahin|rubah|dirubah|ngubah|edit|diedit|koreksi|dikoreksi|perbaiki"
    r"|diperbaiki|revisi|direvisi|benerin|dibenerin|betulin|dibetulin|change|fix|salah|keliru|geser|digeser|geserin"
    r"|undur|diundur|undurin|mundur|mundurin|dimundurin|majukan|dimajukan|maju|majuin|dimajuin|tambah|tambahin"
    r"|tambahkan|ditambah|ditambahin|nambah|nambahin|lengkapi|lengkapin|kurangi|kurangin|wrong|add)$"
)
_PARTS = (
    ("text", re.compile(r"^(teks|text|isi|kata|kalimat|tulisan|pesan|pengumuman|typo|message|wording)\w*$")),
    ("when", re.compile(r"^(waktu|jam|tanggal|tgl|hari|jadwal|time|schedule|date)\w*$")),
    ("audience", re.compile(r"^(penerima|audiens|audience|sasaran|target|kelompok|recipients?)\w*$")),
)
# The same words in chat spellings: vowels dropped ("gnti", "wktu", "pnrm") or one letter off ("penerma",
# "pengumumn"), "-nya" or not.
_CHANGE_WORDS = ("ganti", "ubah", "edit", "koreksi", "perbaiki", "revisi", "benerin", "betulin", "geser", "undur",
                 "majukan", "majuin", "mundurin", "tambahin", "nambahin", "salah", "keliru")  # fmt: skip
_PART_WORDS = (
    ("text", ("teks", "tulisan", "kalimat", "pesan", "pengumuman")),
    ("when", ("waktu", "tanggal", "jadwal")),
    ("audience", ("penerima", "sasaran", "target", "kelompok")),
)


def _near(word: str, known: str) -> bool:
    word = word.removesuffix("nya") if len(word) > 6 else word
    if vowel_poor(word, 3) and skeleton(word) == skeleton(known):
        return True  # "gnti", "wktu", "pnrm" is not enough, "pnrima" is
    return len(word) >= 5 and word[0] == known[0] and one_letter_off(word, known)


def _change_word(word: str) -> bool:
    return bool(_CHANGE_WORD.match(word)) or any(_near(word, known) for known in _CHANGE_WORDS)


def _part_of(word: str) -> str | None:
    found = next((name for name, part in _PARTS if part.match(word)), None)
    if found is None:
        found = next((name for name, words in _PART_WORDS if any(_near(word, known) for known in words)), None)
    return found


MOST_EDIT_WORDS = 9
# What is left of "jamnya salah, jam 10 aja" once the correction words are gone: the new time.
_EDIT_NOISE = re.compile(
    r"\b(eh|oh|duh|aduh|waduh|ups|maaf|sorry|salah|keliru|ganti|diganti|ubah|diubah|jadi|jadiin|mau|tolong|bukan"
    r"|jamnya|waktunya|tanggalnya|harinya|jadwalnya|yang|yg|benar|bener|betul|harusnya|seharusnya|mestinya"
    r"|tapi|tp|tpi|jd|oke|ok|okay|sip|iya|ya|aja|saja|dong|deh|dulu|nya|ke|the|time|to|change|but)\b"
)


def edit_of(text: str, loose: bool = True) -> str | None:
    """ "ganti teks", "ubah jam", "ganti penerima", "hapus draf": what to change in the draft, or None.
    Not `loose` (no text typed yet, so a short announcement may well say "jadwal diganti"): only the short
    commands that start with the change."""
    typed = " ".join(re.sub(r"[^\w ]+", " ", text.lower()).split())
    words = typed.split()
    if len(words) <= 5:
        found = next((name for pattern, name in EDITS if pattern.search(typed)), None)
        if found is not None:
            return found
    if not loose or len(words) > MOST_EDIT_WORDS or not any(_change_word(word) for word in words):
        return None
    parts = [part for word in words if (part := _part_of(word)) is not None]
    return next((name for name, _part in _PARTS if name in parts), None)


def audience_instead(text: str) -> str | None:
    """An audience named after the draft's was chosen, in a clause of its own: "ga usah ke semua, yg layak
    aja", "kirim ke yg terdaftar aja" (the last clause that names one decides)."""
    for clause in reversed(re.split(r"[,;]|\b(?:tapi|tp|tpi|but)\b", text.lower())):
        bare = _without_acks(clause)
        if bare.strip() and (audience := audience_of(bare)) is not None:
            return audience
    return None


def changed_audience(text: str) -> str | None:
    """ "ganti ke yg layak aja", "eh salah, harusnya ke semua pelanggan": the audience a correction names."""
    words = _words(text)
    if len(words) > MOST_EDIT_WORDS + 2 or not any(_change_word(w) or w in ("harusnya", "seharusnya") for w in words):
        return None
    rest = " ".join(w for w in words if not (_change_word(w) or _EDIT_NOISE.fullmatch(w) or w == "eh"))
    return audience_of(rest) if rest else None


def new_time_in(text: str, now: datetime, drafted: datetime | None = None) -> datetime | None:
    """The time inside a correction ("jamnya salah, jam 10 aja" → 10:00, "undur ke lusa jam 9"), or None.
    A correction that names only an hour ("majuin jadi jam 7") keeps the day already drafted, and one that
    names only a day ("harinya ganti senin aja", "tgl 30 aja") keeps the hour."""
    if drafted is not None and (shifted := _shifted(text, now, drafted)) is not None:
        return shifted
    words = _EDIT_NOISE.sub(" ", re.sub(r"[^\w.:/ -]+", " ", text.lower())).split()
    rest = " ".join(word for word in words if not _change_word(word))
    if not rest:
        return None
    when = parse_when(rest, now) if any(ch.isdigit() for ch in rest) else None
    if when is None and drafted is not None:
        return _day_moved(rest, now, drafted)
    if when is not None and drafted is not None and not names_day(rest):
        same_day = drafted.astimezone(WIB).replace(hour=when.hour, minute=when.minute)
        return same_day if same_day > now else when
    return when


# "mundurin 1 jam", "majuin setengah jam", "undur 30 menit": the drafted time moved by an amount. The amount
# comes before its unit ("1 jam"); "jam 1" is an hour.
_LATER_BY = re.compile(r"\b(di)?(mundur|undur|geser|telat|lambat)\w*")
_EARLIER_BY = re.compile(r"\b(di)?(maju|majuin|majukan|percepat|cepet|cepat)\w*")
_AMOUNT = re.compile(r"(?<!jam )(?<!pukul )(?<!pkl )\b(\d{1,3}|se|satu|dua|tiga|setengah) ?(jam|menit|mnt)\b")
_SPELT_AMOUNT = {"se": 1, "satu": 1, "dua": 2, "tiga": 3}


def _shifted(text: str, now: datetime, drafted: datetime) -> datetime | None:
    lowered = " ".join(text.lower().split())
    later, earlier = _LATER_BY.search(lowered), _EARLIER_BY.search(lowered)
    amount = _AMOUNT.search(lowered)
    if amount is None or bool(later) == bool(earlier):
        return None
    minutes = 30 if amount[1] == "setengah" else int(_SPELT_AMOUNT.get(amount[1]) or amount[1])
    if amount[2] == "jam" and amount[1] != "setengah":
        minutes *= 60
    if not 0 < minutes <= 72 * 60:
        return None
    when = drafted + timedelta(minutes=minutes if later else -minutes)
    return when if when > now else None


def _day_moved(rest: str, now: datetime, drafted: datetime) -> datetime | None:
    """ "harinya ganti senin aja": the day named, at the hour already drafted (a scheduled one: "sekarang"
    has no hour to keep). A part of the day named ("besok sore") needs its own hour: None, so it is asked."""
    local = drafted.astimezone(WIB)
    if drafted <= now + timedelta(minutes=1) or not names_day(rest) or _DAY_PART_ONLY.search(when_words(rest)):
        return None
    return parse_when(f"{rest} jam {local:%H:%M}", now)


async def edit_draft(turn: Turn, staff: Staff, what: str) -> list[Reply]:
    """Go back to the step that owns what is to be changed; the rest of the draft is kept where it can be."""
    _ = turn._
    data = turn.data
    if what == "drop":
        return await drop(turn)
    if what == "restart":  # "ulang dari awal": the draft thrown away, a new one begun
        turn.clear_state()
        return [Reply(dropped_text(turn)), *await on_button(turn, "new")]
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


# The audience typed in free words ("yg layak aja", "peserta sigap yg udah terdaftar", "warga yg datanya perlu
# diperbarui"): every word of the message must be one an audience answer is made of, so a short announcement
# ("Semua warga harap kerja bakti") is still read as text. The first group named decides; the order matters
# ("layak, belum daftar" holds "daftar").
_AUDIENCE_CUES = (
    ("needs_update", re.compile(r"^(perbarui|diperbarui|perbaharui|diperbaharui|update|diupdate|perbaiki|diperbaiki"
                                r"|pembaruan|needs)$")),
    ("eligible", re.compile(r"^(layak|eligible|lolos|memenuhi)$")),
    ("enrolled", re.compile(r"^(terdaftar|peserta|enrolled|participants?|members?|tercover|terlindungi)$")),
    ("all", re.compile(r"^(semua|semuanya|all|everyone|everybody|seluruh|seluruhnya|pelanggan|langganan|subscribers?"
                       r"|berlangganan)$")),
)  # fmt: skip
_AUDIENCE_VOCABULARY = frozenset({
    "yg", "yang", "aja", "saja", "aj", "deh", "ya", "dong", "kirim", "kirimin", "kirimkan", "dikirim", "ke", "untuk",
    "buat", "utk", "bwt", "kpd", "kepada", "warga", "orang", "sudah", "udah", "udh", "sdh", "blm", "belum", "daftar",
    "data", "datanya", "perlu", "harus", "sigap", "program", "info", "nya", "semua", "pilih", "pilihan", "mau", "sy",
    "saya", "itu", "ini", "penerima", "kelompok", "grup", "group", "jadi", "the", "to", "send", "only", "just", "those",
    "who", "are", "with", "need", "all", "subscribers", "that",
})  # fmt: skip


_AUDIENCE_PHRASES = (
    (re.compile(r"\b(belum|blm|blom|belom|ga|gak|tidak|tdk|nggak) (daftar|terdaftar|jadi peserta|ikut)\b"), "layak"),
    (re.compile(r"\b(sudah|udah|udh|sdh|dah) (daftar|ikut|jadi peserta)\b"), "terdaftar"),
    (re.compile(r"\b(not yet enrolled|not enrolled)\b"), "eligible"),
)


# The words an audience is named by, for their chat spellings: "smua", "lyk", "pesrta", "pelangan".
_AUDIENCE_SPELT = ("semua", "semuanya", "seluruh", "pelanggan", "langganan", "layak", "terdaftar", "peserta",
                   "perbarui", "diperbarui", "update", "daftar")  # fmt: skip
_AUDIENCE_SPELLING = ChatSpelling(_AUDIENCE_SPELT, least_consonants=3, least_letters=4)


def _audience_word(word: str) -> str:
    if word in _AUDIENCE_VOCABULARY or any(cue.match(word) for _name, cue in _AUDIENCE_CUES):
        return word
    return _AUDIENCE_SPELLING.read(word) or word  # "lyk", "pstr"; "smua", "pesrta", "pelangan"


def audience_of(text: str) -> str | None:
    """The audience a short free-word answer names, or None (then it may be a new text)."""
    # spelt out first ("blm dftr" → "blm daftar"), so the phrases read chat spellings too
    lowered = " ".join(_audience_word(word) for word in _words(text))
    for phrase, meaning in _AUDIENCE_PHRASES:
        lowered = phrase.sub(meaning, lowered)
    words = [_audience_word(word) for word in _words(lowered)]
    if not words or len(words) > 8:
        return None
    for audience, cue in _AUDIENCE_CUES:
        if any(cue.match(word) for word in words):
            known = all(
                word in _AUDIENCE_VOCABULARY or any(c.match(word) for _name, c in _AUDIENCE_CUES) for word in words
            )
            return audience if known else None
    return None


# Acknowledgements around an answer at the audience step ("lanjut, kirim ke semua pelanggan", "sip, yg layak
# aja", "ok send to all"): they carry no choice of their own.
_ACK = re.compile(
    r"\b(lanjut|lanjutkan|lanjutin|lnjt|ok|oke|okay|okey|okee|sip|siap|terus|trus|trs|iya|iyaa|ya|yup|yoi|gas|next"
    r"|continue|yes|yep|please|pls|plis|tolong|mantap|baik|boleh|aja|saja|deh|dong|ajah|tp|tapi|but|and|dan)\b"
)
# Throwing the draft away in any wording, anywhere in a short message ("ga usah deh, batal", "stop, batalkan
# aja", "oke batalin"), at the steps after the text: there a short message is not the announcement.
_DROP_WORD = re.compile(
    r"\b(batal|batalkan|batalin|btl|cancel|gajadi|gak jadi|ga jadi|gk jadi|nggak jadi|ngga jadi|tidak jadi|tdk jadi"
    r"|ga usah|gak usah|gk usah|nggak usah|ngga usah|tidak usah|tdk usah|gausah"
    r"|never ?mind|forget it)\b"
)
_KEEP_WORD = re.compile(r"\b(jangan|jgn|don'?t|bukan)\b|#\s?\d|\?")
# The only other words a way out is said with; "Acara batal" or "Posyandu batal hujan" holds a word of its
# own, so it is not read as throwing the draft away.
_DROP_COMPANY = frozenset({
    "stop", "ga", "gak", "gk", "nggak", "ngga", "tidak", "tdk", "usah", "gausah", "deh", "aja", "saja", "dulu",
    "ya", "yaudah", "ywdh", "udah", "sudah", "udh", "eh", "hmm", "sih", "lah", "dong", "mending", "mau", "kirim",
    "dikirim", "ngirim", "draf", "draft", "drafnya", "pengumuman", "pengumumannya", "ini", "itu", "semua",
    "semuanya", "jadi", "jd", "kak", "min", "pak", "bu", "please", "it", "the", "just", "all", "sy", "saya",
})  # fmt: skip
# Up to this many words, a message at the audience step that is neither an audience, a time nor a way out is
# not taken as a new text on its own ("hmm bentar ya", "ok", "Posyandu diundur ke Rabu"): the question is asked
# again and one press makes it the new text. A longer message is what a staff member pastes as the corrected
# announcement (they retyped it because the preview was wrong), so it replaces the text, and the reply says
# so plainly before the new preview; nothing is sent until the confirmation anyway.
MOST_UNCLEAR_WORDS = 7


def _without_acks(text: str) -> str:
    """The words of a short answer without the acknowledgements around them ("lanjut, semua aja" → "semua")."""
    return " ".join(_ACK.sub(" ", text.lower()).split())


def drops(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    if len(_words(lowered)) > 6 or not _DROP_WORD.search(lowered) or _KEEP_WORD.search(lowered):
        return False
    rest = _DROP_WORD.sub(" ", _ACK.sub(" ", lowered))
    return all(word in _DROP_COMPANY for word in _words(rest))


def _time_and_audience(text: str, now: datetime) -> tuple[datetime | None, str | None]:
    """ "besok jam 8 pagi", "kirim ke semua besok jam 8", "lanjut, Senin 09.00 aja": the time (WIB) and the
    audience a short message at the audience step names, each or None."""
    lowered = " ".join(_ACK.sub(" ", re.sub(r"[,;!]+", " ", text.lower())).split())
    if not lowered or len(lowered.split()) > 10:
        return None, None
    when = parse_when(lowered, now)
    if when is not None:
        return when, None
    words = lowered.split()
    named = [w for w in words if w in _AUDIENCE_VOCABULARY or any(c.match(w) for _n, c in _AUDIENCE_CUES)]
    rest = " ".join(w for w in words if w not in named)
    when = parse_when(rest, now) if rest and named else None
    if when is None and rest and named and now_asked(rest):
        when = now  # "ke semua aja, skrg"
    return when, audience_of(" ".join(named)) if when is not None else None


async def _audience_answer(turn: Turn, staff: Staff, text: str) -> list[Reply]:
    """A typed answer to "Kirim ke siapa?": an audience, a time, a way out, a corrected text, or unclear."""
    _ = turn._
    if drops(text):
        return await drop(turn)
    bare = _without_acks(text)
    audience = audience_of(text) or (audience_of(bare) if bare else None)
    if audience is not None:
        return await choose_audience(turn, staff, audience)
    when, audience = _time_and_audience(text, turn.now)
    if when is not None:
        turn.update_data(when_at=when.isoformat())
        if audience is not None:
            return await choose_audience(turn, staff, audience)
        return [
            Reply(
                _("Baik, dikirim {when}. Sekarang pilih penerimanya.").format(when=_moment(turn, when)),
            ),
            *await audience_replies(turn),
        ]
    if not bare.strip(" ,.!"):  # "ok siap", "lanjut": a go-ahead, with no choice in it
        return [Reply(_("Siap. Pilih dulu penerimanya, contoh: semua pelanggan.")), *await audience_replies(turn)]
    if len(_words(text)) > MOST_UNCLEAR_WORDS:
        return [Reply(_("Teks pengumuman diganti dengan yang baru.")), *await _use_as_text(turn, text)]
    if _time_words_only(bare):
        # "besok aja", "kapan2 aja": a time without its hour; the day is kept for the time step ("jam 8").
        if _DAY_PART.search(when_words(bare)):
            turn.update_data(when_hint=" ".join(bare.split())[:40])
        return [
            Reply(
                _(
                    "Waktunya saya tanyakan setelah penerima dipilih, lengkap dengan jamnya (contoh: besok jam 8 "
                    "pagi, WIB). Kirim ke siapa dulu?"
                )
            ),
            *await audience_replies(turn),
        ]
    turn.update_data(asked=text[: broadcasts.MAX_TEXT])
    return [
        Reply(
            _(
                "Itu belum saya kenali sebagai penerima. Pilih penerimanya, atau ketik misalnya: semua pelanggan, "
                "yang layak, atau waktu kirim seperti besok jam 8 pagi. Kalau itu teks pengumuman yang baru, "
                "tekan “Jadikan teks baru”."
            ),
            (Button("staff:usetext", _("Jadikan teks baru")), Button("staff:drop", _("Batal"))),
        ),
        *await audience_replies(turn),
    ]


_VAGUE_TIME = re.compile(r"^(kapan\w*|terserah|bebas|kpn\w*|whenever|anytime)$")
_TIME_COMPANY = frozenset({
    "hari", "ini", "depan", "nanti", "ntar", "kirim", "dikirim", "kirimnya", "jam", "waktu", "jadwal", "tanggal", "tgl",
    "pas", "aja", "saja", "deh", "ya", "dong", "besoknya", "minggu", "next", "week", "day",
})  # fmt: skip


def _time_words_only(text: str) -> bool:
    """ "besok aja", "nanti sore deh", "kapan2 aja": only words of a time, without its hour; "Posyandu diundur
    ke Rabu" holds words of its own (an announcement, maybe)."""
    words = re.findall(r"[a-z0-9]+", when_words(text))
    timed = [w for w in words if _DAY_PART.fullmatch(w) or _VAGUE_TIME.match(w)]
    return bool(timed) and all(w in timed or w in _TIME_COMPANY for w in words)


def _moment(turn: Turn, when: datetime) -> str:
    if when <= turn.now + timedelta(minutes=1):
        return turn._("sekarang")
    return format_datetime(when.astimezone(WIB), "EEEE, d MMMM y, HH:mm", locale=turn._.lang) + " WIB"


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    _ = turn._
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return None
    if turn.state == STAFF_TARGET:
        if _WHOLE_CITY.search(" ".join(text.lower().split())):
            return await _target_chosen(turn, None)
        place = kelurahan_flow.from_text(turn, text)
        area = turn.domain.wilayah.find_kecamatan(re.sub(r"\b(kecamatan|kec)\b\.?", " ", text.lower()))
        area = area or (_kecamatan_in_text(turn, text) if place is None else None)
        if area is not None and (place is None or re.search(r"\b(kecamatan|kec)\b", text.lower())):
            return [_kelurahan_of_kecamatan(turn, area)]
        if place is None:
            return [
                Reply(
                    _("Kelurahan itu tidak ada di Kota Bekasi. Ketik lagi namanya, contoh: Jatibening."),
                    (Button("staff:target", _("Seluruh kota")), Button("staff:drop", _("Batal"))),
                )
            ]
        return await _target_chosen(turn, place.code)
    what = edit_of(text, loose=not (turn.state == STAFF_TEXT and "text" not in turn.data))
    if what == "when" and "audience" in turn.data and (when := new_time_in(text, turn.now)) is not None:
        return await confirm(turn, when)  # "jamnya salah, jam 10 aja": the new time, echoed again
    if what is not None:
        return await edit_draft(turn, staff, what)
    if turn.state == STAFF_TEXT and "text" in turn.data and "?" not in text:
        bare = _without_acks(text)
        if bare and (audience := audience_of(bare)) is not None:  # "terus kirim ke semua pelanggan ya"
            return await choose_audience(turn, staff, audience)
    if turn.state == STAFF_TEXT and "text" not in turn.data and _LATER_DRAFT.match(" ".join(text.lower().split())):
        return await drop(turn)  # "nanti aja deh bikinnya": not now; nothing is kept half-made
    if turn.state == STAFF_TEXT and "text" not in turn.data and len(_words(text)) <= 2 and drops(text):
        return await drop(turn)  # "btl", "ga jadi": two words of throwing away are no announcement
    if turn.state == STAFF_TEXT and cancel_question(text):
        return await _answered_at_text_step(turn, text, _cancel_explained(turn))
    if turn.state == STAFF_TEXT and thanks_only(text.lower()) and len(_words(text)) <= 5:
        # "makasih ya": not an announcement; a few more words ("terima kasih warga RW 5") may be one
        usable = len(_words(text)) > 2
        return await _answered_at_text_step(turn, text, _thanks_at_text_step(turn), usable=usable)
    if turn.state == STAFF_TEXT and process_question(text):
        return await explain_audiences(turn, text)
    if turn.state == STAFF_TEXT and form_question(text):
        return await explain_form(turn, text)
    if turn.state == STAFF_TEXT:
        typed = " ".join(text.lower().split())
        if len(typed.split()) <= 5:  # "semua aja", "kirim ke semua": the audience, not a new text
            typed = " ".join(_AUDIENCE_FILLER.sub(" ", typed).split())
        if "text" in turn.data:
            for audience, words in AUDIENCE_WORDS.items():
                if typed in words:
                    return await choose_audience(turn, staff, audience)
            return await _audience_answer(turn, staff, text)
        return await _use_as_text(turn, text)
    if turn.state in (STAFF_WHEN, STAFF_CONFIRM) and drops(text):
        return await drop(turn)
    if turn.state == STAFF_WHEN and (answered := await question_mid_draft(turn, text)) is not None:
        return answered
    if turn.state == STAFF_WHEN and await other_audience_asked(turn, text):
        return await ask_audience(turn, staff)
    if turn.state == STAFF_WHEN and _not_sent_at_all(text):
        return await drop(turn)  # "udah ga usah dikirim", asked when to send: not at all
    if turn.state == STAFF_WHEN and (switched := changed_audience(text) or audience_instead(text)) is not None:
        return await choose_audience(turn, staff, switched)  # "eh salah, harusnya ke yg layak"
    if turn.state == STAFF_WHEN:
        if NOW_WORDS.search(text.lower()):
            return await confirm(turn, turn.now)
        if LATER_WORDS.match(" ".join(text.lower().split())):
            return await on_button(turn, "when:later")  # "jadwalin aja": as the Jadwalkan button
        if now_asked(text):
            return await confirm(turn, turn.now)
        hint = turn.data.get("when_hint")
        # "nanti sore", then "jam 4": read together.
        when = (parse_when(f"{hint} {text}", turn.now) if hint else None) or parse_when(text, turn.now)
        when = when or _refused_then(text, turn.now)  # "jgn skrg, besok jam 9 aja": not now, but then
        part = _DAY_PART.search(when_words(text))
        if when is None and part and not any(ch.isdigit() for ch in text):
            turn.update_data(when_hint=" ".join(text.split())[:40])
            return [_ask_hour(turn, text)]
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


# A short question about the sending itself, typed where the text (or the audience) is expected: "ini nanti
# dikirim ke siapa aja?", "bedanya semua pelanggan sama yg layak apa?". Answered; the step stays, and the
# words can still be used as the announcement with one press.
_PROCESS_WORDS = re.compile(
    r"\b(dikirim\w*|kekirim|terkirim|kirimnya|nyampe|sampai|sampe|penerima\w*|nerima|menerima|diterima|pelanggan"
    r"|langganan|berlangganan|bedanya|perbedaan|maksudnya|artinya|berapa orang|berapa banyak|jumlahnya|siapa aja"
    r"|siapa saja|ke siapa|who (?:will )?(?:get|gets|receive|receives|see|sees)|sent to|goes to|recipients?"
    r"|difference|wa|whatsapp|telegram|tele|dibaca|kebaca|terbaca|lewat apa|via apa)\b"
)
_ASKING = re.compile(
    r"\?\s*$|^(apa|apakah|siapa|gimana|gmn|bagaimana|berapa|brp|kapan|bedanya|maksudnya|what|who|how)\b"
    r"|\b(ya|sih|kah|ga|gak|nggak|apa|gimana)\s*$"
)


def process_question(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    return len(lowered.split()) <= 12 and bool(_ASKING.search(lowered)) and bool(_PROCESS_WORDS.search(lowered))


# A short question about what an announcement may hold: "bisa kirim gambar ga?", "boleh pake link?", "maksimal
# berapa huruf?", "bisa lampirin pdf?". Answered (text only, the limit); the step stays.
_FORM_WORDS = re.compile(
    r"\b(gambar\w*|foto\w*|poto|photo\w*|image\w*|picture|pic|video\w*|vidio|stiker|sticker|file|berkas|pdf"
    r"|dokumen\w*|lampir\w*|attach\w*|link|tautan|url|emoji|emot\w*|huruf|karakter|characters?|panjang\w*"
    r"|maksimal|maks|max|batas\w*|voice|suara|rekaman|flyer|brosur|poster|pamflet)\b"
)


_FORM_ASKING = re.compile(r"\?\s*$|^(bisa|bisakah|bs|boleh|blh|apa|apakah|gimana|gmn|bagaimana|can|could|may)\b")
# A question about what may be sent asks whether it can be (or how much): "Sudah bawa foto 3x4?" is an
# announcement, "bisa kirim foto?" is not.
_FORM_CAPABILITY = re.compile(
    r"\b(bisa|bs|boleh|blh|can|could|may|pake|pakai|kirim\w*|lampir\w*|attach\w*|masukin|sisipin|sisipkan"
    r"|tambah\w*|maksimal|maks|max|batas\w*|berapa|brp|how long|how many)\b"
)


def form_question(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    return len(lowered.split()) <= 12 and bool(
        _FORM_ASKING.search(lowered) and _FORM_WORDS.search(lowered) and _FORM_CAPABILITY.search(lowered)
    )


def _form_explained(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Pengumuman hanya berupa teks, paling banyak {limit} karakter; emoji dan alamat tautan (link) boleh "
            "ditulis di dalam teksnya. Gambar, foto, video, suara atau berkas belum bisa dikirim lewat pengumuman: "
            "tulis isinya dengan kata-kata."
        ).format(limit=_.number(broadcasts.MAX_TEXT))
    )


async def explain_form(turn: Turn, text: str) -> list[Reply]:
    """What an announcement may hold, then the step again (the words can still be used as the text)."""
    return await _answered_at_text_step(turn, text, _form_explained(turn))


async def _answered_at_text_step(turn: Turn, text: str, explained: Reply, usable: bool = True) -> list[Reply]:
    """A question answered at the text step, then that step again: the audience choice once a text is
    drafted, else the text prompt, where one press still makes the words the announcement (`usable`)."""
    _ = turn._
    if "text" in turn.data:
        return [explained, *await audience_replies(turn)]
    prompt = ask_text(turn)
    if not usable:
        return [explained, prompt]
    turn.update_data(asked=text[: broadcasts.MAX_TEXT])
    return [explained, Reply(prompt.text, (Button("staff:usetext", _("Jadikan pengumuman")), *prompt.buttons))]


async def counts_reply(turn: Turn, staff: Staff) -> list[Reply]:
    """ "berapa warga yg udah langganan?": today's subscriber counts, per audience, for the staff's area."""
    _ = turn._
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, staff.kode_kelurahan, turn.today, turn.now)
    parts = "; ".join(
        f"{_(AUDIENCE_TITLES[audience])}: {_.number(reached[audience])}" for audience in broadcasts.AUDIENCES
    )
    text = _("Pelanggan info {place} saat ini: {parts}.").format(
        place=_kode_place(turn, staff.kode_kelurahan), parts=parts
    )
    return [staff_menu(turn, staff, text)]


# "ini teksnya ya: …", "isinya begini: …", "tolong kirim ini: …": words to the bot before the announcement.
_LEAD_IN = re.compile(
    r"^\s*((ini|begini|gini|berikut)\s+)?(teks|teksnya|isi|isinya|pengumuman|pengumumannya|tulisannya|kalimatnya"
    r"|text|the text)(\s+(nya|ya|yah|pak|bu|min|kak|begini|gini|sbb|sebagai berikut|berikut|is))*\s*:\s*"
    r"|^\s*(tolong\s+|mohon\s+)?(kirim|kirimkan|sebarkan|sebarin|umumkan|umumin|send)\s+(ini|yang ini|yg ini|berikut"
    r"|this)(\s+(ya|pak|bu|min|aja))*\s*:\s*",
    re.IGNORECASE,
)


def _without_lead_in(text: str) -> str:
    rest = _LEAD_IN.sub("", text, count=1)
    return rest if rest != text and len(rest.split()) >= 3 else text


async def _use_as_text(turn: Turn, text: str) -> list[Reply]:
    """The announcement's text: checked, kept, previewed exactly as citizens get it, then the audience."""
    turn.written_for_others()  # an Indonesian announcement from an English-speaking officer: still English
    _ = turn._
    text = _without_lead_in(text)
    try:
        clean = broadcasts.validate_text(text)
    except BroadcastError as error:
        return [Reply(error_text(turn, error), (Button("staff:drop", _("Batal")),))]
    kode = turn.data.get("kode")
    kept = {k: v for k, v in turn.data.items() if k == "when_at"}  # a time typed at the audience step stays
    turn.set_state(STAFF_TEXT, kode=kode, text=clean, **kept)
    preview = broadcasts.announcement_text(_, turn.domain, kode, clean)
    return [
        Reply(_("Pratinjau, persis seperti yang diterima warga:")),
        Reply(preview),
        *await audience_replies(turn),
    ]


def _audiences_explained(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Pengumuman dikirim lewat chat bot ini, di WhatsApp atau Telegram (yang dipakai warga untuk "
            "berlangganan), ke warga {place} yang berlangganan info (mereka bisa berhenti kapan saja dengan "
            "BERHENTI). Penerimanya Anda pilih setelah pratinjau, dengan jumlahnya di setiap "
            "pilihan: Semua pelanggan; Layak, belum daftar; Sudah terdaftar; Perlu perbarui data (tiga yang "
            "terakhir: pelanggan yang sudah cek kelayakan di bot)."
        ).format(place=_kode_place(turn, turn.data.get("kode")))
    )


# At the time step and the confirmation the draft's own time is shown anyway: "dikirim jam berapa?" is not
# a question about the recipients.
_ASKS_TIME = re.compile(r"\b(jam berapa|jm brp|jam brp|kapan|kpn|when|what time)\b")


# "pilih yg lain aja", "yang lain deh", "coba kelompok lain": the other choice the 0-recipient warning offers
# ("Pilih penerima lain"), in the few words it is typed with.
_OTHER_ONE = re.compile(r"\b(lain|lainnya|laen|laennya|other|another|different)\b")
_OTHER_COMPANY = frozenset({
    "pilih", "ganti", "gnti", "cari", "coba", "ke", "yg", "yang", "kelompok", "penerima", "penerimanya", "aja",
    "saja", "deh", "dong", "ya", "dulu", "eh", "ok", "oke", "yaudah", "mau", "tolong", "one", "group", "pick",
    "choose", "an", "a", "the", "sih", "kalau", "gitu", "kalo",
})  # fmt: skip


async def other_audience_asked(turn: Turn, text: str) -> bool:
    """Another audience asked for where the drafted one reaches nobody (the warning offered it)."""
    words = _words(text)
    if not _OTHER_ONE.search(" ".join(words)) or len(words) > 6 or "audience" not in turn.data:
        return False
    if not all(_OTHER_ONE.fullmatch(word) or word in _OTHER_COMPANY for word in words):
        return False
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, turn.data.get("kode"), turn.today, turn.now)
    return not reached[turn.data["audience"]]


async def question_mid_draft(turn: Turn, text: str) -> list[Reply] | None:
    """ "bisa ditambah foto ga?", "ini nyampe ke siapa aja?" at the time step or the confirmation: answered,
    and the step shown again, unsent (a question is never a yes). None for anything else."""
    if cancel_question(text):
        explained = _cancel_explained(turn)
    elif form_question(text):
        explained = _form_explained(turn)
    elif process_question(text) and not _ASKS_TIME.search(text.lower()):
        explained = _audiences_explained(turn)
    else:
        return None
    if turn.state == STAFF_CONFIRM:
        return [explained, *await confirm(turn, datetime.fromisoformat(turn.data["send_at"]))]
    return [explained, _when_prompt(turn)]


async def explain_audiences(turn: Turn, text: str) -> list[Reply]:
    return await _answered_at_text_step(turn, text, _audiences_explained(turn))


# "kalau udah kekirim bisa dibatalin ga?", "bisa ditarik lagi?": whether a sent announcement can be taken back.
_TAKE_BACK = re.compile(
    r"\b(di)?(batal|cancel|tarik|hapus|undo|retract|recall|stop|hentikan)\w*\b|\bnarik\b|\bcan(?:ce)?l\w*\b"
)


def cancel_question(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    asking = _ASKING.search(lowered) or _FORM_ASKING.search(lowered)
    return len(lowered.split()) <= 14 and bool(asking) and "?" in lowered and bool(_TAKE_BACK.search(lowered))


def _cancel_explained(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _(
            "Pengumuman bisa dibatalkan sebelum atau selama pengirimannya: ketik “daftar pengumuman”, lalu tekan "
            "Batalkan #nomornya. Yang belum sampai tidak jadi dikirim; pesan yang sudah sampai ke warga tidak bisa "
            "ditarik lagi."
        )
    )


def _thanks_at_text_step(turn: Turn) -> Reply:
    return Reply(turn._("Sama-sama! Draf pengumuman masih terbuka."))


def _kecamatan_in_text(turn: Turn, text: str) -> Kecamatan | None:
    """A kecamatan named inside a sentence ("ga tau, pokoknya bekasi timur"), spelt whole."""
    words = re.findall(r"[a-z]+", text.lower())
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            key = " ".join(words[start : start + size])
            if len(key.replace(" ", "")) >= 6 and (area := turn.domain.wilayah.find_kecamatan(key, 95.0)) is not None:
                return area
    return None


def _kelurahan_of_kecamatan(turn: Turn, area: Kecamatan) -> Reply:
    """A kecamatan named as the target: announcements go per kelurahan (or to the whole city), so its
    kelurahan are offered."""
    _ = turn._
    rows = [Row(f"staff:tgt:{k.code}", k.name[:MAX_ROW_TITLE]) for k in turn.domain.wilayah.kelurahan_of(area)]
    rows = [*rows[: MAX_ROWS - 2], Row("staff:target", _("Seluruh kota")), Row("staff:drop", _("Batal"))]
    return Reply(
        _(
            "{kecamatan} itu kecamatan. Pengumuman dikirim per kelurahan, atau ke seluruh kota. Pilih kelurahannya, "
            "atau ketik namanya."
        ).format(kecamatan=f"Kecamatan {area.name}"),
        menu=Menu(_("Pilih kelurahan"), tuple(rows)),
    )


async def _target_chosen(turn: Turn, kode: str | None) -> list[Reply]:
    """The admin's kelurahan (or the whole city) is set; a text typed with the request is previewed at once."""
    pending = turn.data.get("pending_text")
    turn.set_state(STAFF_TEXT, kode=kode)
    broadcasts.count_ahead(turn.uow, turn.domain, kode, turn.today)
    if pending:
        replies = await on_text(turn, str(pending))
        if replies is not None:
            return replies
    return [ask_text(turn)]


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
    if "when_at" in turn.data:  # the time was typed at the audience step: straight to the confirmation
        return await confirm(turn, max(datetime.fromisoformat(turn.data["when_at"]), turn.now))
    reached = await broadcasts.audience_counts(turn.uow, turn.domain, turn.data.get("kode"), turn.today, turn.now)
    warning = []
    if not reached[audience]:
        warning.append(
            Reply(
                _(
                    "⚠️ Kelompok “{audience}” saat ini 0 penerima: pengumuman ini belum akan sampai ke siapa pun. "
                    "Ketik “ganti penerima” untuk memilih kelompok lain."
                ).format(audience=_(AUDIENCE_TITLES[audience]))
            )
        )
    return [*warning, _when_prompt(turn)]


def _when_prompt(turn: Turn) -> Reply:
    _ = turn._
    return Reply(
        _("Kapan dikirim?"),
        (
            Button("staff:when:now", _("Kirim sekarang")),
            Button("staff:when:later", _("Jadwalkan")),
            Button("staff:drop", _("Batal")),
        ),
    )


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
    moment = _moment(turn, when)
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
    # The group is said back with the time: after "ganti ke yg layak" the staff member sees what changed.
    group = _("Kelompok: {audience}.").format(audience=_(AUDIENCE_TITLES[data["audience"]]))
    return [
        Reply(
            _("Kirim ke {n} penerima, {when}?").format(n=_.number(people), when=moment) + "\n" + group,
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
    if not count:
        return [
            staff_menu(
                turn,
                staff,
                _(
                    "Pengumuman #{id} tersimpan, tetapi tidak masuk antrean: tidak ada penerima (0 penerima), jadi "
                    "tidak dikirim ke siapa pun."
                ).format(id=broadcast.id),
            )
        ]
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
    "empty": N_("tidak ada penerima"),
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
        total = sum(v for k, v in tally.items() if k != "recovered_after_crash")
        if not total:  # "selesai 0/0" said nothing: nobody was to receive it, and that is said in words
            if item.status in ("empty", "done"):  # "done" with no row: made before the "empty" state
                line = _("#{id} [tidak ada penerima] tidak sampai ke siapa pun: {text}")
            else:
                line = _("#{id} [{status}] tidak ada penerima, tidak sampai ke siapa pun: {text}")
            lines.append(
                line.format(id=item.id, status=_(BROADCAST_STATUS.get(item.status, item.status)), text=item.text[:40])
            )
            if item.status in ("scheduled", "sending"):
                cancellable.append(Row(f"staff:cancel:{item.id}", _("Batalkan #{id}").format(id=item.id)))
            continue
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


@router.step(STAFF_TARGET, reminder=_reminder, cancel=drop)
async def staff_step(turn: Turn, said: Said) -> list[Reply] | None:
    return await on_text(turn, said.text)


# At the time step and the confirmation a cancel word may take back only the time: "ga jadi besok, skrg aja",
# "batal jam 8, jam 9 aja". So these steps read "cancel" themselves (own_escapes).
@router.step(STAFF_WHEN, reminder=_reminder, cancel=drop, own_escapes=("cancel",))
async def staff_when_step(turn: Turn, said: Said) -> list[Reply] | None:
    retimed = await cancel_or_retime(turn, said)
    return retimed if retimed is not None else await on_text(turn, said.text)


async def cancel_or_retime(turn: Turn, said: Said) -> list[Reply] | None:
    """A cancel at the time step or the confirmation: another time named after it is that time, echoed for
    confirmation; a day named without its hour asks the time again; anything else drops the draft. None
    when the message is no cancel."""
    if said.escape != "cancel":
        return None
    clauses = [c.strip() for c in re.split(r"[,;]|\b(?:tapi|tp|tpi|but)\b", said.lowered) if c.strip()]
    if len(clauses) >= 2:  # the time meant instead comes in a clause of its own
        if now_asked(clauses[-1]):
            return await confirm(turn, turn.now)
        if (when := parse_when(clauses[-1], turn.now)) is not None:
            return await confirm(turn, when)
    rest = change_of_mind(said.text) or ""
    timed = names_day(rest) or any(ch.isdigit() for ch in rest)
    if timed and "audience" in turn.data:
        staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
        if staff is not None:
            return await edit_draft(turn, staff, "when")  # "ga jadi besok", "batal jam 8": when, then?
    return await drop(turn)


# A short program question typed while drafting ("eh iuran sigap itu berapa sih?"): a question to the bot,
# answered from the knowledge base by the engine, the draft reminded; a longer text is the announcement.
MOST_QUESTION_WORDS = 12


@router.step(STAFF_TEXT, reminder=_reminder, cancel=drop, free_text=True, too_long=text_too_long)
async def staff_text_step(turn: Turn, said: Said) -> list[Reply] | None:
    asks = said.faq is not None and said.is_question and _ASKING.search(" ".join(said.lowered.split()))
    about_sending = process_question(said.text) or form_question(said.text) or cancel_question(said.text)
    if asks and len(said.text.split()) <= MOST_QUESTION_WORDS and not about_sending:
        return None
    return await on_text(turn, said.text)


# "jgn skrg", "bukan hari ini", "ga, …": the no that comes before the time meant instead.
_NOT_THEN = re.compile(
    r"\b(jangan|jgn|bukan|ga|gak|gk|nggak|ngga|tidak|tdk|not|no|don'?t)\b( (sekarang|skrg|skrng|langsung|now|hari ini"
    r"|besok|lusa|jam itu|itu|dulu|dl))?"
)


def _refused_then(text: str, now: datetime) -> datetime | None:
    """ "jgn skrg, besok jam 9 aja": a refusal, then in a clause of its own the time meant (never the time
    refused: "jangan jam 8" names no time to use)."""
    clauses = [c.strip() for c in re.split(r"[,;]|\b(?:tapi|tp|tpi|but)\b", text.lower()) if c.strip()]
    if len(clauses) < 2 or not _NOT_THEN.match(clauses[0]):
        return None
    return parse_when(clauses[-1], now)


def _time_instead(text: str, now: datetime) -> datetime | None:
    """The time a refusal names instead ("jgn skrg, besok aja jam 8" → tomorrow 08:00), or None."""
    rest = " ".join(_NOT_THEN.sub(" ", re.sub(r"[,;!]+", " ", text.lower())).split())
    return parse_when(rest, now) if rest and any(ch.isdigit() for ch in rest) else None


@router.step(STAFF_CONFIRM, reminder=_reminder, cancel=drop, own_escapes=("cancel",))
async def staff_confirm_step(turn: Turn, said: Said) -> list[Reply] | None:
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        turn.clear_state()
        return None
    if (retimed := await cancel_or_retime(turn, said)) is not None:
        return retimed
    if drops(said.text):  # "ga usah deh, batal", "oke batalin aja"
        return await drop(turn)
    if (answered := await question_mid_draft(turn, said.text)) is not None:
        return answered
    if await other_audience_asked(turn, said.text):
        return await ask_audience(turn, staff)
    what = edit_of(said.text)  # before the yes/no: "hapus draf" holds a "hapus", which is not a "kirim"
    drafted = datetime.fromisoformat(turn.data["send_at"])
    if what == "when" and (when := new_time_in(said.text, turn.now, drafted)) is not None:
        return await confirm(turn, when)
    switched = changed_audience(said.text)
    if switched is None and (other := audience_instead(said.text)) != turn.data.get("audience"):
        switched = other  # "kirim ke yg terdaftar aja" when another audience was drafted: never the old one sent
    if switched is not None:  # "ganti ke yg layak aja": that audience, at the time already chosen
        turn.update_data(audience=switched)
        return await confirm(turn, drafted)
    if what is not None:
        return await edit_draft(turn, staff, what)
    scheduled = datetime.fromisoformat(turn.data["send_at"]) > turn.now + timedelta(minutes=1)
    if scheduled and now_asked(said.text):
        return await confirm(turn, turn.now)  # "kirim sekarang aja" after a time was chosen: now, asked again
    doubt = HOLD_ON.search(said.lowered)
    typed = " ".join(re.sub(r"[,.!]+", " ", said.lowered).split())
    # "ok besok jam 10 aja", "iya tp lusa aja jam 8": a yes to another time is that time, echoed again — never
    # the old time sent.
    named = parse_when(_without_acks(typed), turn.now) if any(ch.isdigit() for ch in typed) else None
    if named is not None and abs(named - drafted) > timedelta(minutes=1):
        return await confirm(turn, named)
    if thanks_only(typed):
        # "makasih ya": a thank-you is no instruction to send; what is waiting is said again
        return [Reply(turn._("Sama-sama. Pengumumannya belum dikirim:")), *await confirm(turn, drafted)]
    if (said.bare_answer is True and not doubt) or SURE.match(typed) or says_send(typed):
        return await send(turn, staff)
    if said.bare_answer is False and (when := _time_instead(said.text, turn.now)) is not None:
        return await confirm(turn, when)  # "jgn skrg, besok aja jam 8": not now, but then
    if said.bare_answer is False:
        return await drop(turn)
    when = parse_when(said.text, turn.now)
    if when is not None:  # a corrected time
        return await confirm(turn, when)
    _ = turn._
    hint = _(
        "Ketik “kirim” untuk mengirim, “batal” untuk membuang draf, “ganti teks” atau “ganti penerima” "
        "untuk mengubahnya, atau waktu lain (contoh: besok jam 9)."
    )
    # What is waiting is said again ("ini dikirim jam berapa?" is answered by it), with its buttons.
    return [Reply(hint), *await confirm(turn, datetime.fromisoformat(turn.data["send_at"]))]


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
    asks_how = found is None and how_to(_request_part(said.text)[0])
    new = found is None and not asks_how and wants_new(_request_part(said.text)[0])
    if found is None and not asks_how and not new:
        return None
    staff = await staff_of(turn.uow, turn.msg.channel, turn.msg.user_key)
    if staff is None:
        return None
    if asks_how:
        return staff_help(turn, staff)
    if new:
        return await start_typed(turn, staff, said.text)
    assert found is not None
    action, typed = found
    if action == "cancel":  # "batalkan #3": that broadcast, through the same scope checks as the button
        return await on_button(turn, f"cancel:{typed[2]}")
    return await on_button(turn, action)


_WHOLE_CITY = re.compile(
    r"\b(seluruh|semua|se|satu)[\s-]*(kota|kelurahan|kel|bekasi)\b|\bsekota\b|\bwhole city\b|\ball kelurahan\b"
    r"|^(semua|all|kota|seluruhnya|semuanya)$"
)


def _request_part(text: str) -> tuple[str, str]:
    """ "kirim pengumuman: Posyandu Sabtu…" or "tolong umumkan ke warga⏎Besok ada fogging…": the request, and
    the announcement typed with it ("" when there is none: a few words after a colon are not one)."""
    lines = text.strip().split("\n", 1)
    request, colon, rest = lines[0].partition(":")
    if colon and len(rest.split()) >= 3:
        return request, (rest + ("\n" + lines[1] if len(lines) > 1 else "")).strip()
    if len(lines) > 1 and len(lines[1].split()) >= 3:
        return lines[0], lines[1].strip()
    return text, ""


async def start_typed(turn: Turn, staff: Staff, text: str) -> list[Reply]:
    """ "kirim pengumuman ke warga margahayu: Posyandu Sabtu…": what the message already says is used — the
    kelurahan (an admin's), and the text after a colon — and only what is missing is asked."""
    request, body = _request_part(text)
    if staff.role == "admin":
        if _WHOLE_CITY.search(request.lower()):
            turn.set_state(STAFF_TEXT, kode=None)
        else:
            place = turn.domain.wilayah.find_in_text(request)
            if place is None:
                await on_button(turn, "new")
                if body:
                    turn.update_data(pending_text=body)
                return [_ask_target(turn)]
            turn.set_state(STAFF_TEXT, kode=place.code)
    else:
        turn.set_state(STAFF_TEXT, kode=staff.kode_kelurahan)
    broadcasts.count_ahead(turn.uow, turn.domain, turn.data.get("kode"), turn.today)
    previewed = await on_text(turn, body) if body else None
    return previewed if previewed is not None else [ask_text(turn)]


def _ask_target(turn: Turn, lead: str = "") -> Reply:
    _ = turn._
    text = _("Untuk kelurahan mana? Ketik nama kelurahannya, atau pilih seluruh kota.")
    return Reply(
        f"{lead}\n{text}" if lead else text,
        (Button("staff:target", _("Seluruh kota")), Button("staff:drop", _("Batal"))),
    )
