"""Broadcasts end to end: staff journeys on Telegram and WhatsApp, delivery through the fake platform
servers at the configured rate, and a sender killed with SIGKILL mid-broadcast."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import App, bootstrap
from bot.sender import BroadcastSender
from bot.telegram import TelegramChannel
from handlers.model import Reply
from sigap_core import broadcasts
from sigap_core.broadcasts import CLI_ACTOR
from sigap_core.config import Settings
from sigap_core.store import models
from tests.conftest import TELEGRAM_TOKEN, TEST_SECRET, polling_bot
from tests.e2e.cli_support import sigap_here
from tests.e2e.whatsapp_driver import Running, press_from, text_from
from tests.fakes.telegram_api import FakeTelegram, callback, private_message

ROOT = Path(__file__).resolve().parents[2]
JATIBENING = "32.75.08.1002"


@pytest.fixture
async def telegram(sqlite_app: App, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    async with polling_bot(sqlite_app, fake_telegram) as channel:
        yield channel


async def subscribe_many(app: App, channel: str, count: int, first: int = 100_000) -> None:
    now = datetime.now(UTC)
    async with app.store.uow() as uow:
        uow.session.add_all(
            models.Subscription(
                channel=channel, user_key=str(first + n), kode_kelurahan=JATIBENING, status="active", updated_at=now
            )
            for n in range(count)
        )


async def test_telegram_staff_journey_delivery_and_report(
    sqlite_app: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    await subscribe_many(sqlite_app, "telegram", 4)
    async with sqlite_app.store.uow() as uow:
        code, _ = await broadcasts.create_invite(uow, sqlite_app.domain, "staff", JATIBENING, datetime.now(UTC))
    staff = 555
    steps = [
        (private_message(staff, f"/petugas {code}"), "petugas Kelurahan Jatibening"),
        (callback(staff, "staff:new"), "Ketik isi pengumuman"),
        (private_message(staff, "Vaksinasi gratis Senin di puskesmas."), "Kirim ke siapa?"),
        (callback(staff, "staff:aud:all"), "Kapan dikirim?"),
        (callback(staff, "staff:when:now"), "Kirim ke 4 penerima"),
        (callback(staff, "staff:send"), "masuk antrean"),
    ]
    count = 0
    for update, expected in steps:
        fake_telegram.push(update)
        count += 1 if expected != "Kirim ke siapa?" else 3
        texts = [c.params["text"] for c in await fake_telegram.wait_sent(staff, count)]
        assert expected in texts[-1], texts[-1]
    fake_telegram.fail("sendmessage", 403, "Forbidden: bot was blocked by the user")  # the first recipient blocked us

    async def notify(created_by: str, text: str) -> None:
        await telegram.send(int(created_by.split(":")[1]), [Reply(text)])

    sender = BroadcastSender(sqlite_app.store, sqlite_app.domain, "telegram", telegram.deliver_announcement, 25, notify)
    await sender.step()
    await sender.step()
    progress = [c.params["text"] for c in (await fake_telegram.wait_sent(staff, count + 2))[-2:]]
    assert "mulai dikirim ke 4 penerima" in progress[0]
    assert "terkirim 3" in progress[1] and "memblokir bot 1" in progress[1]
    delivered = [c for c in fake_telegram.sent() if c.chat_id >= 100_000]
    assert len(delivered) == 4 and "Vaksinasi gratis" in delivered[-1].params["text"]
    async with sqlite_app.store.uow() as uow:
        blocked = await uow.subscriptions.get("telegram", "100000")
    assert blocked is not None and blocked.status == "blocked"


async def test_whatsapp_staff_journey_and_delivery(running: Running) -> None:
    app = running.app
    for n in range(3):
        await running.post(text_from(f"62811100{n:04d}", "langganan info jatibening"))
    async with app.store.uow() as uow:
        code, _ = await broadcasts.create_invite(uow, app.domain, "staff", JATIBENING, datetime.now(UTC))
    staff = "628119990000"
    await running.post(text_from(staff, f"/petugas {code}"))
    await running.post(press_from(staff, "staff:new"))
    await running.post(text_from(staff, "Pasar murah Sabtu pagi."))
    await running.post(press_from(staff, "staff:aud:all", "list_reply"))
    await running.post(press_from(staff, "staff:when:now"))
    await running.post(press_from(staff, "staff:send"))
    assert "masuk antrean" in running.graph.texts(staff)[-1]
    sender = BroadcastSender(app.store, app.domain, "whatsapp", running.channel.deliver_announcement, 64)
    await sender.step()
    for n in range(3):
        sent = running.graph.to(f"62811100{n:04d}")[-1]
        assert sent["type"] == "text" and "Pasar murah Sabtu pagi." in sent["text"]["body"]


async def test_broadcast_paces_below_the_platform_limit_without_a_single_429(
    sqlite_app: App, fake_telegram: FakeTelegram, telegram: TelegramChannel
) -> None:
    """100 recipients at the default 25 msg/s against a server enforcing 30 msg/s: every one sent once, no
    429. Unpaced, the sender would pass 30 in the first second. The achieved rate (within 5 % of 25 msg/s,
    over 5,000 recipients) is measured by bench/broadcast.py: a timing figure, not a test assertion."""
    recipients = 100
    fake_telegram.rate_limit = 30
    await subscribe_many(sqlite_app, "telegram", recipients)
    async with sqlite_app.store.uow() as uow:
        await broadcasts.create_broadcast(
            uow,
            sqlite_app.domain,
            CLI_ACTOR,
            JATIBENING,
            "all",
            "Info",
            datetime.now(UTC),
            datetime.now(UTC),
            sqlite_app.today(),
        )
    sender = BroadcastSender(sqlite_app.store, sqlite_app.domain, "telegram", telegram.deliver_announcement, 25)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sender.run(stop))  # the service loop, as `sigap run` drives it
    try:
        await fake_telegram.wait_sent_total(recipients, min_chat_id=100_000, timeout=120)
    finally:
        stop.set()
        await loop_task
    stats = fake_telegram.stats(min_chat_id=100_000)
    assert stats["sent"] == stats["distinct"] == recipients
    assert fake_telegram.throttled == 0
    # Exact counts above; the rate with a wide margin, as the machine may be loaded (bench/README.md has the
    # strict figure; a shared machine gave 19.9 msg/s, 80 %): the floor catches a pacer that stalls, not a
    # slow machine.
    rate = (recipients - 1) / (stats["last"] - stats["first"])
    assert 0.4 * 25 <= rate <= 30, f"{rate:.1f} msg/s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.long(20)
def test_sender_killed_mid_broadcast_loses_nothing_and_resends_only_what_was_in_flight(tmp_path: Path) -> None:
    port_file = tmp_path / "fake-port"
    port_file.write_text("")
    fake_server = subprocess.Popen([sys.executable, "-m", "tests.fakes.telegram_api", str(port_file)], cwd=ROOT)
    try:
        for _ in range(100):
            if port_file.read_text():
                break
            time.sleep(0.05)
        base = port_file.read_text()
        env = {
            **os.environ,
            "SIGAP_SECRET_KEY": TEST_SECRET,
            "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}",
            "SIGAP_VAR_DIR": str(tmp_path / "var"),
            "SIGAP_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "SIGAP_TELEGRAM_API_BASE": base,
            "SIGAP_HTTP_PORT": str(free_port()),
            "SIGAP_TELEGRAM_RATE": "100",
            "SIGAP_OUTBOX_LEASE_SECONDS": "2",  # the restarted process takes back the dead one's rows after this
        }
        recipients = 300

        async def queue() -> None:
            """The subscribers and the broadcast, written here (the processes under test are the senders)."""
            settings = Settings(var_dir=tmp_path / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]
            app = await bootstrap(settings, env["SIGAP_DATABASE_URL"])
            try:
                await subscribe_many(app, "telegram", recipients, 200_000)
                now = datetime.now(UTC)
                async with app.store.uow() as uow:
                    await broadcasts.create_broadcast(
                        uow, app.domain, CLI_ACTOR, None, "all", "Info penting", now, now, app.today()
                    )
            finally:
                await app.close()

        asyncio.run(queue())

        def sent() -> list[dict[str, object]]:
            with urllib.request.urlopen(base + "/_sent", timeout=5) as response:
                return [m for m in json.loads(response.read()) if int(str(m["chat_id"])) >= 200_000]

        def recorded_as_sent() -> int:
            with closing(sqlite3.connect(f"file:{tmp_path / 'kill.db'}?mode=ro", uri=True)) as db:
                return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0])

        service = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while len(sent()) < recipients // 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        service.send_signal(signal.SIGKILL)
        service.wait()
        at_kill = len(sent())
        assert 0 < at_kill < recipients, at_kill
        restarted = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while recorded_as_sent() < recipients and time.monotonic() < deadline:
                time.sleep(0.1)  # every recipient reached and the last batch's results committed
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=30)
        # Counted once the service has exited: nothing can arrive later, so no waiting to see.
        per_chat = Counter(str(m["chat_id"]) for m in sent())
        assert len(per_chat) == recipients  # nothing lost
        duplicates = [chat for chat, n in per_chat.items() if n > 1]
        assert all(per_chat[chat] == 2 for chat in duplicates)
        assert len(duplicates) <= 5  # at most one claimed batch was in flight (bot/sender.py BATCH)
        counts = json.loads(sigap_here(env, "broadcast", "show", "1", "--json").stdout)["counts"]
        assert counts["sent"] == recipients
        assert counts.get("recovered_after_crash", 0) >= len(duplicates)
    finally:
        fake_server.kill()
        fake_server.wait()


async def test_whatsapp_status_callbacks_feed_broadcast_delivery_states(running: Running) -> None:
    app = running.app
    users = [f"62811200{n:04d}" for n in range(3)]
    for user in users:
        await running.post(text_from(user, "langganan info jatibening"))
    async with app.store.uow() as uow:
        item, _ = await broadcasts.create_broadcast(
            uow, app.domain, CLI_ACTOR, JATIBENING, "all", "Info", datetime.now(UTC), datetime.now(UTC), app.today()
        )
    sender = BroadcastSender(app.store, app.domain, "whatsapp", running.channel.deliver_announcement, 64)
    await sender.step()
    async with app.store.uow() as uow:
        rows = {r.user_key: r for r in (await uow.session.execute(select_outbox())).scalars()}
    assert all(r.state == "sent" and r.platform_id for r in rows.values())

    def status(platform_id: str, state: str) -> dict[str, object]:
        payload = json.loads((ROOT / "tests/fixtures/whatsapp/status_delivered.json").read_text())
        entry = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
        entry.update(id=platform_id, status=state)
        if state == "failed":
            entry["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
        return payload

    first, second, third = (rows[u].platform_id for u in users)
    for platform_id, state in (
        (first, "read"),
        (first, "delivered"),
        (second, "failed"),
        (third, "delivered"),
        (third, "failed"),
    ):
        await running.post(status(str(platform_id), state))
    async with app.store.uow() as uow:
        after = {r.user_key: r for r in (await uow.session.execute(select_outbox())).scalars()}
        tally = await broadcasts.counts(uow, item.id)
    assert [after[u].state for u in users] == ["read", "failed", "delivered"]  # late callbacks never go back
    assert "131026" in after[users[1]].reason
    assert broadcasts.sent_count(tally) == 2 and tally["failed"] == 1


def select_outbox():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return select(models.Outbox)
