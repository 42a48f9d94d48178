"""The terminal channel (`sigap chat`): interactive, or piped — one incoming message per input line.

Buttons and list rows print as `[1] Label`; a line that is just a number (or a label) presses it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.bootstrap import App
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply

CHANNEL = "console"


def render(replies: list[Reply]) -> tuple[str, list[tuple[str, str]]]:
    """Text for the terminal, and the (id, label) choices in the order they are numbered."""
    lines: list[str] = []
    choices: list[tuple[str, str]] = []
    for reply in replies:
        lines.append(reply.text)
        for choice_id, label in reply.choices():
            choices.append((choice_id, label))
            lines.append(f"[{len(choices)}] {label}")
        lines.append("")
    return "\n".join(lines), choices


def to_message(line: str, choices: list[tuple[str, str]], user: str, lang: str) -> InMessage:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return InMessage(CHANNEL, user, Kind.BUTTON, payload=choices[int(text) - 1][0], language_hint=lang)
    for choice_id, label in choices:
        if text.casefold() == label.casefold():
            return InMessage(CHANNEL, user, Kind.BUTTON, payload=choice_id, language_hint=lang)
    return InMessage(CHANNEL, user, Kind.TEXT, text=line.rstrip("\n"), language_hint=lang)


async def run_console(
    app: App, user: str = "local", lang: str = "id", stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    conversations = Conversations(app.store, app.domain, app.today)
    interactive = stdin.isatty()
    choices: list[tuple[str, str]] = []
    if interactive:
        stdout.write("SIGAP bot — ketik pesan, nomor tombol, atau Ctrl-D untuk keluar.\n\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        if not line.strip() and not interactive:
            continue
        replies = await conversations.handle(to_message(line, choices, user, lang))
        text, choices = render(replies)
        stdout.write(text + "\n")
        stdout.flush()
