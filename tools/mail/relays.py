"""Recognise the lead source of an inbound mail and read the lead's labelled fields.

Routing (domain.md "Leads"): Leadmail.no and AdHelp are relays we must never answer; the
customer's own address is in the body. Leadpoint.dk and the website form carry the customer
in Reply-To. Anything else is direct mail from the customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from tools.mail.mime import ParsedMail
from tools.services import Frequency, ServiceType, parse_service


class LeadSource(StrEnum):
    RENGOERING_NU = "rengoering_nu"
    RENGOERING_AARHUS = "rengoering_aarhus"
    ADHELP = "adhelp"
    WEBSITE = "website"
    DIRECT = "direct"


WEBSITE_FORM_ADDRESS = "formular@rendetalje.dk"
OWN_DOMAIN = "rendetalje.dk"
# Addresses in these domains are never a customer: replies there are lost or forbidden.
_RELAY_DOMAINS = ("leadmail.no", "adhelp.dk", "leadpoint.dk")


@dataclass(frozen=True, slots=True)
class LeadFields:
    """What a lead mail's body says, normalised; None where absent or implausible."""

    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    area_m2: int | None = None
    rooms: int | None = None
    property_type: str | None = None
    service: ServiceType | None = None
    service_text: str | None = None
    frequency: Frequency | None = None
    wanted_dates: str | None = None
    description: str | None = None
    extras: str | None = None
    warnings: tuple[str, ...] = field(default=())


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].lower()


def _in_domain(address: str | None, domain: str) -> bool:
    d = _domain(address)
    return d == domain or d.endswith("." + domain)


def detect_source(parsed: ParsedMail) -> LeadSource:
    sender = parsed.from_address
    if _in_domain(sender, "leadmail.no"):
        return LeadSource.RENGOERING_NU
    if _in_domain(sender, "leadpoint.dk"):
        return LeadSource.RENGOERING_AARHUS
    if _in_domain(sender, "adhelp.dk"):
        return LeadSource.ADHELP
    if sender == WEBSITE_FORM_ADDRESS:
        return LeadSource.WEBSITE
    return LeadSource.DIRECT


# --- labels ------------------------------------------------------------------------------

_LABELS: dict[str, str] = {
    "navn": "name",
    "fulde navn": "name",
    "kontaktperson": "name",
    "name": "name",
    "firma": "company",
    "virksomhed": "company",
    "firmanavn": "company",
    "e-mail": "email",
    "email": "email",
    "mail": "email",
    "e-mailadresse": "email",
    "emailadresse": "email",
    "telefon": "phone",
    "tlf": "phone",
    "tlf.": "phone",
    "tlf.nr.": "phone",
    "telefonnummer": "phone",
    "mobil": "phone",
    "phone": "phone",
    "adresse": "address",
    "vejnavn": "address",
    "by": "city",
    "postnr. og by": "city",
    "postnummer og by": "city",
    "postnummer": "city",
    "boligtype": "property_type",
    "type bolig": "property_type",
    "ejendomstype": "property_type",
    "behov": "service",
    "opgave": "service",
    "type": "service",
    "ydelse": "service",
    "ønsket ydelse": "service",
    "service": "service",
    "hvor stort er området": "area",
    "hvor stort er området (m²)": "area",
    "størrelse (m²)": "area",
    "størrelse (m2)": "area",
    "størrelse": "area",
    "m2": "area",
    "m²": "area",
    "kvm": "area",
    "areal": "area",
    "boligareal": "area",
    "antal værelser": "rooms",
    "værelser": "rooms",
    "antal rum": "rooms",
    "hvor ofte": "frequency",
    "hyppighed": "frequency",
    "frekvens": "frequency",
    "tilføj mindst én passende dag": "wanted",
    "ønsket dato": "wanted",
    "ønsket start": "wanted",
    "ønsket tidspunkt": "wanted",
    "ønskede datoer": "wanted",
    "dato": "wanted",
    "beskrivelse": "description",
    "besked": "description",
    "kommentar": "description",
    "bemærkninger": "description",
    "ekstratjenester": "extras",
    "tilvalg": "extras",
}

