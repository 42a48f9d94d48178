"""The service (`sigap run`): one aiohttp app for /healthz and the webhooks, plus Telegram long polling when
no webhook URL is set."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot import dashboard
from bot.bootstrap import App
from bot.graph_versions import warn_if_expiring
from bot.health import OK, STARTING, Health
from bot.inbox import InboxWorker
from bot.sender import BroadcastSender, Deliver, DeliverDirect, process_id
from bot.webhook_body import MAX_BODY_BYTES
from bot.whatsapp import WhatsAppChannel, WhatsAppClient
from handlers.engine import Conversations
from handlers.model import Reply
from sigap_core.config import Settings
from sigap_core.store.availability import database_unavailable
from sigap_core.store.inbox import Inbox, Sealer
from sigap_core.store.leadership import leadership

# aiogram takes seconds to import (its types are rebuilt at import): it is imported only when a Telegram
# token is set, so a WhatsApp-only service and the CLI commands start without it.
if TYPE_CHECKING:
    from bot.telegram import TelegramChannel

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/webhooks/telegram"
WHATSAPP_KEY = web.AppKey("whatsapp", WhatsAppChannel)
HEALTH_KEY = web.AppKey("health", Health)
WORKERS_KEY = web.AppKey("inbox_workers", list[InboxWorker])
PING_SECONDS = 3.0
# A webhook request only writes to the inbox: at shutdown it is always given this long to be answered.
HTTP_GRACE = 2.0
Handler = Callable[[web.Request], Awaitable[web.Response]]
SENDERS_KEY = web.AppKey("senders", list[BroadcastSender])
# Young-generation threshold of the cyclic GC while serving (CPython's default is 700). A turn allocates a
# few thousand short-lived objects (aiogram/pydantic models, SQLAlchemy rows) that reference counting frees;
# at 700 the collector ran several times per update and, with the default 10/10 older thresholds, kept
# rescanning the long-lived start-up heap: 20 % of a webhook update's CPU in bench/telegram_webhook.py.
GC_YOUNG_THRESHOLD = 10_000
# How often each process asks whether a run-once job (the hourly prune and lifecycle notices) is due.
JOB_CHECK_SECONDS = 60.0
# Tickets whose reminder or escalation is due, handled per transaction by the hourly job (bench/README.md).
SLA_SLICE = 25


def settle_heap() -> None:
    """Called once the long-running service is built (`serve`): move everything allocated at start-up
    (ORM mappers, pydantic schemas, catalogs, policy) out of the collector's sight and collect young
    objects less often. Cycles are still collected; only the pauses change (measured in bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)


class ConfigurationError(Exception):
    pass


def build_whatsapp(app: App, conversations: Conversations, health: Health | None = None) -> WhatsAppChannel | None:
    settings = app.settings
    if not settings.whatsapp_enabled:
        return None
    assert settings.whatsapp_token and settings.whatsapp_app_secret and settings.whatsapp_phone_number_id
    warn_if_expiring(settings.whatsapp_graph_base, app.today())
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
        health=health or Health(),
        ticket_template_name=settings.whatsapp_ticket_template,
        staff_template_name=settings.whatsapp_staff_template,
    )


def _webhook_secret(settings: Settings) -> str:
    return settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""


