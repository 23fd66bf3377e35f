"""Chat messages: the stored transcript, its running summary, and pgvector recall.

Recall only ever searches messages of sessions owned by the given staff user (a join on
``chat_sessions.owner_id``), so one user's conversations never surface in another's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from memory.errors import NotFoundError
from memory.models import EMBEDDING_DIMENSION, ChatMessage, ChatSession
from memory.models.base import JsonDict
from memory.models.enums import MessageRole

# Candidates the HNSW index examines per query; it also caps how many rows a query can return.
EF_SEARCH = 100
RECALL_ROLES = (MessageRole.USER, MessageRole.ASSISTANT)


# The recall query's settings for this transaction, in one round trip. pgvector 0.8 added
# iterative index scans (older servers reject the setting): without them the owner filter runs
# after the index's top ef_search candidates, and a user with few messages among many could
# get fewer than k (or none).
_RECALL_SETTINGS = text(
    f"""
    SELECT set_config('hnsw.ef_search', '{EF_SEARCH}', true),
           CASE WHEN (SELECT string_to_array(extversion, '.')::int[] >= ARRAY[0, 8]
                        FROM pg_extension WHERE extname = 'vector')
                THEN set_config('hnsw.iterative_scan', 'strict_order', true)
           END
    """  # noqa: S608 - a constant
)
_NO_EMBEDDING = defer(ChatMessage.embedding, raiseload=True)


class Recalled(NamedTuple):
    message: ChatMessage
    session_id: uuid.UUID
    similarity: float  # cosine similarity, 1.0 = same direction


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def append(
        self,
        *,
        session_id: uuid.UUID,
        role: MessageRole,
        content: str,
        tool_calls: list[JsonDict] | None = None,
        tool_call_id: str | None = None,
        token_count: int = 0,
        embedding: Sequence[float] | None = None,
    ) -> ChatMessage:
        if embedding is not None:
            _check_length(embedding)
        row = ChatMessage(
            session_id=session_id,
            role=role,
            content=content,
            tool_calls=tool_calls,
            tool_call_id=tool_call_id,
            token_count=token_count,
            embedding=list(embedding) if embedding is not None else None,
        )
        self._s.add(row)
        await self._s.flush()
        return row

    async def history(
        self, session_id: uuid.UUID, *, after_id: int | None = None
    ) -> list[ChatMessage]:
        """The session's messages in the order they were written (after ``after_id``), without
        their embeddings (reading one raises): nobody reads them back, and parsing 768 floats
        per row was most of the cost of reading a long session."""
        stmt = (
            select(ChatMessage).where(ChatMessage.session_id == session_id).options(_NO_EMBEDDING)
        )
        if after_id is not None:
            stmt = stmt.where(ChatMessage.id > after_id)
        return list((await self._s.execute(stmt.order_by(ChatMessage.id))).scalars())

    async def total_tokens(self, session_id: uuid.UUID, *, after_id: int | None = None) -> int:
        stmt = select(func.coalesce(func.sum(ChatMessage.token_count), 0)).where(
            ChatMessage.session_id == session_id
        )
        if after_id is not None:
            stmt = stmt.where(ChatMessage.id > after_id)
        return int((await self._s.execute(stmt)).scalar_one())

    async def fold(self, session_id: uuid.UUID, *, summary: str, upto_id: int) -> bool:
        """Store the summary of the messages up to ``upto_id``. The fold point only moves
        forward: a stale fold (another process already folded further) is ignored and
        returns False."""
        stmt = (
            update(ChatSession)
            .where(
                ChatSession.id == session_id,
                or_(ChatSession.summary_upto_id.is_(None), ChatSession.summary_upto_id <= upto_id),
            )
            .values(summary=summary, summary_upto_id=upto_id)
            .returning(ChatSession.id)
        )
        if (await self._s.execute(stmt)).scalar_one_or_none() is not None:
            return True
        if await self._s.get(ChatSession, session_id) is None:
            raise NotFoundError(f"chat session {session_id} does not exist")
        return False

    async def recall(
        self,
        *,
        owner_id: uuid.UUID,
        embedding: Sequence[float],
        k: int = 5,
        exclude_session_id: uuid.UUID | None = None,
        exclude_after_id: int | None = None,
        min_similarity: float = 0.0,
    ) -> list[Recalled]:
        """The ``k`` user/assistant messages of ``owner_id``'s sessions nearest to
        ``embedding`` (cosine, through the HNSW index), most similar first.

        ``exclude_session_id`` leaves out that session's messages after ``exclude_after_id``
        (all of them when it is None): the part of the current conversation the prompt carries
        already. Filtering here rather than asking for more and dropping them keeps ``k``
        small, and the time of an owner-scoped HNSW scan grows with ``k``."""
        _check_length(embedding)
        k = min(k, EF_SEARCH)
        if k <= 0:
            return []
        await self._s.execute(_RECALL_SETTINGS)
        distance = ChatMessage.embedding.cosine_distance(list(embedding))
        stmt = (
            select(ChatMessage, distance.label("distance"))
            .options(_NO_EMBEDDING)
            .join(ChatSession, ChatSession.id == ChatMessage.session_id)
            .where(
                ChatSession.owner_id == owner_id,
                ChatMessage.role.in_(RECALL_ROLES),
                ChatMessage.embedding.is_not(None),
            )
            .order_by(distance)
            .limit(k)
        )
        if exclude_session_id is not None:
            other = ChatMessage.session_id != exclude_session_id
            if exclude_after_id is not None:
                other = or_(other, ChatMessage.id <= exclude_after_id)
            stmt = stmt.where(other)
        found: list[Recalled] = []
        for message, dist in await self._s.execute(stmt):
            similarity = 1.0 - float(dist)
            if similarity >= min_similarity:  # NaN (a zero vector) never passes
                found.append(Recalled(message, message.session_id, similarity))
        return found

    async def stored_dimension(self) -> int | None:
        """The dimension of ``chat_messages.embedding`` in the database (None if absent)."""
        stmt = text(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = to_regclass('chat_messages') AND attname = 'embedding'"
        )
        value = (await self._s.execute(stmt)).scalar_one_or_none()
        return int(value) if value is not None and value > 0 else None


def _check_length(embedding: Sequence[float]) -> None:
    if len(embedding) != EMBEDDING_DIMENSION:
        raise ValueError(
            f"embedding has {len(embedding)} dimensions; the database stores {EMBEDDING_DIMENSION}"
        )
