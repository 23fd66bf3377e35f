"""Cluster-wide locks for work that must happen once even when several processes start."""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def advisory_xact_lock(session: AsyncSession, name: str) -> None:
    """Block until this transaction holds the lock called ``name``; released at commit."""
    key = zlib.crc32(name.encode("utf-8"))
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
