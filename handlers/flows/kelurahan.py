"""Finding the user's kelurahan: from what they type, their verified record, or a pick from lists.

The flows that need a kelurahan (the update guide, subscriptions) register what happens once it is known
(`continue_with`), so this module imports none of them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from handlers import faq, regions
from handlers.context import Turn
from handlers.flow import Router
from handlers.flows import claims
from handlers.model import Menu, Reply, Row
from handlers.understanding import Said
from sigap_core.wilayah import Kelurahan

AWAITING_KELURAHAN = "awaiting_kelurahan"
FIRST_PAGE = 9  # WhatsApp lists hold 10 rows: 9 kecamatan + "more"
# A kecamatan (or two kelurahan) is read inside a sentence this short only: a longer one is more likely a
# question for an officer.
MAX_KECAMATAN_SENTENCE = 8

router = Router("kelurahan")
Continuation = Callable[[Turn, Kelurahan], Awaitable[list[Reply]]]
OtherText = Callable[[Turn, Said], Awaitable[list[Reply] | None]]
_continuations: dict[str, Continuation] = {}
_other_text: dict[str, OtherText] = {}
_DONT_KNOW = re.compile(
    r"\b(ga|gak|nggak|ngga|tidak|tdk|enggak|belum) ?(tau|tahu|hafal|apal|inget|ingat|yakin|ngerti)\b|\blupa\b"
    r"|\bdon.t know\b|\bnot sure\b|\bno idea\b|^(maksudnya|maksud nya|apa maksudnya|artinya)\b|\bbingung\b"
)


def continue_with(purpose: str) -> Callable[[Continuation], Continuation]:
    def register(continuation: Continuation) -> Continuation:
        _continuations[purpose] = continuation
        return continuation

    return register


def on_other_text(purpose: str) -> Callable[[OtherText], OtherText]:
    """What a purpose does with a message at the prompt that names no kelurahan (a question for an officer
    typed right away is kept); None from it: the prompt's usual answer."""

    def register(handler: OtherText) -> OtherText:
        _other_text[purpose] = handler
        return handler

    return register


_with_place: dict[str, Callable[[Turn, Said, Kelurahan], bool]] = {}
_answered_by: dict[str, Callable[[Said], bool]] = {}


def answers_itself(purpose: str) -> Callable[[Callable[[Said], bool]], Callable[[Said], bool]]:
    """A purpose whose own answer covers a question sent with the kelurahan ("margahayu, hrs bawa apa?" at the
    update guide: the guide names what to bring), so no other answer is added after it."""

    def register(covered: Callable[[Said], bool]) -> Callable[[Said], bool]:
        _answered_by[purpose] = covered
        return covered

    return register


def keeps_text_with_place(purpose: str) -> Callable[[Callable[[Turn, Said, Kelurahan], bool]], Any]:
    """A purpose that keeps what else a message said beside the kelurahan ("jatibening, kk saya hilang gmn
    ngurusnya?" at the Tanya petugas prompt: the question); the hook says whether it kept something."""

    def register(hook: Callable[[Turn, Said, Kelurahan], bool]) -> Callable[[Turn, Said, Kelurahan], bool]:
        _with_place[purpose] = hook
        return hook

    return register


def dont_know(said: Said) -> bool:
    """ "ga tau", "lupa", "bingung": the person does not know their kelurahan."""
    return bool(_DONT_KNOW.search(said.lowered))


def _carried(turn: Turn) -> dict[str, Any]:
    """What the purpose keeps while the kelurahan is picked (ask's `carry`), from the prompt's own data only."""
    if turn.state != AWAITING_KELURAHAN:
        return {}
    return {key: value for key, value in turn.data.items() if key not in ("purpose", LISTED)}


async def resolve(turn: Turn, typed: str | None) -> Kelurahan | None:
    """A kelurahan named in the message, else the one the bot already knows for this chat."""
    place = from_text(turn, typed) if typed else None
    return place or await known(turn)


async def known(turn: Turn) -> Kelurahan | None:
    """The kelurahan of the verified record, else of the subscription."""
    wilayah = turn.domain.wilayah
    link = await turn.uow.links.get(turn.msg.channel, turn.msg.user_key)
    if link is not None:
        found = await turn.uow.registry.person(link.nik_hmac)
        if found is not None and wilayah.get(found[0].kode_kelurahan):
            return wilayah.get(found[0].kode_kelurahan)
    subscription = await turn.uow.subscriptions.get(turn.msg.channel, turn.msg.user_key)
    if subscription is not None:
        return wilayah.get(subscription.kode_kelurahan)
    return None


