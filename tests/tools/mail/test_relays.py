"""Lead source detection, labelled-field parsing and reply routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.mail.mime import parse_message
from tools.mail.relays import (
    LeadFields,
    LeadSource,
    customer_address,
    detect_source,
    normalise_phone,
    parse_lead_fields,
    parse_lead_service,
    review_reasons,
)
from tools.services import Frequency, ServiceType

FIXTURES = Path(__file__).parent / "fixtures"


def _parse(name: str) -> tuple[LeadSource, LeadFields, str | None]:
    p = parse_message((FIXTURES / name).read_bytes())
    source = detect_source(p)
    fields = parse_lead_fields(p.text)
    return source, fields, customer_address(p, source, fields)


def test_leadmail_rengoering_nu() -> None:
    source, f, to = _parse("leadmail-rengoering-nu.eml")
    assert source is LeadSource.RENGOERING_NU
    assert f == LeadFields(
        name="Lene Mikkelsen",
        email="lene.mikkelsen@example.dk",
        phone="+4528114590",
        address="Skolegade 21, 8900 Randers C",
        postcode="8900",
        city="Randers C",
        area_m2=95,
        rooms=4,
        property_type="Rækkehus",
        service=ServiceType.REGULAR,
        service_text="Fast rengøringshjælp",
        frequency=Frequency.BIWEEKLY,
        wanted_dates="Tirsdag eller torsdag formiddag",
        extras="Vinduespudsning",
    )
    assert to == "lene.mikkelsen@example.dk"


def test_leadpoint_rengoering_aarhus_html() -> None:
    source, f, to = _parse("leadpoint-rengoering-aarhus.eml")
    assert source is LeadSource.RENGOERING_AARHUS
    assert f.name == "Ole Brandt"
    assert f.email == "ole.brandt@example.dk"
    assert f.phone == "+4560708090"
    assert f.address == "Fredensgade 9, 2. th, 8000 Aarhus C"
    assert (f.postcode, f.city) == ("8000", "Aarhus C")
    assert f.service is ServiceType.MOVING_OUT
    assert f.area_m2 == 68
    assert f.rooms is None
    assert f.wanted_dates == "Hurtigst muligt, senest 14. december"
    assert f.description is not None and f.description.startswith("Lejligheden skal")
    assert f.warnings == ()
    assert to == "ole.brandt@example.dk"


def test_adhelp() -> None:
    source, f, to = _parse("adhelp.eml")
    assert source is LeadSource.ADHELP
    assert f.company == "Kontorhuset ApS"
    assert f.name == "Camilla Riis"
    assert f.email == "camilla@kontorhuset-example.dk"
    assert f.phone == "+4533445566"
    assert f.service is ServiceType.BUSINESS
    assert f.frequency is Frequency.WEEKLY
    assert f.area_m2 == 240
    assert to == "camilla@kontorhuset-example.dk"
    assert "adhelp" not in (to or "")


def test_website_form() -> None:
    source, f, to = _parse("website-form.eml")
    assert source is LeadSource.WEBSITE
    assert f.name == "Jonas Winther"
    assert f.phone == "+4551525354"
    assert f.address == "Marselis Boulevard 101, 8000 Aarhus C"
    assert (f.postcode, f.city) == ("8000", "Aarhus C")
    assert f.area_m2 == 130
    assert f.service is ServiceType.DEEP
    assert f.frequency is Frequency.ONCE
    assert f.wanted_dates == "2026-12-11"
    assert f.description == "Hovedrengøring inden jul. Vi har en hund."
    assert to == "jonas.winther@example.dk"


@pytest.mark.parametrize("name", ["direct-question.eml", "complaint-medium.eml"])
def test_direct_mail_goes_to_from(name: str) -> None:
    source, f, to = _parse(name)
    assert source is LeadSource.DIRECT
    assert f.email is None
    assert to is not None and to.endswith("@example.dk")


def _raw(sender: str, body: str, reply_to: str | None = None) -> bytes:
    rt = f"Reply-To: {reply_to}\r\n" if reply_to else ""
    return (
        f"From: {sender}\r\n{rt}To: info@rendetalje.dk\r\nSubject: x\r\n"
        f"Message-ID: <x@y.dk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def test_labels_without_colons_and_variants() -> None:
    body = (
        "Ny henvendelse fra Rengøring.nu\n\nNavn\nBo Berg\n\nMail\nbo@example.dk\n\nTlf\n"
        "0045 22 33 44 55\n\nAreal\n1200\n\nVærelser\n20\n\nBehov\nFlytterengøring\n"
    )
    p = parse_message(_raw("noreply@leadmail.no", body))
    f = parse_lead_fields(p.text)
    assert f.name == "Bo Berg"
    assert f.email == "bo@example.dk"
    assert f.phone == "+4522334455"
    assert f.area_m2 is None
    assert f.rooms is None
    assert len(f.warnings) == 2
    assert f.service is ServiceType.MOVING_OUT
    assert customer_address(p, detect_source(p), f) == "bo@example.dk"


def test_relay_without_body_email_has_no_address() -> None:
    p = parse_message(_raw("leads@adhelp.dk", "Navn: X\nE-mail: svar@adhelp.dk\n"))
    f = parse_lead_fields(p.text)
    assert customer_address(p, LeadSource.ADHELP, f) is None
    assert "no customer address to reply to" in review_reasons(p, LeadSource.ADHELP, f)


def test_leadpoint_without_reply_to_uses_body_email() -> None:
    p = parse_message(_raw("system@leadpoint.dk", "Email: kunde@example.dk\n"))
    f = parse_lead_fields(p.text)
    assert customer_address(p, detect_source(p), f) == "kunde@example.dk"


def test_direct_reply_to_differs_is_review_reason_not_used() -> None:
    p = parse_message(_raw("kunde@example.dk", "Hej", reply_to="other@evil.example"))
    source = detect_source(p)
    f = parse_lead_fields(p.text)
    assert customer_address(p, source, f) == "kunde@example.dk"
    assert any("Reply-To" in r for r in review_reasons(p, source, f))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fast rengøringshjælp", ServiceType.REGULAR),
        ("Flytterengøring", ServiceType.MOVING_OUT),
        ("hoved", ServiceType.DEEP),
        ("Hovedrengøring", ServiceType.DEEP),
        ("Erhverv", ServiceType.BUSINESS),
        ("Vinduespudsning", ServiceType.WINDOWS),
        ("engangs", ServiceType.STANDARD),
        ("Flytterengøring (engangsopgave), ca. 80 m2", ServiceType.MOVING_OUT),
        ("noget helt andet", None),
    ],
)
def test_service_mapping(text: str, expected: ServiceType | None) -> None:
    assert parse_lead_service(text) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+45 28 11 45 90", "+4528114590"),
        ("28114590", "+4528114590"),
        ("4528114590", "+4528114590"),
        ("+46 70 123 45 67", None),
        ("123", None),
    ],
)
def test_phone(value: str, expected: str | None) -> None:
    assert normalise_phone(value) == expected


def test_html_table_with_bold_labels_and_colons() -> None:
    html = (
        "<table><tr><td><b>Navn:</b></td><td>Eva</td></tr>"
        "<tr><td><b>Størrelse (m²)</b></td><td>80</td></tr>"
        "<tr><td>Antal værelser</td><td>3</td></tr></table>"
    )
    raw = _raw("system@leadpoint.dk", html).replace(b"text/plain", b"text/html")
    f = parse_lead_fields(parse_message(raw).text)
    assert (f.name, f.area_m2, f.rooms) == ("Eva", 80, 3)
