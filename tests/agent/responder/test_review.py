"""The review queue on the real database: listing, the send-time re-check, approve (with an
edit) and reject."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.responder import review
from memory.database import Database
from memory.errors import ConflictError, NotFoundError
from memory.models.enums import InboundStatus, OutboundStatus, StaffRole
from memory.repositories.outbox import OutboxRepository
from tools.integrations.ports import ErrorCode, IntegrationError

from .review_world import (
    BODY,
    CUSTOMER,
    NOW,
    TracingMailbox,
    add_lead,
    escalate,
    inbound_status,
    outbound,
    seed_draft,
    sent_quote,
    set_status,
)

STAFF, OWNER = StaffRole.STAFF, StaffRole.OWNER


async def test_the_queue_lists_drafts_oldest_first_with_their_reasons(db: Database) -> None:
    newer = await seed_draft(db, to="ny@example.dk", created_at=NOW - timedelta(minutes=5))
    older = await seed_draft(db, reasons=("recent_quote_warning", "unknown_source"))
    sent = await seed_draft(db, to="sendt@example.dk", approved=True)
    await escalate(db, "NY@example.dk")

    async with db.transaction() as s:
        items = await review.list_pending(s)

    assert [i.id for i in items] == [older.outbound_id, newer.outbound_id]
    assert sent.outbound_id not in {i.id for i in items}
    first = items[0]
    assert first.reasons == ("recent_quote_warning", "unknown_source")
    assert (first.to, first.subject, first.body) == (CUSTOMER, "Re: Flytterengøring", BODY)
    assert first.inbound is not None
    assert first.inbound.from_address == CUSTOMER
    assert (first.inbound.intent, first.inbound.status) == ("new_lead", InboundStatus.DRAFTED)
    assert [i.escalated for i in items] == [False, True]


async def test_get_by_prefix_shows_what_would_block_an_approval(db: Database) -> None:
    seeded = await seed_draft(db)
    await escalate(db)
    async with db.transaction() as s:
        item = await review.get(s, str(seeded.outbound_id)[:8], now=NOW, role=STAFF)
        as_owner = await review.get(s, str(seeded.outbound_id), now=NOW, role=OWNER)
        with pytest.raises(NotFoundError):
            await review.get(s, "0000000000")
    assert item.id == seeded.outbound_id and item.escalated
    assert item.blockers == (review.ESCALATED_SINCE_DRAFT,)
    assert as_owner.blockers == ()


async def test_approve_with_an_edit_sends_the_edited_text(db: Database) -> None:
    seeded = await seed_draft(db)
    mailbox = TracingMailbox()
    edited = BODY.replace("Hej Mette", "Kære Mette")

    outcome = await review.approve(
        db, mailbox, str(seeded.outbound_id)[:8], by=None, role=STAFF, body=edited, now=NOW
    )

    assert outcome.status is OutboundStatus.SENT and outcome.delivery_error is None
    [mail] = mailbox.sent
    assert mail.body == edited and mail.subject == "Re: Flytterengøring"
    row = await outbound(db, seeded.outbound_id)
    assert row.body == edited and row.approved_at == NOW
    assert row.review_notes[-1]["action"] == "edited"
    assert row.review_notes[-1]["fields"] == ["body"]
    assert await inbound_status(db, seeded.inbound_id) == (InboundStatus.REPLIED, None)


async def test_approve_without_an_edit_records_the_approver(db: Database) -> None:
    seeded = await seed_draft(db)
    outcome = await review.approve(db, None, str(seeded.outbound_id), by=None, role=STAFF, now=NOW)
    assert outcome.status is OutboundStatus.SENT
    row = await outbound(db, seeded.outbound_id)
    assert row.review_notes == [] and row.body == BODY and row.status is OutboundStatus.SENT


async def test_an_escalation_after_the_draft_stops_staff_but_not_the_owner(db: Database) -> None:
    seeded = await seed_draft(db)
    await escalate(db)
    mailbox = TracingMailbox()
    ref = str(seeded.outbound_id)

    with pytest.raises(review.ReviewForbiddenError) as refused:
        await review.approve(db, mailbox, ref, by=None, role=STAFF, body="Hej igen", now=NOW)
    assert refused.value.reasons == [review.ESCALATED_SINCE_DRAFT]
    assert mailbox.sent == []
    row = await outbound(db, seeded.outbound_id)
    assert (row.status, row.body, row.review_notes) == (OutboundStatus.DRAFT, BODY, [])

    # The escalation is the owner's case: the owner may still answer.
    outcome = await review.approve(db, mailbox, ref, by=None, role=OWNER, now=NOW)
    assert outcome.status is OutboundStatus.SENT and len(mailbox.sent) == 1


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        (BODY + "\nSe mere på https://evil.example/tilbud", {"link_not_allowed"}),
        (BODY + "\nSkriv evt. til anna.berg@example.dk", {"other_customer_data"}),
    ],
)
async def test_an_edit_that_breaks_the_outgoing_rules_is_blocked(
    db: Database, body: str, codes: set[str]
) -> None:
    await add_lead(db, name="Anna Berg", email="anna.berg@example.dk")
    seeded = await seed_draft(db)
    mailbox = TracingMailbox()

    with pytest.raises(review.ReviewBlockedError) as blocked:
        await review.approve(
            db, mailbox, str(seeded.outbound_id), by=None, role=OWNER, body=body, now=NOW
        )

    assert codes <= set(blocked.value.reasons)
    assert not isinstance(blocked.value, review.ReviewForbiddenError)
    assert mailbox.sent == [] and mailbox.calls == []
    row = await outbound(db, seeded.outbound_id)
    assert (row.status, row.body) == (OutboundStatus.DRAFT, BODY)


async def test_an_edited_subject_is_checked_and_stored(db: Database) -> None:
    seeded = await seed_draft(db)
    ref = str(seeded.outbound_id)
    with pytest.raises(review.ReviewBlockedError):
        await review.approve(
            db, None, ref, by=None, role=STAFF, subject="Se https://evil.example", now=NOW
        )
    with pytest.raises(review.ReviewInputError):
        await review.approve(db, None, ref, by=None, role=STAFF, subject="a\nBcc: x", now=NOW)
    await review.approve(db, None, ref, by=None, role=STAFF, subject="Din flytning", now=NOW)
    row = await outbound(db, seeded.outbound_id)
    assert row.subject == "Din flytning"
    assert row.review_notes[-1]["fields"] == ["subject"]


async def test_a_quote_sent_within_seven_days_blocks_but_the_drafts_own_does_not(
    db: Database,
) -> None:
    lead_id = await add_lead(db, name="Mette Hansen", email=CUSTOMER)
    quote_id = await sent_quote(db, lead_id, sent_at=NOW - timedelta(days=2))
    other = await seed_draft(db, lead_id=lead_id)
    own = await seed_draft(db, lead_id=lead_id, quote_id=quote_id)

    async with db.transaction() as s:
        assert (await review.get(s, str(other.outbound_id), now=NOW)).blockers == (
            review.DUPLICATE_QUOTE_7D,
        )
        own_item = await review.get(s, str(own.outbound_id), now=NOW)
        assert review.DUPLICATE_QUOTE_7D not in own_item.blockers
        day_6, day_8 = NOW + timedelta(days=4), NOW + timedelta(days=6)  # 2 days after it
        assert (await review.get(s, str(other.outbound_id), now=day_6)).blockers
        assert not (await review.get(s, str(other.outbound_id), now=day_8)).blockers

    with pytest.raises(review.ReviewBlockedError):
        await review.approve(db, None, str(other.outbound_id), by=None, role=OWNER, now=NOW)


async def test_a_relay_address_is_never_a_recipient(db: Database) -> None:
    seeded = await seed_draft(db, to="noreply@leadmail.no")
    with pytest.raises(review.ReviewBlockedError) as blocked:
        await review.approve(db, None, str(seeded.outbound_id), by=None, role=OWNER, now=NOW)
    assert review.RELAY_RECIPIENT in blocked.value.reasons


async def test_only_a_draft_is_approved(db: Database) -> None:
    seeded = await seed_draft(db)
    ref = str(seeded.outbound_id)
    await review.approve(db, None, ref, by=None, role=STAFF, now=NOW)
    with pytest.raises(ConflictError):
        await review.approve(db, None, ref, by=None, role=STAFF, now=NOW)
    rejected = await seed_draft(db, to="anden@example.dk")
    await set_status(db, rejected.outbound_id, OutboundStatus.REJECTED)
    with pytest.raises(ConflictError):
        await review.approve(db, None, str(rejected.outbound_id), by=None, role=STAFF, now=NOW)


async def test_a_failed_send_stays_approved_and_approving_again_continues(db: Database) -> None:
    seeded = await seed_draft(db)
    mailbox = TracingMailbox()
    mailbox.send_draft_failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "503"))
    ref = str(seeded.outbound_id)

    first = await review.approve(db, mailbox, ref, by=None, role=STAFF, body="Hej Mette", now=NOW)
    assert first.status is OutboundStatus.APPROVED and first.delivery_error == "unavailable"
    async with db.transaction() as s:
        assert seeded.outbound_id not in {i.id for i in await review.list_pending(s)}
    with pytest.raises(ConflictError):  # no edits once approved
        await review.approve(db, mailbox, ref, by=None, role=STAFF, body="Andet", now=NOW)

    again = await review.approve(db, mailbox, ref, by=None, role=STAFF, now=NOW)
    assert again.status is OutboundStatus.SENT
    assert [m.body for m in mailbox.sent] == ["Hej Mette"]


async def test_reject_needs_a_reason_and_leaves_the_inbound_mail_drafted(db: Database) -> None:
    seeded = await seed_draft(db)
    ref = str(seeded.outbound_id)[:8]
    for reason in ("", "   "):
        with pytest.raises(review.ReviewInputError):
            await review.reject(db, ref, by=None, reason=reason, now=NOW)
    assert (await outbound(db, seeded.outbound_id)).status is OutboundStatus.DRAFT

    outcome = await review.reject(db, ref, by=None, reason=" Kunden er ringet op ", now=NOW)

    assert outcome.status is OutboundStatus.REJECTED
    row = await outbound(db, seeded.outbound_id)
    assert row.rejection_reason == "Kunden er ringet op"
    assert row.review_notes[-1]["action"] == "rejected"
    assert await inbound_status(db, seeded.inbound_id) == (
        InboundStatus.DRAFTED,
        review.REVIEW_REJECTED,
    )
    with pytest.raises(ConflictError):
        await review.approve(db, None, ref, by=None, role=OWNER, now=NOW)
    with pytest.raises(ConflictError):
        await review.reject(db, ref, by=None, reason="igen", now=NOW)


async def test_a_draft_without_an_inbound_mail_is_not_a_review_item(db: Database) -> None:
    async with db.transaction() as s:
        row, _ = await OutboxRepository(s).create_draft_once(
            to_address=CUSTOMER,
            subject="Fra chatten",
            body=BODY,
            lead_id=None,
            quote_id=None,
            in_reply_to=None,
            references=None,
            thread_id=None,
            idempotency_key="draft:chat-1",
            session_id=None,
            created_by=None,
        )
        assert await review.list_pending(s) == []
        with pytest.raises(NotFoundError):
            await review.get(s, str(row.id))
