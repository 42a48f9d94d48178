"""The service (`sigap run`): one aiohttp app for /healthz and the webhooks, plus Telegram long polling when
no webhook URL is set."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import suppress
from datetime import timedelta

from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.bootstrap import App
from bot.sender import BroadcastSender, Deliver, process_id
from bot.telegram import TelegramChannel
from bot.whatsapp import WhatsAppChannel, WhatsAppClient
from handlers.engine import Conversations
from handlers.model import Reply
from sigap_core.config import Settings
from sigap_core.store.leadership import leadership

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/webhooks/telegram"
WHATSAPP_KEY = web.AppKey("whatsapp", WhatsAppChannel)
SENDERS_KEY = web.AppKey("senders", list[BroadcastSender])
# Young-generation threshold of the cyclic GC while serving (CPython's default is 700). A turn allocates a
# few thousand short-lived objects (aiogram/pydantic models, SQLAlchemy rows) that reference counting frees;
# at 700 the collector ran several times per update and, with the default 10/10 older thresholds, kept
# rescanning the long-lived start-up heap: 20 % of a webhook update's CPU in bench/telegram_webhook.py.
GC_YOUNG_THRESHOLD = 10_000
# How often each process asks whether a run-once job (the hourly prune) is due.
JOB_CHECK_SECONDS = 60.0


def settle_heap() -> None:
    """Called once the long-running service is built (`serve`): move everything allocated at start-up
    (ORM mappers, pydantic schemas, catalogs, policy) out of the collector's sight and collect young
    objects less often. Cycles are still collected; only the pauses change (measured in bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)


class ConfigurationError(Exception):
    pass


def build_whatsapp(app: App, conversations: Conversations) -> WhatsAppChannel | None:
    settings = app.settings
    if not settings.whatsapp_enabled:
        return None
    assert settings.whatsapp_token and settings.whatsapp_app_secret and settings.whatsapp_phone_number_id
    verify = settings.whatsapp_verify_token.get_secret_value() if settings.whatsapp_verify_token else ""
    client = WhatsAppClient(
        settings.whatsapp_graph_base, settings.whatsapp_phone_number_id, settings.whatsapp_token.get_secret_value()
    )
    return WhatsAppChannel(
        client,
        conversations,
        app.store,
        settings.whatsapp_app_secret.get_secret_value(),
        verify,
        settings.whatsapp_template_name,
        settings.whatsapp_template_language,
    )


def _webhook_secret(settings: Settings) -> str:
    return settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""


