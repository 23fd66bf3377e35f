"""Fixed-window rate-limit counters shared by every API process through PostgreSQL.

One ``hit`` is one statement that counts and reads in one go (``INSERT … ON CONFLICT DO
UPDATE SET count = count + 1 RETURNING count``), so concurrent calls from any number of
processes never lose a count and never both see the same number. Commit promptly: the row
stays locked for the rest of the caller's transaction.
"""

from __future__ import annotations

import math
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
        Refused calls count too (a client hammering a closed window gains nothing). The key's
        earlier windows are deleted on the way."""
        start = window_start(now, window)
        new = pg_insert(RateLimitWindow).values(key=key, window_start=start, count=1)
        stmt = new.on_conflict_do_update(
            index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
            set_={"count": RateLimitWindow.count + 1},
        ).returning(RateLimitWindow.count)
        count = int((await self._s.execute(stmt)).scalar_one())
        await self._s.execute(
            delete(RateLimitWindow).where(
                RateLimitWindow.key == key, RateLimitWindow.window_start < start
            )
        )
        if count <= limit:
            return RateLimitHit(allowed=True, retry_after_s=0)
        left = (start + window - now).total_seconds()
        return RateLimitHit(allowed=False, retry_after_s=max(1, math.ceil(left)))
