"""Finding a row by the reference a person or the model types: a full id or a printed prefix."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from memory.models import Base

M = TypeVar("M", bound=Base)
MIN_PREFIX = 6
_HEX = frozenset("0123456789abcdef")


def parse_ref(ref: str) -> uuid.UUID | str | None:
    """A full UUID, a lowercase id prefix (at least 6 hex digits, hyphens allowed), or None."""
    ref = ref.strip().lower()
    try:
        return uuid.UUID(ref)
    except ValueError:
        pass
    if not ref or not set(ref) <= _HEX | {"-"}:
        return None
    return ref if sum(ch in _HEX for ch in ref) >= MIN_PREFIX else None


async def find_by_ref(
    session: AsyncSession, model: type[M], id_column: InstrumentedAttribute[uuid.UUID], ref: str
) -> M | None:
    """The row with this id, or the only row whose id starts with the prefix (ambiguous: None)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    if isinstance(parsed, uuid.UUID):
        return await session.get(model, parsed)
    stmt = select(model).where(cast(id_column, String).like(parsed + "%")).limit(2)
    found = list((await session.execute(stmt)).scalars())
    return found[0] if len(found) == 1 else None
