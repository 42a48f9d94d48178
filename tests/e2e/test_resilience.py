"""The service degrades, never dies (issue #17): `sigap run` as a real process, its platforms and its
database going away and coming back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.e2e.service import Service, eventually, free_port, service_env
from tests.e2e.test_whatsapp import text_from
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram, private_message


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


async def test_telegram_unreachable_at_start_leaves_whatsapp_serving_until_it_comes_back(
    tmp_path: Path, graph: FakeGraph
) -> None:
    telegram_port = free_port()  # nothing listens here yet: the Bot API is down
    env = service_env(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'start.db'}",
        telegram_base=f"http://127.0.0.1:{telegram_port}",
        webhook=True,
        graph_base=graph.base_url,
    )
    service = Service(env, tmp_path / "service.log").start()
    telegram = FakeTelegram()
    try:
        await service.up()

        async def telegram_degraded() -> dict[str, object] | None:
            status, body = await service.health()
            return body if status == 200 and body["channels"]["telegram"].startswith("degraded") else None

        body = await eventually(telegram_degraded, 30, "/healthz shows Telegram degraded")
        assert body["channels"] == {
            "telegram": "degraded: Bot API unreachable (TelegramNetworkError)",
            "whatsapp": "ok",
        }
        assert body["database"] is True and body["status"] == "degraded"
        async with ClientSession() as http:
            assert await service.post_whatsapp(http, text_from("628130000001", "halo")) == 200
        welcome = await graph.wait("628130000001", 1, timeout=30)
        assert "SIGAP" in welcome[0]["interactive"]["body"]["text"]
        assert service.alive()

        await telegram.start(telegram_port)  # the Bot API is back, on the same address
        await eventually(lambda: any(c.method == "setwebhook" for c in telegram.calls), 30, "the webhook is registered")
        hook = next(c for c in telegram.calls if c.method == "setwebhook")
        assert hook.params["url"] == "https://bot.example.invalid/webhooks/telegram"
        assert any(c.method == "setmycommands" for c in telegram.calls)
        async with ClientSession() as http:
            assert await service.post_telegram(http, {"update_id": 1, **private_message(8101, "/start")}) == 200
        answer = await telegram.wait_sent(8101, 1, timeout=30)
        assert "SIGAP" in answer[0].params["text"]
        status, body = await service.health()
        assert status == 200 and body["channels"] == {"telegram": "ok", "whatsapp": "ok"} and body["status"] == "ok"
        assert service.alive()
        log = service.log()
        # Retried several times, reported once when it went down and once when it came back.
        assert log.count("telegram: degraded: Bot API unreachable") == 1, log
        assert log.count("telegram: ok") == 1, log
    finally:
        service.stop()
        await telegram.stop()
