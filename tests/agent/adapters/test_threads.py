"""SqlOutbox.thread_for_lead: where a reply goes and which thread it joins, per lead source
(domain.md "Leads"), on the demo data's real lead-relay mails and on hand-made ones."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import SqlOutbox
from memory.database import Database
from memory.models import InboundEmail, Lead
from memory.models.enums import InboundStatus, LeadSource
from tests.agent.adapters import NOW, add_lead, seed
from tools.canonical.ports import ThreadInfo

RELAY_DOMAINS = ("@leadmail.no", "@adhelp.dk")
Threads = dict[LeadSource, list[tuple[Lead, list[InboundEmail]]]]


async def _demo(db: Database) -> Threads:
    """Every demo lead with its inbound mail (newest first), by source."""
    await seed(db)
    async with db.sessions() as s:
        leads = {lead.id: lead for lead in (await s.execute(select(Lead))).scalars()}
        mails = await s.execute(select(InboundEmail).order_by(InboundEmail.received_at.desc()))
        by_lead: dict[uuid.UUID, list[InboundEmail]] = defaultdict(list)
        for mail in mails.scalars():
            if mail.lead_id is not None:
                by_lead[mail.lead_id].append(mail)
    threads: Threads = defaultdict(list)
    for lead_id, lead in leads.items():
        threads[lead.source].append((lead, by_lead[lead_id]))
    return threads


async def _thread(db: Database, lead_id: uuid.UUID) -> ThreadInfo:
    async with db.sessions() as s:
        info = await SqlOutbox(s).thread_for_lead(lead_id)
    assert info is not None
    return info


def _only_relay(threads: Threads, source: LeadSource) -> list[tuple[Lead, list[InboundEmail]]]:
    return [(lead, m) for lead, m in threads[source] if {x.source for x in m} == {source}]


async def test_relay_leads_get_a_new_mail_to_the_customers_own_address(db: Database) -> None:
    threads = await _demo(db)
    for source in (LeadSource.RENGOERING_NU, LeadSource.ADHELP):
        cases = _only_relay(threads, source)
        assert len(cases) >= 3
        for lead, mails in cases:
            info = await _thread(db, lead.id)
            assert info.reply_to is not None and info.reply_to == lead.email
            assert not info.reply_to.endswith(RELAY_DOMAINS)
            assert mails[0].from_address is not None
            assert mails[0].from_address.endswith(RELAY_DOMAINS)
            # No In-Reply-To or References into the relay's thread: a new mail.
            assert (info.last_message_id, info.references, info.thread_id) == (None, (), None)
            assert info.subject is None


async def test_a_customers_own_answer_on_a_relay_lead_is_a_thread_to_join(db: Database) -> None:
    threads = await _demo(db)
    [(lead, mails)] = [
        (lead, m)
        for lead, m in threads[LeadSource.ADHELP]
        if m[0].source is LeadSource.DIRECT and m[0].status is not InboundStatus.IGNORED
    ][:1]
    answer, relay = mails[0], mails[-1]
    info = await _thread(db, lead.id)
    assert info.reply_to == lead.email
    assert info.last_message_id == answer.message_id
    assert info.thread_id == answer.thread_id != relay.message_id
    # The chain is our mail to the customer, then their answer; never the relay's mail.
    assert len(info.references) == 2 and info.references[-1] == answer.message_id
    assert info.references[0].endswith("@rendetalje.dk>")
    assert relay.message_id not in info.references
    assert info.subject == answer.subject


async def test_leadpoint_and_website_leads_answer_the_reply_to_inside_the_thread(
    db: Database,
) -> None:
    threads = await _demo(db)
    for source, system in (
        (LeadSource.RENGOERING_AARHUS, "system@leadpoint.dk"),
        (LeadSource.WEBSITE, "formular@rendetalje.dk"),
    ):
        cases = _only_relay(threads, source)
        assert len(cases) >= 3
        for lead, [mail] in cases:
            info = await _thread(db, lead.id)
            assert mail.from_address == system and mail.reply_to is not None
            assert info.reply_to == mail.reply_to != system
            assert info.last_message_id == mail.message_id
            assert info.references == (mail.message_id,)
            assert (info.thread_id, info.subject) == (mail.thread_id, mail.subject)


async def test_a_later_customer_mail_continues_the_website_thread(db: Database) -> None:
    threads = await _demo(db)
    lead, mails = next(
        (lead, m)
        for lead, m in threads[LeadSource.WEBSITE]
        if len(m) == 2 and m[0].source is LeadSource.DIRECT
    )
    answer, form = mails
    info = await _thread(db, lead.id)
    assert answer.reply_to is None and info.reply_to == answer.from_address == lead.email
    assert info.last_message_id == answer.message_id
    assert len(info.references) == 3
    assert (info.references[0], info.references[-1]) == (form.message_id, answer.message_id)
    assert info.thread_id == form.message_id


async def test_direct_mail_is_answered_to_its_sender_skipping_auto_replies(db: Database) -> None:
    threads = await _demo(db)
    checked = 0
    for lead, mails in threads[LeadSource.DIRECT]:
        conversation = [m for m in mails if m.status is not InboundStatus.IGNORED]
        info = await _thread(db, lead.id)
        assert info.reply_to == conversation[0].from_address
        assert info.last_message_id == conversation[0].message_id
        checked += len(mails) > len(conversation)
    assert checked >= 1  # the demo's out-of-office reply was passed over


async def _mail(
    s: AsyncSession,
    lead: Lead,
    source: LeadSource,
    *,
    sender: str,
    reply_to: str | None = None,
    at: datetime = NOW,
    in_reply_to: str | None = None,
) -> InboundEmail:
    message_id = f"<{uuid.uuid4().hex}@mail.example.dk>"
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = sender, "Forespørgsel", message_id
    if reply_to:
        msg["Reply-To"] = reply_to
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content("Hej")
    raw = msg.as_bytes()
    row = InboundEmail(
        message_id=message_id, thread_id=in_reply_to or message_id, from_address=sender,
        reply_to=reply_to, subject="Forespørgsel", received_at=at, raw=raw,
        raw_size=len(raw), source=source, lead_id=lead.id,
    )  # fmt: skip
    s.add(row)
    await s.flush()
    return row


async def test_addresses_of_lead_systems_are_never_returned(db: Database) -> None:
    async with db.transaction() as s:
        # Leadpoint without Reply-To: its From is a system, so the lead's own address.
        lp = await add_lead(s, "Lp", email="lp@kunde.dk", source=LeadSource.RENGOERING_AARHUS)
        await _mail(s, lp, LeadSource.RENGOERING_AARHUS, sender="system@leadpoint.dk")
        # Leadmail without a customer address in the body: nobody, never the relay.
        lm = await add_lead(s, "Lm", email=None, source=LeadSource.RENGOERING_NU)
        relay = "noreply@leadmail.no"
        await _mail(s, lm, LeadSource.RENGOERING_NU, sender=relay, reply_to="svar@leadmail.no")
        # Website form without Reply-To: the lead's address, not our form's.
        web = await add_lead(s, "Web", email="web@kunde.dk", source=LeadSource.WEBSITE)
        await _mail(s, web, LeadSource.WEBSITE, sender="formular@rendetalje.dk")
        # Direct mail with a Reply-To: that, not From.
        direct = await add_lead(s, "D", email="d@kunde.dk", source=LeadSource.DIRECT)
        sender, private = "d@kunde.dk", "d.privat@kunde.dk"
        yesterday = NOW - timedelta(days=1)
        first = await _mail(s, direct, LeadSource.DIRECT, sender=sender, at=yesterday)
        second = await _mail(
            s, direct, LeadSource.DIRECT, sender=sender, reply_to=private,
            in_reply_to=first.message_id,
        )  # fmt: skip
        # A lead without any mail.
        quiet = await add_lead(s, "Q", email="q@kunde.dk", source=LeadSource.ADHELP)
    lp_info = await _thread(db, lp.id)
    assert lp_info.reply_to == "lp@kunde.dk" and lp_info.last_message_id is not None
    lm_info = await _thread(db, lm.id)
    assert (lm_info.reply_to, lm_info.last_message_id) == (None, None)
    assert (await _thread(db, web.id)).reply_to == "web@kunde.dk"
    d_info = await _thread(db, direct.id)
    assert d_info.reply_to == "d.privat@kunde.dk"
    assert d_info.references == (first.message_id, second.message_id)
    assert (await _thread(db, quiet.id)) == ThreadInfo(
        reply_to="q@kunde.dk", subject=None, last_message_id=None, references=(), thread_id=None
    )
    async with db.sessions() as s:
        assert await SqlOutbox(s).thread_for_lead(uuid.uuid4()) is None
