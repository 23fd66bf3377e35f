"""Acceptance 4: the lead-relay mails of the demo data parse into leads with the right fields,
and the responder's replies to them go to the customer's own address."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select, text

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from agent.responder.reading import read_mail
from memory.models import InboundEmail, Lead, OutboundEmail
from memory.models.enums import LeadSource
from memory.seed.demo import seed_demo
from tools.mail_policy.automation import is_never_reply_relay

from .conftest import NOW, ContainerFactory, deliver, work_until_idle

RELAYS = (
    LeadSource.RENGOERING_NU,
    LeadSource.RENGOERING_AARHUS,
    LeadSource.ADHELP,
    LeadSource.WEBSITE,
)


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-8:]


async def test_demo_relay_mails_parse_into_their_leads_and_are_answered_at_the_customer(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="auto-send")
    async with c.database.transaction() as s:
        await seed_demo(s, now=NOW, pricer=TOOLS_QUOTE_PRICER)
    async with c.database.transaction() as s:
        rows = (
            await s.execute(
                select(InboundEmail, Lead)
                .join(Lead, Lead.id == InboundEmail.lead_id)
                .where(Lead.source.in_(RELAYS), InboundEmail.source.in_(RELAYS))
                .order_by(InboundEmail.received_at)
            )
        ).all()
        first: dict[object, tuple[bytes, Lead]] = {}
        for inbound, lead in rows:
            assert inbound.raw is not None
            first.setdefault(lead.id, (inbound.raw, lead))
    seen_sources = {lead.source for _, lead in first.values()}
    assert seen_sources == set(RELAYS), seen_sources
    for raw, lead in first.values():
        reading = read_mail(raw)
        f = reading.fields
        where = f"{lead.source.value} lead {lead.name}"
        assert reading.source.value == lead.source.value, where
        assert reading.customer == lead.email, where
        assert f.name == lead.name, where
        assert _digits(f.phone) == _digits(lead.phone), where
        if lead.area_m2 is not None:
            assert Decimal(f.area_m2 or 0) == lead.area_m2, where
        if lead.rooms is not None and lead.source is not LeadSource.ADHELP:  # AdHelp has none
            assert f.rooms == lead.rooms, where
        if lead.service is not None:
            assert f.service is not None and f.service.value == lead.service.value, where

    # The same mails on an empty set of records: each becomes a lead and gets a reply draft
    # addressed to the customer, never to a relay.
    async with c.database.transaction() as s:
        await s.execute(
            text(
                "TRUNCATE leads, customers, quotes, bookings, inbound_emails, outbound_emails, "
                "escalations, task_executions CASCADE"
            )
        )
    for raw, _ in first.values():
        await deliver(c, raw)
    await work_until_idle(c)
    async with c.database.transaction() as s:
        drafts = list((await s.execute(select(OutboundEmail))).scalars())
        leads = {lead.id: lead for lead in (await s.execute(select(Lead))).scalars()}
    assert len(drafts) == len(first)
    expected = {lead.email for _, lead in first.values()}
    assert {d.to_address for d in drafts} == expected
    for d in drafts:
        assert not is_never_reply_relay(d.to_address)
        assert not d.to_address.endswith(("@leadpoint.dk", "@rendetalje.dk"))
        assert d.lead_id is not None and leads[d.lead_id].email == d.to_address
