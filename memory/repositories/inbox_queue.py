"""The responder's work queue over the inbound ledger: claim with a lease, finish, retry.

Any number of worker processes share it. A claim takes the oldest due mail with
``FOR UPDATE SKIP LOCKED`` (two workers never take the same row) and leases it; a worker that
dies leaves the lease to run out, after which the mail is taken again. Finishing checks the
lease is still ours, so a worker that was too slow cannot overwrite a newer attempt's result.
Leases use the database's clock, the one clock every process shares.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models.enums import InboundStatus

FINAL_STATUSES = frozenset(
    {
        InboundStatus.REPLIED,
        InboundStatus.DRAFTED,
        InboundStatus.ESCALATED,
        InboundStatus.IGNORED,
        InboundStatus.QUARANTINED,
        InboundStatus.FAILED,
    }
)

_CLAIM = text(
    """
    UPDATE inbound_emails AS m
       SET status = 'processing',
           lease_owner = :worker,
           lease_until = clock_timestamp() + make_interval(secs => :lease_s),
           attempts = m.attempts + 1
     WHERE m.id = (
           SELECT id FROM inbound_emails
            WHERE (status = 'received'
                   AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp()))
               OR (status = 'processing' AND lease_until < clock_timestamp())
            ORDER BY received_at, id
            FOR UPDATE SKIP LOCKED
            LIMIT 1)
    RETURNING m.id, m.attempts
    """
)


@dataclass(frozen=True, slots=True)
class Claim:
    inbound_id: uuid.UUID
    attempt: int  # 1 for the first try; a mail taken over after a crash counts that try too


class InboxQueue:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(self, *, worker: str, lease: timedelta) -> Claim | None:
        """Lease the oldest due mail to ``worker``; None when nothing is due."""
        row = (
            await self._s.execute(_CLAIM, {"worker": worker, "lease_s": lease.total_seconds()})
        ).one_or_none()
        return None if row is None else Claim(row[0], int(row[1]))

    async def extend(self, inbound_id: uuid.UUID, *, worker: str, lease: timedelta) -> bool:
        """Keep the lease while a long step runs; False if it was lost meanwhile."""
        result = await self._s.execute(
            text(
                "UPDATE inbound_emails SET lease_until = clock_timestamp() + "
                "make_interval(secs => :lease_s) WHERE id = :id AND lease_owner = :worker "
                "AND status = 'processing' RETURNING id"
            ),
            {"id": inbound_id, "worker": worker, "lease_s": lease.total_seconds()},
        )
        return result.one_or_none() is not None

    async def finish(
        self,
        inbound_id: uuid.UUID,
        *,
        worker: str,
        status: InboundStatus,
        reason: str | None,
    ) -> bool:
        """Record the final status; False (nothing written) if the lease is no longer ours."""
        assert status in FINAL_STATUSES, status
        result = await self._s.execute(
            text(
                "UPDATE inbound_emails SET status = :status, status_reason = :reason, "
                "lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL, "
                "processed_at = clock_timestamp() "
                "WHERE id = :id AND lease_owner = :worker AND status = 'processing' "
                "RETURNING id"
            ),
            {"id": inbound_id, "worker": worker, "status": status.value, "reason": reason},
        )
        return result.one_or_none() is not None

    async def retry_later(
        self, inbound_id: uuid.UUID, *, worker: str, delay: timedelta, reason: str
    ) -> bool:
        """Give the mail back to the queue, due again after ``delay``."""
        result = await self._s.execute(
            text(
                "UPDATE inbound_emails SET status = 'received', status_reason = :reason, "
                "lease_owner = NULL, lease_until = NULL, "
                "next_attempt_at = clock_timestamp() + make_interval(secs => :delay_s) "
                "WHERE id = :id AND lease_owner = :worker AND status = 'processing' "
                "RETURNING id"
            ),
            {
                "id": inbound_id,
                "worker": worker,
                "delay_s": delay.total_seconds(),
                "reason": reason,
            },
        )
        return result.one_or_none() is not None

    async def give_back(self, inbound_id: uuid.UUID, *, worker: str) -> bool:
        """Return the mail to the queue, due at once, without counting this attempt (it did
        not fail: the database went away under it)."""
        result = await self._s.execute(
            text(
                "UPDATE inbound_emails SET status = 'received', lease_owner = NULL, "
                "lease_until = NULL, next_attempt_at = NULL, "
                "attempts = greatest(attempts - 1, 0) "
                "WHERE id = :id AND lease_owner = :worker AND status = 'processing' "
                "RETURNING id"
            ),
            {"id": inbound_id, "worker": worker},
        )
        return result.one_or_none() is not None

    async def pending(self) -> int:
        """Mails not yet in a final status (queued or being processed)."""
        result = await self._s.execute(
            text("SELECT count(*) FROM inbound_emails WHERE status IN ('received', 'processing')")
        )
        return int(result.scalar_one())
