"""GmailMailbox against the shipped gmail v1 discovery document and recorded responses."""

from __future__ import annotations

import base64
import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.tools.integrations import (
    NOT_FOUND,
    RATE_LIMITED,
    SERVER_ERROR,
    UNAUTHENTICATED,
    UNAVAILABLE,
    Response,
    SleepRecorder,
    fast_retry,
    ok,
    recorded,
    sent,
)
from tools.integrations.gmail import GmailMailbox
from tools.integrations.mime_build import mail_ref
from tools.integrations.ports import (
    ErrorCode,
    HistoryExpiredError,
    IntegrationError,
    MailboxPort,
    OutgoingMail,
)

NOW = datetime(2026, 3, 24, 9, 30, tzinfo=UTC)
PROFILE = ok(
    {
        "emailAddress": "info@rendetalje.dk",
        "messagesTotal": 1523,
        "threadsTotal": 980,
        "historyId": "4412",
    }
)
GMAIL_MESSAGE_ID = "<CAHk2x9Q1fJ+7u@mail.gmail.com>"  # what Gmail may put instead of ours


def reply(key: str = "outbox:7") -> OutgoingMail:
    return OutgoingMail(
        to=("Søren Ærø <soren@example.dk>",),
        subject="Re: Tilbud på flytterengøring – æøå",
        body="Hej Søren\n\nTak for din henvendelse. Vi kan komme tirsdag kl. 9.00.\n\nRendetalje",
        idempotency_key=key,
        in_reply_to="<lead-1@leadpoint.dk>",
        references=("<lead-0@leadpoint.dk>",),
        thread_id="18e5c2f0a1b2c3d4",
        automatic=True,
    )


def sent_response(message_id: str = "18e5c3a7f9e8d7c6") -> Response:
    return ok({"id": message_id, "threadId": "18e5c2f0a1b2c3d4", "labelIds": ["SENT"]})


def metadata_response(key: str = "outbox:7", message_id: str = "18e5c3a7f9e8d7c6") -> Response:
    headers = [
        {"name": "Message-ID", "value": GMAIL_MESSAGE_ID},
        {"name": "X-RenOS-Ref", "value": mail_ref(key)},
    ]
    return ok(
        {
            "id": message_id,
            "threadId": "18e5c2f0a1b2c3d4",
            "labelIds": ["SENT"],
            "snippet": "Hej Søren Tak for din henvendelse.",
            "payload": {"mimeType": "text/plain", "headers": headers},
            "sizeEstimate": 1432,
            "historyId": "4413",
            "internalDate": "1774344600000",
        }
    )


def history_page(added: list[tuple[str, list[str]]], history_id: str, token: str = "") -> Response:
    records = [
        {
            "id": str(4400 + n),
            "messages": [{"id": mid, "threadId": "t" + mid}],
            "messagesAdded": [{"message": {"id": mid, "threadId": "t" + mid, "labelIds": labels}}],
        }
        for n, (mid, labels) in enumerate(added)
    ]
    body: dict[str, Any] = {"historyId": history_id}
    if records:
        body["history"] = records
    if token:
        body["nextPageToken"] = token
    return ok(body)


def mailbox(http: Any, sleeper: SleepRecorder | None = None, **kwargs: Any) -> GmailMailbox:
    retry = fast_retry(sleeper or SleepRecorder())
    return GmailMailbox(http, retry=retry, clock=lambda: NOW, **kwargs)


def decoded(raw: str) -> EmailMessage:
    message = email.message_from_bytes(base64.urlsafe_b64decode(raw), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def test_send_posts_the_raw_reply_into_the_customers_thread() -> None:
    http = recorded(PROFILE, sent_response(), metadata_response())
    port: MailboxPort = mailbox(http)
    result = await port.send(reply())

    profile, send, metadata = sent(http)
    assert (profile.method, profile.path) == ("GET", "/gmail/v1/users/me/profile")
    assert (send.method, send.path) == ("POST", "/gmail/v1/users/me/messages/send")
    body = send.json()
    assert body["threadId"] == "18e5c2f0a1b2c3d4"
    message = decoded(body["raw"])
    assert message["Subject"] == "Re: Tilbud på flytterengøring – æøå"
    assert message["From"] == "info@rendetalje.dk"
    assert message["To"] == "Søren Ærø <soren@example.dk>"
    assert message["In-Reply-To"] == "<lead-1@leadpoint.dk>"
    assert message["References"] == "<lead-0@leadpoint.dk> <lead-1@leadpoint.dk>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"].endswith("@rendetalje.dk>")
    text = message.get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert text == reply().body + "\n"

    assert metadata.path == "/gmail/v1/users/me/messages/18e5c3a7f9e8d7c6"
    assert metadata.query["format"] == ["metadata"]
    assert sorted(metadata.query["metadataHeaders"]) == ["Message-ID", "X-RenOS-Ref"]
    assert result.message_id == "18e5c3a7f9e8d7c6"
    assert result.thread_id == "18e5c2f0a1b2c3d4"
    assert result.header_message_id == GMAIL_MESSAGE_ID  # what a reply will refer to


