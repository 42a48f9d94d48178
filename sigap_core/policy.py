"""Program policy: the numbers and lists the city may change without a release (TOML)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

from sigap_core.working_hours import CalendarError, WorkingHours


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class KelurahanContact:
    address: str = ""
    hours: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Contacts:
    bpjs_office_name: str = ""
    bpjs_office_address: str = ""
    bpjs_office_hours: str = ""
    bpjs_office_phone: str = ""
    program_office_name: str = ""
    program_office_address: str = ""
    program_office_phone: str = ""
    helpline_whatsapp: str = ""
    kelurahan_office_hours: str = ""


@dataclass(frozen=True)
class Verification:
    method: str = "kk4_or_phone"
    failed_attempts_per_user: int = 5
    lockout_minutes: int = 30
    failed_attempts_global_per_hour: int = 300
    checks_per_user_per_day: int = 5
    verified_link_days: int = 30
    failed_attempts_per_nik: int = 10
    nik_lockout_hours: int = 24
    failed_attempts_per_user_under_load: int = 1

    @property
    def accepts_kk4(self) -> bool:
        return self.method in ("kk4", "kk4_or_phone")

    @property
    def accepts_phone(self) -> bool:
        return self.method in ("phone", "kk4_or_phone")


# What the enrolment file's columns can hold (see `[enrolment_file]` in policy.toml).
ENROLMENT_FIELDS = (
    "nik", "no_kk", "nama", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kode_kelurahan",
    "kelurahan", "kecamatan", "no_hp", "pekerjaan", "desil", "tanggal_mulai", "tanggal_akhir", "program",
)  # fmt: skip
SELECTION_ORDER_KEYS = ("desil", "lottery")


@dataclass(frozen=True)
class Selection:
    """How places are given out within a tier, and the enrolment file's layout."""

    # Within a tier (desil 1..priority first, then the rest): keys applied in turn. "desil": lower desil
    # first; "lottery": a stable order from SHA-256(seed + the person's keyed NIK digest), which nobody
    # without SIGAP_SECRET_KEY can compute or steer.
    order: tuple[str, ...] = ("desil", "lottery")
    seed: str = "SIGAP"
    # Coverage written into the enrolment file: from `coverage_start` (ISO date), or when empty from the
    # first day of the month after the round, for `coverage_months` months.
    coverage_start: str = ""
    coverage_months: int = 12
    program: str = "JKK+JKM"
    date_format: str = "%d-%m-%Y"
    # (header, field) pairs, in order; field is one of ENROLMENT_FIELDS.
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImportLimits:
    """Guards on registry imports (policy `[imports]`)."""

    max_drop_share: float = 0.20
    xlsx_max_uncompressed_mib: int = 1024
    xlsx_max_shared_strings_mib: int = 128
    xlsx_max_cell_kib: int = 256
    xlsx_max_rows: int = 1_048_576


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Tickets:
    """Questions to kelurahan staff (policy `[tickets]`). The brief states no official response time: the
    defaults are a proposal for the city to confirm."""

    first_response_working_days: float = 2
    office_hours: WorkingHours = field(default_factory=WorkingHours)
    # Texts (question, answers, notes) of a closed ticket are deleted this many days after it closed; the
    # anonymous figures stay for the report.
    text_days: int = 90
    # An answered ticket the citizen has not written to for this many days closes by itself (0: never), with
    # the same one rating question a staff close sends; so its texts reach retention.
    close_answered_after_days: int = 14

    @property
    def escalation_working_days(self) -> float:
        return 2 * self.first_response_working_days


def _clock(value: object, key: str) -> time:
    try:
        hours, minutes = str(value).replace(".", ":").split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise PolicyError(f'tickets.{key}: a time like "08:00"') from error


def _tickets(section: dict[str, Any]) -> Tickets:
    names = [str(day).lower()[:3] for day in section.get("working_days", WEEKDAY_NAMES[:5])]
    if any(name not in WEEKDAY_NAMES for name in names):
        raise PolicyError("tickets.working_days: names from " + ", ".join(WEEKDAY_NAMES))
    try:
        hours = WorkingHours(
            opens=_clock(section.get("office_opens", "08:00"), "office_opens"),
            closes=_clock(section.get("office_closes", "16:00"), "office_closes"),
            weekdays=tuple(sorted({WEEKDAY_NAMES.index(name) for name in names})),
            holidays=frozenset(date.fromisoformat(str(day)) for day in section.get("holidays", ())),
        )
    except CalendarError as error:
        raise PolicyError(f"tickets: {error}") from error
    tickets = Tickets(
        first_response_working_days=float(section.get("first_response_working_days", 2)),
        office_hours=hours,
        text_days=int(section.get("text_days", 90)),
        close_answered_after_days=int(section.get("close_answered_after_days", 14)),
    )
    if tickets.first_response_working_days <= 0 or tickets.text_days < 1:
        raise PolicyError("tickets: first_response_working_days and text_days must be positive")
    if tickets.close_answered_after_days < 0:
        raise PolicyError("tickets: close_answered_after_days must be 0 (never) or more")
    return tickets


