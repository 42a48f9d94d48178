"""The service degrades, never dies (issue #17): `sigap run` as a real process, its platforms and its
database going away and coming back."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiohttp import ClientError, ClientSession, TCPConnector

from bot.bootstrap import App, bootstrap
from sigap_core import broadcasts
from sigap_core.config import Settings
from tests.conftest import TEST_SECRET, telegram_channel
from tests.e2e.cli_support import sigap_here
from tests.e2e.private_postgres import PrivatePostgres
from tests.e2e.private_postgres import unavailable as private_postgres_unavailable
from tests.e2e.service import Service, eventually, free_port, service_env
from tests.e2e.test_broadcast_delivery import subscribe_many
from tests.e2e.whatsapp_driver import Running, text_from
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram, private_message
from tests.integration.helpers import NIK


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.long(8)
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
        print(service.log()[-8000:])  # shown when the test fails
        await telegram.stop()


def inbox_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM inbox").fetchone()[0])


@pytest.mark.long(6)
@pytest.mark.parametrize("grace", ["10", "0.2"], ids=["drained", "grace-too-short"])
async def test_sigterm_right_after_200_messages_loses_none_and_answers_each_once(
    tmp_path: Path, graph: FakeGraph, grace: str
) -> None:
    """#18 §2: 200 signed messages, SIGTERM 100 ms later, restart. What was acknowledged is answered (by the
    draining process, or from the inbox by the next one); what was not, Meta sends again, as here."""
    database = tmp_path / "shutdown.db"
    if grace != "10":
        graph.delay = 0.5  # replies still in flight when the grace period ends
    env = service_env(
        tmp_path, f"sqlite+aiosqlite:///{database}", graph_base=graph.base_url, SIGAP_SHUTDOWN_GRACE_SECONDS=grace
    )
    service = Service(env, tmp_path / "service.log").start()
    users = [f"62814{n:07d}" for n in range(200)]
    payloads = {user: text_from(user, "halo") for user in users}
    acknowledged: set[str] = set()
    first_acknowledged = asyncio.Event()

    async def deliver(http: ClientSession, user: str) -> None:
        with suppress(ClientError, OSError):
            if await service.post_whatsapp(http, payloads[user]) == 200:
                acknowledged.add(user)
                first_acknowledged.set()

    try:
        await service.up()
        async with ClientSession(connector=TCPConnector(limit=100)) as http:
            burst = asyncio.gather(*(deliver(http, user) for user in users))
            # 100 ms after the service began acknowledging (on a busy machine the first connections take
            # longer than that to be accepted at all, and a burst none of which was acknowledged tests nothing).
            await asyncio.wait_for(first_acknowledged.wait(), 30)
            await asyncio.sleep(0.1)
            service.signal(signal.SIGTERM)
            in_flight = len(acknowledged) - sum(1 for user in users if graph.to(user))
            await burst
        assert await asyncio.to_thread(service.wait, 60) == 0
        first_run = set(acknowledged)
        answered = {user for user in users if graph.to(user)}
        left = inbox_rows(database)
        assert first_run, "nothing was acknowledged before SIGTERM"
        assert in_flight > 0, "SIGTERM came after the work was done: the test shows nothing"
        if grace == "10":
            assert answered >= first_run and left == 0  # drained: all acknowledged work done before exit
        else:  # what was not finished waits in the inbox; a turn already committed sent its reply first
            assert left > 0 and len(first_run - answered) <= left  # every unanswered one is in the inbox

        service.start()
        await service.up()
        async with ClientSession() as http:
            for user in users:  # Meta resends what it got no 200 for
                for _attempt in range(50):
                    if user in acknowledged:
                        break
                    await deliver(http, user)
        await eventually(lambda: all(graph.to(user) for user in users), 60, "every message answered")
        await asyncio.sleep(1.0)  # anything answered twice would show by now
        answers = {user: len(graph.to(user)) for user in users}
        assert set(answers.values()) == {1}, {u: n for u, n in answers.items() if n != 1}
        assert inbox_rows(database) == 0
    finally:
        service.stop()
        print(service.log()[-8000:])  # shown when the test fails


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    problem = private_postgres_unavailable()
    if problem:
        pytest.skip(problem)
    server = PrivatePostgres.create()
    yield server
    server.destroy()


async def count_rows(url: str, table: str) -> int:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await connection.close()


@pytest.mark.long(15)
async def test_postgres_restarted_under_the_service_loses_nothing_the_platforms_resend(
    tmp_path: Path, graph: FakeGraph, fake_telegram: FakeTelegram, private_postgres: PrivatePostgres
) -> None:
    """While the database is down both webhooks answer 503, as platforms expect, and they resend; once it is
    back the same process serves again (no restart) and every message is answered exactly once."""
    env = service_env(
        tmp_path,
        private_postgres.url,
        telegram_base=fake_telegram.base_url,
        webhook=True,
        graph_base=graph.base_url,
    )
    service = Service(env, tmp_path / "service.log").start()
    wa_users = [f"62815{n:07d}" for n in range(50)]
    tg_chats = [9100 + n for n in range(50)]
    refused: Counter[str] = Counter()

    async def resend_until_accepted(post: Callable[[], Awaitable[int]]) -> None:
        """What Meta and Telegram do: deliver again, later, whatever was not answered 200."""
        while True:
            try:
                status = await post()
            except (ClientError, OSError) as error:
                status, refused[type(error).__name__] = 0, refused[type(error).__name__] + 1
            if status == 200:
                return
            refused[str(status)] += 1
            await asyncio.sleep(0.2)

    async def traffic(http: ClientSession) -> None:
        platforms = []
        for n, (user, chat) in enumerate(zip(wa_users, tg_chats, strict=True)):
            wa, tg = text_from(user, "halo"), {"update_id": 7000 + n, **private_message(chat, "/start")}
            platforms.append(asyncio.create_task(resend_until_accepted(lambda p=wa: service.post_whatsapp(http, p))))  # type: ignore[misc]
            platforms.append(asyncio.create_task(resend_until_accepted(lambda u=tg: service.post_telegram(http, u))))  # type: ignore[misc]
            await asyncio.sleep(0.1)
        await asyncio.gather(*platforms)

    try:
        await service.up()
        await eventually(lambda: any(c.method == "setwebhook" for c in fake_telegram.calls), 30, "webhook set")
        pid = service.process.pid if service.process else 0
        async with ClientSession() as http:
            sending = asyncio.create_task(traffic(http))
            await asyncio.sleep(1.0)
            await asyncio.to_thread(private_postgres.stop)  # "fast": open connections are cut
            status, body = await service.health()
            assert status == 503 and body["database"] is False and body["status"] == "database unavailable"
            await asyncio.sleep(2.0)
            await asyncio.to_thread(private_postgres.start)
            await asyncio.wait_for(sending, 120)

        def answered() -> bool:
            return all(graph.to(u) for u in wa_users) and all(fake_telegram.sent(c) for c in tg_chats)

        await eventually(answered, 60, "every message answered")
        await asyncio.sleep(1.0)  # anything answered twice would show by now
        assert {len(graph.to(u)) for u in wa_users} == {1}
        assert {len(fake_telegram.sent(c)) for c in tg_chats} == {1}
        assert refused["503"] > 0, refused  # the outage was seen by the platforms, as 503s
        status, body = await service.health()
        assert status == 200 and body["database"] is True
        assert service.alive() and service.process is not None and service.process.pid == pid  # no restart
        # Nothing half-written: every update handled and recorded once, the inbox empty, every send recorded.
        url = private_postgres.url
        assert await count_rows(url, "inbox") == 0
        assert await count_rows(url, "processed_update") == len(wa_users) + len(tg_chats)
        assert await count_rows(url, "conversation") == len(wa_users) + len(tg_chats)
        await eventually(lambda: _outgoing_is(url, len(wa_users)), 10, "every WhatsApp send recorded")
        log = service.log()
        assert "Traceback" not in log, log[-4000:]
        assert log.count("database: degraded: unreachable") >= 1
    finally:
        service.stop()
        print(service.log()[-8000:])  # shown when the test fails


async def _outgoing_is(url: str, expected: int) -> bool:
    return await count_rows(url, "outgoing_message") == expected


async def queue_broadcast(database_url: str, recipients: int, first: int) -> None:
    app = await bootstrap(
        Settings(secret_key=TEST_SECRET, _env_file=None),  # type: ignore[call-arg]
        database_url,
    )
    try:
        await subscribe_many(app, "telegram", recipients, first)
        now = datetime.now(UTC)
        async with app.store.uow() as uow:
            await broadcasts.create_broadcast(
                uow, app.domain, broadcasts.CLI_ACTOR, None, "all", "Info penting", now, now, app.today()
            )
    finally:
        await app.close()


@pytest.mark.long(25)
async def test_broadcast_across_a_bot_api_outage_loses_none_and_sends_none_twice(tmp_path: Path) -> None:
    """The Bot API goes away for 10 s (longer if the checks during the outage take longer) in the middle of a
    broadcast: rows go back to the queue with their reason and are sent once it is back; a citizen's reply
    that could not be sent meanwhile is counted."""
    recipients, first = 300, 300_000
    database = tmp_path / "outage.db"
    url = f"sqlite+aiosqlite:///{database}"
    await queue_broadcast(url, recipients, first)
    port = free_port()
    bot_api = FakeTelegram()
    await bot_api.start(port)
    env = service_env(tmp_path, url, telegram_base=bot_api.base_url, webhook=True, SIGAP_TELEGRAM_RATE="50")
    service = Service(env, tmp_path / "service.log").start()

    def delivered() -> Counter[int]:
        return Counter(c.chat_id for c in bot_api.sent() if c.chat_id >= first)

    def queued_with_reason() -> int:
        with sqlite3.connect(database) as db:
            return int(
                db.execute(
                    "SELECT count(*) FROM outbox WHERE state = 'pending' AND reason = 'TelegramNetworkError'"
                ).fetchone()[0]
            )

    try:
        await service.up()
        await eventually(lambda: len(delivered()) >= recipients // 4, 60, "a quarter of the broadcast sent")
        await bot_api.stop()  # the Bot API is gone
        outage_began = time.monotonic()
        async with ClientSession() as http:
            # A citizen writes meanwhile (webhooks still arrive): the reply cannot be sent.
            assert await service.post_telegram(http, {"update_id": 1, **private_message(8201, "/start")}) == 200
        await eventually(queued_with_reason, 30, "rows back in the queue with their reason")

        async def reply_counted() -> dict[str, object] | None:
            _status, body = await service.health()
            return body if body["replies_not_sent"]["telegram"] == 1 else None

        body = await eventually(reply_counted, 30, "the reply that could not be sent is counted")
        assert body["channels"]["telegram"] == "degraded: Bot API unreachable (TelegramNetworkError)"
        await asyncio.sleep(max(0.0, 10 - (time.monotonic() - outage_began)))
        await bot_api.start(port)  # back after 10 s
        await eventually(lambda: len(delivered()) == recipients, 60, "every recipient reached")
        await asyncio.sleep(1.0)  # anything sent twice would show by now
        per_chat = delivered()
        assert len(per_chat) == recipients and set(per_chat.values()) == {1}
        assert bot_api.sent(8201) == []  # dropped, not sent late out of context
        shown = await asyncio.to_thread(sigap_here, env, "broadcast", "show", "1", "--json")
        counts = json.loads(shown.stdout)["counts"]
        assert counts["sent"] == recipients and counts.get("failed", 0) == 0
        status, body = await service.health()
        assert status == 200 and body["channels"]["telegram"] == "ok"
        log = service.log()
        assert "telegram: a reply could not be sent (TelegramNetworkError); dropped" in log
        assert "Traceback" not in log, log[-4000:]
    finally:
        service.stop()
        await bot_api.stop()
        print(service.log()[-8000:])  # shown when the test fails


async def test_long_polling_confirms_an_update_to_telegram_only_after_handling_it(
    sqlite_app: App, fake_telegram: FakeTelegram
) -> None:
    channel = telegram_channel(sqlite_app, fake_telegram)
    stop = asyncio.Event()
    polling = asyncio.create_task(channel.run(stop, None, ""))
    try:
        update_id = fake_telegram.push(private_message(8301, "/start"))
        answer = await fake_telegram.wait_sent(8301, 1)
        assert "SIGAP" in answer[0].params["text"]
        assert channel.health.state("telegram") == "ok"
    finally:
        stop.set()
        await asyncio.wait_for(polling, 10)
        await channel.close()
    polls = [int(c.params.get("offset") or 0) for c in fake_telegram.calls if c.method == "getupdates"]
    assert polls[0] == 0 and polls[-1] == update_id + 1  # confirmed after the reply, also at shutdown
    assert any(c.method == "deletewebhook" for c in fake_telegram.calls)
    assert len(fake_telegram.sent(8301)) == 1


async def test_a_nik_typed_on_whatsapp_reaches_no_table_free_page_or_wal(running: Running) -> None:
    """The inbox holds the message text until it is handled: sealed, so the raw NIK is nowhere on disk."""
    nik = NIK["priority"]
    assert await running.post(text_from("628130009999", "halo")) == 200
    assert await running.post(text_from("628130009999", nik)) == 200
    await running.graph.wait("628130009999", 2)
    database = Path(str(running.app.store.engine.url.database))
    blobs = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert len(blobs) > 10_000 and nik.encode() not in blobs


@pytest.mark.long(5)
async def test_service_started_before_its_database_waits_for_it_and_then_serves(
    tmp_path: Path, graph: FakeGraph, private_postgres: PrivatePostgres
) -> None:
    await asyncio.to_thread(private_postgres.stop)
    env = service_env(tmp_path, private_postgres.url, graph_base=graph.base_url)
    service = Service(env, tmp_path / "service.log").start()
    try:
        await eventually(lambda: "database unreachable at start" in service.log(), 60, "the wait is reported")
        await asyncio.sleep(1.5)  # several retries
        assert service.alive()  # no exit, so no restart loop under a supervisor
        await asyncio.to_thread(private_postgres.start)
        status, body = await service.up(60)
        assert status == 200 and body["database"] is True
        async with ClientSession() as http:
            assert await service.post_whatsapp(http, text_from("628130000002", "halo")) == 200
        await graph.wait("628130000002", 1, timeout=30)
        assert service.log().count("database unreachable at start") == 1
    finally:
        service.stop()
        print(service.log()[-8000:])  # shown when the test fails


async def test_graph_server_errors_are_retried_and_the_reply_still_arrives(running: Running) -> None:
    running.graph.fail(2, "Service temporarily unavailable", status=503, times=2)
    assert await running.post(text_from("628130008001", "halo")) == 200
    await running.graph.wait("628130008001", 1)
    assert running.graph.attempts == 3
    assert running.channel.health.state("whatsapp") == "ok"


async def test_a_reply_the_graph_api_never_takes_is_dropped_logged_without_text_and_counted(
    running: Running,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running.graph.fail(2, "Service temporarily unavailable", status=500, times=5)
    with caplog.at_level(logging.INFO):
        assert await running.post(text_from("628130008002", "halo")) == 200
    assert running.graph.to("628130008002") == []
    assert running.channel.health.counters["whatsapp_replies_not_sent"] == 1
    assert running.channel.health.state("whatsapp").startswith("degraded: Graph API unreachable")
    dropped = [r.getMessage() for r in caplog.records if "could not be sent" in r.getMessage()]
    assert dropped == ["whatsapp: a message could not be sent after 5 attempts; dropped"]
    assert not any("SIGAP" in r.getMessage() or "628130008002" in r.getMessage() for r in caplog.records)


async def test_long_polling_waits_out_a_long_locked_sqlite_and_answers_once(
    sqlite_app: App, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite locked by another process for longer than the lock wait: the update is neither apologised for
    nor lost; it is confirmed to Telegram only once it was answered."""
    monkeypatch.setattr("sigap_core.store.inline_sqlite.LOCK_WAIT_SECONDS", 0.3)
    database = str(sqlite_app.store.engine.url.database)
    channel = telegram_channel(sqlite_app, fake_telegram)
    channel.retry_cap = 0.5
    stop = asyncio.Event()
    polling = asyncio.create_task(channel.run(stop, None, ""))
    other_process = sqlite3.connect(database, isolation_level=None)
    try:
        await eventually(lambda: channel.started, 10, "polling")
        other_process.execute("BEGIN IMMEDIATE")  # the write lock, held
        update_id = fake_telegram.push(private_message(8401, "/start"))
        await eventually(lambda: channel.health.state("database") != "starting", 10, "the outage noticed")
        await asyncio.sleep(1.5)  # several lock waits and retries
        assert fake_telegram.sent(8401) == []  # no apology, no half-handled turn
        offsets = [int(c.params.get("offset") or 0) for c in fake_telegram.calls if c.method == "getupdates"]
        assert update_id + 1 not in offsets  # not confirmed: Telegram would deliver it again
        other_process.execute("COMMIT")
        answer = await fake_telegram.wait_sent(8401, 1)
        assert "SIGAP" in answer[0].params["text"]
    finally:
        other_process.close()
        stop.set()
        await asyncio.wait_for(polling, 10)
        await channel.close()
    assert len(fake_telegram.sent(8401)) == 1
    assert channel.health.state("database") == "degraded: unreachable"  # as last seen; /healthz refreshes it


async def test_whatsapp_webhook_answers_503_while_sqlite_stays_locked_and_200_after(
    running: Running,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sigap_core.store.inline_sqlite.LOCK_WAIT_SECONDS", 0.3)
    other_process = sqlite3.connect(str(running.app.store.engine.url.database), isolation_level=None)
    payload = text_from("628130008003", "halo")
    try:
        other_process.execute("BEGIN IMMEDIATE")
        assert await running.post(payload) == 503  # Meta delivers it again later
        other_process.execute("COMMIT")
    finally:
        other_process.close()
    assert running.graph.to("628130008003") == []
    assert await running.post(payload) == 200  # the redelivery
    await running.graph.wait("628130008003", 1)
    await asyncio.sleep(0.2)
    assert len(running.graph.to("628130008003")) == 1
