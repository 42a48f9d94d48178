"""The program knowledge base: every answer states the brief's figure in both languages, and is found
from informal phrasing without a NIK."""

from __future__ import annotations

import re

import pytest

from handlers import faq
from handlers.nlu import normalise
from sigap_core.crypto import Hasher
from sigap_core.i18n import Translator
from sigap_core.policy import load_policy
from sigap_core.services import Domain
from sigap_core.wilayah import load_wilayah

ENTRIES = faq.knowledge_base()
DOMAIN = Domain(Hasher(b"k" * 32), load_policy(), load_wilayah())


def test_the_knowledge_base_is_data_with_a_source_for_every_answer() -> None:
    assert len(ENTRIES) >= 25
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    for entry in ENTRIES:
        assert "BRIEF" in entry.source or "README" in entry.source, entry.id
        assert entry.answer.id and entry.answer.en and entry.figure, entry.id


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_answer_states_the_brief_figure(entry: faq.Entry, lang: str) -> None:
    _ = Translator(lang)
    values = faq.values(DOMAIN, _)
    figures = [f.format_map(values) for f in entry.figure.split("|")]
    texts = [entry.answer, *entry.by_status.values()]
    answer = faq.answer_text(entry, DOMAIN, _, None)
    assert "{" not in answer, answer  # every placeholder filled
    if entry.figure != "kuota|quota":  # the follow-ups name the figure in every status answer
        assert any(f in answer for f in figures), (entry.id, figures, answer)
    for text in texts:
        assert text.get(lang).strip(), entry.id


