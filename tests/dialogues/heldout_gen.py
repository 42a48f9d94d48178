# Generator for the held-out dialogue set (written blind from BRIEF.md, FORMAT.md and issue #10).
import json

CONSENT = ["UU 27/2022", "persetujuan", "setuju", "Pelindungan Data", "data pribadi"]
KKASK = ["Kartu Keluarga", "KK"]
ELIG = ["memenuhi", "layak", "prioritas", "berpeluang", "kriteria"]
FB = ["belum mengerti"]
NIKNUM = ["NIK hanya berisi angka"]
NOKEL = ["tidak ada di Kota Bekasi"]
UNKNOWN = ["belum ada informasi", "tidak ada informasi", "belum tersedia", "belum dapat", "tidak dapat memastikan",
           "belum bisa", "belum diketahui", "tidak diketahui", "belum kami ketahui", "tidak tahu", "belum tahu",
           "belum ada data", "Pramuka", "kelurahan", "petugas", "kantor"]
ERASED = ["dihapus", "terhapus"]
NOT_ERASED = ["sudah dihapus", "telah dihapus", "berhasil dihapus", "sudah terhapus", "telah terhapus"]
CANCEL = ["batal", "dibatalkan", "tidak jadi"]
EN_LEAK = ["Silakan", "Apakah", "belum mengerti", "Terima kasih"]
STAFF = "32.75.01.1001"

D = []
def dlg(id, about, turns, **kw):
    D.append(dict(id=id, about=about, turns=turns, **kw))
def t(say=None, press=None, kind=None, any=None, all=None, none=None):
    d = {}
    if say is not None: d["say"] = say
    if press is not None: d["press"] = press
    if kind is not None: d["kind"] = kind
    if any: d["any"] = any
    if all: d["all"] = all
    if none: d["none"] = none
    return d

def to_nik(start="cek kelayakan", consent="setuju"):
    return [t(say=start, any=CONSENT), t(say=consent, any=["NIK"], none=FB)]
def to_kk(who, start="cek kelayakan", consent="setuju"):
    return to_nik(start, consent) + [t(say="{nik.%s}" % who, any=KKASK, none=FB + ["{nik.%s}" % who])]

OUT = {
    "priority": ELIG,
    "eligible": ELIG,
    "rich": ["desil", "di atas", "belum memenuhi", "tidak memenuhi"],
    "office": ["informal", "rentan", "penerima upah", "pemberi kerja", "perusahaan", "karyawan"],
    "outside": ["Kota Bekasi", "domisili", "Dukcapil", "kependudukan", "Kabupaten"],
    "covered": ["sudah", "terdaftar", "peserta"],
    "enrolled": ["aktif", "peserta", "terdaftar"],
}
def verified(who, **kw):
    return to_kk(who, **kw) + [t(say="{kk4.%s}" % who, any=OUT[who], none=FB + ["{nik.%s}" % who])]

