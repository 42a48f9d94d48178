"""The small parts the service's resilience rests on: backoff, health states, telling an outage from a bug,
sealing inbox payloads."""

from __future__ import annotations

import logging
import sqlite3

import aiohttp
import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import exc

from bot.health import Backoff, Health
from sigap_core.store.availability import database_unavailable
from sigap_core.store.inbox import Sealer


def test_backoff_doubles_with_jitter_up_to_its_cap_and_starts_over_after_a_success() -> None:
    backoff = Backoff(first=0.5, cap=4.0)
    delays = [backoff.next_delay() for _ in range(8)]
    for attempt, delay in enumerate(delays):
        ceiling = min(4.0, 0.5 * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 4.0 and len({round(d, 6) for d in delays}) > 1
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_health_logs_one_warning_per_change_not_per_repeat(caplog: pytest.LogCaptureFixture) -> None:
    health = Health()
    with caplog.at_level(logging.WARNING, logger="bot.health"):
        health.set("telegram", "starting")
        for _ in range(5):
            health.degrade("telegram", "Bot API unreachable (TelegramNetworkError)")
        health.ok("telegram")
        health.ok("telegram")
    assert [r.getMessage() for r in caplog.records] == [
        "telegram: degraded: Bot API unreachable (TelegramNetworkError)",
        "telegram: ok",
    ]
    assert health.states() == {"telegram": "ok"}


def _wrapped(orig: BaseException) -> exc.OperationalError:
    return exc.OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("error", "away"),
    [
        (_wrapped(sqlite3.OperationalError("database is locked")), True),
        (_wrapped(sqlite3.OperationalError("no such table: inbox")), False),
        (sqlite3.OperationalError("database is locked"), True),  # as the write-lock wait raises it
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),
        (exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
        (exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), False),
        (ValueError("a bug"), False),
        (aiohttp.ClientConnectorError(None, OSError(111, "refused")), False),  # type: ignore[arg-type]
    ],
    ids=[
        "sqlite-locked",
        "sqlite-no-table",
        "sqlite-lock-wait",
        "refused",
        "timeout",
        "closed",
        "integrity",
        "bug",
        "graph-down",
    ],
)
def test_an_outage_is_told_from_a_bug(error: BaseException, away: bool) -> None:
    assert database_unavailable(error) is away


def test_an_error_raised_while_handling_an_outage_still_counts_as_the_outage() -> None:
    try:
        try:
            raise ConnectionResetError(104, "reset")
        except ConnectionResetError as cause:
            raise RuntimeError("wrapped") from cause
    except RuntimeError as error:
        assert database_unavailable(error)


def test_sealed_inbox_payloads_hold_no_readable_text_and_open_only_for_their_channel() -> None:
    sealer = Sealer(b"test-secret-key-not-for-production-0001")
    raw = b'{"text": {"body": "3275014101900001"}}'
    sealed = sealer.seal("whatsapp", raw)
    assert b"3275014101900001" not in sealed and sealed != sealer.seal("whatsapp", raw)  # a fresh nonce each
    assert sealer.open("whatsapp", sealed) == raw
    with pytest.raises(InvalidTag):
        sealer.open("telegram", sealed)
    with pytest.raises(InvalidTag):
        Sealer(b"another-key-another-key-another-key").open("whatsapp", sealed)
