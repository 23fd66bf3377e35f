"""Gmail behind MailboxPort: send and draft replies, follow the inbox by history id.

Sending (a message, or a draft made earlier) is made safe to retry: Gmail has no idempotent
send, and a timeout or 5xx may come after the mail went out. Before the first attempt the
adapter notes the mailbox's history id; before any further attempt it looks at the messages
added to SENT since then for this mail's `X-RenOS-Ref` header (see `mime_build`) and returns
that message instead of sending again. `find_sent` offers the same look to a caller that
noted the mark itself and crashed while sending.
The Message-ID of a sent mail is read back afterwards, because Gmail may have replaced ours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tools.integrations.google_api import GoogleApi, Json, RetryPolicy, field_str
from tools.integrations.mime_build import (
    REF_HEADER,
    build_message,
    decode_raw,
    encode_raw,
    mail_ref,
)
from tools.integrations.ports import (
    ErrorCode,
    FetchedMail,
    HistoryExpiredError,
    HistoryPage,
    IntegrationError,
    OutgoingMail,
    SentMail,
)

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _is_inbound(labels: list[str]) -> bool:
    """History also reports our own drafts and sent mail; the inbox follower wants neither
    (a mail we send to ourselves has INBOX too, and counts as inbound)."""
    return "DRAFT" not in labels and ("SENT" not in labels or "INBOX" in labels)


def _headers(message: Json) -> dict[str, str]:
    payload = message.get("payload") or {}
    return {
        str(h.get("name", "")).lower(): str(h.get("value", ""))
        for h in payload.get("headers") or []
    }


class GmailMailbox:
    """MailboxPort on one Gmail mailbox (`user_id` "me": the authorised or delegated user).

    `sender` is the From address (with display name); by default the mailbox's own address.
    """

    def __init__(
        self,
        http: Any,
        *,
        user_id: str = "me",
        sender: str | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
        page_size: int = 100,
    ) -> None:
        self._api = GoogleApi("gmail", "v1", http, retry or RetryPolicy())
        self._users: Any = self._api.service.users()
        self._user = user_id
        self._sender = sender
        self._clock = clock
        self._page_size = page_size

    async def _profile(self) -> tuple[str, str]:
        """The mailbox's address and current history id."""
        operation = "gmail.users.getProfile"
        profile = await self._api.execute(operation, self._users.getProfile(userId=self._user))
        return field_str(profile, "emailAddress", operation), field_str(
            profile, "historyId", operation
        )

    async def current_history_id(self) -> str:
        """Where to start following history after a full resync."""
        return (await self._profile())[1]

    def _message(self, mail: OutgoingMail, address: str) -> Json:
        mime = build_message(mail, sender=self._sender or address, now=self._clock())
        body: Json = {"raw": encode_raw(mime)}
        if mail.thread_id:
            body["threadId"] = mail.thread_id
        return body

    async def email_address(self) -> str:
        """The mailbox's own address (a stable name for its sync state)."""
        return (await self._profile())[0]

    async def send(self, message: OutgoingMail) -> SentMail:
        address, mark = await self._profile()
        body = self._message(message, address)
        return await self._send_at_most_once(
            "gmail.messages.send",
            mark,
            message,
            lambda: self._users.messages().send(userId=self._user, body=body),
        )

    async def send_draft(self, draft_id: str, message: OutgoingMail) -> SentMail:
        """Send the draft as stored; `message` is what it was made from (its key finds it in
        SENT when an answer is lost). Gmail deletes a draft as it sends it, so a retry that
        missed the sent mail (e.g. a reviewer's edit dropped X-RenOS-Ref) fails NOT_FOUND
        rather than sending twice."""
        mark = await self.current_history_id()
        return await self._send_at_most_once(
            "gmail.drafts.send",
            mark,
            message,
            lambda: self._users.drafts().send(userId=self._user, body={"id": draft_id}),
        )

    async def _send_at_most_once(
        self, operation: str, mark: str, message: OutgoingMail, request: Callable[[], Any]
    ) -> SentMail:
        """Run a sending request with retries; a retry first looks in SENT since `mark`."""
        ref = mail_ref(message.idempotency_key)
        attempts = 0

        async def attempt() -> SentMail:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and (earlier := await self._find_sent(mark, ref)) is not None:
                return earlier
            response = await self._api.execute_once(request())
            return SentMail(
                field_str(response, "id", operation), field_str(response, "threadId", operation)
            )

        sent = await self._api.run(operation, attempt)
        if sent.header_message_id is not None:
            return sent
        try:
            header = _headers(await self._metadata(sent.message_id)).get("message-id")
        except IntegrationError as exc:  # the mail is sent; its Message-ID is a nicety
            log.warning("could not read the Message-ID of sent mail %s: %s", sent.message_id, exc)
            header = None
        return SentMail(sent.message_id, sent.thread_id, header)

    async def find_sent(self, mark: str, idempotency_key: str) -> SentMail | None:
        """The mail with this key among SENT messages added since `mark` (a history id)."""
        return await self._find_sent(mark, mail_ref(idempotency_key))

    async def _metadata(self, message_id: str) -> Json:
        request = self._users.messages().get(
            userId=self._user,
            id=message_id,
            format="metadata",
            metadataHeaders=["Message-ID", REF_HEADER],
        )
        return await self._api.execute("gmail.messages.get", request)

    async def _find_sent(self, mark: str, ref: str) -> SentMail | None:
        added, _ = await self._history_since(mark, "SENT", inbound_only=False)
        for message_id in added:
            message = await self._metadata(message_id)
            headers = _headers(message)
            if headers.get(REF_HEADER.lower()) == ref:
                operation = "gmail.messages.get"
                return SentMail(
                    field_str(message, "id", operation),
                    field_str(message, "threadId", operation),
                    headers.get("message-id"),
                )
        return None

    async def create_draft(self, message: OutgoingMail) -> str:
        """A draft in the mailbox. Not deduplicated: a retry after a lost answer can leave
        two drafts of the same mail, which a reviewer sees (a second sent mail they would not)."""
        address = self._sender or (await self._profile())[0]
        body = {"message": self._message(message, address)}
        request = self._users.drafts().create(userId=self._user, body=body)
        response = await self._api.execute("gmail.drafts.create", request)
        return field_str(response, "id", "gmail.drafts.create")

    async def _history(
        self, start_history_id: str, label_id: str | None, *, inbound_only: bool
    ) -> tuple[list[str], str]:
        operation = "gmail.history.list"
        ids: dict[str, None] = {}  # ordered and without repeats
        history_id, page_token = start_history_id, None
        while True:
            request = self._users.history().list(
                userId=self._user,
                startHistoryId=start_history_id,
                historyTypes=["messageAdded"],
                labelId=label_id,
                pageToken=page_token,
                maxResults=self._page_size,
            )
            page = await self._api.execute(operation, request)
            for record in page.get("history") or []:
                for added in record.get("messagesAdded") or []:
                    message = added.get("message") or {}
                    message_id = message.get("id")
                    inbound = _is_inbound(message.get("labelIds") or [])
                    if message_id and (inbound or not inbound_only):
                        ids[str(message_id)] = None
            history_id = str(page.get("historyId") or history_id)
            page_token = page.get("nextPageToken")
            if not page_token:
                return list(ids), history_id

    async def _history_since(
        self, start_history_id: str, label_id: str | None, *, inbound_only: bool
    ) -> tuple[list[str], str]:
        try:
            return await self._history(start_history_id, label_id, inbound_only=inbound_only)
        except IntegrationError as exc:
            if exc.code is ErrorCode.NOT_FOUND:  # Gmail keeps history about a week
                raise HistoryExpiredError(start_history_id) from exc
            raise

    async def list_history(self, start_history_id: str) -> HistoryPage:
        """Inbound messages added since the id (drafts and our own sent mail left out)."""
        ids, history_id = await self._history_since(start_history_id, None, inbound_only=True)
        return HistoryPage(tuple(ids), history_id)

    async def list_message_ids(
        self, query: str, page_token: str | None
    ) -> tuple[list[str], str | None]:
        request = self._users.messages().list(
            userId=self._user, q=query, pageToken=page_token, maxResults=self._page_size
        )
        page = await self._api.execute("gmail.messages.list", request)
        ids = [str(m["id"]) for m in page.get("messages") or [] if m.get("id")]
        token = page.get("nextPageToken")
        return ids, token if isinstance(token, str) and token else None

    async def fetch_message(self, message_id: str) -> FetchedMail:
        operation = "gmail.messages.get"
        request = self._users.messages().get(userId=self._user, id=message_id, format="raw")
        response = await self._api.execute(operation, request)
        try:
            raw = decode_raw(field_str(response, "raw", operation))
        except ValueError as exc:
            raise IntegrationError(ErrorCode.INVALID, f"{operation}: raw is not base64") from exc
        thread_id = response.get("threadId")
        return FetchedMail(
            raw=raw,
            provider_id=str(response.get("id") or message_id),
            thread_id=thread_id if isinstance(thread_id, str) and thread_id else None,
        )

    async def fetch_raw(self, message_id: str) -> bytes:
        return (await self.fetch_message(message_id)).raw
