"""The inbox: updates a webhook acknowledged, kept until they are handled (issue #18 §2).

A webhook writes the raw update here before it answers 200, and the item is deleted once the update is
handled. The receiving process holds a lease on its item while it works on it; an item whose lease ran out
(its process died, or shut down before finishing and released it) is taken by whichever process looks next.
Handling is idempotent (incoming ids are recorded once, in the dialog's own transaction), so an item taken
twice is still answered once.

Payloads hold message text, which may be a NIK typed by a citizen, so they are sealed with AES-GCM under a
key derived from SIGAP_SECRET_KEY: not even the database's free pages or WAL hold a raw identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta
from typing import Any, ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, delete, func, insert, select, true, update

from sigap_core.store import models
from sigap_core.store.repositories import Store, utcnow

NONCE_BYTES = 12


class Sealer:
    """AES-256-GCM with a random nonce per payload; the channel name is bound in as associated data."""

    def __init__(self, secret_key: bytes) -> None:
        self._aead = AESGCM(hmac.new(secret_key, b"sigap inbox v1", hashlib.sha256).digest())

    def seal(self, channel: str, raw: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, raw, channel.encode())

    def open(self, channel: str, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], channel.encode())


class Inbox:
    """The inbox repository. Every method is one short transaction of its own."""

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer

    # Built once: they run for every incoming update. Core statements on a connection of their own (no ORM
    # session): each is one short transaction.
    _ADD: ClassVar[Any] = insert(models.InboxItem).returning(models.InboxItem.id)
    _DONE: ClassVar[Any] = delete(models.InboxItem).where(
        models.InboxItem.id.in_(bindparam("item_ids", expanding=True))
    )

    async def add(self, channel: str, raw: bytes, lease: timedelta) -> int:
        """Keep an acknowledged update, held by the caller for `lease`; its id."""
        now = utcnow()
        values = {
            "channel": channel,
            "payload": self.sealer.seal(channel, raw),
            "received_at": now,
            "lease_until": now + lease,
            "attempts": 1,
        }
        async with self.store.engine.begin() as connection:
            return int((await connection.execute(self._ADD, values)).scalar_one())

    async def done(self, item_ids: list[int]) -> None:
        """Forget handled items."""
        async with self.store.engine.begin() as connection:
            await connection.execute(self._DONE, {"item_ids": item_ids})

    async def release(self, item_ids: list[int]) -> None:
        """Give items back unfinished (shutting down): the next process to look takes them at once."""
        if not item_ids:
            return
        async with self.store.uow() as uow:
            await uow.session.execute(
                update(models.InboxItem).where(models.InboxItem.id.in_(item_ids)).values(lease_until=utcnow())
            )

    async def take(self, channel: str, limit: int, lease: timedelta, skip: set[int]) -> list[tuple[int, bytes]]:
        """Items whose lease ran out, oldest first, each now held by the caller; ids in `skip` (already
        being handled here) are left alone."""
        item = models.InboxItem
        now = utcnow()
        taken: list[tuple[int, bytes]] = []
        # Looked for without a write lock first: almost always there is nothing to take.
        async with self.store.reader() as reader:
            candidates = list(
                (
                    await reader.session.execute(
                        select(item.id)
                        .where(
                            item.channel == channel, item.lease_until <= now, item.id.not_in(skip) if skip else true()
                        )
                        .order_by(item.id)
                        .limit(limit)
                    )
                ).scalars()
            )
        if not candidates:
            return taken
        async with self.store.uow() as uow:
            for item_id in candidates:
                # Compare-and-set: of two processes looking at once, one gets the item.
                sealed = (
                    await uow.session.execute(
                        update(item)
                        .where(item.id == item_id, item.lease_until <= now)
                        .values(lease_until=now + lease, attempts=item.attempts + 1)
                        .returning(item.payload)
                    )
                ).scalar_one_or_none()
                if sealed is not None:
                    taken.append((item_id, self.sealer.open(channel, sealed)))
        return taken

    async def waiting(self, channel: str | None = None) -> int:
        """Items not yet handled (for /healthz and tests)."""
        item = models.InboxItem
        async with self.store.reader() as uow:
            statement = select(func.count()).select_from(item)
            if channel is not None:
                statement = statement.where(item.channel == channel)
            return int((await uow.session.execute(statement)).scalar_one())
