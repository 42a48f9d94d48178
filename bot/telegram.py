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
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
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

from bot.sender import Outcome
from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply, split_text
from sigap_core.i18n import Translator
from sigap_core.store.repositories import Store

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_SEND_ATTEMPTS = 4
MAX_RETRY_AFTER = 60.0


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
    def __init__(self, token: str, api_base: str, conversations: Conversations, store: Store) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
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
        except Exception:
            log.exception("telegram: handling a %s message failed", incoming.kind.value)
            _ = Translator(incoming.language_hint)
            replies = [Reply(_("Maaf, ada gangguan di sistem kami. Silakan coba lagi sebentar lagi."))]
        await self.send(chat_id, replies)

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
        for attempt in range(1, MAX_SEND_ATTEMPTS + 1):
            try:
                await self.bot.send_message(chat_id, text, reply_markup=keyboard)
                return True
            except TelegramRetryAfter as error:
                if attempt == MAX_SEND_ATTEMPTS:
                    log.error("telegram: still throttled after %d attempts; reply dropped", attempt)
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
        try:
            message = await self.bot.send_message(int(user_key), text)
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

    async def start_polling(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.set_commands()
        await self.dispatcher.start_polling(self.bot, handle_signals=False, allowed_updates=self.allowed_updates())

    async def stop_polling(self) -> None:
        with suppress(RuntimeError):  # not polling
            await self.dispatcher.stop_polling()

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.set_commands()
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=self.allowed_updates())

    def allowed_updates(self) -> list[str]:
        return self.dispatcher.resolve_used_update_types()

    async def close(self) -> None:
        await self.bot.session.close()
