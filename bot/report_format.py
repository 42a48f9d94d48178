"""The program report as text (a table per kecamatan, in the user's language) or JSON (`sigap report`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigap_core.i18n import Translator
    from sigap_core.services import ProgramReport


def format_report(report: ProgramReport, _: Translator, as_json: bool = False) -> str:
    rows = [*report.rows, report.outside]
    if as_json:
        return json.dumps(
            {
                "kecamatan": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "in_registry": r.in_registry,
                        "eligible_priority": r.eligible_priority,
                        "eligible": r.eligible,
                        "enrolled": r.enrolled,
                        "budget_used": r.enrolled * report.yearly_contribution,
                    }
                    for r in rows
                ],
                "quota": report.quota,
                "enrolled": report.enrolled,
                "yearly_contribution": report.yearly_contribution,
                "budget_used": report.budget_used,
                "budget_quota": report.budget_quota,
            },
            ensure_ascii=False,
        )
    labels = [_("Kecamatan"), _("Terdata"), _("Prioritas"), _("Layak"), _("Terdaftar"), _("Iuran/tahun")]
    widths = (22, 10, 11, 9, 11, 18)

    def line(cells: list[str]) -> str:
        return cells[0].ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))

    header = line(labels)
    lines = [header, "-" * len(header)]
    for r in rows:
        if r is report.outside and r.in_registry == 0:
            continue
        name = _("(di luar Kota Bekasi)") if r is report.outside else r.name
        lines.append(
            line(
                [
                    name,
                    _.number(r.in_registry),
                    _.number(r.eligible_priority),
                    _.number(r.eligible),
                    _.number(r.enrolled),
                    _.money(r.enrolled * report.yearly_contribution),
                ]
            )
        )
    lines.append("-" * len(header))
    lines.append(
        line(
            [
                _("Jumlah"),
                _.number(sum(r.in_registry for r in rows)),
                _.number(sum(r.eligible_priority for r in rows)),
                _.number(sum(r.eligible for r in rows)),
                _.number(report.enrolled),
                _.money(report.budget_used),
            ]
        )
    )
    used = report.enrolled / report.quota * 100 if report.quota else 0.0
    lines.append("")
    lines.append(
        _("Kuota {quota} orang: terpakai {enrolled} ({percent}%). Iuran {per_year} per orang per tahun.").format(
            quota=_.number(report.quota),
            enrolled=_.number(report.enrolled),
            percent=f"{used:.1f}".replace(".", "," if _.lang == "id" else "."),
            per_year=_.money(report.yearly_contribution),
        )
    )
    lines.append(
        _("Anggaran: {used} dari {total}.").format(used=_.money(report.budget_used), total=_.money(report.budget_quota))
    )
    return "\n".join(lines)
