"""One inbound mail, start to end: read → lead → policy → model → checks → draft or send.

Policy runs in code before the model (`decide`: automated mail, relays, conflict, the 7-day
quote stop, caps, rate limits, authentication, modes) and after it (the recipient lock and the
outgoing checks), so a compromised model can at worst propose a text that is then refused.

Exactly one reply per mail: the reply's idempotency key is derived from the mail's Message-ID
and the purpose, and is looked up before anything else, so a retry after a crash continues
with the reply already written (sending it if it was approved) instead of writing another.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.responder.compose import Composition, EmailAgent, MailFacts, mail_prompt
from agent.responder.delivery import send_outbound
from agent.responder.intent import as_intent
from agent.responder.lead_link import LeadLink, link_lead
from agent.responder.outgoing_guard import outgoing_violations
from agent.responder.reading import MailReading, read_mail
from agent.responder.settings import ResponderSettings
from memory.database import Database
from memory.models import Escalation, InboundEmail, Lead, OutboundEmail
from memory.models.enums import InboundStatus, OutboundStatus
from memory.models.enums import Severity as StoredSeverity
from memory.repositories.outbox import OutboxRepository
from memory.repositories.reply_stats import reply_stats
from tools.canonical.records import QuoteDraft
from tools.danish_format import Lang
from tools.integrations.ports import MailboxPort
from tools.mail.relays import LeadSource
from tools.mail_policy.automation import domain_of
from tools.mail_policy.decision import Decision, decide
from tools.mail_policy.lookalike import is_lookalike_domain
from tools.mail_reply.compose import ReplyFacts, compose_reply, reply_subject
from tools.pricing import missing_quote_inputs
from tools.quote_text import quote_text_in

_log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PURPOSE_FIRST_REPLY = "first_reply"
_SLOT_INTENTS = ("new_lead", "booking_change")


def reply_key(message_id: str, purpose: str = PURPOSE_FIRST_REPLY) -> str:
    """The outbound idempotency key of the reply to one inbound mail, for one purpose."""
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:40]
    return f"reply:{digest}:{purpose}"


@dataclass(frozen=True, slots=True)
class Handled:
    status: InboundStatus
    reasons: tuple[str, ...] = ()
    outbound_id: uuid.UUID | None = None

    @property
    def reason(self) -> str | None:
        return ",".join(self.reasons)[:2000] or None


class MailProcessingError(Exception):
    """A mail that cannot be processed now; the worker retries it with backoff."""


class Responder:
    """Processes claimed mail; shared by every worker task of one process."""

    def __init__(
        self,
        database: Database,
        agent: EmailAgent,
        *,
        settings: ResponderSettings,
        mailbox: MailboxPort | None,
        clock: Clock,
    ) -> None:
        self._db, self._agent, self._settings = database, agent, settings
        self._mailbox, self._clock = mailbox, clock

    # -- the steps ------------------------------------------------------------------------

    async def handle(self, inbound_id: uuid.UUID, *, run_id: str) -> Handled:
        now = self._clock()
        async with self._db.transaction() as s:
            inbound = await s.get(InboundEmail, inbound_id)
            if inbound is None:
                raise MailProcessingError(f"inbound mail {inbound_id} is gone")
            message_id, raw = inbound.message_id, inbound.raw
            existing = await OutboxRepository(s).by_idempotency_key(reply_key(message_id))
            existing_id = existing.id if existing is not None else None
        if existing_id is not None:
            return await self._resume(existing_id, now)
        if raw is None:
            return Handled(InboundStatus.QUARANTINED, ("no_raw_message",))
        reading = read_mail(raw)
        async with self._db.transaction() as s:
            inbound = await _get(s, inbound_id)
            inbound.intent = reading.triage.intent
            inbound.language = reading.language
            if (impostor := _impostor(reading)) is not None:
                return Handled(InboundStatus.IGNORED, (impostor,))
            link = await link_lead(s, inbound, reading, now=now)
            decision = await self._decide(s, inbound, reading, now)
            lead = link.lead if link is not None else None
            lead_id = lead.id if lead is not None else None
            if decision.outcome == "ignore":
                return Handled(InboundStatus.IGNORED, _codes(decision))
            if decision.outcome == "stop":
                return Handled(InboundStatus.IGNORED, _codes(decision))
            if decision.outcome == "escalate":
                await _escalate(s, inbound, reading, decision, lead_id)
                return Handled(InboundStatus.ESCALATED, _codes(decision))
            if reading.customer is None:  # nobody we may write to (a relay, ourselves, no one)
                return Handled(InboundStatus.IGNORED, (*_codes(decision), "no_recipient"))
            if link is not None and link.merged_draft is not None:
                await _merge(s, inbound, link, now)
                return Handled(InboundStatus.DRAFTED, ("merged_into_pending_draft",))
            facts = _facts(reading, lead, decision)
            thread_id = inbound.provider_thread_id if _in_thread(reading) else None
        recipient = reading.customer  # the recipient lock: never the relay, never ourselves
        composition = await self._agent.compose(
            facts,
            mail_prompt(
                facts,
                nonce_seed=f"{run_id}:{message_id}",
                subject=reading.facts.subject,
                body=reading.body,
            ),
            now=now,
            run_id=run_id,
            customer=recipient,
            lead_id=lead_id,
        )
        return await self._store(
            inbound_id,
            message_id,
            reading,
            decision,
            composition,
            facts,
            lead_id=lead_id,
            thread_id=thread_id,
            now=now,
        )

    async def _decide(
        self, s: AsyncSession, inbound: InboundEmail, reading: MailReading, now: datetime
    ) -> Decision:
        recipient = reading.customer or reading.facts.sender
        stats = await reply_stats(s, recipient=recipient, thread_id=inbound.thread_id, now=now)
        cfg = self._settings
        return decide(
            reading.facts,
            mode=cfg.mode,
            now=now,
            last_quote_sent_at=stats.last_quote_sent_at,
            replies_today=stats.replies_today,
            sender_replies_last_hour=stats.sender_replies_last_hour,
            thread_replies_last_day=stats.thread_replies_last_day,
            sender_verified=reading.verification.verified,
            reply_to_differs=reading.reply_to_differs and reading.source.value == "direct",
            intent=reading.triage.intent,
            daily_cap=cfg.daily_cap,
            sender_hourly_limit=cfg.sender_hourly_limit,
            thread_daily_limit=cfg.thread_daily_limit,
            auto_send_intents=cfg.auto_send_intents,
        )

    async def _store(
        self,
        inbound_id: uuid.UUID,
        message_id: str,
        reading: MailReading,
        decision: Decision,
        composition: Composition,
        facts: MailFacts,
        *,
        lead_id: uuid.UUID | None,
        thread_id: str | None,
        now: datetime,
    ) -> Handled:
        recipient = reading.customer
        assert recipient is not None
        reasons = list(_codes(decision))
        if reading.other_language:
            reasons.append("language_unsupported")
        if reading.reply_to_differs and "reply_to_mismatch" not in reasons:
            reasons.append("reply_to_differs")
        if not reading.verification.verified and "unverified_sender" not in reasons:
            reasons.append("unverified_sender")
        async with self._db.transaction() as s:
            body, quote_id, guard_reasons = await _checked_body(
                s, composition, facts, recipient=recipient, lead_id=lead_id
            )
            reasons += guard_reasons
            threaded = _in_thread(reading)
            references = tuple(dict.fromkeys([*reading.parsed.references, message_id]))
            # Guard findings and a language we do not write always need a person.
            needs_review = (
                decision.outcome != "auto_send" or bool(guard_reasons) or reading.other_language
            )
            row, _ = await OutboxRepository(s).create_draft_once(
                to_address=recipient,
                subject=_subject(reading, threaded),
                body=body,
                lead_id=lead_id,
                quote_id=quote_id,
                in_reply_to=message_id if threaded else None,
                references=" ".join(references) if threaded else None,
                thread_id=thread_id,
                idempotency_key=reply_key(message_id),
                session_id=None,
                created_by=None,
                created_at=now,
                inbound_email_id=inbound_id,
                purpose=PURPOSE_FIRST_REPLY,
                automatic=True,
                review_reasons=reasons if needs_review else [],
            )
            outbound_id = row.id
            if not needs_review:
                await OutboxRepository(s).approve(outbound_id, by=None, at=now)
        if needs_review:
            return Handled(InboundStatus.DRAFTED, tuple(reasons), outbound_id)
        return await self._resume(outbound_id, now)

    async def _resume(self, outbound_id: uuid.UUID, now: datetime) -> Handled:
        """Continue with a reply already written: send it if approved, else report it."""
        async with self._db.transaction() as s:
            row = await s.get(OutboundEmail, outbound_id)
            assert row is not None
            status, reasons = row.status, tuple(row.review_reasons or ())
        if status is OutboundStatus.APPROVED:
            await send_outbound(self._db, self._mailbox, outbound_id, now=now)
            return Handled(InboundStatus.REPLIED, ("auto_sent",), outbound_id)
        if status is OutboundStatus.SENT:
            return Handled(InboundStatus.REPLIED, ("already_sent",), outbound_id)
        return Handled(InboundStatus.DRAFTED, reasons or ("awaiting_review",), outbound_id)


# -- helpers -------------------------------------------------------------------------------


async def _get(s: AsyncSession, inbound_id: uuid.UUID) -> InboundEmail:
    stmt = select(InboundEmail).where(InboundEmail.id == inbound_id).with_for_update()
    row = (await s.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise MailProcessingError(f"inbound mail {inbound_id} is gone")
    return row


def _impostor(reading: MailReading) -> str | None:
    """A mail that pretends to be us or a lead relay is never answered and makes no lead:
    a sender domain made to look like ours, or a relay/website-form mail whose
    authentication failed outright (a missing Authentication-Results is only "unverified",
    and goes to review)."""
    for address in (reading.facts.sender, reading.customer or ""):
        if address and is_lookalike_domain(domain_of(address)):
            return "lookalike_sender"
    failed = reading.verification.reason != "no_authentication_results"
    if reading.source is not LeadSource.DIRECT and not reading.verification.verified and failed:
        return "spoofed_sender"
    return None


def _codes(decision: Decision) -> tuple[str, ...]:
    return tuple(reason.value for reason in decision.reasons)


def _in_thread(reading: MailReading) -> bool:
    """A direct mail and Leadpoint's (customer in Reply-To) are answered in their thread; a
    Leadmail, AdHelp or website-form lead gets a new mail to the customer (domain.md)."""
    return reading.source in (LeadSource.DIRECT, LeadSource.RENGOERING_AARHUS)


NEW_MAIL_SUBJECT = {
    "da": "Tak for din henvendelse til Rendetalje",
    "en": "Thank you for contacting Rendetalje",
}


REPLY_SUBJECT = {"da": "Re: Din henvendelse til Rendetalje", "en": "Re: Your message to Rendetalje"}
_SUBJECT_PAYLOAD = re.compile(r"@|https?:|www\.|<|>|\[|\]", re.IGNORECASE)


def _subject(reading: MailReading, threaded: bool) -> str:
    """In the thread: "Re: <their subject>", unless their subject carries addresses, links or
    markup (we never echo those); a new mail to a relayed lead gets our own subject."""
    language = _language(reading)
    if not threaded:
        return NEW_MAIL_SUBJECT[language]
    if _SUBJECT_PAYLOAD.search(reading.facts.subject):
        return REPLY_SUBJECT[language]
    return reply_subject(reading.facts.subject, language)


def _language(reading: MailReading) -> Lang:
    return "en" if reading.language == "en" else "da"


def _first_name(reading: MailReading, lead: Lead | None) -> str | None:
    name = reading.fields.name or (lead.name if lead is not None else None)
    if not name or "@" in name:
        return None
    first = name.split()[0].strip(",.")
    return first.capitalize() if first.isalpha() else None


def _facts(reading: MailReading, lead: Lead | None, decision: Decision) -> MailFacts:
    intent = reading.triage.intent
    service = lead.service.value if lead is not None and lead.service is not None else None
    area: Decimal | None = lead.area_m2 if lead is not None else None
    quote: dict[str, Any] | None = None
    missing: tuple[str, ...] = ()
    if intent == "new_lead":
        missing = tuple("m2" if m == "area_m2" else m for m in missing_quote_inputs(area, service))
        if not missing and service is not None and area is not None:
            quote = {"service": service, "area_m2": str(area)}
            if lead is not None:
                quote["lead_id"] = str(lead.id)
    availability = {"days": 14, "count": 3} if intent in _SLOT_INTENTS else None
    return MailFacts(
        lead_id=str(lead.id) if lead is not None else None,
        sender=reading.customer or "",
        first_name=_first_name(reading, lead),
        language=_language(reading),
        intent=intent,
        subject=reading.facts.subject[:200],
        quote=quote,
        availability=availability,
        missing=missing,
    )


def _template(composition: Composition, facts: MailFacts) -> tuple[str, uuid.UUID | None]:
    """The company's own reply from code facts: used when the model's text may not go out.
    The quote is used only if it prices exactly what the facts say."""
    quote = composition.quote
    q = facts.quote
    fits = (
        quote is not None
        and q is not None
        and quote.service.value == q["service"]
        and Decimal(str(quote.area_m2)) == Decimal(str(q["area_m2"]))
        and str(quote.lead_id) == str(facts.lead_id)
    )
    free = composition.availability
    language: Lang = "en" if facts.language == "en" else "da"
    body = compose_reply(
        ReplyFacts(
            language=language,
            first_name=facts.first_name,
            intent=as_intent(facts.intent),
            quote_text=_quote_text(quote, language) if fits and quote is not None else None,
            slots=tuple((s.start, s.end) for s in free.slots[:3]) if free else (),
            missing=facts.missing,
            received_subject=facts.subject,
        )
    )
    return body, quote.id if fits and quote is not None else None


def _quote_text(quote: QuoteDraft, language: Lang) -> str:
    """The quote's text in the reply's language (the same quote, recomputed by the engine)."""
    return quote_text_in(quote.text, quote.service, quote.area_m2, language)


async def _checked_body(
    s: AsyncSession,
    composition: Composition,
    facts: MailFacts,
    *,
    recipient: str,
    lead_id: uuid.UUID | None,
) -> tuple[str, uuid.UUID | None, list[str]]:
    """The model's proposal if every check passes, else the template (with the reasons)."""
    reasons: list[str] = []
    language: Lang = "en" if facts.language == "en" else "da"
    proposal = composition.proposal
    denied = sorted({t.name for t in composition.tools if t.status == "denied"})
    reasons += [f"tool_denied:{name}" for name in denied]
    if proposal is not None:
        run_quote = composition.quote.id if composition.quote is not None else None
        quote_id = run_quote if proposal.quote_id and run_quote is not None else None
        if proposal.quote_id and (
            run_quote is None or not str(run_quote).startswith(proposal.quote_id)
        ):
            reasons.append("foreign_quote_ignored")
            quote_id = None
        body = proposal.body
        quote = composition.quote
        if quote_id is not None and quote is not None:
            local = _quote_text(quote, language)
            if local not in body and quote.text not in body:
                body = f"{body.rstrip()}\n\n{local}"
        violations = await outgoing_violations(
            s, body=body, recipient=recipient, lead_id=lead_id, quote_id=quote_id, language=language
        )
        if not violations:
            return body, quote_id, reasons
        reasons += sorted({f"outgoing_check:{v.code.value}" for v in violations})
    else:
        reasons.append("model_no_proposal")
    body, quote_id = _template(composition, facts)
    violations = await outgoing_violations(
        s, body=body, recipient=recipient, lead_id=lead_id, quote_id=quote_id, language=language
    )
    if violations:  # our own template must pass; if not, no text of ours is safe to store
        codes = ", ".join(sorted({v.code.value for v in violations}))
        raise MailProcessingError(f"the template reply failed the outgoing checks: {codes}")
    return body, quote_id, reasons