def test_policy_figures_reach_the_answers() -> None:
    entry = next(e for e in ENTRIES if e.id == "cost")
    assert "Rp16.800" in faq.answer_text(entry, DOMAIN, Translator("id"), None)
    assert "Rp201.600" in faq.answer_text(entry, DOMAIN, Translator("id"), None)
    assert "Rp16,800" in faq.answer_text(entry, DOMAIN, Translator("en"), None)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_example_question_finds_its_own_answer(entry: faq.Entry) -> None:
    for example in entry.examples:
        found = faq.match(example.lower(), normalise(example))
        assert found is not None and found.entry.id == entry.id, (example, found and found.entry.id)


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("iuranya brapa sih", "cost"),
        ("bayarnya berapa", "cost"),
        ("sigep itu apa", "what_is_sigap"),
        ("kk nya ketinggalan di rumah", "kk_missing"),
        ("ktp sy ilang", "ktp_lost"),
        ("ini hp pinjem", "borrowed_phone"),
        ("kuotanya brp", "quota"),
        ("kuotanya masih ada?", "quota"),
        ("brp iuranya?", "cost"),
        ("kpn programnya mulai", "when_started"),
        ("trs sy hrs kmn", "what_next"),
        ("gue ojol, dpt ga sih?", "job_question"),
        ("brp lama nunggunya sampe jadi peserta", "when_registered"),
        ("saya antrian ke berapa?", "queue_position"),
        ("urutan sy nomor brp", "queue_position"),
        ("kapan kartunya jadi?", "card_kpj"),
        ("nik itu yg mana sih", "nik_where"),
        ("itu buat apa sih langganan", "subscription_what"),
        ("can my mother join? she sells vegetables", "who_can_join"),
    ],
)
def test_informal_phrasing_with_typos_and_slang(typed: str, entry_id: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.id == entry_id


def test_status_answers_follow_the_last_outcome() -> None:
    entry = next(e for e in ENTRIES if e.id == "what_next")
    _ = Translator("id")
    assert "Disdukcapil" in faq.answer_text(entry, DOMAIN, _, "not_resident")
    assert "JMO" in faq.answer_text(entry, DOMAIN, _, "enrolled")
    assert "kuota" in faq.answer_text(entry, DOMAIN, _, "eligible_priority")
    assert faq.answer_text(entry, DOMAIN, _, None) == entry.answer.id.format_map(faq.values(DOMAIN, _))


@pytest.mark.parametrize(
    ("entry_id", "selected", "waiting"),
    [
        ("when_registered", "sedang mendaftarkan", "DAFTAR TUNGGU"),
        ("quota", "Tempat Anda sudah ada", "sudah terisi"),
        ("card_kpj", "AKTIF", "belum ada kartu"),
        ("queue_position", "tidak perlu antre", "tidak kami tampilkan"),
        ("what_next", "sudah terpilih", "daftar tunggu"),
        ("what_does_it_mean", "belum aktif", "kuota"),
    ],
)
def test_selected_and_waiting_list_get_their_own_follow_ups(entry_id: str, selected: str, waiting: str) -> None:
    entry = next(e for e in ENTRIES if e.id == entry_id)
    for lang in ("id", "en"):
        general = faq.answer_text(entry, DOMAIN, Translator(lang), None)
        assert faq.answer_text(entry, DOMAIN, Translator(lang), "selected") != general
        assert faq.answer_text(entry, DOMAIN, Translator(lang), "waiting_list") != general
    _ = Translator("id")
    assert selected in faq.answer_text(entry, DOMAIN, _, "selected")
    assert waiting in faq.answer_text(entry, DOMAIN, _, "waiting_list")


def test_the_queue_answer_never_states_a_rank() -> None:
    entry = next(e for e in ENTRIES if e.id == "queue_position")
    for outcome in (None, "waiting_list", "selected", "eligible"):
        for lang in ("id", "en"):
            text = faq.answer_text(entry, DOMAIN, Translator(lang), outcome)
            assert not re.search(r"\b(nomor|urutan|ke-?|number|#)\s*\d", text), text


def test_an_unrelated_message_matches_nothing() -> None:
    for text in ("harga bbm naik ga", "halo", "😂😂", "jatibening"):
        assert faq.match(text.lower(), normalise(text)) is None, text
    assert all(re.compile(p.pattern) for e in ENTRIES for p in e.patterns)


def test_a_relatives_outcome_is_answered_about_that_person() -> None:
    entry = faq.entry("what_next")
    own = faq.answer_text(entry, DOMAIN, Translator("id"), "eligible")
    other = faq.answer_text(entry, DOMAIN, Translator("id"), "eligible", other=True)
    assert "Anda sudah memenuhi syarat" in own
    assert other.startswith("Tentang NIK yang dicek tadi")
    assert "Anda sudah" not in other and "Orang tersebut tidak perlu" in other
    english = faq.answer_text(entry, DOMAIN, Translator("en"), "eligible", other=True)
    assert english.startswith("About the NIK you checked")
    # the general answer (no status of its own) is not reworded
    assert faq.answer_text(entry, DOMAIN, Translator("id"), None, other=True) == faq.answer_text(
        entry, DOMAIN, Translator("id"), None
    )


@pytest.mark.parametrize(
    ("topic", "answered_by"),
    [
        ("claim_documents", "claim_time"),
        ("jkk_jkm_meaning", "claim_time"),
        ("update_time", "update_time"),
        (None, "how_long"),
    ],
)
def test_how_long_is_answered_for_the_last_topic(topic: str | None, answered_by: str) -> None:
    assert faq.resolve(faq.entry("how_long"), topic).id == answered_by


def test_every_after_target_exists() -> None:
    ids = {e.id for e in ENTRIES}
    for entry in ENTRIES:
        # a key may name a flow's own answer, "ENTRY:VARIANT" (the JKM claim answer: "jkk_jkm_meaning:jkm")
        keys = {key.partition(":")[0] for key in entry.after}
        assert keys <= ids and set(entry.after.values()) <= ids, entry.id


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("kalo ga kepilih gimana dong", "if_not_selected"),
        ("if i'm not selected what happens", "if_not_selected"),
        ("gelombang berikutnya kpn", "next_round"),
        ("jam brp kantornya buka", "opening_hours"),
        ("alamat kantor lurah jatiasih dmn", "kelurahan_office"),
        ("bisa lewat hp aja ga updatenya", "update_online"),
        ("sigap diresmiin tgl brp", "when_started"),  # Betawi passive: diresmiin → diresmikan
        ("cucu sy baru 16 thn udh kerja jd kuli, boleh?", "age_limit"),
        ("sampe kapan sih program sigap", "renewal"),
    ],
)
def test_faqs_worktree_phrasings(typed: str, entry_id: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.id == entry_id, (typed, found and found.entry.id)


def test_a_duration_is_not_an_age() -> None:
    for typed in ("sy ojol udh 5 th, istri jualan, kita dpt gk?", "udah 15 tahun ngojek, bisa ikut?"):
        found = faq.match(typed.lower(), normalise(typed))
        assert found is None or found.entry.id != "age_limit", typed


def test_a_story_gets_its_question_answered() -> None:
    typed = "gw supir angkot, bini gw buka warung, anak 2 masih sekolah. dapet apa aja kalo ikut?"
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None
    assert "benefits" in {found.entry.id, found.also.id if found.also else ""}
    assert "not_working" not in {found.entry.id, found.also.id if found.also else ""}


@pytest.mark.parametrize(
    ("typed", "not_entry"),
    [
        ("istri saya buka warung tiap hari, bisa ikut?", "opening_hours"),  # a job, not office hours
        ("tahap selanjutnya apa?", "next_round"),  # the next step, not a new round
        ("ojol dari aplikasi apa aja yg bisa ikut?", "update_online"),  # the ride-hailing app, not Cek Bansos
        ("sejak tahun 90an saya ojek, bisa?", "age_limit"),  # a year, not an age
        ("alamat saya di kelurahan salah", "kelurahan_office"),  # the user's own address to fix
        ("sy mau ngecekin nik bapak sy, dia ga punya hp", "no_phone"),  # a request to check
        ("halo saya warga bekasi", "lives_in_bekasi"),  # a self-introduction
    ],
)
def test_new_entries_do_not_take_other_questions(typed: str, not_entry: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is None or not_entry not in {found.entry.id, found.also.id if found.also else ""}, typed


def test_every_otherwise_target_exists() -> None:
    ids = {e.id for e in ENTRIES}
    assert all(e.otherwise in ids for e in ENTRIES if e.otherwise)


@pytest.mark.parametrize(
    ("topic", "outcome", "answered_by"),
    [
        (None, None, "check_for_family"),  # no errand before it: checking for someone
        (None, "eligible", "check_for_family"),
        (None, "not_resident", "by_proxy"),  # the Disdukcapil errand: its own answer
        ("update_time", None, "proxy_data"),
        ("jkk_jkm_meaning:jkm", "enrolled", "who_reports"),
    ],
)
def test_a_proxy_question_is_answered_for_the_last_errand(
    topic: str | None, outcome: str | None, answered_by: str
) -> None:
    assert faq.resolve(faq.entry("by_proxy"), topic, outcome).id == answered_by


def test_a_bare_condition_is_read_with_its_question() -> None:
    from handlers.engine import _with_conditions

    assert _with_conditions(["klo sy udh terdaftar", "kapan mulai aktif"]) == ["klo sy udh terdaftar kapan mulai aktif"]
    assert _with_conditions(["klo kecelakaan dpt apa", "klo meninggal brp"]) == [
        "klo kecelakaan dpt apa",
        "klo meninggal brp",
    ]


@pytest.mark.parametrize("typed", ["lho maksudnya apa?", "hah? maksudnya gmn", "eh trus gimana?"])
def test_an_opening_exclamation_does_not_hide_the_follow_up(typed: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.follow_up, (typed, found and found.entry.id)


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("emg gratis?", "cost"),  # a short "is it free?" with any lead word
        ("ntar ujung2nya disuruh bayar ga?", "cost"),  # paying later is a cost question, not a demand
        ("kpj tuh singkatan apa", "card_kpj"),  # a term's long form is what the term is
        ("kepanjangan dari jkm apa", "jkk_jkm_meaning"),
        ("what does dtsen stand for", "dtsen"),
        ("ini program apaan sih", "what_is_sigap"),  # "apaan" reads as "apa"
        ("bedanya sama kartu indonesia sehat?", "vs_bpjs_kesehatan"),  # KIS spelt out, not the KPJ card
        ("is this the same as bpjs health?", "vs_bpjs_kesehatan"),
        ("apa aja yg gk ditanggung?", "not_covered"),
        ("ktp sy kota bekasi tp skrg ngontrak di depok", "ktp_bekasi_lives_elsewhere"),
        ("yg rebutan kuotanya brp org", "coverage_share"),  # competition for the places: the scale
        ("website resmi sigap apa", "official_contact"),
        ("kpn terakhir daftarnya kak?", "how_to_register"),  # a deadline to register, not the programme's end
        ("batas pendaftaran tgl brp", "how_to_register"),
        ("per taun brp", "cost"),  # a period and "berapa", no money word
        ("sebulannya brp an?", "cost"),
        ("yg boleh ikut siapa", "who_can_join"),  # the condition first, "siapa" last
        ("ktp dki tinggal bekasi bs?", "kabupaten_bekasi"),  # another area's KTP
        ("ktp bekasi tp kerja di jakarta", "works_outside_city"),  # the workplace does not count
        ("sy bpu mandiri", "already_member"),
        ("apa itu bpu", "bpu_meaning"),
        ("driver gojek dpt?", "job_question"),
        ("kurir shopee bisa ikut", "job_question"),  # no question mark
        ("ini bpjs apa?", "vs_bpjs_kesehatan"),
        ("program ini dari kapan", "when_started"),
        ("ada instagramnya?", "official_contact"),
        ("yg tdk dijamin apa", "not_covered"),  # "dijamin" is a root, not the Betawi "-in"
        ("byr iuran tiap bln ga", "cost"),
        ("kena biaya ga klo ikut", "cost"),
        ("emang bener gratis total?", "cost"),
        ("dibiayain pemkot ya?", "cost"),  # "dibiayain" is "dibiayai", not "dibiayakan"
        ("duitnya dr mana", "cost"),  # "duitnya" is money, not "ditanya"
        ("anggarannya brp miliar", "budget"),
        ("sy mitra shopeefood", "job_question"),  # the job stated alone
        ("bedanya bpjs tk sama bpjs kes apa", "vs_bpjs_kesehatan"),
        ("kpj itu nomor apa", "card_kpj"),
        ("bisa daftar sendiri ga", "how_to_register"),
        ("daftarnya di kelurahan?", "how_to_register"),
        ("lewat orang dalam bisa?", "legitimacy"),
        ("emg ada program ginian?", "heard_is_it_true"),
        ("ini program pemkot bukan", "legitimacy"),
        ("tujuan programnya buat apa", "what_is_sigap"),
        ("desil 1 itu yg gmn", "desil"),
        ("istri sy cm di rumah aja", "not_working"),  # "cm" is "cuma"
        ("ni program bpjs yg dr walikota ya", "legitimacy"),
        ("ga ada biaya sama sekali kan", "cost"),
        ("perlu modal ga buat ikut", "cost"),
        ("ada biaya pendaftaran?", "cost"),
        ("sy satpam outsourcing bs ikut?", "civil_servant"),
        ("sy lagi kuliah sambil ngojek", "job_question"),  # the work on the side counts
        ("ktp sy bekasi kota, skrg kerja di cikarang", "works_outside_city"),
        ("sy peserta bpjs tk bpu, bisa dialihin ga", "already_member"),
        ("ada brp ribu yg dapet", "quota"),
        ("desil 5 tuh miskin ga", "desil"),
        ("gmn caranya biar bisa ikut", "how_to_register"),
        ("mau ikut program ini, caranya?", "how_to_register"),
        ("bisa didaftarin rt ga", "how_to_register"),
        ("i live in depok, can i join", "kabupaten_bekasi"),
        ("sy nelayan", "job_question"),
        ("bapak sy petani di bekasi", "job_question"),
        ("tukang ojek pangkalan bisa", "job_question"),
        ("sy punya toko kelontong", "job_question"),
        ("gaji sy 5 juta bisa ikut", "income_question"),
        ("penghasilan kecil bs ikut ga", "income_question"),
        ("harus punya npwp ga", "bank_npwp"),
        ("perlu email ga", "jmo_sign_up"),
        ("bps itu apa hubungannya", "dtsen"),
        ("dinsos ngurus apa", "managing_agency"),
        ("satu kk bisa berapa org", "family_members"),
    ],
)
def test_kbd_programme_phrasings(typed: str, entry_id: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.id == entry_id, (typed, found and found.entry.id)


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("katanya gratis tapi disuruh bayar 50rb", "legitimacy"),  # a demand with an amount stays a warning
        ("pak rt bilang nanti disuruh bayar 50rb", "legitimacy"),
    ],
)
def test_kbd_a_demand_for_money_stays_the_warning(typed: str, entry_id: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.id == entry_id, (typed, found and found.entry.id)


@pytest.mark.parametrize(
    ("typed", "not_entry"),
    [
        ("ktp sy kota bekasi, tinggal di bekasi timur", "ktp_bekasi_lives_elsewhere"),  # lives in the city
        ("sakit biasa ga ditanggung ya?", "not_covered"),  # ordinary illness: the BPJS Kesehatan answer
        ("saya mau jadi peserta bpu", "already_member"),  # wanting to join is not being a member
        ("ktp sy hilang, sy tinggal di bekasi", "kabupaten_bekasi"),  # a lost KTP, not another area's
        ("koneksi internet sy jelek", "legitimacy"),  # a connection, not an inside contact
        ("kalau saya dirawat dibayari pemkot?", "cost"),  # treatment, not the contribution
        ("uangnya dari mana kalau klaim", "cost"),
        ("sy ojol mau cek", "job_question"),  # a request to check
        ("kapan diumumin siapa yg dapet", "who_can_join"),  # the announcement, not the criteria
        ("kalau berobat perlu modal ga", "cost"),  # treatment
        ("santunan jkm cair ke rekening siapa", "bank_npwp"),  # a claim's payout, not the papers to join
        ("kalau kecelakaan gaji saya diganti ga", "income_question"),  # lost income after an accident
        ("berapa orang per kk yang bisa", "quota"),
    ],
)
def test_kbd_entries_do_not_take_other_questions(typed: str, not_entry: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is None or not_entry not in {found.entry.id, found.also.id if found.also else ""}, typed


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("iuran gmn ya", "cost"),  # no pattern reads it; "iuran" names the cost alone
        ("biayanya gmn sih", "cost"),
        ("modalnya apa aja", "cost"),
        ("bayar klaim kemana", None),  # a claim has its own reader
        ("status bayar iuran saya", None),  # one's own record
    ],
)
def test_a_short_question_naming_one_topic_gets_it(typed: str, entry_id: str | None) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert (found.entry.id if found else None) == entry_id, (typed, found and found.entry.id)


