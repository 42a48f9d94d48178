"""The report's quota part and the Excel workbook `sigap report --xlsx` writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.bootstrap import App
from sigap_core.i18n import Translator
from sigap_core.selection_report import selection_report, selection_text, write_report_xlsx
from sigap_core.services import program_report
from tests.conftest import TODAY
from tests.integration.test_selection import extra_people, load, run


async def test_quota_budget_and_waiting_list_by_tier_and_place(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, extra_people(3, 1) + extra_people(2, 4, first=50, kode="32.75.02.1001"))
    await run(app, quota=4)  # 1 enrolled (desil 1) + 3 selected (desil 1); waiting: sample desil 2 + 5, the two desil 4
    async with app.store.uow() as uow:
        report = await selection_report(uow, app.domain, TODAY)
    assert (report.quota, report.held, report.remaining) == (app.policy.quota, 4, app.policy.quota - 4)
    assert (report.enrolled_total, report.total.selected, report.total.waiting) == (1, 3, 4)
    assert report.budget_used == 201_600 and report.budget_committed == 4 * 201_600
    assert (report.by_tier["1"].held, report.by_tier["1"].waiting) == (4, 1)
    assert (report.by_tier["2"].held, report.by_tier["2"].waiting) == (0, 3)
    assert report.by_kelurahan["32.75.02.1001"].waiting == 2
    place = app.domain.wilayah.get("32.75.01.1001")
    assert place is not None and report.by_kecamatan[place.kecamatan.name].selected == 3
    text = selection_text(report, Translator("id"))
    assert "terisi 4" in text and "daftar tunggu 4" in text and "Rp806.400" in text


async def test_workbook_a_city_office_can_open(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, extra_people(3, 1))
    await run(app, quota=3)
    async with app.store.uow() as uow:
        program = await program_report(uow, app.domain, TODAY)
        report = await selection_report(uow, app.domain, TODAY)
    out = tmp_path / "laporan.xlsx"
    write_report_xlsx(program, report, app.domain, Translator("id"), out, datetime(2026, 11, 21, tzinfo=UTC))
    book = load_workbook(out)
    assert book.sheetnames == ["Ringkasan", "Kecamatan", "Kelurahan"]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Terisi: terdaftar + terpilih"] == 3
    assert summary["Anggaran terpakai (Rp)"] == 201_600
    kelurahan = list(book["Kelurahan"].iter_rows(min_row=2, values_only=True))
    assert len(kelurahan) == 56
    assert next(r for r in kelurahan if r[0] == "32.75.01.1001")[4] == 2  # selected there
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
