"""Raw RFC 5322 inbound mails in the shapes the lead sources really send.

The shapes follow ``shared/examples/emails``: Leadmail.no for Rengøring.nu (system sender,
customer only in the body), Leadpoint.dk for Rengøring Aarhus (customer in Reply-To), AdHelp
(an @adhelp.dk sender, customer in the body), the website form (our own sender, customer in
Reply-To), and mail written by the customer. They vary like real mail: plain text or
multipart/alternative with HTML, labels with or without colons.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from memory.seed.names import Person

CPH = ZoneInfo("Europe/Copenhagen")
INBOX = Address("Rendetalje", addr_spec="info@rendetalje.dk")
LEADMAIL = Address("Rengøring.nu", addr_spec="noreply@leadmail.no")
LEADPOINT = Address("Rengøring Aarhus", addr_spec="system@leadpoint.dk")
ADHELP = Address("AdHelp Leads", addr_spec="leads@adhelp.dk")
WEBSITE = Address("Rendetalje hjemmeside", addr_spec="formular@rendetalje.dk")


@dataclass(frozen=True, slots=True)
class LeadFields:
    """What a lead mail says about the customer and the job, as display text."""

    person: Person
    service: str  # e.g. "Flytterengøring"
    property_type: str  # e.g. "Rækkehus"
    area_m2: int | None
    rooms: int | None
    frequency: str  # e.g. "Hver 14. dag"
    wanted: str  # e.g. "Tirsdag eller torsdag formiddag"
    note: str | None


@dataclass(frozen=True, slots=True)
class BuiltMail:
    raw: bytes
    message_id: str
    subject: str
    from_address: str
    reply_to: str | None


def _person(p: Person) -> Address:
    return Address(p.name, addr_spec=p.email)


def build(
    sender: Address,
    *,
    message_id: str,
    date: datetime,
    subject: str,
    text: str,
    html_body: str | None = None,
    html_only: bool = False,
    reply_to: Address | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
) -> BuiltMail:
    """One mail to our inbox, serialised with CRLF line ends as it arrives over SMTP."""
    msg = EmailMessage(policy=policy.default)
    msg["From"] = sender
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["To"] = INBOX
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    msg["Date"] = format_datetime(date.astimezone(CPH))
    for name, value in (headers or {}).items():
        msg[name] = value
    if html_only and html_body is not None:
        msg.set_content(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    else:
        msg.set_content(text, charset="utf-8", cte="8bit")
        if html_body is not None:
            msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    return BuiltMail(
        raw=msg.as_bytes(policy=policy.SMTP),
        message_id=message_id,
        subject=subject,
        from_address=sender.addr_spec,
        reply_to=reply_to.addr_spec if reply_to is not None else None,
    )


def _lines(pairs: Sequence[tuple[str, str | None]], *, colons: bool) -> str:
    shown = [(label, value) for label, value in pairs if value]
    if colons:
        return "\n".join(f"{label}: {value}" for label, value in shown)
    return "\n\n".join(f"{label}\n{value}" for label, value in shown)


def _table(title: str, pairs: Sequence[tuple[str, str | None]]) -> str:
    rows = "\n".join(
        f"<tr><td><b>{html.escape(label)}</b></td><td>{html.escape(value)}</td></tr>"
        for label, value in pairs
        if value
    )
    return f"<html><body>\n<h3>{html.escape(title)}</h3>\n<table>\n{rows}\n</table>\n</body></html>"


def _size(f: LeadFields, unit: str = "") -> str | None:
    return None if f.area_m2 is None else f"{f.area_m2}{unit}"


def leadmail(
    f: LeadFields, *, message_id: str, date: datetime, html_too: bool, colons: bool
) -> BuiltMail:
    """Rengøring.nu via Leadmail.no: never answer the sender, the customer is in the body."""
    p = f.person
    pairs = [
        ("Navn", p.name), ("E-mail", p.email), ("Telefon", p.phone), ("Adresse", p.address),
        ("Boligtype", f.property_type), ("Ejer eller lejer", "Lejer" if "," in p.street else
                                         "Ejer"),
        ("Hvor stort er området", _size(f)), ("Antal værelser", str(f.rooms or "") or None),
        ("Behov", f.service), ("Hvor ofte", f.frequency),
        ("Tilføj mindst én passende dag", f.wanted), ("Kommentar", f.note),
    ]  # fmt: skip
    title = "Ny henvendelse fra Rengøring.nu"
    footer = "Besvar ikke denne mail. Kontakt kunden direkte."
    return build(
        LEADMAIL,
        message_id=message_id,
        date=date,
        subject=f"{p.name} fra Rengøring.nu - Ny henvendelse",
        text=f"{title}\n\n{_lines(pairs, colons=colons)}\n\n{footer}\n",
        html_body=_table(title, pairs).replace("</body>", f"<p>{footer}</p></body>")
        if html_too
        else None,
    )


def leadpoint(f: LeadFields, *, message_id: str, date: datetime, html_only: bool) -> BuiltMail:
    """Rengøring Aarhus via Leadpoint.dk: the customer is in Reply-To; answer normally."""
    p = f.person
    pairs = [
        ("Navn", p.name), ("Email", p.email), ("Telefon", p.phone), ("Adresse", p.address),
        ("Opgave", f.service), ("Boligtype", f.property_type), ("Størrelse", _size(f, " m²")),
        ("Værelser", str(f.rooms or "") or None), ("Hyppighed", f.frequency),
        ("Ønsket dato", f.wanted), ("Besked", f.note),
    ]  # fmt: skip
    title = "Ny henvendelse via Rengøring Aarhus"
    return build(
        LEADPOINT,
        message_id=message_id,
        date=date,
        subject=f"Formular via Rengøring Aarhus: {f.service}",
        text=f"{title}\n\n{_lines(pairs, colons=True)}\n",
        html_body=_table(title, pairs),
        html_only=html_only,
        reply_to=_person(p),
    )


def adhelp(f: LeadFields, *, message_id: str, date: datetime, colons: bool) -> BuiltMail:
    """AdHelp: never write to @adhelp.dk; the customer's own address is in the body."""
    p = f.person
    task = f"{f.service} ({f.frequency.lower()})"
    if f.area_m2 is not None:
        task += f", ca. {f.area_m2} m2"
    pairs = [
        ("Firma", p.company), ("Kontaktperson" if p.company else "Navn", p.name),
        ("E-mail", p.email), ("Tlf", p.phone), ("Adresse", p.address), ("Opgave", task),
        ("Ønsket start", f.wanted), ("Bemærkninger", f.note),
    ]  # fmt: skip
    who = p.company or p.name
    return build(
        ADHELP,
        message_id=message_id,
        date=date,
        subject=f"Lead: {f.service.lower()} - {who}",
        text=(
            "Hej Rendetalje\n\nVi har et nyt lead til jer:\n\n"
            f"{_lines(pairs, colons=colons)}\n\n"
            "Svar ikke til denne adresse - kontakt kunden direkte.\nVenlig hilsen AdHelp\n"
        ),
    )


