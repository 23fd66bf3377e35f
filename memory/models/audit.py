"""TaskExecution: the audit record of every tool call (domain.md "Audit")."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from memory.models.base import Base, JsonDict, created_at_column, str_enum, uuid_pk
from memory.models.enums import TaskStatus


class TaskExecution(Base):
    """One tool call. Keyed uniquely by the model's tool-call id, so a replayed call finds its
    earlier record instead of running again. Arguments and results hold references (ids) rather
    than copies of personal data."""

    __tablename__ = "task_executions"

    id: Mapped[uuid.UUID] = uuid_pk()
    tool_call_id: Mapped[str] = mapped_column(String(200), unique=True)
    task_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, "task_status"))
    input: Mapped[JsonDict] = mapped_column(JSONB, default=dict)
    result: Mapped[JsonDict | None] = mapped_column(JSONB)
    result_summary: Mapped[str | None] = mapped_column(String(500))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(500))
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(100))
    run_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(64), index=True)
    duration_ms: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_task_executions_type_started", "task_type", "started_at"),)
