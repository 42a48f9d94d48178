"""The Telegram webhook route: aiogram's request handler, with the body read and the update validated here
first, so a request of the wrong size or shape gets 413, 400 or an ignoring 200 with one WARNING line —
never a traceback, and never the update's values (a pydantic error repeats the input, a NIK included)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.webhook_body import Refused, parse_object, read_body

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_ERRORS_LOGGED = 3


def describe(error: ValidationError) -> str:
    """Error types and field paths only (`missing at update_id`), never the input."""
    details = error.errors(include_url=False, include_context=False, include_input=False)
    shown = [f"{item['type']} at {'.'.join(str(part) for part in item['loc']) or '(root)'}" for item in details]
    more = len(shown) - MAX_ERRORS_LOGGED
    return "; ".join(shown[:MAX_ERRORS_LOGGED]) + (f"; and {more} more" if more > 0 else "")


class TelegramWebhook(SimpleRequestHandler):
    async def handle(self, request: web.Request) -> web.Response:
        # The size cap first, as on the WhatsApp webhook: 413 whether or not the secret is right.
        try:
            raw = await read_body(request)
        except Refused as refused:
            return refused.response(CHANNEL)
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
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
        task = asyncio.create_task(self._feed(bot, update))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({})

    __call__ = handle

    async def _feed(self, bot: Bot, update: Update) -> None:
        try:
            result: Any = await self.dispatcher.feed_update(bot, update, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot=bot, result=result)
        except Exception as error:  # the channel's handlers answer their own errors; this is the rest
            log.error("telegram: update %d failed: %s", update.update_id, type(error).__name__)
