from __future__ import annotations

from datetime import date

import pytest

from handlers.regions import named_outside
from sigap_core.i18n import Translator, format_day, format_money
from sigap_core.wilayah import load_wilayah

W = load_wilayah()


def test_twelve_kecamatan_and_fifty_six_kelurahan() -> None:
    assert len(W.kecamatan) == 12
    assert len(W.kelurahan) == 56


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Jatibening Baru", "Jatibening Baru"),
        ("jati bening baru", "Jatibening Baru"),
        ("kel. jatibening", "Jatibening"),
        ("Kelurahan Jatibenin", "Jatibening"),
        ("Bojong Rawalumbu", "Bojong Rawalumbu"),
        ("ciketing udik", "Ciketingudik"),
        ("marga jaya", "Margajaya"),
    ],
)
def test_kelurahan_names_are_matched_forgivingly(typed: str, name: str) -> None:
    found = W.find_kelurahan(typed)
    assert found is not None and found.name == name


@pytest.mark.parametrize(("typed", "name"), [("pondok gede", "Pondokgede"), ("Medan Satria", "Medansatria")])
def test_kecamatan_names_are_matched_forgivingly(typed: str, name: str) -> None:
    found = W.find_kecamatan(typed)
    assert found is not None and found.name == name


def test_kelurahan_is_found_inside_a_sentence() -> None:
    found = W.find_in_text("kelurahan sy jatibening mas")
    assert found is not None and found.name == "Jatibening"


def test_a_kelurahan_beats_the_kecamatan_it_is_named_after() -> None:
    # Jatiasih is both a kecamatan and one of its kelurahan: named after "kecamatan", it is the kecamatan
    found = W.find_in_text("kelurahannya di kecamatan jatiasih, yg jatirasa")
    assert found is not None and found.name == "Jatirasa"
    alone = W.find_in_text("sy di jatiasih")
    assert alone is not None and alone.name == "Jatiasih"


def test_kecamatan_is_found_inside_a_sentence() -> None:
    found = W.find_kecamatan_in_text("gatau kelurahannya, pokoknya di bekasi timur")
    assert found is not None and found.name == "Bekasi Timur"
    assert W.find_kecamatan_in_text("sy tinggal di bekasi") is None


def test_every_kelurahan_named_in_a_sentence() -> None:
    assert [k.name for k in W.all_named_in_text("margahayu atau bekasijaya ya")] == ["Margahayu", "Bekasijaya"]
    assert [k.name for k in W.all_named_in_text("jatibening baru")] == ["Jatibening Baru"]
    assert len(W.all_named_in_text("kelurahan jatiasih kecamatan jatiasih")) == 1


@pytest.mark.parametrize(
    ("typed", "named"),
    [("sy di jakarta timur", "Kota Administrasi Jakarta Timur"), ("jaktim", "Kota Administrasi Jakarta Timur"),
     ("kab bekasi", "Kabupaten Bekasi"), ("tinggal di depok", "Kota Depok"), ("bogor", "Bogor"),
     ("bekasi", None), ("kota bekasi", None), ("margahayu", None)],
)  # fmt: skip
def test_a_place_outside_the_city_is_named(typed: str, named: str | None) -> None:
    assert named_outside(typed) == named


def test_nonsense_matches_nothing() -> None:
    assert W.find_kelurahan("xyz") is None
    assert W.find_kelurahan("pizza hut") is None


def test_codes_dotted_or_plain() -> None:
    assert W.get("3275011001") is W.get("32.75.01.1001") is not None


def test_money_and_dates_in_indonesian() -> None:
    assert format_money(201_600) == "Rp201.600"
    assert format_money(16_800, "en") == "Rp16,800"
    assert format_day(date(2025, 11, 5)) == "5 November 2025"
    assert Translator("en").date(date(2025, 11, 5)) == "5 November 2025"


def test_a_place_named_exactly_in_a_sentence() -> None:
    kecamatan = W.named_in_text("kalo sy di pondok gede?")
    assert kecamatan is not None and kecamatan.name == "Pondokgede"
    kelurahan = W.named_in_text("klo jati bening baru gmn")
    assert kelurahan is not None and kelurahan.name == "Jatibening Baru"
    assert W.named_in_text("sy tinggal di tambun selatan") is None  # Kabupaten Bekasi: never a loose match
    assert W.named_in_text("cibitung masuk kota bekasi?") is None
