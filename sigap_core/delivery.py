"""Delivery states of outgoing messages and broadcast outbox rows, and the one rule for moving them."""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    # The outbox's own states, before the platform has the message.
    PENDING = "pending"  # waiting to be claimed
    SENDING = "sending"  # claimed under a lease by one sender process
    # What the platform reports; only these move by callbacks.
    ACCEPTED = "accepted"  # a reply the platform took (WhatsApp: before its "sent" callback)
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    READ = "read"
    # Outbox rows that were never sent.
    OPTED_OUT = "opted_out"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


# The platform's view only moves forward along this order. "failed" may replace only "accepted" or "sent":
# once a message was delivered, a late "failed" callback does not undo that.
PLATFORM_ORDER: dict[str, int] = {
    DeliveryState.ACCEPTED: 0,
    DeliveryState.SENT: 1,
    DeliveryState.FAILED: 2,
    DeliveryState.DELIVERED: 3,
    DeliveryState.READ: 4,
}

# An outbox row in one of these states is finished: it is never claimed again.
FINAL_STATES: tuple[DeliveryState, ...] = (
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.DELIVERED,
    DeliveryState.READ,
    DeliveryState.OPTED_OUT,
    DeliveryState.BLOCKED,
    DeliveryState.CANCELLED,
)


def moves_forward(current: str, reported: str) -> bool:
    """Whether a platform report may replace the current state (the one forward-only rule)."""
    return (
        current in PLATFORM_ORDER and reported in PLATFORM_ORDER and PLATFORM_ORDER[reported] > PLATFORM_ORDER[current]
    )


def is_platform_state(state: str) -> bool:
    return state in PLATFORM_ORDER
