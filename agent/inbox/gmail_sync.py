"""Follow a provider mailbox (Gmail) into the inbound ledger by history id.

Nothing is lost and nothing is recorded twice:
- the history id is stored only after every message it covers is in the ledger, so a crash
  part-way fetches those messages again, and the ledger (keyed by Message-ID) only counts
  them again;
- a full resync notes the mailbox's history id before it lists anything, so mail arriving
  while it runs is in the next incremental sync (and counted twice at worst, never missed);
- the sync state is locked for the whole run, so a second poller of the same mailbox waits
  and then continues from where the first one got to instead of resyncing alongside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agent.inbox.ingest import ingest
from memory.database import Database
from memory.models.enums import InboundStatus
from memory.repositories.mailbox_sync import MailboxSyncRepository
from tools.integrations.ports import (
    ErrorCode,
    HistoryExpiredError,
    IntegrationError,
    MailboxPort,
)

log = logging.getLogger(__name__)

DEFAULT_RESYNC_QUERY = "in:inbox newer_than:30d"
SyncMode = Literal["incremental", "full"]


@dataclass(slots=True)
class SyncReport:
    """What one sync did. `fetched` = new + duplicate + quarantined; `missing` counts
    messages deleted between listing and fetching (skipped)."""

    mode: SyncMode
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    history_id: str = ""
    missing: int = 0


class _Follower:
    def __init__(
        self, database: Database, mailbox: MailboxPort, *, now: datetime, max_raw_bytes: int
    ) -> None:
        self._database = database
        self._mailbox = mailbox
        self._now = now
        self._max_raw_bytes = max_raw_bytes

    async def take(self, message_id: str, report: SyncReport) -> None:
        """Fetch one message and record it in the ledger."""
        try:
            mail = await self._mailbox.fetch_message(message_id)
        except IntegrationError as exc:
            if exc.code is not ErrorCode.NOT_FOUND:
                raise
            log.info("message %s was deleted before it could be fetched", message_id)
            report.missing += 1
            return
        result = await ingest(
            self._database,
            mail.raw,
            now=self._now,
            max_raw_bytes=self._max_raw_bytes,
            provider_id=mail.provider_id,
            provider_thread_id=mail.thread_id,
        )
        report.fetched += 1
        if not result.created:
            report.duplicate += 1
        elif result.status == InboundStatus.QUARANTINED:
            report.quarantined += 1
        else:
            report.new += 1

    async def full(self, query: str) -> SyncReport:
        report = SyncReport(mode="full")
        # Noted first: whatever arrives from here on is in the history after this id.
        report.history_id = await self._mailbox.current_history_id()
        seen: set[str] = set()  # a listing that shifts while paging can repeat ids
        token: str | None = None
        while True:
            ids, token = await self._mailbox.list_message_ids(query, token)
            for message_id in ids:
                if message_id not in seen:
                    seen.add(message_id)
                    await self.take(message_id, report)
            if token is None:
                return report

    async def incremental(self, history_id: str) -> SyncReport | None:
        """The messages added since `history_id`; None when it has expired."""
        try:
            page = await self._mailbox.list_history(history_id)
        except HistoryExpiredError:
            log.warning("history id %s has expired: full resync", history_id)
            return None
        report = SyncReport(mode="incremental", history_id=page.history_id)
        for message_id in page.message_ids:
            await self.take(message_id, report)
        return report


async def sync_mailbox(
    database: Database,
    mailbox: MailboxPort,
    *,
    mailbox_key: str,
    now: datetime,
    max_raw_bytes: int,
    resync_query: str = DEFAULT_RESYNC_QUERY,
) -> SyncReport:
    """Bring the ledger up to date with the mailbox named `mailbox_key`.

    Incremental from the stored history id; a full resync (of `resync_query`) when there is
    none or it has expired. IntegrationErrors other than a deleted message propagate, and
    the stored history id is then left as it was."""
    follower = _Follower(database, mailbox, now=now, max_raw_bytes=max_raw_bytes)
    # The transaction holds the mailbox's lock for the whole sync; each message is
    # recorded in a transaction of its own, so what is ingested stays ingested.
    async with database.transaction() as s:
        states = MailboxSyncRepository(s)
        state = await states.get(mailbox_key, for_update=True)
        report = None
        if state is not None and state.history_id:
            report = await follower.incremental(state.history_id)
        if report is None:
            report = await follower.full(resync_query)
        await states.save(
            mailbox_key, history_id=report.history_id, at=now, full=report.mode == "full"
        )
    log.info(
        "mailbox %s synced (%s): %d fetched, %d new, %d duplicate, %d quarantined, %d missing",
        mailbox_key,
        report.mode,
        report.fetched,
        report.new,
        report.duplicate,
        report.quarantined,
        report.missing,
    )
    return report
