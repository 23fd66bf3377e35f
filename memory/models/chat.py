"""Chat sessions and their messages, with an embedding per message for pgvector recall."""

from __future__ import annotations

import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from memory.models.base import (
    Base,
    JsonDict,
    created_at_column,
    str_enum,
    updated_at_column,
    uuid_pk,
)
from memory.models.enums import ChatChannel, MessageRole
from memory.models.staff import StaffUser

# The stored dimension. Every embedder is configured to produce vectors of this size
# (Gemini and OpenAI both accept an output dimension); a mismatch is a start-up error.
EMBEDDING_DIMENSION = 768

# The messages recall reads, as the partial indexes below name them (literals, so that a
# generic plan can prove them; memory/repositories/messages.py queries with the same text).
RECALL_ROLES_SQL = "role IN ('user', 'assistant')"


class ChatSession(Base):
    __tablename__ = "chat_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[ChatChannel] = mapped_column(
        str_enum(ChatChannel, "chat_channel"), default=ChatChannel.CHAT
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # Messages with an id up to this one are folded into ``summary``.
    summary_upto_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    owner: Mapped[StaffUser] = relationship(lazy="raise")

    __table_args__ = (Index("ix_chat_sessions_owner_updated", "owner_id", "updated_at"),)


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE")
    )
    role: Mapped[MessageRole] = mapped_column(str_enum(MessageRole, "message_role"))
    content: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[list[JsonDict] | None] = mapped_column(JSONB)
    tool_call_id: Mapped[str | None] = mapped_column(String(200))
    token_count: Mapped[int] = mapped_column(default=0)
    embedding: Mapped[list[float] | None] = mapped_column(Vector(EMBEDDING_DIMENSION))
    created_at: Mapped[datetime] = created_at_column()

    session: Mapped[ChatSession] = relationship(lazy="raise")

    __table_args__ = (
        Index("ix_chat_messages_session_id_id", "session_id", "id"),
        Index(
            "ix_chat_messages_embedding_hnsw",
            embedding,
            postgresql_using="hnsw",
            # A denser graph than pgvector's default (16, 64): repeated chat lines and the
            # per-user scope cost recall otherwise (migration 0007, bench.recall_scale).
            postgresql_with={"m": 24, "ef_construction": 128},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        # One vector per text and owner (memory/repositories/messages.py, migration 0008):
        # the copy of a text that has the vector, found as a new copy is stored ...
        Index(
            "ix_chat_messages_embedded_text",
            text("md5(content)"),
            postgresql_where=text(f"embedding IS NOT NULL AND {RECALL_ROLES_SQL}"),
        ),
        # ... and the newest copy without one, which inherits it when the holder is deleted.
        Index(
            "ix_chat_messages_unembedded_text",
            text("md5(content)"),
            "id",
            postgresql_where=text(f"embedding IS NULL AND {RECALL_ROLES_SQL}"),
        ),
    )
