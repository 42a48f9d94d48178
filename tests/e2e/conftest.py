"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.web import WHATSAPP_KEY, build_web_app
from handlers.engine import Conversations
from tests.conftest import TODAY, DatabaseTemplates
from tests.e2e.whatsapp_driver import Running, whatsapp_settings
from tests.fakes.graph_api import FakeGraph


@pytest.fixture
async def running(tmp_path: Path, database_templates: DatabaseTemplates) -> AsyncIterator[Running]:
    graph = FakeGraph()
    await graph.start()
    settings = whatsapp_settings(tmp_path / "var", graph.base_url)
    database_templates.sqlite_copy("loaded", tmp_path / "wa.db")  # the sample registry
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'wa.db'}", today=lambda: TODAY)
    web_app, _ = build_web_app(app, Conversations(app.store, app.domain, app.today))
    channel = web_app[WHATSAPP_KEY]
    channel.backoff_seconds = 0.05
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield Running(f"http://127.0.0.1:{port}", graph, app, channel)
    await runner.cleanup()
    await app.close()
    await graph.stop()
