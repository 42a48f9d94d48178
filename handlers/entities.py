"""What a message holds besides its intent: NIK, KK digits, yes/no (with negation), a family reference, the
language it is written in, a way out, and dates/times for staff.

Everything here is pure and fast: the dialogue manager reads a message in full once, before any flow acts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz.distance import OSA

from sigap_core.nik import find_nik

WIB = ZoneInfo("Asia/Jakarta")

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


# U+FF01–U+FF5E are the full-width forms of ASCII 0x21–0x7E; U+3000 is the full-width space.
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def normalise_digits(text: str) -> str:
    """Arabic-Indic, Persian, full-width and other decimal digits as ASCII; full-width letters and
    punctuation ("ｃｅｋ ｂｐｊｓ", typed with an East Asian keyboard) as ASCII; zero-width characters dropped."""
    text = text.translate(_INVISIBLE)
    if text.isascii():
        return text
    text = text.translate(_FULL_WIDTH)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


# Regional words ------------------------------------------------------------------------------------------

# Betawi, Javanese and Sundanese words for no / yes / the everyday words around them, as the Jakarta-informal
# forms every rule here is written for ("kagak mau" reads as "tidak mau", "muhun" as "iya", "aje" as "aja").
DIALECT = {
    **dict.fromkeys(
        ("kagak", "kaga", "kgk", "kagag", "ora", "orak", "mboten", "teu", "henteu", "hente", "moal", "ndak"),
        "tidak",
    ),
    **dict.fromkeys(("muhun", "sumuhun", "nggih", "enggih", "inggih", "iyo", "heeh", "hooh", "ho'oh", "yoi"), "iya"),
    "monggo": "silakan",
    "mangga": "silakan",
    "aje": "aja",
    "ye": "ya",
    "aye": "saya",
    "ane": "saya",
    "ente": "anda",
    "nyang": "yang",
    "udeh": "udah",
    "ngarti": "ngerti",
    "ngebantu": "membantu",
    # chat spellings of "ga tau", "ga punya", …: one word, or "gk" ("nik sy gk tau" is a don't-know, not a no)
    "gk": "gak",
    "ngk": "gak",
    **dict.fromkeys(("gatau", "gatw", "gataw", "gtau", "gtw", "gktau", "gatahu", "ngatau", "gaktau"), "gak tau"),
    **dict.fromkeys(("gapunya", "gpunya", "gakpunya", "gapny"), "gak punya"),
    **dict.fromkeys(("gabawa", "gakbawa", "gbawa"), "gak bawa"),
    **dict.fromkeys(("gainget", "gaingat", "gakinget"), "gak inget"),
    **dict.fromkeys(("gahafal", "gaapal", "gahapal", "gakhafal"), "gak hafal"),
    "embung": "tidak mau",
    "wegah": "tidak mau",
    "emoh": "tidak mau",
}
_DIALECT_WORD = re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, DIALECT)) + r")(?![\w'])")
# Chat spellings that drop the vowels ("stju", "lnjut", "blh", "jngn"): their consonants name the word.
_SKELETONS = {
    "stj": "setuju",
    "lnjt": "lanjut",
    "lnjtkn": "lanjutkan",
    "blh": "boleh",
    "slkn": "silakan",
    "jngn": "jangan",
}
_SKELETON_WORD = re.compile(r"\b[a-z]{3,7}\b")


def skeleton(word: str) -> str:
    """A word without its vowels: what a chat spelling keeps of it ("pgi" of "pagi", "lyk" of "layak")."""
    return re.sub(r"[aiueo]", "", word)


def vowel_poor(word: str, least: int = 2) -> bool:
    """Typed with (almost) no vowels ("stju", "pgi", "bkin"), not merely sharing consonants with a word ("situ");
    `least`: the fewest consonants that still say which word it is."""
    bones = skeleton(word)
    return len(bones) >= least and len(bones) >= len(word) - 1


class ChatSpelling:
    """The words of one small vocabulary as chats spell them: vowels dropped ("pg", "lyk", "pesrta") or one
    letter off ("senen", "smua"), read back to the word meant when only one fits."""

    def __init__(self, words: tuple[str, ...], least_consonants: int = 2, least_letters: int = 5) -> None:
        self.words = words
        self.by_skeleton = {skeleton(word): word for word in words}
        self.least_consonants = least_consonants  # for a vowel-less spelling
        self.least_letters = least_letters  # for a spelling one letter off

    def read(self, word: str) -> str | None:
        """The word of the vocabulary `word` spells, or None."""
        if vowel_poor(word, self.least_consonants) and skeleton(word) in self.by_skeleton:
            return self.by_skeleton[skeleton(word)]  # "pgi", "lyk"
        if len(word) >= self.least_letters:
            near = [
                known for known in self.words if len(known) >= 4 and known[0] == word[0] and one_letter_off(word, known)
            ]
            if len(near) == 1:
                return near[0]  # "senen", "smua", "pesrta"
        return None


def one_letter_off(word: str, known: str) -> bool:
    """One letter added, dropped, changed or two swapped ("kemis" for "kamis", "kirm" for "kirim")."""
    return OSA.distance(word, known, score_cutoff=1) <= 1


# The passive prefix typed apart ("ktp sy di gadai", "kk nya di bawa istri", "nomornya di ganti"): one word, as
# every rule reads it ("digadai", "dibawa", "diganti"). Verbs only, so "di rumah", "di kelurahan" stay places.
_DI_VERB = re.compile(
    r"\bdi (bawa|pegang|pinjam|pinjem|simpan|simpen|gadai|gadein|tahan|titip|ganti|cetak|rekam|curi|copet|ambil"
    r"|urus|proses|perbarui|perbaharui|update|pake|pakai|hapus|cek|daftar|tolak|terima|bayar|tanggung|kirim|bikin"
    r"|buat|perpanjang|sita|jamin|jaminin|pisah|pecah|blokir|kunci|balas|bales|jawab|ubah|rubah)(\w*)\b"
)


def plain_words(text: str) -> str:
    """Lower case, regional words as their Jakarta-informal forms, the passive prefix joined to its verb,
    vowel-less yes/no words spelt out."""
    lowered = _DIALECT_WORD.sub(lambda m: DIALECT[m[1]], text.lower())
    if "di " in lowered:
        lowered = _DI_VERB.sub(r"di\1\2", lowered)

    def spelt(found: re.Match[str]) -> str:
        word = found[0]
        full = _SKELETONS.get(skeleton(word))
        # only a word that is itself vowel-poor: "stju" is "setuju"; "situ" stays "situ"
        return full if full is not None and vowel_poor(word, 0) else word

    return _SKELETON_WORD.sub(spelt, lowered)


# Yes / no -------------------------------------------------------------------------------------------------

# "tidak apa-apa", "ga masalah", "gpp": a yes that starts with a negation word.
_NEGATED_YES = re.compile(
    r"\b(tidak|tdk|ga|gak|nggak|ngga|enggak|engga|gk|g) ?(apa[- ]?apa|papa|masalah|keberatan)\b|\bgpp\b|\bgapapa\b"
    r"|\bno problem\b|\bno worries\b|\bwhy not\b"
)
_NOT_AN_ANSWER = re.compile(
    r"\b(ga|gak|nggak|ngga|tidak|tdk|kurang|belum|blm) ?(tau|tahu|ngerti|mengerti|paham|jelas|yakin)\b|\bmaksud"
    r"|\bdon.t (understand|know)\b|\bnot sure\b|\bbingung\b"
)
_NO = re.compile(
    r"\b(tidak|tdk|tak|ga|gak|gk|g|nggak|ngga|nggk|enggak|engga|kagak|ndak|nda|no|nope|nah|jangan|jgn|ogah|emoh"
    r"|males|malas|enggan|menolak|tolak|nolak|batal|batalkan|cancel|don'?t|not|never|disagree|decline|kaga|kagak|kurang"
    r"|keberatan|berkeberatan|object|refuse)\b"
    r"|\b(ntar|entar|nnti|ntr|tar|nanti) (aja|aj|saja|dulu|dl|deh|dh)\b"
    r"|\b(ga|gak|gk|g|nggak|ngga|tidak|tdk) ?(jadi|jd|jdi)\b|\bgajadi\b|\bgajd\b|\bgausah\b|\bgaperlu\b"
    r"|\bbelum mau\b|\bgak mau\b|\bgamau\b|\bgmau\b"
    # "sy pikir2 dulu", "mikir dulu ya": not now
    r"|\b(pikir|mikir|dipikir|pikir2|mikir2|timbang|pertimbangkan)\w*( \w+)? (dulu|dl|lagi|lg)\b"
    # "blm mau", "belum deh", "blom dulu", a bare "belum": not (yet) — never a yes because "mau" follows
    r"|\b(belum|blm|blom|belom|belon|blon)\b(?= *$| (mau|mw|perlu|siap|sekarang|skrg|dulu|deh|dh|ah|sih|bisa|usah"
    r"|butuh|minat|tertarik|kepikiran|kak|min|pak|bu|ya|yah"
    # "blm setuju dulu", "belom boleh": a consent word after "not yet" is no consent
    r"|setuju|stuju|sepakat|agree|boleh|bole|oke|ok|ikhlas|rela|izin|ijin|mengizinkan|mengijinkan)\b)"
    r"|\b(lain kali|kapan[- ]?kapan|kapan2|not now|maybe later|no thanks|skip|another time|other time|next time)\b"
)
_YES = re.compile(
    r"\b(y|ya|yaa+|iya+|iy|iye+|iyo|iyak|yes+|yep|yup|yups|yoi|ok|oke+|okay|okey|okee|okeh|sip|siap|boleh|bole|lanjut|lanjutkan"
    r"|setuju|stuju|agree|agreed|mau|baik|bener|benar|betul|gas|hayuk|ayo|yuk|silakan|silahkan|sure|confirm"
    r"|kirim|hapus|delete|go ahead|let'?s go|proceed|continue|yess|iyah|inggih|nggih|he ?eh|sok|boleh+|ywdh|yaudah"
    r"|ya ?udah|mangga|iyain|iyakan|iyain aja|diiyain"
    r"|of course|okey|oce|okelah|yakin|pasti|gaskeun|gaskan|cus|kuy|hayu|lanjutin|lanjutkeun"
    r"|yaudh|yaudeh|ydh|yodah|yowes|yawis"
    # English as it is typed: "yeah", "sounds good", "alright", "fine by me", "sure thing", "go for it"
    r"|yeah|yea|yeh|yah sure|alright|all right|aight|sounds (good|great|fine|ok|okay)|fine|cool|certainly"
    r"|absolutely|definitely|do it|please do|go for it|go on)\b"
)
# "boleh2 aja", "oke2", "pikir2 dulu": the chat's reduplication mark, read as the word said twice.
_REDUPLICATED = re.compile(r"\b([a-z]{2,})2\b")
# "no 12", "no hp", "no. KK": the abbreviation of "nomor", not a "no".
_NUMBER_ABBREVIATION = re.compile(
    r"\bno\b(?=\.? ?(\d|(hp|kk|ktp|nik|telp|telpon|telepon|rumah|rmh|wa|rek|rekening|kpj|tiket|urut|antri\w*)\b))"
)
# "belum, …", "blm. …": the answer given first, whatever follows.
_NOT_YET_FIRST = re.compile(r"^\s*(belum|blm|blom|belom|belon)\s*[,.!]")


# "sudah dibalas belum?", "udah masuk blm": the "sudah … belum" question form, not a "not yet".
_ALREADY_OR_NOT = re.compile(r"\b(sudah|udah|udh|dah|sdh|uda|apa)\b.*\b(belum|blm|blom|belom)\s*$")


_THUMBS_UP = re.compile("[\U0001f44d\U0001f44c\u2705\U0001f646\u2714]")  # 👍 👌 ✅ 🙆 ✔
_THUMBS_DOWN = re.compile("[\U0001f44e\u274c\U0001f645\u2716]")  # 👎 ❌ 🙅 ✖


_LETTER = re.compile(r"[^\W\d_]")


def has_letters(text: str) -> bool:
    """Whether the message holds a word at all ("👍", "👌🙏", "123" hold none)."""
    return bool(_LETTER.search(text))


def yes_or_no(text: str) -> bool | None:
    """True for a free-word yes, False for a no, None when it is neither. A negation always wins over a
    positive word ("ga setuju", "jangan hapus", "nggak mau ah"), except "tidak apa-apa"-like phrases."""
    if _THUMBS_DOWN.search(text):
        return False
    if _THUMBS_UP.search(text) and not has_letters(text):
        return True  # "👍", "👌🙏": a yes with no words
    text = plain_words(text)
    if _NOT_YET_FIRST.match(text):
        return False
    lowered = " " + re.sub(r"[^\w' ]+", " ", _NUMBER_ABBREVIATION.sub("nomor", text)) + " "
    lowered = re.sub(r"([a-z])\1{2,}", r"\1", lowered)  # "gaaaak", "iyaaaa", "bolehhh"
    lowered = _REDUPLICATED.sub(r"\1 \1", lowered)
    if _NOT_AN_ANSWER.search(lowered):
        return None  # "gak tau maksudnya", "ga ngerti": a question about the question
    lowered = _ALREADY_OR_NOT.sub(lambda m: m[0][: m.start(2) - m.start()], lowered)
    if _NEGATED_YES.search(lowered):
        return True
    if _NO.search(lowered):
        return False
    if _YES.search(lowered):
        return True
    return None


# A reference to someone else's record -------------------------------------------------------------------

_FAMILY = re.compile(
    r"\b(ibu|ibuk|bu|emak|mak|mamah|mama|mami|umi|bapak|bapa|pak|ayah|abah|abi|papa|papi|babe|bokap|nyokap"
    r"|orang ?tua|ortu|mertua|suami|istri|isteri|laki|bini|anak|adik|adek|kakak|abang|kakek|nenek|om|tante"
    r"|paman|bibi|saudara|sodara|keluarga|tetangga|teman|temen|kawan"
    r"|(mother|mom|mum|father|dad|parent|wife|husband|son|daughter|brother|sister|grandma|grandpa"
    r"|neighbour|neighbor|friend|relative|housekeeper|maid|nanny)s?)\b"
    # someone who works for the user: "supir saya", "ART kami", "my driver"
    r"|\b(pembantu|art|asisten rumah tangga|supir|sopir|karyawan|pegawai|anak buah|tukang kebun)"
    r"\s+(saya|sy|aku|gw|kami)\b"
    r"|\b(my|our) (driver|employee|worker|cook|gardener|tenant|helper)\b"
)
_OWNER_WORDS = re.compile(
    r"\b(punya|milik|nik|ktp|kk|bpjs|untuk|buat|cek|cekin|cekkan|ngecek|ngecekin|dicek|periksa|atas nama|an|data"
    # other verbs of looking someone up: "tolong liatin nenek sy", "periksain bapak", "cariin data ibu"
    r"|liatin|lihatin|liatkan|lihatkan|periksain|periksakan|cariin|carikan|cekain|dicekin|cekkin|checkin|tengokin"
    r"|liat|lihat|ngeliat|ngelihat|ngecekkin"
    r"|status|for|of|check|my)\b|'s\b"
)
_OWN = re.compile(r"\b(saya sendiri|sendiri|punya saya|milik saya|nik saya|my own|mine)\b")


# Whose phone it is ("hp tetangga", "pakai hp anak saya", "my wife's phone"): a borrowed phone, not a
# reference to that person's record.
_PHONE_OWNER = re.compile(
    r"\b(hp|hape|handphone|henpon|ponsel|nomor|nomer|no|wa|whatsapp|telegram|akun|phone|number)(nya)?\s+"
    r"(nya\s+)?(ini\s+)?(punya\s+|milik\s+)?(?:" + _FAMILY.pattern + r")(\s+(saya|sy|aku|gw|ku))?"
    r"|(?:" + _FAMILY.pattern + r")'s (phone|number)\b"
)


# Who holds a document ("ktp dibawa suami", "kk nya dipegang ibu", "kk ada sama istri"): where the card is,
# not whose record is checked.
_HOLDER = re.compile(
    r"\b(ktp|e-?ktp|kk|kartu keluarga|kartu|card|id card|family card)(nya)?\b.{0,20}?"
    r"\b(dibawa|kebawa|dipegang|dipinjam|dipinjem|disimpan|disimpen|dititip\w*|ada (di|sama|sm|ama|pada)"
    r"|lagi (di|sama|sm)|ketinggalan (di|sama)|sama|sm|ama|is with|with|kept by|taken by)"
    r"\s+(di |ke |at |in )?(rumah |lemari |tempat |kamar |kontrakan |kosan |kampung |house |place )?"
    r"(my |our |the )?(?:" + _FAMILY.pattern + r")"
    r"(\s+(saya|sy|aku|gw|ku|my))?"
    # "istri blm pulang, kk sama dia": the card with the person just named, by a pronoun
    r"|\b(ktp|e-?ktp|kk|kartu keluarga|kartu|card|id card|family card)(nya)?\b.{0,12}?"
    r"\b(dibawa|kebawa|dipegang|disimpan|disimpen|ada (di|sama|sm|ama|pada)|lagi (di|sama|sm)|sama|sm|ama|is with|with)"
    r"\s+(dia|beliau|doi|him|her|them)\b"
    # "kk ada di rumah ibu", "ktp ketinggalan di kontrakan abang": where the card is
    r"|\b(di|ke|at|in)\s+(rumah|lemari|tempat|kamar|kontrakan|kosan|kampung|house|place|dompet|tas|saku|laci|kantor"
    r"|motor|mobil|warung|toko|wallet|bag|car)\s+(my |our )?"
    r"(?:" + _FAMILY.pattern + r")"
)


# An honorific that addresses the bot ("pak, sy mau cek", "bu tolong cekin punya saya", "cek ya kak"), not a
# relative: at the start before a comma or a pronoun/request word, or at the end after a particle.
_VOCATIVE = re.compile(
    r"^\s*(pak|bu|bapak|ibu|kak|kakak|mas|mbak|mba|bang|abang|om|tante|min|admin|gan|sis|bro)\b(?=\s*[,.!?])"
    # "pak saya mau tanya" addresses the bot; "bapak saya mau cek" is the user's father
    r"|^\s*(pak|bu|kak|mas|mbak|mba|bang|min|gan)\b(?=\s+(saya|sy|aku|gw|gue|mau|mo|mw|tolong|tlg|minta|boleh|bisa"
    r"|izin|ijin|permisi|numpang|punten|mohon|cek|cekin|gimana|gmn|apa|apakah)\b)"
    r"|(?<=[,.!?])\s*(pak|bu|bapak|ibu|kak|mas|mbak|mba|bang|om|tante|min|gan)\b\s*[.!?]*\s*$"
    r"|\b(ya|dong|deh|sih|nih|ok|oke|iya|makasih|thanks|tq|tolong|mohon|nggih|punten)\s+"
    r"(pak|bu|bapak|ibu|kak|mas|mbak|mba|bang|om|tante|min|gan)\b\s*[.!?]*\s*$"
)


def _without_vocative(lowered: str) -> str:
    return _VOCATIVE.sub(" ", lowered)


def family_reference(text: str) -> bool:
    """The message is about another person's record ("cek NIK ibu saya", "ini punya bapak")."""
    lowered = _HOLDER.sub(" ", _PHONE_OWNER.sub(" ", _without_vocative(text.lower())))
    if _OWN.search(lowered) and not _FAMILY.search(lowered):
        return False
    # Honorifics ("pak", "bu") also address the bot ("makasih pak"); they count only with an owner word.
    found = _FAMILY.search(lowered)
    return bool(found and _OWNER_WORDS.search(lowered))


