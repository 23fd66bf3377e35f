"""SqlOutbox drafts: once per idempotency key, and the draft → approved → sent machine."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import SqlOutbox
from memory.database import Database
from memory.errors import ConflictError, NotFoundError
from memory.models import OutboundEmail, StaffUser
from memory.models.enums import OutboundStatus, StaffRole
from tests.agent.adapters import NOW, add_lead
from tools.canonical.ports import NewDraft

REFS = ("<a@kunde.example.dk>", "<b@rendetalje.dk>")


def draft(key: str, *, body: str = "Hej Anna", lead_id: uuid.UUID | None = None) -> NewDraft:
    return NewDraft(
        to="anna@example.dk",
        subject="Re: Tilbud",
        body=body,
        lead_id=lead_id,
        quote_id=None,
        in_reply_to=REFS[-1],
        references=REFS,
        thread_id="thread-1",
        idempotency_key=key,
        session_id=None,
        created_by=None,
    )


def outbox(session: AsyncSession, at: datetime = NOW) -> SqlOutbox:
    return SqlOutbox(session, clock=lambda: at)


async def test_create_draft_once_per_key(db: Database) -> None:
    async with db.transaction() as s:
        lead = await add_lead(s, "Anna", email="anna@example.dk")
        first = await SqlOutbox(s).create_draft(draft("k1", lead_id=lead.id))
    async with db.transaction() as s:
        again = await SqlOutbox(s).create_draft(draft("k1", body="a different text"))
        other = await SqlOutbox(s).create_draft(draft("k2"))
    assert again == first and other.id != first.id
    assert (first.to, first.subject, first.body) == ("anna@example.dk", "Re: Tilbud", "Hej Anna")
    assert (first.status, first.lead_id, first.thread_id) == ("draft", lead.id, "thread-1")
    assert (first.in_reply_to, first.references) == (REFS[-1], REFS)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(OutboundEmail)) == 2
        row = await s.get(OutboundEmail, first.id)
        assert row is not None and row.references == " ".join(REFS)


async def test_find_draft_by_id_or_prefix(db: Database) -> None:
    async with db.transaction() as s:
        made = await SqlOutbox(s).create_draft(draft("k1"))
    async with db.sessions() as s:
        for ref in (str(made.id), str(made.id)[:6], f" {str(made.id)[:10]} "):
            assert await SqlOutbox(s).find_draft(ref) == made
        assert await SqlOutbox(s).find_draft(str(uuid.uuid4())) is None
        assert await SqlOutbox(s).find_draft("draft") is None


async def test_approve_then_send_and_repeats_change_nothing(db: Database) -> None:
    async with db.transaction() as s:
        owner = StaffUser(email="lone@rendetalje.dk", name="Lone", role=StaffRole.OWNER)
        s.add(owner)
        await s.flush()
        made = await outbox(s).create_draft(draft("k1"))
    async with db.transaction() as s:
        approved = await outbox(s).mark_approved(made.id, by=owner.id)
    assert approved.status == "approved"
    async with db.transaction() as s:  # a second approval, later and by nobody, keeps the first
        again = await outbox(s, NOW + timedelta(hours=1)).mark_approved(made.id, by=None)
        sent = await outbox(s).mark_sent(made.id, provider_message_id="<gmail-1@mail>")
    assert again == approved and sent.status == "sent"
    async with db.transaction() as s:
        resent = await outbox(s, NOW + timedelta(hours=2)).mark_sent(
            made.id, provider_message_id="<gmail-2@mail>"
        )
    assert resent == sent
    async with db.sessions() as s:
        row = await s.get(OutboundEmail, made.id)
    assert row is not None
    assert (row.status, row.approved_by, row.approved_at) == (OutboundStatus.SENT, owner.id, NOW)
    assert (row.sent_at, row.provider_message_id) == (NOW, "<gmail-1@mail>")


async def test_the_state_machine_refuses_what_it_must(db: Database) -> None:
    async with db.transaction() as s:
        box = outbox(s)
        fresh = await box.create_draft(draft("fresh"))
        sent = await box.create_draft(draft("sent"))
        rejected = await box.create_draft(draft("rejected"))
        await box.mark_approved(sent.id, by=None)
        await box.mark_sent(sent.id, provider_message_id=None)
        await s.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == rejected.id)
            .values(status=OutboundStatus.REJECTED)
        )
    async with db.transaction() as s:
        box = outbox(s)
        with pytest.raises(ConflictError, match="only an approved one is sent"):
            await box.mark_sent(fresh.id, provider_message_id="x")
        with pytest.raises(ConflictError, match="is sent"):
            await box.mark_approved(sent.id, by=None)
        with pytest.raises(ConflictError, match="is rejected"):
            await box.mark_approved(rejected.id, by=None)
        with pytest.raises(ConflictError, match="is rejected"):
            await box.mark_sent(rejected.id, provider_message_id="x")
        with pytest.raises(NotFoundError):
            await box.mark_approved(uuid.uuid4(), by=None)
        with pytest.raises(NotFoundError):
            await box.mark_sent(uuid.uuid4(), provider_message_id=None)
        # Nothing changed: the refusals left every row as it was.
        assert (await box.find_draft(str(fresh.id)) or fresh).status == "draft"
        assert (await box.find_draft(str(rejected.id)) or fresh).status == "rejected"
