"""First contact, the menu and the language choice."""

from __future__ import annotations

import re

from handlers import faq
from handlers.context import Turn
from handlers.flow import Router
from handlers.model import Reply
from handlers.nlu import normalise
from handlers.understanding import Said
from sigap_core.i18n import normalise_language

router = Router("welcome")
_THANKS = re.compile(r"terima kasih|makasih|thank|thx|\btq\b|mksh")
# The Islamic greeting, however it is typed ("assalamualaikum", "asalamu'alaikum", "askum"), is returned.
_SALAM = re.compile(r"\b(a?ss?alamu'?\s?'?alaiku?m\w*|askum|aslm|ass?wr\w*)\b")


def salam(turn: Turn) -> str:
    """ "Waalaikumsalam." and a line break when the message greeted with a salam, else nothing."""
    text = turn.msg.text.lower().replace("’", "'") if turn.msg.text else ""
    return turn._("Waalaikumsalam.") + "\n" if _SALAM.search(text) else ""


# A time of day alone greets only with someone addressed ("pagi min"); "sore ini", "malem aja" name a time.
_GREETING = re.compile(
    r"^(halo|hallo|haloo|helo|hai|hay|hi|hii|hello|hey|permisi|punten|good (morning|afternoon|evening)"
    r"|(selamat|met|slmt) (pagi|siang|sore|malam|malem)"
    r"|(pagi|siang|sore|malam|malem)( (min|kak|pak|bu|mas|mbak|bang|gan|semua|sob))+\s*[.!]*$)"
)
MAX_PLEASANTRY_WORDS = 5


def pleasantry(turn: Turn, said: Said) -> str | None:
    """The line that returns a greeting or a thank-you sent with nothing else in it, or None. At a pending
    step the step is then reminded rather than dropped for the menu ("assalamualaikum" at the picker)."""
    if said.intent != "menu" or said.escape is not None or said.faq is not None or said.is_question:
        return None
    if said.bare_answer is not None:
        return None  # "gak makasih", "iya makasih": an answer with thanks, read by the step
    if len(said.text.split()) > MAX_PLEASANTRY_WORDS:
        return None
    if _THANKS.search(said.lowered):
        return turn._("Sama-sama!")
    greeted = salam(turn).strip()
    if greeted:
        return greeted
    return turn._("Halo!") if _GREETING.search(said.lowered) else None


def welcome(turn: Turn) -> list[Reply]:
    return [turn.main_menu(intro_text(turn))]


def intro(turn: Turn) -> Reply:
    return Reply(intro_text(turn))


def intro_text(turn: Turn) -> str:
    _ = turn._
    return salam(turn) + _(
        "Halo! Saya SIGAP bot dari Pemkot Bekasi. 👋\n"
        "Program SIGAP membayar iuran BPJS Ketenagakerjaan (jaminan kecelakaan kerja dan kematian) untuk "
        "pekerja informal warga Kota Bekasi, seperti ojol, buruh harian, dan pedagang.\n"
        "Saya bisa bantu cek kelayakan, cara memperbarui data DTSEN, dan status kepesertaan Anda."
    )


def menu(turn: Turn) -> list[Reply]:
    turn.clear_state()
    greeted = salam(turn)
    if not greeted:
        return [turn.main_menu()]
    return [turn.main_menu(greeted + turn._("Silakan pilih layanan, atau ketik pertanyaan Anda."))]


def thanks(turn: Turn) -> list[Reply]:
    turn.clear_state()
    return [turn.main_menu(turn._("Sama-sama! Ada lagi yang bisa dibantu?"))]


def change_language(turn: Turn, lang: str) -> list[Reply]:
    """The user's own choice: kept, never switched by what they write later."""
    turn.set_language(lang, chosen=True)
    return [turn.main_menu(turn._("Bahasa diganti ke Bahasa Indonesia."))]


@router.button("menu")
async def menu_button(turn: Turn, argument: str) -> list[Reply]:
    return menu(turn)


@router.button("lang")
async def language_button(turn: Turn, argument: str) -> list[Reply]:
    turn.clear_state()
    return change_language(turn, normalise_language(argument))


@router.intent("menu")
async def menu_intent(turn: Turn, said: Said) -> list[Reply]:
    if _THANKS.search(said.lowered):
        return thanks(turn)
    return menu(turn)