_RELATIVE = re.compile(
    r"(?:" + _FAMILY.pattern + r")\s+(saya|sy|aku|gw|gue|ku|kami|kita)\b|\b(my|our)\s+(?:" + _FAMILY.pattern + r")"
)


def names_relative(text: str) -> bool:
    """A relative is who the message is about ("istri saya jatuh", "my wife had an accident"), whether or not
    it asks about that person's record."""
    return bool(_RELATIVE.search(_PHONE_OWNER.sub(" ", text.lower())))


def names_someone(text: str) -> bool:
    """Any relative or acquaintance is named ("suami meninggal ditabrak", "abang ojol ane"), even without
    a possessive; honorifics that address the bot are left out."""
    return bool(_FAMILY.search(_without_vocative(text.lower())))


# Language ------------------------------------------------------------------------------------------------

_ENGLISH = frozenset(
    [
        "good",
        "morning",
        "afternoon",
        "evening",
        "hey",
        "there",
        "get",
        "know",
        "need",
        "should",
        "will",
        "have",
        "has",
        "am",
        "lost",
        "forgot",
        "mother",
        "father",
        "husband",
        "wife",
        "covered",
        "enrolled",
        "qualify",
        "eligibility",
        "benefits",
        "receive",
        "i",
        "i'm",
        "im",
        "my",
        "me",
        "you",
        "your",
        "we",
        "is",
        "are",
        "am",
        "was",
        "the",
        "a",
        "an",
        "what",
        "how",
        "can",
        "could",
        "do",
        "does",
        "did",
        "want",
        "would",
        "like",
        "check",
        "eligible",
        "please",
        "hello",
        "hi",
        "thanks",
        "thank",
        "where",
        "who",
        "when",
        "which",
        "why",
        "this",
        "that",
        "it",
        "is",
        "of",
        "for",
        "with",
        "and",
        "or",
        "not",
        "yes",
        "no",
        "to",
        "in",
        "on",
        "about",
        "program",
        "insurance",
        "free",
        "register",
        "card",
        "help",
        "work",
        "worker",
        "job",
        "accident",
        "died",
        "death",
        "status",
        "update",
        "delete",
        "erase",
        "my",
        "english",
        "speak",
        "apply",
        "join",
        "cost",
        "pay",
        "paid",
        "much",
        "many",
        "office",
        # more function words and common words, so that an ordinary English sentence is recognised
        "by",
        "from",
        "be",
        "been",
        "it's",
        "there",
        "any",
        "some",
        "got",
        "still",
        "if",
        "then",
        "but",
        "just",
        "really",
        "also",
        "only",
        "at",
        "as",
        "all",
        "they",
        "she",
        "her",
        "his",
        "their",
        "our",
        "us",
        "them",
        "must",
        "may",
        "city",
        "government",
        "run",
        "money",
        "people",
        "family",
        "children",
        "child",
        "live",
        "living",
        "find",
        "number",
        "phone",
        "name",
        "someone",
        "anyone",
        "normal",
        "official",
        "real",
        "scam",
        "safe",
        "know",
        "question",
        "asked",
        "ask",
        "years",
        "old",
        # staff at work: composing, scheduling, answering tickets
        "create",
        "send",
        "announcement",
        "announcements",
        "residents",
        "recipients",
        "schedule",
        "tomorrow",
        "reply",
        "message",
        "claim",
        "report",
        "documents",
        "papers",
        "hospital",
        "passed",
        "away",
        "live",
        "near",
        "which",
        "one",
        # common words of an ordinary English question ("whats the quota", "thanks a lot")
        "whats",
        "what's",
        "how's",
        "where's",
        "who's",
        "that's",
        "thats",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "isn't",
        "aren't",
        "wasn't",
        "won't",
        "i've",
        "i'll",
        "i'd",
        "you're",
        "they're",
        "more",
        "less",
        "than",
        "too",
        "very",
        "here",
        "now",
        "yet",
        "ever",
        "never",
        "always",
        "again",
        "other",
        "others",
        "another",
        "each",
        "every",
        "everyone",
        "should",
        "shall",
        "will",
        "need",
        "needs",
        "get",
        "gets",
        "have",
        "has",
        "had",
        "go",
        "going",
        "come",
        "see",
        "say",
        "said",
        "tell",
        "give",
        "take",
        "think",
        "make",
        "use",
        "used",
        "start",
        "started",
        "end",
        "ends",
        "begin",
        "last",
        "lasts",
        "long",
        "difference",
        "different",
        "between",
        "same",
        "quota",
        "places",
        "slots",
        "selected",
        "selection",
        "chosen",
        "waiting",
        "list",
        "cover",
        "covers",
        "coverage",
        "included",
        "include",
        "includes",
        "age",
        "over",
        "under",
        "student",
        "students",
        "retired",
        "driver",
        "drivers",
        "vendor",
        "seller",
        "street",
        "myself",
        "already",
        "before",
        "after",
        "next",
        "month",
        "monthly",
        "year",
        "yearly",
        "week",
        "day",
        "days",
        "today",
        "yesterday",
        "time",
        "mean",
        "means",
        "meaning",
        "understand",
        "explain",
        "mother",
        "father",
        "mom",
        "dad",
        "son",
        "daughter",
        "brother",
        "sister",
        "parents",
        "hurt",
        "injured",
        "sick",
        "pension",
        "savings",
        "lost",
        "forgot",
        "forget",
        "remember",
        "sure",
        "lot",
        "lots",
        "great",
        "good",
        "nice",
        "bye",
        "goodbye",
        "morning",
        "afternoon",
        "evening",
        "night",
        "sorry",
        "excuse",
        "thanks",
        # English as chats type it: shorthand ("pls", "u", "r", "wat", "idk", "thx", "hw much"), contractions
        # without their apostrophe ("dont", "cant") and the everyday words of a request ("wanna check", "stop
        # sending me messages", "remove my info")
        "pls",
        "plz",
        "plis",
        "u",
        "r",
        "ur",
        "ya'll",
        "wat",
        "wut",
        "whats",
        "idk",
        "dunno",
        "thx",
        "thnx",
        "thanx",
        "ty",
        "hw",
        "abt",
        "smth",
        "sth",
        "wanna",
        "gonna",
        "gotta",
        "dont",
        "cant",
        "doesnt",
        "didnt",
        "isnt",
        "wont",
        "ive",
        "vs",
        "diff",
        "yeah",
        "yea",
        "nope",
        "sending",
        "messages",
        "updates",
        "news",
        "remove",
        "wipe",
        "details",
        "everything",
        "something",
        "anything",
        "already",
        "registered",
        "active",
        "participant",
        "happens",
        "happened",
        "if",
        "i'd",
        "okay",
        "alright",
        "sounds",
        "agree",
        "wait",
        "go",
        "ahead",
        "exactly",
        "much",
    ]
)
# Words of the programme that are neither language ("wat is jkm", "jkk vs jkm whats the diff", "min, how much
# iuran nya?" keeps its Indonesian): left out of the count, so a short English question naming them is English.
_NEUTRAL = frozenset(
    [
        "sigap",
        "ucj",
        "bpjs",
        "jkk",
        "jkm",
        "jht",
        "kpj",
        "jmo",
        "nik",
        "kk",
        "ktp",
        "ktp-el",
        "dtsen",
        "desil",
        "bpu",
        "pemkot",
        "bekasi",
        "kota",
        "ok",
        "oke",
        "tk",
    ]
)
_INDONESIAN = frozenset(
    [
        "saya",
        "sy",
        "aku",
        "gw",
        "gue",
        "apa",
        "apakah",
        "bagaimana",
        "gimana",
        "gmn",
        "mau",
        "bisa",
        "bs",
        "tidak",
        "tdk",
        "ga",
        "gak",
        "nggak",
        "yang",
        "yg",
        "dan",
        "ini",
        "itu",
        "ada",
        "kak",
        "min",
        "pak",
        "bu",
        "cek",
        "dong",
        "ya",
        "kah",
        "nya",
        "untuk",
        "buat",
        "dari",
        "dr",
        "sudah",
        "udah",
        "belum",
        "blm",
        "kapan",
        "dimana",
        "mana",
        "berapa",
        "siapa",
        "kenapa",
        "bayar",
        "gratis",
        "kerja",
        "pekerja",
        "kecelakaan",
        "meninggal",
        "daftar",
        "tolong",
        "mohon",
        "terima",
        "kasih",
        "makasih",
        "halo",
        "selamat",
        "pagi",
        "siang",
        "sore",
        "malam",
        "dapat",
        "dapet",
        "kartu",
        "bahasa",
        # the words a short Indonesian request is built of ("cara update data dtsen", "hrs bawa apa aja"):
        # "data" and "update" are Indonesian too, so these say which language it is
        "cara",
        "caranya",
        "aja",
        "saja",
        "harus",
        "hrs",
        "di",
        "ke",
        "sih",
        "deh",
        "kalau",
        "kalo",
        "klo",
        "benerin",
        "perbarui",
        "salah",
    ]
)


