"""Entities read from a message before any flow acts: yes/no with negation, NIK + KK digits, a family
reference, the language, the ways out, staff send times in WIB, other-script digits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.entities import (
    WIB,
    detect_language,
    digits_in,
    escape_of,
    family_reference,
    has_letters,
    looks_like_code,
    normalise_digits,
    parse_when,
    yes_or_no,
)


@pytest.mark.parametrize(
    "text", ["ya", "iya boleh deh", "ok lanjut", "setuju", "gas", "yes please", "gpp", "boleh", "yaudah", "bolehh"]
)
def test_free_word_yes(text: str) -> None:
    assert yes_or_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["ga setuju", "nggak mau ah", "jangan", "tidak", "gak setuju ah", "jangan hapus", "no", "ga jadi", "kurang setuju"],
)
def test_a_negation_is_never_a_yes(text: str) -> None:
    assert yes_or_no(text) is False


@pytest.mark.parametrize("text", ["gak tau maksudnya", "bingung", "kk nya ketinggalan", "apa itu desil"])
def test_not_an_answer(text: str) -> None:
    assert yes_or_no(text) is None


@pytest.mark.parametrize(
    ("text", "nik", "kk4"),
    [
        ("3275014101900001 0123", "3275014101900001", "0123"),
        ("3275 0141 0190 0001 0123", "3275014101900001", "0123"),
        ("nik 3275014101900001 kk 3275010101050123", "3275014101900001", "0123"),
        ("3275014101900001", "3275014101900001", None),
        ("anak saya 3 orang", None, None),
    ],
)
def test_nik_and_kk_digits_in_one_message(text: str, nik: str | None, kk4: str | None) -> None:
    found = digits_in(text)
    assert (found.nik, found.kk4) == (nik, kk4)


def test_arabic_script_and_full_width_digits_become_ascii() -> None:
    assert normalise_digits("٣٢٧٥ ۰۱۲۳ １２") == "3275 0123 12"
    assert normalise_digits("ab\u200bc") == "abc"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("mau cek nik ibu saya", True),
        ("cekin punya bapak dong", True),
        ("makasih pak", False),
        ("cek nik saya", False),
        # whose phone it is is not whose record it is
        ("ini bukan hp saya, hp tetangga. bisa cek?", False),
        ("hp nya punya anak saya, mau cek", False),
        ("i'm using my wife's phone, can i check?", False),
        ("pake hp istri, mau cek nik ibu saya", True),
        # someone who works for the user
        ("cek punya supir saya", True),
        ("I'd like to check my housekeeper's eligibility", True),
        ("saya supir, bisa cek?", False),
    ],
)
def test_family_reference(text: str, family: bool) -> None:
    assert family_reference(text) is family


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hello, I want to check if I am eligible", "en"),
        ("Is this chatbot run by the city government?", "en"),
        ("how much does it cost?", "en"),
        ("saya mau tanya bayarnya berapa ya", "id"),
        ("ok", None),
        ("halo", None),
    ],
)
def test_language_only_when_clear(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("text", "escape"),
    [("batal", "cancel"), ("ga jadi", "cancel"), ("menu", "menu"), ("hapus data saya", "erase"),
     ("bantuan", "help"), ("mau ngomong sama petugas", "human"), ("kk saya baru", None),
     ("tolong hapus semua riwayat chat sy", "erase"), ("hapus draf", None)],
)  # fmt: skip
def test_ways_out(text: str, escape: str | None) -> None:
    assert escape_of(text) == escape


@pytest.mark.parametrize(
    ("text", "escape"),
    [("mnu", "menu"), ("menuu", "menu"), ("btal", "cancel"), ("bantuannn", "help"), ("kmbali", "menu"),
     ("canel", "cancel"), ("eh mnu aja", "menu"),
     ("btl", None), ("iya btl", None), ("udh kelar, tutup", None), ("batas nya brp", None), ("baik", None)],
)  # fmt: skip
def test_ways_out_misspelt(text: str, escape: str | None) -> None:
    """A hurried escape still gets out; another word one letter from it ("kelar", "batas", "btl") does not."""
    assert escape_of(text) == escape


NOW = datetime(2026, 11, 21, 10, 0, tzinfo=WIB)  # a Saturday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("besok jam 8 pagi", datetime(2026, 11, 22, 8, 0, tzinfo=WIB)),
        ("Senin 09.00", datetime(2026, 11, 23, 9, 0, tzinfo=WIB)),
        ("jam 7 malam", datetime(2026, 11, 21, 19, 0, tzinfo=WIB)),
        ("lusa jam 2 siang", datetime(2026, 11, 23, 14, 0, tzinfo=WIB)),
        ("25 November jam 10", datetime(2026, 11, 25, 10, 0, tzinfo=WIB)),
        ("25-11 08:00", datetime(2026, 11, 25, 8, 0, tzinfo=WIB)),
        ("09:30", datetime(2026, 11, 22, 9, 30, tzinfo=WIB)),  # passed today: tomorrow
        ("2026-11-25 08:00 WIB", datetime(2026, 11, 25, 8, 0, tzinfo=WIB)),
        ("besok jm 8", datetime(2026, 11, 22, 8, 0, tzinfo=WIB)),
        ("besok jam 8 malem", datetime(2026, 11, 22, 20, 0, tzinfo=WIB)),
        ("kamis jam setengah 9", datetime(2026, 11, 26, 8, 30, tzinfo=WIB)),
        ("25 Nopember 2026 pukul 10.00", datetime(2026, 11, 25, 10, 0, tzinfo=WIB)),
        ("1 jam lagi", datetime(2026, 11, 21, 11, 0, tzinfo=WIB)),
        ("30 menit lagi", datetime(2026, 11, 21, 10, 30, tzinfo=WIB)),
        ("tomorrow 8am", datetime(2026, 11, 22, 8, 0, tzinfo=WIB)),
        ("in 2 hours", datetime(2026, 11, 21, 12, 0, tzinfo=WIB)),
        # chat spellings nobody listed: vowels dropped, one letter off, the Betawi "senen"
        ("bsk jm 8 pg", datetime(2026, 11, 22, 8, 0, tzinfo=WIB)),
        ("bsok jam 7 pgi", datetime(2026, 11, 22, 7, 0, tzinfo=WIB)),
        ("senen jam 9", datetime(2026, 11, 23, 9, 0, tzinfo=WIB)),
        ("kemis jm 2 siang", datetime(2026, 11, 26, 14, 0, tzinfo=WIB)),
        ("3 hari lg jam 9 pagi", datetime(2026, 11, 24, 9, 0, tzinfo=WIB)),
        ("waktunya lusa jam 10", datetime(2026, 11, 23, 10, 0, tzinfo=WIB)),
        ("jam 4 sre", datetime(2026, 11, 21, 16, 0, tzinfo=WIB)),
        # a day and month already gone this year is next year's; "1 jan" is January, never "juni"
        ("1 jan jam 8", datetime(2027, 1, 1, 8, 0, tzinfo=WIB)),
        ("bsk jm stgh 9", datetime(2026, 11, 22, 8, 30, tzinfo=WIB)),
        ("besok jam 10an", datetime(2026, 11, 22, 10, 0, tzinfo=WIB)),
        ("tgl 1 bln depan jam 9", datetime(2026, 12, 1, 9, 0, tzinfo=WIB)),
        ("malam minggu jam 7", datetime(2026, 11, 21, 19, 0, tzinfo=WIB)),  # Saturday evening
        ("minggu malam jam 7", datetime(2026, 11, 22, 19, 0, tzinfo=WIB)),
        ("eh tunggu, lusa aja jam 9", datetime(2026, 11, 23, 9, 0, tzinfo=WIB)),
        ("bsk 0800", datetime(2026, 11, 22, 8, 0, tzinfo=WIB)),
        ("besok jam sembilan pagi", datetime(2026, 11, 22, 9, 0, tzinfo=WIB)),
        ("besok setengah delapan", datetime(2026, 11, 22, 7, 30, tzinfo=WIB)),
        ("rebo jam 9", datetime(2026, 11, 25, 9, 0, tzinfo=WIB)),
        ("dec 5 at 10am", datetime(2026, 12, 5, 10, 0, tzinfo=WIB)),
        ("senin 23 november tahun 2026 jam 8 pagi", datetime(2026, 11, 23, 8, 0, tzinfo=WIB)),
        ("bsk 1930", datetime(2026, 11, 22, 19, 30, tzinfo=WIB)),
        ("nanti jam 3", datetime(2026, 11, 21, 15, 0, tzinfo=WIB)),  # later today: the afternoon, not 03:00
    ],
)
def test_staff_times_in_ordinary_indonesian(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW.astimezone(UTC)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "besok pagi",
        "kapan2 aja",
        "jam 25",
        "2020-01-01 08:00",
        "kemarin jam 8",
        "0 jam lagi",
        "harga 5 jam lagi",
        "kmrn jm 8",
        "20 nov jam 8",
        "jam 9 malah",
        "ganti jam 10 ya",
        "besok jam 2026",  # a year typed where the hour goes, never 20:26
        "tahun 2026",
        "24 november 2026",
        "nanti jam 3 pagi",  # passed today, and "nanti" is today
    ],
)
def test_staff_times_are_not_guessed(text: str) -> None:
    assert parse_when(text, NOW.astimezone(UTC)) is None


def test_chat_spelling_reads_one_vocabulary_loosely() -> None:
    from handlers.entities import ChatSpelling, vowel_poor

    times = ChatSpelling(("pagi", "sore", "senin", "selasa", "kamis"))
    assert times.read("pgi") == "pagi"  # vowels dropped
    assert times.read("kemis") == "kamis"  # one letter off
    assert times.read("situ") is None  # shares consonants, but is a word with its vowels
    assert ChatSpelling(("semua", "semut")).read("semux") is None  # one letter off two words: neither
    assert vowel_poor("stju") and not vowel_poor("situ")


def test_one_thank_you_pattern_for_staff_and_citizens() -> None:
    from handlers.entities import THANKS
    from handlers.flows.staff import thanks_only

    assert all(THANKS.search(t) for t in ("makasih ya", "trims pak", "thank you", "hatur nuhun", "tq min"))
    assert thanks_only("makasih ya") and not thanks_only("makasih, kirim aja") and not thanks_only("oke kirim")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM peserta WHERE 1=1",
        "select nik, nama from registry",
        "'; DROP TABLE users; --",
        "1' OR '1'='1",
        "DELETE FROM peserta;",
        "insert into users values (1)",
        "UPDATE peserta SET desil = 1",
        "x UNION SELECT password",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "${jndi:ldap://x}",
    ],
)
def test_code_is_recognised(text: str) -> None:
    assert looks_like_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "please delete from your records my data",
        "which kelurahan do i select from the list",
        "sy mau update data dtsen",
        "cara drop out dari program gmn",
        "select my kelurahan from where?",
        "iurannya berapa",
    ],
)
def test_words_that_sound_like_code_are_words(text: str) -> None:
    assert not looks_like_code(text)


def test_full_width_letters_read_as_ascii() -> None:
    assert normalise_digits("ｃｅｋ　ｂｐｊｓ？") == "cek bpjs?"


@pytest.mark.parametrize(
    ("text", "letters"), [("👍", False), ("👌🙏", False), ("123", False), ("ya", True), ("é", True)]
)
def test_has_letters(text: str, letters: bool) -> None:
    assert has_letters(text) is letters
