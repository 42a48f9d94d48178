"""SIGAP_LOCALES_DIR and SIGAP_SQLITE_DRIVER are settings like the others; a missing catalog is an ERROR at start."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import pytest

from bot.bootstrap import bootstrap
from sigap_core.config import Settings
from sigap_core.i18n import PACKAGE_LOCALES, Translator, use_locales
from sigap_core.store.inline_sqlite import InlineConnection
from tests.conftest import TEST_SECRET

ENGLISH_MENU = "Check eligibility"


@pytest.fixture(autouse=True)
def package_catalogs_afterwards() -> Iterator[None]:
    yield
    use_locales(None)


def env_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    monkeypatch.setenv("SIGAP_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SIGAP_VAR_DIR", str(tmp_path / "var"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


async def test_the_packaged_catalogs_are_used_and_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = env_settings(monkeypatch, tmp_path)
    assert settings.locales_dir is None
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    await app.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (PACKAGE_LOCALES / "en" / "LC_MESSAGES" / "messages.po").is_file()
    assert Translator("en")("Cek kelayakan") == ENGLISH_MENU


async def test_a_missing_catalog_is_an_error_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    partial = tmp_path / "locales"
    shutil.copytree(PACKAGE_LOCALES / "id", partial / "id")  # English missing
    settings = env_settings(monkeypatch, tmp_path, SIGAP_LOCALES_DIR=str(partial))
    assert settings.locales_dir == partial
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    await app.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and str(partial / "en" / "LC_MESSAGES" / "messages.po") in errors[0]
    assert Translator("en")("Cek kelayakan") == "Cek kelayakan"  # what an English user would have got


async def test_a_locales_dir_setting_is_read_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "catalogs"
    shutil.copytree(PACKAGE_LOCALES, elsewhere)
    po = elsewhere / "en" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace(f'msgstr "{ENGLISH_MENU}"', 'msgstr "Am I eligible?"', 1))
    app = await bootstrap(
        env_settings(monkeypatch, tmp_path, SIGAP_LOCALES_DIR=str(elsewhere)),
        f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
    )
    await app.close()
    assert Translator("en")("Cek kelayakan") == "Am I eligible?"


@pytest.mark.parametrize(
    ("driver", "connection_type"), [("inline", InlineConnection), ("aiosqlite", aiosqlite.Connection)]
)
async def test_the_sqlite_driver_setting_picks_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, driver: str, connection_type: type
) -> None:
    settings = env_settings(monkeypatch, tmp_path, SIGAP_SQLITE_DRIVER=driver)
    assert settings.sqlite_driver == driver
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        async with app.store.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, connection_type)
        async with app.store.uow() as uow:
            await uow.rates.add("test", driver)  # a write works on either driver
    finally:
        await app.close()
