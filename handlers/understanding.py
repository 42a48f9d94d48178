"""A message understood in full, once, before any flow acts on it: intent, entities and the best FAQ entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from handlers import faq
from handlers.entities import (
    Digits,
    detect_language,
    digits_in,
    escape_of,
    family_reference,
    looks_like_code,
    names_someone,
    plain_words,
    postponed,
    waiting,
    yes_or_no,
)
from handlers.nlu import Understanding, normalise, understand

_QUESTION = re.compile(
    r"\?|^(apa|apakah|apkh|berapa|brp|kapan|kpn|dimana|di mana|kemana|ke mana|gimana|gmn|bagaimana|kenapa|knp|"
    r"siapa|bisa|bisakah|boleh|bolehkah|what|how|when|where|who|why|can|is|are|do|does)\b|"
    r"\b(ga|gak|nggak|tidak|kah|sih|nggak sih|gimana|bukan|apa|apaan|mana|berapa|brp|kapan|kpn|dimana|dmn)\s*$"
)
# Interjections before an answer ("eh", "hmm", "ya udah"): the answer is what follows.
_ANSWER_FILLER = re.compile(
    r"^((eh|ehh|oh|hmm|hm|ah|wah|nah|duh|aduh|yaudah|ywdh|ya udah|udah|ok deh|oke deh)[\s,.!]+)+"
)
_CONSENT_WORD = re.compile(r"\b(setuju|stuju|agree|agreed|boleh|lanjut|lanjutkan|silakan|silahkan|proceed|go ahead)\b")
_HEDGE = re.compile(r"\b(tanya|nanya|tapi|tp|but|asal|asalkan|kalau|kalo|klo|if|takut|ragu)\b")
MAX_PLAIN_YES_WORDS = 4  # "iya deh boleh aja": a yes that short is the answer, wherever its yes-word stands
_QUESTION_TAIL = re.compile(r"\b(ga|gak|gk|nggak|nggk|ngga|engga|enggak|tidak|tdk|kah|sih|bukan|apa|ya)\s*\??\s*$")
# "oke2 aja sih", "boleh aja ya": a particle after a yes is no question; "boleh ga sih" still asks.
_SOFT_PARTICLES = re.compile(r"(\s+(sih|ya|yah|deh|dong))+\s*$")
_ASKING_TAIL = re.compile(r"\b(ga|gak|gk|nggak|nggk|ngga|engga|enggak|tidak|tdk|kah|bukan|apa)\s*$")
_PROGRAM_WORDS = re.compile(
    r"\b(bpjs|sigap|ucj|program\w*|iura\w*|klaim\w*|claim|peserta|santunan|kartu|pemkot|dtsen|dtks|desil|jaminan|"
    r"asuransi|insurance|jamsostek|ketenagakerjaan|kpj|jmo|bansos|kelurahan|disnaker|dinsos|coverage|"
    r"ditanggung|tanggung|menanggung|dicover|covered|cover|santunan|manfaat"
    # what a claim or a check involves: a question about these is a programme question, answered honestly
    r"|buku nikah|akta|surat kematian|ahli waris|berkas|dokumen|beasiswa|jkm|jkk|jht|jmo|disdukcapil|dukcapil"
    r"|kantor bpjs|cair|pencairan)\b"
)
_DEATH = re.compile(
    r"\b(meninggal\w*|wafat\w*|mati|tewas|kematian\w*|almarhum|almarhumah"
    r"|died|dies|die|death|passed away|pass away|killed)\b"
)
_AT_WORK = re.compile(
    r"\b(kecelakaan|kecelakan|tabrakan|ketabrak|ditabrak|tertabrak|jatuh|terjatuh|kerja|bekerja|narik|ngojek|"
    r"nyupir|lagi kerja|waktu kerja|saat kerja|di jalan|perjalanan|berangkat kerja|pulang kerja|proyek|"
    r"accident|crash|at work|on the job|while working|jkk(?!.{0,25}\bjkm))\b"
)


# An explicit work cue, and a cue that the accident was not at work (school run, holiday, at home).
_WORK_CUE = re.compile(
    r"\b(kerja|bekerja|narik|ngojek|nyupir|proyek|antar penumpang|anter penumpang|ngantar|kurir|dagang|jualan"
    r"|at work|on the job|while working|to work|from work)\b"
)
# "bukan karena kerja", "tidak lagi kerja", "not at work": a work word that is negated is a cue against JKK.
_NEGATED_WORK = re.compile(
    r"\b(bukan|bkn|tidak|tdk|ga|gak|nggak|ngga|kagak|enggak|not|wasn't|didn't)\s+"
    r"(karena |krn |karna |akibat |gara-gara |pas |saat |waktu |lagi |lg |sedang |sewaktu |dalam |di |while |at )*"
    r"(kecelakaan |kecelakaan kerja|kerja|bekerja|narik|ngojek|nyupir|working|work)\b"
)
_NOT_WORK = re.compile(
    r"\b(sekolah|liburan|libur|mudik|jalan-jalan|jalan jalan|rekreasi|di rumah|sakit|school|holiday|vacation)\b"
)

# An accident named in a message: "suami sy kecelakaan", "ketabrak pas narik", "jatuh dari motor".
ACCIDENT = re.compile(
    r"\b(kecelakaan|kecelakan|kclkaan|kecelakaan\w*|tabrakan|ketabrak|ditabrak|tertabrak|keserempet|diserempet"
    r"|terserempet|kesenggol|disenggol|nabrak|menabrak|terlindas|kelindes|dilindas|terjatuh|jatuh dari|luka\w*"
    r"|terluka|cedera|patah tulang|accident\w*|crash\w*|injur\w*|hit by|fell off|knocked (down|over)|run over"
    r"|slip|selip|tergelincir|kepleset|kepeleset|terpeleset|terguling|terbalik|terbentur|kebentur|kejepit|terjepit"
    r"|kesetrum|tersetrum|keseleo|terkilir|memar|lecet\w*|berdarah|slipped|skidded|fractured|sprained|bleeding)\b"
    r"|\bjatuh\b(?!\s+(tempo|sakit|miskin|cinta|hati|pada|ke tangan))"
)

# A death from an illness, not an accident.
_ILLNESS = re.compile(
    r"\b(sakit\w*|penyakit\w*|serangan jantung|jantung\w*|stroke|struk|darah tinggi|hipertensi|diabetes|kanker"
    r"|covid|demam|sesak|asma|gagal ginjal|illness|ill|sick|sickness|disease|heart attack|cancer|natural causes)\b"
)

# An accident that was not at work: "bukan lagi kerja", "lagi ga narik", "pas liburan sama keluarga". A bare
# "ga kerja" is not one ("jatuh pas narik, jadi ga kerja seminggu": the days off after a work accident).
_OFF_WORK = re.compile(
    r"\b(bukan|bkn|tidak|tdk|ga|gak|nggak|ngga|enggak|lagi ga|lagi gak|lagi tidak|not|wasn't|weren't|was not)\s+"
    r"(lagi |lg |pas |saat |waktu |sedang |sewaktu |dalam |di |while |at |on |karena |krn |akibat )+"
    r"(kerja|bekerja|narik|ngojek|nyupir|jualan|dagang|working|work|duty|the job)\b"
    r"|\blagi (ga|gak|nggak|ngga|tidak|tdk) (kerja|bekerja|narik|ngojek|nyupir|jualan|dagang)\b"
    r"|\bbukan (kecelakaan )?(kerja|karena kerja)\b|\bnot (a )?work[- ]related\b|\b(wasn't|was not) (at work|working)\b"
    r"|\b(libur|off) (kerja|narik|ngojek|jualan|dagang)\b|\b(day off|off duty)\b"
    r"|(?<!now )(?<!i'm )(?<!am )(?<!still )\bnot (working|at work|on duty|on the job)\b"
)
_LEISURE = re.compile(
    r"\b(liburan|hari libur|mudik|jalan-jalan|jalan jalan|jalan2|rekreasi|piknik|wisata|tamasya|holiday|vacation"
    r"|on a trip|sightseeing)\b"
    # one's own children to school: a family errand, not a paid ride
    r"|\b(antar|anter|nganter|ngantar|ngantarin|nganterin|jemput|jemputin)\s+anak\s+(saya|sy|aku|gw|gue)\b"
    r"|\b(taking|picking up|dropping off|driving) my (kids|children|son|daughter|child)\b"
)

# Asking for a person to answer (a ticket), as opposed to asking for contact details (the Bantuan text).
_OFFICER = re.compile(
    r"\b(tanya|tanyakan|nanya|nny|tny|bertanya|bicara|ngomong|ngmg|ngomg|omong|ngobrol|ngbrl|chat|ketemu|konsultasi"
    r"|curhat|sambung\w*|disambung\w*|nyambung\w*|hubungin|hubungkan|dihubungkan|dihubungin|terusin|teruskan"
    r"|diteruskan|oper|dioper)"
    # "nanya lgsg ke petugas", "hubungin sy ke petugas", "sambungin ke petugas kelurahan"
    r" ((saya|sy|aku|gw) )?"
    r"(ke |kpd |sama |sm |ama |dengan |dgn |(langsung|lgsg|lgs|lsg|lngsg) (ke |sama |sm |dengan )?)?"
    r"(petugas|ptgs|admin|operator|orang|manusia|cs|pegawai)\b"
    r"|\b(komplain|complain\w*|keluhan|mengeluh|mengadu|ngadu|pengaduan|aduan|protes)\b"
    # "talk to a real person", "speak with someone at the kelurahan", "ask the kelurahan staff"
    r"|\b(talk|speak|chat) (to|with) (a |an |the )?(real |actual |live )?(person|human|someone|agent|officer|staff)\b"
    r"|\bask (an? |the )?(\w+ )?(officer|staff|person|human)\b|\bask (someone|somebody)\b|\b(complaint|complain)\b"
)
_CONTACT_DETAILS = re.compile(
    r"\b(nomor|nomer|no|telepon|telpon|telp|alamat|kontak|kontaknya|contact|hubungi|call center|jam|kantor\w*"
    r"|wa|whatsapp|phone|number|address|email)\b"
)


@dataclass(frozen=True)
class Said:
    """Entities are read at once (they are cheap and decide whether a step is filled); the intent, the
    normalised text and the knowledge-base match only when something asks for them, so a digits-only answer
    (the KK digits of the verified turn) never pays for them."""

    text: str  # as typed, digits normalised to ASCII
    lowered: str
    digits: Digits
    answer: bool | None  # free-word yes / no, negation-aware
    family: bool  # about someone else's record
    language: str | None  # the language the message is clearly written in
    escape: str | None  # a way out: erase, cancel, menu, help, human
    carried: faq.Match | None = None  # a bare follow-up's answer, found with the last answer's subject

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text) if self.lowered else ""  # `read` leaves nothing read for code: no topic either

    @cached_property
    def nlu(self) -> Understanding:
        return understand(self.text)

    @property
    def intent(self) -> str:
        return self.nlu.intent

    @cached_property
    def faq(self) -> faq.Match | None:
        if self.carried is not None:
            return self.carried
        return faq.match(self.lowered, self.normalised)

    @property
    def bare_answer(self) -> bool | None:
        """The yes/no, unless it is part of a question ("data saya ikut kehapus ga?", "ini resmi ga"). An
        answer after the question mark still counts ("hapus? jangan deh", "aman kan? ok lanjut")."""
        if self.answer is None:
            return None
        words = self.lowered.split()
        if len(words) > 2 and ("?" in self.text or self._question_tail()):
            after = self.text.rsplit("?", 1)[1].strip() if "?" in self.text else ""
            return yes_or_no(after) if after and not _QUESTION_TAIL.search(after.lower()) else None
        return self.answer

    def _question_tail(self) -> bool:
        """Ends like a question ("data sy ikut kehapus ga", "resmi kah"); soft particles alone do not."""
        if not _QUESTION_TAIL.search(self.lowered):
            return False
        stripped = _SOFT_PARTICLES.sub("", self.lowered)
        return stripped == self.lowered or bool(_ASKING_TAIL.search(stripped))

    @property
    def given_answer(self) -> bool | None:
        """The bare answer, where a yes must be the message's point: a few words, or said first ("iya boleh,
        3275…"). "sy mau nanya dulu soal iurannya" holds a "mau", but it is no yes. A no counts anywhere."""
        answer = self.bare_answer
        if answer is not True:
            return answer
        words = _ANSWER_FILLER.sub("", self.lowered + " ").split()
        if len(words) <= MAX_PLAIN_YES_WORDS:
            return True
        hedged = _HEDGE.search(self.lowered)
        if hedged and not (self.family and yes_or_no(words[0]) is True and not self.is_question):
            # "mau sih tp takut ditipu": a worry to answer first; but "iya, tapi ini buat bapak saya", "ok but
            # it's my dad's NIK" is a yes, for a relative's check
            return None
        if yes_or_no(words[0]) is True or _CONSENT_WORD.search(self.lowered):
            return True  # "iya boleh, 3275…", "saya setuju dengan ketentuan di atas"
        return None

    @property
    def waiting(self) -> bool:
        """ "bentar", "tunggu ya": the user will answer the pending step in a moment ("tunggu, ga usah" is a no)."""
        return waiting(self.text) and self.answer is not False

    @property
    def postponed(self) -> bool:
        """The whole message puts the pending step off ("nanti aja deh", "besok aja ya kak")."""
        return postponed(self.text)

    @property
    def is_question(self) -> bool:
        return bool(_QUESTION.search(self.lowered.strip()))

    @property
    def wants_officer(self) -> bool:
        """A person should answer ("tanya petugas", "komplain", "mau ngobrol sama orang"), not a request for
        an office's number or address."""
        asked = _OFFICER.search(self.lowered) or _OFFICER.search(self.normalised)
        return bool(asked) and not _CONTACT_DETAILS.search(self.lowered)

    @property
    def about_program(self) -> bool:
        return bool(_PROGRAM_WORDS.search(self.lowered) or _PROGRAM_WORDS.search(self.normalised))

    @cached_property
    def claim_text(self) -> str:
        """The message as typed and as normalised ("alm suami mninggal kclkaan wktu narik" → "… meninggal
        kecelakaan waktu …"), on separate lines so that no pattern spans both: what a death or an accident
        is read from."""
        if self.normalised == self.lowered:
            return self.lowered
        return self.lowered + "\n" + self.normalised

    @property
    def illness_at_work(self) -> bool:
        """A death from an illness while working ("kena serangan jantung pas lagi narik"): not an accident, so
        not a JKK death on the bot's word; BPJS Ketenagakerjaan decides."""
        return bool(
            _DEATH.search(self.claim_text)
            and _ILLNESS.search(self.claim_text)
            and not ACCIDENT.search(self.claim_text)
            and _WORK_CUE.search(self.claim_text)
            and not _NEGATED_WORK.search(self.claim_text)  # "kagak lagi narik, sakit aja di rumah"
        )

    @property
    def death_at_work(self) -> bool:
        """A death from a work accident (JKK), not a non-work death (JKM)."""
        if _NEGATED_WORK.search(self.claim_text):
            return False  # "meninggal bukan karena kerja, sakit biasa": JKM
        if _ILLNESS.search(self.claim_text) and not ACCIDENT.search(self.claim_text):
            return False  # "serangan jantung pas narik": an illness, not an accident
        if not (_DEATH.search(self.claim_text) and _AT_WORK.search(self.claim_text)):
            return False
        # "kecelakaan motor pas pulang sekolah": an accident, but not at work (JKM, not JKK).
        return bool(_WORK_CUE.search(self.claim_text) or not _NOT_WORK.search(self.claim_text))

    @property
    def accident_off_work(self) -> bool:
        """An accident that did not happen at work or on the way to or from it: not a JKK claim."""
        if not ACCIDENT.search(self.claim_text):
            return False
        return bool(
            _OFF_WORK.search(self.claim_text)
            or (_LEISURE.search(self.claim_text) and not _WORK_CUE.search(self.claim_text))
        )

    @property
    def death_reported(self) -> bool:
        """A death that happened ("bapak saya meninggal"), not a hypothetical one ("kalau meninggal?")."""
        hypothetical = re.search(
            r"\b(kalau|kalo|klo|jika|jikalau|bila|apabila|seandainya|misal\w*|if|in case)\b", self.claim_text
        )
        someone = (
            self.family
            or names_someone(self.claim_text)
            or re.search(
                r"\b(saya|sy|aku|gw|gue|gua|ane|aye|kami|kita|my|our|beliau|almarhum\w*|kemarin|kemaren|tadi|barusan"
                r"|yesterday|last (night|week))\b",
                self.claim_text,
            )
        )
        return bool(_DEATH.search(self.claim_text) and someone) and not hypothetical

    @property
    def death(self) -> bool:
        text = self.claim_text
        return bool(_DEATH.search(text) or re.search(r"\b(jkm|ahli waris\w*|beasiswa)\b", text))


# "dont", "cant", "im", "whats a kpj" typed without the apostrophe: the patterns are written for "don't",
# "can't", "i'm", "what's".
_CONTRACTION = re.compile(
    r"\b(don|can|doesn|didn|won|isn|aren|wasn|haven)t\b|\b(i)m\b|\b(what|where|how|who|when|that)s\b"
)


def _apostrophe(found: re.Match[str]) -> str:
    if found[1]:
        return f"{found[1]}'t"
    return "i'm" if found[2] else f"{found[3]}'s"


def read(text: str) -> Said:
    if looks_like_code(text):
        # "SELECT * FROM peserta": nothing to act on, and no reason to switch the chat's language
        return Said(text=text, lowered="", digits=digits_in(""), answer=None, family=False, language=None, escape=None)
    lowered = _CONTRACTION.sub(_apostrophe, plain_words(text.replace("’", "'")))
    return Said(
        text=text,
        lowered=lowered,
        digits=digits_in(text),
        answer=yes_or_no(text),
        family=family_reference(text),
        language=detect_language(text),
        escape=escape_of(text),
    )
