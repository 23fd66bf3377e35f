"""send_outbound: an approved mail goes out exactly once, across retries, crashes and
concurrent callers, on the real database; only the mailbox is a fake."""

from __future__ import annotations

import asyncio

import pytest

from agent.responder.delivery import (
    SEND_STATE_UNKNOWN,
    DeliveryError,
    outgoing_mail,
    send_outbound,
)
from memory.database import Database
from memory.errors import ConflictError
from memory.models import OutboundEmail
from memory.models.enums import InboundStatus, OutboundStatus
from tools.integrations.mime_build import build_message
from tools.integrations.ports import ErrorCode, IntegrationError

from .review_world import (
    GMAIL_THREAD,
    NOW,
    PARENT,
    SENDER,
    TracingMailbox,
    inbound_status,
    outbound,
    seed_draft,
)


async def test_local_outbox_marks_an_approved_mail_sent_once(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)

    first = await send_outbound(db, None, seeded.outbound_id, now=NOW)
    again = await send_outbound(db, None, seeded.outbound_id, now=NOW)

    assert (first.replayed, again.replayed) == (False, True)
    assert first.provider_message_id is None
    row = await outbound(db, seeded.outbound_id)
    assert row.status is OutboundStatus.SENT and row.sent_at == NOW
    assert row.send_mark is None  # no provider: nothing to look for after a crash
    assert await inbound_status(db, seeded.inbound_id) == (InboundStatus.REPLIED, None)


async def test_only_an_approved_mail_is_sent(db: Database) -> None:
    seeded = await seed_draft(db)
    mailbox = TracingMailbox()
    for box in (None, mailbox):
        with pytest.raises(ConflictError):
            await send_outbound(db, box, seeded.outbound_id, now=NOW)
    assert mailbox.calls == [] and mailbox.sent == []
    assert (await outbound(db, seeded.outbound_id)).status is OutboundStatus.DRAFT


async def test_gmail_send_makes_a_draft_in_the_customers_thread_then_sends_it(
    db: Database,
) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox()

    delivered = await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    assert mailbox.calls == ["create_draft", "send_draft"]
    assert mailbox.drafts == {}  # the draft was sent
    [mail] = mailbox.sent
    assert mail.to == ("mette.hansen@example.dk",)
    assert mail.thread_id == GMAIL_THREAD
    assert mail.idempotency_key == seeded.key
    assert mail.automatic is True
    message = build_message(mail, sender=SENDER, now=NOW)
    assert message["In-Reply-To"] == PARENT
    assert message["References"].split() == [
        "<CAK1-mette@mail.gmail.com>",
        "<CAK2-mette@mail.gmail.com>",
    ]
    assert message["Auto-Submitted"] == "auto-replied"

    assert delivered.replayed is False
    row = await outbound(db, seeded.outbound_id)
    assert row.status is OutboundStatus.SENT
    assert row.provider_message_id == delivered.provider_message_id == "sent-1"
    assert row.provider_draft_id == "draft-1"
    assert row.send_mark is not None and row.send_started_at == NOW
    assert await inbound_status(db, seeded.inbound_id) == (InboundStatus.REPLIED, None)

    replay = await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)
    assert replay.replayed is True and replay.provider_message_id == "sent-1"
    assert len(mailbox.sent) == 1


async def test_a_new_mail_to_a_relayed_customer_is_not_filed_in_the_relay_thread(
    db: Database,
) -> None:
    seeded = await seed_draft(db, approved=True, threaded=False)
    mailbox = TracingMailbox()
    await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)
    [mail] = mailbox.sent
    assert (mail.thread_id, mail.in_reply_to, mail.references) == (None, None, ())


async def test_a_reviewed_reply_is_sent_without_auto_submitted(db: Database) -> None:
    seeded = await seed_draft(db, approved=True, automatic=False)
    mailbox = TracingMailbox()
    await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)
    assert build_message(mailbox.sent[0], sender=SENDER, now=NOW)["Auto-Submitted"] is None