# A person's name with its honorific ("Pak Slamet", "Bu Siti Aminah"): says nothing about the language.
_NAMED = re.compile(r"\b(Pak|Bu|Bapak|Ibu|Mas|Mbak|Mba|Bang|Kak|Mr|Mrs|Ms|Miss)\.?(\s+[A-Z][a-z']+)+")


# One-letter words that say something: "i", and the chat's "u" and "r" ("r u a bot?", "can u help").
_ONE_LETTER = frozenset({"i", "u", "r"})


# SQL, script or markup typed (or pasted) as a message: "SELECT * FROM peserta", "'; DROP TABLE users; --",
# "<script>alert(1)</script>". Read as nothing: no intent, no topic, no language switch, no yes/no. Each SQL
# form needs its statement's shape, so words that only sound like it stay words ("please delete from your
# records my data" is an erase request, "which one do I select from the list" a question).
_CODE = re.compile(
    r"\bselect\s+(\*|\w+(\s*,\s*\w+)*|count\s*\(\s*\*?\s*\))\s+from\s+\w+"
    r"|\binsert\s+into\s+\w+\s*(\(|values\b)|\bdelete\s+from\s+\w+\s*(;|\bwhere\b|$)"
    r"|\bupdate\s+\w+\s+set\s+\w+\s*=|\b(drop|alter|truncate)\s+(table|database)\b|\bunion\s+(all\s+)?select\b"
    r"|\bexec(ute)?\s*\(|\bsleep\s*\(\s*\d|\bor\s+'?1'?\s*=\s*'?1\b|';\s*--"
    r"|<\s*/?\s*(script|iframe|img|svg|object)\b|\bjavascript:|\$\{|\{\{",
    re.IGNORECASE,
)


