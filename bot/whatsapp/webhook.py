"""The signed webhook's payload: signature check, and Meta's JSON turned into InMessages and delivery statuses."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from handlers.model import InMessage, Kind

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


# Sender ids as Meta documents them: `wa_id` is the phone number's digits (E.164 without "+"); the
# business-scoped user id is a two-letter country code, a dot, and up to 128 letters and digits (a parent
# id has "ENT." after the country code). Anything else is not an id and is never used as an address or key.
WA_ID = re.compile(r"[0-9]{6,20}")
USER_ID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")
# The store's user_key columns hold 64 characters; ids seen so far have about 20 digits after the dot.
MAX_USER_KEY = 64


def is_sender_id(value: str) -> bool:
    return len(value) <= MAX_USER_KEY and bool(WA_ID.fullmatch(value) or USER_ID.fullmatch(value))


def _objects(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else in a webhook payload is not ours to read)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A scalar as text; objects and lists are not text."""
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


@dataclass
class Parsed:
    messages: list[InMessage] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    # What was skipped, as fixed descriptions (never values from the payload): logged as one WARNING.
    problems: list[str] = field(default_factory=list)

    def skip(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)


def parse_webhook(payload: dict[str, Any]) -> Parsed:
    """Messages and statuses from a webhook payload; parts of an unexpected shape are skipped, not guessed."""
    parsed = Parsed()
    entries = payload.get("entry")
    if entries is not None and not isinstance(entries, list):
        parsed.skip("entry is not a list")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            parsed.skip("entry item is not an object")
            continue
        changes = entry.get("changes")
        if changes is not None and not isinstance(changes, list):
            parsed.skip("changes is not a list")
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                parsed.skip("change or its value is not an object")
                continue
            _parse_value(value, parsed)
    return parsed


def _parse_value(value: dict[str, Any], parsed: Parsed) -> None:
    contacts = _objects(value.get("contacts"))
    messages, statuses = value.get("messages"), value.get("statuses")
    for key, items in (("messages", messages), ("statuses", statuses)):
        if items is not None and not isinstance(items, list):
            parsed.skip(f"{key} is not a list")
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            parsed.skip("message is not an object")
            continue
        incoming = _incoming(message, contacts, parsed)
        if incoming is not None:
            parsed.messages.append(incoming)
    for status in statuses if isinstance(statuses, list) else []:
        if not isinstance(status, dict):
            parsed.skip("status is not an object")
            continue
        platform_id, state, errors = status.get("id"), status.get("status"), status.get("errors") or []
        if not isinstance(platform_id, str) or not isinstance(state, str):
            parsed.skip("status whose id or state is not text")
            continue
        if not isinstance(errors, list) or not all(isinstance(error, dict) for error in errors):
            parsed.skip("status errors that are not objects")
            errors = _objects(errors)
        first = errors[0] if errors else {}
        error = f"{_text(first.get('code'))} {_text(first.get('title'))}".strip()
        parsed.statuses.append(Status(platform_id, state, error))


def _incoming(message: dict[str, Any], contacts: list[dict[str, Any]], parsed: Parsed) -> InMessage | None:
    """One message, or None (with the reason noted) when any part we read has the wrong shape."""
    sent_from = message.get("from")
    contact = next((c for c in contacts if sent_from and c.get("wa_id") == sent_from), contacts[0] if contacts else {})
    ids = [message.get("from"), message.get("from_user_id"), contact.get("wa_id"), contact.get("user_id")]
    if any(raw not in (None, "") and not (isinstance(raw, str) and is_sender_id(raw)) for raw in ids):
        parsed.skip("message with a sender id that is not an id")
        return None
    wa_id = message.get("from") or contact.get("wa_id") or ""
    user_key = str(message.get("from_user_id") or contact.get("user_id") or wa_id)
    if not user_key:
        parsed.skip("message without sender id")
        return None
    message_type, message_id = message.get("type"), message.get("id", "")
    if not isinstance(message_type, str) or not isinstance(message_id, str):
        parsed.skip("message whose type or id is not text")
        return None
    kind = KIND_BY_TYPE.get(message_type, Kind.UNKNOWN)
    text = payload = ""
    # The object named by the type, when we read it, must be an object too.
    content = message.get(message_type) if message_type in ("text", "interactive", "button") else {}
    if not isinstance(content, dict):
        parsed.skip(f"{message_type} message whose {message_type} is not an object")
        return None
    match message_type:
        case "text":
            body = content.get("body", "")
            if not isinstance(body, str):
                parsed.skip("text message whose body is not text")
                return None
            kind, text = Kind.TEXT, body
        case "interactive":
            chosen = content.get("button_reply") or content.get("list_reply") or {}
            if not isinstance(chosen, dict):
                parsed.skip("interactive message whose reply is not an object")
                return None
            kind, payload = Kind.BUTTON, _text(chosen.get("id"))
        case "button":  # quick reply of a template
            kind, payload = Kind.BUTTON, _text(content.get("payload")) or _text(content.get("text")) or "menu"
    # A reply (swipe-reply, or a press of a button we sent) names our message in `context.id`.
    context = message.get("context")
    reply_to = _text(context.get("id")) if isinstance(context, dict) else ""
    if context is not None and not isinstance(context, dict):
        parsed.skip("message whose context is not an object")
    return InMessage(
        CHANNEL, user_key, kind, text=text, payload=payload, external_id=message_id, reply_to=reply_to[:128]
    )


def signature_ok(app_secret: bytes, raw_body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret, raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())
