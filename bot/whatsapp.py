"""WhatsApp channel: a thin Cloud API client of our own on aiohttp, the signed webhook, rendering within
WhatsApp's limits, delivery states, and the 24-hour customer-service window.

Users are keyed by the business-scoped user id (`user_id`, e.g. `ID.1234…`) when the webhook carries one,
else by `wa_id` (digits). Sending uses `recipient` for the former and `to` for the latter.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.sender import Outcome
from handlers.engine import Conversations
from handlers.model import (
    MAX_BUTTON_LABEL,
    MAX_BUTTONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_ROWS,
    MAX_TEXT,
    InMessage,
    Kind,
    Reply,
    split_text,
)
from sigap_core.delivery import is_platform_state
from sigap_core.i18n import Translator
from sigap_core.store.repositories import Store, aware, utcnow

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WHATSAPP_PATH = "/webhooks/whatsapp"
MAX_INTERACTIVE_BODY = 1024
THROTTLING_CODES = frozenset({4, 80007, 130429, 131048, 131056})
OUTSIDE_WINDOW_CODE = 131047
WINDOW = timedelta(hours=24)
SEND_ATTEMPTS = 5


class GraphError(Exception):
    def __init__(self, code: int, title: str, status: int) -> None:
        super().__init__(f"{code}: {title}")
        self.code = code
        self.title = title
        self.status = status


class Throttled(GraphError):
    """Rate or spam limits: back off and try again later."""


class OutsideWindow(GraphError):
    """131047: more than 24 hours since the user wrote; only a template may be sent."""


def recipient_fields(user_key: str) -> dict[str, str]:
    return {"to": user_key} if user_key.isdigit() else {"recipient": user_key}


class WhatsAppClient:
    def __init__(self, graph_base: str, phone_number_id: str, token: str) -> None:
        self.url = f"{graph_base.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def send(self, user_key: str, message: dict[str, Any]) -> str:
        """Send one message; the platform's message id. Raises Throttled, OutsideWindow or GraphError."""
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **recipient_fields(user_key),
            **message,
        }
        http = await self._http()
        async with http.post(self.url, json=body, headers=self._headers) as response:
            data = await response.json(content_type=None)
            if response.status >= 400 or "error" in data:
                error = data.get("error", {}) if isinstance(data, dict) else {}
                code = int(error.get("code", 0) or 0)
                title = str(error.get("title") or error.get("message") or "error")[:200]
                if code in THROTTLING_CODES or response.status == 429:
                    raise Throttled(code, title, response.status)
                if code == OUTSIDE_WINDOW_CODE:
                    raise OutsideWindow(code, title, response.status)
                raise GraphError(code, title, response.status)
            return str(data["messages"][0]["id"])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


# Rendering -------------------------------------------------------------------------------------------


# Neither language's word: the channel renders without knowing the user's language, and "Menu" reads the
# same in Indonesian and English.
LIST_BUTTON_FALLBACK = "☰ Menu"
CHOICES_BELOW = "👇"


def _texts(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"body": piece, "preview_url": False}} for piece in split_text(text)]


def render(reply: Reply) -> list[dict[str, Any]]:
    """WhatsApp messages for one reply: reply buttons (≤3), else a list (≤10 rows), else numbered text."""
    choices = reply.choices()
    labels = [label for _, label in choices]
    if not choices:
        return _texts(reply.text)
    # Interactive bodies hold 1024 characters: longer text goes first, the choices follow under a pointer.
    text_first = len(reply.text) > MAX_INTERACTIVE_BODY
    messages = _texts(reply.text) if text_first else []
    body = CHOICES_BELOW if text_first else reply.text
    buttons_fit = (
        not reply.menu
        and len(choices) <= MAX_BUTTONS
        and len(set(labels)) == len(labels)
        and all(len(label) <= MAX_BUTTON_LABEL for label in labels)
    )
    if buttons_fit:
        buttons = [{"type": "reply", "reply": {"id": cid, "title": label}} for cid, label in choices]
        interactive = {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}
        return [*messages, {"type": "interactive", "interactive": interactive}]
    if len(choices) <= MAX_ROWS and all(len(label) <= MAX_ROW_TITLE for label in labels):
        descriptions = {r.id: r.description for r in reply.menu.rows} if reply.menu else {}
        rows = []
        for cid, label in choices:
            row: dict[str, Any] = {"id": cid, "title": label}
            if descriptions.get(cid):
                row["description"] = descriptions[cid][:MAX_ROW_DESCRIPTION]
            rows.append(row)
        button = (reply.menu.button if reply.menu else "") or LIST_BUTTON_FALLBACK
        interactive = {
            "type": "list",
            "body": {"text": body},
            "action": {"button": button[:MAX_BUTTON_LABEL], "sections": [{"rows": rows}]},
        }
        return [*messages, {"type": "interactive", "interactive": interactive}]
    # Too many choices for any interactive form: numbered text; typing the number presses it.
    numbered = "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(choices, start=1))
    return messages + _texts(numbered if text_first else reply.text + "\n\n" + numbered)


# Incoming ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    platform_id: str
    state: str
    error: str


KIND_BY_TYPE = {
    "image": Kind.IMAGE,
    "sticker": Kind.STICKER,
    "audio": Kind.AUDIO,
    "voice": Kind.AUDIO,
    "video": Kind.VIDEO,
    "document": Kind.DOCUMENT,
    "location": Kind.LOCATION,
    "reaction": Kind.REACTION,
}