def looks_like_code(text: str) -> bool:
    """A message that is SQL, script or markup rather than words to the bot."""
    return bool(_CODE.search(text))


def detect_language(text: str) -> str | None:
    """'en' or 'id' when the message clearly is in that language, else None (short or mixed messages).
    Proper names with an honorific ("my driver Pak Slamet") are left out of the count."""
    text = _NAMED.sub(" ", text)
    words = [w for w in re.findall(r"[a-z']+", text.lower()) if (len(w) > 1 or w in _ONE_LETTER) and w not in _NEUTRAL]
    english = sum(w in _ENGLISH for w in words)
    indonesian = sum(w in _INDONESIAN for w in words)
    if english >= 3 and indonesian == 0 and english >= len(words) * 0.5:
        return "en"
    if english >= 2 and indonesian == 0 and english >= len(words) * 0.4:
        return "en"
    # "create an announcement for my kelurahan": an English sentence naming a local term; English with one
    # Indonesian word in it ("my husband meninggal yesterday, how do I claim?")
    if english >= 4 and (
        (indonesian <= 1 and english >= len(words) * 0.6) or (indonesian == 1 and english >= len(words) * 0.5)
    ):
        return "en"
    if indonesian >= 2 and english <= indonesian // 3:
        return "id"
    return None


# A thank-you in the ways chats type it (staff at a confirmation, a citizen after an officer's answer).
THANKS = re.compile(
    r"\b(terima ?kasih|trimakasih|makasih|makasi|mksh|mksih|mks|trims|thanks?|thank you|thx|tq|tengkyu|suwun|nuhun"
    r"|hatur nuhun)\b"
)


# Ways out ------------------------------------------------------------------------------------------------

ESCAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "erase",
        re.compile(
            r"^(tolong |mohon |saya mau |sy mau |mau |please |i want to |can you )?(hapus|hapusin|delete|erase|"
            r"bersihkan|hilangkan|clear) (semua |all |seluruh )?(data|my data|riwayat|history|chat|percakapan|"
            r"my chat|my history)\b"
        ),
    ),
    (
        "cancel",
        re.compile(
            r"^(batal|batalkan|batalin|cancel|gajadi|gajd|(ga|gak|gk|nggak|tidak|tdk|ngga) (jadi|jd|jdi)|udahan"
            r"|keluar|exit|quit|stop dulu|sudah dulu|udah dulu|never ?mind|forget it)\b"
            # "ga usah (deh)", "ga usah, stop aja"; but "ga usah kirim info lagi" asks to stop the messages
            r"|^(ga usah|gak usah|nggak usah|tidak usah|gausah)\b"
            r"(?!.*\b(kirim\w*|dikirim\w*|info\w*|pengumuman\w*|pesan|kabar\w*|notif\w*|langganan\w*)\b)"
        ),
    ),
    (
        "menu",
        re.compile(
            r"^(/start|/menu|menu|menu utama|main menu|kembali|balik|back|home|mulai dari awal)\b"
            r"|^((go|take me|bring me) )?(back|balik|kembali)\b|\b(ke|to) (the )?(main )?menu( utama| awal)?$"
        ),
    ),
    (
        "help",
        re.compile(
            r"^(/bantuan|/help|bantuan|help|tolong|minta tolong|(minta|butuh|perlu|need) (bantuan|help|tolong))"
            r"( (dong|donk|ya|yah|kak|min|pak|bu|please|plis|pls|aja|deh|nih|sih|me))*$"
        ),
    ),
    (
        "human",
        re.compile(
            r"^((mau|ingin|pengen|bisa|minta|saya mau) )?((bicara|ngomong|ngobrol|chat|hubungi|telpon|telepon) )?"
            r"((sama|dengan|dgn|ke) )?(petugas|admin|operator|cs|manusia|orang asli|orang|human|agent|a human)"
            r"( (aja|saja|dong|nya|langsung))?$"
        ),
    ),
)


# Interjections a way out may start with: "udah ah ga jadi", "eh batal", "yaudah menu aja", "hmm ga usah".
_LEAD_FILLER = re.compile(
    r"^((eh|ehh|oh|duh|aduh|hmm|hm|ah|wah|yah|ya|udah|udh|sudah|uda|yaudah|ywdh|ok|oke|okay|maaf|sorry|nah|deh"
    r"|kak|min|pak|bu|mas|mbak) )+"
)
_ERASE_VERB = re.compile(
    r"\b(hapus\w*|hpus\w*|hps|apus\w*|ngapus\w*|dihapus\w*|diapus\w*|delete|deleted|erase|bersihkan|bersihin"
    r"|hilangkan|hilangin|clear|remove|wipe|purge|get rid of)\b"
)
_ERASE_OBJECT = re.compile(
    r"\b(data(2|nya)?|riwayat\w*|history|chat\w*|percakapan\w*|semua(nya)?|everything|info|information"
    r"|details|records?)\b"
)
_ERASE_AGAINST = re.compile(
    r"\b(jangan|jgn|ga|gak|nggak|ngga|tidak|tdk|don'?t|not|never|kalau|kalo|klo|jika|if|apa|apakah|gimana|gmn"
    r"|bagaimana|kenapa|bisa|bisakah|can|will|would|what|how|why|nanti|ikut|juga)\b|\?"
)


def names_erasing(text: str) -> bool:
    """The message names erasing at all ("iya hapus aja", "yes delete it")."""
    return bool(_ERASE_VERB.search(text.lower()))


def _erase_in_words(lowered: str) -> bool:
    """ "hapus aja data sy", "data sy hapus semua", "delete all my data please": an erase asked in any word
    order; never a question about erasing ("kalo dihapus sy ga dapet?") nor a negated one ("jangan hapus")."""
    if len(lowered.split()) > 7 or _ERASE_AGAINST.search(lowered):
        return False
    return bool(_ERASE_VERB.search(lowered) and _ERASE_OBJECT.search(lowered))


# The polite wrapping of an erase request: who asks and where ("sy mau … dr bot ini", "tolong … di sini").
_ERASE_WRAPPING = re.compile(
    r"^ ((saya|sy|aku|gw|gue) )?((mau|mw|pengen|ingin|minta|tolong|tlg|mohon|please) )+"
    # in English: "pls delete all my info", "could you remove my data please", "can u wipe my data pls",
    # "i'd like you to erase everything"
    r"|^ ((hi|hello|hey|ok|okay|so) )?((pls|plz|please|kindly|(can|could|would|will) (you|u)|i want( you)? to|i wanna"
    r"|i'd like( you)? to|i would like( you)? to|i need( you)? to|help me) )+"
    r"| ((dari|dr|di) (bot|chat|sini|situ)( (ini|sini))?|in this (chat|bot)|from (this|the) (chat|bot)"
    r"|(that )?(you|u) (have|hold|keep)( about me| on me)?)(?= )"
    r"| (ya|dong|aja|saja|please|pls|plz|now|thanks|thx|all|my)(?= )"
)


# "ga jadi batal", "gk jd cancel": the cancel itself taken back (with no comma between: "gajadi, batal" cancels).
_CANCEL_TAKEN_BACK = re.compile(
    r"\b(gajadi|gajd|(ga|gak|gk|nggak|ngga|tidak|tdk|g) ?(jadi|jd|jdi)) (batal|batalin|dibatalin|dibatalkan|cancel)\b"
)


# The words of a way out as chats misspell them ("mnu", "menuu", "btal", "bantuannn", "kmbali", "canel"): read
# back to the word in a message of a few words, so a hurried escape still gets out of any step.
_ESCAPE_SPELLING = ChatSpelling(
    ("menu", "batal", "batalin", "batalkan", "bantuan", "kembali", "keluar", "cancel", "petugas", "help")
)
# One letter off only for the longer words: "kelar" (done) is not "keluar", "batas" (a limit) not "batal".
_ESCAPE_ONE_OFF = ("batalin", "batalkan", "bantuan", "kembali", "cancel", "petugas")
_REPEATED_LETTER = re.compile(r"([a-z])\1+")
MAX_ESCAPE_SPELT_WORDS = 3


def escape_spelt(lowered: str) -> str:
    words = lowered.split()
    if len(words) > MAX_ESCAPE_SPELT_WORDS:
        return lowered
    return " ".join(_escape_word(word) for word in words)


def _escape_word(word: str) -> str:
    if word in _ESCAPE_SPELLING.words:
        return word
    collapsed = _REPEATED_LETTER.sub(r"\1", word)  # "menuu", "bantuannn", "batall"
    if collapsed in _ESCAPE_SPELLING.words:
        return collapsed
    bones = skeleton(collapsed)
    # a vowel or two kept ("mnu", "btal"); none at all is another word's spelling ("btl" is "betul")
    if bones != collapsed and vowel_poor(collapsed) and bones in _ESCAPE_SPELLING.by_skeleton:
        return _ESCAPE_SPELLING.by_skeleton[bones]
    if collapsed in _CANCEL_SAID:
        return "cancel"
    if len(collapsed) >= 5:
        near = [known for known in _ESCAPE_ONE_OFF if known[0] == collapsed[0] and one_letter_off(collapsed, known)]
        if len(near) == 1:
            return near[0]
    swapped = [known for known in _ESCAPE_SPELLING.words if _swapped(word, known)]  # "batla", "cancle"
    return swapped[0] if len(swapped) == 1 else word


# "cancel" as it is said in Indonesian, read whole.
_CANCEL_SAID = frozenset({"cansel", "kansel", "kensel", "censel", "cencel"})


def _swapped(word: str, known: str) -> bool:
    """Two neighbouring letters swapped, and nothing else."""
    if len(word) != len(known) or word == known:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
    if len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    first, second = diff
    return word[first] == known[second] and word[second] == known[first]


def escape_of(text: str) -> str | None:
    """The way out a short message asks for: erase, cancel, menu, help, human — or None."""
    text = plain_words(text)
    if "?" in text and _erase_in_words(text):
        return None
    lowered = " ".join(re.sub(r"[^\w/ ]+", " ", text).split())
    bare = _LEAD_FILLER.sub("", lowered + " ").strip() or lowered
    spelt = escape_spelt(bare)
    if spelt != bare:
        lowered, bare = spelt, spelt
    if _erase_in_words(_ERASE_WRAPPING.sub(" ", " " + bare + " ").strip()):
        return "erase"  # "sy mau data sy dihapus dr bot ini": the request, without its polite wrapping
    if len(bare.split()) > 6:  # counted without the lead filler: "udh deh apus aja semua data sy"
        return None
    taken_back = bool(_CANCEL_TAKEN_BACK.search(text.lower()))  # "ga jd batal, lanjut": carry on
    for name, pattern in ESCAPES:
        if name == "cancel" and taken_back:
            continue
        if pattern.search(lowered) or (bare != lowered and pattern.search(bare)):
            return name
    if _erase_in_words(lowered) or (bare != lowered and _erase_in_words(bare)):
        return "erase"
    return None