async def test_two_concurrent_sends_send_once(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox(pause=0.2)  # the first send is still open when the second comes

    results = await asyncio.gather(
        send_outbound(db, mailbox, seeded.outbound_id, now=NOW),
        send_outbound(db, mailbox, seeded.outbound_id, now=NOW),
    )

    assert len(mailbox.sent) == 1
    assert mailbox.calls.count("send_draft") == 1
    assert sorted(r.replayed for r in results) == [False, True]
    assert {r.provider_message_id for r in results} == {"sent-1"}
    assert (await outbound(db, seeded.outbound_id)).status is OutboundStatus.SENT


async def test_a_crash_after_the_send_is_found_and_not_sent_again(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox()
    # An earlier attempt noted the mark, sent the mail, and died before recording it.
    mark = await mailbox.current_history_id()
    async with db.transaction() as s:
        row = await s.get(OutboundEmail, seeded.outbound_id)
        assert row is not None
        row.send_mark, row.send_started_at = mark, NOW
        mail = outgoing_mail(row, thread_id=GMAIL_THREAD)
    await mailbox.send(mail)
    mailbox.calls.clear()

    delivered = await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    assert mailbox.calls == ["find_sent"]  # no draft, no second send
    assert len(mailbox.sent) == 1
    assert delivered.replayed is True and delivered.provider_message_id == "sent-1"
    row = await outbound(db, seeded.outbound_id)
    assert row.status is OutboundStatus.SENT and row.provider_message_id == "sent-1"


async def test_a_started_send_that_did_not_go_out_is_sent_on_retry(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox()
    mailbox.send_draft_failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "503 backend"))

    with pytest.raises(DeliveryError) as failed:
        await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    assert failed.value.code == ErrorCode.UNAVAILABLE
    row = await outbound(db, seeded.outbound_id)
    assert row.status is OutboundStatus.APPROVED  # a later call continues
    assert row.provider_draft_id == "draft-1" and row.send_mark is not None
    assert await inbound_status(db, seeded.inbound_id) == (InboundStatus.DRAFTED, None)

    mailbox.calls.clear()
    delivered = await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    # It looked in SENT first, then reused the stored draft instead of making another.
    assert mailbox.calls == ["find_sent", "send_draft"]
    assert len(mailbox.sent) == 1 and delivered.replayed is False
    assert (await outbound(db, seeded.outbound_id)).status is OutboundStatus.SENT


async def test_a_failure_before_the_mark_changes_nothing(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)

    class Down(TracingMailbox):
        async def current_history_id(self) -> str:
            raise IntegrationError(ErrorCode.AUTH, "token revoked")

    with pytest.raises(DeliveryError) as failed:
        await send_outbound(db, Down(), seeded.outbound_id, now=NOW)
    assert failed.value.code == ErrorCode.AUTH
    row = await outbound(db, seeded.outbound_id)
    assert (row.status, row.send_mark) == (OutboundStatus.APPROVED, None)


async def test_a_deleted_provider_draft_is_made_again(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox()
    mailbox.send_draft_failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "timeout"))
    with pytest.raises(DeliveryError):
        await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)
    mailbox.delete_draft("draft-1")

    await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    assert len(mailbox.sent) == 1
    assert (await outbound(db, seeded.outbound_id)).provider_draft_id == "draft-2"


async def test_an_expired_mark_sends_nothing_and_says_so(db: Database) -> None:
    seeded = await seed_draft(db, approved=True)
    mailbox = TracingMailbox()
    mailbox.send_draft_failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "timeout"))
    with pytest.raises(DeliveryError):
        await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)
    mailbox.deliver(b"Subject: x\r\n\r\ny")
    mailbox.expire_history()  # a week later Gmail no longer knows the mark

    with pytest.raises(DeliveryError) as failed:
        await send_outbound(db, mailbox, seeded.outbound_id, now=NOW)

    assert failed.value.code == SEND_STATE_UNKNOWN
    assert mailbox.sent == []
    assert (await outbound(db, seeded.outbound_id)).status is OutboundStatus.APPROVED


async def test_an_escalated_inbound_mail_keeps_its_status(db: Database) -> None:
    seeded = await seed_draft(db, approved=True, inbound_status=InboundStatus.ESCALATED)
    await send_outbound(db, None, seeded.outbound_id, now=NOW)
    status, _ = await inbound_status(db, seeded.inbound_id)
    assert status is InboundStatus.ESCALATED