def website_form(
    f: LeadFields, *, code: str, message_id: str, date: datetime, colons: bool
) -> BuiltMail:
    """Our website's form: sent from our own domain, the customer is in Reply-To."""
    p = f.person
    pairs = [
        ("Navn", p.name), ("Telefon", p.phone), ("Email", p.email), ("Type", code),
        ("Adresse", p.street), ("By", f"{p.postcode} {p.town}"),
        ("Størrelse (m²)", _size(f)), ("Værelser", str(f.rooms or "") or None),
        ("Hyppighed", f.frequency.lower()), ("Ønsket dato", f.wanted), ("Beskrivelse", f.note),
    ]  # fmt: skip
    return build(
        WEBSITE,
        message_id=message_id,
        date=date,
        subject=f"Tilbudsforespørgsel: {code}",
        text=_lines(pairs, colons=colons) + "\n",
        reply_to=_person(p),
    )


def from_customer(
    p: Person,
    *,
    message_id: str,
    date: datetime,
    subject: str,
    text: str,
    html_too: bool = False,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
) -> BuiltMail:
    """A mail the customer writes: a request, a reply in a thread, a complaint."""
    body = None
    if html_too:
        paragraphs = "".join(f"<p>{html.escape(par)}</p>" for par in text.split("\n\n"))
        body = f"<html><body>{paragraphs.replace(chr(10), '<br>')}</body></html>"
    return build(
        _person(p),
        message_id=message_id,
        date=date,
        subject=subject,
        text=text,
        html_body=body,
        in_reply_to=in_reply_to,
        references=references,
        headers=headers,
    )