# The list the prompt last showed ("keclist:1", "kec:CODE"), so "nomer 3" / "yg ke-2" picks from it.
LISTED = "listed"
# A row named in words ("yg pertama aja", "nomor dua", "the second one"); "terakhir" is the last row.
_ORDINAL_WORDS = {
    **dict.fromkeys(("pertama", "satu", "kesatu", "first", "one"), 1),
    **dict.fromkeys(("kedua", "dua", "second", "two"), 2),
    **dict.fromkeys(("ketiga", "tiga", "third", "three"), 3),
    **dict.fromkeys(("keempat", "empat", "fourth", "four"), 4),
    **dict.fromkeys(("kelima", "lima", "fifth", "five"), 5),
    **dict.fromkeys(("keenam", "enam", "sixth", "six"), 6),
    **dict.fromkeys(("ketujuh", "tujuh", "seventh", "seven"), 7),
    **dict.fromkeys(("terakhir", "paling bawah", "last"), -1),
}
_ORDINAL = re.compile(
    r"^(?:(?:nomer|nomor|no|nmr|pilih|pilihan|yang|yg|number|option|the)\.?\s*)*(?:ke\s*-?\s*)?"
    r"(\d{1,2}|" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s*(?:aja|saja|ya|deh|dong|kak|min|one|please|pls))*\s*[.!]?$"
)


def _asks_more(said: Said) -> bool:
    """A question sent with the kelurahan ("margahayu, trus klo kecelakaan gmn klaimnya?"): a programme
    question read on its own words (a pattern, not a near spelling; never a follow-up), or a claim."""
    if not (said.is_question or "?" in said.text):
        return False
    found = said.faq
    if found is None:
        return said.intent == "claim_help"
    return found.score >= 1 and not found.entry.follow_up


async def _also_asked(turn: Turn, said: Said) -> list[Reply]:
    """The answer to what `_asks_more` found, after the prompt's own reply."""
    if said.faq is None:
        return await claims.claim_intent(turn, said)
    return [Reply(faq.answer_text(said.faq.entry, turn.domain, turn._, turn.outcome))]


async def _ordinal_choice(turn: Turn, said: Said) -> list[Reply] | None:
    """ "nomer 3", "yg ke-2", "5": the N-th row of the list shown last, when there is one and N is on it."""
    found = _ORDINAL.match(said.lowered.strip())
    listed = str(turn.data.get(LISTED) or "")
    if found is None or not listed:
        return None
    named = found.group(1)
    index = int(named) - 1 if named.isdigit() else _ORDINAL_WORDS[named] - (_ORDINAL_WORDS[named] > 0)
    wilayah = turn.domain.wilayah
    kind, _sep, value = listed.partition(":")
    if kind == "kec":
        kecamatan = next((k for k in wilayah.kecamatan if k.code == value), None)
        places = tuple(wilayah.kelurahan_of(kecamatan)) if kecamatan is not None else ()
        index += len(places) if index < 0 else 0  # "yg terakhir"
        return await continue_at(turn, places[index].code) if 0 <= index < len(places) else None
    shown = wilayah.kecamatan[:FIRST_PAGE] if value == "1" else wilayah.kecamatan[FIRST_PAGE:]
    index += len(shown) if index < 0 else 0
    return pick_kelurahan(turn, shown[index].code) if 0 <= index < len(shown) else None


def _kecamatan_menu(turn: Turn, page: int) -> Menu:
    _ = turn._
    kecamatan = turn.domain.wilayah.kecamatan
    if page == 1:
        rows = [Row(f"kec:{k.code}", k.name) for k in kecamatan[:FIRST_PAGE]]
        rows.append(Row("keclist:2", _("Kecamatan lain…")))
    else:
        rows = [Row(f"kec:{k.code}", k.name) for k in kecamatan[FIRST_PAGE:]]
        rows.append(Row("keclist:1", _("Kembali")))
    return Menu(_("Pilih kecamatan"), tuple(rows))


def ask(turn: Turn, purpose: str, page: int = 1, **carry: Any) -> list[Reply]:
    """`carry`: data the purpose needs once the kelurahan is known (kept through the kecamatan lists)."""
    _ = turn._
    turn.set_state(AWAITING_KELURAHAN, purpose=purpose, **{LISTED: f"keclist:{page}"}, **carry)
    text = _("Kelurahan Anda apa? Ketik namanya (contoh: Jatibening), atau pilih kecamatan dari daftar.")
    return [Reply(text, menu=_kecamatan_menu(turn, page))]