PLAIN = [e for e in ENTRIES if e.plain is not None]


@pytest.mark.parametrize("entry", PLAIN, ids=[e.id for e in PLAIN])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_plain_version_is_shorter_than_the_answer(entry: faq.Entry, lang: str) -> None:
    """ "maksudnya?" after an answer gets the plain version: other, shorter words, every placeholder filled."""
    _ = Translator(lang)
    plain = faq.plainly(entry, DOMAIN, _, None)
    assert plain is not None and "{" not in plain, entry.id
    assert len(plain) < len(faq.answer_text(entry, DOMAIN, _, None)), entry.id


def test_the_main_topics_have_a_plain_version() -> None:
    for entry_id in ("what_is_sigap", "cost", "who_can_join", "desil", "dtsen", "card_kpj", "benefits", "quota"):
        assert faq.entry(entry_id).plain is not None, entry_id


def test_english_money_reads_one_way() -> None:
    """English texts write money the English way (Rp16,800), as the policy's figures are formatted."""
    for entry in ENTRIES:
        texts = [entry.answer, *entry.by_status.values(), *([entry.plain] if entry.plain else [])]
        for text in texts:
            assert not re.search(r"Rp\d{1,3}\.\d{3}\b", text.en), (entry.id, text.en)


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [
        ("mas nek melu program iki bayare piro sak sasi?", "cost"),  # Javanese
        ("naon bedana jeung kis atuh?", "vs_bpjs_kesehatan"),  # Sundanese
        ("trus mulainya kapan?", "when_started"),
        ("ada link di grup wa katanya daftar sigap, disuruh isi nik sama foto ktp", "legitimacy"),
        ("klo sy daftar sendiri ke bpjs tk, bayarnya brp sebulan?", "bpu_own_cost"),
        ("di kota bekasi yg desil 1 ada brp keluarga?", "desil_figures"),
        ("musdes itu apaan ya?", "update_terms"),
        ("klo kecelakaan kerja sampe cacat tetap dpt apa?", "disability"),
        ("taun 2027 msh gratis ga?", "renewal"),
        ("what happens after the one year is over?", "renewal"),
        ("kalo sy udh bayar sendiri?", "already_member"),
        ("klo sakit biasa, bukan kecelakaan, ditanggung juga ga?", "vs_bpjs_kesehatan"),
        ("menu sanggah di aplikasi cek bansos tuh buat apa?", "cek_bansos_menus"),
        ("sy lupa password jmo gmn ya", "jmo_account_trouble"),
        ("beneran?", "is_it_so"),
        ("syaratnya apa aja", "requirements"),
        ("desil sy 6, msh bisa dapet?", "stated_desil_above"),
        ("kalo desil 8?", "stated_desil_above"),
        ("desil 3 bisa?", "stated_desil_within"),
        ("desil 1 itu yg gmn", "desil"),  # what a desil means, not a stated one
        ("desil 5 tuh miskin ga", "desil"),
        ("ini program kagak bohong kan bang?", "legitimacy"),
        ("bisa ga ikut sigap sekaligus bayar bpu mandiri juga?", "already_member"),
        ("klo nanti sy pindah rumah ke bogor, kepesertaan sigap nya gmn?", "moving_away"),
        ("sy mau pindah ke sigap aja", "already_member"),  # switching to SIGAP, not moving house
        ("kapan mulai ditanggung?", "when_registered"),  # one's own cover, not the launch date
        ("kapan mulai programnya?", "when_started"),
        ("klo yg meninggal istri sy, sy yg peserta sigap, dpt santunan ga?", "non_member_death"),
        ("ngurus klaim di bpjs ada biayanya ga?", "claim_fee"),
        ("di mana?", "where_is_office"),
    ],
)
def test_kbe_programme_phrasings(typed: str, entry_id: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is not None and found.entry.id == entry_id, (typed, found and found.entry.id)


@pytest.mark.parametrize(("typed", "not_entry"), [("betul", "is_it_so"), ("sure", "is_it_so")])
def test_kbe_a_plain_yes_is_not_a_doubt(typed: str, not_entry: str) -> None:
    found = faq.match(typed.lower(), normalise(typed))
    assert found is None or found.entry.id != not_entry, typed


def test_kbe_requirements_follow_the_last_errand() -> None:
    asked = faq.entry("requirements")
    assert faq.resolve(asked, "update_time").id == "what_to_bring_kelurahan"
    assert faq.resolve(asked, "jkk_jkm_meaning:jkm").id == "claim_documents"
    assert faq.resolve(asked, None).id == "who_can_join"


def test_kbe_a_doubt_keeps_what_is_not_known() -> None:
    """ "beneran?" after the renewal answer keeps its "not known" sentence, not only the certain first one."""
    text = faq.confirmation(faq.entry("renewal"), DOMAIN, Translator("id"), None)
    assert "belum kami ketahui" in text and faq.says_unknown(text)
    assert not faq.says_unknown(faq.confirmation(faq.entry("cost"), DOMAIN, Translator("id"), None))
