"""WhatsApp channel: a thin Cloud API client of our own on aiohttp, the signed webhook, rendering within
WhatsApp's limits, delivery states, and the 24-hour customer-service window.

Users are keyed by the business-scoped user id (`user_id`, e.g. `ID.1234…`) when the webhook carries one,
else by `wa_id` (digits). Sending uses `recipient` for the former and `to` for the latter.
"""

from __future__ import annotations

from bot.whatsapp.channel import SEND_ATTEMPTS, WHATSAPP_PATH, WINDOW, WhatsAppChannel
from bot.whatsapp.client import (
    OUTSIDE_WINDOW_CODE,
    THROTTLING_CODES,
    GraphError,
    OutsideWindow,
    Throttled,
    WhatsAppClient,
    recipient_fields,
)
from bot.whatsapp.render import CHOICES_BELOW, LIST_BUTTON_FALLBACK, MAX_INTERACTIVE_BODY, render
from bot.whatsapp.webhook import CHANNEL, KIND_BY_TYPE, Parsed, Status, is_sender_id, parse_webhook, signature_ok

__all__ = [
    "CHANNEL",
    "CHOICES_BELOW",
    "KIND_BY_TYPE",
    "LIST_BUTTON_FALLBACK",
    "MAX_INTERACTIVE_BODY",
    "OUTSIDE_WINDOW_CODE",
    "SEND_ATTEMPTS",
    "THROTTLING_CODES",
    "WHATSAPP_PATH",
    "WINDOW",
    "GraphError",
    "OutsideWindow",
    "Parsed",
    "Status",
    "Throttled",
    "WhatsAppChannel",
    "WhatsAppClient",
    "is_sender_id",
    "parse_webhook",
    "recipient_fields",
    "render",
    "signature_ok",
]
