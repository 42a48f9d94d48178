"""The ticket conversation's text rules: what asks for a person, what is a new request rather than more for
the officer, which numbers are hidden before a question is stored, and when a request carries its question."""

from __future__ import annotations

import pytest

from handlers.flows.tickets import _question_in, masked, new_request, topic_of
from handlers.understanding import read


@pytest.mark.parametrize(
    "text",
    [
        "tanya petugas",
        "mau ngomong sama orang",
        "min bs ngobrol sm orang ga",
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
    ["3275014101900001", "cek kelayakan", "langganan info", "berhenti", "makasih ya", "halo", "iya", "ga", "english"],
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
