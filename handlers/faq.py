"""The program knowledge base (sigap_core/data/faq/faq.toml): questions answered without a NIK.

Matched on the raw lower-cased message and on its normalised form (slang expanded, typos pulled to
keywords), so "iurannya brp", "bayarnya berapa sih" and "how much does it cost" find the same answer.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

from sigap_core.i18n import Translator
from sigap_core.services import Domain

# Outcome codes (sigap_core.eligibility.Status values and "not_verified") → the answer group they get.
STATUS_GROUPS = {
    "eligible_priority": "eligible",
    "eligible": "eligible",
    "enrolled": "enrolled",
    "not_resident": "not_resident",
    "desil_above_limit": "needs_update",
    "not_informal_worker": "needs_update",
    "already_covered": "already_covered",
    "selected": "selected",
    "waiting_list": "waiting_list",
    "not_verified": "not_verified",
}


_SUFFIX = re.compile(r"\b(\w{3,}?)(nya|ny|ku|mu)\b")  # "umurnya", "umurku", "kartumu"

# Regional and chat negations as the standard "tidak", with the punctuation kept (the patterns' "…?" tails):
# Betawi "gratis kagak?", "kagak bayar kan?" read like "gratis tidak?", "tidak bayar kan?".
_NEGATION = re.compile(r"\b(kagak|kaga|kgk|gak|ga|gk|nggak|ngga|enggak|engga|ndak|nda|ora)\b")
_DIALECT = re.compile(r"\b(entu|ntu|tuh)\b")
# An opening exclamation before the question ("lho maksudnya apa?", "hah? trus gmn", "waduh, brp lama?").
_INTERJECTION = re.compile(
    r"^((lho|loh|lhoh|lha|lah|hah|heh|eh|ehh|oh|ohh|oo|ooh|hmm|hmmm|hm|wah|waduh|duh|aduh|astaga|yaampun|ya ampun"
    r"|hadeh|haduh|wkwk|wkwkwk|anjir|buset|busyet)\b[\s,.!?]*)+"
)
# Asking for a term's long form is asking what it is: "kpj tuh singkatan apa", "kepanjangan dari jkm apa",
# "dtsen singkatan dari apa", "what does kpj stand for" read like "kpj itu apa", "apa itu jkm".
_DEFINITION = re.compile(r"\b(itu |tuh )?(singkatan|kepanjangan|panjangan)(nya)?( dari)?\b")
_STANDS_FOR = re.compile(r"\bwhat (does|do|is) (\w+) stands? for\b")


@dataclass(frozen=True)
class Text:
    id: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class Entry:
    id: str
    source: str
    figure: str
    patterns: tuple[re.Pattern[str], ...]
    weight: int
    examples: tuple[str, ...]
    answer: Text
    by_status: dict[str, Text] = field(default_factory=dict)
    buttons: tuple[str, ...] = ()
    follow_up: bool = False
    after: dict[str, str] = field(default_factory=dict)  # last topic → the entry that answers this follow-up
    step_first: bool = False  # with a step pending, the step's reminder is the answer ("trus?" → "ketik NIK")
    second: bool = True  # may be added as a message's second answer (not for context-only follow-ups)
    anchor: str = ""  # what a bare follow-up after this answer is about ("setahun?" after the cost: "iuran")
    otherwise: str = ""  # the entry that answers when neither the last topic nor the last outcome gives a case
    keywords: frozenset[str] = frozenset()  # words that name this topic alone, for a question no pattern reads
    plain: Text | None = None  # the answer in everyday words, for "maksudnya?" / "ga ngerti" right after it


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: int  # pattern weight; 0 for a loose (fuzzy) match on an example
    also: Entry | None = None  # a second question in the same message ("… kapan? harus bayar ga?")


# A message holding more than one question: two question marks, or a long one.
_SEVERAL = re.compile(r"\?[^?]+\?")
LONG_MESSAGE_WORDS = 14


def _text(table: dict[str, str]) -> Text:
    return Text(table["id_text"].strip(), table["en_text"].strip())


@cache
def knowledge_base() -> tuple[Entry, ...]:
    raw = tomllib.loads(resources.files("sigap_core").joinpath("data/faq/faq.toml").read_text(encoding="utf-8"))
    entries = []
    for item in raw["faq"]:
        entries.append(
            Entry(
                id=item["id"],
                source=item["source"],
                figure=item["figure"],
                patterns=tuple(re.compile(p) for p in item["patterns"]),
                weight=int(item.get("weight", 3)),
                examples=tuple(item.get("examples", ())),
                answer=_text(item),
                by_status={group: _text(t) for group, t in item.get("status", {}).items()},
                buttons=tuple(item.get("buttons", ())),
                follow_up=bool(item.get("follow_up", False)),
                after=dict(item.get("after", {})),
                step_first=bool(item.get("step_first", False)),
                second=bool(item.get("second", True)),
                anchor=str(item.get("anchor") or (item.get("examples") or [""])[0]),
                otherwise=str(item.get("otherwise", "")),
                keywords=frozenset(item.get("keywords", ())),
                plain=Text(item["plain_id"].strip(), item["plain_en"].strip()) if "plain_id" in item else None,
            )
        )
    return tuple(entries)


@cache
def _examples() -> tuple[list[str], list[Entry]]:
    from handlers.nlu import normalise

    texts, owners = [], []
    for entry in knowledge_base():
        for example in entry.examples:
            texts.append(normalise(example))
            owners.append(entry)
    return texts, owners


@lru_cache(maxsize=256)
def _hits(lowered: str, normalised: str) -> tuple[Entry, ...]:
    """Every entry whose patterns hit the message, in the knowledge base's order. Cached: a bare follow-up
    is matched as its combined words twice (what they add, and what they ask), and an anchor once for all."""
    # "bayarnya", "iurannya", "umurku": the -nya, -ku and -mu suffixes never change the question.
    plain = _DIALECT.sub("itu", _NEGATION.sub("tidak", lowered))
    plain = _STANDS_FOR.sub(r"what is \2", _DEFINITION.sub("itu", plain))
    forms: tuple[str, ...] = (lowered, normalised, _SUFFIX.sub(r"\1", lowered), _SUFFIX.sub(r"\1", normalised), plain)
    # "lho maksudnya apa?", "eh trus gmn?": an opening exclamation does not change what is asked
    bare = _INTERJECTION.sub("", lowered)
    if bare != lowered:
        forms += (bare, _INTERJECTION.sub("", normalised))
    return tuple(e for e in knowledge_base() if any(p.search(form) for p in e.patterns for form in forms))


def _by_patterns(lowered: str, normalised: str) -> tuple[Match | None, Match | None]:
    """The best and the second-best entry whose patterns hit (the second may be a message's second answer)."""
    best: Match | None = None
    second: Match | None = None
    for entry in _hits(lowered, normalised):
        found = Match(entry, entry.weight)
        if best is None or found.score > best.score:
            best, second = found, best
        elif entry.second and (second is None or found.score > second.score):
            second = found
    return best, second


# Where a story's sentences and clauses end: "sy supir angkot, bini jualan, anak 2 sekolah. dapet apa aja?"
_CLAUSES = re.compile(r"(?<=[.!?;])\s+|,\s*|\n+")
STORY_WORDS = 8


def _question_clause(lowered: str) -> str | None:
    """In a story with a question, the clause that asks: the last one with a question mark, else the last."""
    if len(lowered.split()) < STORY_WORDS:
        return None
    clauses = [c.strip() for c in _CLAUSES.split(lowered) if c and c.strip()]
    if len(clauses) < 2:
        return None
    asked = [c for c in clauses if c.endswith("?")]
    clause = asked[-1] if asked else clauses[-1]
    return clause if len(clause.split()) >= 2 else None


def match(lowered: str, normalised: str) -> Match | None:
    """The best entry for a message, or None. Patterns first (summed weights); then a close match on a
    whole example question, for typos the patterns miss. In a story ("sy supir angkot, anak 2 masih sekolah.
    dapet apa aja?") the clause that asks is answered too, after the answer the story's words weigh for."""
    best, second = _by_patterns(lowered, normalised)
    if best is not None:
        clause = _question_clause(lowered)
        if clause is not None:
            from handlers.nlu import normalise

            asked, _ = _by_patterns(clause, normalise(clause))
            known = {best.entry.id, second.entry.id if second is not None else ""}
            if asked is not None and asked.entry.id not in known and asked.score >= 3 and asked.entry.second:
                return Match(best.entry, best.score, asked.entry)  # the weightier answer first, the asked one too
        several = _SEVERAL.search(lowered) or len(lowered.split()) >= LONG_MESSAGE_WORDS
        if second is not None and several and second.entry.second and second.score >= 3:
            return Match(best.entry, best.score, second.entry)
        return best
    if len(normalised) < 6:
        return _by_keyword(lowered, normalised)
    texts, owners = _examples()
    mine = _key_words(normalised)
    for _text_found, _score, index in process.extract(normalised, texts, scorer=fuzz.ratio, score_cutoff=84, limit=3):
        theirs = _key_words(texts[index])
        if mine - theirs and theirs - mine:
            continue  # "kk itu apa" is not "jkk itu apa": a close spelling of another term is another question
        return Match(owners[index], 0)
    return _by_keyword(lowered, normalised)


# A short question that no pattern reads, but that names one topic by a word of its own ("ga ada biaya sama
# sekali kan", "perlu modal ga buat ikut"): that topic's answer, loosely (score 0, as a close example is).
# Not when the message is about a claim, a death or one's own record: those have their own readers.
KEYWORD_QUESTION_WORDS = 12
_KEYWORD_QUESTION = re.compile(
    r"\?|\b(apa|apakah|berapa|bagaimana|gimana|kapan|kenapa|dimana|mana|siapa|bisa|boleh|kah|tidak|kan|ya|dong|"
    r"perlu|harus|masa|memang|beneran|how|what|who|when|where|can|is|do|does|are)\b"
)
_NOT_BY_KEYWORD = re.compile(
    r"\b(klaim|claim|meninggal|wafat|kecelakaan|celaka|santunan|beasiswa|jkm|jkk|jht|berobat|dirawat|rumah sakit|"
    r"obat|status|tagihan|cicilan|pinjaman|kredit|listrik|pajak|sekolah)\w*"
)


def _by_keyword(lowered: str, normalised: str) -> Match | None:
    words = set(normalised.split()) | set(_SUFFIX.sub(r"\1", lowered).split())
    if len(normalised.split()) > KEYWORD_QUESTION_WORDS or not _KEYWORD_QUESTION.search(lowered + " " + normalised):
        return None
    if _NOT_BY_KEYWORD.search(lowered) or _NOT_BY_KEYWORD.search(normalised):
        return None
    named = [e for e in knowledge_base() if e.keywords & words]
    return Match(named[0], 0) if len(named) == 1 else None


# The programme's short terms: one letter apart, they are different questions ("kk" / "jkk", "jkk" / "jkm").
_KEY_WORDS = frozenset({"kk", "jkk", "jkm", "jht", "kpj", "nik", "ktp", "jmo", "dtsen", "desil", "kis", "jkn", "plkk"})


def _key_words(text: str) -> frozenset[str]:
    return _KEY_WORDS.intersection(text.split())


def family(topic: str | None) -> str:
    """The entry a remembered topic belongs to: a flow's own answer is kept as "ENTRY:VARIANT" (the JKK death
    answer is "jkk_jkm_meaning:jkk_death"), so the `after` tables and "maksudnya?" treat it as that entry."""
    return (topic or "").partition(":")[0]


def carry(anchor: str, lowered: str, normalised: str) -> Match | None:
    """A bare follow-up read after the last answer's subject: `lowered`/`normalised` are the combined words
    (`anchor` first). The entry the follow-up's own words add to the anchor's ("trus klaimnya gmn?" after
    the JKM benefit: the claim steps), or None when they add none (then the last answer itself is what was
    asked about: "setahun?" after the cost)."""
    from handlers.nlu import normalise

    plain = anchor.lower()
    before = {e.id for e in _hits(plain, normalise(plain))}
    added = [e for e in _hits(lowered, normalised) if e.id not in before and not e.follow_up]
    if not added:
        return None
    best = max(added, key=lambda e: e.weight)
    return Match(best, best.weight)


@cache
def _index() -> dict[str, Entry]:
    return {e.id: e for e in knowledge_base()}


def find(entry_id: str) -> Entry | None:
    return _index().get(entry_id)


def entry(entry_id: str) -> Entry:
    return _index()[entry_id]


def resolve(found: Entry, topic: str | None, outcome: str | None = None) -> Entry:
    """A follow-up ("berapa lama?") asked right after another answer is answered for that answer's topic
    (after the claim documents: how long a claim takes), as the entry's `after` table says. With no topic
    it names and no answer of its own for the last outcome, an entry may send the question `otherwise`
    ("bisa diwakilkan?" with no errand before it: checking a relative's NIK)."""
    target = found.after.get(topic or "") or found.after.get(family(topic))
    if target:
        return entry(target)
    if found.otherwise and not has_status(found, outcome):
        return entry(found.otherwise)
    return found


# "Anda" in a status answer, when the last check was of someone else's NIK (a parent, a spouse).
_YOU = re.compile(r"\bAnda\b")


def about_other(text: str) -> str:
    """A status answer reworded for someone else's record: "Anda" → "orang tersebut" (Indonesian; the
    English answer gets a lead line instead, see handlers.engine.faq_reply)."""

    def reword(found: re.Match[str]) -> str:
        before = text[: found.start()].rstrip(" ")
        return "Orang tersebut" if not before or before[-1] in ".!?\n" else "orang tersebut"

    return _YOU.sub(reword, text)


def values(domain: Domain, _: Translator, place: str | None = None) -> dict[str, str]:
    """The policy's figures, as the answers' placeholders; `place`: the regency a not-resident outcome was
    placed in, for {where}."""
    policy = domain.policy
    contacts = policy.contacts
    office = ", ".join(p for p in (contacts.bpjs_office_name, contacts.bpjs_office_address) if p)
    return {
        "monthly": _.money(policy.monthly_contribution),
        "yearly": _.money(policy.yearly_contribution),
        "jkk": _.money(policy.jkk_monthly),
        "jkm": _.money(policy.jkm_monthly),
        "quota": _.number(policy.quota),
        "eligible_max": str(policy.eligible_desil_max),
        "priority_max": str(policy.priority_desil_max),
        "office": office or _("kantor cabang BPJS Ketenagakerjaan terdekat"),
        "checks_per_day": str(policy.verification.checks_per_user_per_day),
        "fails_allowed": str(policy.verification.failed_attempts_per_user),
        "lockout_minutes": str(policy.verification.lockout_minutes),
        "days": str(policy.verification.verified_link_days),
        "minutes": str(policy.dialog_minutes),
        "where": _("di {regency}, di luar Kota Bekasi").format(regency=place) if place else _("di luar Kota Bekasi"),
    }


def status_key(entry: Entry, outcome: str | None) -> str | None:
    """Which of the entry's status answers fits this outcome: one for the outcome itself (a desil above the
    limit and a salaried job are both "needs_update", but "why not?" has a different answer for each),
    else one for its group; None when the entry has neither."""
    if not outcome:
        return None
    if outcome in entry.by_status:
        return outcome
    group = STATUS_GROUPS.get(outcome)
    return group if group in entry.by_status else None


def has_status(entry: Entry, outcome: str | None) -> bool:
    """The entry has its own answer for this outcome (then that answer, not a step's prompt, is wanted)."""
    return status_key(entry, outcome) is not None


def answer_text(
    entry: Entry, domain: Domain, _: Translator, outcome: str | None, other: bool = False, place: str | None = None
) -> str:
    """The answer, for the last outcome (or its group) when the entry has one. `other`: that outcome was of
    someone else's NIK, so the status answer speaks of "orang tersebut", not "Anda"; `place`: the regency of a
    not-resident outcome."""
    key = status_key(entry, outcome)
    status_text = entry.by_status.get(key) if key else None
    text = (status_text or entry.answer).get(_.lang).format_map(values(domain, _, place))
    if other and status_text is not None:
        lead = _("Tentang NIK yang dicek tadi (bukan data Anda sendiri):")
        return lead + "\n" + (text if _.lang == "en" else about_other(text))
    return text


# A sentence ends at . ! ? — not after an abbreviation of an address or a decree ("Jl. Pramuka No. 29").
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\bJl\.)(?<!\bNo\.)(?<!\bKel\.)(?<!\bKec\.)(?<!\bdll\.)(?<!\bdsb\.)\s+|\n+")


