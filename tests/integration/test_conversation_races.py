"""A new user's first messages arriving together (issue 18 §3): one dialog, every message answered."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, bootstrap
from bot.web import WHATSAPP_KEY, build_web_app
from bot.whatsapp import WhatsAppChannel
from bot.whatsapp.webhook import parse_webhook
from handlers.engine import Conversations
from handlers.model import InMessage, Kind
from sigap_core.store import models
from tests.conftest import TODAY, import_sample
from tests.e2e.whatsapp_driver import whatsapp_settings
from tests.fakes.graph_api import FakeGraph

APOLOGY = "ada gangguan"


@pytest.fixture
def bot(loaded: App) -> Conversations:
    return Conversations(loaded.store, loaded.domain, loaded.today)


async def test_a_new_users_simultaneous_messages_create_one_dialog_and_are_all_answered(
    bot: Conversations, loaded: App
) -> None:
    """Separate transactions on separate connections at once, as three messages of one webhook payload
    (or three processes) are handled."""
    for round_ in range(5):
        user = f"628123450000{round_}"
        texts = ["halo", "cek kelayakan", "cara perbarui data"]
        results = await asyncio.gather(
            *(
                bot.handle(InMessage("whatsapp", user, Kind.TEXT, text=text, external_id=f"wamid.{round_}.{n}"))
                for n, text in enumerate(texts)
            ),
            return_exceptions=True,
        )
        failures = [result for result in results if isinstance(result, BaseException)]
        assert not failures, failures[0]
        assert all(results) and not any(APOLOGY in reply.text for replies in results for reply in replies)  # type: ignore[union-attr]
        async with loaded.store.reader() as uow:
            rows = await uow.session.execute(
                select(func.count()).select_from(models.Conversation).where(models.Conversation.user_key == user)
            )
            assert rows.scalar_one() == 1


@pytest.fixture
async def whatsapp(tmp_path: Path, db_url: str) -> AsyncIterator[tuple[WhatsAppChannel, FakeGraph]]:
    graph = FakeGraph()
    await graph.start()
    settings = whatsapp_settings(tmp_path / "var", graph.base_url)
    app = await bootstrap(settings, db_url, today=lambda: TODAY)
    await import_sample(app, tmp_path)
    web_app, _ = build_web_app(app, Conversations(app.store, app.domain, app.today))
    yield web_app[WHATSAPP_KEY], graph
    await app.close()
    await graph.stop()


def _body(message: dict[str, Any]) -> str:
    if "text" in message:
        return str(message["text"]["body"])
    return str(message.get("interactive", {}).get("body", {}).get("text", ""))


async def test_one_users_messages_in_one_payload_are_answered_in_order(
    whatsapp: tuple[WhatsAppChannel, FakeGraph],
) -> None:
    channel, graph = whatsapp
    fixture = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp" / "text.json").read_text())
    for round_ in range(3):
        wa_id = f"62812777000{round_}"
        payload = copy.deepcopy(fixture)
        value = payload["entry"][0]["changes"][0]["value"]
        template = value["messages"][0]
        value["contacts"][0]["wa_id"] = wa_id
        value["messages"] = [
            {**copy.deepcopy(template), "id": f"wamid.order.{round_}.{n}", "from": wa_id, "text": {"body": text}}
            for n, text in enumerate(["halo", "cara perbarui data", "bantuan"])
        ]
        await channel.process(parse_webhook(payload))
        bodies = [_body(message) for message in graph.to(wa_id)]
        assert not any(APOLOGY in body for body in bodies)
        # The welcome, then the data-update guide (the route, then it asks for the kelurahan), then the help text.
        assert len(bodies) == 4, bodies
        assert bodies[0].startswith("Halo! Saya SIGAP bot")
        assert "kelurahan" in bodies[1] and "Cek Bansos" in bodies[1], bodies[1]
        assert bodies[2].startswith("Kelurahan Anda apa?")
        assert bodies[3].startswith("Bot ini tidak dibaca petugas")