_POSTPONED = re.compile(
    r"^(nanti|nnti|ntar|entar|ntr|nti|besok|bsk|besok2|lusa|lain kali|kapan[- ]?kapan|kapan2|later|maybe later|not now"
    r"|(maybe |some )?another time|(some )?other time|next time)"
    r"( (aja|aj|saja|dulu|dl|deh|dh|ya|yah|yaa|lah|ah|sih|kak|min|pak|bu|mas|mbak|lagi|lg|sy|saya|aku|kabarin"
    r"|kabari|kembali|balik|nanyanya|tanyanya|nanya|tanya|ceknya|cek|daftarnya|lanjutnya|lanjut|pilihnya|isinya"
    r"|langganannya|hapusnya|please|then|maybe|i|will|come|back|ok|oke|insya ?allah|insyaallah|sore|malam"
    r"|malem|pagi|siang|kalau|kalo|udah|sudah|siap|sempat|sempet|di rumah|dirumah))*$"
)


_WAITING = re.compile(
    r"^(bentar|sebentar|bntr|bntar|btr|sbntr|sebntar|tunggu|tunggu bentar|tunggu sebentar|wait|hold on|hang on"
    r"|one moment|one sec|sec|just a (sec|second|moment|minute)|give me a (sec|moment|minute)|otw"
    r"|(iya )?(saya |sy |aku )?(cari|ambil|liat|lihat|cek) dulu)\b"
)
# "bentar sy cari ktp dulu", "wait, let me find my card": fetching the card, anywhere in a short message.
_FETCHING = re.compile(r"\b(cari|ambil|nyari|find|get) (ktp|kk|kartu|card)\w*")
MAX_WAITING_WORDS = 8


def waiting(text: str) -> bool:
    """A short "bentar", "tunggu ya", "wait a sec", "sy cari kk dulu": the user is about to answer, not yet."""
    lowered = " ".join(re.sub(r"[^\w ]+", " ", text.lower()).split())
    if len(lowered.split()) > MAX_WAITING_WORDS:
        return False
    return bool(_WAITING.match(_LEAD_FILLER.sub("", lowered + " ").strip()) or _FETCHING.search(lowered))


def postponed(text: str) -> bool:
    """The whole message puts the step off: "nanti aja deh", "besok aja ya kak", "maybe later", "ntar dulu"."""
    lowered = " ".join(re.sub(r"[^\w ]+", " ", plain_words(text)).split())
    lowered = _LEAD_FILLER.sub("", lowered + " ").strip()
    return len(lowered.split()) <= 7 and bool(_POSTPONED.match(lowered))


# Digits: NIK and KK ------------------------------------------------------------------------------------

_RUN = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d)*(?!\d)")


@dataclass(frozen=True)
class Digits:
    nik: str | None  # a 16-digit run (the first one)
    kk4: str | None  # the last 4 KK digits: a 4-digit run, or the end of a second 16-digit run (the KK)
    longest: str  # the longest run of digits (separators removed)
    runs: tuple[str, ...]
    kk_only: bool = False  # the one 16-digit run is labelled as the KK number ("no kk 3275…"): no NIK given


def digits_in(text: str) -> Digits:
    """The NIK and KK digits in a message: "3275… 0123", "nik 3275… kk 3275…", "3275 0141 0190 0001 0123"."""
    runs = tuple(re.sub(r"\D", "", m.group()) for m in _RUN.finditer(text))
    longest = max(runs, key=len, default="")
    long_run = any(len(run) > 16 for run in runs)
    nik = None if long_run else find_nik(text)
    rest = list(runs)
    if nik is not None and nik in rest:
        rest.remove(nik)
    elif nik is not None:
        rest = []  # a NIK in groups ("3275 0141 0190 0001") is one run with its separators
    elif long_run:
        # Separated by spaces only, a NIK and the KK digits read as one long run: split at the spaces.
        for run_match in _RUN.finditer(text):
            groups = [re.sub(r"\D", "", g) for g in run_match.group().split()]
            # the other runs of the message stay candidates ("3275… 4 digit kk 0123": the "4" joined the NIK)
            others = [re.sub(r"\D", "", m.group()) for m in _RUN.finditer(text) if m.start() != run_match.start()]
            sixteen = [g for g in groups if len(g) == 16]
            if sixteen:
                nik = sixteen[0]
                groups.remove(nik)
                rest = groups + others
                break
            joined = "".join(groups)
            if len(joined) in (20, 32) and all(len(g) == 4 for g in groups):
                nik, rest = joined[:16], [joined[16:], *others]
                break
    swapped = _labelled_kk_first(text, nik)
    if swapped is not None:
        nik, kk16 = swapped  # "kk 3275… nik 3275…": the run labelled KK is not the NIK
        rest = [kk16]
    kk_only = nik is not None and _only_kk_labelled(text)
    if kk_only and nik is not None:
        rest, nik = [nik], None  # "no kk 3275…": the KK number, never read as a NIK
    kk4 = None
    for run in rest:
        if len(run) == 16:
            kk4 = run[-4:]
            break
    if kk4 is None:
        fours = [r for r in rest if len(r) == 4]
        # "4 angka terakhirnya: 0123": a count of one or two digits beside the four is not another answer.
        others = [r for r in rest if len(r) != 4]
        if len(fours) == 1 and (nik is not None or all(len(r) <= 2 for r in others)):
            kk4 = fours[0]
    return Digits(nik, kk4, longest, runs, kk_only)


# The label just before a number, with a possessive between ("no kk sy 3275…", "nik nya 3275…", "my kk is …").
_LABEL = re.compile(
    r"\b(kk|no\.? ?kk|nomor kk|kartu keluarga|family card|nik|ktp|e-?ktp|id card|id)\b"
    r"(\s*(sy|saya|aku|gw|gue|ku|nya|ny|aq|my|is))*[\s:.=\-]*$"
)


def _label_before(text: str, start: int) -> str | None:
    """ "kk" or "nik": what the words just before a digit run call it."""
    found = _LABEL.search(text[max(0, start - 24) : start].lower())
    if found is None:
        return None
    return "kk" if re.search(r"kk|keluarga|family", found[1]) else "nik"


def _labelled_kk_first(text: str, nik: str | None) -> tuple[str, str] | None:
    """(NIK, KK) when the first 16-digit run is labelled as the KK and another one as (or not labelled as)
    the NIK; None otherwise."""
    if nik is None:
        return None
    sixteen = [
        (re.sub(r"\D", "", m.group()), _label_before(text, m.start()))
        for m in _RUN.finditer(text)
        if len(re.sub(r"\D", "", m.group())) == 16
    ]
    if len(sixteen) != 2 or sixteen[0][0] != nik or sixteen[0][1] != "kk" or sixteen[1][1] == "kk":
        return None
    return sixteen[1][0], sixteen[0][0]


def _only_kk_labelled(text: str) -> bool:
    """One 16-digit run, labelled as the KK ("no kk 3275…", "KK: 3275…")."""
    sixteen = [m for m in _RUN.finditer(text) if len(re.sub(r"\D", "", m.group())) == 16]
    return len(sixteen) == 1 and _label_before(text, sixteen[0].start()) == "kk"


# A number typed with a letter for a digit ("32750141O1900001", "327501410l900001"): the letter O for zero, I or
# l for one, inside a run that is otherwise digits. Not read as the digit (the user retypes it), but told.
_LOOKALIKE_RUN = re.compile(r"(?<![^\W\d_])[0-9OoIl]*[0-9][0-9OoIl]*(?![^\W\d_])")
MIN_LOOKALIKE_DIGITS = 10
MAX_LOOKALIKE_LETTERS = 2


