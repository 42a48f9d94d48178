"""The signed webhook's payload: signature check, and Meta's JSON turned into InMessages and delivery statuses."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from handlers.model import InMessage, Kind

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"


@dataclass(frozen=True)
class Status:
    platform_id: str
    state: str
    error: str


KIND_BY_TYPE = {
    "image": Kind.IMAGE,
    "sticker": Kind.STICKER,
    "audio": Kind.AUDIO,
    "voice": Kind.AUDIO,
    "video": Kind.VIDEO,
    "document": Kind.DOCUMENT,
    "location": Kind.LOCATION,
    "reaction": Kind.REACTION,
}


def parse_webhook(payload: dict[str, Any]) -> tuple[list[InMessage], list[Status]]:
    messages: list[InMessage] = []
    statuses: list[Status] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                incoming = _incoming(message, contacts)
                if incoming is not None:
                    messages.append(incoming)
            for status in value.get("statuses") or []:
                errors = status.get("errors") or [{}]
                statuses.append(
                    Status(
                        str(status.get("id", "")),
                        str(status.get("status", "")),
                        f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip(),
                    )
                )
    return messages, statuses


def _incoming(message: dict[str, Any], contacts: list[dict[str, Any]]) -> InMessage | None:
    wa_id = str(message.get("from") or "")
    contact = next((c for c in contacts if wa_id and c.get("wa_id") == wa_id), contacts[0] if contacts else {})
    user_id = str(message.get("from_user_id") or contact.get("user_id") or "")
    wa_id = wa_id or str(contact.get("wa_id") or "")
    user_key = user_id or wa_id
    if not user_key:
        log.warning("whatsapp message without sender id ignored")
        return None
    kind = Kind.UNKNOWN
    text = payload = ""
    match message.get("type"):
        case "text":
            kind, text = Kind.TEXT, str((message.get("text") or {}).get("body", ""))
        case "interactive":
            interactive = message.get("interactive") or {}
            chosen = interactive.get("button_reply") or interactive.get("list_reply") or {}
            kind, payload = Kind.BUTTON, str(chosen.get("id", ""))
        case "button":  # quick reply of a template
            button = message.get("button") or {}
            kind, payload = Kind.BUTTON, str(button.get("payload") or button.get("text") or "menu")
        case other if other in KIND_BY_TYPE:
            kind = KIND_BY_TYPE[str(other)]
    return InMessage(CHANNEL, user_key, kind, text=text, payload=payload, external_id=str(message.get("id", "")))


def signature_ok(app_secret: bytes, raw_body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret, raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())
