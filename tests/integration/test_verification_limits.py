"""Verification limits against a distributed guessing run (issue 13) and under real concurrency (issue 18)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.engine import Conversations
from sigap_core.store import models
from tests.integration.chat import Chat
from tests.integration.helpers import KK4, NIK

NOT_VERIFIED = "tidak menemukan data yang cocok"
NIK_LOCKED = "NIK ini sementara tidak bisa dicek"


@pytest.fixture
def bot(loaded: App) -> Conversations:
    return Conversations(loaded.store, loaded.domain, loaded.today)


def with_verification(bot: Conversations, **changes: int) -> None:
    policy = bot.domain.policy
    bot.domain = replace(bot.domain, policy=replace(policy, verification=replace(policy.verification, **changes)))


async def evaluated_failures(app: App, nik: str) -> int:
    """Failed checks that were evaluated against the registry for one person (the audit trail)."""
    nik_hmac = app.domain.hasher.nik(nik)
    async with app.store.reader() as uow:
        return int(
            (
                await uow.session.execute(
                    select(func.count())
                    .select_from(models.AuditEvent)
                    .where(models.AuditEvent.action == "verify_failed", models.AuditEvent.nik_hmac == nik_hmac)
                )
            ).scalar_one()
        )


async def test_a_distributed_guessing_run_is_capped_per_person_and_honest_checks_still_work(
    bot: Conversations, loaded: App
) -> None:
    """One new chat per guess, as a guesser with many accounts would do; the global guard is on early."""
    with_verification(bot, failed_attempts_global_per_hour=20)
    limit = bot.domain.policy.verification.failed_attempts_per_nik
    answers = []
    for guess in range(60):
        answers.append(await Chat(bot, user=f"guesser-{guess}").verify(NIK["priority"], f"{guess:04d}"))
        if guess == 30:  # mid-run, the owner of another NIK checks from a fresh chat
            assert "memenuhi syarat SIGAP (desil 5)" in await Chat(bot, user="honest").verify(
                NIK["eligible"], KK4["eligible"]
            )
    assert sum(NOT_VERIFIED in answer for answer in answers) == limit
    assert all(NIK_LOCKED in answer for answer in answers[limit:])
    assert await evaluated_failures(loaded, NIK["priority"]) == limit
    # Even the right digits are not evaluated for a locked NIK (else a guess could still land).
    assert NIK_LOCKED in await Chat(bot, user="guesser-lucky").verify(NIK["priority"], KK4["priority"])


async def test_an_unknown_nik_locks_exactly_like_a_registered_one(bot: Conversations) -> None:
    """The per-NIK lock-out must not reveal whether a NIK is in the registry."""
    limit = bot.domain.policy.verification.failed_attempts_per_nik
    unknown = [await Chat(bot, user=f"u{n}").verify("3275016612990999", "1111") for n in range(limit + 1)]
    known = [await Chat(bot, user=f"k{n}").verify(NIK["rich"], "1111") for n in range(limit + 1)]
    assert unknown == known


async def test_the_per_chat_limit_is_as_before(bot: Conversations) -> None:
    chat = Chat(bot)
    for n in range(bot.domain.policy.verification.failed_attempts_per_user):
        assert NOT_VERIFIED in await chat.verify(NIK[["rich", "office", "outside"][n % 3]], "0000")
    assert "coba lagi setelah pukul" in await chat.verify(NIK["priority"], KK4["priority"])


@pytest.mark.postgres
async def test_parallel_guesses_in_one_chat_are_counted_one_after_another(bot: Conversations, loaded: App) -> None:
    """30 KK guesses at once from one chat (several messages in one webhook batch, several processes):
    no more than the per-chat limit are evaluated. Real concurrency: separate database connections."""
    if loaded.store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers by itself; the race is PostgreSQL's")
    chat = Chat(bot, user="racer")
    await chat.send("cek kelayakan")
    await chat.press("consent:yes")
    await chat.send(NIK["priority"])
    # Each guess starts from the state "KK digits asked", as 30 messages arriving together would.
    from handlers.model import InMessage, Kind

    async def guess(digits: str) -> str:
        replies = await bot.handle(InMessage("console", "racer", Kind.TEXT, text=digits))
        return "\n".join(reply.text for reply in replies)

    answers = await asyncio.gather(*(guess(f"{n:04d}") for n in range(1, 31)))
    evaluated = await evaluated_failures(loaded, NIK["priority"])
    assert evaluated <= bot.domain.policy.verification.failed_attempts_per_user
    # The rest were told to wait, or (once a failure moved the dialog back to "type your NIK", or the lock-out
    # ended the dialog) that four digits are not a NIK, or that no NIK is waiting for them; none was evaluated,
    # and none verified.
    waiting = ("coba lagi setelah pukul", "NIK harus 16 digit", "belum mengerti", "tidak ada NIK yang sedang menunggu")
    for answer in answers:
        assert NOT_VERIFIED in answer or any(text in answer for text in waiting), answer
        assert "PRIORITAS" not in answer
    assert sum(NOT_VERIFIED in answer for answer in answers) == evaluated
