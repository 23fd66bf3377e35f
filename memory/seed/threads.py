"""Each demo lead's mail thread: the inbound lead mail and our answers to it.

Routing follows domain.md: Leadmail.no and AdHelp mails are never answered; we write a new
mail to the customer's own address. Leadpoint, website-form and direct mails get a reply in
the same thread (In-Reply-To/References).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from memory.models.enums import (
    InboundStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    QuoteStatus,
    Service,
)
from memory.seed import mails
from memory.seed.mailrows import SIGNATURE, inbound_row, our_message_id, outbound_row
from memory.seed.mails import BuiltMail, LeadFields
from memory.seed.names import ascii_fold
from memory.seed.plan import LeadSpec
from memory.seed.rows import Row, Timeline, wanted_text

_MIN = timedelta(minutes=1)
NEW_MAIL_SOURCES = (LeadSource.RENGOERING_NU, LeadSource.ADHELP)
SERVICE_LABELS: dict[Service, str] = {
    Service.REGULAR: "Fast rengøringshjælp",
    Service.MOVING_OUT: "Flytterengøring",
    Service.DEEP: "Hovedrengøring",
    Service.STANDARD: "Engangsrengøring",
    Service.BUSINESS: "Erhvervsrengøring",
    Service.WINDOWS: "Vinduespudsning",
}
WEB_CODES: dict[Service, str] = {
    Service.REGULAR: "fast",
    Service.MOVING_OUT: "flytte",
    Service.DEEP: "hoved",
    Service.STANDARD: "alm",
    Service.BUSINESS: "erhverv",
    Service.WINDOWS: "vinduer",
}
_ARTICLES = {"rækkehus": "et", "parcelhus": "et", "kontor": "et"}
FREQUENCY_LABELS = {"weekly": "Hver uge", "biweekly": "Hver 14. dag", "monthly": "Hver måned",
                    "once": "Engangsopgave"}  # fmt: skip


def lead_message_id(spec: LeadSpec) -> str:
    domain, tag = {
        LeadSource.RENGOERING_NU: ("leadmail.no", "lm"),
        LeadSource.RENGOERING_AARHUS: ("leadpoint.dk", "lp"),
        LeadSource.ADHELP: ("adhelp.dk", "ah"),
        LeadSource.WEBSITE: ("rendetalje.dk", "web"),
    }.get(spec.source, ("mail.example.dk", ascii_fold(spec.person.first)))
    return f"<demo-{tag}-{spec.n:04d}@{domain}>"


def fields(spec: LeadSpec, now: datetime) -> LeadFields:
    freq = FREQUENCY_LABELS[spec.frequency.value]
    if spec.visits_per_week > 1:
        freq = f"{spec.visits_per_week} gange om ugen"
    return LeadFields(
        person=spec.person,
        service=SERVICE_LABELS[spec.service],
        property_type=spec.property_type.capitalize(),
        area_m2=spec.area_m2,
        rooms=spec.rooms,
        frequency=freq,
        wanted=wanted_text(spec, now - spec.age),
        note=spec.note,
    )


def _direct_text(f: LeadFields) -> str:
    p = f.person
    if f.area_m2 is None:
        home = f.property_type.lower()
        ask = f"Hvad koster {f.service.lower()} af {_ARTICLES.get(home, 'en')} {home}?"
        return f"Hej\n\n{ask} Tidspunkt: {f.wanted.lower()}.\n\nMvh {p.first}\n{p.phone}\n"
    where = f"{f.property_type.lower()} på {f.area_m2} m² ({f.rooms} rum) på {p.address}"
    extra = f" {f.note}" if f.note else ""
    return (
        f"Hej Rendetalje\n\nJeg vil gerne have et tilbud på {f.service.lower()} af vores "
        f"{where}. Hyppighed: {f.frequency.lower()}. Ønsket tidspunkt: {f.wanted}.{extra}\n\n"
        f"Venlig hilsen\n{p.name}\nTlf. {p.phone}\n"
    )


def lead_mail(spec: LeadSpec, now: datetime) -> BuiltMail:
    f, mid, date, n = fields(spec, now), lead_message_id(spec), now - spec.age, spec.n
    if spec.source is LeadSource.RENGOERING_NU:
        return mails.leadmail(f, message_id=mid, date=date, html_too=n % 3 == 0, colons=n % 2 == 0)
    if spec.source is LeadSource.RENGOERING_AARHUS:
        return mails.leadpoint(f, message_id=mid, date=date, html_only=n % 2 == 0)
    if spec.source is LeadSource.ADHELP:
        return mails.adhelp(f, message_id=mid, date=date, colons=n % 4 != 1)
    if spec.source is LeadSource.WEBSITE:
        code = WEB_CODES[spec.service]
        return mails.website_form(f, code=code, message_id=mid, date=date, colons=n % 3 != 2)
    subject = ("Tilbud på ", "Forespørgsel om ", "Pris på ")[n % 3] + f.service.lower()
    return mails.from_customer(
        spec.person,
        message_id=mid,
        date=date,
        subject=subject,
        text=_direct_text(f),
        html_too=n % 2 == 1,
    )


def answer_subject(spec: LeadSpec, lead_subject: str) -> str:
    """Subject of our answers: a new subject when we write fresh, else "Re:" the lead mail."""
    if spec.source not in NEW_MAIL_SOURCES:
        return f"Re: {lead_subject}"
    via = {LeadSource.RENGOERING_NU: "Rengøring.nu", LeadSource.ADHELP: "AdHelp"}[spec.source]
    return f"Din forespørgsel på {SERVICE_LABELS[spec.service].lower()} via {via}"


def first_answer(spec: LeadSpec) -> str:
    p, service = spec.person, SERVICE_LABELS[spec.service].lower()
    if spec.area_m2 is None:
        ask = (
            "For at kunne give dig en pris skal vi kende boligens størrelse i m² og antallet "
            "af værelser. Vil du svare på denne mail med de oplysninger?"
        )
    else:
        ask = (
            f"Vi ringer dig op på {p.phone} for at aftale de sidste detaljer, og derefter får du "
            "et skriftligt tilbud. Vores pris er 349 kr/time pr. medarbejder inkl. moms."
        )
    return f"Hej {p.first}\n\nTak for din henvendelse om {service}. {ask}\n\n{SIGNATURE}"


def quote_mail(spec: LeadSpec, quote_text: str) -> str:
    """Our mail carrying a quote: greeting, the quote's own text unchanged, signature."""
    intro = "Tak for din henvendelse. Her er vores tilbud:"
    return f"Hej {spec.person.first}\n\n{intro}\n\n{quote_text}\n\n{SIGNATURE}"