def build_web_app(
    app: App, conversations: Conversations, health: Health | None = None
) -> tuple[web.Application, TelegramChannel | None]:
    """The aiohttp application and the Telegram channel (None when Telegram is off)."""
    settings = app.settings
    health = health or Health()
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app[HEALTH_KEY] = health
    web_app[SENDERS_KEY] = []
    inbox = Inbox(app.store, Sealer(app.domain.hasher.key))
    workers: list[InboxWorker] = []
    web_app[WORKERS_KEY] = workers
    cap = settings.retry_max_seconds
    web_app.router.add_get("/healthz", healthz(app, health))
    dashboard.register(web_app, app)
    whatsapp = build_whatsapp(app, conversations, health)
    if whatsapp is not None:
        health.ok("whatsapp")  # nothing to register: it serves as soon as the HTTP server does
        whatsapp.inbox = InboxWorker(inbox, "whatsapp", whatsapp.process_raw, health, cap)
        workers.append(whatsapp.inbox)
        whatsapp.register(web_app)
        web_app[WHATSAPP_KEY] = whatsapp

        async def close_whatsapp(_app: web.Application) -> None:
            await whatsapp.close()

        web_app.on_cleanup.append(close_whatsapp)
    telegram = None
    if settings.telegram_enabled:
        assert settings.telegram_token is not None
        from bot.telegram import TelegramChannel
        from bot.telegram_webhook import telegram_webhook

        telegram = TelegramChannel(
            settings.telegram_token.get_secret_value(),
            settings.telegram_api_base,
            conversations,
            app.store,
            health=health,
            retry_cap=cap,
        )
        health.set("telegram", STARTING)
        if settings.telegram_webhook_url:
            secret = _webhook_secret(settings)
            if not secret:
                raise ConfigurationError("SIGAP_TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
            worker = InboxWorker(inbox, "telegram", telegram.process_raw, health, cap)
            workers.append(worker)
            web_app.router.add_post(TELEGRAM_PATH, telegram_webhook(worker, secret, telegram.bot))
    return web_app, telegram


def healthz(app: App, health: Health) -> Handler:
    """GET /healthz: 200 with each channel's state while the database answers, else 503 (a load balancer
    takes the process out; the channels keep their own retries)."""

    async def answer(request: web.Request) -> web.Response:
        try:
            database = await asyncio.wait_for(app.store.ping(), PING_SECONDS)
        except TimeoutError:
            database = False
        if database:
            health.ok("database")
        else:
            health.degrade("database", "unreachable")
        channels = {part: state for part, state in health.states().items() if part != "database"}
        status = "ok" if all(state == OK for state in channels.values()) else "degraded"
        return web.json_response(
            {
                "status": status if database else "database unavailable",
                "database": database,
                "channels": channels,
                "replies_not_sent": {
                    channel: health.counters[f"{channel}_replies_not_sent"] for channel in sorted(channels)
                },
                # Which process sends each channel's broadcasts ("leader"; the others "standby").
                "senders": {sender.channel: sender.role for sender in request.app.get(SENDERS_KEY, [])},
            },
            status=200 if database else 503,
        )

    return answer


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
    channels: list[tuple[str, Deliver, DeliverDirect, float]] = []
    if telegram is not None:
        channels.append(("telegram", telegram.deliver_announcement, telegram.deliver_direct, settings.telegram_rate))
    if whatsapp is not None:
        channels.append(("whatsapp", whatsapp.deliver_announcement, whatsapp.deliver_direct, settings.whatsapp_rate))
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
            deliver_direct=direct,
        )
        for channel, deliver, direct, rate in channels
    ]


async def run_due_jobs(app: App, owner: str, now: Callable[[], datetime] | None = None) -> list[str]:
    """The hourly jobs whose turn has come, each run by one process of however many run (the job lease):
    retention, as the privacy notice promises, the lifecycle notices (selected, enrolled, coverage
    ending, renewed), which go out through the outbox once per person and event, and the ticket timers
    (a reminder past the first-response deadline, escalation to admins at twice it, once per ticket).
    The names of those run. `now` (default the clock) is for tests."""
    from sigap_core.notices import queue_notices
    from sigap_core.retention import prune
    from sigap_core.store.repositories import utcnow
    from sigap_core.tickets import run_sla

    clock = now or utcnow
    ran = []
    for name in ("prune", "notices", "tickets"):
        async with app.store.uow() as uow:
            due = await uow.jobs.take_if_due(name, owner, timedelta(hours=1), clock())
        if not due:
            continue
        if name == "prune":
            async with app.store.uow() as uow:
                log.info("retention: %s", await prune(uow, app.policy, clock()))
        elif name == "notices":
            notices = await queue_notices(app.store, app.domain, app.today(), clock())
            log.info("lifecycle notices queued: %s", dict(notices.queued))
        else:
            reminded = escalated = closed = 0
            more = True
            while more:  # a slice per transaction: a backlog does not hold the write lock for long
                async with app.store.uow() as uow:
                    timers = await run_sla(uow, clock(), app.domain, limit=SLA_SLICE)
                reminded, escalated, closed, more = (
                    reminded + len(timers.reminded),
                    escalated + len(timers.escalated),
                    closed + len(timers.closed),
                    timers.more,
                )
            log.info("ticket timers: %s reminded, %s escalated, %s quiet closed", reminded, escalated, closed)
        ran.append(name)
    return ran


