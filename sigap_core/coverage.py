"""Coverage of a BPJS Ketenagakerjaan participation on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Skema(StrEnum):
    SIGAP = "SIGAP"  # paid by Pemkot Bekasi
    LAINNYA = "LAINNYA"  # insured some other way


class CoverageState(StrEnum):
    ACTIVE = "active"
    NOT_YET = "not_yet"
    ENDED = "ended"
    INACTIVE = "inactive"  # registry says NONAKTIF


# Peraturan BPJS Ketenagakerjaan 5/2021: a BPU death within 3 months of joining pays only Rp10 juta.
SHORT_MEMBERSHIP_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Participation:
    kpj_masked: str
    skema: Skema
    programs: tuple[str, ...]
    start: date
    end: date
    active_flag: bool


@dataclass(frozen=True, slots=True)
class Coverage:
    state: CoverageState
    skema: Skema
    programs: tuple[str, ...]
    start: date
    end: date
    kpj_masked: str
    months_left: int
    under_three_months: bool

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "skema": self.skema.value,
            "programs": list(self.programs),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kpj": self.kpj_masked,
            "months_left": self.months_left,
            "under_three_months": self.under_three_months,
        }


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (0 when end is before start)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def coverage_on(participation: Participation, today: date) -> Coverage:
    if not participation.active_flag:
        state = CoverageState.INACTIVE
    elif today < participation.start:
        state = CoverageState.NOT_YET
    elif today > participation.end:
        state = CoverageState.ENDED
    else:
        state = CoverageState.ACTIVE
    months_left = months_between(today, participation.end) if state is CoverageState.ACTIVE else 0
    if state is CoverageState.NOT_YET:
        months_left = months_between(participation.start, participation.end)
    under_three = state in (CoverageState.ACTIVE, CoverageState.NOT_YET) and (
        months_between(participation.start, today) < SHORT_MEMBERSHIP_MONTHS
    )
    return Coverage(
        state=state,
        skema=participation.skema,
        programs=participation.programs,
        start=participation.start,
        end=participation.end,
        kpj_masked=participation.kpj_masked,
        months_left=months_left,
        under_three_months=under_three,
    )


def is_current(participation: Participation, today: date) -> bool:
    """Covered now or about to be (an AKTIF record that has not ended)."""
    return participation.active_flag and today <= participation.end


def best_participation(participations: list[Participation], skema: Skema, today: date) -> Participation | None:
    """The record that matters for a skema: current first, then the latest to end."""
    mine = [p for p in participations if p.skema is skema]
    if not mine:
        return None
    return max(mine, key=lambda p: (is_current(p, today), p.end, p.start))


def mask_kpj(kpj: str) -> str:
    if len(kpj) <= 4:
        return "*" * len(kpj)
    return "*" * (len(kpj) - 4) + kpj[-4:]