def lead_thread(spec: LeadSpec, quote: Row | None, now: datetime) -> tuple[list[Row], list[Row]]:
    """The lead mail and our answers: (inbound rows, outbound rows)."""
    mail = lead_mail(spec, now)
    t, n, key = Timeline.of(spec, now), spec.n, f"lead-{spec.n}"
    new_mail = spec.source in NEW_MAIL_SOURCES
    thread = our_message_id(f"{n}-0") if new_mail else mail.message_id
    status = InboundStatus.REPLIED
    if spec.status is LeadStatus.NEW:
        status = InboundStatus.RECEIVED if spec.pending else InboundStatus.DRAFTED
    inbound = [
        inbound_row(
            key,
            mail,
            received=t.received,
            now=now,
            status=status,
            source=spec.source,
            lead_n=n,
            thread_id=mail.message_id,
            deliveries=2 if n == 5 else 1,
        )
    ]
    if spec.pending:
        return inbound, []
    subject = answer_subject(spec, mail.subject)
    reply_to = None if new_mail else mail.message_id

    def out(
        k: str,
        body: str,
        st: OutboundStatus,
        at: datetime,
        *,
        quote_n: int | None = None,
        reason: str | None = None,
        sent_at: datetime | None = None,
    ) -> Row:
        return outbound_row(
            f"{n}-{k}",
            to=spec.person.email,
            subject=subject,
            body=body,
            status=st,
            created=at,
            now=now,
            lead_n=n,
            inbound_key=key,
            thread_id=thread,
            in_reply_to=reply_to,
            quote_n=quote_n,
            reason=reason,
            sent_at=sent_at,
        )

    rows: list[Row] = []
    has_quote = quote is not None
    quote_body = quote_mail(spec, str(quote["text"])) if quote is not None else ""
    if spec.status is LeadStatus.NEW:
        drafted = t.quote_created
        if n in (3, 4) and has_quote:  # a first draft without the price, sent back by the owner
            why = "Skriv prisen med det samme – kunden har givet os m² og antal værelser."
            rows.append(out("r", first_answer(spec), OutboundStatus.REJECTED, drafted, reason=why))
            drafted = t.replied
        body = quote_body if has_quote else first_answer(spec)
        rows.append(out("0", body, OutboundStatus.DRAFT, drafted, quote_n=n if has_quote else None))
        return inbound, rows
    if spec.quote in (None, QuoteStatus.DRAFT):
        rows.append(out("0", first_answer(spec), OutboundStatus.SENT, t.replied))
        if spec.quote is QuoteStatus.DRAFT and n % 2 == 0:
            rows.append(out("1", quote_body, OutboundStatus.APPROVED, t.quote_created, quote_n=n))
        return inbound, rows
    rows.append(
        out("0", quote_body, OutboundStatus.SENT, t.quote_created, quote_n=n, sent_at=t.quote_sent)
    )
    return inbound, rows
