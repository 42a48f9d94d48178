"""`sigap selection …` (CONTRACT §3): selection rounds within the quota and the enrolment file."""

from __future__ import annotations

import getpass
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App
    from sigap_core.config import Settings
    from sigap_core.selection_rounds import RoundPlan


def operator_errors(body: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A selection command's operator-caused problem (`SelectionError`) becomes a clear message and a
    non-zero exit."""

    @wraps(body)
    async def guarded(*args: Any, **kwargs: Any) -> None:
        from sigap_core.selection_rounds import SelectionError

        try:
            await body(*args, **kwargs)
        except SelectionError as error:
            raise click.ClickException(str(error)) from error

    return guarded


def operator() -> str:
    """Who runs the command, for the round's record."""
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name (some containers)
        return "cli"


@click.group("selection")
def selection() -> None:
    """Selection rounds within the quota, and the enrolment file for BPJS Ketenagakerjaan."""


@selection.command("run")
@click.option("--quota", type=click.IntRange(min=0), default=None, help="Places in all (default: policy quota).")
@click.option("--note", default="", help="Why this round was run (kept with the round).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; record nothing.")
@with_app
@operator_errors
async def selection_run(app: App, quota: int | None, note: str, dry_run: bool) -> None:
    """Give the remaining places to eligible people in policy order; the rest go on the waiting list."""
    from sigap_core.selection_rounds import run_selection
    from sigap_core.store.repositories import utcnow

    result = await run_selection(
        app.store, app.domain, app.today(), utcnow(), operator(), note=note, quota=quota, dry_run=dry_run
    )
    for line in plan_lines(result.plan):
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing recorded")
    elif result.round is None:
        click.echo("nothing changed since the latest round: no new place to fill, the same waiting list")
    else:
        click.echo(f"round #{result.round.id} recorded (`sigap selection show {result.round.id}`)")


def plan_lines(planned: RoundPlan) -> list[str]:
    plan = planned.plan
    tiers = {1: [0, 0], 2: [0, 0]}
    for placement in plan.selected:
        tiers[placement.tier][0] += 1
    for placement in plan.waiting:
        tiers[placement.tier][1] += 1
    lines = [
        f"quota {plan.quota}: held {plan.held} (enrolled {plan.enrolled}, selected earlier {plan.kept}), "
        f"remaining {plan.remaining_before}",
        f"selected now {len(plan.selected)} (tier 1: {tiers[1][0]}, tier 2: {tiers[2][0]}); "
        f"waiting list {len(plan.waiting)} (tier 1: {tiers[1][1]}, tier 2: {tiers[2][1]}); "
        f"places left {plan.remaining_after}",
    ]
    if planned.released:
        lines.append(f"selected earlier but no longer eligible (place released): {planned.released}")
    return lines


@selection.command("list")
@with_app
@operator_errors
async def selection_list(app: App) -> None:
    """Rounds, newest first."""
    async with app.store.uow() as uow:
        rounds = await uow.selection.rounds()
    if not rounds:
        click.echo("no selection round yet: `sigap selection run --dry-run` shows what one would do")
    for item in rounds:
        note = f"  {item.note[:40]!r}" if item.note else ""
        click.echo(
            f"#{item.id:<4} {item.created_at:%Y-%m-%d %H:%M} {item.run_by:<16} quota {item.quota}  "
            f"selected {item.selected}  waiting {item.waiting}{note}"
        )


@selection.command("show")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_app
@operator_errors
async def selection_show(app: App, round_id: int, as_json: bool) -> None:
    """One round: policy, counts by tier and kecamatan, selected → enrolled."""
    from sigap_core.selection_rounds import round_summary

    async with app.store.uow() as uow:
        summary = await round_summary(uow, app.domain, round_id, app.today())
    data = summary.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    item = summary.round
    click.echo(f"round #{item.id}, {item.created_at:%Y-%m-%d %H:%M} UTC, by {item.run_by}")
    if item.note:
        click.echo(f"note: {item.note}")
    click.echo(f"policy: {json.dumps(item.policy, ensure_ascii=False)}")
    click.echo(f"quota {item.quota}: held before {item.enrolled} enrolled + {item.kept} selected earlier")
    click.echo(
        f"selected {summary.selected} → enrolled now {summary.enrolled_now}; waiting list {summary.waiting}; "
        f"places left {data['remaining_after']}"
    )
    for tier in (1, 2):
        counts = data["by_tier"][f"tier_{tier}"]  # type: ignore[index]
        click.echo(f"  tier {tier}: selected {counts['selected']}, waiting {counts['waiting_list']}")
    for name, counts in data["by_kecamatan"].items():  # type: ignore[attr-defined]
        click.echo(f"  {name:<20} selected {counts['selected']:>6}  waiting {counts['waiting_list']:>7}")


def _exit_on_sigterm(_settings: Settings, **_options: Any) -> None:
    """Before the application is built: SIGTERM unwinds the export (its temporary file is removed, `--out` is
    never half-written) instead of killing the process where it stands."""
    import signal

    def terminated(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)


@selection.command("export")
@click.argument("round_id", type=int)
@click.option(
    "--source",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The registry file (CSV or XLSX) the round was run on: NIK and KK are read from it.",
)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="FILE.xlsx")
@click.option(
    "--min-match",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0.0, 1.0, min_open=True),
    help="Refuse a source file holding fewer than this share of the selected people.",
)
@with_app(preflight=_exit_on_sigterm)
@operator_errors
async def selection_export(app: App, round_id: int, source: Path, out: Path, min_match: float) -> None:
    """Write the enrolment workbook for BPJS Ketenagakerjaan (NIK and KK as text cells)."""
    from sigap_core.enrolment_file import export_round

    result = await export_round(
        app.store, app.domain, round_id, source, out, app.today(), actor=operator(), min_match=min_match
    )
    click.echo(f"wrote {result.written} of {result.selected} selected people to {result.out}")
    click.echo(
        f"source: {source.name}, {result.rows_read} rows"
        + (
            " (the registry file the round was run on)"
            if result.same_snapshot
            else " (not the file the round was run on)"
        )
    )
    if result.enrolled_already:
        click.echo(f"already enrolled (in the peserta list): {result.enrolled_already}")
    if result.missing:
        click.echo(f"selected but missing from the source file: {len(result.missing)}")
        for person in result.missing[:50]:
            place = app.domain.wilayah.get(person.kode_kelurahan)
            click.echo(
                f"  rank {person.rank:<6} {person.name_masked:<24} {place.name if place else person.kode_kelurahan}"
            )
        if len(result.missing) > 50:
            click.echo(f"  … and {len(result.missing) - 50} more")