def parse_webhook(payload: dict[str, Any]) -> tuple[list[InMessage], list[Status]]:
    messages: list[InMessage] = []
    statuses: list[Status] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                incoming = _incoming(message, contacts)
                if incoming is not None:
                    messages.append(incoming)
            for status in value.get("statuses") or []:
                errors = status.get("errors") or [{}]
                statuses.append(
                    Status(
                        str(status.get("id", "")),
                        str(status.get("status", "")),
                        f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip(),
                    )
                )
    return messages, statuses


def _incoming(message: dict[str, Any], contacts: list[dict[str, Any]]) -> InMessage | None:
    wa_id = str(message.get("from") or "")
    contact = next((c for c in contacts if wa_id and c.get("wa_id") == wa_id), contacts[0] if contacts else {})
    user_id = str(message.get("from_user_id") or contact.get("user_id") or "")
    wa_id = wa_id or str(contact.get("wa_id") or "")
    user_key = user_id or wa_id
    if not user_key:
        log.warning("whatsapp message without sender id ignored")
        return None
    kind = Kind.UNKNOWN
    text = payload = ""
    match message.get("type"):
        case "text":
            kind, text = Kind.TEXT, str((message.get("text") or {}).get("body", ""))
        case "interactive":
            interactive = message.get("interactive") or {}
            chosen = interactive.get("button_reply") or interactive.get("list_reply") or {}
            kind, payload = Kind.BUTTON, str(chosen.get("id", ""))
        case "button":  # quick reply of a template
            button = message.get("button") or {}
            kind, payload = Kind.BUTTON, str(button.get("payload") or button.get("text") or "menu")
        case other if other in KIND_BY_TYPE:
            kind = KIND_BY_TYPE[str(other)]
    return InMessage(CHANNEL, user_key, kind, text=text, payload=payload, external_id=str(message.get("id", "")))


def signature_ok(app_secret: bytes, raw_body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret, raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


# The channel ------------------------------------------------------------------------------------------


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
    ) -> None:
        self.client = client
        self.conversations = conversations
        self.store = store
        self.app_secret = app_secret.encode()
        self.verify_token = verify_token
        self.template_name = template_name
        self.template_language = template_language
        self.backoff_seconds = backoff_seconds
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
        raw = await request.read()
        if not signature_ok(self.app_secret, raw, request.headers.get("X-Hub-Signature-256", "")):
            return web.Response(status=401, text="invalid signature")
        try:
            payload = json.loads(raw)
        except ValueError:
            return web.Response(status=400, text="invalid JSON")
        # Answer at once (Meta retries slow webhooks); process after.
        task = asyncio.create_task(self.process(payload if isinstance(payload, dict) else {}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(text="ok")

    async def process(self, payload: dict[str, Any]) -> None:
        messages, statuses = parse_webhook(payload)
        for status in statuses:
            await self.record_status(status)
        await asyncio.gather(*(self.answer(message) for message in messages))

    async def answer(self, incoming: InMessage) -> None:
        try:
            replies = await self.conversations.handle(incoming)
        except Exception:
            log.exception("whatsapp: handling a %s message failed", incoming.kind.value)
            _ = Translator(None)
            replies = [Reply(_("Maaf, ada gangguan di sistem kami. Silakan coba lagi sebentar lagi."))]
        for reply in replies:
            for message in render(reply):
                if not await self.deliver(incoming.user_key, message):
                    return

    async def deliver(self, user_key: str, message: dict[str, Any]) -> bool:
        """Send with bounded retries on throttling; record the message for delivery states."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                platform_id = await self.client.send(user_key, message)
            except Throttled as error:
                wait = self.backoff_seconds * 2 ** (attempt - 1)
                log.warning("whatsapp: throttled (%s), retry %d in %.1fs", error.code, attempt, wait)
                await asyncio.sleep(wait)
                continue
            except OutsideWindow:
                log.info("whatsapp: outside the 24-hour window; free text not retried")
                return False
            except (TimeoutError, GraphError, aiohttp.ClientError) as error:
                log.error("whatsapp: send failed: %s", type(error).__name__)
                return False
            self._remember(user_key, platform_id)
            return True
        log.error("whatsapp: still throttled after %d attempts; message not sent", SEND_ATTEMPTS)
        return False

    def _remember(self, user_key: str, platform_id: str) -> None:
        self._pending.append((user_key, platform_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self, delay: float = 0.05) -> None:
        await asyncio.sleep(delay)
        await self.flush()

    async def flush(self) -> None:
        """Write the sent-message records gathered so far, in one transaction."""
        while self._pending:
            batch, self._pending = self._pending, []
            now = utcnow()
            async with self.store.uow() as uow:
                await uow.outgoing.add_accepted(CHANNEL, batch, now)

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

    def _template(self, text: str) -> dict[str, Any]:
        """The approved template, the announcement as its one body parameter (outside the 24-hour window)."""
        return {
            "type": "template",
            "template": {
                "name": self.template_name,
                "language": {"code": self.template_language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": text[:1024]}]}],
            },
        }

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
        except Throttled as error:
            return Outcome("retry", f"{error.code} throttled", self.backoff_seconds * 5)
        except GraphError as error:
            return Outcome("failed", f"{error.code} {error.title}"[:200])
        except (aiohttp.ClientError, TimeoutError) as error:
            return Outcome("retry", type(error).__name__, 5.0)
        self._remember(user_key, platform_id)
        return Outcome("sent", platform_id=platform_id)

    async def drain(self) -> None:
        """Wait for webhook work under way and write what it sent (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.flush()

    async def close(self) -> None:
        await self.drain()
        await self.client.close()
