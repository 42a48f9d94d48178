"""`sigap selection run|list|show`: plan a round over the current registry, record it, summarise it.

The plan is read in one read transaction (no write lock while a million registry rows stream by); the
round is written in a second one that first checks no other round was recorded in between, so two
operators running at once can never hand out the same places twice.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sigap_core.eligibility import Facts, RegistryPerson, Status, decide
from sigap_core.selection import Candidate, Outcome, Plan, plan_round, policy_record
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.repositories import Store, UnitOfWork
from sigap_core.store.selection import EntryRow

KEY_CHECK_PURPOSE = "selection-key-check"


class SelectionError(Exception):
    """An operator-caused problem; the message says what to do."""


def key_check(domain: Domain) -> bytes:
    """Identifies SIGAP_SECRET_KEY without revealing it (a keyed digest of a fixed text)."""
    return domain.hasher.token(KEY_CHECK_PURPOSE, "SIGAP")


@dataclass
class RoundPlan:
    plan: Plan
    registry_sha256: str
    registry_rows: int
    latest_round_id: int | None
    released: int = 0  # selected earlier, no longer eligible: their place went back
    unchanged: bool = False  # nothing would change: no new place, the same waiting list


@dataclass
class RoundResult:
    plan: RoundPlan
    round: models.SelectionRound | None = None  # None for --dry-run and for an unchanged rerun


async def plan_selection(uow: UnitOfWork, domain: Domain, today: date, quota: int | None = None) -> RoundPlan:
    """Who would get the remaining places now (nothing is written)."""
    policy = domain.policy
    quota = policy.quota if quota is None else quota
    if quota < 0:
        raise SelectionError("the quota cannot be negative")
    registry_sha256, registry_rows = await uow.selection.registry_snapshot()
    if not registry_rows:
        raise SelectionError("no DTSEN registry imported yet: run `sigap import dtsen FILE` first")
    selected_ever = await uow.selection.selected_ever()
    enrolled_now = await uow.selection.current_digests("SIGAP", today)
    # Enrolled people and people insured another way are never candidates (`decide` says enrolled,
    # already covered or not resident for them); the others are decided once per (kelurahan, desil,
    # pekerjaan): a few thousand decisions for a million rows.
    excluded = enrolled_now | await uow.selection.current_digests("LAINNYA", today)
    eligible_groups: dict[tuple[str, int, str], bool] = {}
    codes: dict[str, str] = {}  # one string object per kelurahan code
    candidates: list[Candidate] = []
    kept = 0
    async for rows in uow.selection.registry_rows(policy.eligible_desil_max):
        for nik_hmac, kode, desil, pekerjaan in rows:
            if nik_hmac in excluded:
                continue
            key = (kode, desil, pekerjaan)
            eligible = eligible_groups.get(key)
            if eligible is None:
                status = decide(Facts(RegistryPerson("", kode, desil, pekerjaan)), policy, domain.wilayah, today).status
                eligible = eligible_groups[key] = status in (Status.ELIGIBLE_PRIORITY, Status.ELIGIBLE)
            if not eligible:
                continue
            if nik_hmac in selected_ever:
                kept += 1
                continue
            candidates.append(Candidate(nik_hmac, desil, codes.setdefault(kode, kode)))
    plan = plan_round(candidates, policy, quota=quota, enrolled=len(enrolled_now), kept=kept)
    latest = await uow.selection.latest_round()
    result = RoundPlan(
        plan,
        registry_sha256,
        registry_rows,
        latest.id if latest else None,
        released=len(selected_ever) - kept - len(selected_ever & enrolled_now),
    )
    if latest is not None and not plan.selected:
        result.unchanged = latest.waiting_fingerprint == waiting_fingerprint(plan)
    return result


def waiting_fingerprint(plan: Plan) -> bytes:
    """Who is on a waiting list, in one digest (order-independent): a rerun compares it, not 100k rows."""
    return hashlib.sha256(b"".join(sorted(p.candidate.nik_hmac for p in plan.waiting))).digest()


async def run_selection(
    store: Store,
    domain: Domain,
    today: date,
    now: datetime,
    run_by: str,
    *,
    note: str = "",
    quota: int | None = None,
    dry_run: bool = False,
) -> RoundResult:
    async with store.uow() as uow:
        # A read transaction: on SQLite it takes no write lock while the registry streams by.
        await uow.session.connection(execution_options={"sigap_read_only": True})
        planned = await plan_selection(uow, domain, today, quota)
    if dry_run or planned.unchanged:
        return RoundResult(planned)
    plan = planned.plan
    async with store.uow() as uow:
        connection = await uow.session.connection()
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("LOCK TABLE selection_round IN EXCLUSIVE MODE")
        latest = await uow.selection.latest_round()
        if (latest.id if latest else None) != planned.latest_round_id:
            raise SelectionError("another selection round was recorded meanwhile: run `sigap selection run` again")
        selected = plan.selected
        recorded = await uow.selection.add_round(
            models.SelectionRound(
                created_at=now,
                run_by=run_by[:96],
                note=note,
                policy=policy_record(domain.policy, plan.quota),
                quota=plan.quota,
                enrolled=plan.enrolled,
                kept=plan.kept,
                selected=len(selected),
                waiting=len(plan.placements) - len(selected),
                registry_sha256=planned.registry_sha256,
                registry_rows=planned.registry_rows,
                key_check=key_check(domain),
                waiting_fingerprint=waiting_fingerprint(plan),
            )
        )
        names = await uow.selection.names([p.candidate.nik_hmac for p in selected])
        # Plain tuples with plain strings: the driver binds exact `str`/`int`/`bytes` without an adapter
        # look-up (an enum member would take it, 130k times).
        chosen, waiting_list = Outcome.SELECTED.value, Outcome.WAITING_LIST.value
        entries: list[EntryRow] = []
        append = entries.append
        for p in plan.placements:
            c = p.candidate
            if p.outcome is Outcome.SELECTED:
                append(
                    (
                        recorded.id,
                        c.nik_hmac,
                        p.tier,
                        c.desil,
                        c.kode_kelurahan,
                        p.rank,
                        chosen,
                        names.get(c.nik_hmac, ""),
                    )
                )
            else:
                append((recorded.id, c.nik_hmac, p.tier, c.desil, c.kode_kelurahan, p.rank, waiting_list, ""))
        await uow.selection.add_entries(entries)
        await uow.audit.add(run_by[:96], "selection_run", None, f"round {recorded.id}: {len(selected)} selected")
    return RoundResult(planned, recorded)


@dataclass
class RoundSummary:
    round: models.SelectionRound
    selected: int
    enrolled_now: int  # of the people this round selected, how many are enrolled today
    waiting: int
    by_tier: Counter[tuple[str, int]] = field(default_factory=Counter)
    by_kecamatan: Counter[tuple[str, str]] = field(default_factory=Counter)

    def as_json(self) -> dict[str, object]:
        item = self.round
        return {
            "id": item.id,
            "created_at": item.created_at.isoformat(),
            "run_by": item.run_by,
            "note": item.note,
            "policy": item.policy,
            "quota": item.quota,
            "held_before": {"enrolled": item.enrolled, "selected_earlier": item.kept},
            "selected": self.selected,
            "enrolled_now": self.enrolled_now,
            "waiting_list": self.waiting,
            "remaining_after": max(item.quota - item.enrolled - item.kept - self.selected, 0),
            "by_tier": {
                f"tier_{tier}": {
                    "selected": self.by_tier[("selected", tier)],
                    "waiting_list": self.by_tier[("waiting_list", tier)],
                }
                for tier in (1, 2)
            },
            "by_kecamatan": {
                name: {
                    "selected": self.by_kecamatan[("selected", name)],
                    "waiting_list": self.by_kecamatan[("waiting_list", name)],
                }
                for name in sorted({name for _, name in self.by_kecamatan})
            },
        }


async def round_summary(uow: UnitOfWork, domain: Domain, round_id: int, today: date) -> RoundSummary:
    item = await uow.selection.get_round(round_id)
    if item is None:
        raise SelectionError(f"no selection round #{round_id} (see `sigap selection list`)")
    summary = RoundSummary(item, 0, 0, 0)
    for outcome, tier, kode, count in await uow.selection.entry_counts(round_id):
        place = domain.wilayah.get(kode)
        summary.by_tier[(outcome, tier)] += count
        summary.by_kecamatan[(outcome, place.kecamatan.name if place else kode)] += count
        if outcome == "selected":
            summary.selected += count
        else:
            summary.waiting += count
    selected = [digest for digest, *_ in await uow.selection.selected_of(round_id)]
    summary.enrolled_now = len(await uow.selection.enrolled_among(selected, today))
    return summary
