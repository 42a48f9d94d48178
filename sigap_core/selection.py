"""Selection within the quota: who gets the places that remain, in policy order. Pure.

Places are held by people who are enrolled (a current SIGAP record) and by people selected in an earlier
round who are still eligible and not enrolled yet; `quota - held` places remain. Every other eligible
person is a candidate. Candidates are ordered by tier (desil 1..priority_desil_max, then the rest of the
eligible desil), then within the tier by the policy's keys: "desil" (lower first) and "lottery", a
stable order from SHA-256(seed + the person's NIK digest). The digest is keyed with SIGAP_SECRET_KEY, so
nobody without the key can compute a position, and nobody can move it by how or when their data was
entered (file order, registry line numbers and import dates play no part). The first `remaining`
candidates are selected; the others go on the waiting list, in rank order.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sigap_core.policy import Policy


class Outcome(StrEnum):
    SELECTED = "selected"
    WAITING_LIST = "waiting_list"


@dataclass(frozen=True, slots=True)
class Candidate:
    nik_hmac: bytes
    desil: int
    kode_kelurahan: str


@dataclass(frozen=True, slots=True)
class Placement:
    candidate: Candidate
    tier: int
    rank: int  # 1-based over all candidates of the round
    outcome: Outcome


@dataclass(frozen=True)
class Plan:
    """What a round decides (or, for --dry-run, would decide)."""

    quota: int
    enrolled: int  # places held by current SIGAP participants
    kept: int  # places held by people selected earlier, still eligible, not enrolled yet
    placements: list[Placement] = field(default_factory=list)

    @property
    def held(self) -> int:
        return self.enrolled + self.kept

    @property
    def remaining_before(self) -> int:
        return max(self.quota - self.held, 0)

    @property
    def selected(self) -> list[Placement]:
        return [p for p in self.placements if p.outcome is Outcome.SELECTED]

    @property
    def waiting(self) -> list[Placement]:
        return [p for p in self.placements if p.outcome is Outcome.WAITING_LIST]

    @property
    def remaining_after(self) -> int:
        return self.remaining_before - len(self.selected)


def tier_of(desil: int, policy: Policy) -> int:
    """1: priority desil (1..priority_desil_max); 2: the rest of the eligible desil."""
    return 1 if desil <= policy.priority_desil_max else 2


def lottery_position(seed: str, nik_hmac: bytes) -> bytes:
    return hashlib.sha256(seed.encode() + b":" + nik_hmac).digest()


def order_key(candidate: Candidate, policy: Policy) -> tuple[int | bytes, ...]:
    """The sort key of a candidate: tier, then the policy's keys in turn, then the digest (a total order
    even if two lottery positions were ever equal)."""
    parts: list[int | bytes] = [tier_of(candidate.desil, policy)]
    for key in policy.selection.order:
        parts.append(candidate.desil if key == "desil" else lottery_position(policy.selection.seed, candidate.nik_hmac))
    parts.append(candidate.nik_hmac)
    return tuple(parts)


def plan_round(candidates: Iterable[Candidate], policy: Policy, *, quota: int, enrolled: int, kept: int) -> Plan:
    """Rank the candidates and give the remaining places to the first ones."""
    ordered = sorted(candidates, key=lambda c: order_key(c, policy))
    plan = Plan(quota=quota, enrolled=enrolled, kept=kept)
    free = plan.remaining_before
    plan.placements.extend(
        Placement(c, tier_of(c.desil, policy), rank, Outcome.SELECTED if rank <= free else Outcome.WAITING_LIST)
        for rank, c in enumerate(ordered, start=1)
    )
    return plan


def coverage_period(policy: Policy, round_day: date) -> tuple[date, date]:
    """Start and end of the coverage written into the enrolment file (see `[selection]` in the policy)."""
    if policy.selection.coverage_start:
        start = date.fromisoformat(policy.selection.coverage_start)
    else:
        start = add_months(round_day.replace(day=1), 1)
    return start, add_months(start, policy.selection.coverage_months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def policy_record(policy: Policy, quota: int) -> dict[str, object]:
    """What a round records of the policy it used, so the order can be reproduced and explained."""
    return {
        "quota": quota,
        "eligible_desil_max": policy.eligible_desil_max,
        "priority_desil_max": policy.priority_desil_max,
        "tiers": [
            f"desil 1-{policy.priority_desil_max}",
            f"desil {policy.priority_desil_max + 1}-{policy.eligible_desil_max}",
        ],
        "order": ["tier", *policy.selection.order],
        "seed": policy.selection.seed,
    }
