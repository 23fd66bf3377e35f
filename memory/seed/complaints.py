"""Complaints from regular customers, our answers, and the escalations they caused
(domain.md: high or critical goes to the owner without an AI reply; medium or low gets a
draft that needs approval)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from memory.models.enums import (
    EscalationStatus,
    InboundStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    Severity,
)
from memory.seed import mails
from memory.seed.mailrows import SIGNATURE, inbound_row, outbound_row
from memory.seed.plan import LeadSpec, demo_id
from memory.seed.rows import Row

_D, _H, _MIN = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
_COMPLAINTS = (
    (Severity.MEDIUM, ("skuffet",), InboundStatus.DRAFTED, "Rengøringen i sidste uge",
     "Hej\n\nJeg er lidt skuffet over rengøringen i sidste uge. Køkkenet var fint, men der var "
     "ikke støvsuget under sengene. Kan I kigge på det næste gang?\n\n{first}\n"),
    (Severity.HIGH, ("utilfreds", "uacceptabelt"), InboundStatus.ESCALATED, "Klage over rengøring",
     "Hej\n\nJeg er meget utilfreds. Det er uacceptabelt, at stuen igen ikke var gjort ren, og "
     "at I kom en time for sent uden at ringe. Jeg forventer at blive kontaktet i dag.\n\n"
     "{first}\n"),
    (Severity.LOW, ("uheldigt",), InboundStatus.REPLIED, "Vinduerne i stuen",
     "Hej\n\nDet var uheldigt, at vinduerne i stuen blev glemt sidst. Ellers er vi glade for "
     "jer.\n\nHilsen {first}\n"),
)  # fmt: skip
_COMPLAINT_AGES = (5 * _H, 26 * _H, 4 * _D)


def complaints(leads: Sequence[LeadSpec], now: datetime) -> tuple[list[Row], list[Row], list[Row]]:
    """Complaints from weekly customers with past visits: (inbound, outbound, escalations)."""
    weekly = [
        s for s in leads if s.status is LeadStatus.WON and s.visits_per_week and s.age > 30 * _D
    ][: len(_COMPLAINTS)]
    inbound: list[Row] = []
    outbound: list[Row] = []
    escalations: list[Row] = []
    for i, (spec, complaint) in enumerate(zip(weekly, _COMPLAINTS, strict=True)):
        severity, words, status, subject, text = complaint
        at, key = now - _COMPLAINT_AGES[i], f"complaint-{i}"
        mid = f"<demo-klage-{i}-{spec.n:04d}@mail.example.dk>"
        mail = mails.from_customer(
            spec.person,
            message_id=mid,
            date=at,
            subject=subject,
            text=text.format(first=spec.person.first),
        )
        inbound.append(
            inbound_row(
                key,
                mail,
                received=at,
                now=now,
                status=status,
                source=LeadSource.DIRECT,
                lead_n=spec.n,
                thread_id=mid,
            )
        )
        if status is not InboundStatus.ESCALATED:
            body = (
                f"Hej {spec.person.first}\n\nTak fordi du siger det, og undskyld. Vi tager "
                f"det med til teamet og sørger for, at det er i orden næste gang.\n\n"
                f"{SIGNATURE}"
            )
            sent = status is InboundStatus.REPLIED
            outbound.append(
                outbound_row(
                    f"complaint-{i}",
                    to=spec.person.email,
                    subject=f"Re: {subject}",
                    body=body,
                    status=OutboundStatus.SENT if sent else OutboundStatus.DRAFT,
                    created=at + 5 * _MIN,
                    now=now,
                    lead_n=spec.n,
                    inbound_key=key,
                    thread_id=mid,
                    in_reply_to=mid,
                )
            )
        if severity in (Severity.MEDIUM, Severity.HIGH):
            escalations.append(
                {
                    "id": demo_id("escalation", i),
                    "customer_email": spec.person.email,
                    "lead_id": demo_id("lead", spec.n),
                    "inbound_email_id": demo_id("inbound", key),
                    "severity": severity,
                    "matched_keywords": list(words),
                    "reason": f"Klage fra fast kunde ({', '.join(words)}): {subject}",
                    "status": EscalationStatus.OPEN,
                    "details": {"subject": subject},
                    "resolved_at": None,
                    "created_at": at + 2 * _MIN,
                }
            )
    return inbound, outbound, escalations
