"""Entity extraction from free text: contacts, ids, measures, service, names, clock times."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from agent.offline.entities import (
    extract_add_ons,
    extract_emails,
    extract_frequency,
    extract_ids,
    extract_phones,
    extract_service,
)
from agent.offline.measures import (
    extract_area,
    extract_duration,
    extract_rooms,
    extract_time_of_day,
)
from agent.offline.names import extract_names
from tools.services import AddOn, Frequency, ServiceType


def test_emails() -> None:
    text = "Skriv til Mette.Hansen@Example.dk og cc jens+rengoering@firma.co.uk."
    assert extract_emails(text) == ["mette.hansen@example.dk", "jens+rengoering@firma.co.uk"]
    assert extract_emails("mette@example.dk, mette@example.dk") == ["mette@example.dk"]
    assert extract_emails("ingen adresse her") == []


@pytest.mark.parametrize(
    "text",
    [
        "+45 20 30 40 50",
        "+4520304050",
        "0045 20304050",
        "0045 20 30 40 50",
        "(+45) 2030 4050",
        "20304050",
        "2030 4050",
        "20 30 40 50",
        "20-30-40-50",
        "ring på tlf. 20 30 40 50 i dag",
        "Telefon: +45 20304050",
    ],
)
def test_danish_phone_numbers_in_every_common_form(text: str) -> None:
    assert extract_phones(text) == ["+4520304050"]


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03",
        "03.12.2026",
        "1.396–2.094 kr",
        "12345678901",
        "10203040",  # Danish numbers never start with 1
        "id 3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "kl. 10.30",
    ],
)
def test_things_that_are_not_phone_numbers(text: str) -> None:
    assert extract_phones(text) == []


def test_ids() -> None:
    uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert extract_ids(f"vis lead {uuid}") == [uuid]
    assert extract_ids("vis lead 3FA85F64") == ["3fa85f64"]
    assert extract_ids("udkast #20304050") == ["20304050"]  # after "#" any hex goes
    assert extract_ids("ring 20304050") == []  # a bare number is a phone number
    assert extract_ids("deadbeef") == []  # a bare word is a word


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("80 m2", 80),
        ("80 m²", 80),
        ("80m2", 80),
        ("80kvm", 80),
        ("80 kvm.", 80),
        ("80 kvadratmeter", 80),
        ("80 square metres", 80),
        ("80 square meters", 80),
        ("80 sqm", 80),
        ("80 sq m", 80),
        ("på 80 m2", 80),
        ("120m2", 120),
        ("82,5 m2", 83),  # whole m², rounded half up
        ("1.200 m2 kontor", 1200),  # Danish thousands separator
        ("et hus på 80 m^2", 80),
        ("80 kvadrat meter", 80),
        ("4 værelser", None),
        ("80 kr", None),
    ],
)
def test_area(text: str, area: int | None) -> None:
    assert extract_area(text) == area


@pytest.mark.parametrize(
    ("text", "rooms"),
    [
        ("4 værelser", 4),
        ("3 rooms", 3),
        ("4-værelses lejlighed", 4),
        ("en 2 værelses", 2),
        ("tre værelser", 3),
        ("3 bedrooms", 3),
        ("1 værelse", 1),
        ("5 vær.", 5),
        ("80 m2", None),
    ],
)
def test_rooms(text: str, rooms: int | None) -> None:
    assert extract_rooms(text) == rooms


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("flytterengøring", ServiceType.MOVING_OUT),
        ("Flytte rengøring", ServiceType.MOVING_OUT),
        ("flytterengoring", ServiceType.MOVING_OUT),  # typed without ø
        ("flyterengøring", ServiceType.MOVING_OUT),  # typo
        ("fraflytning", ServiceType.MOVING_OUT),
        ("move-out clean", ServiceType.MOVING_OUT),
        ("moving out", ServiceType.MOVING_OUT),
        ("hovedrengøring", ServiceType.DEEP),
        ("dybderengøring", ServiceType.DEEP),
        ("deep clean", ServiceType.DEEP),
        ("hovdrengøring", ServiceType.DEEP),
        ("fast rengøring", ServiceType.REGULAR),
        ("ugentlig rengøring", ServiceType.REGULAR),
        ("hver 14. dag", ServiceType.REGULAR),  # a recurring frequency means regular
        ("regular cleaning", ServiceType.REGULAR),
        ("weekly", ServiceType.REGULAR),
        ("almindelig rengøring", ServiceType.STANDARD),
        ("engangsrengøring", ServiceType.STANDARD),
        ("one-off clean", ServiceType.STANDARD),
        ("erhvervsrengøring", ServiceType.BUSINESS),
        ("rengøring af vores kontor", ServiceType.BUSINESS),
        ("office cleaning", ServiceType.BUSINESS),
        ("vinduespudsning", ServiceType.WINDOWS),
        ("vinduer", ServiceType.WINDOWS),
        ("window cleaning", ServiceType.WINDOWS),
        ("flytterengøring inkl. vinduespudsning", ServiceType.MOVING_OUT),
        ("vinduespudsning og flytterengøring", ServiceType.MOVING_OUT),
        ("rengøring", None),  # never guessed
        ("cleaning", None),
    ],
)
def test_service(text: str, service: ServiceType | None) -> None:
    assert extract_service(text) == service


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("hver 14. dag", Frequency.BIWEEKLY),
        ("hver anden uge", Frequency.BIWEEKLY),
        ("every other week", Frequency.BIWEEKLY),
        ("fortnightly", Frequency.BIWEEKLY),
        ("ugentlig", Frequency.WEEKLY),
        ("hver uge", Frequency.WEEKLY),
        ("once a week", Frequency.WEEKLY),
        ("hver måned", Frequency.MONTHLY),
        ("monthly", Frequency.MONTHLY),
        ("engangsopgave", Frequency.ONCE),
        ("one-off", Frequency.ONCE),
        ("i næste uge", None),
    ],
)
def test_frequency(text: str, frequency: Frequency | None) -> None:
    assert extract_frequency(text) == frequency


def test_add_ons() -> None:
    text = "flytterengøring med ovn, køleskab, vinduer og afkalkning"
    assert extract_add_ons(text) == [AddOn.OVEN, AddOn.FRIDGE, AddOn.WINDOWS, AddOn.DESCALING]
    assert extract_add_ons("move-out incl. oven and fridge, descaling") == [
        AddOn.OVEN,
        AddOn.FRIDGE,
        AddOn.DESCALING,
    ]
    assert extract_add_ons("Kan du kalkulere en pris?") == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Find Mette Hansen", ["Mette Hansen"]),
        ("find mette hansen", ["Mette Hansen"]),
        ("Book Jens på tirsdag", ["Jens"]),
        ("tilbud til mette", ["Mette"]),
        ("Skriv til Lene om at vi kommer", ["Lene"]),
        ("Vis Mettes tilbud", ["Mette"]),
        ("Show me Mette's details", ["Mette"]),
        ("Jens tilbud skal sendes", ["Jens"]),  # a name ending in s keeps it
        ("Mette Hansens booking", ["Mette Hansen"]),
        ("Hvem er Jens Peter Nielsen?", ["Jens Peter Nielsen"]),
        ("Kan du tjekke Birthe Skovgaard?", ["Birthe Skovgaard"]),  # standalone, 2 words
        ("Mette ringede i går", ["Mette"]),
        ("Look up John Smith", ["John Smith"]),
        ("kunden hedder anne-marie olsen", ["Anne-Marie Olsen"]),
        ("find mette og jens", ["Mette", "Jens"]),
        ("Find Mette Hansen. Mette bor i Aarhus", ["Mette Hansen"]),
        ("Tilbud til Karen Blixen på 80 m2", ["Karen Blixen"]),
        ("Lav et tilbud til Hansen", ["Hansen"]),
        ("Tak for tilbuddet.\n\nMvh Birgit", ["Birgit"]),
        # not names
        ("find leads i Aarhus", []),
        ("søg efter skovvej 12", []),
        ("Hvad koster en Flytterengøring på tirsdag i December?", []),
        ("Lav et tilbud til mette.hansen@example.dk", []),
        ("Per time koster det 349 kr", []),
        ("Skriv til kunden at vi kommer", []),
        ("Randers C\nBoligtype: Rækkehus", []),
        ("Send det til RenOS", []),
    ],
)
def test_names(text: str, names: list[str]) -> None:
    assert extract_names(text) == names


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("kl. 10", time(10)),
        ("kl 13.30", time(13, 30)),
        ("klokken 8", time(8)),
        ("10:00", time(10)),
        ("at 2 pm", time(14)),
        ("at 2pm", time(14)),
        ("at 10:30 am", time(10, 30)),
        ("at 12 am", time(0)),
        ("14.00", time(14)),
        ("at 9", time(9)),
        ("noon", time(12)),
        ("kl. 25", None),
        ("3.12", None),  # a date, not a time
        ("80 m2", None),
        ("at 80 m2", None),
    ],
)
def test_time_of_day(text: str, clock: time | None) -> None:
    assert extract_time_of_day(text) == clock


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("3 timer", Decimal(3)),
        ("2,5 timer", Decimal("2.5")),
        ("2.5 hours", Decimal("2.5")),
        ("3 hours", Decimal(3)),
        ("1 time", Decimal(1)),
        ("en halv time", Decimal("0.5")),
        ("halvanden time", Decimal("1.5")),
        ("an hour", Decimal(1)),
        ("to timer", Decimal(2)),
        ("kl. 10", None),
        ("3 dage", None),
    ],
)
def test_duration(text: str, hours: Decimal | None) -> None:
    assert extract_duration(text) == hours
