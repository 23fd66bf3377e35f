"""The inbound mail ledger: each mail recorded once by its Message-ID; a redelivery only counts."""

from __future__ import annotations

import builtins
import hashlib
from datetime import datetime

from sqlalchemy import Boolean, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import InboundEmail
from memory.models.enums import InboundStatus, LeadSource

OVERSIZED = "oversized"
_LONG = 998  # RFC 5322 line limit; the width of the header columns
_ADDRESS = 320
_PROVIDER_ID = 200


def _fitting(value: str | None, width: int) -> str | None:
    # A provider id cut short would name another message: too long is stored as unknown.
    return value if value and len(value) <= width else None


def synthetic_message_id(raw: bytes) -> str:
    """A deterministic id for a mail without a Message-ID: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()}@renos.invalid>"


def _cut(value: str | None, width: int) -> str | None:
    return value[:width] if value else None


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def record(
        self,
        message_id: str | None,
        raw: bytes,
        *,
        received_at: datetime,
        from_address: str | None,
        reply_to: str | None,
        to_address: str | None,
        subject: str | None,
        thread_id: str | None,
        source: LeadSource | None,
        max_raw_bytes: int,
        provider_id: str | None = None,
        provider_thread_id: str | None = None,
    ) -> tuple[InboundEmail, bool]:
        """Insert the mail, or count one more delivery of it: (row, created).

        A mail larger than ``max_raw_bytes`` is recorded without its bytes, quarantined.
        The provider's ids (Gmail id and threadId) are filled in on a redelivery when the row
        has none yet (an imported mail later seen in Gmail), never overwritten."""
        oversized = len(raw) > max_raw_bytes
        values = {
            "message_id": (message_id or synthetic_message_id(raw))[:_LONG],
            "thread_id": _cut(thread_id, _LONG),
            "from_address": _cut(from_address, _ADDRESS),
            "reply_to": _cut(reply_to, _ADDRESS),
            "to_address": _cut(to_address, _LONG),
            "subject": _cut(subject, _LONG),
            "received_at": received_at,
            "raw": None if oversized else raw,
            "raw_size": len(raw),
            "source": source,
            "status": InboundStatus.QUARANTINED if oversized else InboundStatus.RECEIVED,
            "status_reason": OVERSIZED if oversized else None,
            "delivery_count": 1,
            "provider_id": _fitting(provider_id, _PROVIDER_ID),
            "provider_thread_id": _fitting(provider_thread_id, _PROVIDER_ID),
        }
        new = insert(InboundEmail).values(**values)
        stmt = (
            new.on_conflict_do_update(
                index_elements=[InboundEmail.message_id],
                set_={
                    "delivery_count": InboundEmail.delivery_count + 1,
                    "provider_id": func.coalesce(
                        InboundEmail.provider_id, new.excluded.provider_id
                    ),
                    "provider_thread_id": func.coalesce(
                        InboundEmail.provider_thread_id, new.excluded.provider_thread_id
                    ),
                },
            )
            .returning(InboundEmail, literal_column("(xmax = 0)", Boolean).label("created"))
            .execution_options(populate_existing=True)
        )
        row, created = (await self._s.execute(stmt)).one()
        return row, bool(created)

    async def get_by_message_id(self, message_id: str) -> InboundEmail | None:
        stmt = select(InboundEmail).where(InboundEmail.message_id == message_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def list(
        self, status: InboundStatus | None = None, limit: int = 100
    ) -> builtins.list[InboundEmail]:
        """The ledger, newest first, optionally of one status."""
        stmt = select(InboundEmail).order_by(
            InboundEmail.received_at.desc(), InboundEmail.message_id
        )
        if status is not None:
            stmt = stmt.where(InboundEmail.status == status)
        return builtins.list((await self._s.execute(stmt.limit(limit))).scalars())

    async def counts(self) -> dict[InboundStatus, int]:
        """How many mails per status (every status, zero included)."""
        stmt = select(InboundEmail.status, func.count()).group_by(InboundEmail.status)
        found = {status: int(n) for status, n in (await self._s.execute(stmt)).all()}
        return {status: found.get(status, 0) for status in InboundStatus}
