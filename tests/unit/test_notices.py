"""Which lifecycle notice is due for a person (pure)."""

from __future__ import annotations

from datetime import date

from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import Decision, Facts, RegistryPerson, decide
from sigap_core.notices import due_events
from sigap_core.policy import load_policy
from sigap_core.wilayah import load_wilayah

POLICY = load_policy()
WILAYAH = load_wilayah()
TODAY = date(2026, 11, 21)
PERSON = RegistryPerson("Bu** Sa*****", "32.75.01.1001", 2, "Pengemudi Ojek Online")


def enrolled(end: date, start: date = date(2026, 1, 1)) -> Decision:
    return decide(
        Facts(PERSON, [Participation("****1", Skema.SIGAP, ("JKK", "JKM"), start, end, True)]), POLICY, WILAYAH, TODAY
    )


def test_selected_once() -> None:
    decision = decide(Facts(PERSON, selection="selected"), POLICY, WILAYAH, TODAY)
    assert due_events(decision, [], TODAY) == [("selected", "")]
    assert due_events(decision, [("selected", "")], TODAY) == []


def test_enrolled_once_then_renewed_when_the_coverage_is_extended() -> None:
    first = enrolled(date(2027, 6, 30))
    assert due_events(first, [], TODAY) == [("enrolled", "2027-06-30")]
    assert due_events(first, [("enrolled", "2027-06-30")], TODAY) == []
    extended = enrolled(date(2028, 6, 30))
    assert due_events(extended, [("enrolled", "2027-06-30")], TODAY) == [("renewed", "2028-06-30")]
    assert due_events(extended, [("enrolled", "2027-06-30"), ("renewed", "2028-06-30")], TODAY) == []


def test_ending_within_30_days_once_per_period() -> None:
    ending = enrolled(date(2026, 12, 21))
    assert due_events(ending, [("enrolled", "2026-12-21")], TODAY) == [("ending", "2026-12-21")]
    assert due_events(ending, [("enrolled", "2026-12-21"), ("ending", "2026-12-21")], TODAY) == []
    assert due_events(enrolled(date(2026, 12, 22)), [("enrolled", "2026-12-22")], TODAY) == []


def test_nothing_for_eligible_or_not_yet_started_coverage() -> None:
    assert due_events(decide(Facts(PERSON), POLICY, WILAYAH, TODAY), [], TODAY) == []
    assert due_events(enrolled(date(2027, 12, 31), start=date(2026, 12, 1)), [], TODAY) == []
