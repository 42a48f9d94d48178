"""The database: schema migrations and retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.commands.common import db_option, run_async, with_app

if TYPE_CHECKING:
    from bot.bootstrap import App


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@db_option
@run_async
async def db_upgrade(database_url: str | None) -> None:
    """Create or migrate the schema (idempotent)."""
    from sigap_core.config import Settings
    from sigap_core.importers.housekeeping import sweep_dead_imports
    from sigap_core.store.db import current_revision, make_engine, upgrade

    settings = Settings()
    engine = make_engine(database_url or settings.resolved_database_url(), sqlite_driver=settings.sqlite_driver)
    try:
        await upgrade(engine)
        click.echo(f"schema at revision {await current_revision(engine)}")
        if swept := await sweep_dead_imports(engine):
            click.echo(f"cleaned up after a dead import: {swept}")
    finally:
        await engine.dispose()


@click.command("prune")
@with_app
async def prune(app: App) -> None:
    """Delete expired conversations, links, counters and delivery records (`sigap run` does this hourly)."""
    from sigap_core.retention import prune as prune_expired
    from sigap_core.store.repositories import utcnow

    async with app.store.uow() as uow:
        removed = await prune_expired(uow, app.policy, utcnow())
    click.echo(", ".join(f"{name} {count}" for name, count in removed.items()))
