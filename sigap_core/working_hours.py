"""Working-hours arithmetic for ticket timers (SLA): office hours on working days, in WIB, minus holidays.

Pure: no database, no clock. A deadline of "2 working days" is 2 × the length of the office day counted in
office time only, so a question sent on Friday at 15.00 with 08.00–16.00 hours is due on Tuesday at 15.00,
and one sent on Saturday is due on Tuesday at 16.00 (the clock starts on Monday at 08.00).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
# A calendar that has no working day at all would loop for ever: searches stop after this many days.
MAX_SEARCH_DAYS = 3660


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class WorkingHours:
    """Office hours `opens`–`closes` (local time in `zone`) on `weekdays` (Monday = 0), except `holidays`."""

    opens: time = time(8, 0)
    closes: time = time(16, 0)
    weekdays: tuple[int, ...] = MONDAY_TO_FRIDAY
    holidays: frozenset[date] = field(default_factory=frozenset)
    zone: timezone = WIB

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise CalendarError("office hours must open before they close")
        if not self.weekdays or any(day not in range(7) for day in self.weekdays):
            raise CalendarError("working days are weekday numbers 0 (Monday) to 6 (Sunday), at least one")

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def _days_from(self, day: date) -> Iterator[date]:
        return (day + timedelta(days=n) for n in range(MAX_SEARCH_DAYS))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of office time after `start` (aware), in UTC."""
        if start.tzinfo is None:
            raise CalendarError("an aware datetime is needed")
        local = start.astimezone(self.zone)
        left = duration
        for day in self._days_from(local.date()):
            if not self.is_working_day(day):
                continue
            opens, closes = self._window(day)
            begin = max(opens, local)
            if begin >= closes:
                continue
            if left <= closes - begin:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        raise CalendarError("no working day within ten years")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Office time from `start` to `end` (zero when `end` is not later)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise CalendarError("aware datetimes are needed")
        if end <= start:
            return timedelta(0)
        local_start, local_end = start.astimezone(self.zone), end.astimezone(self.zone)
        total = timedelta(0)
        day = local_start.date()
        while day <= local_end.date():
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin, finish = max(opens, local_start), min(closes, local_end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, working_days: float) -> datetime:
        """`working_days` full office days after `start`."""
        return self.add(start, self.day_length * working_days)
