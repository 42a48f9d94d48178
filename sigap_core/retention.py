"""Retention: delete what the bot no longer needs, as the privacy notice promises (UU PDP Art. 16).

Run hourly by `sigap run` and on demand by `sigap prune`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_

from sigap_core.delivery import FINAL_STATES
from sigap_core.policy import Policy
from sigap_core.store import models
from sigap_core.store.repositories import UnitOfWork
from sigap_core.tickets import prune_texts as prune_ticket_texts

RATE_EVENTS_DAYS = 2  # the longest rate window is one day
DELIVERY_IDS_DAYS = 7  # platforms redeliver for at most a few days
SENT_MESSAGES_DAYS = 30
FINISHED_OUTBOX_DAYS = 90


async def prune(uow: UnitOfWork, policy: Policy, now: datetime) -> dict[str, int]:
    """Delete expired data; the number of rows removed per kind."""
    keep_days = policy.verification.verified_link_days
    statements = {
        # A conversation silent for longer than the notice promises goes, with its language and consent.
        "conversations": delete(models.Conversation).where(
            models.Conversation.updated_at < now - timedelta(days=keep_days)
        ),
        "verified_links": delete(models.VerifiedLink).where(models.VerifiedLink.expires_at < now),
        "rate_events": delete(models.RateEvent).where(models.RateEvent.at < now - timedelta(days=RATE_EVENTS_DAYS)),
        "delivery_ids": delete(models.ProcessedUpdate).where(
            models.ProcessedUpdate.at < now - timedelta(days=DELIVERY_IDS_DAYS)
        ),
        "sent_messages": delete(models.OutgoingMessage).where(
            models.OutgoingMessage.updated_at < now - timedelta(days=SENT_MESSAGES_DAYS)
        ),
        "invites": delete(models.StaffInvite).where(
            or_(
                models.StaffInvite.expires_at < now - timedelta(days=SENT_MESSAGES_DAYS),
                and_(
                    models.StaffInvite.used_at.is_not(None),
                    models.StaffInvite.used_at < now - timedelta(days=SENT_MESSAGES_DAYS),
                ),
            )
        ),
        "outbox": delete(models.Outbox).where(
            models.Outbox.state.in_(FINAL_STATES),
            models.Outbox.updated_at < now - timedelta(days=FINISHED_OUTBOX_DAYS),
        ),
    }
    removed = {}
    for name, statement in statements.items():
        result = await uow.session.execute(statement)
        removed[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    # Direct messages (ticket notices, officers' answers): their texts go once sent (see the outbox).
    removed["direct_texts"] = await uow.outbox.forget_sent_texts(now)
    # Ticket texts (question, answers, notes) and the chat they came from, `tickets.text_days` after close;
    # the anonymous row stays for the report.
    removed["ticket_texts"] = await prune_ticket_texts(uow, now - timedelta(days=policy.tickets.text_days), now)
    return removed
