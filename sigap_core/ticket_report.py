"""The tickets part of the program report (`sigap report`, --json, --xlsx): per kelurahan, open tickets,
median first-response time, % answered within the SLA, the 👍 rate. Times are office time (working hours
from policy `[tickets]`), as the SLA is."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.repositories import UnitOfWork, aware
from sigap_core.tickets import kelurahan_name


@dataclass
class TicketStats:
    """One kelurahan's (or the city's) ticket figures. Times are office time (working hours)."""

    kode_kelurahan: str
    name: str
    total: int = 0
    open: int = 0  # not closed
    answered: int = 0  # with a first response
    within_sla: int = 0  # first response by the deadline
    first_response_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)
    sla_due: int = 0  # answered, or past the deadline: the tickets "% within SLA" is taken of
    up: int = 0
    down: int = 0

    @property
    def median_first_response_hours(self) -> float | None:
        return statistics.median(self.first_response_hours) if self.first_response_hours else None

    @property
    def median_resolution_hours(self) -> float | None:
        return statistics.median(self.resolution_hours) if self.resolution_hours else None

    @property
    def within_sla_percent(self) -> float | None:
        """Of the tickets whose deadline has passed or that were answered: answered in time."""
        return 100 * self.within_sla / self.sla_due if self.sla_due else None

    @property
    def up_percent(self) -> float | None:
        rated = self.up + self.down
        return 100 * self.up / rated if rated else None

    def as_json(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return round(value, 1) if value is not None else None

        return {
            "kode_kelurahan": self.kode_kelurahan,
            "name": self.name,
            "tickets": self.total,
            "open": self.open,
            "answered": self.answered,
            "median_first_response_working_hours": rounded(self.median_first_response_hours),
            "median_resolution_working_hours": rounded(self.median_resolution_hours),
            "within_sla_percent": rounded(self.within_sla_percent),
            "rated_up": self.up,
            "rated_down": self.down,
            "up_percent": rounded(self.up_percent),
        }


@dataclass
class TicketReport:
    rows: list[TicketStats]  # per kelurahan with tickets, by name
    total: TicketStats
    sla_working_days: float

    def as_json(self) -> dict[str, object]:
        return {
            "sla_working_days": self.sla_working_days,
            "total": self.total.as_json(),
            "kelurahan": [row.as_json() for row in self.rows],
        }


async def ticket_report(uow: UnitOfWork, domain: Domain, now: datetime) -> TicketReport:
    """Open tickets, median first-response time, % answered within the SLA and the 👍 rate, per kelurahan.

    A ticket counts towards "% within SLA" once it was answered or its deadline has passed (an open ticket
    still inside its deadline is neither in nor out of time yet)."""
    hours = domain.policy.tickets.office_hours
    per: dict[str, TicketStats] = {}
    total = TicketStats("", "Kota Bekasi")
    for figures in await uow.tickets.figures():
        row = per.get(figures.kode_kelurahan)
        if row is None:
            row = per[figures.kode_kelurahan] = TicketStats(
                figures.kode_kelurahan, kelurahan_name(figures.kode_kelurahan)
            )
        created = aware(figures.created_at) or now
        due = aware(figures.due_at) or now
        first = aware(figures.first_response_at)
        closed = aware(figures.closed_at)
        for stats in (row, total):
            stats.total += 1
            if figures.state != "closed":
                stats.open += 1
            if first is not None:
                stats.answered += 1
                stats.first_response_hours.append(hours.between(created, first).total_seconds() / 3600)
            if first is not None or due <= now:
                stats.sla_due += 1
                if first is not None and first <= due:
                    stats.within_sla += 1
            if closed is not None:
                stats.resolution_hours.append(hours.between(created, closed).total_seconds() / 3600)
            if figures.rating == "up":
                stats.up += 1
            elif figures.rating == "down":
                stats.down += 1
    rows = sorted(per.values(), key=lambda stats: (stats.name, stats.kode_kelurahan))
    return TicketReport(rows, total, domain.policy.tickets.first_response_working_days)


def _hours_text(value: float | None, _: Translator) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return (text.replace(".", ",") if _.lang == "id" else text) + " " + _("jam")


def _percent_text(value: float | None, _: Translator) -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}%"
    return text


def ticket_text(report: TicketReport, _: Translator) -> str:
    """The tickets table of `sigap report` (kelurahan with tickets only, then the city)."""
    labels = [_("Kelurahan"), _("Tiket"), _("Terbuka"), _("Respons (median)"), _("Tepat waktu"), "👍"]
    widths = (22, 7, 9, 18, 13, 6)

    def line(cells: list[str]) -> str:
        return cells[0].ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))

    def cells(stats: TicketStats, name: str) -> list[str]:
        return [
            name,
            _.number(stats.total),
            _.number(stats.open),
            _hours_text(stats.median_first_response_hours, _),
            _percent_text(stats.within_sla_percent, _),
            _percent_text(stats.up_percent, _),
        ]

    title = _("Pertanyaan ke petugas (tiket). Waktu dalam jam kerja; batas jawaban pertama {days} hari kerja.")
    header = line(labels)
    lines = [title.format(days=f"{report.sla_working_days:g}"), header, "-" * len(header)]
    lines += [line(cells(row, row.name)) for row in report.rows]
    lines += ["-" * len(header), line(cells(report.total, _("Jumlah")))]
    return "\n".join(lines)


def add_ticket_sheet(workbook: Any, header: Any, report: TicketReport, _: Translator) -> None:
    """A "Tiket" sheet in the report workbook: one row per kelurahan with tickets, then the city."""
    sheet = workbook.create_sheet(_("Tiket"))
    sheet.column_dimensions["B"].width = 22
    header(
        sheet,
        [
            _("Kode"),
            _("Kelurahan"),
            _("Tiket"),
            _("Terbuka"),
            _("Sudah dijawab"),
            _("Respons pertama, median (jam kerja)"),
            _("Penyelesaian, median (jam kerja)"),
            _("Tepat waktu (%)"),
            "👍",
            "👎",
            _("👍 (%)"),
        ],
    )

    def rounded(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    for stats in [*report.rows, report.total]:
        sheet.append(
            [
                stats.kode_kelurahan,
                stats.name if stats is not report.total else _("Jumlah"),
                stats.total,
                stats.open,
                stats.answered,
                rounded(stats.median_first_response_hours),
                rounded(stats.median_resolution_hours),
                rounded(stats.within_sla_percent),
                stats.up,
                stats.down,
                rounded(stats.up_percent),
            ]
        )
