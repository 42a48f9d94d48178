"""The program report's quota part: places used and remaining by tier, kecamatan and kelurahan, budget,
selected vs enrolled, the waiting list — and `sigap report --xlsx`, a workbook a city office can forward.

Counts come from the same pure `decide` as a single check (registry rows grouped in SQL, one decision per
group, with the selection mark), so the report cannot disagree with what a citizen is told.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from sigap_core.coverage import Participation, Skema
from sigap_core.eligibility import Facts, RegistryPerson, Status, decide
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store import models
from sigap_core.store.repositories import UnitOfWork
from sigap_core.xlsx import save_workbook_atomically

if TYPE_CHECKING:
    from sigap_core.services import ProgramReport
    from sigap_core.ticket_report import TicketReport

TIERS = ("1", "2", "other")


@dataclass
class Places:
    enrolled: int = 0
    selected: int = 0  # selected, not enrolled yet, still eligible
    waiting: int = 0

    @property
    def held(self) -> int:
        return self.enrolled + self.selected

    def as_json(self) -> dict[str, int]:
        return {"held": self.held, "enrolled": self.enrolled, "selected": self.selected, "waiting_list": self.waiting}


@dataclass
class SelectionReport:
    quota: int
    yearly_contribution: int
    enrolled_total: int  # every current SIGAP participant, in the registry or not
    rounds: int
    selected_ever: int
    selected_then_enrolled: int
    total: Places = field(default_factory=Places)
    by_tier: dict[str, Places] = field(default_factory=lambda: defaultdict(Places))
    by_kecamatan: dict[str, Places] = field(default_factory=lambda: defaultdict(Places))
    by_kelurahan: dict[str, Places] = field(default_factory=lambda: defaultdict(Places))

    @property
    def enrolled_outside_registry(self) -> int:
        return max(self.enrolled_total - self.total.enrolled, 0)

    @property
    def held(self) -> int:
        return self.enrolled_total + self.total.selected

    @property
    def remaining(self) -> int:
        return max(self.quota - self.held, 0)

    @property
    def budget_used(self) -> int:
        """Contributions for the people enrolled now, for a year."""
        return self.enrolled_total * self.yearly_contribution

    @property
    def budget_committed(self) -> int:
        """Enrolled plus selected (their enrolment is under way)."""
        return self.held * self.yearly_contribution

    def as_json(self) -> dict[str, object]:
        return {
            "quota": self.quota,
            "held": self.held,
            "remaining": self.remaining,
            "enrolled": self.enrolled_total,
            "enrolled_outside_registry": self.enrolled_outside_registry,
            "selected_not_enrolled": self.total.selected,
            "waiting_list": self.total.waiting,
            "rounds": self.rounds,
            "selected_ever": self.selected_ever,
            "selected_then_enrolled": self.selected_then_enrolled,
            "yearly_contribution": self.yearly_contribution,
            "budget_used": self.budget_used,
            "budget_committed": self.budget_committed,
            "by_tier": {tier: self.by_tier[tier].as_json() for tier in TIERS},
            "by_kecamatan": {name: places.as_json() for name, places in sorted(self.by_kecamatan.items())},
            "by_kelurahan": {code: places.as_json() for code, places in sorted(self.by_kelurahan.items())},
        }


async def selection_report(uow: UnitOfWork, domain: Domain, today: date) -> SelectionReport:
    """Driven from the few who hold or wait for a place (participants, round entries), not from a scan
    of the whole registry: each group is decided with its selection mark, and only the status the group
    is about (enrolled / selected / waiting) is counted, so nobody is counted twice."""
    person, part, entry = models.RegistryPerson, models.Participation, models.SelectionEntry
    policy = domain.policy

    def current(skema: str) -> Any:
        return exists().where(
            and_(
                part.nik_hmac == person.nik_hmac,
                part.skema == skema,
                part.aktif.is_(True),
                part.tanggal_akhir >= today,
            )
        )

    sigap_now, other_now = current("SIGAP").label("sigap"), current("LAINNYA").label("other")
    group = (person.kode_kelurahan, person.desil, person.pekerjaan, sigap_now, other_now)
    enrolled_people = (
        select(part.nik_hmac)
        .where(part.skema == "SIGAP", part.aktif.is_(True), part.tanggal_akhir >= today)
        .distinct()
        .subquery()
    )
    latest = select(func.max(models.SelectionRound.id)).scalar_subquery()
    queries = (
        (
            Status.ENROLLED,
            None,
            select(*group, func.count()).join(enrolled_people, enrolled_people.c.nik_hmac == person.nik_hmac),
        ),
        (
            Status.SELECTED,
            "selected",
            select(*group, func.count())
            .join(entry, entry.nik_hmac == person.nik_hmac)
            .where(entry.outcome == "selected"),
        ),
        (
            Status.WAITING_LIST,
            "waiting_list",
            select(*group, func.count())
            .join(entry, entry.nik_hmac == person.nik_hmac)
            .where(entry.outcome == "waiting_list", entry.round_id == latest),
        ),
    )
    selected_ever = await uow.selection.selected_ever()
    report = SelectionReport(
        quota=policy.quota,
        yearly_contribution=policy.yearly_contribution,
        enrolled_total=await uow.selection.enrolled_count(today),
        rounds=len(await uow.selection.rounds(limit=1_000_000)),
        selected_ever=len(selected_ever),
        selected_then_enrolled=len(await uow.selection.enrolled_among(sorted(selected_ever), today)),
    )
    far_future = date(9999, 12, 31)
    for wanted, selection, query in queries:
        for row in (await uow.session.execute(query.group_by(*group))).all():
            kode, desil, pekerjaan, sigap, other = str(row[0]), int(row[1]), str(row[2]), bool(row[3]), bool(row[4])
            count = int(row[5])
            participations = []
            if sigap:
                participations.append(Participation("", Skema.SIGAP, (), today, far_future, True))
            if other:
                participations.append(Participation("", Skema.LAINNYA, (), today, far_future, True))
            facts = Facts(RegistryPerson("", kode, desil, pekerjaan), participations, selection=selection)
            if decide(facts, policy, domain.wilayah, today).status is not wanted:
                continue  # e.g. selected and enrolled since: counted once, as enrolled
            place = domain.wilayah.get(kode)
            tier = "other" if desil > policy.eligible_desil_max else "1" if desil <= policy.priority_desil_max else "2"
            targets = (
                report.total,
                report.by_tier[tier],
                report.by_kecamatan[place.kecamatan.name if place else "-"],
                report.by_kelurahan[kode],
            )
            for target in targets:
                if wanted is Status.ENROLLED:
                    target.enrolled += count
                elif wanted is Status.SELECTED:
                    target.selected += count
                else:
                    target.waiting += count
    return report


def _percent(_: Translator, part: int, whole: int) -> str:
    value = part / whole * 100 if whole else 0.0
    return f"{value:.1f}".replace(".", "," if _.lang == "id" else ".")


def selection_text(report: SelectionReport, _: Translator) -> str:
    lines = [
        _("Kuota {quota} orang: terisi {held} ({percent}%), sisa {remaining}.").format(
            quota=_.number(report.quota),
            held=_.number(report.held),
            percent=_percent(_, report.held, report.quota),
            remaining=_.number(report.remaining),
        ),
        _("Terdaftar {enrolled}, terpilih belum terdaftar {selected}, daftar tunggu {waiting}.").format(
            enrolled=_.number(report.enrolled_total),
            selected=_.number(report.total.selected),
            waiting=_.number(report.total.waiting),
        ),
        _("Dari {selected} orang yang pernah terpilih, {enrolled} sudah terdaftar ({rounds} putaran seleksi).").format(
            selected=_.number(report.selected_ever),
            enrolled=_.number(report.selected_then_enrolled),
            rounds=_.number(report.rounds),
        ),
        _("Anggaran terpakai {used}; dengan yang terpilih {committed} ({per_year} per orang per tahun).").format(
            used=_.money(report.budget_used),
            committed=_.money(report.budget_committed),
            per_year=_.money(report.yearly_contribution),
        ),
    ]
    tier_names = tier_labels(_)
    for tier in TIERS:
        places = report.by_tier[tier]
        lines.append(
            "  "
            + _("{tier}: terdaftar {enrolled}, terpilih {selected}, daftar tunggu {waiting}").format(
                tier=tier_names[tier],
                enrolled=_.number(places.enrolled),
                selected=_.number(places.selected),
                waiting=_.number(places.waiting),
            )
        )
    if report.enrolled_outside_registry:
        lines.append(
            "  "
            + _("{n} peserta tidak ada di data DTSEN yang diimpor.").format(
                n=_.number(report.enrolled_outside_registry)
            )
        )
    return "\n".join(lines)


def tier_labels(_: Translator) -> dict[str, str]:
    return {"1": _("Prioritas (desil 1–3)"), "2": _("Desil 4–5"), "other": _("Lainnya")}


def write_report_xlsx(
    program: ProgramReport,
    report: SelectionReport,
    domain: Domain,
    _: Translator,
    out: Path,
    now: datetime,
    *,
    tickets: TicketReport | None = None,
) -> None:
    """Three sheets: the summary, kecamatan, kelurahan (and tickets, when given). Written atomically."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet: Any, names: list[str]) -> None:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    summary = workbook.create_sheet(_("Ringkasan"))
    summary.column_dimensions["A"].width = 44
    summary.column_dimensions["B"].width = 18
    header(summary, [_("Keterangan"), _("Nilai")])
    rows: list[tuple[str, int]] = [
        (_("Kuota (orang)"), report.quota),
        (_("Terisi: terdaftar + terpilih"), report.held),
        (_("Sisa kuota"), report.remaining),
        (_("Terdaftar (peserta SIGAP aktif)"), report.enrolled_total),
        (_("Terpilih, belum terdaftar"), report.total.selected),
        (_("Daftar tunggu"), report.total.waiting),
        (_("Pernah terpilih"), report.selected_ever),
        (_("Pernah terpilih, sudah terdaftar"), report.selected_then_enrolled),
        (_("Putaran seleksi"), report.rounds),
        (_("Iuran per orang per tahun (Rp)"), report.yearly_contribution),
        (_("Anggaran terpakai (Rp)"), report.budget_used),
        (_("Anggaran dengan yang terpilih (Rp)"), report.budget_committed),
        (_("Anggaran kuota penuh (Rp)"), report.quota * report.yearly_contribution),
    ]
    for tier, name in tier_labels(_).items():
        places = report.by_tier[tier]
        rows.append((_("{tier}: terdaftar").format(tier=name), places.enrolled))
        rows.append((_("{tier}: terpilih").format(tier=name), places.selected))
        rows.append((_("{tier}: daftar tunggu").format(tier=name), places.waiting))
    for label, value in rows:
        summary.append([label, value])

    places_columns = [_("Terdaftar"), _("Terpilih"), _("Daftar tunggu"), _("Terisi"), _("Anggaran terpakai (Rp)")]
    kecamatan = workbook.create_sheet(_("Kecamatan"))
    kecamatan.column_dimensions["A"].width = 24
    header(kecamatan, [_("Kecamatan"), _("Terdata"), _("Prioritas"), _("Layak"), *places_columns])
    for row in [*program.rows, program.outside]:
        if row is program.outside and row.in_registry == 0:
            continue
        name = _("(di luar Kota Bekasi)") if row is program.outside else row.name
        places = report.by_kecamatan.get(name if row is not program.outside else "-", Places())
        kecamatan.append(
            [
                name,
                row.in_registry,
                row.eligible_priority,
                row.eligible,
                places.enrolled,
                places.selected,
                places.waiting,
                places.held,
                places.enrolled * report.yearly_contribution,
            ]
        )

    kelurahan = workbook.create_sheet(_("Kelurahan"))
    kelurahan.column_dimensions["B"].width = 22
    kelurahan.column_dimensions["C"].width = 22
    header(kelurahan, [_("Kode"), _("Kelurahan"), _("Kecamatan"), *places_columns])
    for place in domain.wilayah.kelurahan:
        places = report.by_kelurahan.get(place.code, Places())
        kelurahan.append(
            [
                place.code,
                place.name,
                place.kecamatan.name,
                places.enrolled,
                places.selected,
                places.waiting,
                places.held,
                places.enrolled * report.yearly_contribution,
            ]
        )
    if tickets is not None:
        from sigap_core.ticket_report import add_ticket_sheet

        add_ticket_sheet(workbook, header, tickets, _)
    save_workbook_atomically(workbook, out, now)
