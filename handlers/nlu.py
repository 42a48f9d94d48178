"""Understanding informal Indonesian: intent of a free-text message and a NIK anywhere in it.

Rules, not a model: people write "sy mau cek bpjs gratis dr pemkot" — slang is expanded, typos are pulled
to the nearest keyword (rapidfuzz), and weighted patterns score each intent. Predictable, fast, and easy for
the next engineer to extend: add a pattern and a labelled example (tests/fixtures/nlu_utterances.tsv).
Prefer general fixes — a slang entry, a cue word, a negation — over a phrase that matches one utterance;
tests/fixtures/nlu_more.tsv (written fresh by someone who had not seen these rules) was tuned on that way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from handlers.entities import looks_like_code
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
    "tdk": "tidak", "tak": "tidak", "g": "tidak", "gk": "tidak", "kagak": "tidak", "kaga": "tidak", "kgk": "tidak", "entu": "itu",
    "dr": "dari", "dri": "dari", "yg": "yang", "yng": "yang", "utk": "untuk", "untk": "untuk", "buat": "untuk",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "uda": "sudah",
    "dpt": "dapat", "dpet": "dapat", "dapet": "dapat", "ato": "atau", "atw": "atau", "jgn": "jangan",
    "lgi": "lagi", "sdr": "saudara", "gmana2": "bagaimana", "bs": "bisa", "bsa": "bisa", "mo": "mau", "pengen": "mau", "pgn": "mau", "ingin": "mau",
    "kpn": "kapan", "knp": "kenapa", "napa": "kenapa", "ap": "apa", "apaan": "apa", "apasih": "apa sih", "apkh": "apakah", "apa kah": "apakah",
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
    "thn": "tahun", "taun": "tahun", "thun": "tahun", "taon": "tahun", "skrg": "sekarang", "skrng": "sekarang", "klo": "kalau", "kalo": "kalau", "kl": "kalau",
    "emg": "memang", "emang": "memang", "bnr": "benar", "sampe": "sampai", "ikutan": "ikut",
    "sblm": "sebelum", "stlh": "setelah", "tgl": "tanggal", "jd": "jadi", "jdi": "jadi", "tp": "tapi",
    "met": "selamat", "aye": "saya", "ane": "saya", "unsub": "unsubscribe", "unsubs": "unsubscribe", "mw": "mau", "tny": "tanya", "nnya": "tanya", "ngk": "tidak", "nda": "tidak", "ndak": "tidak", "sapa": "siapa", "spa": "siapa", "org": "orang",
    "rmh": "rumah", "rmah": "rumah", "ikt": "ikut", "ikot": "ikut", "dftr": "daftar", "daptar": "daftar",
    # Regional (Betawi, Javanese, Sundanese) and chat spellings
    "slmt": "selamat", "slamat": "selamat", "malem": "malam", "siank": "siang", "okee": "oke", "okey": "oke",
    "punten": "permisi", "sampurasun": "permisi", "kulonuwun": "permisi", "nuwun": "terima kasih",
    "mnu": "menu", "menuu": "menu", "kepilih": "terpilih", "dipilih": "terpilih", "lolos": "terpilih",
    "didaftarin": "didaftarkan", "didaftarkan": "didaftarkan", "daftarin": "daftarkan", "kedaftar": "terdaftar",
    "udeh": "sudah", "udahan": "udahan", "belon": "belum", "blon": "belum", "aje": "saja", "ame": "sama",
    "gimane": "bagaimana", "piye": "bagaimana", "carane": "cara", "ndandani": "perbaiki", "benerin": "perbaiki",
    "disimpen": "disimpan", "simpen": "simpan", "nyimpen": "menyimpan", "kesimpen": "tersimpan", "disimpenin": "disimpan",
    "diganti": "ganti", "digantiin": "ganti", "gantiin": "ganti", "diubah": "ubah", "dirubah": "ubah", "rubah": "ubah",
    "diupdate": "update", "diperbarui": "perbarui", "apdet": "update", "apdate": "update",
    "jatoh": "jatuh", "jatuhh": "jatuh", "rs": "rumah sakit", "diklaim": "klaim", "ngeklaim": "klaim",
    "ngurus": "urus", "ngurusin": "urus", "kemaren": "kemarin", "sodara": "saudara",
    "dikirimin": "kirimi", "kirimin": "kirimi", "ngirim": "kirim", "ngirimin": "kirimi", "dikirim": "kirim",
    "kirim2": "kirim", "pesen": "pesan", "kabarin": "kabari", "dikabarin": "kabari", "dikabari": "kabari",
    "diingetin": "ingatkan", "ingetin": "ingatkan", "diingatkan": "ingatkan", "ingatin": "ingatkan",
    "nyalain": "nyalakan", "nyalakan": "nyalakan", "hidupkan": "nyalakan", "aktifin": "aktifkan",
    "matiin": "matikan", "mateni": "matikan", "nonaktifin": "nonaktifkan", "gamau": "tidak mau", "gmau": "tidak mau",
    "sub": "subscribe", "unsubscribed": "unsubscribe", "stopp": "stop", "setop": "stop",
    "mksdnya": "maksudnya", "mksd": "maksud", "maksudny": "maksudnya", "msknya": "maksudnya",
    "brenti": "berhenti", "brhenti": "berhenti", "brhnti": "berhenti", "berenti": "berhenti",
    "telp": "telepon", "tlp": "telepon", "tlpn": "telepon", "nelpon": "telepon", "staf": "staff",
    "complaint": "komplain", "complain": "komplain", "nanya": "tanya", "nanyain": "tanya", "ditanya": "ditanya",
    "ngerti": "mengerti", "ngarti": "mengerti", "paham": "mengerti", "beneran": "asli", "sungguhan": "asli",
    "bhs": "bahasa", "bhsa": "bahasa", "bahsa": "bahasa", "indo": "indonesia",
    "bnyk": "banyak", "bgt": "banget", "ye": "ya", "yoi": "ya", "dong": "dong", "kpd": "kepada", "td": "tadi",
    "gelem": "mau", "soko": "dari", "teko": "dari", "ojo": "jangan", "ora": "tidak", "dudu": "bukan",
    # what a verification dead end or a claim is typed with: "hp pnjman", "ga bw kk", "kclkaan wktu narik"
    "pnjm": "pinjam", "pnjem": "pinjam", "pinjm": "pinjam", "pinjem": "pinjam", "minjem": "pinjam",
    "pnjman": "pinjaman", "pinjeman": "pinjaman", "pnjaman": "pinjaman", "tmn": "teman", "temen": "teman",
    "bw": "bawa", "bwa": "bawa", "nmr": "nomor", "nmor": "nomor", "br": "baru", "brgkt": "berangkat",
    "brangkat": "berangkat", "wktu": "waktu", "wkt": "waktu", "ktinggalan": "ketinggalan",
    "ketinggalen": "ketinggalan", "ilng": "hilang", "ilang": "hilang", "pny": "punya", "pnya": "punya",
    "kclkaan": "kecelakaan", "kclakaan": "kecelakaan", "klaimny": "klaim", "mninggal": "meninggal",
    "meningal": "meninggal", "mnggl": "meninggal", "almh": "almarhumah", "alm": "almarhum",
    # roots that end in "-in" themselves, not the Betawi "-in" suffix ("dijamin" is not "dijamkan")
    "dijamin": "dijamin", "terjamin": "terjamin", "dikawin": "dikawin", "dipimpin": "dipimpin",
    # money talk: "byr iuran tiap bln", "duitnya dr mana" (not "ditanya"), "dibiayain" (not "dibiayakan"), "cm"
    "byr": "bayar", "bln": "bulan", "duit": "uang", "dibiayain": "dibiayai", "cm": "cuma",
    # Question words and common verbs of Javanese ("bayare piro sak sasi", "piye carane melu", "bojoku tilar
    # donya pas nyambut gawe, entuk opo?"), Sundanese ("sabaraha mayarna", "iraha mimitina", "naon bedana
    # jeung KIS") and Betawi ("berape", "dimane", "sape"): the question is read as its Indonesian form.
    "piro": "berapa", "pira": "berapa", "pinten": "berapa", "sabaraha": "berapa", "berape": "berapa",
    "opo": "apa", "nopo": "apa", "menapa": "apa", "naon": "apa", "ape": "apa",
    "iraha": "kapan", "kapane": "kapan", "kumaha": "bagaimana", "kepiye": "bagaimana", "pripun": "bagaimana",
    "pegimane": "bagaimana", "saha": "siapa", "sinten": "siapa", "sopo": "siapa", "sape": "siapa",
    "ngendi": "dimana", "endi": "mana", "pundi": "mana", "dimane": "dimana", "mane": "mana", "kenape": "kenapa",
    "iki": "ini", "ieu": "ini", "kui": "itu", "iku": "itu", "eta": "itu", "nyang": "yang",
    "melu": "ikut", "ngiring": "ikut", "iso": "bisa", "saged": "bisa", "tiasa": "bisa", "entuk": "dapat",
    "angsal": "dapat", "arep": "mau", "hoyong": "mau", "kudu": "harus", "kedah": "harus", "duwe": "punya",
    "durung": "belum", "dereng": "belum", "acan": "belum", "wis": "sudah", "uwis": "sudah", "wes": "sudah",
    "sampun": "sudah", "atos": "sudah", "parantos": "sudah", "isih": "masih", "ono": "ada", "onten": "ada",
    "mung": "cuma", "namung": "cuma", "wae": "saja", "bae": "saja", "karo": "sama", "jeung": "sama",
    "kulo": "saya", "kula": "saya", "abdi": "saya", "ente": "anda", "sampeyan": "anda", "panjenengan": "anda",
    "kowe": "kamu", "bojo": "suami", "budak": "anak", "omah": "rumah", "nang": "di", "ning": "di", "teng": "di",
    "kangge": "untuk", "sasi": "bulan", "wulan": "bulan", "sak": "satu", "sabulan": "sebulan",
    "sataun": "setahun", "lami": "lama", "mimiti": "mulai", "mayar": "bayar", "mbayar": "bayar",
    "bedana": "bedanya", "bedane": "bedanya", "maksude": "maksudnya", "maksadna": "maksudnya",
    "regane": "harganya", "larang": "mahal", "dodolan": "jualan", "gawe": "kerja", "nyambut": "bekerja",
    "damel": "kerja", "padamelan": "pekerjaan", "tilar": "meninggal", "donya": "dunia", "seda": "meninggal",
    "sedo": "meninggal", "maot": "meninggal", "pupus": "meninggal", "ngadaptar": "daftar", "sakola": "sekolah",
    "bener": "benar", "entar": "nanti", "ntar": "nanti", "iye": "iya", "nggih": "iya", "mangga": "silakan",
    "nuhun": "terima kasih", "komplen": "komplain", "komplin": "komplain", "kompline": "komplain",
    "naha": "kenapa", "teu": "tidak", "henteu": "tidak", "mboten": "tidak", "kapilih": "terpilih",
    "dipilihna": "terpilih", "kapiceun": "terlewat", "kacilakaan": "kecelakaan", "upami": "kalau", "lamun": "kalau",
    "yen": "kalau", "nalika": "saat",
}  # fmt: skip

# Regional possessive endings, read like "-nya": Sundanese "-na" ("kantorna", "biayana") and Javanese "-ne" /
# "-e" ("biayane", "iurane"). Only onto a stem of four letters or more that is a known standard word, so
# English ("take", "phone", "done") and Indonesian words ("karena", "sore") are left alone.
_REGIONAL_ENDINGS = ("na", "ne", "e")

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
    ("menu", 3, r"\b(ok|oke|sip|siap|baik)( (deh|ya|dah|noted))?$|\bdari awal\b|^ulang\b|\bbisa apa saja\b"),
    ("menu", 2, r"\b(tampilkan|lihat|liat) (pilihan|menu)|\bpilihan menu\b|\bwhat can you do\b"),
    # eligibility
    ("check_eligibility", 3, r"\bcek\b(?!.*\b(status|kepesertaan|bansos|aktif|kartu|kpj)\b)|\bcek nik\b|\bperiksa\b"),
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
    ("check_eligibility", 4, r"\bberhak\b|\bterpilih\b|\bseleksi\b|\b(get|got|be|was) (selected|chosen)\b"),
    ("check_eligibility", 1, r"\b(bisa|boleh) didaftarkan\b|\b(dapat|bisa|ikut) tidak\b"),
    ("check_eligibility", 5, r"\b(tau|tahu|lihat|liat|berapa) desil\b|\bdesil (saya|sy) berapa\b"),
    ("check_eligibility", 3, r"\bcheck(ing)?\b(?! (status|coverage))|\bam i eligible\b|\bqualify\b"),
    ("check_eligibility", 3, r"\b(do|would|will|can|could) (i|we) (qualify|be eligible)\b|\bam i (even )?eligible\b"),
    # "can i join?", "can my dad join this program?", "could we apply?" asked bare, as "sy bisa ikut ga?" is: the
    # check (a question that also describes the person, "can my mother join? she sells vegetables", is the
    # criteria)
    (
        "check_eligibility",
        8,
        r"^((hi|hello|hey|so|and|ok|okay|pls|please|sorry) )*(can|could|may) (i|we|he|she|my \w+) (also )?"
        r"(join|apply|qualify|sign up|register|get (it|this|sigap|in|covered)|be (covered|included|registered))"
        r"( (too|also|as well))?( (for|in|to|into) )?( ?(this|the|it|sigap|ucj|free bpjs)( (program\w*|insurance|scheme))?)?"
        r"( (too|also|pls|please))?\W*$",
    ),
    # asking to check whether one qualifies: "can I check if I qualify", "mau cek apakah sy dapet"
    (
        "check_eligibility",
        5,
        r"\b(check|see|find out|cek|lihat|liat|periksa)\b.{0,12}\b(if|whether|apakah|apa)\b.{0,12}"
        r"\b(i|my|he|she|we|saya|sy|aku|gw|gue|kami)\b.{0,15}\b(qualify|eligible|get|dapat|dapet|layak|termasuk|masuk)",
    ),
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
    ("update_data", 2, r"\b(perbarui|perbaharui|update|ubah|perbaiki|pindah)\b(?! bahasa)"),
    (
        "update_data",
        3,
        r"\b(pekerjaan|alamat|desil|data)\b.*\b(ganti|ubah|update|perbarui|perbaiki)\b|\bmasih tercatat\b|\bkepala keluarga\b",
    ),
    ("update_data", 3, r"\bchange my (address|data|job|details)\b|\bmoved house\b|\bregistry\b|\bmy data is wrong\b"),
    ("update_data", 1, r"\bdata\b|\bkelurahan\b|\bkecamatan\b|\bdukcapil\b|\bkk\b"),
    # coverage status
    (
        "coverage_status",
        3,
        r"\bstatus\b(?! pekerjaan)|\bkepesertaan\b|\bmasa (aktif|berlaku)\b|\bmasih aktif\b|\bsudah aktif\b",
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
    # "apakah saya sudah ditanggung?", "udh kecover blm": whether one is covered is the coverage status
    ("coverage_status", 3, r"\b(sudah|belum|masih) (ditanggung|terlindungi|dilindungi|tercover|kecover|dicover)\b"),
    ("coverage_status", 3, r"\bcoverage\b|\bmembership\b|\bam i (enrolled|covered|registered)\b"),
    # "am I already registered", "is my insurance active?", "am i a participant yet": one's own cover
    (
        "coverage_status",
        3,
        r"\bam i (already |still |even )?(enrolled|covered|registered|insured|signed up|a (participant|member))\b"
        r"|\b(i.m|i am) (already |still )?(enrolled|registered|insured|a (participant|member))\b"
        r"|\bis my (insurance|bpjs|membership|coverage|cover|card|sigap)\b.{0,20}\b(active|valid|on|running|working)\b",
    ),
    ("coverage_status", 1, r"\bberlaku\b|\bperiode\b|\bpeserta\b"),
    ("coverage_status", 2, r"\biuran\b"),
    (
        "coverage_status",
        3,
        r"\b(non)?aktif\b(?! kan)|\bdiperpanjang\b|\bperpanjang|\batau mandiri\b|\bprogram apa saja\b",
    ),
    (
        "coverage_status",
        3,
        r"\b(sudah|belum) (dibayar\w*|jalan|didaftarkan)\b|\bkartu\b(?! (keluarga|kis|prakerja|kip|tanda))",
    ),
    ("coverage_status", 2, r"\bbpjs (ketenagakerjaan )?saya\b|\bpeserta (sigap|bpjs)\b"),
    ("coverage_status", 3, r"\b(still )?(active|covered)\b|\bmy (bpjs )?card\b|\bexpire"),
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
    (
        "claim_help",
        3,
        r"\bketiban\b|\bkelindes\b|\bkelindas\b|\bpatah\b|\bkeseleo\b|\bpemakaman\b|\blapak asik\b|\bdirawat\b",
    ),
    ("claim_help", 1, r"\bmeninggal\b|\bwafat\b|\bkecelakaan\b"),
    ("claim_help", 3, r"\bklaim\b.*\b(dimana|kemana|where)\b|\b(dimana|kemana|where)\b.*\bklaim\b"),
    (
        "claim_help",
        3,
        r"\baccident\b|\binjur|\bdied\b|\bdeath\b|\bhospital\b|\bif i die\b|\bpass(ed)? away\b"
        r"|\bcrash(ed|es)?\b|\bfell off\b|\bhit by\b",  # "what if I crash on the way to work?"
    ),
    # a death or an accident told in English weighs as much as in Indonesian (which hits two lines above), so
    # a greeting before it ("hello, my dad died yesterday, what do we get?") does not outweigh the story
    ("claim_help", 2, r"\bdied\b|\bpass(ed)? away\b|\bkilled\b|\baccident\b|\binjured\b"),
    # subscribe / unsubscribe
    ("subscribe", 3, r"\blangganan\b|\bberlangganan\b|\bsubscribe\b|\bpengumuman\b|\bnotifikasi\b|\bannouncements?\b"),
    (
        "subscribe",
        2,
        r"\b(kirim|kirimi|kabari|kabarin|minta) (saya )?(info|informasi|kabar)|\binfo (terbaru|terkini|program)\b",
    ),
    ("subscribe", 2, r"^mulai$|\bmau (dapat|dapet|terima) info\b|\bikuti\b"),
    ("subscribe", 2, r"\bikuti info\b"),
    (
        "subscribe",
        3,
        r"\b(mau|minta) (terima|menerima|dapat|dikirimi|kirimi|diberi)\b.*"
        r"\b(info|informasi|kabar|pengumuman|notif\w*|broadcast|pemberitahuan|update)",
    ),
    ("subscribe", 3, r"\bbroadcast\b|\bsiaran\b|\bnotif\w*|\bpemberitahuan\b|\bingatkan\b|\bnyalakan\b"),
    (
        "subscribe",
        3,
        r"\b(kabari|kirimi)\b.*\b(info|informasi|kabar|pengumuman)|\binfo (kegiatan|penting|jadwal)\b|\binfo terbaru\b",
    ),
    ("subscribe", 4, r"\bdaftar (info|broadcast|siaran|pengumuman)\b|\bmau (langganan|berlangganan|subscribe)\b"),
    (
        "subscribe",
        3,
        r"\bsign me up\b|\bsend me (the )?(updates|news|info)\b|\bnotify me\b|\bkeep me (posted|updated)\b",
    ),
    ("subscribe", 1, r"\binfo\b|\binformasi\b|\bkabar\b"),
    ("unsubscribe", 5, r"^(berhenti|stop|unsubscribe|stop info|berhenti langganan)$"),
    (
        "unsubscribe",
        4,
        r"\b(berhenti|stop|hentikan|matikan|batalkan|keluar)\b.*"
        r"\b(langganan|info|pesan|notif|kirim|broadcast|siaran|pengumuman|pemberitahuan)",
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
    ("unsubscribe", 2, r"\bberhenti\b(?! (kerja|bekerja|jadi|dari pekerjaan))|\bstop\b|\bunsubscribe\b"),
    (
        "unsubscribe",
        6,
        r"\b(hapus|keluarkan|cabut|batal|batalkan|nonaktifkan|matikan|udahan|berhentikan|hentikan)\b.*"
        r"\b(langganan|info|informasi|pesan|notif\w*|pengumuman|broadcast|siaran|pemberitahuan|kirim)",
    ),
    (
        "unsubscribe",
        6,
        r"\b(tidak|jangan) (usah|perlu|mau)\b.*\b(info|pesan|broadcast|notif\w*|pengumuman|siaran|pemberitahuan)"
        r"|\b(tidak|jangan) usah (kirim|kirimi|kabari)( saya| lagi)*$",
    ),
    ("unsubscribe", 4, r"\bspam\b"),
    ("unsubscribe", 6, r"\b(no|nomor) more (messages|info|updates|news)\b|\bopt ?out\b|\bstop (sending|messaging)\b"),
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
    # asking again, or how to ask at all: "kalo mau nanya lagi gmn?", "cara bertanya ke siapa"
    (
        "human_help",
        3,
        r"\b(tanya|bertanya) (lagi|ke siapa|kemana|ke mana|dimana|di mana)\b|\bcara (tanya|bertanya)\b"
        r"|\bask (again|another question|something else)\b",
    ),
    # whom to contact: "who do I contact?", "hubungi siapa?", "siapa yang bisa dihubungi"
    (
        "human_help",
        3,
        r"\bwho (do|should|can|could) (i|we) (contact|call|ask|reach|talk to)\b|\bcontact\b"
        r"|\b(hubungi|kontak|telepon|telpon) siapa\b|\bsiapa (yang )?(bisa |harus |perlu )?(dihubungi|ditelepon|dikontak)\b",
    ),
    (
        "human_help",
        4,
        r"\b(tanya|bicara|ngomong|konsultasi|hubungi|telepon)( langsung)? (ke |sama |dengan |kepada )?"
        r"(petugas|staff|admin|orang|cs|operator|lurah|pak lurah)\b",
    ),
    (
        "human_help",
        3,
        r"\bstaff\b|\blurah\b|\borang asli\b|\bselain bot\b|\bbukan bot\b|\bbisa ditanya\b|\bprotes\b|\bkomplain\b",
    ),
    ("human_help", 3, r"\b(telepon|hubungi) siapa\b|\bwho can i (call|contact|ask)\b|\bhuman\b|\bconnect me\b"),
    ("human_help", 2, r"\bbuka jam\b|\bjam buka\b|\bjam (kerja|operasional|layanan)\b"),
    ("human_help", 4, r"\bkantor\b.*\b(dimana|alamat|buka|lokasi)\b"),
    ("human_help", 1, r"\btolong\b|\bbantu\b|\bbantuan\b|\bhelp\b|\btelepon\b|\btelpon\b"),
    # language
    (
        "change_language",
        4,
        r"\benglish\b|\blanguage\b|\bbahasa (inggris|english|indonesia)\b|\bganti bahasa\b|\bin english\b",
    ),
    ("change_language", 2, r"\bbahasa\b|\bspeak\b"),
    (
        "change_language",
        4,
        r"\b(ganti|ubah|pakai|pake) (ke )?bahasa\b|\bindonesian\b(?! (citizen|national|people|worker|id|ktp|resident))"
        r"|\bbahasa indonesia\b",
    ),
    ("change_language", 6, r"^(en|eng|id|ind|english|indonesia)$"),
    # out of scope: other programmes and job hunting, which share words with SIGAP's intents
    (
        "out_of_scope",
        8,
        r"\b(pkh|blt|bst|bpnt|prakerja|kip|kjp|kis|jkn)\b|\bbpjs kesehatan\b|\blowongan\b|\bloker\b"
        r"|\bcari(in)? (kerja|kerjaan|pekerjaan)\b|\bbansos (beras|sembako)\b",
    ),
)

_NEGATION = re.compile(r"\b(tidak|jangan|bukan)\b")
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


# Short standard words that are not pattern keywords of five letters or more: used to strip suffixes
# ("menunya") and to split glued words ("cekstatus"), never as typo targets.
_SHORT_WORDS = frozenset(
    {
        "menu", "cek", "info", "data", "klaim", "bpjs", "kartu", "pesan", "mau", "saya", "nik", "status", "awal",
        "kirim", "notif", "iuran", "daftar", "aktif", "ganti", "ubah", "stop", "oke", "sip", "halo", "bahasa",
        "tanya", "jatuh", "luka", "kerja", "desil", "alamat", "nomor", "sigap", "kabar", "kabari", "ingat", "lapor",
        "berhenti", "diganti", "masuk", "update", "program", "petugas", "admin", "tolong", "bantu", "minta",
        "selama",  # "selama itu": never pulled to "selamat"
    }
)  # fmt: skip


# The standard words a regional ending may be taken off to reach ("mayarna" → "bayar", "biayane" → "biaya").
_STANDARD = frozenset(
    {value for value in SLANG.values() if " " not in value}
    | set(_VOCABULARY)
    | _SHORT_WORDS
    | {"bayar", "beda", "maksud", "biaya", "cara", "umur", "anak", "alamat", "kartu", "harga", "syarat", "kantor"}
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
    if len(token) < 5 or token in _STANDARD:
        # a standard word is never pulled to a keyword ("selama" is not "selamat"), nor a word the slang map
        # gives ("dodolan" → "jualan" is not "jalan", "aktifin" → "aktifkan" is not "nonaktifkan")
        return token
    match = process.extractOne(token, _VOCABULARY, scorer=fuzz.ratio, score_cutoff=84)
    return match[0] if match else token


def _known(word: str) -> bool:
    return word in _VOCABULARY or word in SLANG or word in _SHORT_WORDS


@lru_cache(maxsize=4096)
def _word(token: str) -> str:
    """One raw token → its standard form: slang, stretched letters, suffixes, glued words, typos."""
    token = re.sub(r"(.)\1{2,}", r"\1", token)  # "haloooo" → "halo"
    if not _known(token):
        squeezed = re.sub(r"(.)\1+", r"\1", token)  # "stopp" → "stop", "okee" → "oke"
        if squeezed != token and _known(squeezed):
            token = squeezed
    word = SLANG.get(token, token)
    for suffix in ("nya", "nye", "in", "kah", "lah", "kan", "ku"):  # statusnya, berhentiin, aktifkah, dataku
        stem = word[: -len(suffix)]
        if not _known(word) and word.endswith(suffix) and len(stem) >= 3 and _known(stem):
            word = SLANG.get(stem, stem) + (" saya" if suffix == "ku" else "")
            break
    if " " in word:
        return word
    word = _regional_ending(word)
    if not _known(word) and re.fullmatch(r"di[a-z]{3,}in", word):
        word = word[:-2] + "kan"  # Betawi passive: "diluncurin" → "diluncurkan", "dicairin" → "dicairkan"
    if len(word) >= 6 and not _known(word):  # missing space: "cekstatus", "klaimbpjs"
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if _known(left) and _known(right):
                return f"{SLANG.get(left, left)} {SLANG.get(right, right)}"
    return _correct(word)


def _regional_ending(word: str) -> str:
    """ "kantorna" → "kantor", "iurane" → "iuran" (see _REGIONAL_ENDINGS); any other word as it is."""
    if _known(word):
        return word
    for ending in _REGIONAL_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 4 and (stem in _STANDARD or stem in SLANG):
            return SLANG.get(stem, stem)
    return word


def normalise(text: str) -> str:
    lowered = text.lower().replace("’", "'")
    lowered = re.sub(r"\d[\d\s.\-]{6,}\d", " ", lowered)  # numbers (NIKs, phones) are entities, not words
    tokens = [token.strip("'") for token in re.findall(r"[a-z/']+", lowered)]
    expanded = [
        # "no thanks", "no wait", "no, i don't agree": the English refusal, not the "no" of "no hp" (nomor)
        token if token == "no" and i + 1 < len(tokens) and tokens[i + 1] in _AFTER_ENGLISH_NO else _word(token)
        for i, token in enumerate(tokens)
    ]
    return " ".join(word for word in expanded if word)


# The words an English "no" is followed by as a refusal or a pause ("no thanks", "no wait", "no way", "no i
# don't"), never the number a "no" abbreviates.
_AFTER_ENGLISH_NO = frozenset(
    [
        "thanks",
        "thank",
        "thx",
        "ty",
        "wait",
        "way",
        "more",
        "need",
        "problem",
        "worries",
        "sorry",
        "i",
        "it",
        "not",
        "one",
        "longer",
        "idea",
        "pls",
        "please",
        "just",
        "that",
        "this",
        "don't",
        "dont",
        "never",
        "nope",
        "no",
        "ok",
        "okay",
        "stop",
        "cancel",
        "actually",
        "hold",
    ]
)


def understand(text: str) -> Understanding:
    if looks_like_code(text):
        return Understanding(text, "out_of_scope", 0.9, {}, {})
    entities: dict[str, str] = {}
    nik = find_nik(text)
    if nik:
        entities["nik"] = nik
    normalised = normalise(text)
    scores: dict[str, int] = {}
    for intent, weight, pattern in _COMPILED:
        if pattern.search(normalised):
            scores[intent] = scores.get(intent, 0) + weight
    # Negation: "ga mau dapet broadcast" names the subscription only to refuse it.
    if scores.get("unsubscribe", 0) >= 4 and "subscribe" in scores and _NEGATION.search(normalised):
        del scores["subscribe"]
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