_COLON_LINE = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s*(.*)$")


def _label_key(label: str) -> str | None:
    norm = " ".join(label.strip().strip("*").strip().casefold().split()).rstrip(":").strip()
    return _LABELS.get(norm)


def _labelled(text: str) -> dict[str, str]:
    """First value of each known label; "Label: value" or "Label" then the value below."""
    found: dict[str, str] = {}
    lines = [ln.strip() for ln in text.split("\n")]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        key = _label_key(line)
        if key is not None:
            j = i
            while j < len(lines) and not lines[j]:
                j += 1
            if j < len(lines) and _label_key(lines[j]) is None:
                colon = _COLON_LINE.match(lines[j])
                if not (colon and _label_key(colon.group(1))):
                    found.setdefault(key, lines[j])
                    i = j + 1
            continue
        m = _COLON_LINE.match(line)
        if m and (key := _label_key(m.group(1))) is not None and m.group(2).strip():
            found.setdefault(key, m.group(2).strip())
    return found


# --- values ------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_POSTCODE_CITY = re.compile(r"(?:^|,\s*|\s)(\d{4})\s+([^\d,][^,]*)$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_AREA_IN_TEXT = re.compile(r"(\d{1,4}(?:[.,]\d+)?)\s*(?:m2|m²|kvm|kvadratmeter)", re.I)


def normalise_phone(value: str) -> str | None:
    """Danish numbers as +45XXXXXXXX; None for anything else."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+") or value.strip().startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("45"):
            return None
        digits = digits[2:]
    elif len(digits) == 10 and digits.startswith("45"):
        digits = digits[2:]
    return "+45" + digits if len(digits) == 8 else None


def _number(value: str) -> int | None:
    m = _NUMBER.search(value)
    if m is None:
        return None
    try:
        return round(float(m.group(0).replace(",", ".")))
    except (ValueError, OverflowError):
        return None


_SERVICE_TABLE: dict[str, ServiceType] = {
    "fast rengøringshjælp": ServiceType.REGULAR,
    "hoved": ServiceType.DEEP,
    "engangs": ServiceType.STANDARD,
    "erhverv": ServiceType.BUSINESS,
    "flytte": ServiceType.MOVING_OUT,
    "vinduer": ServiceType.WINDOWS,  # the website form's short value
}
# Keywords searched inside free text ("Kontorrengøring 2 gange om ugen"), most specific first.
_SERVICE_KEYWORDS: tuple[tuple[str, ServiceType], ...] = (
    ("flytte", ServiceType.MOVING_OUT),
    ("fraflytning", ServiceType.MOVING_OUT),
    ("hovedrengøring", ServiceType.DEEP),
    ("dybderengøring", ServiceType.DEEP),
    ("erhverv", ServiceType.BUSINESS),
    ("kontor", ServiceType.BUSINESS),
    ("vinduespudsning", ServiceType.WINDOWS),
    ("vinduer", ServiceType.WINDOWS),
    ("fast rengøring", ServiceType.REGULAR),
    ("rengøringshjælp", ServiceType.REGULAR),
    ("engangs", ServiceType.STANDARD),
    ("almindelig rengøring", ServiceType.STANDARD),
)


def parse_lead_service(value: str) -> ServiceType | None:
    text = " ".join(value.casefold().split())
    found = parse_service(text) or _SERVICE_TABLE.get(text)
    if found is not None:
        return found
    for word, service in _SERVICE_KEYWORDS:
        if word in text:
            return service
    return None


_FREQUENCY_KEYWORDS: tuple[tuple[str, Frequency], ...] = (
    ("14. dag", Frequency.BIWEEKLY),
    ("14 dag", Frequency.BIWEEKLY),
    ("anden uge", Frequency.BIWEEKLY),
    ("2. uge", Frequency.BIWEEKLY),
    ("biweekly", Frequency.BIWEEKLY),
    ("hver uge", Frequency.WEEKLY),
    ("ugentlig", Frequency.WEEKLY),
    ("om ugen", Frequency.WEEKLY),
    ("weekly", Frequency.WEEKLY),
    ("måned", Frequency.MONTHLY),
    ("4. uge", Frequency.MONTHLY),
    ("monthly", Frequency.MONTHLY),
    ("engang", Frequency.ONCE),
    ("en gang", Frequency.ONCE),
    ("once", Frequency.ONCE),
)


def parse_frequency(value: str) -> Frequency | None:
    text = " ".join(value.casefold().split())
    for word, freq in _FREQUENCY_KEYWORDS:
        if word in text:
            return freq
    return None


def parse_lead_fields(text: str) -> LeadFields:
    """Read the labelled fields of a lead mail's (plain or HTML-derived) text."""
    raw = _labelled(text)
    warnings: list[str] = []

    email_match = _EMAIL.search(raw.get("email", ""))
    phone = None
    if "phone" in raw:
        phone = normalise_phone(raw["phone"])
        if phone is None:
            warnings.append(f"phone not a Danish number: {raw['phone'][:40]!r}")

    address = raw.get("address")
    postcode = city = None
    place = raw.get("city")
    if place:
        address = f"{address}, {place}" if address else place
    if address:
        m = _POSTCODE_CITY.search(address)
        if m:
            postcode, city = m.group(1), m.group(2).strip()

    area = None
    area_text = raw.get("area")
    area_value = _number(area_text) if area_text else None
    if area_value is None:
        for key in ("service", "description"):
            m = _AREA_IN_TEXT.search(raw.get(key, ""))
            if m:
                area_value = _number(m.group(1))
                break
    if area_value is not None:
        if 30 <= area_value <= 500:
            area = area_value
        else:
            warnings.append(f"area {area_value} m² outside 30–500")

    rooms = None
    rooms_value = _number(raw["rooms"]) if "rooms" in raw else None
    if rooms_value is not None:
        if 1 <= rooms_value <= 15:
            rooms = rooms_value
        else:
            warnings.append(f"rooms {rooms_value} outside 1–15")

    service_text = raw.get("service")
    service = parse_lead_service(service_text) if service_text else None
    if service_text and service is None:
        warnings.append(f"unknown service: {service_text[:60]!r}")
    freq_text = raw.get("frequency") or service_text or ""
    frequency = parse_frequency(freq_text) if freq_text else None

    return LeadFields(
        name=raw.get("name"),
        company=raw.get("company"),
        email=email_match.group(0).lower() if email_match else None,
        phone=phone,
        address=address,
        postcode=postcode,
        city=city,
        area_m2=area,
        rooms=rooms,
        property_type=raw.get("property_type"),
        service=service,
        service_text=service_text,
        frequency=frequency,
        wanted_dates=raw.get("wanted"),
        description=raw.get("description"),
        extras=raw.get("extras"),
        warnings=tuple(warnings),
    )


