"""Announcements to subscribers; the CLI acts as city admin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from bot.commands.common import kelurahan_code, with_app

if TYPE_CHECKING:
    from bot.bootstrap import App

DELIVERY_STATES = ("pending", "sending", "sent", "delivered", "read", "failed", "opted_out", "blocked", "cancelled")


@click.group("broadcast")
def broadcast() -> None:
    """Announcements to subscribers (the CLI acts as city admin)."""


@broadcast.command("create")
@click.option("--kelurahan", required=True, help="Code, name, or `all`.")
@click.option("--audience", type=click.Choice(["all", "eligible", "enrolled", "needs_update"]), required=True)
@click.option("--text", "text", required=True)
@click.option("--at", "at", default=None, help="ISO time; without a zone it is WIB. Default: now.")
@with_app
async def create(app: App, kelurahan: str, audience: str, text: str, at: str | None) -> None:
    """Queue a broadcast; `sigap run` sends it at the channel's rate."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, create_broadcast
    from sigap_core.store.repositories import utcnow

    kode = kelurahan_code(app, kelurahan, allow_all=True)
    now = utcnow()
    send_at = now
    if at:
        try:
            parsed = datetime.fromisoformat(at)
        except ValueError as error:
            raise click.ClickException(f"--at: not an ISO time: {at!r}") from error
        send_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    async with app.store.uow() as uow:
        try:
            item, count = await create_broadcast(
                uow, app.domain, CLI_ACTOR, kode, audience, text, send_at, now, app.today()
            )
        except BroadcastError as error:
            raise click.ClickException(f"{error.code} {error.params or ''}".strip()) from error
    click.echo(f"broadcast #{item.id}: {count} recipients, sending from {send_at.isoformat()}")


@broadcast.command("list")
@with_app
async def list_recent(app: App) -> None:
    """Recent broadcasts with their state."""
    from sigap_core.broadcasts import CLI_ACTOR, counts, list_broadcasts, sent_count

    async with app.store.reader() as uow:
        items = await list_broadcasts(uow, CLI_ACTOR, limit=50)
        for item in items:
            tally = await counts(uow, item.id)
            total = sum(v for k, v in tally.items() if k != "recovered_after_crash")
            place = app.domain.wilayah.get(item.kode_kelurahan) if item.kode_kelurahan else None
            click.echo(
                f"#{item.id:<4} {item.status:<10} {(place.name if place else 'all'):<20} {item.audience:<12} "
                f"sent {sent_count(tally)}/{total}  {item.text[:40]!r}"
            )
    if not items:
        click.echo("no broadcasts yet")


@broadcast.command("show")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_app
async def show(app: App, broadcast_id: int, as_json: bool) -> None:
    """Counts per delivery state."""
    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, counts, visible_broadcast

    async with app.store.reader() as uow:
        try:
            item = await visible_broadcast(uow, CLI_ACTOR, broadcast_id)
        except BroadcastError as error:
            raise click.ClickException(f"no broadcast #{broadcast_id}") from error
        tally = dict(await counts(uow, broadcast_id))
    if as_json:
        click.echo(json.dumps({"id": item.id, "status": item.status, "audience": item.audience, "counts": tally}))
        return
    click.echo(f"#{item.id} {item.status} audience={item.audience} send_at={item.send_at}")
    for state in DELIVERY_STATES:
        click.echo(f"  {state:<10} {tally.get(state, 0)}")
    if tally.get("recovered_after_crash"):
        click.echo(f"  resent after a crash (may have arrived twice): {tally['recovered_after_crash']}")


@broadcast.command("cancel")
@click.argument("broadcast_id", type=int)
@with_app
async def cancel(app: App, broadcast_id: int) -> None:
    """Stop a scheduled or running broadcast; what was sent stays sent."""
    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, cancel_broadcast, sent_count
    from sigap_core.store.repositories import utcnow

    async with app.store.uow() as uow:
        try:
            tally = await cancel_broadcast(uow, CLI_ACTOR, broadcast_id, utcnow())
        except BroadcastError as error:
            raise click.ClickException(f"cannot cancel #{broadcast_id}: {error.code}") from error
    click.echo(f"broadcast #{broadcast_id} cancelled: sent {sent_count(tally)}, cancelled {tally.get('cancelled', 0)}")
