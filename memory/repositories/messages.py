"""Chat messages: the stored transcript, its running summary, and pgvector recall.

Recall only ever searches messages of sessions owned by the given staff user (a join on
``chat_sessions.owner_id``), so one user's conversations never surface in another's.

One vector per text and owner: when a user or assistant message is stored with an embedding,
the owner's other copies of the same text lose theirs, so the newest copy is the one recall
finds. Chat repeats itself ("Tak for det" thousands of times); identical vectors link mostly
to each other in the HNSW graph and close off parts of it (recall@10 0.93 against 0.98 at one
million messages, ``bench.recall_scale``), and a recall block filled with copies of one line
says nothing more than one of them. Whoever deletes or erases messages hands their vectors on
first (:meth:`MessageRepository.pass_on_vectors`), so a text that is still stored is never
left without one. Both lookups go by ``md5(content)`` through small partial indexes
(migration 0008).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import BigInteger, Uuid, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from memory.errors import NotFoundError
from memory.models import EMBEDDING_DIMENSION, ChatMessage, ChatSession
from memory.models.base import JsonDict
from memory.models.chat import RECALL_ROLES_SQL
from memory.models.enums import MessageRole

# The most rows one recall returns; without iterative scans (pgvector before 0.8) also the
# candidates the HNSW index examines (hnsw.ef_search), which caps what a query can return.
MAX_K = 100
# With iterative scans (pgvector 0.8+): the candidates of the first batch. The scan then goes
# on, in relaxed order, until k of the owner's rows pass the filter, and the k are sorted by
# distance here. Measured at one million messages (10 users, k=10) on two builds of the same
# data (pgvector's HNSW build is not deterministic): relaxed order with 100 candidates gave
# recall@10 0.993 / 0.969, strict order with 100 0.989 / 0.965, relaxed with 40 0.989 / 0.958;
# the query time differs by under a millisecond.
EF_SEARCH = 100
RECALL_ROLES = (MessageRole.USER, MessageRole.ASSISTANT)


# The recall query's settings for this transaction, in one round trip. pgvector 0.8 added
# iterative index scans (older servers reject the setting): without them the owner filter runs
# after the index's top ef_search candidates, and a user with few messages among many could
# get fewer than k (or none).
_RECALL_SETTINGS = text(
    f"""
    SELECT CASE WHEN (SELECT string_to_array(extversion, '.')::int[] >= ARRAY[0, 8]
                        FROM pg_extension WHERE extname = 'vector')
                THEN set_config('hnsw.ef_search', '{EF_SEARCH}', true)
                     || set_config('hnsw.iterative_scan', 'relaxed_order', true)
                ELSE set_config('hnsw.ef_search', '{MAX_K}', true)
           END
    """  # noqa: S608 - a constant
)
_NO_EMBEDDING = defer(ChatMessage.embedding, raiseload=True)

# The statements below name the roles as literals (RECALL_ROLES_SQL), not parameters: the
# partial indexes' predicates name them, and a generic plan (psycopg prepares a statement run
# five times) can only use a partial index whose predicate it can prove from constants.

# The owner's other copies of a text lose their vectors as a new copy is stored with one.
# The text's vector-holding copies are few (one per owner), so each one's owner is checked
# by its session's primary key rather than by reading all of the owner's sessions. Row locks
# held elsewhere (the same text stored at the same moment, an erasure, a purge) are skipped
# rather than waited for: the worst case is a second vector for a while, which the text's
# next copy clears, never a wait or a deadlock in a turn.
_SUPERSEDE = text(
    f"""
    UPDATE chat_messages SET embedding = NULL
    WHERE id IN (
        SELECT m.id FROM chat_messages m
        WHERE md5(m.content) = md5(:content) AND m.content = :content
          AND m.embedding IS NOT NULL AND m.{RECALL_ROLES_SQL}
          AND (SELECT owner_id FROM chat_sessions WHERE id = m.session_id)
              = (SELECT owner_id FROM chat_sessions WHERE id = :session_id)
        FOR UPDATE OF m SKIP LOCKED
    )
    """  # noqa: S608 - constants
)

# Before messages go (``doomed``: their ids, or their sessions'), each vector among them
# passes to the newest copy of its text that stays in its owner's sessions, unless one of
# those copies has a vector already. Both lookups are LATERAL ... LIMIT 1, one index probe per
# vector (a NOT EXISTS here became a hash anti-join over every embedded message).
_DOOMED = "{t}.id = ANY(:message_ids) OR {t}.session_id = ANY(:session_ids)"
_PASS_ON = text(
    f"""
    WITH gone AS (
        SELECT m.id, m.content, m.embedding,
               (SELECT owner_id FROM chat_sessions WHERE id = m.session_id) AS owner_id
        FROM chat_messages m
        WHERE ({_DOOMED.format(t="m")}) AND m.embedding IS NOT NULL AND m.{RECALL_ROLES_SQL}
    ),
    heirs AS (
        SELECT DISTINCT ON (heir.id) heir.id, g.embedding
        FROM gone g
        CROSS JOIN LATERAL (
            SELECT c.id FROM chat_messages c JOIN chat_sessions cs ON cs.id = c.session_id
            WHERE md5(c.content) = md5(g.content) AND c.content = g.content
              AND c.embedding IS NULL AND c.{RECALL_ROLES_SQL}
              AND cs.owner_id = g.owner_id AND NOT ({_DOOMED.format(t="c")})
            ORDER BY c.id DESC LIMIT 1
        ) heir
        LEFT JOIN LATERAL (
            SELECT true AS found FROM chat_messages e JOIN chat_sessions es ON es.id = e.session_id
            WHERE md5(e.content) = md5(g.content) AND e.content = g.content
              AND e.embedding IS NOT NULL AND e.{RECALL_ROLES_SQL}
              AND es.owner_id = g.owner_id AND NOT ({_DOOMED.format(t="e")})
            LIMIT 1
        ) holder ON true
        WHERE holder.found IS NULL
        ORDER BY heir.id, g.id DESC
    )
    UPDATE chat_messages m SET embedding = heirs.embedding FROM heirs WHERE m.id = heirs.id
    """  # noqa: S608 - constants
).bindparams(
    bindparam("message_ids", type_=ARRAY(BigInteger)),
    bindparam("session_ids", type_=ARRAY(Uuid)),
)

# The same rule over everything stored, for bulk loads (bench.recall_load; migration 0008 has
# its own copy): of an owner's user/assistant messages with the same text, only the newest
# keeps its vector.
ONE_VECTOR_PER_TEXT = f"""
    UPDATE chat_messages m SET embedding = NULL
    FROM (SELECT c.id, row_number() OVER (
                     PARTITION BY s.owner_id, c.content ORDER BY c.id DESC) AS n
          FROM chat_messages c JOIN chat_sessions s ON s.id = c.session_id
          WHERE c.embedding IS NOT NULL AND c.{RECALL_ROLES_SQL}) d
    WHERE d.id = m.id AND d.n > 1
