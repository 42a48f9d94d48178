from __future__ import annotations

from datetime import date

import pytest

from sigap_core.coverage import CoverageState, Participation, Skema, coverage_on
from sigap_core.eligibility import Facts, NextStep, RegistryPerson, Status, decide
from sigap_core.policy import load_policy
from sigap_core.wilayah import load_wilayah

TODAY = date(2026, 11, 21)
POLICY = load_policy()
WILAYAH = load_wilayah()
BEKASI = "32.75.01.1001"


def person(desil: int = 2, pekerjaan: str = "Pengemudi Ojek Online", kode: str = BEKASI) -> RegistryPerson:
    return RegistryPerson("Bu** Sa*****", kode, desil, pekerjaan)


def sigap(start: date = date(2026, 1, 1), end: date = date(2026, 12, 31), active: bool = True) -> Participation:
    return Participation("****1234", Skema.SIGAP, ("JKK", "JKM"), start, end, active)


def other(end: date = date(2026, 12, 31)) -> Participation:
    return Participation("****9876", Skema.LAINNYA, ("JKK", "JKM", "JHT"), date(2025, 1, 1), end, True)


CASES = [
    ("unknown NIK", Facts(None), Status.NOT_FOUND),
    ("wrong KK digits", Facts(person(), kk_matches=False), Status.KK_MISMATCH),
    ("lives in Kab. Bekasi", Facts(person(kode="32.16.06.2001")), Status.NOT_RESIDENT),
    ("desil 6", Facts(person(desil=6)), Status.DESIL_ABOVE_LIMIT),
    ("office worker", Facts(person(pekerjaan="Karyawan Swasta")), Status.NOT_INFORMAL_WORKER),
    ("no occupation", Facts(person(pekerjaan="")), Status.NOT_INFORMAL_WORKER),
    ("insured elsewhere", Facts(person(), [other()]), Status.ALREADY_COVERED),
    ("desil 3 ojol", Facts(person(desil=3)), Status.ELIGIBLE_PRIORITY),
    ("desil 1 with right KK", Facts(person(desil=1), kk_matches=True), Status.ELIGIBLE_PRIORITY),
    ("desil 4 day labourer", Facts(person(desil=4, pekerjaan="Buruh Harian Lepas")), Status.ELIGIBLE),
    ("desil 5 street vendor", Facts(person(desil=5, pekerjaan="PEDAGANG KAKI LIMA")), Status.ELIGIBLE),
    ("SIGAP participant", Facts(person(), [sigap()]), Status.ENROLLED),
    ("SIGAP starting next month", Facts(person(), [sigap(start=date(2026, 12, 1))]), Status.ENROLLED),
    (
        "SIGAP ended, still eligible",
        Facts(person(), [sigap(end=date(2025, 12, 31))]),
        Status.ELIGIBLE_PRIORITY,
    ),
    ("SIGAP NONAKTIF", Facts(person(), [sigap(active=False)]), Status.ELIGIBLE_PRIORITY),
    ("other insurance ended", Facts(person(), [other(end=date(2026, 1, 31))]), Status.ELIGIBLE_PRIORITY),
    ("enrolled wins over desil 7", Facts(person(desil=7), [sigap()]), Status.ENROLLED),
    ("selected in a round", Facts(person(), selection="selected"), Status.SELECTED),
    (
        "waiting list",
        Facts(person(desil=4, pekerjaan="Buruh Harian Lepas"), selection="waiting_list"),
        Status.WAITING_LIST,
    ),
    ("enrolled wins over selected", Facts(person(), [sigap()], selection="selected"), Status.ENROLLED),
    (
        "other cover wins over waiting list",
        Facts(person(), [other()], selection="waiting_list"),
        Status.ALREADY_COVERED,
    ),
]


@pytest.mark.parametrize(("label", "facts", "expected"), CASES, ids=[c[0] for c in CASES])
def test_eligibility_table(label: str, facts: Facts, expected: Status) -> None:
    assert decide(facts, POLICY, WILAYAH, TODAY).status is expected


def test_every_status_is_covered_by_the_table() -> None:
    assert {c[2] for c in CASES} == set(Status)


def test_wrong_kk_reveals_nothing_about_the_person() -> None:
    decision = decide(Facts(person(desil=9), [sigap()], kk_matches=False), POLICY, WILAYAH, TODAY)
    assert decision.person is None and decision.coverage is None and decision.next_steps == ()


def test_nik_area_code_never_decides_residence() -> None:
    # A Jakarta-issued NIK living in Bekasi is resident; residence is the registry's kelurahan only.
    decision = decide(Facts(person(kode=BEKASI)), POLICY, WILAYAH, TODAY)
    assert decision.status is Status.ELIGIBLE_PRIORITY


def test_unknown_kota_bekasi_code_is_not_resident() -> None:
    assert decide(Facts(person(kode="32.75.01.1999")), POLICY, WILAYAH, TODAY).status is Status.NOT_RESIDENT


def test_next_steps_point_people_left_out_to_the_update_guide() -> None:
    decision = decide(Facts(person(desil=8)), POLICY, WILAYAH, TODAY)
    assert NextStep.UPDATE_DTSEN in decision.next_steps and decision.needs_data_update
    assert NextStep.WAIT_FOR_CITY_SELECTION in decide(Facts(person()), POLICY, WILAYAH, TODAY).next_steps


def test_coverage_states_and_months_left() -> None:
    active = coverage_on(sigap(), TODAY)
    assert active.state is CoverageState.ACTIVE and active.months_left == 1 and not active.under_three_months
    assert coverage_on(sigap(start=date(2026, 12, 1)), TODAY).state is CoverageState.NOT_YET
    assert coverage_on(sigap(end=date(2026, 10, 31)), TODAY).state is CoverageState.ENDED
    assert coverage_on(sigap(active=False), TODAY).state is CoverageState.INACTIVE
    assert coverage_on(sigap(start=date(2026, 10, 1)), TODAY).under_three_months


def test_policy_contribution_matches_the_brief() -> None:
    assert POLICY.monthly_contribution == 16_800
    assert POLICY.yearly_contribution == 201_600
