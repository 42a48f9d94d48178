"""Tickets (citizens' questions to kelurahan staff) for the operator: list, show one, export.

The CLI acts as a city admin: it sees every kelurahan. `export` writes the tickets' metadata only, never
their texts: an export file is copied and mailed around, out of reach of retention and of a citizen's
"hapus data saya", and a question may hold a NIK or a health matter. `show ID` prints one ticket's texts
on the terminal instead.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.commands.common import kelurahan_code, with_app

if TYPE_CHECKING:
    from bot.bootstrap import App
    from sigap_core.tickets import TicketView

STATE_CHOICES = ("open", "answered", "closed", "all")
# `list` and `export` take the same filters with the same default: the tickets not closed. `--state all`
# (or `--state closed`) takes in the closed ones.
DEFAULT_STATES = ("open", "answered")
AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
EXPORT_COLUMNS = (
    "number", "kode_kelurahan", "kelurahan", "kecamatan", "channel", "topic", "state", "created_at", "due_at",
    "first_response_at", "first_response_working_hours", "within_sla", "closed_at", "closed_without_answer",
    "erased", "transferred_from", "transfers", "rating",
)  # fmt: skip


def parse_age(value: str | None) -> timedelta | None:
    """ "2d", "36h", "90m", "1w" → a timedelta."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value.lower())
    if match is None:
        raise click.BadParameter("an age like 2d, 36h, 90m or 1w", param_hint="--older-than")
    return timedelta(**{AGE_UNITS[match.group(2)]: int(match.group(1))})


