"""Impor (registry imports with their counts, and the rejected-rows report without identifiers) and Unduh
(every dashboard table as XLSX and CSV, in the viewer's scope)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from openpyxl import Workbook

from bot.dashboard.app import CACHE_KEY, not_found, render, sigap, viewer
from bot.dashboard.views_broadcasts import DELIVERY_STATES, STATUS_TITLES, total_of, wib
from sigap_core.dashboard import summary
from sigap_core.i18n import N_, Translator

# A run of digits long enough to be (part of) a NIK, KK or phone number, plain or mangled by Excel
# (`3.27501E+15`). The report already leaves identifiers out; this makes sure none reaches a download.
IDENTIFIER_LIKE = re.compile(r"\d[\d.,eE+\-]{5,}\d")
IMPORT_STATUS = {
    "running": N_("sedang berjalan"),
    "active": N_("aktif"),
    "failed": N_("gagal"),
    "superseded": N_("diganti impor baru"),
}

Table = tuple[str, list[str], list[list[object]]]


def scrub(text: str) -> str:
    return IDENTIFIER_LIKE.sub("…", text)


async def imports_page(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    if not who.is_admin:
        return not_found(request)  # imports are the city's: staff have no such page
    _ = Translator(who.lang)
    async with app.store.reader() as uow:
        runs = await uow.dashboard.imports()
    rows = [
        {
            "id": run.id,
            "kind": run.kind,
            "source": Path(run.source_name).name,
            "started": wib(_, run.started_at),
            "status": _(IMPORT_STATUS.get(run.status, run.status)),
            "read": _.number(run.rows_read),
            "imported": _.number(run.rows_imported),
            "rejected": _.number(run.rows_rejected),
            "report": bool(run.report_path and run.rows_rejected and Path(run.report_path).exists()),
        }
        for run in runs
    ]
    return render(request, "impor.html", {"rows": rows})


async def rejected_report(request: web.Request) -> web.StreamResponse:
    app = sigap(request)
    who = viewer(request)
    run_id = request.match_info["id"]
    if not who.is_admin or not run_id.isdigit():
        return not_found(request)
    async with app.store.reader() as uow:
        run = await uow.dashboard.import_run(int(run_id))
    if run is None or not run.report_path or not Path(run.report_path).exists():
        return not_found(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["baris", "tindakan", "alasan", "keterangan"])
    with Path(run.report_path).open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            writer.writerow(
                [
                    record.get("line", ""),
                    record.get("action", ""),
                    record.get("reason", ""),
                    scrub(record.get("detail", "")),
                ]
            )
    return _download(f"impor-{run.kind}-{run.id}-ditolak.csv", "text/csv; charset=utf-8", out.getvalue().encode())


# Unduh ------------------------------------------------------------------------------------------


async def downloads_page(request: web.Request) -> web.StreamResponse:
    who = viewer(request)
    _ = Translator(who.lang)
    tables = [("ringkasan", _("Ringkasan per wilayah")), ("pengumuman", _("Pengumuman dan status pengirimannya"))]
    if who.is_admin:
        tables.append(("impor", _("Riwayat impor")))
    return render(request, "unduh.html", {"tables": tables})


async def summary_table(request: web.Request, _: Translator) -> Table | None:
    app = sigap(request)
    who = viewer(request)
    async with app.store.reader() as uow:
        found = await summary(uow, app.domain, request.config_dict[CACHE_KEY], who.actor, None, app.today())
    if found is None:
        return None
    headers = [
        _("Kode"),
        _("Wilayah"),
        _("Di registri"),
        _("Layak prioritas"),
        _("Layak"),
        _("Terdaftar SIGAP"),
        _("Pelanggan Telegram"),
        _("Pelanggan WhatsApp"),
    ]
    rows: list[list[object]] = [
        [
            row.code if row is not found.total else _("Jumlah"),
            row.name,
            row.in_registry,
            row.eligible_priority,
            row.eligible,
            row.enrolled,
            row.subscribers["telegram"],
            row.subscribers["whatsapp"],
        ]
        for row in [*found.rows, found.total]
    ]
    return "ringkasan", headers, rows


async def broadcasts_table(request: web.Request, _: Translator) -> Table | None:
    app = sigap(request)
    who = viewer(request)
    async with app.store.reader() as uow:
        items = await uow.dashboard.broadcasts(who.actor.kode_kelurahan, who.is_admin, 10_000)
        tallies = await uow.dashboard.tallies([item.id for item in items])
    wilayah = app.domain.wilayah
    headers = [_("Nomor"), _("Wilayah"), _("Penerima"), _("Status"), _("Dikirim"), _("Jumlah pesan")]
    headers += [_(title) for _state, title, _tone in DELIVERY_STATES]
    rows: list[list[object]] = []
    for item in items:
        place = wilayah.get(item.kode_kelurahan) if item.kode_kelurahan else None
        tally = tallies[item.id]
        rows.append(
            [
                item.id,
                place.name if place else _("Seluruh Kota Bekasi"),
                item.audience,
                _(STATUS_TITLES.get(item.status, item.status)),
                wib(_, item.send_at),
                total_of(tally),
                *(tally.get(state, 0) for state, _title, _tone in DELIVERY_STATES),
            ]
        )
    return "pengumuman", headers, rows


async def imports_table(request: web.Request, _: Translator) -> Table | None:
    app = sigap(request)
    if not viewer(request).is_admin:
        return None
    async with app.store.reader() as uow:
        runs = await uow.dashboard.imports(limit=10_000)
    headers = [_("Nomor"), _("Jenis"), _("Berkas"), _("Mulai"), _("Status"), _("Dibaca"), _("Diimpor"), _("Ditolak")]
    rows: list[list[object]] = [
        [
            run.id,
            run.kind,
            Path(run.source_name).name,
            wib(_, run.started_at),
            _(IMPORT_STATUS.get(run.status, run.status)),
            run.rows_read,
            run.rows_imported,
            run.rows_rejected,
        ]
        for run in runs
    ]
    return "impor", headers, rows


TABLES: dict[str, Callable[[web.Request, Translator], Awaitable[Table | None]]] = {
    "ringkasan": summary_table,
    "pengumuman": broadcasts_table,
    "impor": imports_table,
}


async def download(request: web.Request) -> web.StreamResponse:
    who = viewer(request)
    _ = Translator(who.lang)
    build = TABLES.get(request.match_info["table"])
    fmt = request.match_info["format"]
    table = await build(request, _) if build is not None and fmt in ("csv", "xlsx") else None
    if table is None:
        return not_found(request)
    name, headers, rows = table
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
        # With a BOM, so Excel opens the file as UTF-8.
        return _download(f"sigap-{name}.csv", "text/csv; charset=utf-8", out.getvalue().encode("utf-8-sig"))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return _download(
        f"sigap-{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        buffer.getvalue(),
    )


def _download(filename: str, content_type: str, body: bytes) -> web.Response:
    return web.Response(
        body=body,
        headers={"Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/impor", imports_page)
    router.add_get("/impor/{id}/ditolak.csv", rejected_report)
    router.add_get("/unduh", downloads_page)
    router.add_get("/unduh/{table:[a-z]+}.{format:csv|xlsx}", download)
