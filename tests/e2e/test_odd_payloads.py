"""Odd webhook payloads through the real aiohttp app, authenticated as the platform would be: every one gets
the status in its corpus index (400 for a body that is not a JSON object, 200 for one that is but has the
wrong shape), at most one WARNING line and never a traceback, and nothing is sent or stored.

The corpus: tests/fixtures/odd_payloads/{whatsapp,telegram}/ holds the raw bodies; index.json says, per
file, the status and whether a WARNING is expected. Bodies over the size cap are made here (1 MiB files)."""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from sqlalchemy import func, select

from bot.bootstrap import App, bootstrap
from bot.web import TELEGRAM_PATH, WHATSAPP_KEY, WORKERS_KEY, build_web_app
from bot.webhook_body import MAX_BODY_BYTES
from bot.whatsapp import WHATSAPP_PATH, WhatsAppChannel, is_sender_id
from handlers.engine import Conversations
from sigap_core.store import models
from tests.conftest import TELEGRAM_TOKEN, TODAY
from tests.e2e.whatsapp_driver import whatsapp_settings
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "odd_payloads"
APP_SECRET = "odd-app-secret"
HOOK_SECRET = "odd-hook-secret"
NIK = "3275052110920028"  # in many corpus bodies: it must never reach a log line
STORED = (models.Conversation, models.ProcessedUpdate, models.RateEvent, models.AuditEvent, models.OutgoingMessage)


def corpus(channel: str) -> list[tuple[str, bytes, int, bool]]:
    index = json.loads((CORPUS / channel / "index.json").read_text())
    return [(name, (CORPUS / channel / name).read_bytes(), e["status"], e["warning"]) for name, e in index.items()]


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Service:
    base: str
    app: App
    web_app: web.Application

    async def stored_rows(self) -> int:
        async with self.app.store.uow() as uow:
            counts = [await uow.session.scalar(select(func.count()).select_from(model)) for model in STORED]
        return sum(count or 0 for count in counts)


@pytest.fixture
async def service(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[tuple[Service, FakeGraph]]:
    graph = FakeGraph()
    await graph.start()
    settings = whatsapp_settings(
        tmp_path / "var",
        graph.base_url,
        app_secret=APP_SECRET,
        telegram_token=TELEGRAM_TOKEN,
        telegram_api_base=fake_telegram.base_url,
        telegram_webhook_url="https://example.invalid/webhooks/telegram",
        telegram_webhook_secret=HOOK_SECRET,
    )
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'odd.db'}", today=lambda: TODAY)
    web_app, telegram = build_web_app(app, Conversations(app.store, app.domain, app.today))
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield Service(f"http://127.0.0.1:{port}", app, web_app), graph
    assert telegram is not None
    await telegram.close()
    await runner.cleanup()
    await app.close()
    await graph.stop()


async def settle(web_app: web.Application) -> None:
    """Wait until every update the webhooks accepted (written to the inbox) has been handled."""
    for worker in web_app[WORKERS_KEY]:
        await worker.settle()


def problems_in_log(caplog: pytest.LogCaptureFixture, expect_warning: bool) -> list[str]:
    found = []
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    for record in records:
        text = record.getMessage()
        if record.exc_info or record.exc_text or "Traceback" in text:
            found.append(f"traceback: {text[:200]}")
        if record.levelno > logging.WARNING:
            found.append(f"{record.levelname}: {text[:200]}")
        if NIK in text:
            found.append(f"NIK in the log: {text[:200]}")
    expected = 1 if expect_warning else 0
    if len(records) != expected:
        found.append(f"{len(records)} WARNING lines, expected {expected}: {[r.getMessage()[:120] for r in records]}")
    return found


async def test_odd_whatsapp_payloads_are_refused_or_ignored_without_tracebacks(
    service: tuple[Service, FakeGraph], caplog: pytest.LogCaptureFixture
) -> None:
    running, graph = service
    channel: WhatsAppChannel = running.web_app[WHATSAPP_KEY]
    cases = corpus("whatsapp")
    assert len(cases) >= 40
    failures = []
    async with ClientSession() as http:
        for name, body, status, warning in cases:
            caplog.clear()
            with caplog.at_level(logging.INFO):
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
                async with http.post(running.base + WHATSAPP_PATH, data=body, headers=headers) as response:
                    got = response.status
                await channel.drain()
                failures += [f"{name}: {p}" for p in problems_in_log(caplog, warning)]
            if got != status:
                failures.append(f"{name}: status {got}, expected {status}")
    caplog.clear()
    gc.collect()  # a task that died with an exception logs it when collected
    assert failures + problems_in_log(caplog, expect_warning=False) == []
    assert graph.sent == [] and graph.attempts == 0
    assert await running.stored_rows() == 0


