"""Gmail drafts in the customer's thread, sending them safely, and reading mail with its
thread: GmailMailbox against the shipped discovery document and recorded responses."""

from __future__ import annotations

import base64

import pytest

from tests.tools.integrations import (
    NOT_FOUND,
    SERVER_ERROR,
    SleepRecorder,
    ok,
    recorded,
    sent,
)
from tests.tools.integrations.test_gmail import (
    GMAIL_MESSAGE_ID,
    PROFILE,
    decoded,
    history_page,
    mailbox,
    metadata_response,
    reply,
)
from tools.integrations.local import RecordingMailbox
from tools.integrations.mime_build import header_message_id, mail_ref
from tools.integrations.ports import (
    ErrorCode,
    FetchedMail,
    HistoryExpiredError,
    IntegrationError,
    MailboxPort,
    OutgoingMail,
)

DRAFT_ID = "r-5092163840251139125"
THREAD = "18e5c2f0a1b2c3d4"
SENDER = "Rendetalje <info@rendetalje.dk>"
DRAFT = ok(
    {
        "id": DRAFT_ID,
        "message": {"id": "18e5c3b1", "threadId": THREAD, "labelIds": ["DRAFT"]},
    }
)
# drafts.send answers with the sent Message resource.
DRAFT_SENT = ok({"id": "18e5c3b1", "threadId": THREAD, "labelIds": ["SENT"]})


def customer_reply() -> OutgoingMail:
    """A manual (approved) reply to a customer's second mail in the thread."""
    return OutgoingMail(
        to=("kunde@example.dk",),
        subject="Re: Rengøring af villa",
        body="Hej Mette\n\nTirsdag passer fint.\n\nRendetalje",
        idempotency_key="outbox:42",
        in_reply_to="<CAK2@mail.gmail.com>",
        references=("<CAK1@mail.gmail.com>", "<renos.aaa@rendetalje.dk>"),
        thread_id=THREAD,
    )


async def test_a_draft_goes_into_the_customers_thread_with_threading_headers() -> None:
    http = recorded(PROFILE, DRAFT)
    port: MailboxPort = mailbox(http)
    assert await port.create_draft(reply()) == DRAFT_ID

    profile, create = sent(http)  # no configured sender: the mailbox's address is the From
    assert profile.path == "/gmail/v1/users/me/profile"
    assert (create.method, create.path) == ("POST", "/gmail/v1/users/me/drafts")
    body = create.json()["message"]
    assert body["threadId"] == THREAD
    message = decoded(body["raw"])
    assert message["From"] == "info@rendetalje.dk"
    assert message["To"] == "Søren Ærø <soren@example.dk>"
    assert message["Subject"] == "Re: Tilbud på flytterengøring – æøå"
    assert message["In-Reply-To"] == "<lead-1@leadpoint.dk>"
    assert message["References"] == "<lead-0@leadpoint.dk> <lead-1@leadpoint.dk>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["X-RenOS-Ref"] == mail_ref("outbox:7")
    assert message["Message-ID"] == header_message_id("outbox:7", "info@rendetalje.dk")


async def test_a_reviewed_reply_is_not_marked_automatic() -> None:
    http = recorded(DRAFT)
    await mailbox(http, sender=SENDER).create_draft(customer_reply())
    [create] = sent(http)
    message = decoded(create.json()["message"]["raw"])
    assert message["To"] == "kunde@example.dk"
    assert message["From"] == SENDER
    assert message["In-Reply-To"] == "<CAK2@mail.gmail.com>"
    # Long enough to be folded after "References:" (valid; the parser keeps the space).
    assert message["References"].split() == [
        "<CAK1@mail.gmail.com>",
        "<renos.aaa@rendetalje.dk>",
        "<CAK2@mail.gmail.com>",
    ]
    assert message["Auto-Submitted"] is None
    assert create.json()["message"]["threadId"] == THREAD


async def test_send_draft_posts_the_draft_id_and_reads_back_the_message_id() -> None:
    http = recorded(PROFILE, DRAFT_SENT, metadata_response(key="outbox:7", message_id="18e5c3b1"))
    port: MailboxPort = mailbox(http)
    result = await port.send_draft(DRAFT_ID, reply())

    profile, send, metadata = sent(http)
    assert profile.path == "/gmail/v1/users/me/profile"  # the mark, noted before sending
    assert (send.method, send.path) == ("POST", "/gmail/v1/users/me/drafts/send")
    assert send.json() == {"id": DRAFT_ID}
    assert metadata.path == "/gmail/v1/users/me/messages/18e5c3b1"
    assert metadata.query["format"] == ["metadata"]
    assert (result.message_id, result.thread_id) == ("18e5c3b1", THREAD)
    assert result.header_message_id == GMAIL_MESSAGE_ID


