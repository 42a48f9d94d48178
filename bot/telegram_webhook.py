"""The Telegram webhook route (CONTRACT §4): the body read under the size cap, the secret checked in constant
time, the update validated, then written to the inbox before the 200 (bot/inbox.py handles it after).

A request of the wrong size or shape gets 413, 400 or an ignoring 200 with one WARNING line — never a
traceback, and never the update's values (a pydantic error repeats the input, a NIK included). 503 while
the database cannot take the update, so Telegram delivers it again later."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiohttp import web
from pydantic import ValidationError

from bot.inbox import InboxWorker
from bot.webhook_body import Refused, parse_object, read_body

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_ERRORS_LOGGED = 3
Handler = Callable[[web.Request], Awaitable[web.Response]]


def describe(error: ValidationError) -> str:
    """Error types and field paths only (`missing at update_id`), never the input."""
    details = error.errors(include_url=False, include_context=False, include_input=False)
    shown = [f"{item['type']} at {'.'.join(str(part) for part in item['loc']) or '(root)'}" for item in details]
    more = len(shown) - MAX_ERRORS_LOGGED
    return "; ".join(shown[:MAX_ERRORS_LOGGED]) + (f"; and {more} more" if more > 0 else "")


def telegram_webhook(worker: InboxWorker, secret: str, bot: Bot) -> Handler:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        # The size cap first, as on the WhatsApp webhook: 413 whether or not the secret is right.
        try:
            raw = await read_body(request)
        except Refused as refused:
            return refused.response(CHANNEL)
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="Unauthorized")
        try:
            payload = parse_object(raw)
        except Refused as refused:
            return refused.response(CHANNEL)
        try:
            update = Update.model_validate(payload, context={"bot": bot})
        except ValidationError as error:
            # 200: Telegram would resend a refused update again and again; this one can never succeed.
            log.warning("telegram webhook: update ignored, it fails validation: %s", describe(error))
            return web.json_response({})
        try:
            update.event_type  # noqa: B018 - raises for an update of no type this aiogram knows
        except UpdateTypeLookupError:
            # Not fed to aiogram, which would print the whole update (message text included) in a warning.
            log.info("telegram webhook: update %d of no known type ignored", update.update_id)
            return web.json_response({})
        if not await worker.accept(raw):
            return web.Response(status=503, text="temporarily unavailable")
        return web.json_response({})

    return receive
