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
    FetchedMail,
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
    """Mail kept in memory: `.sent` in order, `.drafts` by draft id (sending one removes it),
    an inbox fed by `deliver`.

    With a `sender`, sent mail reports the Message-ID the real message would carry. Sent mail
    takes a history id, as in Gmail, so `find_sent` honours its mark. `list_message_ids` does
    not interpret the query: every delivered message matches.
    """

    def __init__(self, *, sender: str | None = None, page_size: int = 100) -> None:
        self.sent: list[OutgoingMail] = []
        self.drafts: dict[str, OutgoingMail] = {}
        self.failures: list[IntegrationError] = []
        self._sender = sender
        self._page_size = page_size
        self._sent_by_key: dict[str, tuple[int, SentMail]] = {}  # with its history id
        self._drafts_by_key: dict[str, str] = {}
        self._draft_count = 0
        self._inbox: dict[str, FetchedMail] = {}
        self._delivered = 0
        self._history: list[tuple[int, str]] = []
        self._history_id = 1
        self._oldest_history_id = 0

    def _record_sent(self, message: OutgoingMail) -> SentMail:
        self.sent.append(message)
        number = len(self.sent)
        header = header_message_id(message.idempotency_key, self._sender) if self._sender else None
        sent = SentMail(f"sent-{number}", message.thread_id or f"thread-{number}", header)
        self._history_id += 1
        self._sent_by_key[message.idempotency_key] = (self._history_id, sent)
        return sent

    async def send(self, message: OutgoingMail) -> SentMail:
        if (earlier := self._sent_by_key.get(message.idempotency_key)) is not None:
            return earlier[1]
        if self.failures:
            raise self.failures.pop(0)
        return self._record_sent(message)

    async def create_draft(self, message: OutgoingMail) -> str:
        if (earlier := self._drafts_by_key.get(message.idempotency_key)) is not None:
            return earlier
        if self.failures:
            raise self.failures.pop(0)
        self._draft_count += 1
        draft_id = f"draft-{self._draft_count}"
        self.drafts[draft_id] = message
        self._drafts_by_key[message.idempotency_key] = draft_id
        return draft_id

    async def send_draft(self, draft_id: str, message: OutgoingMail) -> SentMail:
        """Sends the stored draft; a second call for the same mail returns the first send."""
        if (earlier := self._sent_by_key.get(message.idempotency_key)) is not None:
            return earlier[1]
        if self.failures:
            raise self.failures.pop(0)
        draft = self.drafts.get(draft_id)
        if draft is None:
            raise IntegrationError(ErrorCode.NOT_FOUND, f"no draft {draft_id}", status=404)
        if draft.idempotency_key != message.idempotency_key:
            raise ValueError(f"draft {draft_id} was made from another mail")
        del self.drafts[draft_id]
        self._drafts_by_key.pop(draft.idempotency_key, None)
        return self._record_sent(draft)

    async def find_sent(self, mark: str, idempotency_key: str) -> SentMail | None:
        start = self._history_number(mark)
        found = self._sent_by_key.get(idempotency_key)
        return found[1] if found is not None and found[0] > start else None

    def deliver(self, raw: bytes, *, thread_id: str | None = None) -> str:
        """Put a received message (RFC 822 bytes) in the inbox; returns its id. Without a
        `thread_id` the message starts a thread of its own."""
        self._delivered += 1
        message_id = f"msg-{self._delivered}"
        self._inbox[message_id] = FetchedMail(raw, message_id, thread_id or f"thread-{message_id}")
        self._history_id += 1
        self._history.append((self._history_id, message_id))
        return message_id

    def expire_history(self) -> None:
        """Forget history, as Gmail does after about a week: older ids now need a resync."""
        self._oldest_history_id = self._history_id

    def _history_number(self, history_id: str) -> int:
        try:
            start = int(history_id)
        except ValueError as exc:
            raise IntegrationError(ErrorCode.INVALID, "history id is not a number") from exc
        if start < self._oldest_history_id:
            raise HistoryExpiredError(history_id)
        return start

    async def current_history_id(self) -> str:
        return str(self._history_id)

    async def list_history(self, start_history_id: str) -> HistoryPage:
        start = self._history_number(start_history_id)
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

    async def fetch_message(self, message_id: str) -> FetchedMail:
        try:
            return self._inbox[message_id]
        except KeyError:
            raise IntegrationError(ErrorCode.NOT_FOUND, f"no message {message_id}") from None

    async def fetch_raw(self, message_id: str) -> bytes:
        return (await self.fetch_message(message_id)).raw

    def delete(self, message_id: str) -> None:
        """Remove a message, as a user deleting it would: fetching it is then NOT_FOUND."""
        self._inbox.pop(message_id, None)
