"""Driving the WhatsApp webhook as Meta does: signed, documented payloads posted to the running aiohttp app,
with a fake Graph API on 127.0.0.1 receiving what the bot sends (the `running` fixture, tests/e2e/conftest.py)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from bot.bootstrap import App, bootstrap
from bot.web import WHATSAPP_KEY, build_web_app
from bot.whatsapp import WHATSAPP_PATH, WhatsAppChannel
from handlers.engine import Conversations
from sigap_core.config import Settings
from tests.conftest import TEST_SECRET, TODAY, DatabaseTemplates
from tests.fakes.graph_api import FakeGraph

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
APP_SECRET = "wa-app-secret"


def whatsapp_settings(
    var_dir: Path, graph_base: str, *, app_secret: str = APP_SECRET, secret_key: str = TEST_SECRET, **extra: Any
) -> Settings:
    """A WhatsApp-enabled service's settings, pointed at a fake Graph API (tests and benchmarks); `extra`
    adds settings (Telegram, say)."""
    return Settings(
        var_dir=var_dir,
        secret_key=secret_key,
        whatsapp_token="wa-token",
        whatsapp_phone_number_id="106540352242922",
        whatsapp_app_secret=app_secret,
        whatsapp_verify_token="verify-me",
        whatsapp_graph_base=graph_base,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_counter = 0


def text_from(wa_id: str, text: str, *, user_id: str | None = None) -> dict[str, Any]:
    """The documented text-message payload, for one sender (with a business-scoped id, `from` omitted)."""
    global _counter
    _counter += 1
    payload = copy.deepcopy(fixture("text_bsuid_only" if user_id else "text"))
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    message["id"] = f"wamid.T{_counter:08d}"
    message["text"]["body"] = text
    if user_id:
        message["from_user_id"] = user_id
        value["contacts"][0]["user_id"] = user_id
    else:
        message["from"] = wa_id
        value["contacts"][0]["wa_id"] = wa_id
    return payload


def press_from(wa_id: str, button_id: str, kind: str = "button_reply") -> dict[str, Any]:
    global _counter
    _counter += 1
    name = "interactive_button_reply" if kind == "button_reply" else "interactive_list_reply"
    payload = copy.deepcopy(fixture(name))
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    message["id"] = f"wamid.P{_counter:08d}"
    message["from"] = wa_id
    value["contacts"][0]["wa_id"] = wa_id
    message["interactive"][kind]["id"] = button_id
    return payload


@dataclass
class Running:
    base: str
    graph: FakeGraph
    app: App
    channel: WhatsAppChannel

    async def post(self, payload: dict[str, Any], signature: str | None = None) -> int:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature != "":  # "" means: no signature header at all
            headers["X-Hub-Signature-256"] = sign(body) if signature is None else signature
        async with ClientSession() as http, http.post(self.base + WHATSAPP_PATH, data=body, headers=headers) as r:
            status = r.status
        await self.channel.drain()
        return status


@asynccontextmanager
async def whatsapp_service(
    tmp_path: Path, database_templates: DatabaseTemplates, **settings: Any
) -> AsyncIterator[Running]:
    """The WhatsApp service (webhook, channel) on the sample registry, against a fresh fake Graph API;
    `settings` adds or overrides settings (a ticket template of its own, say)."""
    graph = FakeGraph()
    await graph.start()
    database_templates.sqlite_copy("loaded", tmp_path / "wa.db")  # the sample registry
    app = await bootstrap(
        whatsapp_settings(tmp_path / "var", graph.base_url, **settings),
        f"sqlite+aiosqlite:///{tmp_path / 'wa.db'}",
        today=lambda: TODAY,
    )
    web_app, _ = build_web_app(app, Conversations(app.store, app.domain, app.today))
    channel = web_app[WHATSAPP_KEY]
    channel.backoff_seconds = 0.05
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Running(f"http://127.0.0.1:{port}", graph, app, channel)
    finally:
        await runner.cleanup()
        await app.close()
        await graph.stop()
