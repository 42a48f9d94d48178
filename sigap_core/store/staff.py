"""Repository for staff invites and staff chats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigap_core.store import models


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_invite(self, invite: models.StaffInvite) -> models.StaffInvite:
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def invite_by_code(self, code_hmac: bytes) -> models.StaffInvite | None:
        i = models.StaffInvite
        return (await self.session.execute(select(i).where(i.code_hmac == code_hmac))).scalar_one_or_none()

    async def use_invite(self, invite_id: int, now: datetime) -> bool:
        """Single use even under concurrency: only one UPDATE can move used_at from NULL."""
        i = models.StaffInvite
        connection = await self.session.connection()
        result = await connection.execute(update(i).where(i.id == invite_id, i.used_at.is_(None)).values(used_at=now))
        return result.rowcount == 1

    async def get(self, staff_id: int) -> models.Staff | None:
        return await self.session.get(models.Staff, staff_id)

    async def of_chat(self, channel: str, user_key: str, *, include_revoked: bool = False) -> models.Staff | None:
        s = models.Staff
        query = select(s).where(s.channel == channel, s.user_key == user_key)
        if not include_revoked:
            query = query.where(s.revoked_at.is_(None))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, staff: models.Staff) -> models.Staff:
        self.session.add(staff)
        await self.session.flush()
        return staff

    async def all(self) -> list[models.Staff]:
        return list((await self.session.execute(select(models.Staff).order_by(models.Staff.id))).scalars())