@selection.command("notify")
@with_app
@operator_errors
async def selection_notify(app: App) -> None:
    """Queue the lifecycle notices that are due (selected, enrolled, ending within 30 days, renewed).

    Once per person and event; `sigap run` sends them at the channel's rate. Run it after each selection
    round and each peserta import (or daily, from cron)."""
    from sigap_core.notices import EVENTS, queue_notices
    from sigap_core.store.repositories import utcnow

    run = await queue_notices(app.store, app.domain, app.today(), utcnow())
    for event in EVENTS:
        click.echo(f"{event:<9} {run.queued[event]:>6} people  {run.chats[event]:>6} chats")
    if run.broadcasts:
        click.echo("queued as broadcasts " + ", ".join(f"#{b}" for b in run.broadcasts) + " (`sigap run` sends them)")
    else:
        click.echo("nothing due")


@selection.command("notices")
@with_app
@operator_errors
async def selection_notices(app: App) -> None:
    """What lifecycle notices went out: per event and broadcast, people and delivery states."""
    from sigap_core.broadcasts import counts, sent_count

    async with app.store.uow() as uow:
        rows = await uow.selection.notice_counts()
        if not rows:
            click.echo("no lifecycle notice yet")
        for event, broadcast_id, people in rows:
            tally = await counts(uow, broadcast_id) if broadcast_id is not None else {}
            total = sum(v for k, v in tally.items() if k != "recovered_after_crash")
            click.echo(
                f"{event:<9} broadcast #{broadcast_id}: {people} people, sent {sent_count(tally)}/{total}, "
                f"pending {tally.get('pending', 0)}, failed {tally.get('failed', 0)}, "
                f"opted out {tally.get('opted_out', 0)}"
            )