# --- routing -----------------------------------------------------------------------------


def _customer_ok(address: str | None) -> str | None:
    """An address we may write to: not a relay, not ourselves."""
    if not address:
        return None
    if any(_in_domain(address, d) for d in (*_RELAY_DOMAINS, OWN_DOMAIN)):
        return None
    return address


def customer_address(parsed: ParsedMail, source: LeadSource, fields: LeadFields) -> str | None:
    """Where a reply must go; None when no safe customer address is known."""
    if source in (LeadSource.RENGOERING_NU, LeadSource.ADHELP):
        return _customer_ok(fields.email)
    if source in (LeadSource.WEBSITE, LeadSource.RENGOERING_AARHUS):
        return _customer_ok(parsed.reply_to) or _customer_ok(fields.email)
    return _customer_ok(parsed.from_address)


def review_reasons(parsed: ParsedMail, source: LeadSource, fields: LeadFields) -> tuple[str, ...]:
    """Why a reply to this mail should be looked at by a person before it goes out."""
    reasons: list[str] = []
    if (
        source is LeadSource.DIRECT
        and parsed.reply_to
        and parsed.from_address
        and parsed.reply_to != parsed.from_address
    ):
        reasons.append(f"Reply-To {parsed.reply_to} differs from From {parsed.from_address}")
    if customer_address(parsed, source, fields) is None:
        reasons.append("no customer address to reply to")
    reasons.extend(fields.warnings)
    return tuple(reasons)