async def _escalate(
    s: AsyncSession,
    inbound: InboundEmail,
    reading: MailReading,
    decision: Decision,
    lead_id: uuid.UUID | None,
) -> None:
    """One escalation per mail (a retry finds the first)."""
    stmt = select(Escalation.id).where(Escalation.inbound_email_id == inbound.id)
    if (await s.execute(stmt)).first() is not None:
        return
    grade = decision.conflict
    s.add(
        Escalation(
            customer_email=reading.customer or reading.facts.sender or None,
            lead_id=lead_id,
            inbound_email_id=inbound.id,
            severity=StoredSeverity(grade.severity.name.lower()),
            reason=f"conflict keywords in a customer mail ({grade.severity.name.lower()})",
            matched_keywords=list(grade.keywords),
            details={"reasons": list(_codes(decision)), "intent": reading.triage.intent},
        )
    )


async def _merge(s: AsyncSession, inbound: InboundEmail, link: LeadLink, now: datetime) -> None:
    inbound.merged_into_id = link.merged_into
    draft = await s.get(OutboundEmail, link.merged_draft, with_for_update=True)
    if draft is None:
        return
    note = {
        "at": now.isoformat(),
        "action": "merged",
        "inbound_email_id": str(inbound.id),
        "subject": (inbound.subject or "")[:200],
    }
    draft.review_notes = [*(draft.review_notes or []), note]
    reasons = list(draft.review_reasons or [])
    if "follow_up_mail_merged" not in reasons:
        draft.review_reasons = [*reasons, "follow_up_mail_merged"]
