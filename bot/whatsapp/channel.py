"""The WhatsApp channel: the webhook's routes, answering messages, delivery states, the 24-hour window and
broadcast delivery."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.health import Backoff, Health
from bot.inbox import InboxWorker
from bot.sender import Outcome
from bot.webhook_body import Refused, parse_object, read_body
from bot.whatsapp.client import GraphError, OutsideWindow, Throttled, WhatsAppClient
from bot.whatsapp.render import render
from bot.whatsapp.webhook import CHANNEL, Parsed, Status, parse_webhook, signature_ok
from handlers.engine import Conversations
from handlers.model import MAX_TEXT, Button, InMessage, Reply
from sigap_core.delivery import is_platform_state
from sigap_core.i18n import Translator
from sigap_core.store.availability import database_unavailable
from sigap_core.store.outbox import SENT_AS_TEMPLATE, STAFF_TEMPLATE, OutMessage, parse_template
from sigap_core.store.repositories import Store, aware, utcnow

log = logging.getLogger(__name__)

WHATSAPP_PATH = "/webhooks/whatsapp"
WINDOW = timedelta(hours=24)
SEND_ATTEMPTS = 5
DEFAULT_TICKET_TEMPLATE = "sigap_jawaban_petugas"  # Settings.whatsapp_ticket_template's default
DEFAULT_STAFF_TEMPLATE = "sigap_tiket_petugas"  # Settings.whatsapp_staff_template's default
OUTSIDE_WINDOW = "outside_window"  # `_send_once`'s own outcome: free text refused, the template goes next


class WhatsAppChannel:
    def __init__(
        self,
        client: WhatsAppClient,
        conversations: Conversations,
        store: Store,
        app_secret: str,
        verify_token: str,
        template_name: str,
        template_language: str,
        backoff_seconds: float = 1.0,
        health: Health | None = None,
        ticket_template_name: str = DEFAULT_TICKET_TEMPLATE,
        staff_template_name: str = DEFAULT_STAFF_TEMPLATE,
    ) -> None:
        self.client = client
        self.conversations = conversations
        self.store = store
        self.app_secret = app_secret.encode()
        self.verify_token = verify_token
        self.template_name = template_name
        self.template_language = template_language
        self.ticket_template_name = ticket_template_name
        self.staff_template_name = staff_template_name
        self.backoff_seconds = backoff_seconds
        self.health = health or Health()
        # Set by the service (bot/web.py): webhooks are written to the inbox before they are acknowledged.
        self.inbox: InboxWorker | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Sent-message records are written in batches: one transaction per flush instead of one per message
        # (on SQLite every write transaction queues on the single writer lock).
        self._pending: list[tuple[str, str]] = []
        self._flusher: asyncio.Task[None] | None = None

    def register(self, app: web.Application) -> None:
        app.router.add_get(WHATSAPP_PATH, self.verify)
        app.router.add_post(WHATSAPP_PATH, self.receive)

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and self.verify_token and hmac.compare_digest(token, self.verify_token):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="Forbidden")

    async def receive(self, request: web.Request) -> web.Response:
        try:
            raw = await read_body(request)
        except Refused as refused:
            return refused.response(CHANNEL)
        if not signature_ok(self.app_secret, raw, request.headers.get("X-Hub-Signature-256", "")):
            return web.Response(status=401, text="invalid signature")
        try:
            payload = parse_object(raw)
        except Refused as refused:
            return refused.response(CHANNEL)
        parsed = parse_webhook(payload)
        if parsed.problems:
            # Signed, so Meta sent it: 200 (a retry would not change it), the well-formed parts processed.
            log.warning("whatsapp webhook: skipped %s", "; ".join(parsed.problems))
        if self.inbox is not None:
            # Written down before the 200 (Meta does not resend what was acknowledged); handled after. When
            # the database cannot take it, 503: Meta retries later.
            if (parsed.messages or parsed.statuses) and not await self.inbox.accept(raw):
                return web.Response(status=503, text="temporarily unavailable")
            return web.Response(text="ok")
        # Answer at once (Meta retries slow webhooks); process after.
        task = asyncio.create_task(self.process(parsed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(text="ok")

    async def process_raw(self, raw: bytes) -> None:
        """Handle one webhook body from the inbox (it was checked, and its problems logged, before it was
        written there)."""
        await self.process(parse_webhook(json.loads(raw)))

    async def process(self, parsed: Parsed) -> None:
        for status in parsed.statuses:
            await self.record_status(status)
        # One user's messages in the order they were sent; different users at the same time.
        by_user: dict[str, list[InMessage]] = {}
        for message in parsed.messages:
            by_user.setdefault(message.user_key, []).append(message)
        results = await asyncio.gather(
            *(self._answer_in_order(queue) for queue in by_user.values()), return_exceptions=True
        )
        # The database went away under some of them: the whole payload is handled again later; the messages
        # already answered are recorded and change nothing the second time.
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _answer_in_order(self, queue: list[InMessage]) -> None:
        for message in queue:
            await self.answer(message)

    async def answer(self, incoming: InMessage) -> None:
        try:
            replies = await self.conversations.handle(incoming)
        except Exception as error:
            if database_unavailable(error):
                raise  # nothing was written; the inbox tries again once the database is back
            log.exception("whatsapp: handling a %s message failed", incoming.kind.value)
            _ = Translator(None)
            replies = [Reply(_("Maaf, ada gangguan di sistem kami. Silakan coba lagi sebentar lagi."))]
        # The turn is committed (and its message id recorded): its replies go out even when shutdown cancels
        # this task, or they would never be sent. `drain` waits for them.
        sending = asyncio.create_task(self._send_replies(incoming.user_key, replies))
        self._tasks.add(sending)
        sending.add_done_callback(self._tasks.discard)
        await asyncio.shield(sending)

    async def _send_replies(self, user_key: str, replies: list[Reply]) -> None:
        for reply in replies:
            for message in render(reply):
                if not await self.deliver(user_key, message):
                    return

    async def deliver(self, user_key: str, message: dict[str, Any]) -> bool:
        """Send with bounded retries on throttling and on the Graph API being away; record the message for
        delivery states. A message that could not be sent is logged (without its text) and counted."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            wait = self.backoff_seconds * 2 ** (attempt - 1)
            try:
                platform_id = await self.client.send(user_key, message)
            except Throttled as error:
                log.warning("whatsapp: throttled (%s), retry %d in %.1fs", error.code, attempt, wait)
                await asyncio.sleep(wait)
                continue
            except OutsideWindow:
                log.info("whatsapp: outside the 24-hour window; free text not retried")
                return False
            except GraphError as error:
                if error.status < 500:
                    log.error("whatsapp: send refused: %s %s", error.code, type(error).__name__)
                    self.health.count("whatsapp_replies_not_sent")
                    return False
                self._platform_away(error)
                await asyncio.sleep(wait)
                continue
            except (TimeoutError, aiohttp.ClientError) as error:
                self._platform_away(error)
                await asyncio.sleep(wait)
                continue
            self.health.ok(CHANNEL)
            self._remember(user_key, platform_id)
            return True
        log.error("whatsapp: a message could not be sent after %d attempts; dropped", SEND_ATTEMPTS)
        self.health.count("whatsapp_replies_not_sent")
        return False

    def _platform_away(self, error: BaseException) -> None:
        self.health.degrade(CHANNEL, f"Graph API unreachable ({type(error).__name__})")

    def _remember(self, user_key: str, platform_id: str) -> None:
        self._pending.append((user_key, platform_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self, delay: float = 0.05) -> None:
        await asyncio.sleep(delay)
        backoff = Backoff()
        while True:
            try:
                await self.flush()
                return
            except Exception as error:
                if not database_unavailable(error):
                    log.exception("whatsapp: sent-message records not written")
                    return
                await backoff.wait()  # kept in memory until the database is back

    async def flush(self) -> None:
        """Write the sent-message records gathered so far, in one transaction."""
        while self._pending:
            batch, self._pending = self._pending, []
            now = utcnow()
            try:
                async with self.store.uow() as uow:
                    await uow.outgoing.add_accepted(CHANNEL, batch, now)
            except Exception:
                self._pending[:0] = batch
                raise

    async def record_status(self, status: Status) -> None:
        if not is_platform_state(status.state) or not status.platform_id:
            return
        await self.flush()  # a status can arrive right after the send it is about
        async with self.store.uow() as uow:
            now = utcnow()
            await uow.outgoing.follow_callback(CHANNEL, status.platform_id, status.state, status.error, now)
            # The broadcast outbox row for this message, if any, follows the same forward-only rule.
            await uow.outbox.follow_callback(CHANNEL, status.platform_id, status.state, status.error, now)

    async def within_window(self, user_key: str) -> bool:
        async with self.store.uow() as uow:
            conversation = await uow.conversations.get(CHANNEL, user_key)
        last = aware(conversation.last_inbound_at) if conversation else None
        return last is not None and datetime.now(UTC) - last < WINDOW

    def _template(self, text: str, name: str = "") -> dict[str, Any]:
        """An approved template with one body parameter (outside the 24-hour window): by default the
        announcement template, the announcement as its parameter."""
        return {
            "type": "template",
            "template": {
                "name": name or self.template_name,
                "language": {"code": self.template_language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": text[:1024]}]}],
            },
        }

    def _direct_template(self, message: OutMessage) -> dict[str, Any]:
        """What a direct message becomes outside the window: the ticket template (to a citizen) or the staff
        template (a notice to staff) with the ticket number only (never a question's or an answer's content,
        so nothing is cut), or the announcement template with the text."""
        chosen = parse_template(message.template)
        if chosen is None:
            return self._template(message.text)
        key, parameter = chosen
        name = self.staff_template_name if key == STAFF_TEMPLATE else self.ticket_template_name
        return self._template(parameter, name)

    async def deliver_announcement(self, user_key: str, text: str) -> Outcome:
        """One attempt for the broadcast sender: text inside the 24-hour window, else the template.

        The sender owns retries and pacing; a text refused as outside the window (131047) is sent as the
        template at once, never retried as text."""
        template = self._template(text)
        message = (
            {"type": "text", "text": {"body": text[:MAX_TEXT], "preview_url": False}}
            if await self.within_window(user_key)
            else template
        )
        try:
            try:
                platform_id = await self.client.send(user_key, message)
            except OutsideWindow:
                platform_id = await self.client.send(user_key, template)
        except (GraphError, aiohttp.ClientError, TimeoutError) as error:
            return self._failed_send(error)
        self.health.ok(CHANNEL)
        self._remember(user_key, platform_id)
        return Outcome("sent", platform_id=platform_id)

    async def deliver_direct(self, user_key: str, message: OutMessage) -> Outcome:
        """One attempt at a direct message (ticket notice, an officer's answer) for the sender.

        Inside the 24-hour window: the text with its buttons as reply buttons (a press comes back as a
        BUTTON with the payload; a text over 1,024 characters goes first, the buttons under it). Outside
        it, or when Meta says the window closed (131047): the message's template, marked in the row's reason
        (`SENT_AS_TEMPLATE`), since the citizen has yet to read the text itself."""
        if await self.within_window(user_key):
            reply = Reply(message.text, buttons=tuple(Button(payload, label) for payload, label in message.buttons))
            outcome = await self._send_once(user_key, render(reply), "")
            if outcome.state != OUTSIDE_WINDOW:
                return outcome
        outcome = await self._send_once(user_key, [self._direct_template(message)], SENT_AS_TEMPLATE)
        if outcome.state == OUTSIDE_WINDOW:  # not for a template; never left for the sender to guess at
            return Outcome("failed", "131047 template refused as outside the window")
        return outcome

    async def _send_once(self, user_key: str, messages: list[dict[str, Any]], note: str) -> Outcome:
        """Send these messages in order, once each; the outcome carries the first one's platform id (the text,
        which a reply names). A failure part-way is retried as a whole."""
        first = ""
        for message in messages:
            try:
                platform_id = await self.client.send(user_key, message)
            except OutsideWindow:
                return Outcome(OUTSIDE_WINDOW)
            except (GraphError, aiohttp.ClientError, TimeoutError) as error:
                return self._failed_send(error)
            self._remember(user_key, platform_id)
            first = first or platform_id
        self.health.ok(CHANNEL)
        return Outcome("sent", note, platform_id=first)

    def _failed_send(self, error: GraphError | aiohttp.ClientError | TimeoutError) -> Outcome:
        """What a failed send means for the sender, for broadcasts and direct messages alike: throttled →
        retry after a longer pause; Meta's 5xx or no connection → the platform is away (retry); any other
        refusal → failed."""
        if isinstance(error, Throttled):
            return Outcome("retry", f"{error.code} throttled", self.backoff_seconds * 5)
        if isinstance(error, GraphError):
            if error.status >= 500:
                self._platform_away(error)
                return Outcome("retry", f"{error.status} {error.code} {error.title}"[:200], 5.0, platform_away=True)
            return Outcome("failed", f"{error.code} {error.title}"[:200])
        self._platform_away(error)
        return Outcome("retry", type(error).__name__, 5.0, platform_away=True)

    async def drain(self) -> None:
        """Wait for webhook work under way and write what it sent (tests, shutdown)."""
        if self.inbox is not None:
            await self.inbox.settle()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        with suppress(Exception):  # the database away at shutdown: only delivery states are lost
            await self.flush()

    async def close(self) -> None:
        await self.drain()
        await self.client.close()
