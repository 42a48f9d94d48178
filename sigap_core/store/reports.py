"""Repository for the program report: the registry counted per group of the facts eligibility depends on."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigap_core.store import models

# (kode_kelurahan, desil, pekerjaan, current SIGAP record, current other coverage, people)
ReportGroup = tuple[str, int, str, bool, bool, int]


def registry_groups_statement(today: date) -> Select[Any]:
    """Registry counts grouped by what eligibility depends on: (kelurahan, desil, pekerjaan, has a current
    SIGAP record, has a current other record). The caller runs the pure `decide` once per group."""
    person = models.RegistryPerson
    part = models.Participation

    def current(skema: str) -> Any:
        return exists().where(
            and_(
                part.nik_hmac == person.nik_hmac,
                part.skema == skema,
                part.aktif.is_(True),
                part.tanggal_akhir >= today,
            )
        )

    sigap_now = current("SIGAP").label("sigap")
    other_now = current("LAINNYA").label("other")
    return select(person.kode_kelurahan, person.desil, person.pekerjaan, sigap_now, other_now, func.count()).group_by(
        person.kode_kelurahan, person.desil, person.pekerjaan, sigap_now, other_now
    )


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def registry_groups(self, today: date) -> list[ReportGroup]:
        """One read statement; run it on a read unit (`Store.reader()`), so it takes no write lock."""
        rows = await self.session.execute(registry_groups_statement(today))
        return [(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), bool(r[4]), int(r[5])) for r in rows.all()]
