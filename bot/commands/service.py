"""The long-running service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App
    from sigap_core.config import Settings


def _refuse_without_secret_or_channel(settings: Settings, *, demo: bool, **_options: Any) -> None:
    """Checked before the application is built, so a refusal writes no demo key and touches no database."""
    if not settings.has_real_secret and not demo:
        raise click.ClickException("SIGAP_SECRET_KEY is not set: refusing to start (use --demo to try with a demo key)")
    if not settings.telegram_enabled and not settings.whatsapp_enabled:
        raise click.ClickException(
            "no chat channel is configured (set SIGAP_TELEGRAM_TOKEN, or the SIGAP_WHATSAPP_* settings). "
            "To talk to the bot in this terminal: sigap chat"
        )


@click.command("run")
@click.option("--demo", is_flag=True, help="Allow the generated demo key instead of SIGAP_SECRET_KEY.")
@with_app(preflight=_refuse_without_secret_or_channel, wait_for_database=True)
async def run(app: App, demo: bool) -> None:
    """The service: Telegram (webhook or polling), the webhooks, /healthz."""
    from bot.web import ConfigurationError, serve

    try:
        await serve(app)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
