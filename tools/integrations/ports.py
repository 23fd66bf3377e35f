"""The small interfaces the rest of the system uses for calendar and mail, and their values.

Adapters: `google_calendar.GoogleCalendar` and `gmail.GmailMailbox` (the real ones),
`local.InMemoryCalendar` and `local.RecordingMailbox` (offline defaults and test fakes).
Datetimes crossing these ports are timezone-aware; naive ones are refused, because guessing
their zone is how bookings end up an hour off.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from tools.availability import BusyInterval


class ErrorCode(StrEnum):
    UNAVAILABLE = "unavailable"  # 5xx, timeouts, connection errors (after retries)
    RATE_LIMITED = "rate_limited"  # 429, or Google's 403 rate-limit reasons
    AUTH = "auth"  # 401/403: credentials missing, expired, revoked or lacking a scope
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # the request itself is wrong (4xx); retrying will not help


class IntegrationError(Exception):
    """A calendar or mail provider failed; `code` is stable, `message` is for logs.

    `status` is the provider's HTTP status and `reason` its machine-readable reason (for
    Google, e.g. "duplicate", "rateLimitExceeded"), when there was one.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason


class HistoryExpiredError(IntegrationError):
    """The mailbox no longer knows the given history id: do a full resync."""

    def __init__(self, start_history_id: str) -> None:
        super().__init__(
            ErrorCode.NOT_FOUND, f"history id {start_history_id} has expired", status=404
        )
        self.start_history_id = start_history_id


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {moment!r}")


def _require_single_line(name: str, value: str) -> None:
    # A CR or LF in a header value would let a caller inject headers.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} must be a single line")


def calendar_event_id(idempotency_key: str) -> str:
    """The event id for a key: Google accepts client ids of base32hex chars [a-v0-9], 5–1024
    long. Hashing makes any key fit, and the same key always names the same event, so a
    retried create cannot make a second one."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True, slots=True)
class CalendarEventRequest:
    summary: str
    start: datetime
    end: datetime
    idempotency_key: str
    description: str = ""
    location: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValueError(f"event ends before it starts: {self.start}–{self.end}")
        if not self.idempotency_key:
            raise ValueError("idempotency_key is required")

    @property
    def event_id(self) -> str:
        return calendar_event_id(self.idempotency_key)


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    """`already_existed` is True when an earlier create with the same key had made it.

    `status` is the provider's ("confirmed", "tentative"; "cancelled" when the event with
    this key was deleted since: the caller decides, nothing is re-created silently).
    """

    event_id: str
    status: str
    html_link: str | None = None
    already_existed: bool = False


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One mail to send or draft. Addresses may carry display names ("Søren <s@x.dk>").

    `in_reply_to` and `references` are RFC 5322 message ids ("<...@...>") of the thread;
    `thread_id` is the provider's thread; `automatic` marks an auto-reply (Auto-Submitted).
    The idempotency key makes a resend recognisable and a retried send a no-op.
    """

    to: tuple[str, ...]
    subject: str
    body: str
    idempotency_key: str
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    thread_id: str | None = None
    automatic: bool = False

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("a mail needs at least one recipient")
        if not self.idempotency_key:
            raise ValueError("idempotency_key is required")
        _require_single_line("subject", self.subject)
        for value in (*self.to, *self.cc, *self.references, self.in_reply_to or ""):
            _require_single_line("address or message id", value)


@dataclass(frozen=True, slots=True)
class SentMail:
    """Provider ids of a sent mail; `header_message_id` is its Message-ID header when known
    (what a customer's reply will carry in In-Reply-To)."""

    message_id: str
    thread_id: str
    header_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class FetchedMail:
    """One received message: its RFC 822 bytes and the provider's ids (Gmail id, threadId)."""

    raw: bytes
    provider_id: str
    thread_id: str | None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Messages added since a history id (all pages), and the id to continue from."""

    message_ids: tuple[str, ...]
    history_id: str


class CalendarPort(Protocol):
    async def free_busy(self, start: datetime, end: datetime) -> list[BusyInterval]:
        """Busy intervals overlapping [start, end), as aware datetimes."""
        ...

    async def create_event(self, event: CalendarEventRequest) -> CreatedEvent:
        """Create the event, or return the one an earlier call with the same key made."""
        ...


class MailboxPort(Protocol):
    """A mailbox: send and draft mail, and follow what arrives by history id.

    A history id is also a mark for sending safely: note `current_history_id()` before a
    send, and after a crash `find_sent(mark, key)` tells whether the mail went out.
    """

    async def send(self, message: OutgoingMail) -> SentMail:
        """Send the mail; a retry after a lost answer does not send it twice."""
        ...

    async def create_draft(self, message: OutgoingMail) -> str:
        """Store a draft; returns the provider's draft id."""
        ...

    async def send_draft(self, draft_id: str, message: OutgoingMail) -> SentMail:
        """Send a draft made by `create_draft(message)`; as safe to retry as `send`."""
        ...

    async def find_sent(self, mark: str, idempotency_key: str) -> SentMail | None:
        """The mail with this key sent since the mark (a history id), or None.

        Raises HistoryExpiredError when the mark is too old to tell."""
        ...

    async def current_history_id(self) -> str:
        """The mailbox's history id now: where to follow from, or a mark before a send."""
        ...

    async def list_history(self, start_history_id: str) -> HistoryPage:
        """Raises HistoryExpiredError when the id is too old: the caller resyncs fully."""
        ...

    async def list_message_ids(
        self, query: str, page_token: str | None
    ) -> tuple[list[str], str | None]:
        """One page of message ids matching a provider search query, and the next token."""
        ...

    async def fetch_message(self, message_id: str) -> FetchedMail:
        """One message with its provider ids; IntegrationError NOT_FOUND when deleted."""
        ...

    async def fetch_raw(self, message_id: str) -> bytes:
        """The RFC 822 bytes of one message."""
        ...
