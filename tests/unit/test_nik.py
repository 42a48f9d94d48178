from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigap_core.nik import PROVINCE_CODES, NikError, find_nik, longest_digit_run, mask_nik, parse_nik


@st.composite
def valid_niks(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency = draw(st.integers(1, 99))
    kecamatan = draw(st.integers(1, 99))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2025, 12, 31)))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if female else 0)
    return f"{province}{regency:02d}{kecamatan:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def oracle(nik: str) -> str | None:
    """An independent statement of the rules, in the order users are told about them."""
    if nik[:2] not in PROVINCE_CODES:
        return "unknown_province"
    if nik[2:4] == "00":
        return "zero_regency"
    if nik[4:6] == "00":
        return "zero_kecamatan"
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    if day < 1 or day > 31:
        return "bad_day"
    if month < 1 or month > 12:
        return "bad_month"
    if not any(day <= calendar.monthrange(century + yy, month)[1] for century in (1900, 2000)):
        return "impossible_date"
    if nik[12:] == "0000":
        return "zero_serial"
    return None


@given(valid_niks())
def test_every_valid_generated_nik_parses(nik: str) -> None:
    assert parse_nik(nik).value == nik


@given(valid_niks(), st.sampled_from([" ", ".", "-"]))
def test_nik_typed_with_separators_parses(nik: str, separator: str) -> None:
    typed = separator.join([nik[:4], nik[4:8], nik[8:12], nik[12:]])
    assert parse_nik(f"  {typed} ").value == nik


@settings(max_examples=300)
@given(valid_niks(), st.integers(0, 15), st.integers(0, 9))
def test_single_digit_corruption_names_the_broken_rule(nik: str, position: int, digit: int) -> None:
    corrupted = nik[:position] + str(digit) + nik[position + 1 :]
    expected = oracle(corrupted)
    if expected is None:
        assert parse_nik(corrupted).value == corrupted
    else:
        with pytest.raises(NikError) as caught:
            parse_nik(corrupted)
        assert caught.value.code == expected


@given(valid_niks(), st.integers(1, 15))
def test_dropped_digits_report_the_length(nik: str, keep: int) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(nik[:keep])
    assert caught.value.code == "wrong_length"
    assert caught.value.params["length"] == keep


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("abc", "not_digits"),
        ("32750141O1900001", "not_digits"),  # letter O
        ("327501410190001", "wrong_length"),
        ("99750141019000001", "wrong_length"),
        ("9975014101900001", "unknown_province"),
        ("3200014101900001", "zero_regency"),
        ("3275004101900001", "zero_kecamatan"),
        ("3275013201900001", "bad_day"),
        ("3275017201900001", "bad_day"),  # woman born on the 32nd
        ("3275011013900001", "bad_month"),
        ("3275013102900001", "impossible_date"),  # 31 February
        ("3275012902010001", "impossible_date"),  # 29 Feb in 1901 and 2001
        ("3275014101900000", "zero_serial"),
    ],
)
def test_each_rule_has_its_own_reason(typed: str, code: str) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(typed)
    assert caught.value.code == code


def test_leap_day_is_valid_when_one_century_allows_it() -> None:
    assert parse_nik("3275012902000001").value == "3275012902000001"  # 2000 is leap, 1900 not


def test_woman_has_forty_added_to_the_day() -> None:
    nik = parse_nik("3275015101900001")
    assert nik.is_female


def test_masking_keeps_region_and_last_four_only() -> None:
    assert mask_nik("3275014101900001") == "3275********0001"
    assert "0141019" not in repr(parse_nik("3275014101900001"))
    assert "0141019" not in str(parse_nik("3275014101900001"))


def test_nik_is_found_anywhere_in_a_message() -> None:
    assert find_nik("cek nik sy 3275 0141 0190 0001 ya") == "3275014101900001"
    assert find_nik("nik:3275-0141-0190-0001.") == "3275014101900001"
    assert find_nik("no hp 081234567890") is None
    assert longest_digit_run("nik sy 327501410190001") == "327501410190001"


def test_hasher_is_standard_hmac_sha256() -> None:
    import hashlib
    import hmac
    import pickle

    from sigap_core.crypto import Hasher

    for key in (b"k" * 16, b"a-longer-key-" * 10):
        hasher = Hasher(key)
        expected = hmac.new(key, b"nik:3275014101900001", hashlib.sha256).digest()
        assert hasher.nik("3275014101900001") == expected
        assert pickle.loads(pickle.dumps(hasher)).nik("3275014101900001") == expected
        assert hasher.kk4(hasher.nik("3275014101900001"), "0123") != hasher.kk4(hasher.nik("3275014101900002"), "0123")