async def test_odd_telegram_updates_are_refused_or_ignored_without_tracebacks(
    service: tuple[Service, FakeGraph], fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    running, _graph = service
    cases = corpus("telegram")
    assert len(cases) >= 40
    failures = []
    async with ClientSession() as http:
        for name, body, status, warning in cases:
            caplog.clear()
            with caplog.at_level(logging.INFO):
                headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
                async with http.post(running.base + TELEGRAM_PATH, data=body, headers=headers) as response:
                    got = response.status
                await settle(running.web_app)
                failures += [f"{name}: {p}" for p in problems_in_log(caplog, warning)]
            if got != status:
                failures.append(f"{name}: status {got}, expected {status}")
    caplog.clear()
    gc.collect()
    assert failures + problems_in_log(caplog, expect_warning=False) == []
    assert [call.method for call in fake_telegram.calls if call.method.lower() == "sendmessage"] == []
    assert await running.stored_rows() == 0


@pytest.mark.parametrize("path", [WHATSAPP_PATH, TELEGRAM_PATH])
async def test_bodies_over_the_cap_get_413_signed_or_not(
    service: tuple[Service, FakeGraph], caplog: pytest.LogCaptureFixture, path: str
) -> None:
    running, graph = service
    over = b'{"entry": "' + b"x" * MAX_BODY_BYTES + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(over), 65536):
            yield over[start : start + 65536]

    auth = (
        {"X-Hub-Signature-256": sign(over)}
        if path == WHATSAPP_PATH
        else {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
    )
    statuses = []
    async with ClientSession() as http:
        for headers in (auth, {}):
            for data in (over, over * 8):
                async with http.post(running.base + path, data=data, headers=headers) as response:
                    statuses.append(response.status)
            async with http.post(running.base + path, data=chunks(), headers=headers) as response:
                statuses.append(response.status)
        exactly = b'{"entry": "' + b"x" * (MAX_BODY_BYTES - 13) + b'"}'
        assert len(exactly) == MAX_BODY_BYTES
        headers = {"X-Hub-Signature-256": sign(exactly)} if path == WHATSAPP_PATH else auth
        async with http.post(running.base + path, data=exactly, headers=headers) as response:
            at_the_cap = response.status
    assert statuses == [413] * 6
    assert at_the_cap in (200, 400)  # read and judged on its content, not refused for its size
    assert not any(r.exc_info for r in caplog.records)
    assert graph.sent == []


async def test_an_invalid_telegram_update_is_logged_by_field_path_without_its_values(
    service: tuple[Service, FakeGraph], fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    running, _graph = service
    update = {"update_id": 77, "message": {"message_id": 1, "date": 1749416383, "text": NIK}}  # no chat
    async with (
        ClientSession() as http,
        http.post(
            running.base + TELEGRAM_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
        ) as response,
    ):
        assert response.status == 200
    await settle(running.web_app)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["telegram webhook: update ignored, it fails validation: missing at message.chat"]
    assert not any(NIK in r.getMessage() or r.exc_info for r in caplog.records)
    assert fake_telegram.calls == []


@pytest.mark.parametrize("sender", ["abc-DEF", "../../etc/passwd", {"wa_id": "628120009999"}])
async def test_whatsapp_sender_ids_that_are_not_ids_are_ignored_with_a_warning(
    service: tuple[Service, FakeGraph], caplog: pytest.LogCaptureFixture, sender: object
) -> None:
    running, graph = service
    message = {"from": sender, "id": "wamid.X1", "timestamp": "1", "type": "text", "text": {"body": "halo"}}
    value = {"messaging_product": "whatsapp", "contacts": [{"wa_id": sender}], "messages": [message]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}).encode()
    async with (
        ClientSession() as http,
        http.post(running.base + WHATSAPP_PATH, data=body, headers={"X-Hub-Signature-256": sign(body)}) as response,
    ):
        assert response.status == 200
    await running.web_app[WHATSAPP_KEY].drain()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["whatsapp webhook: skipped message with a sender id that is not an id"]
    assert graph.sent == [] and graph.attempts == 0
    assert await running.stored_rows() == 0


async def test_the_well_formed_message_beside_a_malformed_one_is_still_answered(
    service: tuple[Service, FakeGraph], caplog: pytest.LogCaptureFixture
) -> None:
    running, graph = service
    good = {"from": "628120002222", "id": "wamid.G1", "timestamp": "1", "type": "text", "text": {"body": "halo"}}
    value = {"contacts": [{"wa_id": "628120002222"}], "messages": [None, {**good, "text": "halo"}, good]}
    body = json.dumps({"entry": [{"changes": [{"value": value}]}, "x"]}).encode()
    async with (
        ClientSession() as http,
        http.post(running.base + WHATSAPP_PATH, data=body, headers={"X-Hub-Signature-256": sign(body)}) as response,
    ):
        assert response.status == 200
    await graph.wait("628120002222", 1)
    await running.web_app[WHATSAPP_KEY].drain()
    assert len(graph.to("628120002222")) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "whatsapp webhook: skipped message is not an object; text message whose text is not an object; "
        "entry item is not an object"
    ]


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [
        ("6281234567890", True),
        ("ID.13491208655302741918", True),
        ("US.ENT.11815799212886844830", True),
        ("BR.1502576394655843abcDEF", True),
        ("ID." + "1" * 61, True),  # 64 characters: what the store's user_key columns hold
        ("ID." + "1" * 62, False),
        ("12345", False),
        ("ID.", False),
        ("id.1349", False),
        ("ID.1349-x", False),
        ("+6281234567890", False),
        ("６２８１２３４５６７", False),  # full-width digits: str.isdigit() says yes
    ],
)
def test_sender_id_shapes(sender: str, accepted: bool) -> None:
    assert is_sender_id(sender) is accepted