# A sentence that says something is not known ("Keputusan untuk tahun berikutnya belum kami ketahui").
_UNKNOWN = re.compile(
    r"\b(belum (kami |saya )?(ketahui|tahu|temukan|ada di)|tidak mau menebak|belum bisa (saya )?(memastikan|sampaikan)"
    r"|do not know|don't know|have not found|not in our sources|cannot promise|not (yet )?known)\b",
    re.IGNORECASE,
)


def says_unknown(text: str) -> bool:
    return _UNKNOWN.search(text) is not None


def confirmation(entry: Entry, domain: Domain, _: Translator, outcome: str | None, other: bool = False) -> str:
    """ "beneran?" after an answer: the answer in short (as `in_short`), keeping a sentence that says what is not
    known, so a doubt is never answered with only the certain half ("tahun depan masih ada?" → not known)."""
    if has_status(entry, outcome):
        return in_short(entry, domain, _, outcome, other)
    sentences = _SENTENCE.split(answer_text(entry, domain, _, None).strip())
    kept = [sentences[0], *[s for s in sentences[1:] if _UNKNOWN.search(s)][:1]]
    return " ".join(kept) + "\n" + answer_text(_index()["in_short"], domain, _, None)


def in_short(
    entry: Entry, domain: Domain, _: Translator, outcome: str | None, other: bool = False, place: str | None = None
) -> str:
    """The answer once more in short, for a follow-up that would repeat it: the outcome's one-line summary
    (the `in_short` entry) when the answer was the outcome's, else its first sentence; then a person to ask."""
    short = _index()["in_short"]
    if has_status(entry, outcome) and has_status(short, outcome):
        return answer_text(short, domain, _, outcome, other, place)
    first = _SENTENCE.split(answer_text(entry, domain, _, None).strip(), maxsplit=1)[0]
    return first + "\n" + answer_text(short, domain, _, None)


def plainly(entry: Entry, domain: Domain, _: Translator, outcome: str | None, other: bool = False) -> str | None:
    """ "maksudnya?" / "ga ngerti" right after this answer: the same topic in everyday words (the entry's
    `plain_*` text), never the same text again. A status answer gets the outcome's one-line summary; an entry
    without a plain version None (the caller gives its first sentence and a person to ask)."""
    short = _index()["in_short"]
    group = STATUS_GROUPS.get(outcome or "")
    if has_status(entry, outcome) and group in short.by_status:
        return answer_text(short, domain, _, outcome, other)
    if entry.plain is None:
        return None
    return entry.plain.get(_.lang).format_map(values(domain, _))