async def test_a_draft_send_whose_answer_was_lost_is_not_sent_again() -> None:
    # drafts.send fails with 500 although Gmail sent the draft; before trying again the
    # adapter finds the mail by its X-RenOS-Ref among SENT messages since the mark (4412).
    http = recorded(
        PROFILE,
        SERVER_ERROR,
        history_page([("18e5c3b1", ["SENT"])], "4414"),
        metadata_response(key="outbox:7", message_id="18e5c3b1"),
    )
    sleeper = SleepRecorder()
    result = await mailbox(http, sleeper).send_draft(DRAFT_ID, reply())

    requests = sent(http)
    assert [r.path for r in requests].count("/gmail/v1/users/me/drafts/send") == 1
    history = requests[2]
    assert history.path == "/gmail/v1/users/me/history"
    assert history.query["startHistoryId"] == ["4412"]
    assert history.query["labelId"] == ["SENT"]
    assert len(requests) == 4  # found with its Message-ID: no further look-up
    assert result.message_id == "18e5c3b1"
    assert result.header_message_id == GMAIL_MESSAGE_ID
    assert sleeper.waits == [1.0]


async def test_a_draft_send_that_did_not_go_out_is_tried_again() -> None:
    http = recorded(
        PROFILE,
        SERVER_ERROR,
        history_page([], "4412"),  # nothing was sent
        DRAFT_SENT,
        metadata_response(key="outbox:7", message_id="18e5c3b1"),
    )
    result = await mailbox(http).send_draft(DRAFT_ID, reply())
    sends = [r for r in sent(http) if r.path.endswith("/drafts/send")]
    assert [s.json() for s in sends] == [{"id": DRAFT_ID}, {"id": DRAFT_ID}]
    assert result.message_id == "18e5c3b1"


async def test_a_draft_sent_but_not_found_in_sent_is_still_not_sent_twice() -> None:
    # Gmail deletes a draft when it sends it, so if the look in SENT misses the mail (a
    # reviewer's edit in the Gmail UI may drop X-RenOS-Ref), the retry meets a 404: the
    # caller learns the draft is gone instead of a second mail going out.
    http = recorded(
        PROFILE,
        SERVER_ERROR,
        history_page([("18e5c3b1", ["SENT"])], "4414"),
        metadata_response(key="edited-in-the-ui", message_id="18e5c3b1"),
        NOT_FOUND,
    )
    with pytest.raises(IntegrationError) as caught:
        await mailbox(http).send_draft(DRAFT_ID, reply())
    assert caught.value.code is ErrorCode.NOT_FOUND
    sends = [r for r in sent(http) if r.path.endswith("/drafts/send")]
    assert len(sends) == 2


async def test_sending_a_draft_that_is_gone_is_not_found_and_not_retried() -> None:
    http = recorded(PROFILE, NOT_FOUND)
    with pytest.raises(IntegrationError) as caught:
        await mailbox(http).send_draft("r-gone", reply())
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert len(sent(http)) == 2


async def test_find_sent_looks_in_sent_since_the_mark_for_the_keys_ref() -> None:
    other = metadata_response(key="outbox:6", message_id="18e5c3a000000001")
    ours = metadata_response(key="outbox:7", message_id="18e5c3b1")
    http = recorded(
        history_page([("18e5c3a000000001", ["SENT"]), ("18e5c3b1", ["SENT"])], "4420"),
        other,
        ours,
        history_page([("18e5c3a000000001", ["SENT"])], "4420"),
        other,
    )
    port: MailboxPort = mailbox(http)
    found = await port.find_sent("4412", "outbox:7")
    assert found is not None
    assert (found.message_id, found.thread_id) == ("18e5c3b1", THREAD)
    assert found.header_message_id == GMAIL_MESSAGE_ID
    assert await port.find_sent("4412", "outbox:7") is None  # not (yet) among SENT

    history = sent(http)[0]
    assert history.query["startHistoryId"] == ["4412"]
    assert history.query["labelId"] == ["SENT"]
    assert history.query["historyTypes"] == ["messageAdded"]