# ---------------------------------------------------------------- 1. trapped prompts
dlg("trap-consent-boleh-deh", "consent given in free words ('iya boleh deh') is accepted and the check proceeds to a result", [
    t(say="sy mau cek bpjs gratis dr pemkot", any=CONSENT),
    t(say="iya boleh deh", any=["NIK"], none=FB),
    t(say="{nik.priority}", any=KKASK, none=FB + ["UU 27/2022", "{nik.priority}"]),
    t(say="{kk4.priority}", any=ELIG, none=FB + ["{nik.priority}"]),
])
dlg("trap-consent-ga-setuju", "'ga setuju ah' is a refusal: a NIK sent afterwards must not go on to the KK step", [
    t(say="mau cek kelayakan sigap", any=CONSENT),
    t(say="ga setuju ah", none=FB),
    t(say="{nik.priority}", any=["setuju", "persetujuan", "UU 27/2022"], none=["{nik.priority}"]),
    t(say="{kk4.priority}", none=["memenuhi", "prioritas", "berpeluang", "{nik.priority}"]),
])
dlg("trap-consent-nggak-mau-takut", "refusal with a reason ('nggak mau ah, takut bocor') is understood, then a general question still works", [
    t(say="cek dong sy dpt ga bpjs dr pemkot", any=CONSENT),
    t(say="nggak mau ah, takut data sy bocor", none=FB),
    t(say="kalo gak setuju sy masih bisa nanya2 kan? iurannya brp", any=["16.800", "16800"], none=FB),
])
dlg("trap-consent-question", "a question at the consent step is answered and consent is then still possible", [
    t(say="cek kelayakan", any=CONSENT),
    t(say="emg data sy dipake buat apa aja?", any=["kelayakan", "memeriksa", "pemeriksaan", "tujuan", "mengecek", "cek"], none=FB),
    t(say="ok sip sy setuju", any=["NIK"], none=FB),
    t(say="{nik.eligible}", any=KKASK, none=FB + ["{nik.eligible}"]),
    t(say="{kk4.eligible}", any=ELIG, none=FB),
])
dlg("trap-consent-typo-stuju", "consent typed with a typo ('stuju') is accepted", [
    t(say="sya mw cek kelayakan", any=CONSENT),
    t(say="stuju", any=["NIK"], none=FB),
    t(say="{nik.eligible}", any=KKASK, none=FB + ["UU 27/2022"]),
], channel="whatsapp")
dlg("trap-consent-petugas", "'petugas' at the consent step is a command that works (human route), not a consent answer", [
    t(say="mau ngecek dapet sigap ato engga", any=CONSENT),
    t(say="petugas", any=["petugas", "kelurahan", "kantor", "Pramuka"], none=FB),
])
dlg("trap-nik-ktp-ilang", "at the NIK prompt 'ktp saya ilang' is answered (NIK is also on the KK / Dukcapil), not 'NIK hanya berisi angka'", [
    t(say="cek kelayakan", any=CONSENT),
    t(press="Setuju", any=["NIK"]),
    t(say="ktp saya ilang", any=["KK", "Kartu Keluarga", "Dukcapil"], none=FB + NIKNUM),
])
dlg("trap-nik-anak-3-orang", "a sentence with a number at the NIK prompt is a question (scholarship covers max 2 children), not a short NIK; the flow then continues", to_nik() + [
    t(say="kalo anak sy 3 orang dapet beasiswa semua gak?", any=["2 anak", "dua anak", "2 orang", "dua orang", "maksimal 2", "paling banyak 2", "2 (dua)"], none=FB + NIKNUM),
    t(say="{nik.priority}", any=KKASK, none=FB + ["{nik.priority}"]),
    t(say="{kk4.priority}", any=ELIG, none=FB),
])
dlg("trap-nik-umur-61", "'umur sy 61 thn masih bisa?' at the NIK prompt: the age limit is not confirmed -> honest answer, not a NIK error", to_nik("mau cek bpjs sigap") + [
    t(say="umur sy 61 thn, masih bisa ikut?", any=UNKNOWN, none=FB + NIKNUM),
])
dlg("trap-nik-unclear", "an unclear message at the NIK prompt gets a re-ask with an example / format hint", to_nik() + [
    t(say="hmm gmn ya", any=["contoh", "16 digit", "16 angka", "enam belas"], none=NIKNUM),
])
dlg("trap-nik-where", "'NIK itu yg mana?' at the NIK prompt is answered (on the KTP, 16 digits)", to_nik("cek sigap") + [
    t(say="NIK itu yg mana ya? yg di ktp?", any=["KTP", "16"], none=FB + NIKNUM),
])
dlg("trap-nik-batal", "'batal' at the NIK prompt leaves the flow; a FAQ afterwards is answered normally", to_nik() + [
    t(say="batal", any=CANCEL + ["menu"], none=NIKNUM),
    t(say="brp iuran nya", any=["16.800", "16800"], none=FB + NIKNUM),
])
dlg("trap-kk-ketinggalan", "'kk nya ketinggalan' at the KK prompt is understood (come back later), not a wrong-KK error", to_kk("priority") + [
    t(say="kk nya ketinggalan di rumah", any=["nanti", "kembali", "lain waktu", "lagi", "lanjut"], none=FB + ["tidak cocok", "hanya berisi angka"]),
])
dlg("trap-kk-nanti-dulu", "'nanti dulu ya' at the KK prompt is not a dead end; menu then works", to_kk("eligible", start="sy mau cek") + [
    t(say="nanti dulu ya", none=FB + ["tidak cocok", "hanya berisi angka"]),
    t(say="menu", any=["menu", "pilih", "cek"], none=FB + ["tidak cocok"]),
])
dlg("trap-kk-menu", "'menu' at the KK prompt always works", to_kk("rich") + [
    t(say="menu", any=["menu", "pilih", "cek"], none=FB + ["tidak cocok", "hanya berisi angka"]),
])
dlg("trap-kk-question", "a question about which number is meant at the KK prompt is answered", to_kk("priority") + [
    t(say="kk tuh nomor yg mana? yg paling atas?", any=["Kartu Keluarga", "terakhir", "nomor"], none=FB + ["tidak cocok"]),
    t(say="{kk4.priority}", any=ELIG, none=FB),
])
dlg("trap-kel-gatau", "at the kelurahan picker 'nggak tahu' is not taken as a kelurahan name", [
    t(say="cara update data dtsen", any=["kelurahan"]),
    t(say="nggak tahu kelurahan sy apa", any=["KTP", "KK", "Kartu Keluarga", "kecamatan", "alamat", "daftar"], none=FB + NOKEL),
])
dlg("trap-kel-question", "a question at the kelurahan picker is answered and the picker still accepts a name afterwards", [
    t(say="gmn cara benerin data dtsen sy", any=["kelurahan"]),
    t(say="emang hrs bawa apa aja ke sana?", any=["KTP", "KK", "Kartu Keluarga"], none=FB + NOKEL),
    t(say="jatiasih", any=["Jatiasih"], none=FB + NOKEL),
])
dlg("trap-kel-loose-name", "a kelurahan typed loosely ('kel jati bening baru') is matched", [
    t(say="sy mau update data dtsen", any=["kelurahan"]),
    t(say="kel jati bening baru", any=["Jatibening Baru"], none=FB + NOKEL),
], channel="telegram")
dlg("trap-kel-kecamatan", "a kecamatan name ('pondok gede') at the picker is recognised, not rejected as unknown", [
    t(say="data sy di dtsen salah, mau diperbaiki", any=["kelurahan"]),
    t(say="pondok gede", any=["Jatiwaringin", "Jatibening", "Jatimakmur", "Jaticempaka", "Pondokgede", "Pondok Gede"], none=FB + NOKEL),
])
dlg("trap-kel-bantuan", "'bantuan' at the kelurahan picker works as a command", [
    t(say="cara update dtsen gmn", any=["kelurahan"]),
    t(say="bantuan", any=["bantu", "menu", "cek", "tanya"], none=NOKEL),
])
dlg("trap-kel-ntar", "'ntar aja deh' at the picker is not a kelurahan name", [
    t(say="mau perbarui data dtsen", any=["kelurahan"]),
    t(say="ntar aja deh", none=FB + NOKEL),
])
dlg("trap-erase-iya-hapus-semua", "'iya hapus semua' at the erase confirmation erases, not 'Dibatalkan'", [
    t(say="hapus data saya", any=["hapus", "yakin"]),
    t(say="iya hapus semua", any=ERASED, none=["Dibatalkan"] + FB),
])
dlg("trap-erase-slang-yes", "erase request and confirmation in slang", [
    t(say="tolong apus data sy dong", any=["hapus", "yakin"]),
    t(say="yakin bgt, hapus aja", any=ERASED, none=["Dibatalkan"] + FB),
])
dlg("trap-erase-gajadi", "'eh ga jadi deh' at the erase confirmation keeps the data", [
    t(say="hapus data saya", any=["hapus", "yakin"]),
    t(say="eh ga jadi deh", any=CANCEL + ["tetap", "tidak dihapus", "aman"], none=NOT_ERASED),
])
dlg("trap-erase-question", "a question at the erase confirmation is answered; the confirmation then still erases", [
    t(say="hapus data saya", any=["hapus", "yakin"]),
    t(say="emang yg disimpen apa aja?", any=["NIK", "percakapan", "langganan", "riwayat", "data"], none=["Dibatalkan"] + FB + NOT_ERASED),
    t(say="ok hapus", any=ERASED, none=["Dibatalkan"]),
])
dlg("trap-erase-midflow", "'hapus data saya' at the KK prompt works (confirmation), then erases", to_kk("priority") + [
    t(say="hapus data saya", any=["hapus", "yakin"], none=["tidak cocok", "hanya berisi angka"]),
    t(say="ya", any=ERASED, none=["Dibatalkan"]),
])

