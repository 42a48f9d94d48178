"""The terminal channel (`sigap chat`): interactive, or piped — one incoming message per input line.

Buttons and list rows print as `[1] Label`, numbered in the order the engine offers them; a line that is
just a number (or a label) presses it — the engine does that mapping for every channel (`as_choice`).

The terminal is also a channel the outbox delivers to: the direct messages queued for this chat (a ticket
notice to an officer, an officer's answer, the rating question) and the announcements it subscribed to are
printed after each turn and, while waiting for input, every `poll_seconds`. They are claimed under a lease
for this chat only (`OutboxRepository.claim(user_key=…)`), printed, then recorded as sent — so two terminals
on one database (a citizen, an officer) do the whole ticket journey, and neither prints the other's
messages. Their buttons continue the numbering of the last reply (`[4] Buka tiket`); typing that number (or
the label) presses them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

from bot.bootstrap import App
from bot.sender import process_id
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply
from sigap_core.broadcasts import announcement_text
from sigap_core.delivery import DeliveryState
from sigap_core.i18n import Translator
from sigap_core.services import Domain
from sigap_core.store.outbox import Result
from sigap_core.store.repositories import Store, utcnow

log = logging.getLogger(__name__)

CHANNEL = "console"
POLL_SECONDS = 2.0
BATCH = 20
LEASE = timedelta(seconds=30)  # printing takes no time; a process killed mid-way prints them again later


def render(replies: list[Reply], start: int = 0) -> str:
    """Text for the terminal, choices numbered across all replies (from `start` + 1)."""
    lines: list[str] = []
    number = start
    for reply in replies:
        lines.append(reply.text)
        for _choice_id, label in reply.choices():
            number += 1
            lines.append(f"[{number}] {label}")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class Delivered:
    text: str
    buttons: tuple[tuple[str, str], ...]  # (payload, label)


class ConsoleInbox:
    """The outbox's pending messages for one terminal chat, taken once each."""

    def __init__(self, store: Store, domain: Domain, user: str, owner: str) -> None:
        self.store = store
        self.domain = domain
        self.user = user
        self.owner = owner

    async def take(self) -> tuple[list[Delivered], list[Result]]:
        """Claim this chat's due messages: what to print, and the results to record once printed."""
        now = utcnow()
        async with self.store.uow() as uow:
            if not await uow.outbox.has_due(CHANNEL, self.user, now):
                return [], []  # the usual poll: a read, no write lock
        async with self.store.uow() as uow:
            await uow.outbox.recover_expired(CHANNEL, now)  # a terminal killed between printing and recording
            rows = await uow.outbox.claim(CHANNEL, self.owner, LEASE, BATCH, now, user_key=self.user)
            if not rows:
                return [], []
            messages = await uow.broadcasts.messages(row.broadcast_id for row in rows)
            announced = any(not messages[row.broadcast_id].direct for row in rows)
            active = await uow.outbox.subscribed(CHANNEL, [self.user]) if announced else set()
            await uow.broadcasts.start(row.broadcast_id for row in rows)
        _ = Translator("id")
        delivered: list[Delivered] = []
        results: list[Result] = []
        for row in rows:
            message = messages[row.broadcast_id]
            if message.direct:
                delivered.append(Delivered(message.text, message.buttons))
            elif self.user in active:
                text = announcement_text(_, self.domain, message.kode_kelurahan, message.text)
                delivered.append(Delivered(text, ()))
            else:
                results.append(Result(row.id, DeliveryState.OPTED_OUT, "", row.attempts))
                continue
            results.append(Result(row.id, DeliveryState.SENT, "", row.attempts + 1))
        return delivered, results

    async def printed(self, results: list[Result]) -> None:
        """Recorded as sent (announcements to a chat that stopped them: opted out)."""
        if not results:
            return
        now = utcnow()
        async with self.store.uow() as uow:
            await uow.outbox.record(self.owner, results, now)
            await uow.broadcasts.finish_sent(now)
        log.debug("console: %d queued messages shown", len(results))


@dataclass
class Screen:
    """What is on the terminal: the numbering so far, and the buttons of delivered messages by number."""

    out: TextIO
    interactive: bool
    numbered: int = 0
    pressable: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (payload, label)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def turn(self, replies: list[Reply]) -> None:
        self.out.write(render(replies) + "\n")
        self.numbered = sum(len(reply.choices()) for reply in replies)
        self.pressable = {}

    def delivered(self, messages: list[Delivered], at_prompt: bool) -> None:
        lines: list[str] = [""] if at_prompt else []  # off the "> " line
        for message in messages:
            lines.append(message.text)
            for payload, label in message.buttons:
                self.numbered += 1
                self.pressable[self.numbered] = (payload, label)
                lines.append(f"[{self.numbered}] {label}")
            lines.append("")
        self.out.write("\n".join(lines) + "\n")
        if at_prompt:
            self.out.write("> ")
        self.out.flush()

    def press(self, text: str) -> tuple[str, str] | None:
        """A typed number (or label) of a delivered message's button: its (payload, label)."""
        typed = text.strip()
        if typed.isdigit() and int(typed) in self.pressable:
            return self.pressable[int(typed)]
        folded = typed.casefold()
        return next((pair for pair in self.pressable.values() if pair[1].casefold() == folded), None)


async def run_console(
    app: App,
    user: str = "local",
    lang: str = "id",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    conversations = Conversations(app.store, app.domain, app.today)
    inbox = ConsoleInbox(app.store, app.domain, user, process_id())
    interactive = stdin.isatty()
    screen = Screen(stdout, interactive)
    waiting = asyncio.Event()  # set while the terminal waits for a line (a delivery then redraws the prompt)

    async def deliver() -> None:
        try:
            async with screen.lock:
                messages, results = await inbox.take()
                if messages:
                    screen.delivered(messages, at_prompt=interactive and waiting.is_set())
                await inbox.printed(results)
        except Exception as error:  # the database busy or away for a moment: the next check tries again
            log.warning("console: could not check for queued messages (%s)", type(error).__name__)

    async def poll() -> None:
        while True:
            await asyncio.sleep(poll_seconds)
            await deliver()

    if interactive:
        stdout.write("SIGAP bot — ketik pesan, nomor tombol, atau Ctrl-D untuk keluar.\n\n")
    await deliver()
    poller = asyncio.create_task(poll()) if poll_seconds > 0 else None
    loop = asyncio.get_running_loop()
    try:
        while True:
            if interactive:
                stdout.write("> ")
            stdout.flush()
            waiting.set()
            line = await loop.run_in_executor(None, stdin.readline)
            waiting.clear()
            if not line:
                break
            if not line.strip() and not interactive:
                continue
            async with screen.lock:
                pressed = screen.press(line)
                if pressed is not None:
                    message = InMessage(
                        CHANNEL, user, Kind.BUTTON, text=pressed[1], payload=pressed[0], language_hint=lang
                    )
                else:
                    message = InMessage(CHANNEL, user, Kind.TEXT, text=line.rstrip("\n"), language_hint=lang)
                screen.turn(await conversations.handle(message))
            await deliver()
    finally:
        if poller is not None:
            poller.cancel()
    await deliver()
    stdout.flush()