async def test_find_sent_with_an_expired_mark_says_so() -> None:
    with pytest.raises(HistoryExpiredError) as caught:
        await mailbox(recorded(NOT_FOUND)).find_sent("17", "outbox:7")
    assert caught.value.start_history_id == "17"


async def test_fetch_message_returns_the_raw_mail_with_its_gmail_ids() -> None:
    rfc822 = (
        "Message-ID: <CAK2@mail.gmail.com>\r\nFrom: kunde@example.dk\r\n"
        "Subject: Re: Rengøring af villa\r\n\r\nPasser tirsdag?\r\n"
    ).encode()
    raw = base64.urlsafe_b64encode(rfc822).decode("ascii").rstrip("=")
    response = {"id": "18e5d001", "threadId": THREAD, "labelIds": ["INBOX"], "raw": raw}
    http = recorded(ok(response), ok(response))
    box = mailbox(http)
    assert await box.fetch_message("18e5d001") == FetchedMail(rfc822, "18e5d001", THREAD)
    assert await box.fetch_raw("18e5d001") == rfc822
    first, second = sent(http)
    assert first.path == "/gmail/v1/users/me/messages/18e5d001"
    assert first.query["format"] == ["raw"]
    assert second.query["format"] == ["raw"]


async def test_fetch_message_of_a_deleted_message_is_not_found() -> None:
    with pytest.raises(IntegrationError) as caught:
        await mailbox(recorded(NOT_FOUND)).fetch_message("gone")
    assert caught.value.code is ErrorCode.NOT_FOUND


# -- the offline mailbox keeps the same promises --------------------------------------------


async def test_the_recording_mailbox_sends_a_draft_once_and_finds_it_after_the_mark() -> None:
    box = RecordingMailbox(sender=SENDER)
    port: MailboxPort = box
    draft_id = await port.create_draft(customer_reply())
    other = await port.create_draft(reply())
    assert list(box.drafts) == [draft_id, other]

    mark = await port.current_history_id()
    assert await port.find_sent(mark, "outbox:42") is None
    first = await port.send_draft(draft_id, customer_reply())
    assert await port.send_draft(draft_id, customer_reply()) == first  # a retry: no resend
    assert box.sent == [customer_reply()]
    assert list(box.drafts) == [other]
    assert first.thread_id == THREAD
    assert first.header_message_id == header_message_id("outbox:42", SENDER)

    assert await port.find_sent(mark, "outbox:42") == first
    assert await port.find_sent(await port.current_history_id(), "outbox:42") is None
    assert await port.find_sent(mark, "outbox:7") is None
    box.expire_history()
    with pytest.raises(HistoryExpiredError):
        await port.find_sent(mark, "outbox:42")


async def test_the_recording_mailbox_refuses_unknown_or_mismatched_drafts() -> None:
    box = RecordingMailbox()
    with pytest.raises(IntegrationError) as caught:
        await box.send_draft("draft-9", reply())
    assert caught.value.code is ErrorCode.NOT_FOUND
    draft_id = await box.create_draft(reply())
    with pytest.raises(ValueError, match="another mail"):
        await box.send_draft(draft_id, customer_reply())
    box.failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "down"))
    with pytest.raises(IntegrationError):
        await box.send_draft(draft_id, reply())
    assert box.sent == [] and list(box.drafts) == [draft_id]
    await box.send_draft(draft_id, reply())
    assert box.sent == [reply()] and box.drafts == {}


async def test_the_recording_mailbox_fetches_with_thread_and_forgets_deleted_mail() -> None:
    box = RecordingMailbox()
    one = box.deliver(b"Subject: 1\r\n\r\nfirst\r\n", thread_id=THREAD)
    two = box.deliver(b"Subject: 2\r\n\r\nsecond\r\n")
    assert await box.fetch_message(one) == FetchedMail(b"Subject: 1\r\n\r\nfirst\r\n", one, THREAD)
    assert (await box.fetch_message(two)).thread_id == f"thread-{two}"
    box.delete(one)
    with pytest.raises(IntegrationError) as caught:
        await box.fetch_message(one)
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert box.deliver(b"Subject: 3\r\n\r\n") not in (one, two)
