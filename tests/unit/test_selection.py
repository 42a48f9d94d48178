"""The selection order and the quota arithmetic (pure)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import date

import pytest

from sigap_core.eligibility import Facts, NextStep, RegistryPerson, Status, decide
from sigap_core.policy import PolicyError, load_policy
from sigap_core.selection import Candidate, Outcome, coverage_period, plan_round
from sigap_core.wilayah import load_wilayah

POLICY = load_policy()
KODE = "32.75.01.1001"


def digest(n: int) -> bytes:
    return hashlib.sha256(f"person-{n}".encode()).digest()


def people(desils: list[int]) -> list[Candidate]:
    return [Candidate(digest(i), desil, KODE) for i, desil in enumerate(desils)]


def selected_ids(plan_candidates: list[Candidate], **kwargs: int) -> list[bytes]:
    plan = plan_round(plan_candidates, POLICY, **kwargs)
    return [p.candidate.nik_hmac for p in plan.selected]


def test_priority_tier_fills_before_desil_4_and_5_and_lower_desil_first() -> None:
    candidates = people([5, 4, 3, 1, 2, 5, 1, 3])
    plan = plan_round(candidates, POLICY, quota=5, enrolled=0, kept=0)
    assert [p.candidate.desil for p in plan.placements] == [1, 1, 2, 3, 3, 4, 5, 5]
    assert [p.tier for p in plan.placements] == [1, 1, 1, 1, 1, 2, 2, 2]
    assert [p.rank for p in plan.placements] == list(range(1, 9))
    assert [p.outcome for p in plan.placements] == [Outcome.SELECTED] * 5 + [Outcome.WAITING_LIST] * 3


def test_order_does_not_depend_on_file_order() -> None:
    candidates = people([1, 2, 3, 4, 5] * 40)
    shuffled = list(candidates)
    random.Random(3).shuffle(shuffled)
    first = plan_round(candidates, POLICY, quota=50, enrolled=0, kept=0)
    second = plan_round(shuffled, POLICY, quota=50, enrolled=0, kept=0)
    assert [p.candidate for p in first.placements] == [p.candidate for p in second.placements]


def test_lottery_orders_within_a_desil_by_the_seed() -> None:
    candidates = people([2] * 200)
    default = selected_ids(candidates, quota=20, enrolled=0, kept=0)
    other_seed = replace(POLICY, selection=replace(POLICY.selection, seed="another seed"))
    reseeded = [p.candidate.nik_hmac for p in plan_round(candidates, other_seed, quota=20, enrolled=0, kept=0).selected]
    assert set(default) != set(reseeded)
    # The lottery is not the digest order (which would favour whoever's digest sorts low).
    assert default != sorted(c.nik_hmac for c in candidates)[:20]


def test_lottery_only_policy_ignores_desil_within_a_tier() -> None:
    lottery = replace(POLICY, selection=replace(POLICY.selection, order=("lottery",)))
    plan = plan_round(people([1, 2, 3] * 30), lottery, quota=90, enrolled=0, kept=0)
    tier_one = [p.candidate.desil for p in plan.placements]
    assert sorted(tier_one) != tier_one  # desil mixed within the tier


@pytest.mark.parametrize(
    ("quota", "enrolled", "kept", "expected"),
    [
        (10, 0, 0, 6),  # more places than candidates: everyone
        (6, 0, 0, 6),  # exactly enough
        (5, 0, 0, 5),
        (5, 3, 1, 1),  # enrolled and earlier selections hold their places
        (4, 3, 1, 0),  # full
        (2, 3, 1, 0),  # quota lowered below what is held: nobody, never negative
        (0, 0, 0, 0),
    ],
)
def test_quota_edges(quota: int, enrolled: int, kept: int, expected: int) -> None:
    plan = plan_round(people([1, 2, 3, 4, 5, 5]), POLICY, quota=quota, enrolled=enrolled, kept=kept)
    assert len(plan.selected) == expected
    assert len(plan.waiting) == 6 - expected
    assert plan.remaining_before == max(quota - enrolled - kept, 0)
    assert plan.remaining_after >= 0


def test_coverage_period_starts_the_month_after_the_round_for_a_year() -> None:
    assert coverage_period(POLICY, date(2026, 11, 21)) == (date(2026, 12, 1), date(2027, 11, 30))
    assert coverage_period(POLICY, date(2026, 12, 31)) == (date(2027, 1, 1), date(2027, 12, 31))
    fixed = replace(POLICY, selection=replace(POLICY.selection, coverage_start="2026-01-15", coverage_months=6))
    assert coverage_period(fixed, date(2026, 11, 21)) == (date(2026, 1, 15), date(2026, 7, 14))


def test_policy_rejects_an_unknown_order_key(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "policy.toml"
    path.write_text('[selection]\norder = ["desil", "age"]\n')
    with pytest.raises(PolicyError, match=r"selection\.order"):
        load_policy(path)


WILAYAH = load_wilayah()
TODAY = date(2026, 11, 21)


def status_of(desil: int, selection: str | None, pekerjaan: str = "Pengemudi Ojek Online") -> Status:
    facts = Facts(RegistryPerson("Bu** Sa*****", KODE, desil, pekerjaan), selection=selection)
    return decide(facts, POLICY, WILAYAH, TODAY).status


def test_selected_and_waiting_list_refine_only_an_eligible_outcome() -> None:
    assert status_of(2, "selected") is Status.SELECTED
    assert status_of(5, "waiting_list") is Status.WAITING_LIST
    assert status_of(2, None) is Status.ELIGIBLE_PRIORITY
    # No longer eligible: the normal answer, whatever a round said.
    assert status_of(7, "selected") is Status.DESIL_ABOVE_LIMIT
    assert status_of(2, "waiting_list", pekerjaan="Karyawan Swasta") is Status.NOT_INFORMAL_WORKER


def test_selected_decision_says_enrolment_is_in_progress() -> None:
    decision = decide(Facts(RegistryPerson("x", KODE, 2, "Ojol"), selection="selected"), POLICY, WILAYAH, TODAY)
    assert NextStep.WAIT_FOR_ENROLMENT in decision.next_steps
    assert decision.is_eligible
