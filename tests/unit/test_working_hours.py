"""Ticket timers count office time only: weekends, evenings and holidays from policy do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from sigap_core.policy import PolicyError, load_policy
from sigap_core.services import Domain
from sigap_core.tickets import answer_due, escalation_due, expected_answer
from sigap_core.working_hours import WIB, CalendarError, WorkingHours

HOURS = WorkingHours()  # 08.00-16.00 WIB, Monday-Friday


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: Monday 7, Friday 11, Saturday 12, Monday 14, Friday 25 (Christmas)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def test_inside_office_hours_the_clock_runs_to_the_next_days() -> None:
    assert HOURS.deadline(wib(7, 9), 2) == wib(9, 9).astimezone(UTC)
    assert HOURS.add(wib(7, 9), timedelta(hours=7)) == wib(7, 16).astimezone(UTC)
    assert HOURS.add(wib(7, 9), timedelta(hours=7, minutes=1)) == wib(8, 8, 1).astimezone(UTC)


def test_a_weekend_does_not_count() -> None:
    # Friday 15.00: one hour on Friday, eight on Monday, seven on Tuesday.
    assert HOURS.deadline(wib(11, 15), 2) == wib(15, 15).astimezone(UTC)
    # Saturday: the clock starts on Monday at 08.00.
    assert HOURS.deadline(wib(12, 10), 2) == wib(15, 16).astimezone(UTC)
    assert HOURS.between(wib(11, 15), wib(14, 9)) == timedelta(hours=2)


def test_after_hours_and_before_opening() -> None:
    assert HOURS.deadline(wib(7, 20), 1) == wib(8, 16).astimezone(UTC)
    assert HOURS.deadline(wib(7, 6), 1) == wib(7, 16).astimezone(UTC)
    assert HOURS.between(wib(7, 17), wib(8, 7)) == timedelta(0)
    assert HOURS.between(wib(7, 15), wib(8, 9, 30)) == timedelta(hours=2, minutes=30)
    assert HOURS.between(wib(8, 9), wib(7, 9)) == timedelta(0)


def test_holidays_from_policy_do_not_count(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(
        '[tickets]\nholidays = ["2026-12-24", "2026-12-25"]\nfirst_response_working_days = 1\n'
        'office_opens = "07.30"\noffice_closes = "15:30"\n',
        encoding="utf-8",
    )
    policy = load_policy(policy_file)
    hours = policy.tickets.office_hours
    assert hours.holidays == frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    assert (hours.opens, hours.closes) == (time(7, 30), time(15, 30))
    # Wednesday 23 December 14.30: one hour that day, Thursday and Friday are holidays, seven on Monday 28.
    assert hours.deadline(wib(23, 14, 30), 1) == wib(28, 14, 30).astimezone(UTC)
    assert hours.between(wib(23, 15), wib(28, 8, 30)) == timedelta(hours=1, minutes=30)
    domain = Domain(None, policy, None)  # type: ignore[arg-type]
    assert answer_due(domain, wib(23, 14, 30)) == wib(28, 14, 30).astimezone(UTC)
    assert escalation_due(domain, wib(23, 14, 30)) == wib(29, 14, 30).astimezone(UTC)
    assert expected_answer(domain, wib(23, 9), "id") == "paling lambat 1 hari kerja (Senin–Jumat, 07.30–15.30 WIB)"


def test_the_default_policy_promises_two_working_days_in_office_hours() -> None:
    domain = Domain(None, load_policy(), None)  # type: ignore[arg-type]
    assert expected_answer(domain, wib(7, 9), "id") == "paling lambat 2 hari kerja (Senin–Jumat, 08.00–16.00 WIB)"
    assert expected_answer(domain, wib(7, 9), "en") == (
        "within 2 working days at the latest (Monday–Friday, 08.00–16.00 WIB)"
    )
    assert escalation_due(domain, wib(7, 9)) == wib(11, 9).astimezone(UTC)


def test_odd_working_weeks_and_bad_calendars(tmp_path: Path) -> None:
    saturday_too = WorkingHours(weekdays=(0, 1, 2, 3, 4, 5))
    assert saturday_too.deadline(wib(11, 15), 1) == wib(12, 15).astimezone(UTC)
    with pytest.raises(CalendarError):
        WorkingHours(opens=time(16), closes=time(8))
    with pytest.raises(CalendarError):
        WorkingHours(weekdays=())
    with pytest.raises(CalendarError):
        HOURS.add(datetime(2026, 12, 7, 9), timedelta(hours=1))  # naive
    for bad in ('working_days = ["funday"]', 'office_opens = "late"', "first_response_working_days = 0"):
        policy_file = tmp_path / "bad.toml"
        policy_file.write_text(f"[tickets]\n{bad}\n", encoding="utf-8")
        with pytest.raises(PolicyError):
            load_policy(policy_file)
