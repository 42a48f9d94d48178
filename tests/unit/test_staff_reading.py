"""How the staff flow reads a busy officer's words: the compose request, corrections of a draft, sending."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.entities import WIB, escape_of
from handlers.flows.staff import (
    SEND,
    _not_sent_at_all,
    _refused_then,
    _time_instead,
    _without_lead_in,
    audience_instead,
    audience_of,
    cancel_question,
    edit_of,
    form_question,
    new_time_in,
    says_send,
    wants_new,
)

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=WIB).astimezone(UTC)
DRAFTED = datetime(2026, 11, 22, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize(
    "text",
    ["mo bkin pngumuman", "tlg kabarin warga ya min", "mau brodkes ke warga", "pengumuman dong", "krim info ke warga"],
)
def test_compose_requests_in_chat_spellings(text: str) -> None:
    assert wants_new(text)


@pytest.mark.parametrize("text", ["Posyandu lansia hari Selasa", "brp warga yg udah langganan", "brokat murah"])
def test_other_words_are_no_compose_request(text: str) -> None:
    assert not wants_new(text)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("eh mau nambahin isinya dulu", "text"),
        ("ganti penerma", "audience"),
        ("gnti wktu", "when"),
        ("majuin jadi jam 7", "when"),
        ("Posyandu diundur ke Rabu", None),
    ],
)
def test_corrections_name_the_part_changed(text: str, part: str | None) -> None:
    assert edit_of(text) == part


def test_an_hour_alone_keeps_the_drafted_day() -> None:
    assert new_time_in("majuin jadi jam 7", NOW, DRAFTED) == datetime(2026, 11, 22, 7, 0, tzinfo=WIB)
    assert new_time_in("undur ke lusa jam 9", NOW, DRAFTED) == datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize("text", ["kirimkan", "send", "ok kirimin aja", "yaudah sebarin", "dikirim aja pak"])
def test_the_sending_verb_is_a_yes_at_the_confirmation(text: str) -> None:
    assert SEND.match(text)


@pytest.mark.parametrize("text", ["jangan kirim", "kirim besok aja", "kirim ke yg layak"])
def test_other_sending_words_are_not(text: str) -> None:
    assert not SEND.match(text)


@pytest.mark.parametrize("text", ["kirimm", "krim", "ok kirimm", "kirimkan"])
def test_a_hurried_kirim_is_a_send(text: str) -> None:
    assert says_send(text)


@pytest.mark.parametrize("text", ["kiri", "ok kiri", "kira"])
def test_words_of_their_own_near_kirim_are_no_send(text: str) -> None:
    assert not says_send(text)


def test_a_refusal_with_a_time_is_that_time() -> None:
    assert _time_instead("jgn skrg, besok aja jam 8", NOW) == datetime(2026, 11, 22, 8, 0, tzinfo=WIB)
    assert _time_instead("ga, ganti jam aja", NOW) is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [("bisa kirim gambar ga?", True), ("boleh pake link?", True), ("Sudah bawa foto 3x4?", False)],
)
def test_questions_about_what_an_announcement_may_hold(text: str, asks: bool) -> None:
    assert form_question(text) is asks


@pytest.mark.parametrize(
    ("text", "audience"),
    [("smua", "all"), ("yg lyk aja", "eligible"), ("semua pelangan", "all"), ("pesrta aja", "enrolled")],
)
def test_audiences_in_chat_spellings(text: str, audience: str) -> None:
    assert audience_of(text) == audience


def test_an_announcement_is_no_audience() -> None:
    assert audience_of("Semua warga harap kerja bakti") is None


@pytest.mark.parametrize(
    ("text", "dropped"),
    [
        ("udah ga usah dikirim", True),
        ("gak perlu dikirim deh", True),
        ("jangan dikirim sekarang", False),
        ("ga usah dikirim ke semua, yg layak aja", False),
    ],
)
def test_not_sending_at_all_at_the_time_step(text: str, dropped: bool) -> None:
    assert _not_sent_at_all(text) is dropped


def test_an_audience_named_in_its_own_clause_is_that_audience() -> None:
    assert audience_instead("ga usah ke semua, yg layak aja") == "eligible"
    assert audience_instead("kirim ke yg terdaftar aja") == "enrolled"
    assert audience_instead("ya kirim") is None


@pytest.mark.parametrize(
    "text",
    ["mau woro-woro ke warga", "bikin edaran buat warga", "sy mau nyebarin info vaksin ke warga", "tolong diumumin"],
)
def test_compose_requests_in_the_offices_words_and_affixed_verbs(text: str) -> None:
    assert wants_new(text)


@pytest.mark.parametrize("text", ["pada umumnya warga sudah tahu", "info sampai kapan", "bagi warga lansia"])
def test_a_bare_root_is_no_telling_verb(text: str) -> None:
    assert not wants_new(text)


@pytest.mark.parametrize(
    "text", ["btal", "batalll", "cansel", "cancle", "btal aja deh"]
)  # "btl": the staff steps' own reader
def test_batal_in_hurried_spellings_is_a_way_out(text: str) -> None:
    assert escape_of(text) == "cancel"


@pytest.mark.parametrize("text", ["batas waktu", "bakal dikirim", "bantal", "bata merah"])
def test_words_a_letter_from_batal_are_not(text: str) -> None:
    assert escape_of(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("harinya ganti senin aja", datetime(2026, 11, 23, 9, 0, tzinfo=WIB)),
        ("tanggalnya salah, harusnya tgl 24", datetime(2026, 11, 24, 9, 0, tzinfo=WIB)),
        ("mundurin 1 jam", datetime(2026, 11, 22, 10, 0, tzinfo=WIB)),
        ("majuin setengah jam", datetime(2026, 11, 22, 8, 30, tzinfo=WIB)),
        ("ganti besok sore aja", None),  # a part of the day needs its own hour: asked, not kept
    ],
)
def test_a_day_or_a_shift_keeps_the_rest_of_the_drafted_time(text: str, expected: datetime | None) -> None:
    assert new_time_in(text, NOW, DRAFTED) == expected


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("kalau udah kekirim bisa dibatalin ga?", True),
        ("bisa ditarik lagi?", True),
        ("Acara batal karena hujan", False),
    ],
)
def test_asking_whether_a_sent_announcement_can_be_taken_back(text: str, asks: bool) -> None:
    assert cancel_question(text) is asks


@pytest.mark.parametrize(
    ("text", "action"),
    [("hapus aja drafnya", "drop"), ("buang aja", "drop"), ("hapus", "drop"), ("hapus kata warga", None)],
)
def test_throwing_the_draft_away_in_a_few_words(text: str, action: str | None) -> None:
    assert edit_of(text) == action


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("ini teksnya ya: Posyandu balita Sabtu 28 November", "Posyandu balita Sabtu 28 November"),
        ("tolong kirim ini: besok ada fogging di RW 3", "besok ada fogging di RW 3"),
        ("Rapat RT: Minggu malam di pos", "Rapat RT: Minggu malam di pos"),  # a heading of its own stays
    ],
)
def test_words_to_the_bot_before_the_announcement_are_left_out(text: str, kept: str) -> None:
    assert _without_lead_in(text) == kept


@pytest.mark.parametrize(
    ("text", "sends"),
    [
        ("kirimin ke wargany", True),
        ("kirim ke warga aja", True),
        ("kirim ke semua", False),
        ("Kirim berkasnya ke kantor", False),
    ],
)
def test_the_sending_verb_with_its_recipient_named(text: str, sends: bool) -> None:
    assert says_send(text) is sends


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jgn skrg, besok jam 9 aja", datetime(2026, 11, 22, 9, 0, tzinfo=WIB)),
        ("jangan jam 8", None),  # the time refused is no time to use
        ("besok, jam 9", None),  # no refusal
    ],
)
def test_a_refusal_then_the_time_meant(text: str, expected: datetime | None) -> None:
    assert _refused_then(text, NOW) == expected
