"""A test driver for the channel-neutral layer: send text, press buttons, read what the user sees."""

from __future__ import annotations

from handlers.engine import Conversations
from handlers.model import InMessage, Kind, Reply


class Chat:
    def __init__(self, conversations: Conversations, user: str = "u1", channel: str = "console") -> None:
        self.conversations = conversations
        self.user = user
        self.channel = channel
        self.replies: list[Reply] = []

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [label for r in self.replies for _, label in r.choices()]

    async def send(self, text: str) -> str:
        return await self.deliver(InMessage(self.channel, self.user, Kind.TEXT, text=text))

    async def press(self, label_or_id: str) -> str:
        for reply in reversed(self.replies):
            for choice_id, label in reply.choices():
                if label_or_id in (label, choice_id):
                    return await self.deliver(InMessage(self.channel, self.user, Kind.BUTTON, payload=choice_id))
        raise AssertionError(f"no button {label_or_id!r} among {self.labels}")

    async def deliver(self, msg: InMessage) -> str:
        self.replies = await self.conversations.handle(msg)
        assert self.replies, "the bot must never stay silent"
        return self.text

    async def verify(self, nik: str, kk4: str) -> str:
        await self.send("cek kelayakan")
        if any(choice_id == "consent:yes" for r in self.replies for choice_id, _ in r.choices()):
            await self.press("consent:yes")
        asked = await self.send(nik)
        if "4 digit" not in asked:  # the KK prompt, in either language
            # Refused at the NIK (a chat or a NIK that must wait is told before it looks for its KK digits).
            return asked
        return await self.send(kk4)
