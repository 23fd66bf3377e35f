"""Chat sessions (the transcript itself lives in the checkpointer and chat_messages)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import ChatSession
from memory.models.enums import ChatChannel


class ChatSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def create(self, *, owner_id: uuid.UUID, channel: ChatChannel, title: str) -> ChatSession:
        row = ChatSession(owner_id=owner_id, channel=channel, title=title[:200], summary="")
        self._s.add(row)
        await self._s.flush()
        return row

    async def get_owned(self, session_id: uuid.UUID, owner_id: uuid.UUID) -> ChatSession | None:
        """The session if it belongs to ``owner_id``; another user's session is not found."""
        stmt = select(ChatSession).where(
            ChatSession.id == session_id, ChatSession.owner_id == owner_id
        )
        return (await self._s.execute(stmt)).scalar_one_or_none()
