"""The tickets part of the program report (`sigap report`, --json, --xlsx): per kelurahan, open tickets,
median first-response time, % answered within the SLA, median resolution time, the 👍 rate. Times are office
time (working hours from policy `[tickets]`), as the SLA is.

How a ticket counts (README "Tickets", report):
- **Whose row.** The kelurahan that gave the first answer; a ticket never answered, the one holding it now.
  Times are measured from the question (the ticket's whole life, across transfers): the citizen waited that
  long. `transferred` says how many of a row's tickets reached it by a transfer, so a long median there can
  be read for what it is.
- **Resolved** means closed by staff after an answer. A ticket closed without any answer, or closed by the
  citizen's "hapus data saya", is never "resolved": it is counted as `closed_unanswered` or `erased`.
- **% within SLA** is taken of the tickets answered, and of those whose deadline passed while they were
  still open and unanswered (closed or erased since, or not): those count against it.
"""

from __future__ import annotations

import statistics
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.repositories import UnitOfWork, aware
from sigap_core.store.tickets import TicketFigures
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
    resolution_hours: list[float] = field(default_factory=list)  # closed by staff after an answer
    sla_due: int = 0  # answered, or its deadline passed while unanswered: what "% within SLA" is taken of
    closed_unanswered: int = 0  # closed by staff without any answer
    erased: int = 0  # closed by the citizen's erasure ("hapus data saya")
    transferred: int = 0  # reached this kelurahan by a transfer (the city: transferred at least once)
    up: int = 0
    down: int = 0

    @property
    def median_first_response_hours(self) -> float | None:
        return statistics.median(self.first_response_hours) if self.first_response_hours else None

    @property
    def median_resolution_hours(self) -> float | None:
        return statistics.median(self.resolution_hours) if self.resolution_hours else None

    @property
    def resolved(self) -> int:
        return len(self.resolution_hours)

    @property
    def within_sla_percent(self) -> float | None:
        """Of the tickets answered or whose deadline passed unanswered: answered in time."""
        return 100 * self.within_sla / self.sla_due if self.sla_due else None

    @property
    def up_percent(self) -> float | None:
        rated = self.up + self.down
        return 100 * self.up / rated if rated else None

    def as_json(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return round(value, 1) if value is not None else None

        def minutes(value: float | None) -> int | None:
            return round(value * 60) if value is not None else None

        return {
            "kode_kelurahan": self.kode_kelurahan,
            "name": self.name,
            "tickets": self.total,
            "open": self.open,
            "answered": self.answered,
            "resolved": self.resolved,
            "closed_unanswered": self.closed_unanswered,
            "erased": self.erased,
            "transferred": self.transferred,
            "median_first_response_working_hours": rounded(self.median_first_response_hours),
            "median_first_response_working_minutes": minutes(self.median_first_response_hours),
            "median_resolution_working_hours": rounded(self.median_resolution_hours),
            "median_resolution_working_minutes": minutes(self.median_resolution_hours),
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


def _answered_by(figures: TicketFigures, first: datetime | None) -> str:
    """The kelurahan holding the ticket at its first answer (or now, when never answered)."""
    if first is None or not figures.transfers:
        return figures.kode_kelurahan
    holder = figures.transfers[0].from_kode
    for transfer in figures.transfers:
        if (aware(transfer.at) or first) <= first:
            holder = transfer.to_kode
    return holder


async def ticket_report(uow: UnitOfWork, domain: Domain, now: datetime) -> TicketReport:
    """Open tickets, median first-response and resolution times, % answered within the SLA, the 👍 rate, per
    kelurahan (see the module's docstring for how a ticket counts)."""
    hours = domain.policy.tickets.office_hours
    per: dict[str, TicketStats] = {}
    total = TicketStats("", "Kota Bekasi")
    for figures in await uow.tickets.figures():
        created = aware(figures.created_at) or now
        due = aware(figures.due_at) or now
        first = aware(figures.first_response_at)
        closed = aware(figures.closed_at)
        kode = _answered_by(figures, first)
        row = per.get(kode)
        if row is None:
            row = per[kode] = TicketStats(kode, kelurahan_name(kode))
        row.transferred += any(t.to_kode == kode for t in figures.transfers)
        total.transferred += bool(figures.transfers)
        ended = closed if figures.state == "closed" and closed is not None else now
        for stats in (row, total):
            stats.total += 1
            if figures.state != "closed":
                stats.open += 1
            if first is not None:
                stats.answered += 1
                stats.first_response_hours.append(hours.between(created, first).total_seconds() / 3600)
                stats.sla_due += 1
                stats.within_sla += first <= due
            elif due <= ended:  # the deadline passed while it was open and unanswered
                stats.sla_due += 1
            if figures.erased:
                stats.erased += 1
            elif figures.state == "closed" and first is None:
                stats.closed_unanswered += 1
            elif figures.state == "closed" and closed is not None:
                stats.resolution_hours.append(hours.between(created, closed).total_seconds() / 3600)
            if figures.rating == "up":
                stats.up += 1
            elif figures.rating == "down":
                stats.down += 1
    rows = sorted(per.values(), key=lambda stats: (stats.name, stats.kode_kelurahan))
    return TicketReport(rows, total, domain.policy.tickets.first_response_working_days)


def duration_text(value: float | None, _: Translator) -> str:
    """Office hours as the report shows them: "12 menit" under an hour, else "3,5 jam"; "–" for none."""
    if value is None:
        return "–"
    minutes = round(value * 60)
    if minutes < 60:
        return _("{n} menit").format(n=minutes)
    text = f"{value:.1f}"
    return (text.replace(".", ",") if _.lang == "id" else text) + " " + _("jam")


def _percent_text(value: float | None, _: Translator) -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}%"
    return text


def ticket_text(report: TicketReport, _: Translator) -> str:
    """The tickets table of `sigap report` (kelurahan with tickets only, then the city)."""
    labels = [
        _("Kelurahan"),
        _("Tiket"),
        _("Terbuka"),
        _("Respons (median)"),
        _("Tepat waktu"),
        _("Selesai (median)"),
        _("Tanpa jawaban"),
        _("Dihapus"),
        _("Dipindah"),
        "👍",
    ]
    widths = (22, 7, 9, 18, 13, 18, 15, 9, 10, 6)

    def line(cells: list[str]) -> str:
        return cells[0].ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))

    def cells(stats: TicketStats, name: str) -> list[str]:
        return [
            name,
            _.number(stats.total),
            _.number(stats.open),
            duration_text(stats.median_first_response_hours, _),
            _percent_text(stats.within_sla_percent, _),
            duration_text(stats.median_resolution_hours, _),
            _.number(stats.closed_unanswered),
            _.number(stats.erased),
            _.number(stats.transferred),
            _percent_text(stats.up_percent, _),
        ]

    title = _("Pertanyaan ke petugas (tiket). Waktu dalam jam kerja; batas jawaban pertama {days} hari kerja.")
    notes = _(
        "Waktu dihitung sejak warga bertanya, juga untuk tiket yang dipindah; tiket dihitung di kelurahan yang "
        "pertama menjawab. Selesai: ditutup petugas setelah dijawab. Tanpa jawaban: ditutup tanpa jawaban. "
        "Dihapus: ditutup karena warga menghapus datanya."
    )
    header = line(labels)
    lines = [title.format(days=f"{report.sla_working_days:g}"), *textwrap.wrap(notes, len(header)), header]
    lines.append("-" * len(header))
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
            _("Selesai setelah dijawab"),
            _("Ditutup tanpa jawaban"),
            _("Dihapus warga"),
            _("Dipindah ke sini"),
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
                stats.resolved,
                stats.closed_unanswered,
                stats.erased,
                stats.transferred,
                stats.up,
                stats.down,
                rounded(stats.up_percent),
            ]
        )
