"""How many verification attempts may go ahead: per chat, per NIK across all chats, and a global guard.

Threat model (README, "Verification limits"): a verification proves that a chat holds a person's NIK and
the last 4 digits of their KK (10,000 possibilities), or their own phone. Someone who knows a NIK may
guess the digits; someone who knows none may try many NIKs to learn who is registered; either may open
as many chats as they like. So:

- per chat: `failed_attempts_per_user` failures per `lockout_minutes`, then the chat waits (as before);
- per NIK digest, across all chats: `failed_attempts_per_nik` failures per `nik_lockout_hours`, then
  that NIK cannot be checked by chat until the window has passed, from any chat. An unknown NIK is
  counted the same way, so the lock-out never tells a registered NIK from an unknown one;
- globally: when more than `failed_attempts_global_per_hour` failures arrived in the last hour, the
  service is under a guessing run: each chat then gets only `failed_attempts_per_user_under_load`
  failures per window (the run slows to a crawl per chat), but nobody is refused before trying, and a
  correct first attempt still succeeds.

Counts are in the database (shared by all processes). Under concurrency every decision holds a lock per
subject (this chat, this NIK) until the turn's transaction ends, so parallel attempts are counted one
after another and cannot all slip under a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sigap_core.policy import Verification
from sigap_core.store.repositories import RateRepository

FAIL_SCOPE = "verify_fail"  # per chat
FAIL_NIK_SCOPE = "verify_fail_nik"  # per NIK digest, all chats together
FAIL_ALL_SCOPE = "verify_fail_all"  # everybody: the global guard
CHECK_SCOPE = "verified_check"  # verified checks per chat and day
EVERYONE = "*"


class Refused(Enum):
    CHAT_LOCKED = "chat_locked"  # this chat failed too often
    NIK_LOCKED = "nik_locked"  # this NIK was failed too often, from any chats
    DAILY_CHECKS = "daily_checks"  # this chat verified enough people today


@dataclass(frozen=True)
class Refusal:
    reason: Refused
    until: datetime | None = None
    limit: int = 0


def nik_subject(nik_hmac: bytes) -> str:
    """The per-NIK counter's subject: the NIK's keyed digest (never the NIK)."""
    return nik_hmac.hex()


class VerificationLimits:
    def __init__(self, rates: RateRepository, policy: Verification) -> None:
        self.rates = rates
        self.policy = policy

    async def may_attempt(self, chat: str, nik_hmac: bytes | None, now: datetime) -> Refusal | None:
        """None when this attempt may be evaluated; else why not, and until when. Locks the chat and the
        NIK until the transaction ends, so `failed` / `verified` of this attempt are counted before the
        next attempt on either is decided."""
        policy = self.policy
        subjects = [(FAIL_SCOPE, chat)] + ([(FAIL_NIK_SCOPE, nik_subject(nik_hmac))] if nik_hmac else [])
        await self.rates.lock(*(f"{scope}:{subject}" for scope, subject in subjects))
        window = timedelta(minutes=policy.lockout_minutes)
        allowed = policy.failed_attempts_per_user
        if allowed > policy.failed_attempts_per_user_under_load and await self._under_load(now):
            allowed = policy.failed_attempts_per_user_under_load
        until = await self._locked_until(FAIL_SCOPE, chat, allowed, window, now)
        if until is not None:
            return Refusal(Refused.CHAT_LOCKED, until)
        if nik_hmac is not None:
            nik_window = timedelta(hours=policy.nik_lockout_hours)
            until = await self._locked_until(
                FAIL_NIK_SCOPE, nik_subject(nik_hmac), policy.failed_attempts_per_nik, nik_window, now
            )
            if until is not None:
                return Refusal(Refused.NIK_LOCKED, until)
        checks = await self.rates.count(CHECK_SCOPE, chat, now - timedelta(days=1))
        if checks >= policy.checks_per_user_per_day:
            return Refusal(Refused.DAILY_CHECKS, limit=policy.checks_per_user_per_day)
        return None

    async def failed(self, chat: str, nik_hmac: bytes, now: datetime) -> None:
        await self.rates.add(FAIL_SCOPE, chat, now)
        await self.rates.add(FAIL_NIK_SCOPE, nik_subject(nik_hmac), now)
        await self.rates.add(FAIL_ALL_SCOPE, EVERYONE, now)

    async def verified(self, chat: str, now: datetime) -> None:
        """A check went through: it counts towards the day's checks and forgives the chat's failures.
        The NIK's failures stay: a guesser must not get a fresh allowance because the owner checked."""
        await self.rates.add(CHECK_SCOPE, chat, now)
        await self.rates.clear(FAIL_SCOPE, chat)

    async def _under_load(self, now: datetime) -> bool:
        recent = await self.rates.count(FAIL_ALL_SCOPE, EVERYONE, now - timedelta(hours=1))
        return recent >= self.policy.failed_attempts_global_per_hour

    async def _locked_until(
        self, scope: str, subject: str, allowed: int, window: timedelta, now: datetime
    ) -> datetime | None:
        failures = await self.rates.count(scope, subject, now - window)
        if failures < allowed:
            return None
        # Locked until enough of the failures in the window have aged out of it.
        times = await self.rates.recent(scope, subject, now - window)
        return times[len(times) - allowed] + window if len(times) >= allowed else now + window
