"""Bare follow-ups: a short question that leans on the last answer ("setahun?", "dapetnya brp?", "trus
klaimnya gmn?", "gratis kan?") is read with that answer's subject before it.

The chat keeps the last answer's topic (an entry id, nothing personal). Each knowledge-base entry has an
`anchor` (its first example unless it names one); a flow's own answer names its anchor in `FLOW_ANCHORS`.
The follow-up is then understood as "ANCHOR + message": an entry the message's words add is answered, else
the combined words are (most often the last answer again, for the aspect asked about).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from handlers import faq
from handlers.understanding import Said, read

MAX_WORDS = 6
# What makes a short message a question about something: a question word, a question mark, a tag.
_QUESTION_WORDS = (
    r"berapa|brp|brapa|gimana|gmn|gmna|bagaimana|caranya|kapan|kpn|dimana|di mana|dmn|kemana|ke mana|kmn"
    r"|mana|siapa|apa|apa aja|apa saja|how|what|when|where|who|which"
)
_ASKS = re.compile(r"\?|\b(" + _QUESTION_WORDS + r"|syarat\w*)\b|\b(kan|ga|gak|nggak|kah|dong|juga|jg)\s*$")
# A request, not a question: only a trailing "dong"/"ya" (or nothing) asks, with no question word or mark.
_REQUEST_ONLY = re.compile(r"^(?!.*\?)(?!.*\b(" + _QUESTION_WORDS + r"|kan|ga|gak|nggak|kah)\b)")
# Not a follow-up: thanks, greetings, acknowledgements ("ok makasih ya?").
_CLOSING = re.compile(r"\b(makasih|terima kasih|trims|thanks|thank you|thx|ok|oke|sip|siap|mantap)\b")

_OWN_ACTIONS = frozenset({"change_language", "subscribe", "unsubscribe", "human_help"})
# Words that say nothing of what is asked about ("terus gimana?", "berapa lama?").
_PLAIN = frozenset(
    str.split(
        "berapa brp brapa lama gimana gmn gmna bagaimana cara caranya terus trus trs lalu jadi jd saya sy aku gw kapan"
        " kpn mana dimana kemana kmn apa aja saja itu ini yang yg dong sih kan nih ya harus hrs mesti bisa bs boleh"
        " dapat dapet dpt tidak ga gak nggak kalau kalo klo udah sudah then what how when where much long"
    )
)


# Everyday words for the answers' own ones ("i have 3 kids" after the scholarship answer's "children").
_SAME = {"kids": "children", "kid": "child", "bocah": "anak", "duit": "uang"}


def _about_it(message: str, topic_text: str) -> bool:
    """The message names something the last answer spoke of ("trus klaimnya gmn?" after the JKM answer,
    which holds the claim steps), beyond question words."""
    words = {re.sub(r"(nya|ny)$", "", w) for w in re.findall(r"[a-z]+", message)}
    words |= {_SAME[w] for w in words if w in _SAME}
    return any(len(w) >= 4 and w not in _PLAIN and w in topic_text for w in words)


# A flow's answer that follow-ups lean on (claims.py keeps its topics as "jkk_jkm_meaning:VARIANT").
FLOW_ANCHORS = {  # short: the anchor is read with every follow-up, and a long one costs a story's reading
    "jkk_jkm_meaning:jkk_death": "klaim meninggal kecelakaan kerja",
    "jkk_jkm_meaning:jkm": "klaim jkm meninggal",
    "jkk_jkm_meaning:accident": "klaim kecelakaan kerja jkk",
    "jkk_jkm_meaning:off_work": "kecelakaan di luar kerja",
}


def anchor_of(topic: str | None) -> str:
    if not topic:
        return ""
    if topic in FLOW_ANCHORS:
        return FLOW_ANCHORS[topic]
    found = faq.find(topic) or faq.find(faq.family(topic))
    return found.anchor if found is not None else ""


def _strong(said: Said) -> bool:
    """The combined words make a clear request of their own (the claim steps, say)."""
    return said.intent not in ("out_of_scope", "menu") and said.nlu.scores.get(said.intent, 0) >= 3


@lru_cache(maxsize=128)
def _topic_text(topic: str | None, anchor: str) -> str:
    """What the last answer spoke of: its anchor and its text in both languages (lower-cased, once a topic)."""
    found = faq.find(topic or "")
    answer = f"{found.answer.id} {found.answer.en}" if found is not None else ""
    return f"{anchor} {answer}".lower()


@lru_cache(maxsize=64)
def _read_with(anchor: str, text: str) -> Said:
    """The follow-up read after the anchor; shared by the how-about test and the reading itself."""
    return read(f"{anchor} {text}")


# "klo kuliah?", "what about university?": a case of the last answer, asked in a word or two.
_HOW_ABOUT = re.compile(r"^(kalau|kalo|klo|klw|kl|kalu|how about|what about|and)\b")
HOW_ABOUT_WORDS = 4
# A count or an age the user states of themselves ("anak sy 3 orang", "umur sy 60").
_NUMBER = re.compile(r"\d|\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|puluh)\b")


def _how_about(said: Said, topic: str | None) -> bool:
    """'klo kuliah?' after the scholarship: a case the last answer spoke of ('kuliah … Rp12 juta'), so the
    last answer's topic is what is asked about, even when the word alone would match another entry."""
    lead = _HOW_ABOUT.search(said.lowered)
    anchor = anchor_of(topic)
    if lead is None or len(said.lowered.split()) > HOW_ABOUT_WORDS or not anchor:
        return False
    if said.faq is not None and said.faq.score == 0:
        return False  # close to a whole example question ("klo telat bayar gmn?"): a question of its own
    if not _about_it(said.lowered[lead.end() :], _topic_text(topic, anchor)):
        return False
    # Read with the subject, the last answer must still be what it is about: "klo telat bayar gmn?" after the
    # cost is a question of its own (the city paying late), which the words outweigh the cost with.
    combined = _read_with(anchor, said.text).faq
    return combined is not None and combined.entry.id == faq.family(topic)


