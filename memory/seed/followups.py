"""Later mail in the demo threads: customers answering and accepting our quotes, and mail
the responder ignores (an out-of-office reply and a newsletter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.headerregistry import Address

from memory.models.enums import (
    InboundStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    QuoteStatus,
)
from memory.seed import mails
from memory.seed.calendar import CPH
from memory.seed.mailrows import SIGNATURE, inbound_row, our_message_id, outbound_row
from memory.seed.plan import LeadSpec
from memory.seed.rows import Row, Timeline
from memory.seed.threads import NEW_MAIL_SOURCES, answer_subject, lead_mail, lead_message_id

_D, _H, _MIN = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
_QUESTIONS = (
    ("Kan I komme en lørdag formiddag i stedet for en hverdag?",
     "Ja, vi arbejder også lørdage kl. 8–15. Vi sender dig et par konkrete tider i morgen."),
    ("Skal jeg være hjemme, når I kommer, eller kan I få en nøgle?",
     "Du behøver ikke at være hjemme. Mange kunder lægger en nøgle, og vi låser efter os."),
    ("Medbringer I selv rengøringsmidler og støvsuger?",
     "Ja, vi medbringer alt udstyr og alle midler. Du skal ikke sørge for noget."),
    ("Kan prisen blive lavere, hvis vi selv rydder op inden?",
     "Du betaler kun for den faktiske tid, så når der er ryddet op, går det hurtigere."),
)  # fmt: skip


# (severity, keywords, status, subject, text); the text gets the customer's first name.
def _quote_thread(spec: LeadSpec) -> tuple[str, list[str]]:
    """Thread id and References of our quote mail to this lead (see threads.lead_thread)."""
    ours = our_message_id(f"{spec.n}-0")
    if spec.source in NEW_MAIL_SOURCES:
        return ours, [ours]
    return lead_message_id(spec), [lead_message_id(spec), ours]


def _quoted_part(spec: LeadSpec, sent: datetime) -> str:
    header = f"Den {sent.astimezone(CPH):%d.%m.%Y} skrev Rendetalje <info@rendetalje.dk>:"
    return f"\n{header}\n> Hej {spec.person.first}\n"


def _reply(
    spec: LeadSpec, now: datetime, *, tag: str, at: datetime, text: str, status: InboundStatus
) -> tuple[Row, str, str]:
    thread, refs = _quote_thread(spec)
    ours = answer_subject(spec, lead_mail(spec, now).subject)
    subject = ours if ours.startswith("Re: ") else f"Re: {ours}"
    mail = mails.from_customer(
        spec.person,
        message_id=f"<demo-{tag}-{spec.n:04d}@mail.example.dk>",
        date=at,
        subject=subject,
        text=text + _quoted_part(spec, Timeline.of(spec, now).quote_sent),
        in_reply_to=refs[-1],
        references=refs,
        html_too=spec.n % 2 == 0,
    )
    row = inbound_row(
        f"{tag}-{spec.n}",
        mail,
        received=at,
        now=now,
        status=status,
        source=LeadSource.DIRECT,
        lead_n=spec.n,
        thread_id=thread,
    )
    return row, mail.message_id, thread


def quote_replies(leads: Sequence[LeadSpec], now: datetime) -> tuple[list[Row], list[Row]]:
    """Questions on sent quotes (one still pending, two drafted, one answered) and
    acceptances of recent quotes."""
    inbound: list[Row] = []
    outbound: list[Row] = []
    quoted = [s for s in leads if s.quote is QuoteStatus.SENT][: len(_QUESTIONS)]
    statuses = (
        InboundStatus.RECEIVED,
        InboundStatus.DRAFTED,
        InboundStatus.DRAFTED,
        InboundStatus.REPLIED,
    )
    for spec, (question, answer), status in zip(quoted, _QUESTIONS, statuses, strict=True):
        t = Timeline.of(spec, now)
        at = t.quote_sent + (now - t.quote_sent) * 0.6
        text = f"Hej\n\nTak for tilbuddet. {question}\n\nMvh {spec.person.first}\n"
        row, mid, thread = _reply(spec, now, tag="re", at=at, text=text, status=status)
        inbound.append(row)
        if status is not InboundStatus.RECEIVED:
            sent = status is InboundStatus.REPLIED
            outbound.append(
                outbound_row(
                    f"{spec.n}-re",
                    to=spec.person.email,
                    subject=str(row["subject"]),
                    body=f"Hej {spec.person.first}\n\nTak for din mail. {answer}\n\n{SIGNATURE}",
                    status=OutboundStatus.SENT if sent else OutboundStatus.DRAFT,
                    created=at + 3 * _MIN,
                    now=now,
                    lead_n=spec.n,
                    inbound_key=f"re-{spec.n}",
                    thread_id=thread,
                    in_reply_to=mid,
                )
            )
    recent_won = [s for s in leads if s.status is LeadStatus.WON and s.age < 30 * _D][:3]
    for spec in recent_won:
        at = Timeline.of(spec, now).decided
        text = f"Hej\n\nVi vil gerne tage imod tilbuddet.\n\nVenlig hilsen\n{spec.person.name}\n"
        row, mid, thread = _reply(
            spec, now, tag="ok", at=at, text=text, status=InboundStatus.REPLIED
        )
        inbound.append(row)
        body = (
            f"Hej {spec.person.first}\n\nTak, det er vi glade for. Du er sat i kalenderen, "
            f"og du får en bekræftelse med dato og tidspunkt.\n\n{SIGNATURE}"
        )
        outbound.append(
            outbound_row(
                f"{spec.n}-ok",
                to=spec.person.email,
                subject=str(row["subject"]),
                body=body,
                status=OutboundStatus.SENT,
                created=at + 20 * _MIN,
                now=now,
                lead_n=spec.n,
                inbound_key=f"ok-{spec.n}",
                thread_id=thread,
                in_reply_to=mid,
            )
        )
    return inbound, outbound


def ignored(leads: Sequence[LeadSpec], now: datetime) -> list[Row]:
    """An out-of-office reply to one of our quotes, and a supplier's newsletter."""
    spec = [s for s in leads if s.quote is QuoteStatus.SENT][-1]
    thread, refs = _quote_thread(spec)
    at = Timeline.of(spec, now).quote_sent + 2 * _MIN
    auto = mails.from_customer(
        spec.person,
        message_id=f"<demo-auto-{spec.n:04d}@mail.example.dk>",
        date=at,
        subject="Automatisk svar: Tilbud fra Rendetalje",
        in_reply_to=refs[-1],
        references=refs,
        text="Tak for din mail. Jeg er på ferie og læser først mails, når jeg er tilbage.\n",
        headers={"Auto-Submitted": "auto-replied"},
    )
    sender = Address("Rengøringsgrossisten", addr_spec="nyhedsbrev@grossisten.example.com")
    news = mails.build(
        sender,
        message_id="<demo-nyhedsbrev-1@grossisten.example.com>",
        date=now - 2 * _D,
        subject="Nyhedsbrev: Månedens tilbud på mikrofiberklude",
        text="Se månedens tilbud på klude, moppe og rengøringsmidler.\n",
        html_body="<html><body><h1>Månedens tilbud</h1><p>Klude og moppe.</p></body></html>",
        headers={
            "Precedence": "bulk",
            "List-Unsubscribe": "<mailto:afmeld@grossisten.example.com>",
        },
    )
    return [
        inbound_row(
            "auto-reply",
            auto,
            received=at,
            now=now,
            status=InboundStatus.IGNORED,
            source=LeadSource.DIRECT,
            lead_n=spec.n,
            thread_id=thread,
            reason="automatic reply (Auto-Submitted: auto-replied)",
        ),
        inbound_row(
            "newsletter",
            news,
            received=now - 2 * _D,
            now=now,
            status=InboundStatus.IGNORED,
            source=None,
            lead_n=None,
            thread_id=news.message_id,
            reason="bulk mail (Precedence: bulk)",
        ),
    ]
