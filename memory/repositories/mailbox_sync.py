"""Where the inbox follower is in each provider mailbox (its Gmail history id).

Two pollers of one mailbox must not interleave: both would resync, and one could store an
older history id over a newer one. `get(..., for_update=True)` first takes a
transaction-scoped advisory lock on the mailbox's name (a row lock cannot guard the first
sync, when there is no row yet); the caller holds that transaction for the whole sync and
saves before it ends, so a second poller waits and then reads where the first one got to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import MailboxSyncState

# Namespaces the advisory lock key, so it cannot meet another feature's lock on the same name.
_LOCK_PREFIX = "renos:mailbox_sync:"


class MailboxSyncRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _lock(self, mailbox: str) -> None:
        key = func.hashtextextended(_LOCK_PREFIX + mailbox, 0)
        await self._s.execute(select(func.pg_advisory_xact_lock(key)))

    async def get(self, mailbox: str, *, for_update: bool = False) -> MailboxSyncState | None:
        """The mailbox's state; with `for_update`, first wait until no other transaction
        syncs it, and keep it to this one until it ends."""
        if for_update:
            await self._lock(mailbox)
        stmt = select(MailboxSyncState).where(MailboxSyncState.mailbox == mailbox)
        return (
            await self._s.execute(stmt.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def save(
        self, mailbox: str, *, history_id: str, at: datetime, full: bool
    ) -> MailboxSyncState:
        """Store where the next sync starts; `full` records a full resync (counted)."""
        values: dict[str, object] = {
            "mailbox": mailbox,
            "history_id": history_id,
            "last_sync_at": at,
            "last_full_sync_at": at if full else None,
            "full_syncs": 1 if full else 0,
        }
        new = insert(MailboxSyncState).values(**values)
        changes: dict[str, object] = {"history_id": history_id, "last_sync_at": at}
        if full:
            changes["last_full_sync_at"] = at
            changes["full_syncs"] = MailboxSyncState.full_syncs + 1
        stmt = (
            new.on_conflict_do_update(index_elements=[MailboxSyncState.mailbox], set_=changes)
            .returning(MailboxSyncState)
            .execution_options(populate_existing=True)
        )
        return (await self._s.execute(stmt)).scalar_one()
