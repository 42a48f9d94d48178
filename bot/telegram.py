"""Telegram channel on aiogram 3: long polling or webhook, inline keyboards, own-phone verification.

aiogram stays at this edge: updates become InMessage, the channel-neutral engine answers, and replies are
rendered here. Nothing in handlers/ sees an aiogram object.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import lru_cache
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
    Update,
)

from bot.health import STARTING, Backoff, Health
from bot.sender import Outcome
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply, split_text
from sigap_core.i18n import Translator
from sigap_core.store.availability import database_unavailable
from sigap_core.store.outbox import OutMessage
from sigap_core.store.repositories import Store

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_SEND_ATTEMPTS = 4
MAX_RETRY_AFTER = 60.0
REPLY_ATTEMPTS = 3  # a reply is tried this often while the Bot API cannot be reached, then dropped and counted
POLLING_TIMEOUT = 30


def unreachable(error: BaseException) -> bool:
    """The Bot API cannot be reached or failed on its side (not: it refused this request)."""
    return isinstance(error, TelegramNetworkError | TelegramServerError | TimeoutError | OSError)


def reason(error: BaseException) -> str:
    name = type(error).__name__
    return f"Bot API unreachable ({name})" if unreachable(error) else f"Bot API error ({name})"


class _WatchBotApi(BaseRequestMiddleware):
    """Every Bot API call tells the channel's health whether the Bot API answered."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except Exception as error:
            if unreachable(error):
                self.channel.health.degrade(CHANNEL, reason(error))
            raise
        if self.channel.started:
            self.channel.health.ok(CHANNEL)
        return response


@lru_cache(maxsize=512)  # replies are immutable and mostly the same few menus: build each keyboard once
def markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if reply.request_contact:
        # A message carries one keyboard: the contact request wins; "Menu" can be typed or tapped.
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=reply.contact_label or "📱", request_contact=True)],
                [KeyboardButton(text="Menu")],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    rows: list[list[InlineKeyboardButton]] = []
    if reply.buttons:
        rows.append([InlineKeyboardButton(text=b.label, callback_data=b.id) for b in reply.buttons])
    if reply.menu:
        rows.extend([InlineKeyboardButton(text=r.title, callback_data=r.id)] for r in reply.menu.rows)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def message_kind(message: Message) -> Kind:
    if message.text is not None:
        return Kind.TEXT
    if message.contact is not None:
        return Kind.CONTACT
    if message.sticker is not None:
        return Kind.STICKER
    if message.photo:
        return Kind.IMAGE
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return Kind.AUDIO
    if message.video is not None or message.animation is not None:
        return Kind.VIDEO
    if message.document is not None:
        return Kind.DOCUMENT
    if message.location is not None or message.venue is not None:
        return Kind.LOCATION
    return Kind.UNKNOWN


