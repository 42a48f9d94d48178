"""The real aiogram bot against a fake Bot API server on 127.0.0.1, in polling and webhook mode."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from aiogram import Dispatcher
from aiogram.types import TelegramObject, Update
from aiohttp import ClientSession, web

from bot.bootstrap import App, bootstrap
from bot.telegram import TelegramChannel
from bot.web import GC_YOUNG_THRESHOLD, TELEGRAM_PATH, build_web_app, serve
from handlers.engine import Conversations
from sigap_core.config import Settings
from tests.conftest import (
    TELEGRAM_TOKEN,
    TEST_SECRET,
    TODAY,
    DatabaseTemplates,
    polling_bot,
    telegram_channel,
)
from tests.fakes.telegram_api import FakeTelegram, callback, private_message
from tests.integration.helpers import KK4, NIK, OUTCOME_TEXT


@pytest.fixture
async def polling(loaded_sqlite: App, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    async with polling_bot(loaded_sqlite, fake_telegram) as channel:
        yield channel


def journey_steps(chat_id: int, who: str) -> list[tuple[dict[str, object], int]]:
    """The updates of a check, each with how many bot messages the chat has seen after it
    (the answer comes with a "keep verification?" question)."""
    steps = [
        private_message(chat_id, "/start"),
        callback(chat_id, "check"),
        callback(chat_id, "consent:yes"),
        private_message(chat_id, NIK[who]),
        private_message(chat_id, KK4[who]),
    ]
    return list(zip(steps, [1, 2, 3, 4, 6], strict=True))


async def journey(fake_telegram: FakeTelegram, chat_id: int, who: str) -> list[str]:
    for step, count in journey_steps(chat_id, who):
        fake_telegram.push(step)
        await fake_telegram.wait_sent(chat_id, count)
    return [c.params["text"] for c in fake_telegram.sent(chat_id)]


OUTCOMES = OUTCOME_TEXT


class HandledUpdates:
    """Counts, per update_id, the deliveries the dispatcher has finished handling (replies sent or not),
    so a test can wait for a repeated update to be dealt with instead of sleeping and looking."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.done: Counter[int] = Counter()
        dispatcher.update.outer_middleware(self._count)

    async def _count(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            assert isinstance(event, Update)
            self.done[event.update_id] += 1

    async def wait(self, update_id: int, times: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.done[update_id] < times:
            assert time.monotonic() < deadline, f"update {update_id} handled {self.done[update_id]} of {times} times"
            await asyncio.sleep(0.01)


async def test_polling_journey_for_every_outcome(polling: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    for n, (who, fragment) in enumerate(OUTCOMES.items()):
        texts = await journey(fake_telegram, 1000 + n, who)
        assert fragment in texts[-2], (who, texts[-2])
    welcome = fake_telegram.sent(1000)[0]
    assert "SIGAP bot" in welcome.params["text"]
    assert ("Cek kelayakan", "check") in welcome.buttons
    kk_prompt = fake_telegram.sent(1000)[3]
    assert kk_prompt.markup["keyboard"][0][0]["request_contact"] is True  # "Bagikan nomor HP"
    assert all(c.method != "answercallbackquery" or c.params.get("callback_query_id") for c in fake_telegram.calls)
    assert sum(c.method == "answercallbackquery" for c in fake_telegram.calls) == 2 * len(OUTCOMES)


async def test_own_contact_verifies_and_someone_elses_is_refused(
    polling: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    chat = 2001
    for step, count in (
        (private_message(chat, "cek"), 2),
        (callback(chat, "consent:yes"), 3),
        (private_message(chat, NIK["priority"]), 4),
    ):
        fake_telegram.push(step)
        await fake_telegram.wait_sent(chat, count)
    other = {"phone_number": "+6281234567890", "first_name": "Lain", "user_id": 7777}
    fake_telegram.push(private_message(chat, contact=other))
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(chat, 5)]
    assert "hanya nomor HP Anda sendiri" in texts[-1]
    own = {"phone_number": "+6281234567890", "first_name": "Warga", "user_id": chat}
    fake_telegram.push(private_message(chat, contact=own))
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(chat, 7)]
    assert "PRIORITAS" in texts[-2]


async def test_wrong_phone_looks_like_any_failed_check(polling: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    chat = 2002
    for step, count in (
        (private_message(chat, "cek"), 2),
        (callback(chat, "consent:yes"), 3),
        (private_message(chat, NIK["priority"]), 4),
    ):
        fake_telegram.push(step)
        await fake_telegram.wait_sent(chat, count)
    fake_telegram.push(
        private_message(chat, contact={"phone_number": "+6289999999999", "first_name": "W", "user_id": chat})
    )
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(chat, 5)]
    assert "tidak menemukan data yang cocok" in texts[-1]


async def test_duplicate_update_is_processed_once(polling: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    handled = HandledUpdates(polling.dispatcher)
    update = private_message(3001, "/start")
    update_id = fake_telegram.push(update)
    await handled.wait(update_id, 1)
    assert len(fake_telegram.sent(3001)) == 1
    fake_telegram.redeliver({"update_id": update_id, **update})  # Telegram delivers it again
    await handled.wait(update_id, 2)
    assert len(fake_telegram.sent(3001)) == 1  # the repeat was handled and answered nothing
    menu_id = fake_telegram.push(private_message(3001, "menu"))
    await handled.wait(menu_id, 1)
    assert len(fake_telegram.sent(3001)) == 2  # the next update is answered as usual


async def test_throttled_send_is_retried(polling: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail("sendmessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake_telegram.push(private_message(4001, "/start"))
    sent = await fake_telegram.wait_sent(4001, 2, timeout=15)  # the refused attempt is recorded too
    assert "SIGAP bot" in sent[-1].params["text"]


async def test_blocked_user_is_marked_unsubscribed(
    polling: TelegramChannel, fake_telegram: FakeTelegram, loaded_sqlite: App
) -> None:
    chat = 5001
    fake_telegram.push(private_message(chat, "langganan info jatibening"))
    await fake_telegram.wait_sent(chat, 2)
    fake_telegram.fail("sendmessage", 403, "Forbidden: bot was blocked by the user")
    fake_telegram.push(private_message(chat, "menu"))
    for _ in range(100):
        async with loaded_sqlite.store.uow() as uow:
            sub = await uow.subscriptions.get("telegram", str(chat))
        if sub is not None and sub.status == "blocked":
            break
        await asyncio.sleep(0.05)
    assert sub is not None and sub.status == "blocked"


async def test_groups_stickers_and_voice_notes(polling: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    group = private_message(-100123, "cek nik 3275014101900001")
    group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Warga RW 05"}
    fake_telegram.push(group)
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(-100123, 1)]
    assert "chat pribadi" in texts[0] and "t.me/sigap_test_bot" in texts[0]
    fake_telegram.push(
        private_message(
            6001,
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        )
    )
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(6001, 2)]
    assert "Terima kasih" in texts[-1]
    fake_telegram.push(private_message(6001, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}))
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(6001, 3)]
    assert "pesan suara" in texts[-1]


async def test_long_reply_is_split(fake_telegram: FakeTelegram, loaded_sqlite: App) -> None:
    from handlers.model import Reply

    channel = telegram_channel(loaded_sqlite, fake_telegram)
    try:
        text = ("kalimat panjang " * 40 + "\n") * 20  # 12,820 characters
        await channel.send(7001, [Reply(text)])
    finally:
        await channel.close()
    sent = fake_telegram.sent(7001)
    assert len(sent) == 4 and all(len(c.params["text"]) <= 4096 for c in sent)
    assert "".join(c.params["text"] for c in sent).split() == text.split()


class Webhook(NamedTuple):
    base: str
    fake_telegram: FakeTelegram
    dispatcher: Dispatcher


@pytest.fixture
async def webhook_server(
    tmp_path: Path, fake_telegram: FakeTelegram, database_templates: DatabaseTemplates
) -> AsyncIterator[Webhook]:
    settings = Settings(
        var_dir=tmp_path / "var",
        secret_key=TEST_SECRET,
        telegram_token=TELEGRAM_TOKEN,
        telegram_api_base=fake_telegram.base_url,
        telegram_webhook_url="https://example.invalid/webhooks/telegram",
        telegram_webhook_secret="hook-secret",
        _env_file=None,  # type: ignore[call-arg]
    )
    database_templates.sqlite_copy("loaded", tmp_path / "w.db")  # the sample registry
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", today=lambda: TODAY)
    web_app, telegram = build_web_app(app, Conversations(app.store, app.domain, app.today))
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    assert telegram is not None
    yield Webhook(f"http://127.0.0.1:{port}", fake_telegram, telegram.dispatcher)
    await telegram.close()
    await runner.cleanup()
    await app.close()


async def test_webhook_accepts_the_secret_and_rejects_forgeries(webhook_server: Webhook) -> None:
    base, fake_telegram, dispatcher = webhook_server
    handled = HandledUpdates(dispatcher)
    update = {"update_id": 42, **private_message(8001, "/start")}
    async with ClientSession() as http:
        forged = await http.post(
            base + TELEGRAM_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        )
        missing = await http.post(base + TELEGRAM_PATH, json=update)
        assert forged.status == 401 and missing.status == 401
        assert handled.done[42] == 0 and fake_telegram.sent(8001) == []  # refused before the dispatcher
        good = await http.post(
            base + TELEGRAM_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
        )
        assert good.status == 200
        await handled.wait(42, 1)
        assert len(fake_telegram.sent(8001)) == 1
        again = await http.post(
            base + TELEGRAM_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
        )
        assert again.status == 200
        await handled.wait(42, 2)
        assert len(fake_telegram.sent(8001)) == 1  # the repeated update_id was not processed again
        health = await http.get(base + "/healthz")
        assert health.status == 200 and (await health.json())["database"] is True


async def test_the_service_settles_its_heap(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """The GC settings that keep collector pauses off the webhook path (bench/README.md) are in force once
    `sigap run`'s service is up: the start-up heap frozen, young objects collected every 10,000 allocations."""
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # CPython's defaults, whatever earlier tests did
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        var_dir=tmp_path / "var",
        secret_key=TEST_SECRET,
        telegram_token=TELEGRAM_TOKEN,
        telegram_api_base=fake_telegram.base_url,
        telegram_webhook_url="https://example.invalid/webhooks/telegram",
        telegram_webhook_secret="hook-secret",
        http_port=port,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 's.db'}", today=lambda: TODAY)
    service = asyncio.create_task(serve(app))
    try:
        async with ClientSession() as http:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                        if health.status == 200:
                            break
                await asyncio.sleep(0.05)
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    finally:
        service.cancel()
        await asyncio.gather(service, return_exceptions=True)
        await app.close()


async def test_commands_menu_is_in_indonesian(fake_telegram: FakeTelegram, loaded_sqlite: App) -> None:
    channel = telegram_channel(loaded_sqlite, fake_telegram)
    try:
        await channel.set_commands()
    finally:
        await channel.close()
    call = next(c for c in fake_telegram.calls if c.method == "setmycommands")
    commands = call.params["commands"]
    text = commands if isinstance(commands, str) else str(commands)
    for command in ("start", "menu", "bantuan", "berhenti", "petugas"):
        assert f'"{command}"' in text
    assert "Menu utama" in text


async def test_a_failing_handler_apologises_and_logs(
    polling: TelegramChannel,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(_message: object) -> list[object]:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(polling.conversations, "handle", broken)
    fake_telegram.push(private_message(9001, "halo"))
    texts = [c.params["text"] for c in await fake_telegram.wait_sent(9001, 1)]
    assert "ada gangguan" in texts[0]
    assert any(r.levelname == "ERROR" and "telegram" in r.getMessage() for r in caplog.records)


async def test_webhook_journey_for_every_outcome(webhook_server: Webhook) -> None:
    base, fake_telegram, _dispatcher = webhook_server
    headers = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
    update_id = 1000
    async with ClientSession() as http:
        for n, (who, fragment) in enumerate(OUTCOMES.items()):
            chat = 7100 + n
            for step, count in journey_steps(chat, who):
                update_id += 1
                async with http.post(base + TELEGRAM_PATH, json={"update_id": update_id, **step}, headers=headers) as r:
                    assert r.status == 200
                await fake_telegram.wait_sent(chat, count)
            assert fragment in fake_telegram.sent(chat)[-2].params["text"], who
