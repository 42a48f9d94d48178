"""Use cases shared by the CLI and the conversations: look-up, eligibility check, the program report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sigap_core.coverage import Participation, Skema
from sigap_core.crypto import Hasher, same_digest
from sigap_core.eligibility import Decision, Facts, RegistryPerson, Status, decide
from sigap_core.nik import Nik
from sigap_core.policy import Policy
from sigap_core.store.repositories import UnitOfWork
from sigap_core.wilayah import Wilayah


@dataclass(frozen=True)
class Domain:
    """The pure parts every use case needs."""

    hasher: Hasher
    policy: Policy
    wilayah: Wilayah
    public_url: str = ""  # SIGAP_PUBLIC_URL: where the dashboard's one-time links point


async def gather_facts(
    uow: UnitOfWork, domain: Domain, nik_hmac: bytes, kk4: str | None = None, phone_hmac: bytes | None = None
) -> Facts:
    """Registry person and participations for one NIK digest; with `kk4` or `phone_hmac`, whether the
    chat proved it holds the person's data (a phone match counts as verified)."""
    found, participations = await uow.registry.facts(nik_hmac)
    kk_matches: bool | None = None
    if kk4 is not None:
        expected = found[1] if found else None
        kk_matches = same_digest(expected, domain.hasher.kk4(nik_hmac, kk4))
    if phone_hmac is not None:
        kk_matches = same_digest(found[2] if found else None, phone_hmac)
    # The selection mark refines only an eligible outcome: looked up only for a desil that can be one.
    selection = (
        await uow.selection.mark(nik_hmac) if found and found[0].desil <= domain.policy.eligible_desil_max else None
    )
    return Facts(found[0] if found else None, participations, kk_matches, selection)


async def check(uow: UnitOfWork, domain: Domain, nik: Nik | bytes, today: date, kk4: str | None = None) -> Decision:
    nik_hmac = nik if isinstance(nik, bytes) else domain.hasher.nik(nik.value)
    facts = await gather_facts(uow, domain, nik_hmac, kk4)
    return decide(facts, domain.policy, domain.wilayah, today)


def decision_json(decision: Decision, wilayah: Wilayah) -> dict[str, object]:
    person = decision.person
    kelurahan = wilayah.get(person.kode_kelurahan) if person else None
    return {
        "status": decision.status.value,
        "reasons": [r.value for r in decision.reasons],
        "next_steps": [s.value for s in decision.next_steps],
        "kelurahan": (kelurahan.name if kelurahan else (person.kode_kelurahan if person else None)),
        "kecamatan": kelurahan.kecamatan.name if kelurahan else None,
        "desil": person.desil if person else None,
        "coverage": decision.coverage.as_json() if decision.coverage else None,
    }


@dataclass
class KecamatanReport:
    code: str
    name: str
    in_registry: int = 0
    eligible_priority: int = 0
    eligible: int = 0
    enrolled: int = 0
    counts: dict[Status, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class ProgramReport:
    rows: list[KecamatanReport]
    outside: KecamatanReport
    quota: int
    yearly_contribution: int

    @property
    def enrolled(self) -> int:
        return sum(r.enrolled for r in self.rows) + self.outside.enrolled

    @property
    def budget_used(self) -> int:
        return self.enrolled * self.yearly_contribution

    @property
    def budget_quota(self) -> int:
        return self.quota * self.yearly_contribution


async def program_report(uow: UnitOfWork, domain: Domain, today: date) -> ProgramReport:
    """Counts by kecamatan. Groups rows by (kelurahan, desil, pekerjaan, coverage) in SQL and runs the
    same pure `decide` on each group, so the report can never disagree with a single check."""
    by_kecamatan = {k.code: KecamatanReport(k.code, k.name) for k in domain.wilayah.kecamatan}
    outside = KecamatanReport("-", "(di luar Kota Bekasi)")
    far_future = date(9999, 12, 31)
    for kode, desil, pekerjaan, sigap, other, count in await uow.reports.registry_groups(today):
        participations = []
        if sigap:
            participations.append(Participation("", Skema.SIGAP, (), today, far_future, True))
        if other:
            participations.append(Participation("", Skema.LAINNYA, (), today, far_future, True))
        facts = Facts(RegistryPerson("", kode, desil, pekerjaan), participations)
        decision = decide(facts, domain.policy, domain.wilayah, today)
        kelurahan = domain.wilayah.get(kode)
        target = by_kecamatan[kelurahan.kecamatan.code] if kelurahan else outside
        target.in_registry += count
        target.counts[decision.status] += count
        if decision.status is Status.ELIGIBLE_PRIORITY:
            target.eligible_priority += count
        elif decision.status is Status.ELIGIBLE:
            target.eligible += count
        elif decision.status is Status.ENROLLED:
            target.enrolled += count
    return ProgramReport(list(by_kecamatan.values()), outside, domain.policy.quota, domain.policy.yearly_contribution)