def build_web_app(app: App, conversations: Conversations) -> tuple[web.Application, TelegramChannel | None]:
    """The aiohttp application and the Telegram channel (None when Telegram is off)."""
    settings = app.settings
    web_app = web.Application(client_max_size=1 << 20)

    web_app[SENDERS_KEY] = []

    async def healthz(request: web.Request) -> web.Response:
        healthy = await app.store.ping()
        return web.json_response(
            {
                "status": "ok" if healthy else "database unavailable",
                "database": healthy,
                "telegram": settings.telegram_enabled,
                "whatsapp": settings.whatsapp_enabled,
                # Which process sends each channel's broadcasts ("leader"; the others "standby").
                "senders": {sender.channel: sender.role for sender in request.app[SENDERS_KEY]},
            },
            status=200 if healthy else 503,
        )

    web_app.router.add_get("/healthz", healthz)
    whatsapp = build_whatsapp(app, conversations)
    if whatsapp is not None:
        whatsapp.register(web_app)
        web_app[WHATSAPP_KEY] = whatsapp

        async def close_whatsapp(_app: web.Application) -> None:
            await whatsapp.close()

        web_app.on_cleanup.append(close_whatsapp)
    telegram = None
    if settings.telegram_enabled:
        assert settings.telegram_token is not None
        telegram = TelegramChannel(
            settings.telegram_token.get_secret_value(), settings.telegram_api_base, conversations, app.store
        )
        if settings.telegram_webhook_url:
            secret = _webhook_secret(settings)
            if not secret:
                raise ConfigurationError("SIGAP_TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
            SimpleRequestHandler(
                dispatcher=telegram.dispatcher, bot=telegram.bot, secret_token=secret, handle_in_background=True
            ).register(web_app, path=TELEGRAM_PATH)
    return web_app, telegram


def build_senders(
    app: App, telegram: TelegramChannel | None, whatsapp: WhatsAppChannel | None
) -> list[BroadcastSender]:
    """One broadcast sender per enabled channel; reports go back to the chat that created the broadcast."""

    async def notify(created_by: str, text: str) -> None:
        channel, _sep, user_key = created_by.partition(":")
        if channel == "telegram" and telegram is not None:
            await telegram.send(int(user_key), [Reply(text)])
        elif channel == "whatsapp" and whatsapp is not None:
            await whatsapp.deliver(user_key, {"type": "text", "text": {"body": text, "preview_url": False}})

    settings = app.settings
    channels: list[tuple[str, Deliver, float]] = []
    if telegram is not None:
        channels.append(("telegram", telegram.deliver_announcement, settings.telegram_rate))
    if whatsapp is not None:
        channels.append(("whatsapp", whatsapp.deliver_announcement, settings.whatsapp_rate))
    # Every process runs a sender per channel; the one holding the channel's lock sends, the others stand by.
    return [
        BroadcastSender(
            app.store,
            app.domain,
            channel,
            deliver,
            rate,
            notify,
            lease_seconds=settings.outbox_lease_seconds,
            leadership=leadership(app.store.engine, f"sender:{channel}"),
        )
        for channel, deliver, rate in channels
    ]


async def prune_hourly(app: App, stop: asyncio.Event) -> None:
    """Retention, as the privacy notice promises: hourly, by one process of however many run."""
    from sigap_core.retention import prune
    from sigap_core.store.repositories import utcnow

    owner = process_id()
    while not stop.is_set():
        try:
            # Once an hour across all processes: the process that takes the job's turn runs it.
            async with app.store.uow() as uow:
                due = await uow.jobs.take_if_due("prune", owner, timedelta(hours=1), utcnow())
            if due:
                async with app.store.uow() as uow:
                    removed = await prune(uow, app.policy, utcnow())
                log.info("retention: %s", removed)
        except Exception:
            log.exception("retention sweep failed; retrying at the next check")
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), JOB_CHECK_SECONDS)


async def serve(app: App) -> None:
    """Run until cancelled."""
    settings = app.settings
    conversations = Conversations(app.store, app.domain, app.today)
    web_app, telegram = build_web_app(app, conversations)
    settle_heap()
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    log.warning("SIGAP service listening on http://%s:%s", settings.http_host, settings.http_port)
    tasks = []
    try:
        if telegram is not None:
            if settings.telegram_webhook_url:
                await telegram.set_webhook(settings.telegram_webhook_url, _webhook_secret(settings))
                log.warning("telegram: webhook mode")
            else:
                tasks.append(asyncio.create_task(telegram.start_polling()))
                log.warning("telegram: long polling")
        stop = asyncio.Event()
        tasks.append(asyncio.create_task(prune_hourly(app, stop)))
        whatsapp = web_app.get(WHATSAPP_KEY)
        for sender in build_senders(app, telegram, whatsapp):
            web_app[SENDERS_KEY].append(sender)
            tasks.append(asyncio.create_task(sender.run(stop)))
            log.warning("%s broadcast sender: %.0f messages/s", sender.channel, 1 / sender.interval)
        await stop.wait()  # until the process is cancelled
    finally:
        for task in tasks:
            task.cancel()
        # Let the senders hand back rows they claimed but did not send (not counted as resent).
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        if telegram is not None:
            await telegram.close()
        await runner.cleanup()