def pick_kelurahan(turn: Turn, kecamatan_code: str) -> list[Reply]:
    _ = turn._
    wilayah = turn.domain.wilayah
    kecamatan = next((k for k in wilayah.kecamatan if k.code == kecamatan_code), None)
    if kecamatan is None:
        return ask(turn, turn.data.get("purpose", "update"), 1, **_carried(turn))
    purpose = turn.data.get("purpose", "update")
    turn.set_state(AWAITING_KELURAHAN, purpose=purpose, **{LISTED: f"kec:{kecamatan.code}"}, **_carried(turn))
    rows = tuple(Row(f"kel:{k.code}", k.name) for k in wilayah.kelurahan_of(kecamatan))
    return [
        Reply(
            _("Kecamatan {kecamatan}. Pilih kelurahan Anda:").format(kecamatan=kecamatan.name),
            menu=Menu(_("Pilih kelurahan"), rows),
        )
    ]


_ADDRESS = re.compile(
    r"\b(deket|dekat|dkt|sebelah|belakang|depan|samping|seberang|perumahan|perum|perumnas|komplek|kompleks|"
    r"cluster|gang|gg|jalan|jln|jl|rt|rw|blok|stasiun|pasar|masjid|sekolah|mall|terminal|near|next to|street)\b"
)


def from_text(turn: Turn, text: str) -> Kelurahan | None:
    wilayah = turn.domain.wilayah
    return wilayah.find_kelurahan(text) or wilayah.find_in_text(text)


def not_understood(turn: Turn) -> list[Reply]:
    _ = turn._
    purpose = turn.data.get("purpose", "update")
    turn.set_state(AWAITING_KELURAHAN, purpose=purpose, **{LISTED: "keclist:1"}, **_carried(turn))
    return [
        Reply(
            _(
                "Maaf, kelurahan itu tidak ada di Kota Bekasi. Coba ketik lagi namanya (contoh: Jatibening), "
                "atau pilih kecamatan dari daftar."
            )
            + " "
            # "jatimulya", "sukadanau": most names not found are desa of the regency, which SIGAP does not cover
            + _("Desa di Kabupaten Bekasi (Tambun, Cikarang, Cibitung, dan sekitarnya) tidak termasuk SIGAP."),
            menu=_kecamatan_menu(turn, 1),
        )
    ]


async def continue_at(turn: Turn, code: str) -> list[Reply]:
    place = turn.domain.wilayah.get(code)
    if place is None:
        return not_understood(turn)
    purpose = turn.data.get("purpose", "update")
    return await _continuations.get(purpose, _continuations["update"])(turn, place)


def _way_out(turn: Turn) -> Reply:
    _ = turn._
    return Reply(_("Tidak jadi? Tekan Batal."), (turn.cancel_button(), turn.menu_button()))


def reminder(turn: Turn) -> Reply:
    """The picker again, in one line (a purpose answering a question at the prompt ends with it); after a
    kecamatan's list, that list again, so "2" still picks from what is on the screen."""
    _ = turn._
    listed = str(turn.data.get(LISTED) or "")
    if turn.state == AWAITING_KELURAHAN and listed.startswith("kec:"):
        shown = pick_kelurahan(turn, listed.partition(":")[2])[0]
        return Reply(_("Kalau sudah siap, pilih kelurahan Anda dari daftar, atau ketik namanya."), menu=shown.menu)
    return Reply(
        _("Kalau sudah siap, ketik nama kelurahan Anda (contoh: Jatibening), atau pilih kecamatan dari daftar."),
        menu=_kecamatan_menu(turn, 1),
    )


