"""Fixed-window rate-limit counters shared by every API process through PostgreSQL.

One statement counts and reads in one go (``INSERT … ON CONFLICT DO UPDATE SET count =
count + 1 RETURNING count``), for one key or several, so concurrent calls from any number of
processes never lose a count and never both see the same number. Commit promptly: the rows
stay locked for the rest of the caller's transaction.

Old windows are removed by the key's first call in a new window (not on every call); the
windows of keys no longer called are left to :meth:`RateLimitRepository.sweep`, meant for
the periodic retention purge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models.limits import RateLimitWindow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class RateLimitHit(NamedTuple):
    allowed: bool
    # Seconds until the window ends (at least 1) when refused; 0 when allowed.
    retry_after_s: int


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the window ``now`` falls in; windows are aligned to the Unix epoch so
    every process agrees on them."""
    size = window // _MICROSECOND
    if size <= 0:
        raise ValueError("the window must be longer than a microsecond")
    elapsed = (now - _EPOCH) // _MICROSECOND
    return _EPOCH + timedelta(microseconds=elapsed - elapsed % size)


class RateLimitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def hit(self, key: str, window: timedelta, limit: int, now: datetime) -> RateLimitHit:
        """Count one call under ``key``; allowed while the window's count is at most ``limit``.
        Refused calls count too (a client hammering a closed window gains nothing)."""
        return (await self.hit_many({key: limit}, window, now))[key]

    async def hit_many(
        self, limits: Mapping[str, int], window: timedelta, now: datetime
    ) -> dict[str, RateLimitHit]:
        """Count one call under each key of ``limits`` (key → its limit) in one statement, as
        :meth:`hit` does for one. A key's first call in a window deletes its earlier windows."""
        if not limits:
            return {}
        start = window_start(now, window)
        # Sorted: every caller locks the rows in the same order, so two never deadlock.
        keys = sorted(limits)
        new = pg_insert(RateLimitWindow).values(
            [{"key": key, "window_start": start, "count": 1} for key in keys]
        )
        stmt = new.on_conflict_do_update(
            index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
            set_={"count": RateLimitWindow.count + 1},
        ).returning(RateLimitWindow.key, RateLimitWindow.count)
        counts = {key: int(count) for key, count in (await self._s.execute(stmt)).all()}
        # count 1: this call created the window's row, so the key's earlier windows are over.
        # Later calls in the window have nothing to delete and skip the statement.
        opened = [key for key in keys if counts[key] == 1]
        if opened:
            await self._s.execute(
                delete(RateLimitWindow).where(
                    RateLimitWindow.key.in_(opened), RateLimitWindow.window_start < start
                )
            )
        return {key: _verdict(counts[key], limits[key], start + window, now) for key in keys}

    async def sweep(self, *, before: datetime) -> int:
        """Delete every window that started before ``before``: those of keys not called since
        (a key's next call removes its own). Pass a time at least one window ago. Returns
        how many were deleted."""
        result = await self._s.execute(
            delete(RateLimitWindow).where(RateLimitWindow.window_start < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _verdict(count: int, limit: int, window_end: datetime, now: datetime) -> RateLimitHit:
    if count <= limit:
        return RateLimitHit(allowed=True, retry_after_s=0)
    left = (window_end - now).total_seconds()
    return RateLimitHit(allowed=False, retry_after_s=max(1, math.ceil(left)))