async def test_a_configured_sender_and_mailbox_user_are_used() -> None:
    http = recorded(PROFILE, sent_response(), metadata_response())
    box = mailbox(http, user_id="info@rendetalje.dk", sender="Rendetalje <info@rendetalje.dk>")
    await box.send(reply())
    requests = sent(http)
    assert requests[1].path == "/gmail/v1/users/info%40rendetalje.dk/messages/send"
    assert decoded(requests[1].json()["raw"])["From"] == "Rendetalje <info@rendetalje.dk>"


async def test_a_send_whose_answer_was_lost_is_not_sent_again() -> None:
    # Attempt 1 fails with 500 although Gmail sent the mail; before attempt 2 the adapter
    # finds it among the SENT messages added since the profile's history id.
    http = recorded(
        PROFILE,
        SERVER_ERROR,
        history_page([("18e5c3a7f9e8d7c6", ["SENT"])], "4414"),
        metadata_response(),
    )
    result = await mailbox(http).send(reply())

    requests = sent(http)
    assert [r.path for r in requests].count("/gmail/v1/users/me/messages/send") == 1
    history = requests[2]
    assert history.path == "/gmail/v1/users/me/history"
    assert history.query["startHistoryId"] == ["4412"]
    assert history.query["labelId"] == ["SENT"]
    assert result.message_id == "18e5c3a7f9e8d7c6"
    assert result.header_message_id == GMAIL_MESSAGE_ID


async def test_a_send_that_did_not_go_out_is_retried() -> None:
    other = metadata_response(key="outbox:6", message_id="18e5c3a000000001")
    http = recorded(
        PROFILE,
        UNAVAILABLE,
        history_page([("18e5c3a000000001", ["SENT"])], "4413"),  # another mail, not ours
        other,
        sent_response(),
        metadata_response(),
    )
    sleeper = SleepRecorder()
    result = await mailbox(http, sleeper).send(reply())

    sends = [r for r in sent(http) if r.path.endswith("/messages/send")]
    assert len(sends) == 2
    assert sends[0].json() == sends[1].json()  # the same message, same Message-ID
    assert result.message_id == "18e5c3a7f9e8d7c6"
    assert sleeper.waits == [1.0]


async def test_sending_gives_up_as_unavailable() -> None:
    empty = history_page([], "4412")
    http = recorded(PROFILE, SERVER_ERROR, empty, SERVER_ERROR, empty, SERVER_ERROR)
    with pytest.raises(IntegrationError) as caught:
        await mailbox(http).send(reply())
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert [r.path for r in sent(http)].count("/gmail/v1/users/me/messages/send") == 3


async def test_bad_credentials_are_an_auth_error_and_not_retried() -> None:
    http = recorded(PROFILE, UNAUTHENTICATED)
    with pytest.raises(IntegrationError) as caught:
        await mailbox(http).send(reply())
    assert caught.value.code is ErrorCode.AUTH
    assert caught.value.status == 401
    assert len(sent(http)) == 2


async def test_a_lost_message_id_lookup_does_not_fail_a_sent_mail() -> None:
    http = recorded(PROFILE, sent_response(), NOT_FOUND)
    result = await mailbox(http).send(reply())
    assert result.message_id == "18e5c3a7f9e8d7c6"
    assert result.header_message_id is None


