"""The channel-neutral message model: an InMessage in, a list of Reply out.

Limits are WhatsApp's (the stricter platform): at most 3 reply buttons of at most 20 characters, list
menus of at most 10 rows with titles of at most 24 and descriptions of at most 72 characters. Telegram
renders the same replies as inline keyboards.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BUTTONS = 3
MAX_BUTTON_LABEL = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_TEXT = 4096
MAX_INCOMING_TEXT = 1000


class Kind(StrEnum):
    TEXT = "text"
    BUTTON = "button"  # a button or list row pressed: `payload` holds its id
    CONTACT = "contact"  # a shared phone number
    STICKER = "sticker"
    IMAGE = "image"
    AUDIO = "audio"  # voice notes too
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"
    REACTION = "reaction"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InMessage:
    channel: str  # "telegram" | "whatsapp" | "console"
    user_key: str  # chat id / business-scoped user id / wa_id
    kind: Kind = Kind.TEXT
    text: str = ""
    payload: str = ""
    contact_phone: str = ""
    contact_is_own: bool = False  # the platform says the shared contact is the sender's own
    language_hint: str = ""
    external_id: str = ""  # the platform's id of this delivery (update_id, message id): processed once
    # The platform's id of our message this one replies to (Telegram reply_to_message.message_id, WhatsApp
    # context.id), in the form the outbox stores (`OutboxRepository.broadcast_of_platform_message`); "" if none.
    # A button press names the message that carried the button (WhatsApp does so itself; Telegram likewise).
    reply_to: str = ""


@dataclass(frozen=True)
class Button:
    id: str
    label: str


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Menu:
    """A list of choices (WhatsApp list message / Telegram keyboard of one button a row)."""

    button: str  # the label of the button that opens the list on WhatsApp
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    menu: Menu | None = None
    request_contact: bool = False  # offer "share my phone number" where the channel can
    contact_label: str = ""  # the label of that offer, in the user's language

    def choices(self) -> list[tuple[str, str]]:
        """(id, label) of every button and row, in display order."""
        found = [(b.id, b.label) for b in self.buttons]
        if self.menu:
            found += [(r.id, r.title) for r in self.menu.rows]
        return found


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line end or space where possible."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return pieces
