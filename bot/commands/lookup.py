"""Looking things up: one NIK for a walk-in citizen, and the program report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App


@click.command("check")
@click.argument("nik")
@click.option("--kk4", default=None, help="Last 4 digits of the family card (KK).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", default="id", type=click.Choice(["id", "en"]))
@with_app
async def check(app: App, nik: str, kk4: str | None, as_json: bool, lang: str) -> None:
    """Look up one NIK (for staff helping a walk-in citizen)."""
    from handlers.render import decision_text, nik_error_text
    from sigap_core.i18n import Translator
    from sigap_core.nik import NikError, parse_nik
    from sigap_core.services import check as check_nik
    from sigap_core.services import decision_json

    _ = Translator(lang)
    try:
        parsed = parse_nik(nik)
    except NikError as error:
        raise click.ClickException(nik_error_text(_, error)) from error
    if kk4 is not None and (len(kk4.strip()) != 4 or not kk4.strip().isdigit()):
        raise click.ClickException(_("--kk4 harus 4 digit angka"))
    async with app.store.reader() as uow:
        decision = await check_nik(uow, app.domain, parsed, app.today(), kk4.strip() if kk4 else None)
    async with app.store.uow() as uow:
        await uow.audit.add("cli", "check", app.domain.hasher.nik(parsed.value), decision.status.value)
    if as_json:
        click.echo(json.dumps(decision_json(decision, app.domain.wilayah), ensure_ascii=False))
    else:
        click.echo(f"NIK {parsed.masked()}")
        click.echo(decision_text(_, decision, app.domain, operator=True))


@click.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", default="id", type=click.Choice(["id", "en"]))
@click.option(
    "--xlsx", "xlsx_path", default=None, type=click.Path(path_type=Path, dir_okay=False), help="Also write FILE.xlsx."
)
@with_app
async def report(app: App, as_json: bool, lang: str, xlsx_path: Path | None) -> None:
    """Program report per kecamatan: registry, eligible, enrolled, quota and budget; tickets per kelurahan."""
    from bot.report_format import format_report
    from sigap_core.i18n import Translator
    from sigap_core.selection_report import selection_report, selection_text, write_report_xlsx
    from sigap_core.services import program_report
    from sigap_core.store.repositories import utcnow
    from sigap_core.ticket_report import ticket_report, ticket_text

    _ = Translator(lang)
    async with app.store.reader() as uow:  # read-only: the report takes no write lock
        result = await program_report(uow, app.domain, app.today())
        quota = await selection_report(uow, app.domain, app.today())
        tickets = await ticket_report(uow, app.domain, utcnow())
    if as_json:
        data = json.loads(format_report(result, _, True))
        click.echo(json.dumps({**data, "selection": quota.as_json(), "tickets": tickets.as_json()}, ensure_ascii=False))
    else:
        click.echo(format_report(result, _) + "\n\n" + selection_text(quota, _) + "\n\n" + ticket_text(tickets, _))
    if xlsx_path is not None:
        write_report_xlsx(result, quota, app.domain, _, xlsx_path, utcnow(), tickets=tickets)
        click.echo(f"wrote {xlsx_path}", err=as_json)