# ---------------------------------------------------------------- 2. general questions
dlg("faq-what-is", "what the programme is, in slang", [t(say="sigap tu program apaan sih", any=["kecelakaan kerja", "JKK", "Jaminan Kecelakaan"], none=FB)])
dlg("faq-cost-month", "monthly contribution", [t(say="iuran nya brp sebulan min", any=["16.800", "16800"], none=FB)])
dlg("faq-cost-year", "yearly contribution", [t(say="klo setahun jd brp biayanya", any=["201.600", "201600"], none=FB)])
dlg("faq-free", "who pays: the city, free for the worker", [t(say="hrs bayar sendiri gak? ato gratis", any=["gratis", "Pemkot", "Pemerintah Kota", "APBD", "ditanggung", "dibayar"], none=FB)])
dlg("faq-pns", "a civil servant is not the target group (informal workers)", [t(say="sy pns, bs ikut ga", any=["informal", "rentan", "bukan penerima upah", "tidak termasuk"], none=FB)])
dlg("faq-age-65", "age limit is not confirmed: honest answer plus human route, and '65' is not a NIK", [t(say="umur sy udh 65 msh bisa ikut ga", any=UNKNOWN, none=FB + NIKNUM)])
dlg("faq-kabupaten", "living in Kabupaten Bekasi: the programme is for Kota Bekasi residents", [t(say="sy ktp kabupaten bekasi (cibitung), bs ikut sigap?", all=["Kota Bekasi"], any=["KTP", "penduduk", "warga", "Kabupaten", "domisili"], none=FB)])
dlg("faq-vs-kesehatan", "difference from BPJS Kesehatan", [t(say="apa bedanya sm bpjs kesehatan", all=["Kesehatan"], any=["JKK", "kecelakaan kerja", "kematian"], none=FB)])
dlg("faq-start", "launch date", [t(say="programnya dr kapan mulainya", any=["5 November 2025", "November 2025", "5 Nov"], none=FB)])
dlg("faq-quota", "quota", [t(say="kuota nya brp org", any=["11.666", "11666"], none=FB)])
dlg("faq-office", "where the BPJS TK branch office is", [t(say="kantor bpjs ketenagakerjaan bekasi alamatnya dmn ya", any=["Pramuka"], none=FB)])
dlg("faq-desil", "what 'desil' means", [t(say="desil tuh maksudnya apa", any=["kesejahteraan", "sepuluh", "10 kelompok", "termiskin", "miskin", "desil 1"], none=FB)])
dlg("faq-card", "how to get the card / KPJ", [t(say="kartu bpjs tk nya gmn dapetnya", any=["JMO", "KPJ"], none=FB)])
dlg("faq-self-register", "no self-registration", [t(say="bs daftar sendiri ga", any=["mandiri", "tidak dibuka", "tidak membuka", "tidak bisa mendaftar", "tidak dapat mendaftar", "DTSEN"], none=FB)])
dlg("faq-hotline", "no official hotline known: honest 'not known' plus human route", [t(say="no hotline sigap brp? mau nelpon", any=UNKNOWN, none=FB + ["0812", "0813", "0857", "(021)", "021-"])])
dlg("faq-dtsen", "what DTSEN is", [t(say="dtsen itu apaan", any=["Data Tunggal", "data tunggal"], none=FB)])
dlg("faq-jkm", "what JKM is", [t(say="jkm itu apa ya", any=["kematian"], none=FB)])
dlg("faq-kuli", "day labourers are a target group", [t(say="sy kuli bangunan harian, bisa dapet ga", any=["informal", "DTSEN", "pekerja", "rentan", "bisa"], none=FB)])
dlg("faq-midflow-nik-cost", "a cost question at the NIK prompt is answered and the NIK step reminded", to_nik() + [
    t(say="eh btw iurannya brp sih", any=["16.800", "16800"], all=["NIK"], none=FB + NIKNUM),
])
dlg("faq-midflow-kk-benefits", "a benefits question at the KK prompt is answered", to_kk("eligible") + [
    t(say="dapet apa aja sih kalo ikut", any=["JKK", "JKM", "kecelakaan", "kematian"], none=FB + ["tidak cocok", "hanya berisi angka"]),
])
dlg("faq-midflow-consent-official", "'ini resmi dr pemkot?' at the consent step is answered; consent still works after", [
    t(say="mau cek kelayakan", any=CONSENT),
    t(say="ini resmi dr pemkot bukan? bukan penipuan kan", any=["Pemkot", "Pemerintah Kota", "Kota Bekasi", "resmi"], none=FB),
    t(say="oke setuju", any=["NIK"], none=FB),
])
dlg("faq-midflow-kel-office", "asking for the BPJS office address at the kelurahan picker is answered, not read as a kelurahan", [
    t(say="cara update data dtsen", any=["kelurahan"]),
    t(say="kantor bpjs nya dmn?", any=["Pramuka"], none=FB + NOKEL),
])