async def test_create_draft_posts_the_message_and_returns_the_draft_id() -> None:
    draft = {
        "id": "r-5092163840251139125",
        "message": {"id": "18e5c3b1", "threadId": "18e5c2f0a1b2c3d4", "labelIds": ["DRAFT"]},
    }
    http = recorded(ok(draft))
    box = mailbox(http, sender="Rendetalje <info@rendetalje.dk>")
    assert await box.create_draft(reply()) == "r-5092163840251139125"

    [request] = sent(http)  # a configured sender needs no profile
    assert (request.method, request.path) == ("POST", "/gmail/v1/users/me/drafts")
    body = request.json()["message"]
    assert body["threadId"] == "18e5c2f0a1b2c3d4"
    assert decoded(body["raw"])["Subject"] == "Re: Tilbud på flytterengøring – æøå"


async def test_list_history_follows_pages_and_keeps_inbound_mail_only() -> None:
    http = recorded(
        history_page(
            [("m1", ["UNREAD", "INBOX"]), ("d1", ["DRAFT"]), ("s1", ["SENT"])], "5000", "p2"
        ),
        history_page([("m2", ["INBOX", "CATEGORY_PERSONAL"]), ("m1", ["INBOX"])], "5003"),
    )
    page = await mailbox(http).list_history("4412")

    assert page.message_ids == ("m1", "m2")
    assert page.history_id == "5003"
    first, second = sent(http)
    assert first.path == "/gmail/v1/users/me/history"
    assert first.query["startHistoryId"] == ["4412"]
    assert first.query["historyTypes"] == ["messageAdded"]
    assert "pageToken" not in first.query
    assert second.query["pageToken"] == ["p2"]
    assert second.query["startHistoryId"] == ["4412"]


async def test_list_history_with_nothing_new() -> None:
    http = recorded(ok({"historyId": "4412"}))
    page = await mailbox(http).list_history("4412")
    assert (page.message_ids, page.history_id) == ((), "4412")


async def test_an_expired_history_id_asks_for_a_full_resync() -> None:
    http = recorded(NOT_FOUND)
    with pytest.raises(HistoryExpiredError) as caught:
        await mailbox(http).list_history("17")
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert caught.value.start_history_id == "17"
    assert len(sent(http)) == 1


async def test_history_is_retried_when_rate_limited() -> None:
    http = recorded(RATE_LIMITED, history_page([("m1", ["INBOX"])], "4413"))
    sleeper = SleepRecorder()
    page = await mailbox(http, sleeper).list_history("4412")
    assert page.message_ids == ("m1",)
    assert sleeper.waits == [1.0]


async def test_list_message_ids_passes_query_and_page_token() -> None:
    first = {
        "messages": [{"id": "a1", "threadId": "t1"}, {"id": "a2", "threadId": "t1"}],
        "nextPageToken": "0987654321",
        "resultSizeEstimate": 201,
    }
    http = recorded(ok(first), ok({"resultSizeEstimate": 0}))
    box = mailbox(http)
    assert await box.list_message_ids("newer_than:30d in:inbox", None) == (
        ["a1", "a2"],
        "0987654321",
    )
    assert await box.list_message_ids("newer_than:30d in:inbox", "0987654321") == ([], None)

    one, two = sent(http)
    assert one.path == "/gmail/v1/users/me/messages"
    assert one.query["q"] == ["newer_than:30d in:inbox"]
    assert "pageToken" not in one.query
    assert two.query["pageToken"] == ["0987654321"]


async def test_fetch_raw_decodes_gmails_base64url() -> None:
    rfc822 = (
        "Subject: Rengøring\r\nFrom: kunde@example.dk\r\n\r\nHej, kan I gøre rent på lørdag?\r\n"
    )
    payload = rfc822.encode("utf-8")
    raw = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")  # Gmail drops padding
    http = recorded(ok({"id": "m1", "threadId": "t1", "labelIds": ["INBOX"], "raw": raw}))
    assert await mailbox(http).fetch_raw("m1") == payload
    [request] = sent(http)
    assert request.path == "/gmail/v1/users/me/messages/m1"
    assert request.query["format"] == ["raw"]


async def test_fetch_raw_of_a_deleted_message_is_not_found() -> None:
    with pytest.raises(IntegrationError) as caught:
        await mailbox(recorded(NOT_FOUND)).fetch_raw("gone")
    assert caught.value.code is ErrorCode.NOT_FOUND


async def test_current_history_id_comes_from_the_profile() -> None:
    assert await mailbox(recorded(PROFILE)).current_history_id() == "4412"
