"""The terminal channel (`sigap chat`): interactive, or piped — one incoming message per input line.

Buttons and list rows print as `[1] Label`, numbered in the order the engine offers them; a line that is
just a number (or a label) presses it — the engine does that mapping for every channel (`as_choice`).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.bootstrap import App
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply

CHANNEL = "console"


def render(replies: list[Reply]) -> str:
    """Text for the terminal, choices numbered across all replies."""
    lines: list[str] = []
    number = 0
    for reply in replies:
        lines.append(reply.text)
        for _choice_id, label in reply.choices():
            number += 1
            lines.append(f"[{number}] {label}")
        lines.append("")
    return "\n".join(lines)


async def run_console(
    app: App, user: str = "local", lang: str = "id", stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    conversations = Conversations(app.store, app.domain, app.today)
    interactive = stdin.isatty()
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
        message = InMessage(CHANNEL, user, Kind.TEXT, text=line.rstrip("\n"), language_hint=lang)
        stdout.write(render(await conversations.handle(message)) + "\n")
        stdout.flush()