# ---------------------------------------------------------------- 3. follow-ups after outcomes
dlg("follow-eligible-kapan", "eligible -> 'kapan saya didaftarkan?' explains selection/quota, not the fallback", verified("eligible") + [
    t(say="kapan sy didaftarin?", any=["seleksi", "dipilih", "kuota", "DTSEN", "mandiri", "Disnaker", "didaftarkan", "prioritas"], none=FB),
])
dlg("follow-priority-maksudnya", "priority -> 'maksudnya apa?' explains priority", verified("priority") + [
    t(say="maksudnya apa?", any=["prioritas", "desil", "seleksi", "kuota", "didahulukan"], none=FB),
])
dlg("follow-outside-kemana", "not resident -> 'terus saya harus ke mana?' points to population data (Dukcapil)", verified("outside") + [
    t(say="terus saya harus ke mana?", any=["Dukcapil", "kependudukan", "pindah", "domisili"], none=FB),
])
dlg("follow-enrolled-kartu", "enrolled -> card question gets JMO / KPJ", verified("enrolled") + [
    t(say="kartunya gmn? sy blm pegang", any=["JMO", "KPJ"], none=FB),
])
dlg("follow-enrolled-sampai-kapan", "enrolled -> coverage period", verified("enrolled") + [
    t(say="sampe kapan aktifnya?", any=["2026", "31 Desember", "Desember"], none=FB),
])
dlg("follow-enrolled-claim", "enrolled -> how to claim after a work accident (report within 2x24 hours)", verified("enrolled") + [
    t(say="kalo kecelakaan pas narik, klaimnya gmn?", any=["2x24", "2×24", "2 x 24", "2 × 24", "48 jam"], none=FB),
])
dlg("follow-rich-gimana", "desil above limit -> how to get in: update DTSEN at the kelurahan", verified("rich") + [
    t(say="lah kok gitu, trs gmn biar bisa ikut?", any=["kelurahan", "DTSEN", "perbarui", "pembaruan", "update", "musyawarah"], none=FB),
])
dlg("follow-office-resign", "not an informal worker -> user says they quit and now sell food: update data", verified("office") + [
    t(say="sy udh resign, skrg jualan gorengan", any=["DTSEN", "kelurahan", "perbarui", "pembaruan", "update", "pekerjaan"], none=FB),
])
dlg("follow-covered-maksud", "already covered -> 'maksudnya?' explains the other membership", verified("covered") + [
    t(say="maksudnya gmn udh ada?", any=["sudah", "terdaftar", "peserta", "program lain", "skema lain"], none=FB),
])
dlg("follow-eligible-gratis", "eligible -> 'beneran gratis?' : paid by the city", verified("eligible") + [
    t(say="beneran gratis? ga ada potongan?", any=["gratis", "Pemkot", "Pemerintah Kota", "APBD", "ditanggung", "dibayar"], none=FB),
])
dlg("follow-unknown-trus", "NIK not found -> 'trs gmn dong' points to kelurahan / DTSEN", to_nik() + [
    t(say="{nik.unknown}", none=["{nik.unknown}"]),
    t(say="1234", none=["{nik.unknown}"]),
    t(say="trs gmn dong", any=["kelurahan", "DTSEN", "Dukcapil", "Kartu Keluarga"], none=FB),
])

