"""Understanding informal Indonesian: intent of a free-text message and a NIK anywhere in it.

Rules, not a model: people write "sy mau cek bpjs gratis dr pemkot" — slang is expanded, typos are pulled
to the nearest keyword (rapidfuzz), and weighted patterns score each intent. Predictable, fast, and easy for
the next engineer to extend: add a pattern and a labelled example (tests/fixtures/nlu_utterances.tsv).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from sigap_core.nik import find_nik

INTENTS = (
    "menu",
    "check_eligibility",
    "update_data",
    "coverage_status",
    "claim_help",
    "subscribe",
    "unsubscribe",
    "human_help",
    "change_language",
    "out_of_scope",
)

# Informal spellings → standard words (after lower-casing; whole tokens only).
SLANG = {
    "sy": "saya", "sya": "saya", "aku": "saya", "ak": "saya", "gw": "saya", "gue": "saya", "gua": "saya",
    "gmn": "bagaimana", "gimana": "bagaimana", "gmna": "bagaimana", "bgmn": "bagaimana", "gmana": "bagaimana",
    "caranya": "cara", "cekin": "cek", "cekkan": "cek", "ngecek": "cek", "dicek": "cek", "crnya": "cara", "cr": "cara",
    "dgn": "dengan", "dg": "dengan", "sm": "sama", "ama": "sama",
    "blm": "belum", "blom": "belum", "belom": "belum",
    "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "engga": "tidak", "enggak": "tidak",
    "tdk": "tidak", "tak": "tidak", "g": "tidak", "gk": "tidak", "kagak": "tidak",
    "dr": "dari", "dri": "dari", "yg": "yang", "yng": "yang", "utk": "untuk", "untk": "untuk", "buat": "untuk",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "uda": "sudah",
    "dpt": "dapat", "dpet": "dapat", "dapet": "dapat", "ato": "atau", "atw": "atau", "jgn": "jangan",
    "lgi": "lagi", "sdr": "saudara", "gmana2": "bagaimana", "bs": "bisa", "bsa": "bisa", "mo": "mau", "pengen": "mau", "pgn": "mau", "ingin": "mau",
    "kpn": "kapan", "knp": "kenapa", "napa": "kenapa", "ap": "apa", "apkh": "apakah", "apa kah": "apakah",
    "tlg": "tolong", "tolongin": "tolong", "mhn": "mohon", "ngadu": "mengadu", "ngeluh": "mengadu",
    "bpjstk": "bpjs ketenagakerjaan", "bpjamsostek": "bpjs ketenagakerjaan", "jamsostek": "bpjs ketenagakerjaan",
    "tk": "ketenagakerjaan", "kel": "kelurahan", "kelurhan": "kelurahan", "kec": "kecamatan",
    "makasih": "terima kasih", "makasi": "terima kasih", "mksh": "terima kasih", "trims": "terima kasih",
    "thx": "terima kasih", "thanks": "terima kasih", "tq": "terima kasih", "tengkyu": "terima kasih",
    "ass": "assalamualaikum", "askum": "assalamualaikum", "assalamu'alaikum": "assalamualaikum",
    "p": "halo", "hai": "halo", "hallo": "halo", "hello": "halo", "hi": "halo", "helo": "halo",
    "bkn": "bukan", "krn": "karena", "karna": "karena", "lg": "lagi", "jg": "juga", "aja": "saja",
    "ojol": "ojek online", "gojek": "ojek online", "grab": "ojek online", "maxim": "ojek online",
    "infonya": "info", "inpo": "info", "infokan": "info",
    "nomer": "nomor", "no": "nomor", "hp": "handphone", "wa": "whatsapp",
    "ktp": "ktp", "kk": "kk", "nik": "nik", "dtks": "dtsen",
    "klaimnya": "klaim", "claim": "klaim", "kecelakan": "kecelakaan", "kcelakaan": "kecelakaan",
    "englis": "english", "inggris": "english", "engris": "english",
    "hrs": "harus", "hrus": "harus", "kmn": "kemana", "kmana": "kemana", "dmn": "dimana", "dmana": "dimana",
    "trs": "terus", "trus": "terus", "brp": "berapa", "brapa": "berapa", "msh": "masih", "masi": "masih",
    "thn": "tahun", "skrg": "sekarang", "skrng": "sekarang", "klo": "kalau", "kalo": "kalau", "kl": "kalau",
    "emg": "memang", "emang": "memang", "bnr": "benar", "sampe": "sampai", "ikutan": "ikut",
    "sblm": "sebelum", "stlh": "setelah", "tgl": "tanggal", "jd": "jadi", "jdi": "jadi", "tp": "tapi",
    "met": "selamat", "aye": "saya", "ane": "saya", "unsub": "unsubscribe", "unsubs": "unsubscribe", "mw": "mau", "tny": "tanya", "nnya": "tanya", "ngk": "tidak", "nda": "tidak", "ndak": "tidak", "sapa": "siapa", "spa": "siapa", "org": "orang",
    "rmh": "rumah", "rmah": "rumah", "ikt": "ikut", "ikot": "ikut", "dftr": "daftar", "daptar": "daftar",
}  # fmt: skip

# (intent, weight, pattern on the normalised text). Strong signals weigh 3, weak ones 1.
PATTERNS: tuple[tuple[str, int, str], ...] = (
    # menu: greetings, thanks, start, back
    (
        "menu",
        2,
        r"^(halo|pagi|siang|sore|malam|selamat (pagi|siang|sore|malam)|permisi|assalamualaikum|salam)\b",
    ),
    ("menu", 3, r"\bterima kasih\b|\bmakasih\b"),
    ("menu", 3, r"^/?(start|menu|mulai dari awal)\b|\bmenu( utama)?\b|\bkembali\b|\bbalik\b|\bback\b"),
    ("menu", 2, r"^(ok|oke|okay|sip|siap|baik|mantap|good)\b"),
    ("menu", 3, r"\bthank(s| you)?\b|^(good (morning|afternoon|evening)|hey|hi there)\b"),
    ("menu", 1, r"\bhalo\b|\bassalamualaikum\b"),
    # eligibility
    ("check_eligibility", 3, r"\bcek\b(?! (status|kepesertaan|bansos))|\bcek nik\b|\bperiksa\b"),
    ("check_eligibility", 3, r"\blayak|\bkelayakan\b|\beligib|\bmemenuhi syarat\b|\bsyarat"),
    ("check_eligibility", 3, r"\bgratis\b|\b(dibayar(in)?|ditanggung) (pemkot|pemerintah)|\bsigap\b|\bucj\b"),
    (
        "check_eligibility",
        2,
        r"\b(bisa|boleh|mau) (ikut|dapat|dapet|daftar|masuk)\b|\bdapat bpjs\b|\bdapet bpjs\b",
    ),
    (
        "check_eligibility",
        2,
        r"\bdaftar\b|\bpendaftaran\b|\bpenerima\b|\bterpilih\b|\bapakah saya (bisa|dapat|termasuk)",
    ),
    ("check_eligibility", 1, r"\bbpjs\b|\bpemkot\b|\bprogram\b|\bnik\b|\bikut\b"),
    ("check_eligibility", 5, r"\b(tau|tahu|lihat|liat|berapa) desil\b|\bdesil (saya|sy) berapa\b"),
    ("check_eligibility", 3, r"\bcheck\b(?! (status|coverage))|\bam i eligible\b|\bqualify\b"),
    (
        "check_eligibility",
        3,
        r"\bapa(kah)? saya termasuk\b|\bsaya termasuk (tidak|ga|gak|nggak)\b|\b(dapat|dapet) (atau|apa) (tidak|nggak)\b",
    ),
    # update data
    (
        "update_data",
        3,
        r"\b(perbarui|perbaharui|memperbarui|update|ubah|mengubah|ganti|perbaiki|memperbaiki|benerin|koreksi) (data|desil|dtsen|pekerjaan|alamat)",
    ),
    (
        "update_data",
        3,
        r"\bdtsen\b|\bdesil\b|\busul(an|kan)?\b|\bsanggah\b|\bcek bansos\b|\bmusyawarah\b|\bsiks\b",
    ),
    (
        "update_data",
        2,
        r"\bdata (saya|sy|salah|tidak sesuai|belum masuk|keliru)\b|\bsalah data\b|\bbelum terdata\b|\btidak terdata\b",
    ),
    ("update_data", 2, r"\b(perbarui|perbaharui|update|ubah|perbaiki|pindah)\b"),
    ("update_data", 1, r"\bdata\b|\bkelurahan\b|\bkecamatan\b|\bdukcapil\b|\bkk\b"),
    # coverage status
    (
        "coverage_status",
        3,
        r"\bstatus\b|\bkepesertaan\b|\bmasa (aktif|berlaku)\b|\bmasih aktif\b|\bsudah aktif\b",
    ),
    (
        "coverage_status",
        3,
        r"\bkpj\b|\bkartu (peserta|bpjs)\b|\bsampai kapan\b|\bkapan (habis|berakhir|aktif|mulai)\b",
    ),
    (
        "coverage_status",
        2,
        r"\b(sudah|udah|belum) terdaftar\b|\bterdaftar (belum|tidak|kah)\b|\bsaya terdaftar\b|\bjmo\b",
    ),
    ("coverage_status", 3, r"\bsaya (sudah |masih )?peserta\b"),
    ("coverage_status", 3, r"\bcoverage\b|\bmembership\b|\bam i (enrolled|covered|registered)\b"),
    ("coverage_status", 1, r"\baktif\b|\bberlaku\b|\bperiode\b|\bpeserta\b"),
    # claims
    ("claim_help", 3, r"\bklaim\b|\bkecelakaan\b|\bsantunan\b|\bahli waris\b|\bbeasiswa\b|\bjkm\b|\bjkk\b"),
    (
        "claim_help",
        3,
        r"\bmeninggal\b|\bwafat\b|\bkematian\b|\btabrakan\b|\bjatuh\b|\bluka\b|\bcedera\b|\bkecelakaan kerja\b",
    ),
    (
        "claim_help",
        3,
        r"\brumah sakit\b|\bberobat\b|\bpencairan\b|\bcair\b|\bmanfaat\b|\bdapat apa\b|\bganti rugi\b",
    ),
    ("claim_help", 3, r"\b(ketabrak|ditabrak|tertabrak|nabrak|keserempet|diserempet|celaka|terjatuh|kecelakaan)\b"),
    ("claim_help", 3, r"\baccident\b|\binjur|\bdied\b|\bdeath\b|\bhospital\b|\bif i die\b|\bpass(ed)? away\b"),
    # subscribe / unsubscribe
    ("subscribe", 3, r"\blangganan\b|\bberlangganan\b|\bsubscribe\b|\bpengumuman\b|\bnotifikasi\b|\bannouncements?\b"),
    (
        "subscribe",
        2,
        r"\b(kirim|kirimi|kabari|kabarin|minta) (saya )?(info|informasi|kabar)|\binfo (terbaru|terkini|program)\b",
    ),
    ("subscribe", 2, r"^mulai$|\bmau (dapat|dapet|terima) info\b|\bikuti\b"),
    ("subscribe", 2, r"\bikuti info\b"),
    ("subscribe", 1, r"\binfo\b|\binformasi\b|\bkabar\b"),
    ("unsubscribe", 5, r"^(berhenti|stop|unsubscribe|stop info|berhenti langganan)$"),
    (
        "unsubscribe",
        4,
        r"\b(berhenti|stop|hentikan|matikan|batalkan|keluar)\b.*\b(langganan|info|pesan|notif|kirim)",
    ),
    (
        "unsubscribe",
        4,
        r"\b(tidak|jangan) (mau )?(di ?kirim|terima|menerima|dapat) (info|pesan|pengumuman)|\bjangan kirim",
    ),
    (
        "unsubscribe",
        5,
        r"\btidak mau ((dapat|dapet|terima|menerima) )?(info|pesan|pengumuman|langganan)|\b(info|pesan)(nya)? (berhenti|stop)",
    ),
    ("unsubscribe", 2, r"\bberhenti\b|\bstop\b|\bunsubscribe\b"),
    # human help
    (
        "human_help",
        3,
        r"\bpetugas\b|\badmin\b|\boperator\b|\bcs\b|\bcall center\b|\bcustomer service\b|\bmanusia\b|\borang asli\b",
    ),
    (
        "human_help",
        3,
        r"\bhubungi\b|\bkontak\b|\bnomor (telepon|telpon|kantor|whatsapp|handphone)\b|\balamat kantor\b|\bpengaduan\b|\bkomplain\b|\bmengadu\b",
    ),
    (
        "human_help",
        2,
        r"^bantuan$|^help$|^tolong$|\bbutuh bantuan\b|\bminta bantuan\b|\bbicara dengan\b|\bngobrol dengan\b|\bbingung\b",
    ),
    (
        "human_help",
        3,
        r"\b(bicara|ngobrol|ngomong|chat|chatting|telpon|telepon) (dengan|sama|ke) (orang|petugas|admin|manusia|cs|operator)\b",
    ),
    ("human_help", 3, r"\b(talk|speak|chat) (to|with) (a |an |the )?(person|human|someone|agent|officer|staff)\b"),
    ("human_help", 1, r"\btolong\b|\bbantu\b|\bbantuan\b|\bhelp\b|\btelepon\b|\btelpon\b"),
    # language
    (
        "change_language",
        4,
        r"\benglish\b|\blanguage\b|\bbahasa (inggris|english|indonesia)\b|\bganti bahasa\b|\bin english\b",
    ),
    ("change_language", 2, r"\bbahasa\b|\bspeak\b"),
)

_COMPILED = tuple((intent, weight, re.compile(pattern)) for intent, weight, pattern in PATTERNS)
_VOCABULARY = sorted(
    {
        word
        for _, _, pattern in PATTERNS
        for word in re.findall(r"[a-z]{5,}", re.sub(r"\\[a-zA-Z]", " ", pattern))
        if word not in {"bagaimana"}
    }
    | {
        "kelayakan",
        "perbarui",
        "kepesertaan",
        "kecelakaan",
        "berlangganan",
        "langganan",
        "pengumuman",
        "terdaftar",
    }
)


@dataclass(frozen=True)
class Understanding:
    text: str
    intent: str
    confidence: float
    entities: dict[str, str] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 2),
            "entities": self.entities,
        }


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    """Pull a misspelt word to the nearest keyword ("kelayakn" → "kelayakan")."""
    if len(token) < 5 or token in _VOCABULARY:
        return token
    match = process.extractOne(token, _VOCABULARY, scorer=fuzz.ratio, score_cutoff=84)
    return match[0] if match else token


def normalise(text: str) -> str:
    lowered = text.lower().replace("’", "'")
    lowered = re.sub(r"\d[\d\s.\-]{6,}\d", " ", lowered)  # numbers (NIKs, phones) are entities, not words
    tokens = re.findall(r"[a-z/']+", lowered)
    expanded = []
    for token in tokens:
        token = token.strip("'")
        token = re.sub(r"(.)\1{2,}", r"\1", token)  # "haloooo" → "halo"
        word = SLANG.get(token, token)
        for suffix in ("nya", "in", "kah", "lah"):  # statusnya, berhentiin, aktifkah
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 4 and (stem in _VOCABULARY or stem in SLANG):
                word = SLANG.get(stem, stem)
                break
        expanded.append(word if " " in word else _correct(word))
    return " ".join(expanded)


def understand(text: str) -> Understanding:
    entities: dict[str, str] = {}
    nik = find_nik(text)
    if nik:
        entities["nik"] = nik
    normalised = normalise(text)
    scores: dict[str, int] = {}
    for intent, weight, pattern in _COMPILED:
        if pattern.search(normalised):
            scores[intent] = scores.get(intent, 0) + weight
    # A command-like message that is only "berhenti"/"stop" is always an opt-out.
    if nik and not scores:
        scores["check_eligibility"] = 3
    elif nik:
        scores["check_eligibility"] = scores.get("check_eligibility", 0) + 2
    if not scores:
        return Understanding(text, "out_of_scope", 0.6 if normalised else 0.9, entities, scores)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], INTENTS.index(item[0])))
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    confidence = min(0.99, 0.5 + 0.5 * (top - second) / (top + 1) + 0.05 * min(top, 4))
    return Understanding(text, best, round(confidence, 2), entities, scores)
