"""What the commands share: `--db`, and the one decorator that builds the application for a command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, overload

import click

if TYPE_CHECKING:
    from bot.bootstrap import App

T = TypeVar("T")
AppCommand = Callable[..., Awaitable[None]]
Preflight = Callable[..., None]

db_option = click.option(
    "--db", "database_url", default=None, help="SQLAlchemy async URL (overrides SIGAP_DATABASE_URL)."
)


def run_async(func: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """A click callback from a coroutine function (for the commands that need no application)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return asyncio.run(func(*args, **kwargs))

    return wrapper


@overload
def with_app(command: AppCommand, /) -> Callable[..., None]: ...


@overload
def with_app(
    *, preflight: Preflight | None = None, wait_for_database: bool = False
) -> Callable[[AppCommand], Callable[..., None]]: ...


def with_app(
    command: AppCommand | None = None,
    /,
    *,
    preflight: Preflight | None = None,
    wait_for_database: bool = False,
) -> Callable[..., None] | Callable[[AppCommand], Callable[..., None]]:
    """Give an async command the application as its first argument, and the `--db` option.

    The application is built from `Settings` (environment, `.env`) and `--db`, the schema migrated, and it is
    closed when the command ends. `preflight(settings, **options)`, when given, runs before the application
    is built: for refusals that must not touch the database or var/ (`sigap run` without a secret key).
    `wait_for_database`: keep trying to reach the database instead of failing (the service waits for its
    database; one-off commands do not).
    """

    def decorate(body: AppCommand) -> Callable[..., None]:
        @wraps(body)
        def callback(database_url: str | None = None, **options: Any) -> None:
            asyncio.run(_run_with_app(body, preflight, wait_for_database, database_url, options))

        return db_option(callback)

    return decorate(command) if command is not None else decorate


async def _run_with_app(
    body: AppCommand,
    preflight: Preflight | None,
    wait_for_database: bool,
    database_url: str | None,
    options: dict[str, Any],
) -> None:
    from bot.bootstrap import bootstrap
    from sigap_core.config import Settings
    from sigap_core.policy import PolicyError

    settings = Settings()
    if preflight is not None:
        preflight(settings, **options)
    try:
        app = await bootstrap(settings, database_url, wait_for_database=wait_for_database)
    except PolicyError as error:
        raise click.ClickException(str(error)) from error
    try:
        await body(app, **options)
    finally:
        await app.close()


def kelurahan_code(app: App, value: str, allow_all: bool) -> str | None:
    """A kelurahan given by Kemendagri code or name; None for `all` when allowed."""
    if allow_all and value.lower() in ("all", "semua"):
        return None
    wilayah = app.domain.wilayah
    place = wilayah.get(value) or wilayah.find_kelurahan(value)
    if place is None:
        raise click.ClickException(f"unknown kelurahan {value!r} (a Kemendagri code like 32.75.08.1005, or a name)")
    return place.code