# ---------------------------------------------------------------- 4. verification dead ends
dlg("verify-kk-istri", "KK held by the spouse: bot offers to continue later, then does not dead-end", to_kk("priority", start="mau cek dpt sigap ga") + [
    t(say="kk gak ada di sy, dipegang istri", any=["nanti", "kembali", "lain waktu", "lagi", "lanjut"], none=FB + ["tidak cocok", "hanya berisi angka"]),
    t(say="yaudah ntar sy balik lg", none=FB + ["hanya berisi angka"]),
])
dlg("verify-kk-reissued", "KK reissued with a new number: which one to use", to_kk("eligible") + [
    t(say="kk sy baru diganti, nomornya beda sm yg lama. pake yg mana?", any=["terbaru", "baru", "Dukcapil", "kelurahan"], none=FB + ["tidak cocok"]),
])
dlg("verify-kk-lost", "KK lost: route to Dukcapil / kelurahan", to_kk("priority") + [
    t(say="kk sy ilang kebakar", any=["Dukcapil", "kelurahan", "baru", "ganti"], none=FB + ["tidak cocok", "hanya berisi angka"]),
])
dlg("verify-borrowed-phone", "borrowed phone: checking is possible and the data can be erased afterwards", [
    t(say="ini hp pinjem punya tetangga, mau cek sigap punya sy", any=CONSENT + ["hapus", "boleh", "bisa"], none=FB),
    t(say="tp nanti data sy ketinggalan di hp dia gak?", any=["hapus", "tidak disimpan", "tidak menyimpan"], none=FB),
])
dlg("verify-borrowed-then-erase", "after a check on a borrowed phone, erasing works", verified("priority", start="sy pake hp temen, mau cek kelayakan") + [
    t(say="udah, skrg apus ya biar temen sy gak liat", any=["hapus", "yakin"], none=FB),
    t(say="iya", any=ERASED, none=["Dibatalkan"]),
])
dlg("verify-parent-father", "checking the father's record: result must not be phrased as the user's own ('Anda memenuhi')", [
    t(say="mau ngecek bpjs bapak sy, dia ojol", any=CONSENT),
    t(say="iya setuju", any=["NIK"], none=FB),
    t(say="{nik.priority}", any=KKASK, none=FB + ["{nik.priority}"]),
    t(say="{kk4.priority}", any=ELIG, none=["Anda memenuhi", "Anda termasuk", "Anda layak", "Anda berhak", "Anda terdaftar", "Anda sudah", "{nik.priority}"]),
])
dlg("verify-parent-mother-enrolled", "checking the mother's record (enrolled): status not phrased as the user's own", [
    t(say="sy mau cekin punya ibu sy, dia jualan sayur", any=CONSENT),
    t(say="boleh", any=["NIK"], none=FB),
    t(say="ini nik ibu sy {nik.enrolled}", any=KKASK, none=FB + ["{nik.enrolled}"]),
    t(say="{kk4.enrolled}", any=["aktif", "peserta", "terdaftar"], none=["Anda terdaftar", "Anda sudah", "Anda adalah peserta", "Anda peserta", "kepesertaan Anda", "{nik.enrolled}"]),
])
dlg("verify-nik-kk-one-message", "NIK and KK digits in one message are both used (no second KK prompt)", to_nik() + [
    t(say="{nik.eligible} {kk4.eligible}", any=ELIG, none=FB + ["digit terakhir", "{nik.eligible}"]),
])
dlg("verify-nik-kk-labelled", "'nik ... kk nya ...' in one message is used", to_nik("sy mau cek bpjs") + [
    t(say="nik {nik.priority} kk nya {kk4.priority}", any=ELIG, none=FB + ["digit terakhir", "{nik.priority}"]),
])
dlg("verify-full-kk", "the full KK number at the KK prompt is not echoed back; the bot uses it or asks for the last 4", to_kk("priority") + [
    t(say="{kk.priority}", any=ELIG + ["4 digit", "empat digit"], none=FB + ["{kk.priority}"]),
])

