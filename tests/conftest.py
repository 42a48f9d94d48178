"""Shared fixtures: settings in a temp dir, a real database (SQLite file or PostgreSQL schema)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def built_once(
    config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A directory made by `build` once per test run: under pytest-xdist the workers share it (the first to
    come builds it, under a lock), so its commands do not run once per worker."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        directory = tmp_path_factory.mktemp(name)
        build(directory)
        return directory
    shared = tmp_path_factory.getbasetemp().parent / f"{name}-{workerinput['testrunuid']}"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            build(shared)
            (shared / "built").touch()
    return shared


def copy_sqlite_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), through SQLite's backup API."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("long")
    return float(marker.args[0]) if marker is not None else 0.0


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """(pytest-xdist, in the controller) Tell each worker the distribution mode: a worker's own option says
    "no"."""
    node.workerinput["sigap_dist"] = node.config.getoption("dist")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long tests (`@pytest.mark.long(seconds)`) first, shared out between the xdist workers.

    pytest-xdist's work stealing (`--dist worksteal`) gives each of the k workers one contiguous part of
    this order (the first n // k tests, then the next …) and an idle worker takes from the end of another's
    queue. So the long tests are dealt to the parts, longest first to the part with the fewest seconds so
    far, and each part starts with its own: no worker is left with a long test at the end while the other
    has nothing to do. Without xdist, simply longest first. Other tests keep their collection order."""
    long_tests = sorted((item for item in items if _expected_seconds(item) > 0), key=_expected_seconds, reverse=True)
    rest = [item for item in items if _expected_seconds(item) == 0]
    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput["workercount"]) if workerinput is not None else 1
    if workers < 2 or workerinput.get("sigap_dist") != "worksteal":
        items[:] = long_tests + rest
        return
    sizes, left = [], len(items)  # the parts as the scheduler cuts them
    for remaining in range(workers, 0, -1):
        sizes.append(left // remaining)
        left -= sizes[-1]
    dealt: list[list[pytest.Item]] = [[] for _ in sizes]
    for item in long_tests:
        part = min(range(workers), key=lambda i: sum(map(_expected_seconds, dealt[i])))
        dealt[part].append(item)
    if any(len(part) > size for part, size in zip(dealt, sizes, strict=True)):
        items[:] = long_tests + rest
        return
    ordered: list[pytest.Item] = []
    for part, size in zip(dealt, sizes, strict=True):
        take = size - len(part)
        ordered += part + rest[:take]
        rest = rest[take:]
    items[:] = ordered


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def domain() -> Domain:
    return Domain(Hasher(TEST_SECRET.encode()), load_policy(), load_wilayah())


def _pg_url(database: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + database


def _run_to_end(coroutine: Coroutine[Any, Any, None]) -> None:
    """asyncio.run, also from an async fixture (the event loop there is busy: run it on a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result()


async def _pg_execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def import_sample(app: App, tmp_path: Path) -> App:
    """The seven sample people (one per outcome) and their participation records."""
    from sigap_core.importers.service import import_file
    from tests.integration.helpers import dtsen, peserta

    for kind, path in (("dtsen", dtsen(tmp_path / "d.csv")), ("peserta", peserta(tmp_path / "p.csv"))):
        await import_file(app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, tmp_path / "r")
    return app


class DatabaseTemplates:
    """Databases prepared once per backend per test session (per xdist worker) and copied for each test —
    a SQLite file copy, or `CREATE DATABASE … TEMPLATE` — instead of migrating and importing again:
    "migrated" (the schema at head, no rows; behind `app`), "loaded" (plus the sample registry; behind
    `loaded`) and, on SQLite, "demo" (plus the dashboard tests' 3,000-person demo registry; behind
    `demo_registry`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: dict[str, Path] = {}
        self._postgres: dict[str, str] = {}

    async def _build(self, url: str, kind: str) -> None:
        settings = Settings(var_dir=self.directory / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]
        application = await bootstrap(settings, url, today=lambda: TODAY)
        try:
            if kind == "loaded":
                await import_sample(application, self.directory)
            elif kind == "demo":
                from tests.dashboard_support import load_demo_registry

                await load_demo_registry(application, self.directory / "demo-registry")
        finally:
            await application.close()

    def sqlite_copy(self, kind: str, target: Path) -> None:
        """Put a copy of the `kind` database at `target` (a SQLite file path)."""
        if kind not in self._sqlite:
            path = self.directory / f"{kind}.db"
            _run_to_end(self._build(f"sqlite+aiosqlite:///{path}", kind))
            self._sqlite[kind] = path
        copy_sqlite_database(self._sqlite[kind], target)

    def postgres_create(self, kind: str, name: str) -> None:
        """Create the PostgreSQL database `name` as a copy of the `kind` database."""
        if kind not in self._postgres:
            template = f"sigap_tpl_{kind}_{uuid.uuid4().hex[:12]}"
            _run_to_end(_pg_execute(f"CREATE DATABASE {template}"))
            self._postgres[kind] = template
            _run_to_end(self._build(_pg_url(template), kind))
        _run_to_end(_pg_execute(f"CREATE DATABASE {name} TEMPLATE {self._postgres[kind]}"))

    def drop(self) -> None:
        for template in self._postgres.values():
            _run_to_end(_pg_execute(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"))


# A test's PostgreSQL database is dropped in the background, while the next test runs: on a busy server a
# DROP DATABASE waits a second or more for its checkpoint, and nothing needs to wait for it.
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases_before_the_session_ends() -> Iterator[None]:
    yield
    _dropper.shutdown(wait=True)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("database-templates"))
    yield templates
    templates.drop()


def _template_kind(request: pytest.FixtureRequest, loaded: str, app: str) -> str | None:
    """Which prepared database a test's fixtures will turn this one into anyway (None: keep it empty)."""
    if loaded in request.fixturenames:
        return "loaded"
    if app in request.fixturenames:
        return "migrated"
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each backend: a SQLite file, or a new PostgreSQL database. Empty, unless the test
    uses `app` (then it is a copy of one already migrated) or `loaded` (a copy holding the sample registry):
    what those fixtures would make of it anyway, without running the migrations and the import again."""
    kind = _template_kind(request, "loaded", "app")
    templates: DatabaseTemplates | None = request.getfixturevalue("database_templates") if kind else None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if templates is not None and kind is not None:
            templates.sqlite_copy(kind, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    name = "sigap_t_" + uuid.uuid4().hex[:12]
    if templates is not None and kind is not None:
        templates.postgres_create(kind, name)
    else:
        asyncio.run(_pg_execute(f"CREATE DATABASE {name}"))
    yield _pg_url(name)
    _dropper.submit(asyncio.run, _pg_execute(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file; as with `db_url`, a migrated copy behind `sqlite_app`, a loaded one behind
    `loaded_sqlite`, one holding the demo registry behind `demo_registry`."""
    path = tmp_path / "test.db"
    kind = "demo" if "demo_registry" in request.fixturenames else _template_kind(request, "loaded_sqlite", "sqlite_app")
    if kind is not None:
        templates: DatabaseTemplates = request.getfixturevalue("database_templates")
        templates.sqlite_copy(kind, path)
    return f"sqlite+aiosqlite:///{path}"


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


@pytest.fixture
async def loaded(app: App) -> App:
    """`app` (both backends) holding the sample registry (`db_url` is a copy of the session's loaded template)."""
    return app


@pytest.fixture
async def loaded_sqlite(sqlite_app: App) -> App:
    """`sqlite_app` holding the sample registry (`sqlite_url` is a copy of the session's loaded template)."""
    return sqlite_app


@pytest.fixture
async def demo_registry(sqlite_app: App) -> App:
    """`sqlite_app` holding the dashboard tests' demo registry (`tests/dashboard_support.load_demo_registry`,
    3,000 people and some rejected rows; `sqlite_url` is a copy of the session's demo template)."""
    return sqlite_app


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
