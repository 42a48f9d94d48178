"""The ticket conversation's text rules: what asks for a person, what is a new request rather than more for
the officer, which numbers are hidden before a question is stored, and when a request carries its question."""

from __future__ import annotations

import pytest

from handlers.change_of_mind import change_of_mind
from handlers.flows.claims import about_accident
from handlers.flows.fallback import about_leaving
from handlers.flows.tickets import (
    _question_in,
    acknowledged,
    asks_status,
    masked,
    new_request,
    served_here,
    thanks_only,
    topic_of,
)
from handlers.understanding import read


@pytest.mark.parametrize(
    "text",
    [
        "tanya petugas",
        "mau ngomong sama orang",
        "min bs ngobrol sm orang ga",
        "bisa ngmg sm petugas ga",
        "saya mau komplain",
        "pengaduan kemana ya",
        "I want to talk to a person",
        "can I ask an officer?",
        "I have a complaint about my data",
    ],
)
def test_asking_for_a_person(text: str) -> None:
    assert read(text).wants_officer


@pytest.mark.parametrize(
    "text", ["nomor telepon kantor kelurahan berapa", "kontak petugas kelurahan", "alamat kantor bpjs", "bantuan"]
)
def test_asking_for_contact_details_is_not_a_ticket(text: str) -> None:
    assert not read(text).wants_officer


@pytest.mark.parametrize(
    "text",
    [
        "3275014101900001",
        "cek kelayakan",
        "langganan info",
        "berhenti",
        "makasih ya",
        "halo",
        "iya",
        "ga",
        "english",
    ],
)
def test_clear_new_requests(text: str) -> None:
    assert new_request(read(text))


@pytest.mark.parametrize(
    "text",
    [
        "iurannya berapa?",
        "saya sudah ke kelurahan kemarin tapi tutup",
        "oh gitu, nanti saya ke kelurahan bawa kk anak saya",
        "kalau cek kelayakan hasilnya beda dengan di kelurahan gimana?",
    ],
)
def test_more_for_the_officer(text: str) -> None:
    assert not new_request(read(text))


def test_long_numbers_are_hidden_short_ones_kept() -> None:
    text = "nik 3275014101900001, hp 0812-3456-7890, kk 3275 0141 0190 0001, rt 05, Rp201.600, 5 November 2025"
    hidden, changed = masked(text)
    assert changed
    assert hidden == "nik […], hp […], kk […], rt 05, Rp201.600, 5 November 2025"
    assert masked("rw 03 sejak 2019") == ("rw 03 sejak 2019", False)


def test_a_request_carries_its_question_only_with_enough_words_of_its_own() -> None:
    assert _question_in(read("mau komplain ke petugas kelurahan margahayu"), None) is None
    assert _question_in(read("I have a complaint about my data"), None) is None
    said = read("komplain, pendamping sudah 2 kali janji datang tapi ga pernah datang")
    assert _question_in(said, None) == said.text


def test_topics() -> None:
    assert topic_of(read("mau komplain soal pendamping")) == "complaint"
    assert topic_of(read("data saya salah di dtsen")) == "data"
    assert topic_of(read("klaim jkk suami saya gimana")) == "claim"


@pytest.mark.parametrize(
    "text",
    [
        "gimana tiket sy",
        "udah dibales blm?",
        "udh dijawab blm sih",
        "cek status tiket",
        "lihat jawaban petugas",
        "mana jawabannya?",
        "sudah ada jawaban belum?",
        "what is the status of my question?",
        "has my question been answered?",
    ],
)
def test_asking_about_ones_ticket(text: str) -> None:
    assert asks_status(read(text))


@pytest.mark.parametrize(
    "text",
    [
        "saya sudah diproses di kelurahan tapi datanya belum berubah, kenapa ya",
        "kenapa desil saya naik padahal penghasilan turun?",
        "sudah dijawab pak, tapi saya masih bingung soal desil itu apa sebenarnya",
        "jawaban petugas kemarin kurang jelas, maksudnya kk asli atau fotokopi ya",
    ],
)
def test_more_for_the_officer_is_not_a_status_question(text: str) -> None:
    assert not asks_status(read(text))


@pytest.mark.parametrize(
    ("text", "thanks"),
    [
        ("oke pak makasih infonya, besok sy ke kelurahan", True),
        ("siap, terima kasih bu", True),
        ("thank you, that helps", True),
        ("makasih, tapi masih bingung soal desil", False),
        ("makasih pak, mau tanya lagi soal kartu", False),
        ("terima kasih, jadi kapan saya bisa ambil kartunya?", False),
        ("terima kasih pak, nomor KK saya sudah berubah sejak bulan Januari kemarin", False),
        ("makasih, alamat saya sekarang di RT 05", False),
    ],
)
def test_thanks_with_nothing_more_asked(text: str, thanks: bool) -> None:
    assert thanks_only(read(text)) is thanks


@pytest.mark.parametrize(
    ("text", "taken_in"),
    [
        ("oke pak, nanti saya tunggu", True),
        ("siap bu, besok sy ke kelurahan", True),
        ("ok pak kk saya sudah berubah", False),
        ("oke, jadi saya harus bawa apa?", False),
        ("iya pak tapi belum bisa datang", False),
    ],
)
def test_taking_an_answer_in(text: str, taken_in: bool) -> None:
    assert acknowledged(read(text)) is taken_in


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("gajadi, sy mau cek kelayakan aja", "sy mau cek kelayakan aja"),
        ("eh ga jadi deh", ""),
        ("Gak jadi", ""),
        ("batal aja, langganan info", "langganan info"),
        ("tidak jadi masalah pak", "masalah pak"),
        ("gajadian", None),
        ("saya ga jadi ke kelurahan", None),
    ],
)
def test_a_change_of_mind_and_what_follows_it(text: str, rest: str | None) -> None:
    assert change_of_mind(text) == rest


def test_a_named_accident_is_a_claim() -> None:
    assert topic_of(read("suami saya ditabrak mobil pas ngojek, ditanggung ga?")) == "claim"
    assert about_accident("bapak sy kecelakaan waktu narik")
    assert not about_accident("kapan pendaftaran sigap dibuka lagi?")


@pytest.mark.parametrize(
    "text",
    [
        "sy mau berhenti jadi peserta sigap, gmn?",
        "gimana caranya mengundurkan diri dari sigap",
        "cara keluar dari peserta bpjs",
    ],
)
def test_leaving_the_programme(text: str) -> None:
    assert about_leaving(read(text).lowered)


def test_stopping_announcements_is_not_leaving_the_programme() -> None:
    assert not about_leaving(read("berhenti langganan info sigap").lowered)


@pytest.mark.parametrize(
    ("text", "served"),
    [
        ("sy mau langganan info kelurahan", True),
        ("mau cek kelayakan istri saya", True),
        ("desil saya salah tolong diperbaiki", False),
        ("data saya belum diupdate di dtsen", False),
        ("saya mau klaim kecelakaan kerja", False),
    ],
)
def test_what_the_bot_serves_itself_while_a_ticket_is_open(text: str, served: bool) -> None:
    assert served_here(read(text)) is served