def letter_in_number(text: str) -> bool:
    """A long number holding one or two letters that look like digits (O for 0, I or l for 1)."""
    for found in _LOOKALIKE_RUN.finditer(text):
        letters = sum(not ch.isdigit() for ch in found[0])
        if 0 < letters <= MAX_LOOKALIKE_LETTERS and len(found[0]) - letters >= MIN_LOOKALIKE_DIGITS:
            return True
    return False


def looks_like_digits_answer(text: str) -> bool:
    """Mostly digits (a NIK or KK attempt), not a sentence that happens to hold a small number."""
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return digits >= 6 or (digits > 0 and letters <= 3)


# Dates and times (staff scheduling; always WIB) ---------------------------------------------------------

_DAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_INDONESIAN_DAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8, "agt": 8, "ags": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "nop": 11,
    "december": 12, "october": 10, "august": 8, "january": 1, "february": 2, "march": 3, "may": 5, "june": 6,
    "july": 7,
    "desember": 12, "des": 12, "des.": 12, "dec": 12, "oct": 10, "aug": 8,
}  # fmt: skip
# Informal spellings in a typed time: "jm 8", "malem", "senin dpn", "25 Nopember", "bsk".
_WHEN_SPELLING = {
    "jm": "jam", "pkl.": "pkl", "malem": "malam", "mlm": "malam", "sore2": "sore", "pagi2": "pagi",
    "dpn": "depan", "bsok": "besok", "besoknya": "besok", "nopember": "november", "tanggal.": "tanggal",
    "next week": "minggu depan", "next": "depan", "this": "ini", "coming": "depan",
    "subuh": "pagi", "petang": "sore", "sejam": "1 jam", "sejaman": "1 jam",
    "ntar": "nanti", "entar": "nanti", "ntr": "nanti", "nnti": "nanti", "nti": "nanti", "bsk": "besok",
    "sore-sore": "sore", "pagi-pagi": "pagi", "siang-siang": "siang", "stgh": "setengah", "stg": "setengah",
    "rebo": "rabu", "jemuah": "jumat", "jumah": "jumat", "salasa": "selasa",
}  # fmt: skip
# Words around a typed time that say nothing about it ("jam 10 aja", "besok jam 8 ya", "kirim jam 9 deh",
# "waktunya lusa jam 10").
_WHEN_FILLER = re.compile(
    r"\b(aja|saja|aj|deh|dong|ya|yah|yaa|sih|nih|kak|pak|bu|min|tolong|kirim|dikirim|kirimnya|dikirimnya"
    r"|pas|tepat|sekitar|kira-kira|kira2|please|pls|mulai|waktu|waktunya|jadwal|jadwalnya|nya"
    r"|eh|oh|hmm|duh|tunggu|bentar|sebentar|wait)\b"
)
# The words a typed time is made of, for reading the chat spellings nobody listed: vowels dropped ("pg", "pgi",
# "sre", "lg", "snn", "wktu") or one letter off ("senen", "kemis", "mingu", "bseok", "pagii").
_WHEN_VOCABULARY = (
    "jam", "pukul", "pagi", "siang", "sore", "malam", "besok", "lusa", "hari", "nanti", "depan", "lagi", "tanggal",
    "minggu", "menit", "waktu", "jadwal", "setengah", "bulan", "senin", "selasa", "rabu", "kamis", "jumat", "sabtu",
    "januari", "februari", "maret", "april", "juni", "juli", "agustus", "september", "oktober", "november",
    "desember",
)  # fmt: skip
_WHEN_SPELT = ChatSpelling(_WHEN_VOCABULARY)
# Words that are what they are, though one letter or a vowel away from a time word: "jan" is January, not
# "juni"; "malah" (rather) is not "malam"; "kemarin" stays in the past.
_WHEN_KEPT = frozenset({
    *_MONTHS, *_DAYS, *_WHEN_VOCABULARY, "malah", "kemarin", "kemaren", "kmrn", "kmarin", "tgl", "pkl", "mnt", "dpn",
    "mlm", "bsk", "jm", "wib", "ini", "itu", "sekarang", "setengah", "seminggu", "today", "tonight", "tomorrow",
})  # fmt: skip


def _when_word(word: str) -> str:
    if word in _WHEN_KEPT or not word.isalpha():
        return word
    return _WHEN_SPELT.read(word) or word  # "pgi", "sre", "lg"; "senen", "kemis", "mingu"


def when_words(text: str) -> str:
    """A typed time in lower case with its chat spellings spelt out ("bsk jm 8 pg" → "besok jam 8 pagi")."""
    lowered = " ".join(text.lower().replace(",", " ").split())
    lowered = re.sub(r"\bwib\b", "", lowered).strip()
    lowered = _WHEN_WORDS.sub(lambda m: _WHEN_SPELLING[m[0]], lowered)
    lowered = re.sub(r"\b(\d{1,2}(?:[.:]\d{2})?)an\b", r"\1", lowered)  # "jam 10an": about ten, read as ten
    lowered = _SPELT_HOUR.sub(lambda m: f"{m[1]} {_HOUR_WORDS[m[2]]}", lowered)  # "jam sembilan" → "jam 9"
    return re.sub(r"[a-z]+", lambda m: _when_word(m[0]), lowered)


# An hour in words after "jam"/"pukul"/"setengah": "jam sembilan pagi", "pukul sepuluh", "setengah delapan".
_HOUR_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "dua belas": 12, "duabelas": 12,
}  # fmt: skip
_SPELT_HOUR = re.compile(
    r"\b(jam|pukul|pkl|setengah)\s+(" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True)) + r")\b"
)


# A day or date in a typed time (not only an hour): "besok", "Senin", "tgl 5", "25-11", "3 hari lagi".
_NAMES_DAY = re.compile(
    r"\b(besok|besuk|lusa|hari ini|nanti|today|tonight|tomorrow|malam ini|sore ini|pagi ini|minggu depan|next week"
    r"|tgl|tanggal|hari lagi|seminggu|days?|" + "|".join(map(re.escape, (*_DAYS, *_MONTHS))) + r")\b"
    r"|\b\d{1,2}[-/]\d{1,2}\b|\b\d{4}-\d{1,2}-\d{1,2}\b"
)


def names_day(text: str) -> bool:
    """Whether a typed time names its day ("besok jam 8", "Senin 09.00") rather than only an hour ("jam 7")."""
    return bool(_NAMES_DAY.search(when_words(text)))


_WHEN_WORDS = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, _WHEN_SPELLING)) + r")(?![\w.])")
_LATER = re.compile(
    r"(?:dalam |sekitar )?(\d{1,3}) (jam|menit|mnt) (?:lagi|dari sekarang)|in (\d{1,3}) (hours?|minutes?|mins?)"
)
_TIME = re.compile(r"(?:\bjam|\bpukul|\bpkl|\bat)?\s*\b(\d{1,2})(?:[:.](\d{2}))?\b\s*(pagi|siang|sore|malam|am|pm)?")


def _this_or_next_year(day: datetime, now: datetime, year: str | None) -> datetime:
    """ "5 Jan" typed in November is next January; a date a few weeks back stays in the past (it is refused,
    not moved a year on)."""
    if year is None and day.date() < (now - timedelta(days=60)).date():
        return day.replace(year=day.year + 1)
    return day


# A four-digit number this close to the current year is a year, not a military time ("jam 2026" is a slip).
YEARS_AROUND = (1, 2)


def _looks_like_year(number: int, now: datetime) -> bool:
    return now.year - YEARS_AROUND[0] <= number <= now.year + YEARS_AROUND[1]