async def _later(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Baik, nanti saja. Kalau sudah siap, pilih lagi layanannya dari menu."))]


# Chat words no kelurahan is named with: a short message made only of them is not "a wrong name".
_CHAT_WORDS = frozenset(
    re.findall(
        r"\S+",
        # "kelurahan" itself ("kelurahan", "kelurahan sy?") names no kelurahan either
        "kelurahan kelurahannya kel nama namanya "
        "ya iya iyaa ok oke okay sip siap baik deh dong aja saja dulu nanti ntar bentar sebentar tunggu ga gak "
        "nggak tidak enggak belum blm udah sudah sih kok lah yah wah eh hmm loh lho kak min pak bu mas mbak bang "
        "saya sy aku gw ini itu apa mana yang yg gitu gimana gmn terserah bebas semua hah ha wkwk wkwkwk haha "
        "hehe nah tau tahu mau mw bisa the i my yes no not sure please what sorry",
    )
)


def _chat_words_only(said: Said) -> bool:
    words = re.findall(r"[^\W\d_]+", said.lowered)
    return bool(words) and all(word in _CHAT_WORDS for word in words)


def _which_of(turn: Turn, places: list[Kelurahan]) -> list[Reply]:
    _ = turn._
    rows = tuple(Row(f"kel:{k.code}", k.name, k.kecamatan.name) for k in places[:FIRST_PAGE])
    return [Reply(_("Yang mana kelurahan Anda? Pilih salah satu:"), menu=Menu(_("Pilih kelurahan"), rows))]


_SAYS_KELURAHAN = re.compile(r"\b(kelurahan|kelurhan|kel|kelurahannya)\b")


def _kecamatan_namesake(turn: Turn, said: Said, place: Kelurahan) -> bool:
    """ "medan satria", "jatiasih" alone: a kelurahan that shares its kecamatan's name, typed as the bare name.
    The kecamatan may be meant (Pejuang is in Kecamatan Medansatria), so its list is shown, the namesake on it;
    "kel. medan satria" is the kelurahan."""
    same = place.name.replace(" ", "").lower() == place.kecamatan.name.replace(" ", "").lower()
    if not same or _SAYS_KELURAHAN.search(said.lowered):
        return False
    return turn.domain.wilayah.find_kecamatan(said.text) == place.kecamatan


# Words around a place name that name no place ("sy tinggal di bekasi", "domisili kota bekasi").
_PLACE_WORDS = frozenset(("di", "dari", "dr", "kota", "daerah", "wilayah", "tinggal", "domisili", "warga", "alamat"))


def _city_only(said: Said) -> bool:
    """ "bekasi", "di kota bekasi aja": the city, no kelurahan or kecamatan in it."""
    words = re.findall(r"[^\W\d_]+", said.lowered)
    rest = [word for word in words if word not in _CHAT_WORDS and word not in _PLACE_WORDS]
    return rest == ["bekasi"]


def _elsewhere(turn: Turn, said: Said) -> list[Reply] | None:
    """A place that is not a kelurahan of the city: another regency or city (said to be outside SIGAP, with
    the way on), or the city itself (which of its kecamatan?). None for anything else."""
    _ = turn._
    wilayah = turn.domain.wilayah
    outside = regions.named_outside(said.text)
    if outside is not None:
        text = _(
            "{place} di luar Kota Bekasi. SIGAP hanya untuk warga ber-KTP Kota Bekasi, dan kelurahannya mengikuti "
            "alamat di KTP-el/KK. Jika alamat KTP Anda di Kota Bekasi, ketik kelurahannya (contoh: Jatibening) "
            "atau pilih kecamatan dari daftar."
        ).format(place=outside)
    elif _city_only(said):
        text = _(
            "Kota Bekasi punya {kecamatan} kecamatan dan {kelurahan} kelurahan. Kelurahan Anda yang mana? Ketik "
            "namanya (contoh: Jatibening), atau pilih kecamatan dari daftar."
        ).format(kecamatan=len(wilayah.kecamatan), kelurahan=len(wilayah.kelurahan))
    else:
        return None
    return [Reply(text, menu=_kecamatan_menu(turn, 1)), _way_out(turn)]


@router.step(AWAITING_KELURAHAN, reminder=reminder)
async def kelurahan_step(turn: Turn, said: Said) -> list[Reply] | None:
    _ = turn._
    if said.postponed or (said.bare_answer is False and said.escape is None and _chat_words_only(said)):
        return await _later(turn)  # "nanti aja deh", "nggak deh": not a kelurahan name, nor a question
    if said.waiting or (_chat_words_only(said) and not dont_know(said) and said.faq is None):
        return [reminder(turn), _way_out(turn)]  # "ok", "bentar ya", "iya deh": the picker again
    chosen = await _ordinal_choice(turn, said)
    if chosen is not None:
        return chosen
    short = len(said.text.split()) <= MAX_KECAMATAN_SENTENCE  # longer: more likely a question that names places
    named = turn.domain.wilayah.all_named_in_text(said.text) if short else []
    if len(named) > 1:
        return _which_of(turn, named)  # "margahayu atau bekasijaya ya": asked, never one picked silently
    place = from_text(turn, said.text)
    if place is not None and _kecamatan_namesake(turn, said, place):
        return pick_kelurahan(turn, place.kecamatan.code)  # "medan satria": which kelurahan of it, one press
    keep = _with_place.get(turn.data.get("purpose", "update"))
    if place is not None and keep is not None and keep(turn, said, place):
        return await continue_at(turn, place.code)  # the kelurahan, and the rest kept by the purpose
    covered = _answered_by.get(turn.data.get("purpose", "update"))
    if place is not None and covered is not None and covered(said):
        return await continue_at(turn, place.code)  # the purpose's answer is the answer to the question too
    if place is not None and _asks_more(said):
        # "margahayu, trus klo kecelakaan gmn klaimnya?": the prompt filled, and the question answered after it
        return await continue_at(turn, place.code) + await _also_asked(turn, said)
    if place is not None and (said.faq is None or (not said.is_question and "?" not in said.text)):
        # "sy tinggal di rt 3 rw 12 kel margahayu": the kelurahan answers the prompt, whatever a FAQ also matched
        return await continue_at(turn, place.code)
    if said.faq is None or (not said.is_question and "?" not in said.text):
        # "i live in bekasi timur": the kecamatan answers the prompt, whatever a FAQ also matched
        wilayah = turn.domain.wilayah
        # "pondok gede", or "gatau kelurahannya, pokoknya di bekasi timur": that kecamatan's list
        kecamatan = wilayah.find_kecamatan(said.text)
        if kecamatan is None and not said.is_question and len(said.text.split()) <= MAX_KECAMATAN_SENTENCE:
            kecamatan = wilayah.find_kecamatan_in_text(said.text)
        if kecamatan is not None:
            return pick_kelurahan(turn, kecamatan.code)
    if place is None and len(said.text.split()) <= MAX_KECAMATAN_SENTENCE:
        elsewhere = _elsewhere(turn, said)
        if elsewhere is not None:
            return elsewhere  # "sy di jakarta timur", "bekasi": not a wrong kelurahan name
    other = _other_text.get(turn.data.get("purpose", "update"))
    if other is not None:
        handled = await other(turn, said)
        if handled is not None:
            return handled
    if dont_know(said) and (said.faq is None or said.faq.entry.follow_up):
        return [
            Reply(
                _(
                    "Tidak apa-apa. Nama kelurahan ada di alamat KTP-el atau Kartu Keluarga Anda (baris "
                    "“Kel/Desa”). Atau pilih kecamatan Anda dari daftar, lalu kelurahannya."
                ),
                menu=_kecamatan_menu(turn, 1),
            ),
            _way_out(turn),
        ]
    address = _ADDRESS.search(said.lowered) and not said.is_question and "?" not in said.text
    if not address and (
        said.faq is not None or said.is_question or said.intent not in ("out_of_scope", "update_data", "subscribe")
    ):
        return None
    if address:
        # "deket stasiun bekasi", "perumnas 3", "rt 03 rw 05": an address or a landmark, not a wrong name (nor
        # a question about RT/RW workers a FAQ found in it)
        return [
            Reply(
                _(
                    "Saya perlu nama kelurahannya, bukan alamat atau patokan. Namanya ada di alamat KTP-el atau "
                    "Kartu Keluarga (baris “Kel/Desa”), contoh: Jatibening. Atau pilih kecamatan dari daftar."
                ),
                menu=_kecamatan_menu(turn, 1),
            ),
            _way_out(turn),
        ]
    if len(said.text.split()) <= 3 and re.search(r"[^\W\d_]{3,}", said.text) and not _chat_words_only(said):
        return not_understood(turn)  # a name, just not one of Kota Bekasi's
    return [
        Reply(
            _("Maaf, belum jelas. Ketik nama kelurahan saja, contoh: Jatibening. Atau pilih kecamatan dari daftar."),
            menu=_kecamatan_menu(turn, 1),
        ),
        _way_out(turn),
    ]


@router.button("keclist")
async def kecamatan_page(turn: Turn, argument: str) -> list[Reply]:
    return ask(turn, turn.data.get("purpose", "update"), page=2 if argument == "2" else 1, **_carried(turn))


@router.button("kec")
async def kecamatan_button(turn: Turn, argument: str) -> list[Reply]:
    return pick_kelurahan(turn, argument)


@router.button("kel")
async def kelurahan_button(turn: Turn, argument: str) -> list[Reply]:
    if turn.state != AWAITING_KELURAHAN:
        turn.set_state(AWAITING_KELURAHAN, purpose="update")
    return await continue_at(turn, argument)
