"""Who qualifies for SIGAP: registry person + participation records + policy → a decision. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sigap_core.coverage import Coverage, Participation, Skema, best_participation, coverage_on, is_current
from sigap_core.policy import Policy
from sigap_core.wilayah import KOTA_BEKASI_PREFIX, Wilayah, plain_code


class Status(StrEnum):
    NOT_FOUND = "not_found"
    KK_MISMATCH = "kk_mismatch"
    NOT_RESIDENT = "not_resident"
    DESIL_ABOVE_LIMIT = "desil_above_limit"
    NOT_INFORMAL_WORKER = "not_informal_worker"
    ALREADY_COVERED = "already_covered"
    ELIGIBLE_PRIORITY = "eligible_priority"
    ELIGIBLE = "eligible"
    SELECTED = "selected"  # picked in a selection round, not enrolled yet
    WAITING_LIST = "waiting_list"  # eligible, not picked in the latest round: the quota was full
    ENROLLED = "enrolled"


class Reason(StrEnum):
    NOT_IN_REGISTRY = "not_in_registry"
    KK_DIGITS_MISMATCH = "kk_digits_mismatch"
    DOMICILE_OUTSIDE_KOTA_BEKASI = "domicile_outside_kota_bekasi"
    DESIL_ABOVE_LIMIT = "desil_above_limit"
    OCCUPATION_NOT_INFORMAL = "occupation_not_informal"
    COVERED_BY_OTHER_SCHEME = "covered_by_other_scheme"
    DESIL_PRIORITY = "desil_priority"
    DESIL_WITHIN_LIMIT = "desil_within_limit"
    OCCUPATION_INFORMAL = "occupation_informal"
    RESIDENT_KOTA_BEKASI = "resident_kota_bekasi"
    SIGAP_PARTICIPANT = "sigap_participant"
    SIGAP_COVERAGE_ENDED = "sigap_coverage_ended"
    SELECTED_IN_ROUND = "selected_in_round"
    QUOTA_FULL = "quota_full"


class NextStep(StrEnum):
    UPDATE_DTSEN = "update_dtsen"  # kelurahan / Cek Bansos
    REGISTER_IN_DTSEN = "register_in_dtsen"
    FIX_POPULATION_DATA = "fix_population_data"  # Dukcapil: KTP/KK address
    UPDATE_OCCUPATION = "update_occupation"
    WAIT_FOR_CITY_SELECTION = "wait_for_city_selection"
    SEE_COVERAGE = "see_coverage"
    KEEP_OTHER_COVERAGE = "keep_other_coverage"
    ACCIDENT_REPORT = "accident_report"
    WAIT_FOR_ENROLMENT = "wait_for_enrolment"  # the city sends the enrolment to BPJS Ketenagakerjaan
    KEEP_DATA_CURRENT = "keep_data_current"


@dataclass(frozen=True, slots=True)
class RegistryPerson:
    name_masked: str
    kode_kelurahan: str  # dotted
    desil: int
    pekerjaan: str


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: tuple[Reason, ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    person: RegistryPerson | None = None
    coverage: Coverage | None = None

    @property
    def is_eligible(self) -> bool:
        """Eligible and not enrolled yet (selected and waiting-list people included)."""
        return self.status in (Status.ELIGIBLE, Status.ELIGIBLE_PRIORITY, Status.SELECTED, Status.WAITING_LIST)

    @property
    def needs_data_update(self) -> bool:
        """In the registry, but left out by what it says (desil, occupation, residence): the data-update
        guide is the way in. The "needs a data update" broadcast audience is exactly these people."""
        return self.status in (Status.DESIL_ABOVE_LIMIT, Status.NOT_INFORMAL_WORKER, Status.NOT_RESIDENT)


@dataclass(frozen=True)
class Facts:
    """What the store knows about one NIK, gathered before deciding."""

    person: RegistryPerson | None
    participations: list[Participation] = field(default_factory=list)
    kk_matches: bool | None = None  # None: not asked
    # The person's place in the selection rounds: "selected" (picked in some round), "waiting_list" (not
    # picked in the latest round), None (in no round yet). It only refines an eligible outcome.
    selection: str | None = None


def is_resident(kode_kelurahan: str, wilayah: Wilayah) -> bool:
    """Residence comes from the registry's kelurahan — never from the NIK's area code."""
    return plain_code(kode_kelurahan).startswith(KOTA_BEKASI_PREFIX) and wilayah.get(kode_kelurahan) is not None


def decide(facts: Facts, policy: Policy, wilayah: Wilayah, today: date) -> Decision:
    sigap = best_participation(facts.participations, Skema.SIGAP, today)
    other = best_participation(facts.participations, Skema.LAINNYA, today)
    person = facts.person

    if person is None and not (sigap and is_current(sigap, today) and facts.kk_matches is None):
        return Decision(Status.NOT_FOUND, (Reason.NOT_IN_REGISTRY,), (NextStep.REGISTER_IN_DTSEN,))
    if facts.kk_matches is False:
        # Deliberately empty: a wrong KK must not reveal anything about the NIK.
        return Decision(Status.KK_MISMATCH, (Reason.KK_DIGITS_MISMATCH,), ())

    if sigap is not None and is_current(sigap, today):
        return Decision(
            Status.ENROLLED,
            (Reason.SIGAP_PARTICIPANT,),
            (NextStep.SEE_COVERAGE, NextStep.ACCIDENT_REPORT),
            person,
            coverage_on(sigap, today),
        )
    assert person is not None
    ended = (Reason.SIGAP_COVERAGE_ENDED,) if sigap is not None else ()
    past_coverage = coverage_on(sigap, today) if sigap is not None else None

    def outcome(status: Status, reasons: tuple[Reason, ...], steps: tuple[NextStep, ...]) -> Decision:
        return Decision(status, reasons + ended, steps, person, past_coverage)

    if not is_resident(person.kode_kelurahan, wilayah):
        return outcome(Status.NOT_RESIDENT, (Reason.DOMICILE_OUTSIDE_KOTA_BEKASI,), (NextStep.FIX_POPULATION_DATA,))
    if other is not None and is_current(other, today):
        return Decision(
            Status.ALREADY_COVERED,
            (Reason.COVERED_BY_OTHER_SCHEME,),
            (NextStep.KEEP_OTHER_COVERAGE,),
            person,
            coverage_on(other, today),
        )
    if person.desil > policy.eligible_desil_max:
        return outcome(Status.DESIL_ABOVE_LIMIT, (Reason.DESIL_ABOVE_LIMIT,), (NextStep.UPDATE_DTSEN,))
    if not policy.is_informal(person.pekerjaan):
        return outcome(Status.NOT_INFORMAL_WORKER, (Reason.OCCUPATION_NOT_INFORMAL,), (NextStep.UPDATE_OCCUPATION,))
    base = (Reason.RESIDENT_KOTA_BEKASI, Reason.OCCUPATION_INFORMAL)
    tier = Reason.DESIL_PRIORITY if person.desil <= policy.priority_desil_max else Reason.DESIL_WITHIN_LIMIT
    if facts.selection == "selected":
        return outcome(Status.SELECTED, (Reason.SELECTED_IN_ROUND, tier, *base), (NextStep.WAIT_FOR_ENROLMENT,))
    if facts.selection == "waiting_list":
        return outcome(Status.WAITING_LIST, (Reason.QUOTA_FULL, tier, *base), (NextStep.KEEP_DATA_CURRENT,))
    if person.desil <= policy.priority_desil_max:
        return outcome(Status.ELIGIBLE_PRIORITY, (Reason.DESIL_PRIORITY, *base), (NextStep.WAIT_FOR_CITY_SELECTION,))
    return outcome(Status.ELIGIBLE, (Reason.DESIL_WITHIN_LIMIT, *base), (NextStep.WAIT_FOR_CITY_SELECTION,))
