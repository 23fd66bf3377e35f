"""The chat stream's durable side: every event a turn reports, and the per-session turn lock.

Both live in PostgreSQL (not in a process) so a client may reconnect to any API process and
resume from its ``Last-Event-ID``, and a second message is refused while any process runs a
turn in the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from memory.models.base import Base, JsonDict, created_at_column


class ChatEvent(Base):
    __tablename__ = "chat_events"

    # Also the SSE event id: increasing, so "after id N" is a plain range scan.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE")
    )
    run_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[JsonDict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_chat_events_session_id_id", "session_id", "id"),)


class ChatTurn(Base):
    """The session's running turn, if any. A row whose lease has run out belongs to a
    process that died; the next claim takes it over."""

    __tablename__ = "chat_turns"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
