"""The composition root: builds settings, store and domain once and hands them to every entry point."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.health import Backoff
from sigap_core import broadcasts
from sigap_core.config import Settings
from sigap_core.crypto import Hasher
from sigap_core.i18n import use_locales
from sigap_core.policy import Policy, load_policy
from sigap_core.services import Domain
from sigap_core.store.availability import database_unavailable
from sigap_core.store.db import make_engine, upgrade
from sigap_core.store.repositories import Store
from sigap_core.wilayah import load_wilayah

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    store: Store
    domain: Domain
    today: Callable[[], date]

    @property
    def policy(self) -> Policy:
        return self.domain.policy

    async def close(self) -> None:
        await broadcasts.finish_counting()
        await self.store.dispose()


async def bootstrap(
    settings: Settings | None = None,
    database_url: str | None = None,
    *,
    migrate: bool = True,
    today: Callable[[], date] = date.today,
    wait_for_database: bool = False,
) -> App:
    """Settings, store and domain. With `wait_for_database` (the service), a database that cannot be reached
    yet is waited for, with backoff, instead of failing: the service starts once it answers."""
    settings = settings or Settings()
    for missing in use_locales(settings.locales_dir):
        log.error(
            "gettext catalog missing: %s; users of that language get untranslated (Indonesian) text. "
            "Reinstall the package, or point SIGAP_LOCALES_DIR at the catalogs.",
            missing,
        )
    url = database_url or settings.resolved_database_url()
    engine = make_engine(url, sqlite_driver=settings.sqlite_driver)
    if migrate:
        await _upgrade(engine, settings.retry_max_seconds if wait_for_database else None)
    domain = Domain(
        hasher=Hasher(settings.secret_key_bytes()),
        policy=load_policy(settings.policy_file),
        wilayah=load_wilayah(),
        public_url=settings.resolved_public_url(),
    )
    return App(settings=settings, store=Store(engine), domain=domain, today=today)


async def _upgrade(engine: AsyncEngine, retry_cap: float | None) -> None:
    backoff = Backoff(cap=retry_cap or 1.0)
    while True:
        try:
            await upgrade(engine)
        except Exception as error:
            if retry_cap is None or not database_unavailable(error):
                raise
            if backoff.attempt == 0:
                log.warning("database unreachable at start (%s); waiting for it", type(error).__name__)
            await backoff.wait()
            continue
        if backoff.attempt:
            log.warning("database: ok")
        return
