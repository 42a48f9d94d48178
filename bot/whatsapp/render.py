"""Rendering a channel-neutral Reply within WhatsApp's limits: reply buttons, a list, or numbered text."""

from __future__ import annotations

from typing import Any

from handlers.model import (
    MAX_BUTTON_LABEL,
    MAX_BUTTONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_ROWS,
    Reply,
    split_text,
)

MAX_INTERACTIVE_BODY = 1024

# Neither language's word: the channel renders without knowing the user's language, and "Menu" reads the
# same in Indonesian and English.
LIST_BUTTON_FALLBACK = "☰ Menu"
CHOICES_BELOW = "👇"


def _texts(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"body": piece, "preview_url": False}} for piece in split_text(text)]


def render(reply: Reply) -> list[dict[str, Any]]:
    """WhatsApp messages for one reply: reply buttons (≤3), else a list (≤10 rows), else numbered text."""
    choices = reply.choices()
    labels = [label for _, label in choices]
    if not choices:
        return _texts(reply.text)
    # Interactive bodies hold 1024 characters: longer text goes first, the choices follow under a pointer.
    text_first = len(reply.text) > MAX_INTERACTIVE_BODY
    messages = _texts(reply.text) if text_first else []
    body = CHOICES_BELOW if text_first else reply.text
    buttons_fit = (
        not reply.menu
        and len(choices) <= MAX_BUTTONS
        and len(set(labels)) == len(labels)
        and all(len(label) <= MAX_BUTTON_LABEL for label in labels)
    )
    if buttons_fit:
        buttons = [{"type": "reply", "reply": {"id": cid, "title": label}} for cid, label in choices]
        interactive = {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}
        return [*messages, {"type": "interactive", "interactive": interactive}]
    if len(choices) <= MAX_ROWS and all(len(label) <= MAX_ROW_TITLE for label in labels):
        descriptions = {r.id: r.description for r in reply.menu.rows} if reply.menu else {}
        rows = []
        for cid, label in choices:
            row: dict[str, Any] = {"id": cid, "title": label}
            if descriptions.get(cid):
                row["description"] = descriptions[cid][:MAX_ROW_DESCRIPTION]
            rows.append(row)
        button = (reply.menu.button if reply.menu else "") or LIST_BUTTON_FALLBACK
        interactive = {
            "type": "list",
            "body": {"text": body},
            "action": {"button": button[:MAX_BUTTON_LABEL], "sections": [{"rows": rows}]},
        }
        return [*messages, {"type": "interactive", "interactive": interactive}]
    # Too many choices for any interactive form: numbered text; typing the number presses it.
    numbered = "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(choices, start=1))
    return messages + _texts(numbered if text_first else reply.text + "\n\n" + numbered)