# ---------------------------------------------------------------- 5. English
dlg("en-what-is", "an English first message gets an English answer", [t(say="Hi, what is SIGAP?", any=["work accident", "death", "JKK"], none=EN_LEAK)])
dlg("en-cost", "English cost question", [t(say="How much does it cost per month?", any=["16,800", "16.800", "16800", "free"], none=EN_LEAK + ["per bulan"])])
dlg("en-check-flow", "English eligibility check stays in English through consent, NIK, KK and result", [
    t(say="I want to check if I'm eligible", any=["consent", "agree", "27/2022", "personal data"], none=EN_LEAK),
    t(say="yes I agree", any=["NIK", "ID number", "identity"], none=EN_LEAK + ["not understand"]),
    t(say="{nik.priority}", any=["family card", "KK"], none=EN_LEAK + ["{nik.priority}"]),
    t(say="{kk4.priority}", any=["eligible", "priority", "qualif"], none=EN_LEAK + ["memenuhi"]),
])
dlg("en-office", "English office question", [t(say="Where is the BPJS Ketenagakerjaan office in Bekasi?", any=["Pramuka"], none=EN_LEAK + ["Alamat"])])
dlg("en-self-register", "English: no self-registration", [t(say="Can I register myself for this program?", any=["not", "cannot", "can't", "DTSEN"], none=EN_LEAK + ["tidak"])])
dlg("en-work-death", "English work-accident death is JKK (48x income)", [
    t(say="My husband died in a road accident while working as an ojol driver. What does the family get?", any=["48", "60%"], none=EN_LEAK + ["meninggal"]),
], lang="en")
dlg("en-update-data", "English: how to update DTSEN data", [t(say="hw do i update my dtsen data", any=["kelurahan", "village office", "sub-district"], none=EN_LEAK + ["Bagaimana"])])

# ---------------------------------------------------------------- 6. claims
dlg("claim-work-death-jkk", "death while working (ojol) is JKK: 48x income; scholarship has no minimum contribution period", [
    t(say="suami sy meninggal kecelakaan pas lg narik ojol, dia peserta sigap. dapet apa aja?", any=["48", "60%"], none=FB),
    t(say="anak sy 2 msh sd, beasiswanya gmn? iuran baru jalan 1 thn", any=["tanpa", "tidak ada masa", "tidak ada syarat", "tidak ada minimal", "tidak perlu", "tidak disyaratkan"], none=FB),
])
dlg("claim-ordinary-death-jkm", "a non-work death is JKM; documents include death certificate and heir statement", [
    t(say="ibu sy meninggal krn sakit di rumah, peserta sigap, klaimnya gmn", any=["JKM", "Jaminan Kematian"], none=FB),
    t(say="dokumen apa aja yg hrs dibawa", any=["akta kematian", "ahli waris", "keterangan kematian"], none=FB),
])
dlg("claim-accident-injury", "a work-accident injury: report within 2x24 hours", [
    t(say="sy jatoh dr motor pas anter penumpang, tangan patah. bpjs nya nanggung? gmn klaimnya", any=["2x24", "2×24", "2 x 24", "2 × 24", "48 jam"], none=FB),
])
dlg("claim-new-member-death", "death within 3 months of BPU membership: Rp10 juta", [
    t(say="bapak sy baru 2 bulan jd peserta trus meninggal sakit, dapet brp?", any=["10 juta", "Rp10", "10.000.000"], none=FB),
])
dlg("claim-jkm-total", "total JKM benefit Rp42 juta", [
    t(say="klo meninggal biasa ahli waris dapet brp totalnya", any=["42 juta", "42.000.000", "Rp42"], none=FB),
])

