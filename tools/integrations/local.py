"""Offline adapters that satisfy the same ports without Google: test fakes, and the no-Google
defaults (the mailbox here keeps mail in memory; a DB-backed outbox lives in `memory`).

Both keep the real adapters' idempotency: the same key returns the first result and stores
nothing new. `failures` lets a test make the next calls fail the way a provider would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from tools.availability import BusyInterval
from tools.integrations.mime_build import header_message_id
from tools.integrations.ports import (
    CalendarEventRequest,
    CreatedEvent,
    ErrorCode,
    HistoryExpiredError,
    HistoryPage,
    IntegrationError,
    OutgoingMail,
    SentMail,
)


def _overlaps(block: BusyInterval, start: datetime, end: datetime) -> bool:
    # Compared in UTC: aware datetimes sharing a tzinfo compare as wall clocks.
    utc = [moment.astimezone(UTC) for moment in (block.start, block.end, start, end)]
    return utc[0] < utc[3] and utc[1] > utc[2]


class InMemoryCalendar:
    """A calendar of given busy blocks plus the events created on it (events are busy)."""

    def __init__(self, busy: Iterable[BusyInterval] = ()) -> None:
        self.busy: list[BusyInterval] = list(busy)
        self.events: dict[str, CalendarEventRequest] = {}  # by event id
        self.failures: list[IntegrationError] = []

    async def free_busy(self, start: datetime, end: datetime) -> list[BusyInterval]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("free/busy window must be timezone-aware")
        if end <= start:
            raise ValueError(f"free/busy window ends before it starts: {start}–{end}")
        if self.failures:
            raise self.failures.pop(0)
        blocks = [*self.busy, *(BusyInterval(e.start, e.end) for e in self.events.values())]
        return sorted(
            (b for b in blocks if _overlaps(b, start, end)), key=lambda b: b.start.astimezone(UTC)
        )

    async def create_event(self, event: CalendarEventRequest) -> CreatedEvent:
        if self.failures:
            raise self.failures.pop(0)
        event_id = event.event_id
        existed = event_id in self.events
        self.events.setdefault(event_id, event)
        return CreatedEvent(event_id=event_id, status="confirmed", already_existed=existed)


class RecordingMailbox:
    """Mail kept in memory: `.sent` and `.drafts` in order, an inbox fed by `deliver`.

    With a `sender`, sent mail reports the Message-ID the real message would carry.
    `list_message_ids` does not interpret the query: every delivered message matches.
    """

    def __init__(self, *, sender: str | None = None, page_size: int = 100) -> None:
        self.sent: list[OutgoingMail] = []
        self.drafts: list[OutgoingMail] = []
        self.failures: list[IntegrationError] = []
        self._sender = sender
        self._page_size = page_size
        self._sent_by_key: dict[str, SentMail] = {}
        self._drafts_by_key: dict[str, str] = {}
        self._inbox: dict[str, bytes] = {}
        self._history: list[tuple[int, str]] = []
        self._history_id = 1
        self._oldest_history_id = 0

    async def send(self, message: OutgoingMail) -> SentMail:
        if (earlier := self._sent_by_key.get(message.idempotency_key)) is not None:
            return earlier
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        number = len(self.sent)
        header = header_message_id(message.idempotency_key, self._sender) if self._sender else None
        sent = SentMail(f"sent-{number}", message.thread_id or f"thread-{number}", header)
        self._sent_by_key[message.idempotency_key] = sent
        return sent

    async def create_draft(self, message: OutgoingMail) -> str:
        if (earlier := self._drafts_by_key.get(message.idempotency_key)) is not None:
            return earlier
        if self.failures:
            raise self.failures.pop(0)
        self.drafts.append(message)
        draft_id = f"draft-{len(self.drafts)}"
        self._drafts_by_key[message.idempotency_key] = draft_id
        return draft_id

    def deliver(self, raw: bytes) -> str:
        """Put a received message (RFC 822 bytes) in the inbox; returns its id."""
        message_id = f"msg-{len(self._inbox) + 1}"
        self._inbox[message_id] = raw
        self._history_id += 1
        self._history.append((self._history_id, message_id))
        return message_id

    def expire_history(self) -> None:
        """Forget history, as Gmail does after about a week: older ids now need a resync."""
        self._oldest_history_id = self._history_id

    async def current_history_id(self) -> str:
        return str(self._history_id)

    async def list_history(self, start_history_id: str) -> HistoryPage:
        try:
            start = int(start_history_id)
        except ValueError as exc:
            raise IntegrationError(ErrorCode.INVALID, "history id is not a number") from exc
        if start < self._oldest_history_id:
            raise HistoryExpiredError(start_history_id)
        added = tuple(message_id for number, message_id in self._history if number > start)
        return HistoryPage(added, str(self._history_id))

    async def list_message_ids(
        self, query: str, page_token: str | None
    ) -> tuple[list[str], str | None]:
        newest_first = list(reversed(self._inbox))
        offset = int(page_token) if page_token else 0
        page = newest_first[offset : offset + self._page_size]
        more = offset + self._page_size < len(newest_first)
        return page, str(offset + self._page_size) if more else None

    async def fetch_raw(self, message_id: str) -> bytes:
        try:
            return self._inbox[message_id]
        except KeyError:
            raise IntegrationError(ErrorCode.NOT_FOUND, f"no message {message_id}") from None
