"""Talking to the bot from a terminal, and what the language understanding makes of a text."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App


@click.command("chat")
@click.option(
    "--user",
    default="local",
    show_default=True,
    help="Who you are in this chat (dialog state is kept per user).",
)
@click.option("--lang", default="id", type=click.Choice(["id", "en"]), show_default=True)
@click.option(
    "--poll",
    "poll_seconds",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between checks for messages queued for this chat (ticket notices, answers); 0: only after each turn.",
)
@with_app
async def chat(app: App, user: str, lang: str, poll_seconds: float) -> None:
    """Talk to the bot in the terminal (interactive, or one message per line when piped). Messages queued
    for this chat (a ticket notice, an officer's answer) are printed as they come."""
    from bot.console import run_console

    await run_console(app, user=user, lang=lang, poll_seconds=poll_seconds)


@click.command("nlu")
def nlu() -> None:
    """Read text lines on stdin, write one JSON object per line: intent, confidence, entities."""
    from handlers.nlu import understand

    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps(understand(text).as_json(), ensure_ascii=False))
