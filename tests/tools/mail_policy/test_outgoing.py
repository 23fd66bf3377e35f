"""The outgoing check: links, images, other customers' data, prompt leaks, quote figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tools.mail_policy.outgoing import OutgoingCode, QuoteFigures, check_outgoing
from tools.pricing import calculate_quote
from tools.quote_text import build_quote_text

C = OutgoingCode
CUSTOMER = "birgit.norgaard@example.dk"
OTHERS = ["lene.mikkelsen@example.dk", "+45 28 11 45 90", "Lene Mikkelsen"]
PROMPT = (
    "Du er RenOS assistent for Rendetalje og svarer altid høfligt på dansk til kunderne. "
    "Afslør aldrig interne priser eller andre kunders oplysninger."
)
LINKS = {"https://rendetalje.dk/tilbud"}
CALC = calculate_quote("regular", 80)
FIGURES = QuoteFigures.of(CALC)


def codes(text: str, figures: QuoteFigures | None = None, **kw: object) -> list[OutgoingCode]:
    found = check_outgoing(
        text,
        allowed_links=LINKS,
        known_customer_email=CUSTOMER,
        other_customers_data=OTHERS,
        system_prompt=PROMPT,
        quote_figures=figures,
        **kw,  # type: ignore[arg-type]
    )
    return [v.code for v in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hej Birgit, vi kommer lørdag kl. 9. Mvh Rendetalje", []),
        ("Se https://rendetalje.dk/tilbud.", []),
        ("Se https://evil.example.com/x", [C.LINK_NOT_ALLOWED]),
        ("Se www.evil.example.com", [C.LINK_NOT_ALLOWED]),
        ('<a href="https://evil.example.com">her</a>', [C.LINK_NOT_ALLOWED]),
        ("![logo](https://evil.example.com/p.png)", [C.IMAGE_NOT_ALLOWED]),
        ("![logo](https://rendetalje.dk/tilbud)", []),
        ('<img src="https://t.example.com/pixel.gif">', [C.IMAGE_NOT_ALLOWED]),
        ("<IMG SRC=data:image/png;base64,AAAA>", [C.IMAGE_NOT_ALLOWED]),
        ("Skriv til lene.mikkelsen@example.dk", [C.OTHER_CUSTOMER_DATA, C.UNKNOWN_EMAIL_ADDRESS]),
        ("Ring til Lene på 28114590", [C.OTHER_CUSTOMER_DATA]),
        ("Ring 28 11 45 90", [C.OTHER_CUSTOMER_DATA]),
        ("Hej LENE  MIKKELSEN", [C.OTHER_CUSTOMER_DATA]),
        ("Hej Lene Mikkelsensen", []),  # a different name
        ("Skriv til x@andet.dk", [C.UNKNOWN_EMAIL_ADDRESS]),
        (f"Svar til {CUSTOMER} eller info@rendetalje.dk", []),
        ("Du er RenOS assistent for Rendetalje og svarer altid høfligt", [C.SYSTEM_PROMPT_LEAK]),
        ("RenOS assistent for Rendetalje og svarer altid", []),  # 7 words
        ("Vi regner +3-5 timer ekstra", [C.FORBIDDEN_PHRASE]),
        ("Det kan tage 3–5 ekstra timer", [C.FORBIDDEN_PHRASE]),
        ("Prisen er 250 kr pr. time", [C.FORBIDDEN_PHRASE]),
        ("Prisen er 300 kr/time", [C.FORBIDDEN_PHRASE]),
        ("Før kostede det 250-300 kr", [C.FORBIDDEN_PHRASE]),
        ("Prisen er 349 kr pr. time", []),
    ],
)
def test_rules_without_quote(text: str, expected: list[OutgoingCode]) -> None:
    assert codes(text) == expected


def test_own_customer_in_others_list_is_not_flagged() -> None:
    found = check_outgoing(
        f"Hej, vi skriver til {CUSTOMER}",
        allowed_links=set(),
        known_customer_email=CUSTOMER,
        other_customers_data=[CUSTOMER.upper()],
        system_prompt="",
        quote_figures=None,
    )
    assert found == []


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Prisen er 1.396–2.094 kr inkl. moms.", []),
        ("Prisen er 1.396-2.094 kr.", []),
        ("Heraf moms 279,20–418,80 kr.", []),
        ("Timeprisen er kr. 349.", []),
        ("Prisen er 1.396 kr og i alt 4 arbejdstimer med 2 medarbejdere.", []),
        ("Prisen er 1.500 kr.", ["1500 kr"]),
        ("Prisen er 1.396–2.100 kr.", ["2100 kr"]),
        ("Prisen er DKK 999.", ["999 kr"]),
        ("I alt 5 arbejdstimer.", ["5 arbejdstimer"]),
        ("Vi sender 3 medarbejdere.", ["3 medarbejdere"]),
        ("Første besøg: 2.094–2.792 kr.", ["2792 kr"]),  # first-visit figure unknown here
    ],
)
def test_quote_figures(text: str, bad: list[str]) -> None:
    found = check_outgoing(
        text,
        allowed_links=set(),
        known_customer_email=CUSTOMER,
        other_customers_data=(),
        system_prompt="",
        quote_figures=(FIGURES.price_min, FIGURES.price_max, FIGURES.work_hours, 2),
    )
    assert [v.detail for v in found] == bad
    assert all(v.code is C.QUOTE_FIGURE_MISMATCH for v in found)


def test_engine_quote_text_passes_with_calculation() -> None:
    text = build_quote_text(CALC)
    assert codes(text, FIGURES, quote_calc=CALC) == []


def test_invalid_quote_text_is_reported() -> None:
    found = codes("Prisen er 1.396 kr.", FIGURES, quote_calc=CALC)
    assert found and set(found) == {C.QUOTE_TEXT_INVALID}


def test_figures_are_checked_with_a_plain_tuple() -> None:
    assert (CALC.price_min, CALC.price_max, CALC.work_hours, CALC.workers) == FIGURES
    assert FIGURES.price_min == Decimal("1396.00")


# English replies (language="en")


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("The price is 1,396–2,094 kr incl. VAT.", []),
        ("The price is DKK 1,396.", []),
        ("Of which VAT 279.20–418.80 kr.", []),
        ("The price is 1.396–2.094 kr.", []),  # the Danish convention is read too
        ("In total 4 work hours with 2 cleaners, 1,396 kr.", []),
        ("The hourly rate is DKK 349.", []),
        ("The price is 1,500 kr.", ["1500 kr"]),
        ("The price is 1,396–2,100 kr.", ["2100 kr"]),
        ("The price is DKK 1,397.", ["1397 kr"]),
        ("The price is 9.999 kr.", ["9999 kr"]),
        ("The price is 1,396.50 kr.", ["1396.50 kr"]),
        ("The price is 1,396,50 kr.", ["1,396,50 kr"]),
        ("5 work hours in total.", ["5 work hours"]),
        ("We will send 3 cleaners.", ["3 workers"]),
    ],
)
def test_english_quote_figures(text: str, bad: list[str]) -> None:
    found = check_outgoing(
        text,
        allowed_links=set(),
        known_customer_email=CUSTOMER,
        other_customers_data=(),
        system_prompt="",
        quote_figures=FIGURES,
        language="en",
    )
    assert [v.detail for v in found] == bad
    assert all(v.code is C.QUOTE_FIGURE_MISMATCH for v in found)


def test_danish_parsing_is_unchanged_by_default() -> None:
    # "1,396 kr" is not a Danish amount: the Danish check does not read it at all
    assert codes("The price is 1,500 kr.", FIGURES) == []
    assert codes("The price is 1,500 kr.", FIGURES, language="en") == [C.QUOTE_FIGURE_MISMATCH]


@pytest.mark.parametrize(
    "text",
    [
        "We estimate +3-5 hours extra",
        "It may take 3 to 5 extra hours",
        "The price is 250 kr per hour",
        "It used to cost 250–300 kr",
        "It used to cost 250 to 300 kr",
        "Vi regner +3-5 timer ekstra",
    ],
)
def test_english_forbidden_phrases(text: str) -> None:
    assert codes(text, language="en") == [C.FORBIDDEN_PHRASE]


def test_english_quote_text_passes_only_in_english() -> None:
    text = build_quote_text(CALC, "en")
    assert codes(text, FIGURES, quote_calc=CALC, language="en") == []
    assert codes(build_quote_text(CALC), FIGURES, quote_calc=CALC, language="en") == []
    assert set(codes(text, FIGURES, quote_calc=CALC)) == {C.QUOTE_TEXT_INVALID}
    broken = text.replace("You only pay for the time we actually use.", "")
    assert codes(broken, FIGURES, quote_calc=CALC, language="en") == [C.QUOTE_TEXT_INVALID]


def test_a_door_or_alarm_code_is_never_sent() -> None:
    assert codes("Hej Birgit, dørkoden er 4711, vi ses lørdag.") == [C.ACCESS_CODE]
    assert codes("Hej Birgit, oplys gerne dørkoden inden opstart.") == []
