"""TaskExecution rows: one per tool-call id, written before the call and completed after."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import TaskExecution
from memory.models.enums import TaskStatus


@dataclass(frozen=True)
class AuditStart:
    tool_call_id: str
    task_type: str
    input: dict[str, Any]
    status: TaskStatus
    channel: str
    started_at: datetime
    session_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    model: str | None = None
    intent: str | None = None
    run_id: str | None = None
    trace_id: str | None = None


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def start(self, entry: AuditStart) -> tuple[TaskExecution, bool]:
        """Insert the row unless the call id is known; returns (row, created). A new row comes
        back from the INSERT itself; only a known call id costs a second statement."""
        values = {k: v for k, v in entry.__dict__.items()}
        stmt = (
            insert(TaskExecution)
            .values(id=uuid.uuid4(), **values)
            .on_conflict_do_nothing(index_elements=[TaskExecution.tool_call_id])
            .returning(TaskExecution)
            .execution_options(populate_existing=True)
        )
        if (created := (await self._s.execute(stmt)).scalar_one_or_none()) is not None:
            return created, True
        row = await self.get(entry.tool_call_id)
        assert row is not None
        return row, False

    async def get(self, tool_call_id: str) -> TaskExecution | None:
        stmt = select(TaskExecution).where(TaskExecution.tool_call_id == tool_call_id)
        return (
            await self._s.execute(stmt.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def set_status(self, tool_call_id: str, status: TaskStatus) -> None:
        await self._s.execute(
            update(TaskExecution)
            .where(TaskExecution.tool_call_id == tool_call_id)
            .values(status=status)
        )

    async def finish(
        self,
        tool_call_id: str,
        *,
        status: TaskStatus,
        finished_at: datetime,
        duration_ms: int,
        result: dict[str, Any] | None = None,
        result_summary: str | None = None,
        error_code: str | None = None,
        error: str | None = None,
        input: dict[str, Any] | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "finished_at": finished_at,
            "duration_ms": duration_ms,
            "result": result,
            "result_summary": result_summary,
            "error_code": error_code,
            "error": error,
        }
        if input is not None:
            values["input"] = input
        await self._s.execute(
            update(TaskExecution).where(TaskExecution.tool_call_id == tool_call_id).values(**values)
        )

    async def interrupt_running(
        self, session_id: uuid.UUID, *, finished_at: datetime, reason: str
    ) -> int:
        """A chat session's calls still ``pending`` after its turn died (the process stopped
        while the tool ran, and the tool's writes, in the same transaction as its audit
        completion, were rolled back with it): marked ``failed`` with error code
        ``interrupted``. Calls waiting for an approval are left alone. Returns how many."""
        stmt = (
            update(TaskExecution)
            .where(
                TaskExecution.session_id == session_id,
                TaskExecution.status == TaskStatus.PENDING,
            )
            .values(
                status=TaskStatus.FAILED,
                finished_at=finished_at,
                error_code="interrupted",
                error=reason,
            )
            .returning(TaskExecution.id)
        )
        return len((await self._s.execute(stmt)).all())

    async def for_session(self, session_id: uuid.UUID) -> list[TaskExecution]:
        stmt = (
            select(TaskExecution)
            .where(TaskExecution.session_id == session_id)
            .order_by(TaskExecution.started_at)
        )
        return list((await self._s.execute(stmt)).scalars())