def _states_case(said: Said, topic: str | None) -> bool:
    """A short statement with a number about something the last answer spoke of ('anak sy 3 orang' after the
    scholarship): the user tells their case, and the last answer's topic is what it bears on."""
    return (
        said.faq is None
        and said.intent == "out_of_scope"
        and _NUMBER.search(said.lowered) is not None
        and _about_it(said.lowered, _topic_text(topic, anchor_of(topic)))
    )


# Follow-ups that are about the last answer as a whole ("maksudnya?", "beneran?"): answered for it by
# handlers/engine.faq_reply, never read with its subject as a new question.
_ABOUT_THE_LAST = frozenset({"what_does_it_mean", "is_it_so"})


def elliptical(said: Said, topic: str | None) -> bool:
    """A short question with nothing of its own to answer it by, right after an answer."""
    words = said.lowered.split()
    if not topic or not words or len(words) > MAX_WORDS or said.digits.nik or said.escape is not None:
        return False
    if said.intent in _OWN_ACTIONS and said.nlu.scores.get(said.intent, 0) >= 3:
        return False  # "sorry, in English?", "stop": a request of its own
    if said.intent == "update_data" and said.nlu.scores.get(said.intent, 0) >= 5:
        return False  # "trs gmn cara benerin datanya" after the desil answer: the update guide, asked by name
    if said.wants_officer or said.death or _CLOSING.search(said.lowered):
        return False
    if not _ASKS.search(said.lowered):
        return _states_case(said, topic)
    if _REQUEST_ONLY.search(said.lowered) and _strong(said) and said.faq is None:
        # "yaudh sy mau cek dong" after the cost: "dong" asks for something, and that something is named.
        return False
    found = said.faq
    if found is None or _how_about(said, topic):
        return True
    # A general follow-up ("berapa lama?") that its own table does not answer for this topic.
    entry = found.entry
    return entry.follow_up and entry.id not in _ABOUT_THE_LAST and faq.resolve(entry, topic) is entry


def with_topic(said: Said, topic: str | None) -> Said | None:
    """The follow-up understood with the last answer's subject, or None when the message is not one."""
    if not elliptical(said, topic):
        return None
    anchor = anchor_of(topic)
    if not anchor:
        return None
    combined = _read_with(anchor, said.text)
    carried = faq.carry(anchor, combined.lowered, combined.normalised)
    if carried is not None and said.faq is not None and carried.entry.id == said.faq.entry.id:
        carried = None  # "klo kuliah?" after the scholarship: the word's own entry is not what is asked
    if carried is None and combined.faq is None and not combined.death and not _strong(combined):
        return None
    if carried is None and said.faq is not None and not _about_it(said.lowered, _topic_text(topic, anchor)):
        return None  # a general follow-up ("berapa lama?") keeps its general answer unless it names the subject
    # The yes/no, the relative and the language are the message's own, not the anchor's.
    return replace(combined, answer=said.answer, family=said.family, language=said.language, carried=carried)