"""  # noqa: S608 - constants


@dataclass(frozen=True)
class NewMessage:
    """A message to store with :meth:`MessageRepository.append_many`."""

    role: MessageRole
    content: str
    tool_calls: list[JsonDict] | None = None
    tool_call_id: str | None = None
    token_count: int = 0
    embedding: Sequence[float] | None = None


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
        if embedding is not None and role in RECALL_ROLES:
            await self._s.execute(_SUPERSEDE, {"content": content, "session_id": session_id})
        self._s.add(row)
        await self._s.flush()
        return row

    async def append_many(self, session_id: uuid.UUID, messages: Sequence[NewMessage]) -> list[int]:
        """Store several messages of one session in their order, in one INSERT (each one as
        :meth:`append` would: a text stored with a vector takes it from the owner's older
        copies); their ids."""
        if not messages:
            return []
        for message in messages:
            if message.embedding is not None:
                _check_length(message.embedding)
        for content in dict.fromkeys(
            m.content for m in messages if m.embedding is not None and m.role in RECALL_ROLES
        ):
            await self._s.execute(_SUPERSEDE, {"content": content, "session_id": session_id})
        rows = [
            {
                "session_id": session_id,
                "role": m.role,
                "content": m.content,
                "tool_calls": m.tool_calls,
                "tool_call_id": m.tool_call_id,
                "token_count": m.token_count,
                "embedding": list(m.embedding) if m.embedding is not None else None,
            }
            for m in messages
        ]
        stmt = insert(ChatMessage).values(rows).returning(ChatMessage.id)
        return sorted(int(i) for i in (await self._s.execute(stmt)).scalars())

    async def pass_on_vectors(
        self,
        *,
        message_ids: Collection[int] = (),
        session_ids: Collection[uuid.UUID] = (),
    ) -> int:
        """Before these messages (or these sessions' messages) are deleted or erased: hand each
        of their vectors to the newest copy of its text that stays in the owner's sessions, so
        the text stays recallable. Returns how many copies received a vector."""
        if not message_ids and not session_ids:
            return 0
        result = await self._s.execute(
            _PASS_ON, {"message_ids": list(message_ids), "session_ids": list(session_ids)}
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

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
        small, and the time of an owner-scoped HNSW scan grows with ``k``.

        A text is found through its newest copy only (one vector per text and owner). When
        that copy is in the excluded part, older copies in other sessions are not returned
        either: the text is in the prompt already (the user's message being answered is always
        such a copy, so an earlier identical question is no longer recalled beside it)."""
        _check_length(embedding)
        k = min(k, MAX_K)
        if k <= 0:
            return []
        await self._s.execute(_RECALL_SETTINGS)
        distance = ChatMessage.embedding.cosine_distance(list(embedding))
        scan = (
            select(ChatMessage.id, distance.label("distance"))
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
            scan = scan.where(other)
        # The index scan's k rows as found (in relaxed order), then sorted: pgvector's way.
        nearest = scan.cte("nearest").prefix_with("MATERIALIZED")
        stmt = (
            select(ChatMessage, nearest.c.distance)
            .options(_NO_EMBEDDING)
            .join(nearest, nearest.c.id == ChatMessage.id)
            .order_by(nearest.c.distance)
        )
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