class TelegramChannel:
    def __init__(
        self,
        token: str,
        api_base: str,
        conversations: Conversations,
        store: Store,
        health: Health | None = None,
        retry_cap: float = 15.0,
    ) -> None:
        self.health = health or Health()
        self.retry_cap = retry_cap
        self.started = False  # webhook registered, or the first long poll answered
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
        session.middleware(_WatchBotApi(self))
        self.bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=None))
        self.conversations = conversations
        self.store = store
        self.dispatcher = Dispatcher()
        router = Router(name="sigap")
        router.message.register(self.on_message)
        router.edited_message.register(self.on_edited_message)
        router.callback_query.register(self.on_callback)
        router.my_chat_member.register(self.on_my_chat_member)
        router.channel_post.register(self.on_channel_post)
        self.dispatcher.include_router(router)
        # Repeated update_ids reach the engine with their id and are dropped there, in the same transaction
        # as the dialog change; updates that never reach the engine are harmless to repeat.
        self.dispatcher.update.outer_middleware(self._remember_update_id)
        self._username: str | None = None
        self._sending: set[asyncio.Task[bool]] = set()

    # Incoming ---------------------------------------------------------------------------------

    async def _remember_update_id(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        data["update_id"] = event.update_id
        return await handler(event, data)

    async def on_message(self, message: Message, update_id: int = 0) -> None:
        if message.chat.type != "private":
            await self._send_text(message.chat.id, await self._private_only_text(message))
            return
        sender = message.from_user
        kind = message_kind(message)
        incoming = InMessage(
            CHANNEL,
            str(message.chat.id),
            kind,
            text=message.text or "",
            contact_phone=message.contact.phone_number if message.contact else "",
            contact_is_own=bool(message.contact and sender and message.contact.user_id == sender.id),
            language_hint=(sender.language_code or "") if sender else "",
            external_id=str(update_id) if update_id else "",
            reply_to=str(message.reply_to_message.message_id) if message.reply_to_message else "",
        )
        await self._answer(message.chat.id, incoming)

    async def on_edited_message(self, message: Message) -> None:
        if message.chat.type == "private":
            _ = Translator(message.from_user.language_code if message.from_user else None)
            await self._send_text(
                message.chat.id, _("Pesan yang diubah tidak diproses ulang. Silakan kirim pesan baru.")
            )

    async def on_callback(self, query: CallbackQuery, update_id: int = 0) -> None:
        with suppress(TelegramBadRequest):  # too old to answer: still act on it
            await query.answer()  # every callback is answered, or the button keeps spinning
        chat_id = query.message.chat.id if query.message else query.from_user.id
        if query.message and query.message.chat.type != "private":
            return
        incoming = InMessage(
            CHANNEL,
            str(chat_id),
            Kind.BUTTON,
            payload=query.data or "",
            language_hint=query.from_user.language_code or "",
            external_id=str(update_id) if update_id else "",
            # The button's own message: a press on a ticket notice's button names that notice.
            reply_to=str(query.message.message_id) if query.message else "",
        )
        await self._answer(chat_id, incoming)

    async def on_my_chat_member(self, event: ChatMemberUpdated) -> None:
        if event.chat.type == "private" and event.new_chat_member.status == "kicked":
            await self.mark_blocked(str(event.chat.id))

    async def on_channel_post(self, message: Message) -> None:
        log.info("channel post in %s ignored: the bot serves private chats", message.chat.id)

    async def _private_only_text(self, message: Message) -> str:
        _ = Translator(message.from_user.language_code if message.from_user else None)
        if self._username is None:
            self._username = (await self.bot.me()).username
        return _(
            "Untuk menjaga data pribadi, layanan SIGAP hanya lewat chat pribadi. Buka https://t.me/{username} "
            "lalu tekan Mulai."
        ).format(username=self._username or "")

    async def _answer(self, chat_id: int, incoming: InMessage) -> None:
        try:
            replies = await self.conversations.handle(incoming)
        except Exception as error:
            if database_unavailable(error):
                raise  # nothing was written; the update is handled again once the database is back
            log.exception("telegram: handling a %s message failed", incoming.kind.value)
            _ = Translator(incoming.language_hint)
            replies = [Reply(_("Maaf, ada gangguan di sistem kami. Silakan coba lagi sebentar lagi."))]
        # The turn is committed (its update_id recorded): the replies go out even when shutdown cancels this
        # task, or they would never be sent. `close` waits for them.
        sending = asyncio.create_task(self.send(chat_id, replies))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)
        await asyncio.shield(sending)

    # Outgoing ---------------------------------------------------------------------------------

    async def send(self, chat_id: int, replies: list[Reply]) -> bool:
        """Send replies in order; False when the user blocked the bot."""
        for reply in replies:
            pieces = split_text(reply.text)
            for index, piece in enumerate(pieces):
                keyboard = markup(reply) if index == len(pieces) - 1 else None
                if not await self._send_text(chat_id, piece, keyboard):
                    return False
        return True

    async def _send_text(
        self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
    ) -> bool:
        away = 0
        for attempt in range(1, MAX_SEND_ATTEMPTS + REPLY_ATTEMPTS + 1):
            try:
                await self.bot.send_message(chat_id, text, reply_markup=keyboard)
                return True
            except (TelegramNetworkError, TelegramServerError) as error:
                away += 1
                if away >= REPLY_ATTEMPTS:
                    log.error("telegram: a reply could not be sent (%s); dropped", type(error).__name__)
                    self.health.count("telegram_replies_not_sent")
                    return False
                await asyncio.sleep(0.5 * 2**away)
            except TelegramRetryAfter as error:
                if attempt - away >= MAX_SEND_ATTEMPTS:
                    log.error("telegram: still throttled after %d attempts; reply dropped", attempt)
                    self.health.count("telegram_replies_not_sent")
                    raise
                wait = min(float(error.retry_after), MAX_RETRY_AFTER)
                log.warning("telegram: throttled (429), retrying in %.0fs", wait)
                await asyncio.sleep(wait)
            except TelegramForbiddenError:
                await self.mark_blocked(str(chat_id))
                return False
        return False

    async def deliver_announcement(self, user_key: str, text: str) -> Outcome:
        """One attempt for the broadcast sender, which owns retries and pacing."""
        return await self._deliver_once(user_key, text, None)

    async def deliver_direct(self, user_key: str, message: OutMessage) -> Outcome:
        """One attempt at a direct message (ticket notice, an officer's answer): its buttons as an inline
        keyboard, one row; a press comes back as a BUTTON with the button's payload."""
        keyboard = (
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=label, callback_data=payload) for payload, label in message.buttons]
                ]
            )
            if message.buttons
            else None
        )
        return await self._deliver_once(user_key, message.text, keyboard)

    async def _deliver_once(self, user_key: str, text: str, keyboard: InlineKeyboardMarkup | None) -> Outcome:
        try:
            message = await self.bot.send_message(int(user_key), text, reply_markup=keyboard)
        except TelegramRetryAfter as error:
            return Outcome("retry", "429 too many requests", float(error.retry_after))
        except TelegramForbiddenError:
            await self.mark_blocked(user_key)
            return Outcome("blocked", "403 blocked by the user")
        except TelegramBadRequest as error:
            return Outcome("failed", f"400 {error.message}"[:200])
        return Outcome("sent", platform_id=str(message.message_id))

    async def mark_blocked(self, user_key: str) -> None:
        """The user blocked the bot: no more announcements until they come back."""
        async with self.store.uow() as uow:
            subscription = await uow.subscriptions.get(CHANNEL, user_key)
            if subscription is not None:
                await uow.subscriptions.set(CHANNEL, user_key, None, "blocked")
        log.info("telegram: a chat blocked the bot; marked unsubscribed")

    # Lifecycle --------------------------------------------------------------------------------

    async def set_commands(self) -> None:
        _ = Translator("id")
        await self.bot.set_my_commands(
            [
                BotCommand(command="start", description=_("Mulai dan lihat menu")),
                BotCommand(command="menu", description=_("Menu utama")),
                BotCommand(command="bantuan", description=_("Bantuan dan kontak")),
                BotCommand(command="berhenti", description=_("Berhenti langganan info")),
                BotCommand(command="petugas", description=_("Masuk sebagai petugas kelurahan")),
            ]
        )

    async def run(self, stop: asyncio.Event, webhook_url: str | None, secret: str) -> None:
        """The service's Telegram side: register (webhook and commands menu, or drop the webhook for long
        polling), retried with capped exponential backoff and jitter until the Bot API answers, then long-poll
        until `stop`. Nothing here stops the rest of the service."""
        self.health.set(CHANNEL, STARTING)
        backoff = Backoff(cap=self.retry_cap)
        while not stop.is_set():
            try:
                if webhook_url:
                    await self.set_webhook(webhook_url, secret)
                else:
                    await self.bot.delete_webhook(drop_pending_updates=False)
                    await self.set_commands()
                break
            except Exception as error:
                self.health.degrade(CHANNEL, reason(error))
                await backoff.wait(stop)
        else:
            return
        if webhook_url:
            self.started = True
            self.health.ok(CHANNEL)
            log.warning("telegram: webhook registered")
            return
        log.warning("telegram: long polling")
        await self.poll(stop)

    async def poll(self, stop: asyncio.Event, timeout: int = POLLING_TIMEOUT) -> None:
        """Long polling. An update is confirmed to Telegram (the next offset) only once it was handled, so
        with the database away the updates wait on Telegram's side, and nothing is lost on shutdown."""
        backoff = Backoff(cap=self.retry_cap)
        offset: int | None = None
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                fetch = asyncio.ensure_future(
                    self.bot.get_updates(
                        offset=offset,
                        timeout=timeout,
                        allowed_updates=self.allowed_updates(),
                        request_timeout=timeout + 30,
                    )
                )
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    await asyncio.gather(fetch, return_exceptions=True)
                    break
                try:
                    updates = fetch.result()
                except Exception as error:
                    self.health.degrade(CHANNEL, reason(error))
                    await backoff.wait(stop)
                    continue
                backoff.reset()
                self.started = True
                self.health.ok(CHANNEL)
                if updates:
                    if not await self._handle_batch(updates, stop):
                        break
                    offset = updates[-1].update_id + 1
            if offset is not None:
                with suppress(Exception):  # confirm what was handled, so a restart does not fetch it again
                    await self.bot.get_updates(offset=offset, timeout=0, limit=1)
        finally:
            stopping.cancel()

    async def _handle_batch(self, updates: list[Update], stop: asyncio.Event) -> bool:
        """Handle fetched updates; while the database is away, try again (what was handled is recorded and
        not repeated). False when shutdown came first: the batch stays unconfirmed, Telegram sends it again."""
        backoff = Backoff(cap=self.retry_cap)
        while True:
            results = await asyncio.gather(
                *(self.dispatcher.feed_update(self.bot, update) for update in updates), return_exceptions=True
            )
            away = [r for r in results if isinstance(r, BaseException) and database_unavailable(r)]
            for result in results:
                if isinstance(result, Exception) and not database_unavailable(result):
                    log.error("telegram: an update could not be handled (%s)", type(result).__name__)
            if not away:
                return True
            self.health.degrade("database", "unreachable")
            await backoff.wait(stop)
            if stop.is_set():
                return False

    async def process_raw(self, raw: bytes) -> None:
        """Handle one webhook update from the inbox."""
        try:
            update = Update.model_validate_json(raw, context={"bot": self.bot})
        except ValueError as error:  # pydantic's error would quote the input, which may be a NIK
            log.error("telegram: an update did not validate (%s); dropped", type(error).__name__)
            return
        await self.dispatcher.feed_update(self.bot, update)

    async def stop_polling(self) -> None:
        with suppress(RuntimeError):  # not polling
            await self.dispatcher.stop_polling()

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.set_commands()
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=self.allowed_updates())

    def allowed_updates(self) -> list[str]:
        return self.dispatcher.resolve_used_update_types()

    async def close(self) -> None:
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)
        await self.bot.session.close()
