"""The Graph API version: a default that is not about to expire, and a warning at start before one does."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.graph_versions import EXPIRES, WARN_DAYS, expiry_warning, graph_version
from bot.web import build_whatsapp
from handlers.engine import Conversations
from sigap_core.config import Settings
from tests.conftest import TEST_SECRET

ISSUE_DAY = date(2026, 12, 1)


def test_default_version_is_v25_and_far_from_expiry() -> None:
    default = Settings(_env_file=None).whatsapp_graph_base  # type: ignore[call-arg]
    assert graph_version(default) == "v25.0"
    assert EXPIRES["v25.0"] == date(2028, 7, 29)
    assert expiry_warning(default, ISSUE_DAY) is None


def test_v21_warns_within_sixty_days_of_21_january_2027() -> None:
    base = "https://graph.facebook.com/v21.0"
    warning = expiry_warning(base, ISSUE_DAY)
    assert warning is not None
    assert "v21.0 expires on 2027-01-21 (in 51 days)" in warning
    assert "v25.0" in warning
    # 61 days before: quiet; exactly 60 days before: warned.
    assert expiry_warning(base, date(2026, 11, 21)) is None
    assert expiry_warning(base, date(2026, 11, 22)) is not None
    assert (EXPIRES["v21.0"] - date(2026, 11, 22)).days == WARN_DAYS


def test_an_expired_version_says_sends_fail() -> None:
    warning = expiry_warning("http://127.0.0.1:9/v20.0/", ISSUE_DAY)
    assert warning is not None and "v20.0 expired on 2026-09-24" in warning
    assert "expired on 2027-01-21" in (expiry_warning("https://graph.facebook.com/v21.0", date(2027, 1, 22)) or "")


def test_a_base_without_a_version_is_warned_and_an_unknown_newer_one_is_not() -> None:
    assert "no API version" in (expiry_warning("https://graph.facebook.com", ISSUE_DAY) or "")
    assert expiry_warning("https://graph.facebook.com/v26.0", ISSUE_DAY) is None


@pytest.mark.parametrize(("version", "warned"), [("v21.0", True), ("v25.0", False)])
async def test_service_start_logs_one_warning_for_an_expiring_version(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, version: str, warned: bool
) -> None:
    settings = Settings(
        var_dir=tmp_path,
        secret_key=TEST_SECRET,
        whatsapp_token="t",
        whatsapp_phone_number_id="1",
        whatsapp_app_secret="s",
        whatsapp_graph_base=f"https://graph.facebook.com/{version}",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = await bootstrap(settings, f"sqlite+aiosqlite:///{tmp_path / 'v.db'}", today=lambda: ISSUE_DAY)
    try:
        with caplog.at_level(logging.INFO):
            channel = build_whatsapp(app, Conversations(app.store, app.domain, app.today))
        assert channel is not None
        await channel.close()
    finally:
        await app.close()
    warnings = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "Graph API" in r.getMessage()
    ]
    assert len(warnings) == (1 if warned else 0), warnings