# ---------------------------------------------------------------- 7. staff composing
def compose(text="Posyandu balita hari Sabtu jam 08.00 di balai RW 05 Bekasijaya", start="buat pengumuman"):
    return [
        t(say=start, any=["isi", "teks", "tulis", "pengumuman"], none=FB),
        t(say=text, any=[text[:15]], none=FB),
        t(say="lanjut, kirim ke semua pelanggan", any=["kapan", "waktu", "jam", "WIB"], none=FB),
    ]
dlg("staff-besok-jam-8", "staff: 'besok jam 8 pagi' is understood and echoed as 22 November 2026 WIB; confirm schedules", compose() + [
    t(say="besok jam 8 pagi", all=["WIB"], any=["22 November", "22 Nov", "22/11", "22-11", "2026-11-22", "Minggu"], none=FB),
    t(say="ya kirim", any=["terjadwal", "dijadwalkan", "akan dikirim", "tersimpan", "disimpan", "dikirim"], none=["Dibatalkan"]),
], staff=STAFF)
dlg("staff-senin-0900", "staff: 'Senin 09.00' is understood as 23 November 2026 09.00 WIB", [
    t(say="sy mau bikin pengumuman baru", any=["isi", "teks", "tulis", "pengumuman"], none=FB),
    t(say="Kerja bakti bersih saluran air, kumpul di kantor kelurahan", any=["Kerja bakti"], none=FB),
    t(say="lanjut, kirim ke semua pelanggan", any=["kapan", "waktu", "jam", "WIB"], none=FB),
    t(say="Senin 09.00", all=["WIB"], any=["23 November", "23 Nov", "23/11", "23-11", "2026-11-23"], none=FB),
], staff=STAFF)
dlg("staff-sore-jam-4", "staff: 'nanti sore jam 4' is today 16.00 WIB", compose("Pembagian kupon sembako di aula kelurahan") + [
    t(say="nanti sore jam 4", all=["WIB"], any=["16.00", "16:00"], none=FB),
], staff=STAFF)
dlg("staff-petugas-entry", "staff: '/petugas' opens the staff side (announcements)", [
    t(say="/petugas", any=["pengumuman", "siaran", "broadcast"], none=FB),
], staff=STAFF)
dlg("staff-batal-text", "staff: batal at the text step cancels", [
    t(say="buat pengumuman", any=["isi", "teks", "tulis", "pengumuman"], none=FB),
    t(say="batal", any=CANCEL, none=FB),
], staff=STAFF)
dlg("staff-batal-audience", "staff: batal at the preview/audience step cancels (the word is not sent as the message)", [
    t(say="buat pengumuman", any=["isi", "teks", "tulis", "pengumuman"], none=FB),
    t(say="Vaksinasi gratis di puskesmas hari Rabu", any=["Vaksinasi"], none=FB),
    t(say="batal", any=CANCEL, none=FB + ["terjadwal", "dijadwalkan"]),
], staff=STAFF)
dlg("staff-batal-time", "staff: batal at the time step cancels", compose("Pemadaman air PDAM hari Kamis") + [
    t(say="batal aja", any=CANCEL, none=FB + ["terjadwal", "dijadwalkan"]),
], staff=STAFF)
dlg("staff-zero-recipients", "staff: audience shows counts; choosing an audience with no subscribers (fresh database) gets a clear warning", [
    t(say="buat pengumuman", any=["isi", "teks", "tulis", "pengumuman"], none=FB),
    t(say="Fogging DBD di RW 03 hari Jumat sore", any=["orang", "penerima", "pelanggan"], none=FB),
    t(say="kirim ke semua pelanggan", any=["0 penerima", "0 orang", "0 pelanggan", "tidak ada penerima", "belum ada penerima",
        "belum ada pelanggan", "tidak ada pelanggan", "tidak ada yang", "belum ada yang", "tidak akan diterima", "peringatan", "perhatian"]),
], staff=STAFF)
dlg("staff-unclear-time", "staff: an unclear time gets a re-ask with an example, not a dead end", compose("Sosialisasi SIGAP di kantor kelurahan") + [
    t(say="kapan2 aja deh", any=["contoh", "misal", "mis."]),
    t(say="besok jam 10", all=["WIB"], any=["22 November", "22 Nov", "22/11", "22-11", "10.00", "10:00"], none=FB),
], staff=STAFF)