@dataclass(frozen=True)
class Policy:
    program_name: str
    program_year: int
    eligible_desil_max: int
    priority_desil_max: int
    quota: int
    jkk_monthly: int
    jkm_monthly: int
    informal_keywords: tuple[str, ...]
    formal_keywords: tuple[str, ...]
    verification: Verification = field(default_factory=Verification)
    dialog_minutes: int = 30
    contacts: Contacts = field(default_factory=Contacts)
    kelurahan_contacts: dict[str, KelurahanContact] = field(default_factory=dict)
    selection: Selection = field(default_factory=Selection)
    imports: ImportLimits = field(default_factory=ImportLimits)
    tickets: Tickets = field(default_factory=Tickets)

    @property
    def monthly_contribution(self) -> int:
        return self.jkk_monthly + self.jkm_monthly

    @property
    def yearly_contribution(self) -> int:
        return self.monthly_contribution * 12

    def is_informal(self, pekerjaan: str) -> bool:
        text = " ".join(pekerjaan.lower().split())
        if any(word in text for word in self.formal_keywords):
            return False
        return any(word in text for word in self.informal_keywords)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _default_toml() -> dict[str, Any]:
    text = resources.files("sigap_core").joinpath("data/policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _selection(section: dict[str, Any], layout: dict[str, Any]) -> Selection:
    order = tuple(str(key) for key in section.get("order", Selection.order))
    if not order or any(key not in SELECTION_ORDER_KEYS for key in order):
        raise PolicyError("selection.order: keys from " + ", ".join(SELECTION_ORDER_KEYS))
    columns = tuple((str(column["header"]), str(column["field"])) for column in layout.get("columns", ()))
    unknown = [name for _, name in columns if name not in ENROLMENT_FIELDS]
    if unknown or not columns:
        raise PolicyError("enrolment_file.columns: fields from " + ", ".join(ENROLMENT_FIELDS))
    start = str(section.get("coverage_start", ""))
    if start:
        date.fromisoformat(start)  # ValueError: reported as an invalid policy
    return Selection(
        order=order,
        seed=str(section.get("seed", Selection.seed)),
        coverage_start=start,
        coverage_months=int(section.get("coverage_months", Selection.coverage_months)),
        program=str(layout.get("program", Selection.program)),
        date_format=str(layout.get("date_format", Selection.date_format)),
        columns=columns,
    )


def load_policy(path: Path | None = None) -> Policy:
    data = _default_toml()
    if path is not None:
        try:
            data = _merge(data, tomllib.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise PolicyError(f"cannot read policy file {path}: {error}") from error
    try:
        eligibility = data["eligibility"]
        verification = Verification(**data.get("verification", {}))
        policy = Policy(
            program_name=str(data["program_name"]),
            program_year=int(data["program_year"]),
            eligible_desil_max=int(eligibility["eligible_desil_max"]),
            priority_desil_max=int(eligibility["priority_desil_max"]),
            quota=int(eligibility["quota"]),
            jkk_monthly=int(data["contribution"]["jkk_monthly"]),
            jkm_monthly=int(data["contribution"]["jkm_monthly"]),
            informal_keywords=tuple(w.lower() for w in data["occupations"]["informal"]),
            formal_keywords=tuple(w.lower() for w in data["occupations"]["formal"]),
            verification=verification,
            dialog_minutes=int(data.get("retention", {}).get("dialog_minutes", 30)),
            contacts=Contacts(**data.get("contacts", {})),
            kelurahan_contacts={code: KelurahanContact(**values) for code, values in data.get("kelurahan", {}).items()},
            selection=_selection(data.get("selection", {}), data.get("enrolment_file", {})),
            imports=ImportLimits(**data.get("imports", {})),
            tickets=_tickets(data.get("tickets", {})),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PolicyError(f"invalid policy: {error}") from error
    if not 1 <= policy.priority_desil_max <= policy.eligible_desil_max <= 10:
        raise PolicyError("policy needs 1 <= priority_desil_max <= eligible_desil_max <= 10")
    if not 0 <= policy.imports.max_drop_share <= 1:
        raise PolicyError("imports.max_drop_share must be between 0 and 1")
    if verification.method not in ("kk4", "phone", "kk4_or_phone"):
        raise PolicyError("verification.method must be kk4, phone or kk4_or_phone")
    return policy
