"""`understand`: staff utterances in Danish and English → intents and every extracted argument.

Each row states the exact intents (in execution order) and every entity the utterance must
yield; entities a row does not mention must come back empty, so a spurious extraction fails.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from agent.offline import NEEDS_LEAD_LOOKUP, Intent, Understanding, understand
from tools.services import AddOn, Frequency, ServiceType

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CPH)  # Wednesday

It = Intent
S = ServiceType
F = Frequency
A = AddOn


def day(month: int, day_: int, year: int = 2026) -> tuple[date, date]:
    return date(year, month, day_), date(year, month, day_)


NEXT_WEEK = (date(2026, 11, 30), date(2026, 12, 5))
WEEK_50 = (date(2026, 12, 7), date(2026, 12, 12))

EMPTY: dict[str, object] = {
    "emails": (),
    "phones": (),
    "names": (),
    "ids": (),
    "area_m2": None,
    "rooms": None,
    "service": None,
    "frequency": None,
    "add_ons": (),
    "dates": [],
    "time_of_day": None,
    "duration_hours": None,
}

Case = tuple[str, tuple[Intent, ...], dict[str, object]]

DANISH: list[Case] = [
    (
        "Hvad koster en flytterengøring på 80 m2?",
        (It.QUOTE,),
        {"service": S.MOVING_OUT, "area_m2": 80},
    ),
    ("Find Mette Hansen", (It.FIND_LEAD,), {"names": ("Mette Hansen",)}),
    (
        "Har vi ledige tider i næste uge til en hovedrengøring på 120 m2?",
        (It.AVAILABILITY,),
        {"service": S.DEEP, "area_m2": 120, "dates": [NEXT_WEEK]},
    ),
    (
        "Lav et tilbud til mette.hansen@example.dk på fast rengøring hver 14. dag, 95 m2",
        (It.QUOTE,),
        {
            "emails": ("mette.hansen@example.dk",),
            "service": S.REGULAR,
            "frequency": F.BIWEEKLY,
            "area_m2": 95,
        },
    ),
    (
        "Book Jens på tirsdag kl. 10",
        (It.BOOK,),
        {"names": ("Jens",), "dates": [day(12, 1)], "time_of_day": time(10)},
    ),
    (
        "Skriv et svar til Lene om at vi kan komme torsdag",
        (It.WRITE_EMAIL,),
        {"names": ("Lene",), "dates": [day(11, 26)]},
    ),
    ("Send udkastet", (It.SEND_EMAIL,), {}),
    ("Hvad koster det?", (It.QUOTE,), {}),
    ("find Mette og lav et tilbud", (It.FIND_LEAD, It.QUOTE), {"names": ("Mette",)}),
    ("send tilbuddet til Mette", (It.QUOTE, It.WRITE_EMAIL, It.SEND_EMAIL), {"names": ("Mette",)}),
    # misspellings and lowercase names
    (
        "hvad koster en flyterengøring på 80 kvm",
        (It.QUOTE,),
        {"service": S.MOVING_OUT, "area_m2": 80},
    ),
    (
        "Hvad koster hovdrengøring af 100 kvm med 3 værelser?",
        (It.QUOTE,),
        {"service": S.DEEP, "area_m2": 100, "rooms": 3},
    ),
    (
        "lav et tilbud på hovedrengøring til mette, 4 værelser 110 m2",
        (It.QUOTE,),
        {"names": ("Mette",), "service": S.DEEP, "rooms": 4, "area_m2": 110},
    ),
    (
        "book jens hansen fredag kl 9",
        (It.BOOK,),
        {"names": ("Jens Hansen",), "dates": [day(11, 27)], "time_of_day": time(9)},
    ),
    ("har vi ledgie tider på mandag?", (It.AVAILABILITY,), {"dates": [day(11, 30)]}),
    # references by phone, id and e-mail
    ("søg efter 2030 4050", (It.FIND_LEAD,), {"phones": ("+4520304050",)}),
    ("Søg på 20304050", (It.FIND_LEAD,), {"phones": ("+4520304050",)}),
    (
        "Hvem er kunden med telefon 0045 28 11 45 90?",
        (It.FIND_LEAD,),
        {"phones": ("+4528114590",)},
    ),
    ("vis lead 3fa85f64", (It.LEAD_DETAILS,), {"ids": ("3fa85f64",)}),
    ("Status på Mette Hansen", (It.LEAD_DETAILS,), {"names": ("Mette Hansen",)}),
    ("Vis detaljer for Birthe Skovgaard", (It.LEAD_DETAILS,), {"names": ("Birthe Skovgaard",)}),
    (
        "mail til jens@example.dk om at vi kommer i overmorgen",
        (It.WRITE_EMAIL,),
        {"emails": ("jens@example.dk",), "dates": [day(11, 27)]},
    ),
    # service details and add-ons
    ("Giv mig et overslag på vinduespudsning", (It.QUOTE,), {"service": S.WINDOWS}),
    (
        "Flytterengøring inkl. ovn, køleskab og afkalkning, 65 m2",
        (It.QUOTE,),
        {
            "service": S.MOVING_OUT,
            "area_m2": 65,
            "add_ons": (A.OVEN, A.FRIDGE, A.DESCALING),
        },
    ),
    (
        "Lav et tilbud på fraflytning 70 m2 med ovn og vinduer til lene",
        (It.QUOTE,),
        {
            "service": S.MOVING_OUT,
            "area_m2": 70,
            "add_ons": (A.OVEN, A.WINDOWS),
            "names": ("Lene",),
        },
    ),
    (
        "Lav en pris på ugentlig rengøring 70m2",
        (It.QUOTE,),
        {"service": S.REGULAR, "frequency": F.WEEKLY, "area_m2": 70},
    ),
    (
        "Jeg vil gerne have et tilbud på engangsrengøring af en 3-værelses på 75 kvadratmeter",
        (It.QUOTE,),
        {"service": S.STANDARD, "frequency": F.ONCE, "rooms": 3, "area_m2": 75},
    ),
    ("tilbud til mette på 80 m2", (It.QUOTE,), {"names": ("Mette",), "area_m2": 80}),
    # booking
    (
        "Book Mette Hansen den 3.12 kl 13.30, 3 timer",
        (It.BOOK,),
        {
            "names": ("Mette Hansen",),
            "dates": [day(12, 3)],
            "time_of_day": time(13, 30),
            "duration_hours": Decimal(3),
        },
    ),
    (
        "Reserver lørdag den 5. december kl. 8 til Jens Hansen, 4 timer",
        (It.BOOK,),
        {
            "names": ("Jens Hansen",),
            "dates": [day(12, 5)],
            "time_of_day": time(8),
            "duration_hours": Decimal(4),
        },
    ),
    ("book hende i morgen", (It.BOOK,), {"dates": [day(11, 26)]}),
    ("Book Jens", (It.BOOK,), {"names": ("Jens",)}),
    ("Book en tid i næste uge til Mette", (It.BOOK,), {"names": ("Mette",), "dates": [NEXT_WEEK]}),
    # availability
    (
        "Er der plads i uge 50 til en erhvervsrengøring?",
        (It.AVAILABILITY,),
        {"service": S.BUSINESS, "dates": [WEEK_50]},
    ),
    (
        "Hvornår kan vi komme ud til Karen Nielsen?",
        (It.AVAILABILITY,),
        {"names": ("Karen Nielsen",)},
    ),
    ("Kan du tjekke kalenderen for fredag?", (It.AVAILABILITY,), {"dates": [day(11, 27)]}),
    # mails, mixed intents
    ("Skriv til kunden at vi kommer kl. 9", (It.WRITE_EMAIL,), {"time_of_day": time(9)}),
    (
        "Find Mette og send hende et tilbud på flytterengøring, 80 m2",
        (It.FIND_LEAD, It.QUOTE, It.WRITE_EMAIL, It.SEND_EMAIL),
        {"names": ("Mette",), "service": S.MOVING_OUT, "area_m2": 80},
    ),
    ("send mailen til Jens", (It.SEND_EMAIL,), {"names": ("Jens",)}),
    # confirmations, negations, small talk
    ("Ja, send det", (It.CONFIRM, It.SEND_EMAIL), {}),
    ("ikke send", (It.DECLINE,), {}),
    ("Send det ikke endnu", (It.DECLINE,), {}),
    ("Lad være med at sende den", (It.DECLINE,), {}),
    ("Nej, annuller bookingen", (It.DECLINE,), {}),
    ("Lav et tilbud, men send det ikke", (It.QUOTE,), {}),
    ("Kan du ikke lige finde Mette?", (It.FIND_LEAD,), {"names": ("Mette",)}),
    ("Hej! Hvad kan du hjælpe med?", (It.GREETING, It.HELP), {}),
    ("Hej, find Jens", (It.FIND_LEAD,), {"names": ("Jens",)}),
    ("Tak", (It.UNKNOWN,), {}),
    # no intent word: the entities decide
    (
        "mette hansen 80 m2 flytterengøring",
        (It.QUOTE,),
        {"names": ("Mette Hansen",), "service": S.MOVING_OUT, "area_m2": 80},
    ),
    ("Ring til +45 20 30 40 50", (It.FIND_LEAD,), {"phones": ("+4520304050",)}),
]

ENGLISH: list[Case] = [
    (
        "How much is a move-out clean of 80 m2?",
        (It.QUOTE,),
        {"service": S.MOVING_OUT, "area_m2": 80},
    ),
    ("Find the lead for Peter Jensen", (It.FIND_LEAD,), {"names": ("Peter Jensen",)}),
    ("Look up mette.hansen@example.dk", (It.FIND_LEAD,), {"emails": ("mette.hansen@example.dk",)}),
    (
        "Show me the details for lead 3fa85f64-5717-4562-b3fc-2c963f66afa6",
        (It.LEAD_DETAILS,),
        {"ids": ("3fa85f64-5717-4562-b3fc-2c963f66afa6",)},
    ),
    (
        "Quote for a deep clean, 3 bedrooms, 90 sqm, next Tuesday at 2 pm",
        (It.QUOTE,),
        {
            "service": S.DEEP,
            "rooms": 3,
            "area_m2": 90,
            "dates": [day(12, 1)],
            "time_of_day": time(14),
        },
    ),
    (
        "What's the price for window cleaning of 150 square metres?",
        (It.QUOTE,),
        {"service": S.WINDOWS, "area_m2": 150},
    ),
    (
        "how much for regular cleaning every other week, 85 m2?",
        (It.QUOTE,),
        {"service": S.REGULAR, "frequency": F.BIWEEKLY, "area_m2": 85},
    ),
    ("Do we have any free slots tomorrow?", (It.AVAILABILITY,), {"dates": [day(11, 26)]}),
    (
        "When can we do an office cleaning in week 50?",
        (It.AVAILABILITY,),
        {"service": S.BUSINESS, "dates": [WEEK_50]},
    ),
    (
        "Schedule John Smith for December 3 at 10:00, 2.5 hours",
        (It.BOOK,),
        {
            "names": ("John Smith",),
            "dates": [day(12, 3)],
            "time_of_day": time(10),
            "duration_hours": Decimal("2.5"),
        },
    ),
    ("Book Peter on Friday", (It.BOOK,), {"names": ("Peter",), "dates": [day(11, 27)]}),
    (
        "Write an email to jens@example.dk and say we can come on Friday",
        (It.WRITE_EMAIL,),
        {"emails": ("jens@example.dk",), "dates": [day(11, 27)]},
    ),
    (
        "Reply to Lene's email and offer her three slots next week",
        (It.AVAILABILITY, It.WRITE_EMAIL),
        {"names": ("Lene",), "dates": [NEXT_WEEK]},
    ),
    (
        "Can you draft a reply to Mette Hansen with a quote for a move-out clean of 80 m2"
        " including oven and fridge?",
        (It.QUOTE, It.WRITE_EMAIL),
        {
            "names": ("Mette Hansen",),
            "service": S.MOVING_OUT,
            "area_m2": 80,
            "add_ons": (A.OVEN, A.FRIDGE),
        },
    ),
    ("Send the quote to Karen", (It.QUOTE, It.WRITE_EMAIL, It.SEND_EMAIL), {"names": ("Karen",)}),
    ("Don't send the draft", (It.DECLINE,), {}),
    ("Yes, go ahead", (It.CONFIRM,), {}),
    ("cancel that", (It.DECLINE,), {}),
    ("Hi", (It.GREETING,), {}),
    ("what can you do?", (It.HELP,), {}),
]


def _summary(found: Understanding) -> dict[str, object]:
    return {
        "emails": found.emails,
        "phones": found.phones,
        "names": found.names,
        "ids": found.ids,
        "area_m2": found.area_m2,
        "rooms": found.rooms,
        "service": found.service,
        "frequency": found.frequency,
        "add_ons": found.add_ons,
        "dates": [(found_day.start, found_day.end) for found_day in found.dates],
        "time_of_day": found.time_of_day,
        "duration_hours": found.duration_hours,
    }


@pytest.mark.parametrize(("text", "intents", "fields"), DANISH + ENGLISH)
def test_intents_and_arguments(
    text: str, intents: tuple[Intent, ...], fields: dict[str, object]
) -> None:
    found = understand(text, now=NOW)
    assert found.intent_names == intents
    assert _summary(found) == {**EMPTY, **fields}


def test_enough_utterances_in_both_languages() -> None:
    assert len(DANISH) >= 40
    assert len(ENGLISH) >= 20


@pytest.mark.parametrize(
    ("text", "language"),
    [(text, "da") for text, _, _ in DANISH] + [(text, "en") for text, _, _ in ENGLISH],
)
def test_language_of_every_row(text: str, language: str) -> None:
    """Rows without any language evidence ("Find Mette Hansen") get the default, Danish."""
    assert understand(text, now=NOW).language == language


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Hvad koster en flytterengøring på 80 m2?", {It.QUOTE: ()}),
        ("Hvad koster det?", {It.QUOTE: ("service", "area_m2")}),
        ("Giv mig et overslag på vinduespudsning", {It.QUOTE: ("area_m2",)}),
        ("tilbud til mette på 80 m2", {It.QUOTE: (NEEDS_LEAD_LOOKUP, "service")}),
        (
            "find Mette og lav et tilbud",
            {It.FIND_LEAD: (), It.QUOTE: (NEEDS_LEAD_LOOKUP, "service", "area_m2")},
        ),
        ("Har vi ledige tider?", {It.AVAILABILITY: ()}),
        ("Book Jens på tirsdag kl. 10", {It.BOOK: ()}),
        ("Book Jens", {It.BOOK: ("date", "time")}),
        ("book hende i morgen", {It.BOOK: ("time", "customer")}),
        ("Book en tid i næste uge til Mette", {It.BOOK: ("date", "time")}),
        ("Skriv et svar til Lene", {It.WRITE_EMAIL: ()}),
        ("Skriv til kunden at vi kommer kl. 9", {It.WRITE_EMAIL: ("recipient",)}),
        ("Send udkastet", {It.SEND_EMAIL: ()}),
        ("Find", {It.FIND_LEAD: ("search_term",)}),
        ("vis detaljer", {It.LEAD_DETAILS: ("lead",)}),
        ("Ja", {}),
    ],
)
def test_missing_per_intent(text: str, missing: dict[Intent, tuple[str, ...]]) -> None:
    assert understand(text, now=NOW).missing == missing


def test_date_and_time_combine_into_an_aware_datetime() -> None:
    found = understand("Book Jens på tirsdag kl. 10", now=NOW)
    assert found.when == datetime(2026, 12, 1, 10, 0, tzinfo=CPH)
    assert found.when is not None and found.when.utcoffset() is not None
    assert understand("Book Jens kl. 10", now=NOW).when is None  # no day: nothing invented


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Find Mette Hansen", "Mette Hansen"),
        ("Find leads fra Aarhus", "aarhus"),
        ("søg efter skovvej 12", "skovvej 12"),
        ("søg efter 2030 4050", "+4520304050"),
        ("Look up mette.hansen@example.dk", "mette.hansen@example.dk"),
        ("Hvad koster det?", None),
    ],
)
def test_search_term(text: str, term: str | None) -> None:
    assert understand(text, now=NOW).search_term == term


def test_explains_itself() -> None:
    found = understand("hvad koster en flyterengøring på 80 kvm", now=NOW)
    assert found.corrections == ("flyterengøring→flytterengøring",)
    assert found.intents[0].cues == ("koster",)
    assert 0 < found.intents[0].confidence < 1
    declined = understand("Send det ikke endnu", now=NOW)
    assert "send" in declined.negated
    implicit = understand("Flytterengøring 65 m2", now=NOW)
    assert implicit.intents[0].cues == ("implicit: service/area",)
    assert (
        implicit.intents[0].confidence
        < understand("Tilbud på 65 m2", now=NOW).intents[0].confidence
    )


def test_understanding_is_frozen() -> None:
    found = understand("Find Mette", now=NOW)
    with pytest.raises(ValidationError):
        found.area_m2 = 80  # type: ignore[misc]


def test_windows_service_has_no_windows_add_on() -> None:
    found = understand("Vinduespudsning af vinduerne på 120 m2", now=NOW)
    assert found.service is S.WINDOWS
    assert found.add_ons == ()
    deep = understand("Hovedrengøring med ovn, 90 m2", now=NOW)
    assert deep.add_ons == ()  # add-ons exist only for move-out cleaning


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        understand("i morgen", now=datetime(2026, 11, 25, 10))