# ---------------------------------------------------------------- 8. bad input
dlg("bad-sticker", "a sticker gets a kind answer asking for text", [t(kind="sticker", any=["stiker", "teks", "ketik", "tulis"])])
dlg("bad-voice", "a voice note gets a kind answer", [t(kind="voice", any=["suara", "voice", "teks", "ketik", "tulis"])], channel="whatsapp")
LONG = ("tolong bantu sy pak sy mau tanya soal bpjs gratis dr pemkot bekasi krn sy ojol dan blm punya bpjs apa2 " * 60)[:5000]
dlg("bad-5000-chars", "a 5,000-character message gets a kind answer, no crash", [t(say=LONG, any=["panjang", "singkat", "pendek", "ringkas", "bantu", "menu"], none=["Traceback", "Exception"])])
dlg("bad-emoji-only", "emoji only gets a kind answer", [t(say="🙏🙏😭", any=["bantu", "menu", "ketik", "tanya"])])
dlg("bad-sql", "SQL-ish text is harmless and answered kindly", [t(say="'; DROP TABLE peserta; --", any=["bantu", "menu", "ketik", "tanya", "NIK"], none=["Traceback", "syntax", "Exception", "sqlite"])])
AR = "".join("٠١٢٣٤٥٦٧٨٩"[int(c)] for c in "3275014508850001")
dlg("bad-arabic-digits", "Arabic-script digits at the NIK prompt get a kind answer (accepted or asked in 0-9), no crash", to_nik() + [
    t(say=AR, any=KKASK + ["angka", "digit", "0-9", "latin"], none=["Traceback", "Exception"]),
])
dlg("bad-photo-at-nik", "a photo (e.g. of a KTP) at the NIK prompt: ask to type the NIK", to_nik() + [
    t(kind="photo", any=["ketik", "angka", "foto", "tulis"]),
])
dlg("bad-location-at-picker", "a location at the kelurahan picker gets a kind answer, not an unknown-kelurahan error", [
    t(say="cara update data dtsen", any=["kelurahan"]),
    t(kind="location", any=["kelurahan", "ketik", "nama", "tulis"], none=NOKEL),
], channel="telegram")

# ---------------------------------------------------------------- subscriptions
dlg("sub-margahayu-berhenti", "subscribe to kelurahan announcements, then BERHENTI stops them", [
    t(say="mau dapet info pengumuman dr kelurahan", any=["kelurahan"], none=FB),
    t(say="margahayu", any=["Margahayu"], none=FB + NOKEL),
    t(say="BERHENTI", any=["berhenti", "tidak lagi", "dihentikan", "tidak akan"], none=FB),
])
dlg("sub-question-at-picker", "a question at the subscription picker is answered, then a name is accepted", [
    t(say="langganan info kelurahan", any=["kelurahan"], none=FB),
    t(say="ini bayar ga langganannya?", any=["gratis", "tidak", "BERHENTI"], none=FB + NOKEL),
    t(say="kel. medan satria", any=["Medansatria", "Medan Satria"], none=FB + NOKEL),
])

# ---------------------------------------------------------------- write
def q(s): return json.dumps(s, ensure_ascii=False)
def ql(l): return "[" + ", ".join(q(x) for x in l) + "]"
out = ["# SIGAP bot held-out dialogue set. Written blind from shared/domain/BRIEF.md, tests/dialogues/FORMAT.md",
       "# and the failure classes of issue #10. Never tune on this file. Generated by gen.py.", ""]
for d in D:
    out.append("[[dialogue]]")
    out.append("id = " + q(d["id"]))
    out.append("about = " + q(d["about"]))
    for k in ("lang", "channel", "staff"):
        if k in d: out.append(f"{k} = " + q(d[k]))
    for tr in d["turns"]:
        out.append("")
        out.append("  [[dialogue.turn]]")
        for k in ("say", "press", "kind"):
            if k in tr: out.append(f"  {k} = " + q(tr[k]))
        for k in ("any", "all", "none"):
            if k in tr: out.append(f"  {k} = " + ql(tr[k]))
    out.append("")
open("/work/heldout/heldout.toml", "w", encoding="utf-8").write("\n".join(out))
print(len(D))
