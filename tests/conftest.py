"""Shared fixtures: settings in a temp dir, a real database (SQLite file or PostgreSQL schema)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.bootstrap import App, bootstrap
from sigap_core.config import Settings
from sigap_core.crypto import Hasher
from sigap_core.policy import load_policy
from sigap_core.services import Domain
from sigap_core.wilayah import load_wilayah
from tests.fakes.telegram_api import FakeTelegram

if TYPE_CHECKING:
    from bot.telegram import TelegramChannel

TEST_SECRET = "test-secret-key-not-for-production-0001"
TODAY = date(2026, 11, 21)
PG_URL = os.environ.get("SIGAP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it cannot be used."""
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as error:  # pragma: no cover - depends on the machine
        return f"PostgreSQL not reachable at {PG_URL}: {error}"
    return None


_PG_PROBLEM: str | bool | None = False


def postgres_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_available()
    return _PG_PROBLEM  # type: ignore[return-value]


def copy_sqlite_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), through SQLite's backup API."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def domain() -> Domain:
    return Domain(Hasher(TEST_SECRET.encode()), load_policy(), load_wilayah())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    name = "sigap_t_" + uuid.uuid4().hex[:12]
    import asyncpg

    raw_url = PG_URL.replace("postgresql+asyncpg", "postgresql")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(raw_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f"CREATE DATABASE {name}"))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    asyncio.run(run(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def app(settings: Settings, db_url: str) -> AsyncIterator[App]:
    application = await bootstrap(settings, db_url, today=lambda: TODAY)
    yield application
    await application.close()


@pytest.fixture
async def sqlite_app(settings: Settings, sqlite_url: str) -> AsyncIterator[App]:
    application = await bootstrap(settings, sqlite_url, today=lambda: TODAY)
    yield application
    await application.close()


async def import_sample(app: App, tmp_path: Path) -> App:
    """The seven sample people (one per outcome) and their participation records."""
    from sigap_core.importers.service import import_file
    from tests.integration.helpers import dtsen, peserta

    for kind, path in (("dtsen", dtsen(tmp_path / "d.csv")), ("peserta", peserta(tmp_path / "p.csv"))):
        await import_file(app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, tmp_path / "r")
    return app


@pytest.fixture
async def loaded(app: App, tmp_path: Path) -> App:
    """`app` (both backends) holding the sample registry."""
    return await import_sample(app, tmp_path)


@pytest.fixture
async def loaded_sqlite(sqlite_app: App, tmp_path: Path) -> App:
    return await import_sample(sqlite_app, tmp_path)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


TELEGRAM_TOKEN = "123456:TEST-TOKEN"


def telegram_channel(app: App, fake: FakeTelegram) -> TelegramChannel:
    """The real aiogram channel, pointed at the fake Bot API server (close it when done)."""
    from bot.telegram import TelegramChannel
    from handlers.engine import Conversations

    return TelegramChannel(TELEGRAM_TOKEN, fake.base_url, Conversations(app.store, app.domain, app.today), app.store)


@asynccontextmanager
async def polling_bot(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    """The real aiogram bot long-polling the fake Bot API server, stopped cleanly afterwards."""
    channel = telegram_channel(app, fake)
    task = asyncio.create_task(channel.dispatcher.start_polling(channel.bot, handle_signals=False, polling_timeout=1))
    try:
        yield channel
    finally:
        await channel.stop_polling()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await channel.close()
