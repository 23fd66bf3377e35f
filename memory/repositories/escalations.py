"""Escalations: cases handed to the owner."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Escalation
from memory.models.enums import EscalationStatus


class EscalationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def has_open_for(self, email: str) -> bool:
        stmt = (
            select(func.count())
            .select_from(Escalation)
            .where(
                func.lower(Escalation.customer_email) == email.strip().lower(),
                Escalation.status == EscalationStatus.OPEN,
            )
        )
        return bool((await self._s.execute(stmt)).scalar_one())
