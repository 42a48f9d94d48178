"""Logs never carry a NIK, KK digits, a phone number or message text at INFO or above."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core.importers.service import import_file
from tests.integration.chat import Chat
from tests.integration.helpers import GOOD, KK4, NIK, dtsen, peserta


async def test_no_personal_data_or_message_text_in_logs(
    sqlite_app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = sqlite_app
    for kind, path in (("dtsen", dtsen(tmp_path / "d.csv")), ("peserta", peserta(tmp_path / "p.csv"))):
        await import_file(app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, tmp_path / "r")
    bot = Conversations(app.store, app.domain, app.today)
    chat = Chat(bot)
    said = [
        "sy mau cek bpjs gratis dr pemkot",
        NIK["enrolled"],
        KK4["enrolled"],
        "kelurahan sy jatibening",
        "rahasia-xyz",
    ]
    await chat.send(said[0])
    await chat.press("consent:yes")
    for text in said[1:]:
        await chat.send(text)
    await Chat(bot, user="x").verify(NIK["priority"], "0000")
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    secrets = [
        *NIK.values(),
        *(line.split(",")[1] for line in GOOD.values()),
        "081234567890",
        "6281234567890",
        *said,
    ]
    for message in loud:
        for secret in secrets:
            assert secret not in message, (secret, message)
    assert any("import dtsen" in m for m in loud)  # the test does see INFO records