def _states(values: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        return default
    if "all" in values:
        return ("open", "answered", "closed")
    return tuple(dict.fromkeys(values))


def filters(command: Any) -> Any:
    command = click.option(
        "--older-than", "older_than", default=None, help="Only tickets at least this old: 2d, 36h, 90m, 1w."
    )(command)
    command = click.option(
        "--state",
        "states",
        multiple=True,
        type=click.Choice(STATE_CHOICES),
        help="open, answered, closed or all (repeatable; default: open and answered, i.e. not closed).",
    )(command)
    return click.option("--kelurahan", default=None, help="Kemendagri code or name.")(command)


def _wib(value: datetime | None) -> str:
    from sigap_core.working_hours import WIB

    return value.astimezone(WIB).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _age(age: timedelta) -> str:
    if age >= timedelta(days=2):
        return f"{age.days}d"
    if age >= timedelta(hours=1):
        return f"{int(age.total_seconds() // 3600)}h"
    return f"{int(age.total_seconds() // 60)}m"


async def _search(
    app: App, kelurahan: str | None, states: tuple[str, ...], older_than: str | None, default: tuple[str, ...]
) -> list[TicketView]:
    from sigap_core.store.repositories import utcnow
    from sigap_core.tickets import search

    age = parse_age(older_than)
    kode = kelurahan_code(app, kelurahan, allow_all=True) if kelurahan else None
    async with app.store.reader() as uow:
        return await search(uow, kode_kelurahan=kode, states=_states(states, default), older_than=age, now=utcnow())


@click.group("tickets")
def tickets() -> None:
    """Citizens' questions to kelurahan staff: list, show, export."""


@tickets.command("list")
@filters
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (metadata only).")
@with_app
async def list_tickets(
    app: App, kelurahan: str | None, states: tuple[str, ...], older_than: str | None, as_json: bool
) -> None:
    """Tickets oldest first (default: not closed), with age, state and the question's start."""
    from sigap_core.store.repositories import utcnow

    found = await _search(app, kelurahan, states, older_than, DEFAULT_STATES)
    if as_json:
        click.echo(json.dumps([_row(app, view, utcnow()) for view in found], ensure_ascii=False))
        return
    if not found:
        click.echo("no tickets match")
        return
    for view in found:
        preview = " ".join(view.question.split())[:60]
        click.echo(
            f"{view.number:<6} {view.state:<9} {_age(view.age):>5}  {view.kelurahan:<20} {view.channel:<9} "
            f"{view.topic:<12} {preview}"
        )
    click.echo(f"{len(found)} ticket(s)")


@tickets.command("show")
@click.argument("ticket_id", type=int)
@with_app
async def show(app: App, ticket_id: int) -> None:
    """One ticket with its messages (question, answers, internal notes)."""
    from sigap_core.store.repositories import utcnow
    from sigap_core.tickets import detail

    async with app.store.reader() as uow:
        found = await detail(uow, ticket_id, utcnow())
    if found is None:
        raise click.ClickException(f"no ticket #{ticket_id}")
    view = found.ticket
    click.echo(f"ticket {view.number}: {view.state}, Kelurahan {view.kelurahan} ({view.kode_kelurahan})")
    click.echo(f"channel {view.channel}, topic {view.topic or '-'}, language {view.lang}")
    click.echo(f"asked {_wib(view.created_at)} WIB, first answer due {_wib(view.due_at)} WIB")
    if view.first_response_at:
        click.echo(f"first answered {_wib(view.first_response_at)} WIB")
    if view.closed_at:
        click.echo(f"closed {_wib(view.closed_at)} WIB, rating {view.rating or '-'}")
    if view.shared_status:
        click.echo(f"eligibility status shared by the citizen: {view.shared_status}")
    if not found.messages:
        click.echo("(no texts: erased by the citizen)" if view.erased else "(no texts: past retention)")
    for message in found.messages:
        who = message.author if message.staff_id is None else f"{message.author} (staff #{message.staff_id})"
        click.echo(f"\n[{_wib(message.created_at)} WIB] {who}:\n{message.text}")


def _row(app: App, view: TicketView, now: datetime) -> dict[str, object]:
    """One ticket's metadata: no question, answer or note text, no chat id, no eligibility status.
    `within_sla`: answered by the deadline; False also for one unanswered past it; empty while it may be."""
    place = app.domain.wilayah.get(view.kode_kelurahan)
    hours = app.policy.tickets.office_hours
    first = view.first_response_at
    return {
        "number": view.number,
        "kode_kelurahan": view.kode_kelurahan,
        "kelurahan": view.kelurahan,
        "kecamatan": place.kecamatan.name if place else "",
        "channel": view.channel,
        "topic": view.topic,
        "state": view.state,
        "created_at": _wib(view.created_at),
        "due_at": _wib(view.due_at),
        "first_response_at": _wib(first),
        "first_response_working_hours": (
            round(hours.between(view.created_at, first).total_seconds() / 3600, 1) if first else None
        ),
        "within_sla": _within_sla(first, view.due_at, now),
        "closed_at": _wib(view.closed_at),
        "closed_without_answer": view.state == "closed" and first is None and not view.erased,
        "erased": view.erased,
        "transferred_from": view.transferred_from,
        "transfers": view.transfers,
        "rating": view.rating or "",
    }


def _within_sla(first: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    if due is None:
        return None
    if first is not None:
        return first <= due
    return False if due <= now else None


@tickets.command("export")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@filters
@with_app
async def export(app: App, out: Path, kelurahan: str | None, states: tuple[str, ...], older_than: str | None) -> None:
    """Write the tickets' metadata (no texts) to OUT: .csv or .xlsx. The same filters and default as `list`
    (not closed; `--state all` for every ticket). Times in WIB."""
    from sigap_core.store.repositories import utcnow

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.ClickException("the export file must end in .csv or .xlsx")
    found = await _search(app, kelurahan, states, older_than, DEFAULT_STATES)
    now = utcnow()
    rows = [_row(app, view, now) for view in found]
    chosen = ", ".join(_states(states, DEFAULT_STATES))
    if suffix == ".csv":
        _write_csv(out, rows)
    else:
        _write_xlsx(out, rows, now)
    click.echo(f"wrote {len(rows)} ticket(s) ({chosen}) to {out} (metadata only, no texts)")


def _write_csv(out: Path, rows: list[dict[str, object]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in rows)
    partial.replace(out)


def _write_xlsx(out: Path, rows: list[dict[str, object]], now: datetime) -> None:
    from openpyxl import Workbook

    from sigap_core.xlsx import save_workbook_atomically

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tiket")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in EXPORT_COLUMNS])
    save_workbook_atomically(workbook, out, now)
