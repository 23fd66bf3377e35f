"""The responder end to end on the real database with the offline model."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from agent.responder.pipeline import reply_key
from api.composition import Container
from memory.models import Escalation, InboundEmail, Lead, OutboundEmail, Quote, TaskExecution
from memory.models.enums import (
    InboundStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    QuoteStatus,
    Service,
)
from tools.pricing import calculate_quote
from tools.quote_text import build_quote_text

from .conftest import NOW, ContainerFactory, deliver, mail, work_until_idle

FIXTURES = Path(__file__).parents[2] / "tools" / "mail" / "fixtures"


async def _inbound(c: Container, message_id: str) -> InboundEmail:
    async with c.database.transaction() as s:
        row = (
            await s.execute(select(InboundEmail).where(InboundEmail.message_id == message_id))
        ).scalar_one()
        s.expunge(row)
        return row


async def _outbound(c: Container) -> list[OutboundEmail]:
    async with c.database.transaction() as s:
        rows = list((await s.execute(select(OutboundEmail))).scalars())
        for r in rows:
            s.expunge(r)
        return rows


async def test_a_quote_request_gets_a_priced_threaded_draft_for_review(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="draft-only")
    await deliver(c, mail())
    await work_until_idle(c)

    inbound = await _inbound(c, "<m1@example.dk>")
    assert inbound.status is InboundStatus.DRAFTED
    assert inbound.intent == "new_lead"
    assert "mode_draft_only" in inbound.reasons
    [draft] = await _outbound(c)
    assert draft.status is OutboundStatus.DRAFT
    assert draft.to_address == "soren.aero@example.dk"
    assert draft.in_reply_to == "<m1@example.dk>"
    assert draft.references == "<m1@example.dk>"
    assert draft.subject == "Re: Tilbud på flytterengøring"
    assert draft.idempotency_key == reply_key("<m1@example.dk>")
    assert draft.automatic is True
    assert draft.inbound_email_id == inbound.id
    calc = calculate_quote("moving_out", 80)
    assert build_quote_text(calc) in draft.body  # the pricing engine's own text, verbatim
    assert draft.quote_id is not None
    assert "Søren" in draft.body.splitlines()[0]
    assert draft.body.rstrip().endswith("Rendetalje")
    slot_lines = [line for line in draft.body.splitlines() if re.search(r"kl\. \d", line)]
    assert len(slot_lines) == 3
    async with c.database.transaction() as s:
        lead = await s.get(Lead, draft.lead_id)
        assert lead is not None and lead.email == "soren.aero@example.dk"
        assert lead.service is Service.MOVING_OUT and lead.area_m2 == Decimal(80)
        tools = [
            r.task_type
            for r in (
                await s.execute(select(TaskExecution).order_by(TaskExecution.started_at))
            ).scalars()
        ]
    assert tools == ["draft_quote", "check_availability", "draft_email_reply"]


async def test_auto_send_sends_once_and_a_retry_does_not_send_again(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="auto-send")
    await deliver(c, mail())
    await work_until_idle(c)
    [sent] = await _outbound(c)
    assert sent.status is OutboundStatus.SENT and sent.sent_at is not None
    assert (await _inbound(c, "<m1@example.dk>")).status is InboundStatus.REPLIED

    # The same mail again (a redelivery is only counted) and a forced reprocessing.
    await deliver(c, mail())
    async with c.database.transaction() as s:
        row = (await s.execute(select(InboundEmail))).scalar_one()
        assert row.delivery_count == 2
        row.status = InboundStatus.RECEIVED
    await work_until_idle(c)
    assert len(await _outbound(c)) == 1
    assert (await _inbound(c, "<m1@example.dk>")).status is InboundStatus.REPLIED


async def test_high_conflict_is_escalated_without_a_reply(make_container: ContainerFactory) -> None:
    c = await make_container(mode="auto-send")
    body = "Jeg er meget utilfreds med rengøringen. Det er uacceptabelt, og jeg vil klage."
    await deliver(c, mail(subject="Klage", body=body))
    await work_until_idle(c)
    inbound = await _inbound(c, "<m1@example.dk>")
    assert inbound.status is InboundStatus.ESCALATED
    assert await _outbound(c) == []
    async with c.database.transaction() as s:
        [esc] = (await s.execute(select(Escalation))).scalars().all()
        assert esc.customer_email == "soren.aero@example.dk"
        assert esc.inbound_email_id == inbound.id
        assert "klage" in esc.matched_keywords


async def test_bulk_and_auto_replies_are_ignored(make_container: ContainerFactory) -> None:
    c = await make_container(mode="auto-send")
    await deliver(c, mail(message_id="<b1@x.dk>", extra_headers="Precedence: bulk\n"))
    await deliver(c, mail(message_id="<b2@x.dk>", extra_headers="Auto-Submitted: auto-replied\n"))
    await work_until_idle(c)
    for mid in ("<b1@x.dk>", "<b2@x.dk>"):
        row = await _inbound(c, mid)
        assert row.status is InboundStatus.IGNORED and row.reasons == ["automated"]
    assert await _outbound(c) == []


async def test_mode_off_records_and_triages_but_drafts_nothing(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="off")
    await deliver(c, mail())
    await work_until_idle(c)
    row = await _inbound(c, "<m1@example.dk>")
    assert row.status is InboundStatus.IGNORED and row.reasons == ["mode_off"]
    assert row.lead_id is not None and row.intent == "new_lead"
    assert await _outbound(c) == []


async def test_a_leadmail_relay_becomes_a_lead_and_is_answered_at_the_customers_address(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="auto-send")
    await deliver(c, (FIXTURES / "leadmail-rengoering-nu.eml").read_bytes())
    await work_until_idle(c)
    [draft] = await _outbound(c)
    assert draft.to_address == "lene.mikkelsen@example.dk"
    assert draft.in_reply_to is None and draft.references is None  # a new mail, not a reply
    assert draft.status is OutboundStatus.DRAFT  # a relay without authentication: review
    async with c.database.transaction() as s:
        lead = await s.get(Lead, draft.lead_id)
        assert lead is not None
        assert (lead.name, lead.phone, lead.source) == (
            "Lene Mikkelsen",
            "+4528114590",
            LeadSource.RENGOERING_NU,
        )
        assert lead.area_m2 == Decimal(95) and lead.rooms == 4
        assert lead.service is Service.REGULAR


async def test_a_quote_sent_less_than_7_days_ago_stops_the_reply(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="auto-send")
    calc = calculate_quote("moving_out", 80)
    async with c.database.transaction() as s:
        lead = Lead(
            source=LeadSource.DIRECT,
            status=LeadStatus.QUOTED,
            name="Søren Ærø",
            email="soren.aero@example.dk",
            dedup_key="t:soren",
            received_at=NOW - timedelta(days=5),
        )
        s.add(lead)
        await s.flush()
        s.add(
            Quote(
                lead_id=lead.id,
                service=Service.MOVING_OUT,
                area_m2=calc.area_m2,
                workers=calc.workers,
                hours_on_site=calc.hours_on_site,
                work_hours=calc.work_hours,
                hourly_rate=Decimal(349),
                price_min=calc.price_min,
                price_max=calc.price_max,
                vat_min=calc.vat_min,
                vat_max=calc.vat_max,
                add_ons={},
                status=QuoteStatus.SENT,
                valid_until=(NOW + timedelta(days=25)).date(),
                text="tilbud",
                sent_at=NOW - timedelta(days=3),
            )
        )
    await deliver(c, mail())
    await work_until_idle(c)
    row = await _inbound(c, "<m1@example.dk>")
    assert row.status is InboundStatus.IGNORED and row.reasons == ["duplicate_quote_7d"]
    assert await _outbound(c) == []


async def test_a_second_mail_within_24_hours_is_merged_into_the_pending_draft(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="draft-only")
    await deliver(c, mail())
    await work_until_idle(c)
    await deliver(
        c,
        mail(
            message_id="<m2@example.dk>",
            subject="Glemte at sige",
            body="Hej igen, lejligheden har også en altan. Mvh Søren",
        ),
    )
    await work_until_idle(c)
    first, second = await _inbound(c, "<m1@example.dk>"), await _inbound(c, "<m2@example.dk>")
    assert second.status is InboundStatus.DRAFTED
    assert second.merged_into_id == first.id and second.lead_id == first.lead_id
    [draft] = await _outbound(c)
    assert "follow_up_mail_merged" in draft.review_reasons
    async with c.database.transaction() as s:
        leads = (await s.execute(select(func.count()).select_from(Lead))).scalar_one()
    assert leads == 1


async def test_a_failing_mail_is_retried_then_failed_with_the_reason(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="draft-only", max_attempts=3)

    class Broken:
        async def handle(self, inbound_id: object, *, run_id: str) -> object:
            raise RuntimeError("the model vendor is down")

    await deliver(c, mail())
    [worker] = await work_until_idle(c, Broken())  # type: ignore[arg-type]
    row = await _inbound(c, "<m1@example.dk>")
    assert row.status is InboundStatus.FAILED
    assert row.attempts == 3
    assert row.status_reason == "RuntimeError: the model vendor is down"
    assert worker.stats.retried == 2 and worker.stats.failed == 1


async def test_a_sent_quote_starts_the_7_day_stop_for_the_next_mail(
    make_container: ContainerFactory,
) -> None:
    c = await make_container(mode="auto-send")
    await deliver(c, mail())
    await work_until_idle(c)
    [sent] = await _outbound(c)
    async with c.database.transaction() as s:
        quote = await s.get(Quote, sent.quote_id)
        lead = await s.get(Lead, sent.lead_id)
        assert quote is not None and quote.status is QuoteStatus.SENT
        assert lead is not None and lead.status is LeadStatus.QUOTED
    await deliver(
        c,
        mail(
            message_id="<m2@example.dk>", subject="Et spørgsmål", body="Kan I også pudse vinduer?"
        ),
    )
    await work_until_idle(c)
    row = await _inbound(c, "<m2@example.dk>")
    assert row.status is InboundStatus.IGNORED and row.reasons == ["duplicate_quote_7d"]
    assert len(await _outbound(c)) == 1
