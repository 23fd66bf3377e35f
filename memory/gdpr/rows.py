"""Rows as JSON-ready dicts, and the LangGraph checkpoint tables (raw SQL: they belong to
langgraph-checkpoint-postgres, not to our models, and exist only once its setup ran)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Base

CHECKPOINT_TABLES = ("checkpoint_writes", "checkpoint_blobs", "checkpoints")


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(row: Base, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    skipped = set(skip)
    return {
        attr.key: jsonable(getattr(row, attr.key))
        for attr in inspect(row).mapper.column_attrs
        if attr.key not in skipped
    }


async def checkpoint_tables(session: AsyncSession) -> list[str]:
    """The checkpoint tables present in this database (none before the agent first ran)."""
    present = []
    for table in CHECKPOINT_TABLES:
        found = await session.execute(text("SELECT to_regclass(:t)"), {"t": f"public.{table}"})
        if found.scalar_one() is not None:
            present.append(table)
    return present


async def checkpoint_counts(
    session: AsyncSession, thread_ids: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Rows per checkpoint table per thread (a thread is a chat session)."""
    threads = sorted(set(thread_ids))
    counts: dict[str, dict[str, int]] = {}
    for table in await checkpoint_tables(session):
        rows = await session.execute(
            text(
                f"SELECT thread_id, count(*) FROM {table} "  # noqa: S608 - fixed table names
                "WHERE thread_id = ANY(:ids) GROUP BY thread_id"
            ),
            {"ids": threads},
        )
        for thread_id, n in rows:
            counts.setdefault(thread_id, {})[table] = int(n)
    return counts


async def delete_checkpoints(session: AsyncSession, thread_ids: Iterable[str]) -> int:
    threads = sorted(set(thread_ids))
    if not threads:
        return 0
    deleted = 0
    for table in await checkpoint_tables(session):
        result = await session.execute(
            text(f"DELETE FROM {table} WHERE thread_id = ANY(:ids)"),  # noqa: S608
            {"ids": threads},
        )
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return deleted
