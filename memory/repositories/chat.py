"""Chat sessions (the transcript itself lives in the checkpointer and chat_messages)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import ChatMessage, ChatSession
from memory.models.enums import ChatChannel
from memory.repositories.messages import MessageRepository


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

    async def list_owned(
        self,
        owner_id: uuid.UUID,
        *,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[ChatSession]:
        """The owner's sessions, most recently updated first; ``before`` is the
        ``(updated_at, id)`` of the last row of the previous page (keyset paging)."""
        stmt = select(ChatSession).where(ChatSession.owner_id == owner_id)
        if before is not None:
            stmt = stmt.where(tuple_(ChatSession.updated_at, ChatSession.id) < tuple_(*before))
        stmt = stmt.order_by(ChatSession.updated_at.desc(), ChatSession.id.desc()).limit(limit)
        return list((await self._s.execute(stmt)).scalars())

    async def rename(
        self, session_id: uuid.UUID, owner_id: uuid.UUID, title: str
    ) -> ChatSession | None:
        """Set the title of the owner's session; None if there is no such session."""
        stmt = (
            update(ChatSession)
            .where(ChatSession.id == session_id, ChatSession.owner_id == owner_id)
            .values(title=title[:200])
            .returning(ChatSession)
            .execution_options(synchronize_session=False)
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        if row is not None:
            await self._s.refresh(row)  # the identity map may hold the row from before
        return row

    async def delete(self, session_id: uuid.UUID, owner_id: uuid.UUID) -> bool:
        """Delete the owner's session and (by cascade) its messages; False if not found. A
        vector one of its messages held for its text passes first to the owner's newest copy
        of that text in another session (one vector per text and owner)."""
        if await self.get_owned(session_id, owner_id) is None:
            return False
        await MessageRepository(self._s).pass_on_vectors(session_ids=[session_id])
        stmt = (
            delete(ChatSession)
            .where(ChatSession.id == session_id, ChatSession.owner_id == owner_id)
            .returning(ChatSession.id)
            .execution_options(synchronize_session=False)
        )
        return (await self._s.execute(stmt)).scalar_one_or_none() is not None

    async def messages(self, session_id: uuid.UUID) -> list[ChatMessage]:
        """The session's messages in the order they were written."""
        stmt = (
            select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.id)
        )
        return list((await self._s.execute(stmt)).scalars())