async def hourly_jobs(app: App, stop: asyncio.Event) -> None:
    owner = process_id()
    while not stop.is_set():
        try:
            await run_due_jobs(app, owner)
        except Exception as error:
            if database_unavailable(error):
                log.warning("hourly jobs: the database is unreachable; retrying at the next check")
            else:
                log.exception("hourly jobs failed; retrying at the next check")
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), JOB_CHECK_SECONDS)


async def serve(app: App) -> None:
    """Run until SIGTERM or SIGINT (or until cancelled), then shut down without losing acknowledged work.

    Each part starts on its own: the HTTP server (/healthz, the webhooks) first, then Telegram's
    registration, the inbox sweeps, the broadcast senders and retention. A part that cannot reach what it
    needs retries with backoff and shows as degraded on /healthz; nothing here exits because of it."""
    settings = app.settings
    health = Health()
    conversations = Conversations(app.store, app.domain, app.today)
    web_app, telegram = build_web_app(app, conversations, health)
    settle_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(web_app, shutdown_timeout=settings.shutdown_grace_seconds)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    log.warning("SIGAP service listening on http://%s:%s", settings.http_host, settings.http_port)
    workers = web_app[WORKERS_KEY]
    tasks: list[asyncio.Task[None]] = []
    try:
        if telegram is not None:
            tasks.append(
                asyncio.create_task(telegram.run(stop, settings.telegram_webhook_url, _webhook_secret(settings)))
            )
        tasks.extend(asyncio.create_task(worker.sweep(stop)) for worker in workers)
        tasks.append(asyncio.create_task(hourly_jobs(app, stop)))
        whatsapp = web_app.get(WHATSAPP_KEY)
        for sender in build_senders(app, telegram, whatsapp):
            web_app[SENDERS_KEY].append(sender)
            tasks.append(asyncio.create_task(sender.run(stop)))
            log.warning("%s broadcast sender: %.0f messages/s", sender.channel, 1 / sender.interval)
        await stop.wait()
        log.warning("shutting down: finishing work in flight (up to %.0fs)", settings.shutdown_grace_seconds)
    finally:
        stop.set()
        await shut_down(runner, workers, tasks, settings.shutdown_grace_seconds)
        if telegram is not None:
            await telegram.close()
        await runner.cleanup()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)


async def shut_down(
    runner: web.AppRunner, workers: list[InboxWorker], tasks: list[asyncio.Task[None]], grace: float
) -> None:
    """Stop taking webhooks (a request already being received is answered), then let the inbox, the polling
    batch and the senders' current batch finish, all within `grace` seconds; then cancel what is left. The
    inbox keeps what was acknowledged and not finished, released for the next process to take at once."""
    deadline = loop_time() + grace
    for site in list(runner.sites):
        await site.stop()
    server = runner.server
    if server is not None:
        await asyncio.sleep(0)  # connections accepted just before have started their requests
        server.pre_shutdown()
        await server.shutdown(max(grace, HTTP_GRACE))
    for worker in workers:
        worker.stopping()
    await asyncio.gather(*(worker.drain(max(deadline - loop_time(), 0.1)) for worker in workers))
    if tasks:
        await asyncio.wait(tasks, timeout=max(deadline - loop_time(), 0.1))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def loop_time() -> float:
    return asyncio.get_running_loop().time()