def parse_when(text: str, now: datetime) -> datetime | None:
    """A send time typed by staff, in WIB: `08:00`, `25-11 08:00`, `2026-11-25 08:00`, `besok jam 8 pagi`,
    `Senin 09.00`, `lusa jam 2 siang`, `25 November jam 10`, `hari ini 15.30`, `jam 7 malam`.

    Needs an hour: "besok pagi" alone is None (the time would be a guess). A time already passed today
    means tomorrow; any other time in the past is None."""
    local_now = now.astimezone(WIB)
    lowered = " ".join(_WHEN_FILLER.sub(" ", when_words(text)).split())
    lowered = re.sub(r"(\d)(am|pm)\b", r"\1 \2", lowered)  # "8am"
    lowered = re.sub(r"\bsetengah jam\b", "30 menit", lowered)
    # "setengah 9" is half past eight
    lowered = re.sub(r"\bsetengah (\d{1,2})\b", lambda m: f"{(int(m[1]) - 1) % 24}.30", lowered)
    later = _LATER.fullmatch(lowered)
    if later:  # "1 jam lagi", "30 menit lagi", "in 2 hours"
        amount = int(later[1] or later[3])
        hours = (later[2] or later[4]) in ("jam", "hour", "hours")
        when = local_now + (timedelta(hours=amount) if hours else timedelta(minutes=amount))
        return when.replace(second=0, microsecond=0) if 0 < amount <= (72 if hours else 600) else None
    day = None
    explicit_date = False
    rest = re.sub(r"\b(tahun|thn|taun|th)\.?\s+(\d{4})\b", r"\2", lowered)  # "23 November tahun 2026"
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]|$)", rest)
    numeric = re.search(r"\b(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?\b", rest)
    named = re.search(r"\b(\d{1,2})\s+([a-z.']+)(?:\s+(\d{4}))?\b", rest)
    month_first = re.search(r"\b([a-z.']+)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*[.:]\d)", rest)  # "dec 5", "Nov 30th"
    if not (named and named[2].rstrip(".") in _MONTHS) and month_first and month_first[1].rstrip(".") in _MONTHS:
        named = re.match(r"(\d{1,2}) ([a-z.']+)()", f"{month_first[2]} {month_first[1]}")
        rest = rest.replace(month_first[0], f"{month_first[2]} {month_first[1]}")
    try:
        if iso:
            day = local_now.replace(year=int(iso[1]), month=int(iso[2]), day=int(iso[3]))
            rest = rest.replace(iso[0], " ")
            explicit_date = True
        elif numeric:
            year = int(numeric[3]) if numeric[3] else local_now.year
            day = _this_or_next_year(
                local_now.replace(year=year, month=int(numeric[2]), day=int(numeric[1])), local_now, numeric[3]
            )
            rest = rest.replace(numeric[0], " ")
            explicit_date = True
        elif named and named[2].rstrip(".") in _MONTHS:
            year = int(named[3]) if named[3] else local_now.year
            month = _MONTHS[named[2].rstrip(".")]
            day = _this_or_next_year(
                local_now.replace(year=year, month=month, day=int(named[1])), local_now, named[3] or None
            )
            rest = rest.replace(named[0], " ")
            explicit_date = True
    except ValueError:
        return None
    # "0800", "1930": military time; but never a year ("jam 2026", "tahun 2026" is not 20:26)
    rest = re.sub(
        r"(?<![\d.:/-])([01]\d|2[0-3])([0-5]\d)(?![\d.:/-])",
        lambda m: m[0] if _looks_like_year(int(m[0]), local_now) else f"{m[1]}:{m[2]}",
        rest,
    )
    # "malam Minggu" is Saturday evening, "malam Senin" Sunday's: the evening before the day named
    evening_before = re.search(r"\bmalam (" + "|".join(_INDONESIAN_DAYS) + r")\b", rest)
    if evening_before:
        before = _INDONESIAN_DAYS[(_INDONESIAN_DAYS.index(evening_before[1]) - 1) % 7]
        rest = rest.replace(evening_before[0], f"{before} ini malam")
    next_week = bool(re.search(r"\bminggu depan\b|\bnext week\b", rest))
    rest = re.sub(r"\bminggu depan\b|\bnext week\b", " ", rest)
    next_month = bool(re.search(r"\bbulan depan\b|\bnext month\b", rest))
    rest = re.sub(r"\bbulan depan\b|\bnext month\b", " ", rest)
    day_only = re.search(r"\b(tgl|tanggal|tangal|date)\.?\s*(\d{1,2})\b", rest)
    if day is None and day_only:
        try:
            day = local_now.replace(day=int(day_only[2]))
            if day.date() < local_now.date() or next_month:  # the 5th when today is the 21st: next month
                month, year = (local_now.month % 12) + 1, local_now.year + (local_now.month == 12)
                day = day.replace(year=year, month=month)
        except ValueError:
            return None
        rest = rest.replace(day_only[0], " ")
        explicit_date = True
    days_on = re.search(r"\b(\d{1,2}|se|satu|dua|tiga) ?hari (?:lagi|kedepan|ke depan)\b|\bin (\d{1,2}) days\b", rest)
    weeks_on = re.search(r"\b(seminggu|1 minggu|satu minggu) lagi\b|\bin a week\b", rest)
    ahead_by = weeks_on or days_on
    if day is None and ahead_by is not None:  # "2 hari lagi jam 8", "seminggu lagi jam 9"
        spelled = {"se": 1, "satu": 1, "dua": 2, "tiga": 3}
        count = 7 if weeks_on else int(spelled.get(ahead_by[1] or "", 0) or ahead_by[1] or ahead_by[2])
        if not 0 < count <= 60:
            return None
        day = local_now + timedelta(days=count)
        rest = rest.replace(ahead_by[0], " ")
        explicit_date = True
    if day is None:
        if re.search(r"\blusa\b", rest):
            day = local_now + timedelta(days=2)
        elif re.search(r"\b(besok|besuk|bsk|tomorrow)\b", rest):
            day = local_now + timedelta(days=1)
        elif re.search(r"\b(hari ini|nanti|today|tonight|malam ini|sore ini|pagi ini)\b", rest):
            day = local_now
        else:
            for name, weekday in _DAYS.items():
                if re.search(rf"\b{re.escape(name)}\b", rest):
                    ahead = (weekday - local_now.weekday()) % 7
                    if not ahead and not re.search(rf"\b{re.escape(name)} ini\b|\bini {re.escape(name)}\b", rest):
                        ahead = 7  # "Sabtu" said on a Saturday: next Saturday ("Sabtu ini": today)
                    day = local_now + timedelta(days=ahead + (7 if next_week and ahead < 7 else 0))
                    explicit_date = True
                    break
    if re.search(
        r"[a-z]",
        re.sub(
            r"\b(jam|pukul|pkl|at|pagi|siang|sore|malam|am|pm|hari ini|nanti|today|"
            r"tonight|besok|besuk|bsk|tomorrow|lusa|ini|tanggal|tgl|hari|on|depan|"
            + "|".join(map(re.escape, _DAYS))
            + r")\b",
            " ",
            rest,
        ),
    ):
        return None  # words we do not understand: do not guess
    match = _TIME.search(rest)
    if not match or not match.group(1):
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    anywhere = re.search(r"\b(pagi|siang|sore|malam)\b", lowered)
    part = match[3] or (anywhere[1] if anywhere else None)
    if (part in ("sore", "pm") and hour < 12) or (part == "malam" and 6 <= hour < 12) or (part == "siang" and hour < 6):
        hour += 12
    elif part in ("pagi", "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    base = day or local_now
    when = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
    later_today = re.search(r"\bnanti\b", rest) and day is not None and part is None  # "nanti": later on
    if later_today and when <= local_now and hour < 12 and when + timedelta(hours=12) > local_now:
        when += timedelta(hours=12)  # "nanti jam 3" said at 10:00: this afternoon, not 03:00
    if day is None and when <= local_now:
        when += timedelta(days=1)  # "08:00" already passed today: tomorrow
    if explicit_date is False and day is not None and when <= local_now and day.date() == local_now.date():
        return None
    return when if when > local_now - timedelta(minutes=1) else None


_AFFIRMATIVE = re.compile(
    r"^(y|ya|yaa+|iya+|iy|iye+|iyo|yes|yep|yup|boleh|bole|mau|lanjut|lanjutkan|setuju|gas|ayo|yuk|hayuk|silakan|silahkan"
    r"|sure)"
    r"\b(?!.*\b(tanya|nanya)\b)"
)


def affirmative(text: str) -> bool:
    """A bare "iya/boleh/mau/lanjut" (as opposed to an acknowledgement such as "ok", "sip", "makasih")."""
    lowered = " ".join(re.sub(r"[^\w ]+", " ", text.lower()).split())
    return len(lowered.split()) <= 4 and bool(_AFFIRMATIVE.search(lowered))
