"""The quote text states what domain.md requires, and the validator catches what it forbids."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.pricing import QuoteCalculation, calculate_quote
from tools.quote_text import (
    ViolationCode,
    build_quote_text,
    quote_readiness,
    quote_text_in,
    validate_quote_text,
)
from tools.services import AddOn, ServiceType

MOVE_80 = calculate_quote(ServiceType.MOVING_OUT, 80)


def codes(text: str, calc: QuoteCalculation = MOVE_80) -> set[ViolationCode]:
    return {violation.code for violation in validate_quote_text(text, calc)}


def test_worked_example_text() -> None:
    text = build_quote_text(MOVE_80)
    assert "Tilbud på flytterengøring – 80 m²" in text
    assert "Vi sender 2 medarbejdere" in text
    assert "2 timer på stedet" in text
    assert "i alt 4 arbejdstimer" in text
    assert "349 kr pr. time pr. medarbejder inkl. moms" in text
    assert "1.396–2.094 kr inkl. moms" in text
    assert "heraf moms 279,20–418,80 kr" in text
    assert "Du betaler kun for den tid, vi faktisk bruger." in text
    assert "mere end 1 time ud over overslaget, ringer vi til dig, før vi fortsætter" in text
    assert "Tilbuddet gælder i 30 dage." in text
    assert "Første besøg" not in text
    assert validate_quote_text(text, MOVE_80) == []


def test_one_worker_is_singular() -> None:
    calc = calculate_quote(ServiceType.MOVING_OUT, 50)
    text = build_quote_text(calc)
    assert "Vi sender 1 medarbejder," in text
    assert "2,5 timer på stedet" in text
    assert "i alt 2,5 arbejdstimer" in text
    assert "872,50–1.221,50 kr" in text
    assert validate_quote_text(text, calc) == []


def test_regular_cleaning_mentions_the_longer_first_visit() -> None:
    calc = calculate_quote(ServiceType.REGULAR, 80)
    text = build_quote_text(calc)
    assert "Første besøg tager typisk ca. 30 % længere" in text
    assert "3 timer på stedet, i alt 6 arbejdstimer, 2.094–2.792 kr inkl. moms" in text
    assert validate_quote_text(text, calc) == []


def test_add_ons_are_listed() -> None:
    calc = calculate_quote(ServiceType.MOVING_OUT, 80, [AddOn.OVEN, AddOn.WINDOWS])
    text = build_quote_text(calc)
    assert "rengøring af ovn (0,5 timer), vinduespudsning (3 timer)" in text
    assert "i alt 11 arbejdstimer" in text
    assert validate_quote_text(text, calc) == []


@pytest.mark.parametrize(
    ("removed", "code"),
    [
        ("Det svarer til i alt 4 arbejdstimer.", ViolationCode.MISSING_WORK_HOURS),
        ("Vi sender 2 medarbejdere, som", ViolationCode.MISSING_WORKERS),
        ("Du betaler kun for den tid, vi faktisk bruger.", ViolationCode.MISSING_PAY_ACTUAL_TIME),
        ("ringer vi til dig, før vi fortsætter", ViolationCode.MISSING_CALL_BEFORE_OVERRUN),
        (
            "Prisen er 349 kr pr. time pr. medarbejder inkl. moms.",
            ViolationCode.MISSING_HOURLY_PRICE,
        ),
    ],
)
def test_each_required_statement_is_enforced(removed: str, code: ViolationCode) -> None:
    text = build_quote_text(MOVE_80)
    assert removed in text
    assert codes(text.replace(removed, "")) == {code}


def test_numbers_must_match_the_calculation() -> None:
    text = build_quote_text(MOVE_80)
    assert codes(text.replace("i alt 4 arbejdstimer", "i alt 5 arbejdstimer")) == {
        ViolationCode.MISSING_WORK_HOURS
    }
    assert codes(text.replace("2 medarbejdere", "3 medarbejdere")) == {
        ViolationCode.MISSING_WORKERS
    }


def test_other_good_phrasings_are_accepted() -> None:
    text = (
        "Vi kommer to medarbejdere, og opgaven tager ca. 4 arbejdstimer i alt. "
        "Timeprisen er 349 kr inkl. moms. "
        "Du betaler kun for den faktisk brugte tid. "
        "Vi kontakter dig, inden vi overskrider overslaget med mere end én time."
    )
    assert validate_quote_text(text, MOVE_80) == []


@pytest.mark.parametrize(
    "phrase",
    [
        "+3–5 timer",
        "+3-5 timer",
        "+ 3 - 5 timer",
        "3 - 5 timer ekstra",
        "3-5 ekstra timer",
        "ekstra 3 til 5 timer",
        "+3—5 t",
        "+3−5 timer",
        "+3\u00a0–\u00a05 timer",
    ],
)
def test_extra_hours_promise_is_forbidden(phrase: str) -> None:
    text = build_quote_text(MOVE_80) + f"\nRegn med {phrase}."
    assert ViolationCode.FORBIDDEN_EXTRA_HOURS in codes(text)


@pytest.mark.parametrize(
    "phrase",
    [
        "250 kr",
        "300 kr/time",
        "250-300 kr",
        "250–300 kr. i timen",
        "250 - 300",
        "250 til 300 kroner",
        "timepris: 300",
        "kr. 250,-",
        "300,- pr. time",
        "300 DKK",
        "250,00 kr",
    ],
)
def test_obsolete_prices_are_forbidden(phrase: str) -> None:
    text = build_quote_text(MOVE_80) + f"\nTidligere pris: {phrase}."
    assert ViolationCode.OBSOLETE_PRICE in codes(text)


@pytest.mark.parametrize(
    "phrase",
    ["1.250 kr", "12.300 kr", "250 m²", "2500 kr", "3.000 kr", "13-15 timer", "2,5 timer"],
)
def test_harmless_numbers_are_not_flagged(phrase: str) -> None:
    text = build_quote_text(MOVE_80) + f"\nBemærk: {phrase}."
    assert codes(text) == set()


@pytest.mark.parametrize(
    "phrase", ["349 kr + moms", "349 kr. ekskl. moms", "349 kr pr. time plus moms"]
)
def test_vat_must_not_be_added_on_top(phrase: str) -> None:
    text = build_quote_text(MOVE_80) + f"\nPrisen er {phrase}."
    assert ViolationCode.VAT_ON_TOP in codes(text)


def test_empty_text_breaks_every_requirement() -> None:
    assert codes("") == {
        ViolationCode.MISSING_WORK_HOURS,
        ViolationCode.MISSING_WORKERS,
        ViolationCode.MISSING_PAY_ACTUAL_TIME,
        ViolationCode.MISSING_CALL_BEFORE_OVERRUN,
        ViolationCode.MISSING_HOURLY_PRICE,
    }


def test_violations_carry_messages() -> None:
    assert all(v.message for v in validate_quote_text("", MOVE_80))


@given(
    service=st.sampled_from(list(ServiceType)),
    area=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(5000), places=1),
    add_ons=st.sets(st.sampled_from(list(AddOn))),
)
def test_generated_text_always_passes(
    service: ServiceType, area: Decimal, add_ons: set[AddOn]
) -> None:
    calc = calculate_quote(service, area, add_ons if service is ServiceType.MOVING_OUT else ())
    text = build_quote_text(calc)
    assert validate_quote_text(text, calc) == []
    # and it is about this calculation, not another one
    other = calculate_quote(service, area * 3 if area * 3 <= 5000 else area / 3)
    if other.work_hours != calc.work_hours:
        assert ViolationCode.MISSING_WORK_HOURS in codes(text, other)


@pytest.mark.parametrize(
    ("area", "service", "missing", "asks_rooms", "asks_service"),
    [
        (80, "moving_out", (), False, False),
        (None, "moving_out", ("area_m2",), True, False),
        (80, None, ("service",), False, True),
        (None, None, ("area_m2", "service"), True, True),
        (-1, "vinduespudsning", ("area_m2",), True, False),
    ],
)
def test_quote_readiness(
    area: int | None,
    service: str | None,
    missing: tuple[str, ...],
    asks_rooms: bool,
    asks_service: bool,
) -> None:
    readiness = quote_readiness(area, service)
    assert readiness.missing == missing
    assert readiness.ready is (not missing)
    question = readiness.question or ""
    assert ("m²" in question and "værelser" in question) is asks_rooms
    assert ("rengøring" in question) is asks_service
    assert (readiness.question is None) is (not missing)


# English (domain.md: replies in the customer's language)


def en_codes(text: str, calc: QuoteCalculation = MOVE_80) -> set[ViolationCode]:
    return {violation.code for violation in validate_quote_text(text, calc, "en")}


def test_english_worked_example_text() -> None:
    text = build_quote_text(MOVE_80, "en")
    assert "Quote for move-out cleaning – 80 m²" in text
    assert "We will send 2 cleaners, who expect to be on site for 2 hours." in text
    assert "That is 4 work hours in total." in text
    assert "349 kr per hour per cleaner incl. VAT" in text
    assert "1,396–2,094 kr incl. VAT (of which VAT 279.20–418.80 kr)" in text
    assert "The highest amount leaves room for one extra hour per cleaner." in text
    assert "You only pay for the time we actually use." in text
    assert "more than 1 hour beyond the estimate, we will call you before we continue" in text
    assert "The quote is valid for 30 days." in text
    assert "first visit" not in text
    assert not any(word in text for word in ("timer", "medarbejder", "moms", "Tilbud"))
    assert validate_quote_text(text, MOVE_80, "en") == []


def test_english_singular_add_ons_and_first_visit() -> None:
    one = calculate_quote(ServiceType.MOVING_OUT, 50)
    text = build_quote_text(one, "en")
    assert "We will send 1 cleaner, who expects to be on site for 2.5 hours." in text
    assert "872.50–1,221.50 kr" in text
    extras = calculate_quote(ServiceType.MOVING_OUT, 80, [AddOn.OVEN, AddOn.WINDOWS])
    text = build_quote_text(extras, "en")
    assert "Add-ons included: oven cleaning (0.5 hours), window cleaning (3 hours)." in text
    assert "11 work hours in total" in text
    regular = calculate_quote(ServiceType.REGULAR, 80)
    text = build_quote_text(regular, "en")
    assert "The first visit usually takes about 30% longer" in text
    assert "3 hours on site, 6 work hours in total, 2,094–2,792 kr incl. VAT." in text
    for calc in (one, extras, regular):
        assert validate_quote_text(build_quote_text(calc, "en"), calc, "en") == []


def test_danish_text_and_validation_are_unchanged_by_the_language_argument() -> None:
    assert build_quote_text(MOVE_80, "da") == build_quote_text(MOVE_80)
    text = build_quote_text(MOVE_80)
    assert validate_quote_text(text, MOVE_80, "en") == []  # a Danish quote passes in "en"
    # the Danish validator does not accept the English wording
    assert codes(build_quote_text(MOVE_80, "en")) == {
        ViolationCode.MISSING_WORK_HOURS,
        ViolationCode.MISSING_WORKERS,
        ViolationCode.MISSING_PAY_ACTUAL_TIME,
        ViolationCode.MISSING_CALL_BEFORE_OVERRUN,
        ViolationCode.MISSING_HOURLY_PRICE,
    }


@pytest.mark.parametrize(
    ("removed", "code"),
    [
        ("That is 4 work hours in total.", ViolationCode.MISSING_WORK_HOURS),
        ("We will send 2 cleaners, who", ViolationCode.MISSING_WORKERS),
        ("You only pay for the time we actually use.", ViolationCode.MISSING_PAY_ACTUAL_TIME),
        ("we will call you before we continue", ViolationCode.MISSING_CALL_BEFORE_OVERRUN),
        (
            "The price is 349 kr per hour per cleaner incl. VAT.",
            ViolationCode.MISSING_HOURLY_PRICE,
        ),
    ],
)
def test_each_required_english_statement_is_enforced(removed: str, code: ViolationCode) -> None:
    text = build_quote_text(MOVE_80, "en")
    assert removed in text
    assert en_codes(text.replace(removed, "")) == {code}


def test_english_numbers_must_match_the_calculation() -> None:
    text = build_quote_text(MOVE_80, "en")
    assert en_codes(text.replace("4 work hours", "5 work hours")) == {
        ViolationCode.MISSING_WORK_HOURS
    }
    assert en_codes(text.replace("2 cleaners", "3 cleaners")) == {ViolationCode.MISSING_WORKERS}


def test_other_good_english_phrasings_are_accepted() -> None:
    text = (
        "Two workers will come; the job takes about 4 man-hours. "
        "The hourly rate is DKK 349 incl. VAT. "
        "You will only pay for the hours actually used. "
        "We contact you first if we would go over the estimate by more than one hour."
    )
    assert validate_quote_text(text, MOVE_80, "en") == []


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        ("+3–5 hours", ViolationCode.FORBIDDEN_EXTRA_HOURS),
        ("3 to 5 extra hours", ViolationCode.FORBIDDEN_EXTRA_HOURS),
        ("+3-5 h", ViolationCode.FORBIDDEN_EXTRA_HOURS),
        ("+3–5 timer", ViolationCode.FORBIDDEN_EXTRA_HOURS),
        ("250 kr per hour", ViolationCode.OBSOLETE_PRICE),
        ("250–300 kr", ViolationCode.OBSOLETE_PRICE),
        ("250 to 300", ViolationCode.OBSOLETE_PRICE),
        ("DKK 300", ViolationCode.OBSOLETE_PRICE),
        ("hourly rate: 250", ViolationCode.OBSOLETE_PRICE),
        ("300.00 kr", ViolationCode.OBSOLETE_PRICE),
        ("349 kr + VAT", ViolationCode.VAT_ON_TOP),
        ("349 kr per hour excl. VAT", ViolationCode.VAT_ON_TOP),
        ("349 kr per hour plus VAT", ViolationCode.VAT_ON_TOP),
        ("349 kr excluding VAT", ViolationCode.VAT_ON_TOP),
        ("349 kr ekskl. moms", ViolationCode.VAT_ON_TOP),
    ],
)
def test_english_forbidden_phrases(phrase: str, code: ViolationCode) -> None:
    text = build_quote_text(MOVE_80, "en") + f"\nNote: {phrase}."
    assert en_codes(text) == {code}


@pytest.mark.parametrize(
    "phrase", ["1,250 kr", "12,300 kr", "250 m²", "2500 kr", "3,000 kr", "13-15 hours", "2.5 hours"]
)
def test_harmless_english_numbers_are_not_flagged(phrase: str) -> None:
    text = build_quote_text(MOVE_80, "en") + f"\nNote: {phrase}."
    assert en_codes(text) == set()


@given(
    service=st.sampled_from(list(ServiceType)),
    area=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(5000), places=1),
    add_ons=st.sets(st.sampled_from(list(AddOn))),
)
def test_generated_english_text_always_passes(
    service: ServiceType, area: Decimal, add_ons: set[AddOn]
) -> None:
    calc = calculate_quote(service, area, add_ons if service is ServiceType.MOVING_OUT else ())
    text = build_quote_text(calc, "en")
    assert validate_quote_text(text, calc, "en") == []
    other = calculate_quote(service, area * 3 if area * 3 <= 5000 else area / 3)
    if other.work_hours != calc.work_hours:
        assert ViolationCode.MISSING_WORK_HOURS in en_codes(text, other)


def test_quote_text_in_english_is_the_same_quote() -> None:
    danish = build_quote_text(MOVE_80)
    assert quote_text_in(danish, "moving_out", Decimal(80), "da") == danish
    assert quote_text_in(danish, "moving_out", Decimal(80), "en") == build_quote_text(MOVE_80, "en")
    # add-ons are not known from the service and area: the Danish text is kept
    extras = build_quote_text(calculate_quote(ServiceType.MOVING_OUT, 80, [AddOn.OVEN]))
    assert quote_text_in(extras, "moving_out", Decimal(80), "en") == extras
    assert quote_text_in(danish, "moving_out", Decimal(-1), "en") == danish