_LANG = r"(indonesia|indonesian|indo|inggris|english|engris|englis)"
# "saya kurang ngerti bahasa inggris", "i don't speak english", "my indonesian is not good": not that language.
_CANNOT = re.compile(
    r"\b(ga|gak|nggak|ngga|enggak|tidak|tdk|kurang|belum|blm|don.t|do not|can.t|cannot|not good at|no)\s+"
    r"(terlalu\s+|begitu\s+|bisa\s+|lancar\s+|fasih\s+)?"
    r"(ngerti|mengerti|paham|bisa|lancar|fasih|understand|speak|read|know|good at)\s+(in\s+|pake\s+|pakai\s+)?"
    r"(bhs\s+|bahasa\s+)?" + _LANG + r"\b"
    r"|\bmy " + _LANG + r" (is )?(not (good|great|very good)|bad|poor|limited|weak)\b"
    r"|\b(bahasa |bhs )?" + _LANG + r" (saya|sy|aku|gw|gue) (kurang|jelek|ga bagus|gak bagus|tidak bagus|pas-?pasan)\b"
)
# "pakai bahasa indonesia aja", "reply in english", "indo aja", "english please": the language asked for.
_ASKED = re.compile(
    r"\b(in|into|to|pakai|pake|pakek|ganti|ganti ke|ubah ke|pindah ke|balik ke|kembali ke|dengan|dlm|dalam|use|using"
    r"|speak|berbahasa)\s+(ke\s+)?(bahasa\s+|bhs\s+)?" + _LANG + r"\b"
    r"|\b" + _LANG + r"\s+(aja|saja|dong|please|pls|plz|only|ya|deh|lah)\b"
    r"|^(bahasa\s+|bhs\s+)?" + _LANG + r"[.!?\s]*$"
    # English speakers call Indonesian "Bahasa": "can you answer in bahasa please"
    r"|\b(in|speak|use|using|reply in|answer in|switch to|change to)\s+(?P<bahasa>bahasa)\b"
    r"(?!\s+(inggris|english|indonesia))"
)
_NAMED_LANGUAGE = re.compile(r"\b" + _LANG + r"\b")
_INDONESIAN_NAMES = frozenset({"indonesia", "indonesian", "indo"})


def _code(name: str) -> str:
    return "id" if name in _INDONESIAN_NAMES else "en"


def wanted_language(lowered: str) -> str | None:
    """The language a change-of-language message asks for: the one it asks for ("pakai bahasa indonesia aja",
    "reply in english"), else the other one than it says it cannot read ("i don't speak english"), else the one
    it names; None when it names none ("ganti bahasa")."""
    cannot = _CANNOT.search(lowered)
    rest = _CANNOT.sub(" ", lowered)
    asked = [
        "indonesia" if m.group("bahasa") else next(g for g in m.groups() if g in _NAMED) for m in _ASKED.finditer(rest)
    ]
    if asked:
        return _code(asked[-1])
    if cannot:
        lacking = next(g for g in cannot.groups() if g in _NAMED)
        return "en" if _code(lacking) == "id" else "id"
    named = [m.group(1) for m in _NAMED_LANGUAGE.finditer(rest)]
    return _code(named[-1]) if named else None


_NAMED = frozenset({"indonesia", "indonesian", "indo", "inggris", "english", "engris", "englis"})


# Asked for outright ("pakai bahasa indonesia", "english please", "in english") or refused ("i don't speak
# english"), as opposed to a question about the languages ("what languages do you speak?").
def _requested(lowered: str) -> bool:
    rest = _CANNOT.sub(" ", lowered)
    return bool(_CANNOT.search(lowered) or _ASKED.search(rest) or re.search(r"\b(ganti|ubah|switch|change)\b", rest))


@router.intent("change_language")
async def language_intent(turn: Turn, said: Said) -> list[Reply]:
    if said.is_question and not _requested(said.lowered):
        # "what languages do you speak?", "is this bot in english?": answered, in the language it was asked in,
        # with the other language one press away (the user's choice is not made for them).
        if said.language and said.language != turn.lang:
            turn.set_language(said.language, chosen=False)
        return [turn.main_menu(turn._("Saya bisa menjawab dalam Bahasa Indonesia dan English. Pilih bahasa di menu."))]
    replies = change_language(turn, wanted_language(said.lowered) or ("en" if turn.lang == "id" else "id"))
    asked = _asked_with_it(said.lowered)
    if asked is not None:  # "brp iurannya? in english pls": the question is answered too, in the new language
        replies.insert(0, Reply(faq.answer_text(asked, turn.domain, turn._, turn.outcome)))
    return replies


# What is left of the message once the language request is taken out ("brp in english?" → "brp").
_REQUEST_WORDS = re.compile(
    r"\b(pls|plz|please|dong|aja|saja|ya|deh|lah|bahasa|bhs|reply|answer|jawab|balas|tolong|can you|could you|"
    r"ganti|ubah|switch|change|the|language|pakai|pake|in|into|to|with)\b"
)
_HOW_MUCH = re.compile(r"^(berapa|brp|brapa|how much)$")


def _asked_with_it(lowered: str) -> faq.Entry | None:
    rest = _NAMED_LANGUAGE.sub(" ", _ASKED.sub(" ", _CANNOT.sub(" ", lowered)))
    rest = " ".join(_REQUEST_WORDS.sub(" ", re.sub(r"[^\w\s']", " ", rest)).split())
    if not rest:
        return None
    if _HOW_MUCH.match(rest):
        return faq.entry("cost")  # a bare "how much?" about the programme is its cost
    found = faq.match(rest, normalise(rest))
    return found.entry if found is not None and not found.entry.follow_up else None
