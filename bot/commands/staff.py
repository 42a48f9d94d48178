"""Kelurahan staff: one-time invite codes, the list, revoking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.commands.common import kelurahan_code, with_app

if TYPE_CHECKING:
    from bot.bootstrap import App


@click.group("staff")
def staff() -> None:
    """Kelurahan staff: one-time invite codes, list, revoke."""


@staff.command("invite")
@click.option("--kelurahan", "kelurahan", default=None, help="Code or name (not needed for --role admin).")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@with_app
async def invite(app: App, kelurahan: str | None, role: str) -> None:
    """Print a one-time code; the staff member sends `/petugas CODE` in Telegram or WhatsApp."""
    from sigap_core.broadcasts import INVITE_DAYS, BroadcastError, create_invite
    from sigap_core.store.repositories import utcnow

    if role == "staff" and not kelurahan:
        raise click.ClickException("--kelurahan is required for --role staff")
    kode = kelurahan_code(app, kelurahan, allow_all=False) if role == "staff" and kelurahan else None
    async with app.store.uow() as uow:
        try:
            code, created = await create_invite(uow, app.domain, role, kode, utcnow())
        except BroadcastError as error:
            raise click.ClickException(error.code) from error
    place = app.domain.wilayah.get(kode) if kode else None
    scope = f"staff of Kelurahan {place.name} ({kode})" if place else "admin of the whole city"
    click.echo(f"invite #{created.id}: {scope}, single use, expires in {INVITE_DAYS} days")
    click.echo(f"code: {code}")
    click.echo(f"The staff member sends this to the bot:  /petugas {code}")


@staff.command("list")
@with_app
async def list_staff(app: App) -> None:
    """All staff chats, with role, kelurahan and state."""
    from sigap_core.broadcasts import list_staff as all_staff

    async with app.store.reader() as uow:
        people = await all_staff(uow)
    if not people:
        click.echo("no staff yet: create a code with `sigap staff invite`")
    for person in people:
        place = app.domain.wilayah.get(person.kode_kelurahan) if person.kode_kelurahan else None
        state = "revoked" if person.revoked_at else "active"
        where = place.name if place else "(whole city)"
        click.echo(f"#{person.id:<4} {person.role:<6} {where:<22} {person.channel}:{person.user_key}  {state}")


@staff.command("revoke")
@click.argument("staff_id", type=int)
@with_app
async def revoke(app: App, staff_id: int) -> None:
    """Take staff rights away from a chat."""
    from sigap_core.broadcasts import BroadcastError, revoke_staff
    from sigap_core.store.repositories import utcnow

    async with app.store.uow() as uow:
        try:
            await revoke_staff(uow, staff_id, utcnow())
        except BroadcastError as error:
            raise click.ClickException(f"no staff #{staff_id}") from error
    click.echo(f"staff #{staff_id} revoked")
