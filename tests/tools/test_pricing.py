"""Pricing against every worked figure in domain.md, plus invariants that must hold everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.pricing import (
    HOURLY_RATE,
    SPEED_M2_PER_HOUR,
    PricingError,
    PricingErrorCode,
    QuoteCalculation,
    calculate_quote,
    missing_quote_inputs,
    vat_share,
)
from tools.services import AddOn, ServiceType, parse_service

D = Decimal


@pytest.mark.parametrize(
    ("service", "area", "workers", "hours_on_site", "work_hours", "price_min", "price_max"),
    [
        # domain.md worked example: 80 m² moving_out → 2 × 2 h = 4 work hours → 1.396–2.094 kr
        (ServiceType.MOVING_OUT, 80, 2, "2", "4", "1396", "2094"),
        # minimum 2 hours = 698 kr for one worker
        (ServiceType.STANDARD, 10, 1, "2", "2", "698", "1047"),
        (ServiceType.DEEP, 30, 1, "2", "2", "698", "1047"),
        (ServiceType.REGULAR, 59, 1, "2", "2", "698", "1047"),
        # 60 m² is no longer "under 60": two workers
        (ServiceType.REGULAR, 60, 2, "2", "4", "1396", "2094"),
        # moving_out: 50 m² is not "over 50", so one worker; 2.5 h is not rounded to 3
        (ServiceType.MOVING_OUT, 50, 1, "2.5", "2.5", "872.50", "1221.50"),
        (ServiceType.MOVING_OUT, D("50.5"), 2, "2", "4", "1396", "2094"),
        (ServiceType.MOVING_OUT, 51, 2, "2", "4", "1396", "2094"),
        (ServiceType.MOVING_OUT, 120, 2, "3", "6", "2094", "2792"),
        (ServiceType.MOVING_OUT, 121, 2, "3.5", "7", "2443", "3141"),
        # rounded UP to the next half hour
        (ServiceType.DEEP, 61, 2, "2.5", "5", "1745", "2443"),
        (ServiceType.DEEP, 100, 2, "3.5", "7", "2443", "3141"),
        (ServiceType.DEEP, 59, 1, "4", "4", "1396", "1745"),
        (ServiceType.REGULAR, 130, 2, "2.5", "5", "1745", "2443"),
        (ServiceType.BUSINESS, 200, 2, "3", "6", "2094", "2792"),
        (ServiceType.BUSINESS, 210, 2, "3", "6", "2094", "2792"),
        (ServiceType.BUSINESS, 211, 2, "3.5", "7", "2443", "3141"),
        (ServiceType.WINDOWS, 250, 2, "2", "4", "1396", "2094"),
        (ServiceType.WINDOWS, 500, 2, "2.5", "5", "1745", "2443"),
        (ServiceType.STANDARD, 300, 2, "6", "12", "4188", "4886"),
    ],
)
def test_worked_figures(
    service: ServiceType,
    area: int | Decimal,
    workers: int,
    hours_on_site: str,
    work_hours: str,
    price_min: str,
    price_max: str,
) -> None:
    calc = calculate_quote(service, area)
    assert calc.workers == workers
    assert calc.hours_on_site == D(hours_on_site)
    assert calc.work_hours == D(work_hours)
    assert calc.price_min == D(price_min)
    assert calc.price_max == D(price_max)


def test_vat_is_included_never_added() -> None:
    assert vat_share(D(349)) == D("69.80")
    assert D(349) - vat_share(D(349)) == D("279.20")
    calc = calculate_quote("moving_out", 80)
    assert (calc.vat_min, calc.vat_max) == (D("279.20"), D("418.80"))
    assert calc.price_min == D("1396.00")  # not 1396 × 1.25


def test_money_is_decimal_with_two_places() -> None:
    calc = calculate_quote(ServiceType.MOVING_OUT, 50)
    for amount in (calc.price_min, calc.price_max, calc.vat_min, calc.vat_max):
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("area", "add_ons", "hours_on_site"),
    [
        (80, [AddOn.OVEN], "2.5"),
        (80, ["oven", "fridge"], "3"),
        (80, [AddOn.DESCALING], "3"),
        (80, [AddOn.WINDOWS], "5"),  # per started 30 m²: 80 → 3 h
        (60, [AddOn.WINDOWS], "4"),  # 60/40 = 1.5 → 2 h minimum, + 2 blocks of 30 m² = 2 h
        (61, [AddOn.WINDOWS], "5"),  # 61 m² starts a third block of 30 m²
        (80, ["oven", "oven"], "2.5"),  # ordering twice counts once
        (30, [AddOn.OVEN], "2.5"),  # minimum applies to the cleaning, add-on on top
        (80, list(AddOn), "7"),
    ],
)
def test_moving_out_add_ons_are_extra_hours_on_site(
    area: int, add_ons: list[AddOn | str], hours_on_site: str
) -> None:
    calc = calculate_quote(ServiceType.MOVING_OUT, area, add_ons)
    assert calc.hours_on_site == D(hours_on_site)
    assert calc.work_hours == calc.workers * calc.hours_on_site
    assert calc.price_min == calc.work_hours * HOURLY_RATE
    base = calculate_quote(ServiceType.MOVING_OUT, area)
    added = sum((line.hours_on_site for line in calc.add_ons), D(0))
    assert calc.hours_on_site == base.hours_on_site + added


def test_add_on_lines_are_listed_in_a_stable_order() -> None:
    calc = calculate_quote(ServiceType.MOVING_OUT, 80, ["descaling", "oven"])
    assert [(line.add_on, line.hours_on_site) for line in calc.add_ons] == [
        (AddOn.OVEN, D("0.5")),
        (AddOn.DESCALING, D(1)),
    ]


def test_first_visit_of_regular_cleaning_is_about_30_percent_longer() -> None:
    calc = calculate_quote(ServiceType.REGULAR, 80)
    assert calc.first_visit_hours_on_site == D(3)  # 2 h × 1.3 = 2.6 → 3 h
    assert calc.first_visit_work_hours == D(6)
    assert (calc.first_visit_price_min, calc.first_visit_price_max) == (D(2094), D(2792))
    longer = calculate_quote(ServiceType.REGULAR, 130)  # 2.5 h × 1.3 = 3.25 → 3.5 h
    assert longer.first_visit_hours_on_site == D("3.5")


@pytest.mark.parametrize("service", [s for s in ServiceType if s is not ServiceType.REGULAR])
def test_first_visit_only_for_regular(service: ServiceType) -> None:
    calc = calculate_quote(service, 80)
    assert calc.first_visit_hours_on_site is None
    assert calc.first_visit_price_min is None
    assert calc.first_visit_price_max is None


@pytest.mark.parametrize(
    ("service", "area", "add_ons", "code"),
    [
        ("moving_out", 0, (), PricingErrorCode.AREA_NOT_POSITIVE),
        ("moving_out", -5, (), PricingErrorCode.AREA_NOT_POSITIVE),
        ("moving_out", D("5000.01"), (), PricingErrorCode.AREA_TOO_LARGE),
        ("moving_out", 100_000, (), PricingErrorCode.AREA_TOO_LARGE),
        ("moving_out", float("nan"), (), PricingErrorCode.INVALID_AREA),
        ("moving_out", float("inf"), (), PricingErrorCode.INVALID_AREA),
        ("moving_out", True, (), PricingErrorCode.INVALID_AREA),
        ("moving_out", "80", (), PricingErrorCode.INVALID_AREA),
        ("sauna", 80, (), PricingErrorCode.UNKNOWN_SERVICE),
        ("", 80, (), PricingErrorCode.UNKNOWN_SERVICE),
        ("deep", 80, ("oven",), PricingErrorCode.ADD_ON_NOT_AVAILABLE),
        ("moving_out", 80, ("sauna",), PricingErrorCode.UNKNOWN_ADD_ON),
    ],
)
def test_invalid_inputs_raise_typed_errors(
    service: str, area: object, add_ons: tuple[str, ...], code: PricingErrorCode
) -> None:
    with pytest.raises(PricingError) as info:
        calculate_quote(service, area, add_ons)  # type: ignore[arg-type]
    assert info.value.code is code
    assert info.value.message


def test_largest_plausible_area_is_accepted() -> None:
    assert calculate_quote("business", 5000).area_m2 == D(5000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("moving_out", ServiceType.MOVING_OUT),
        ("Moving-Out", ServiceType.MOVING_OUT),
        ("Flytterengøring", ServiceType.MOVING_OUT),
        ("  hovedrengøring ", ServiceType.DEEP),
        ("dybderengøring", ServiceType.DEEP),
        ("fast rengøring", ServiceType.REGULAR),
        ("vinduespudsning", ServiceType.WINDOWS),
        ("sauna", None),
    ],
)
def test_parse_service(text: str, expected: ServiceType | None) -> None:
    assert parse_service(text) is expected


def test_services_have_danish_names() -> None:
    assert ServiceType.MOVING_OUT.danish_name == "Flytterengøring"
    assert all(service.danish_name for service in ServiceType)
    assert calculate_quote("Flytterengøring", 80).service is ServiceType.MOVING_OUT


@pytest.mark.parametrize(
    ("area", "service", "missing"),
    [
        (80, "moving_out", ()),
        (80, ServiceType.DEEP, ()),
        (None, "moving_out", ("area_m2",)),
        (0, "moving_out", ("area_m2",)),
        (80, None, ("service",)),
        (80, "noget", ("service",)),
        (None, None, ("area_m2", "service")),
    ],
)
def test_missing_quote_inputs_never_guesses(
    area: int | None, service: str | None, missing: tuple[str, ...]
) -> None:
    assert missing_quote_inputs(area, service) == missing


areas = st.decimals(min_value=D("0.01"), max_value=D(5000), places=2)
services = st.sampled_from(list(ServiceType))


@given(service=services, area=areas)
def test_invariants(service: ServiceType, area: Decimal) -> None:
    calc = calculate_quote(service, area)
    assert calc.work_hours == calc.workers * calc.hours_on_site
    assert calc.hours_on_site >= 2
    assert (calc.hours_on_site * 2) % 1 == 0
    assert calc.price_min >= D(698)
    assert calc.price_min == calc.work_hours * HOURLY_RATE
    assert calc.price_max - calc.price_min == calc.workers * HOURLY_RATE
    assert calc.vat_min * 5 == calc.price_min
    assert calc.vat_max * 5 == calc.price_max
    # enough time to clean the area, and no more than half an hour beyond it
    needed = area / (SPEED_M2_PER_HOUR[service] * calc.workers)
    assert calc.hours_on_site >= needed
    assert calc.hours_on_site == 2 or calc.hours_on_site - needed < D("0.5")
    assert calc.workers == (
        2 if area >= 60 or (service is ServiceType.MOVING_OUT and area > 50) else 1
    )


@given(service=services, a=areas, b=areas)
def test_price_never_decreases_as_area_grows(service: ServiceType, a: Decimal, b: Decimal) -> None:
    small, large = calculate_quote(service, min(a, b)), calculate_quote(service, max(a, b))
    assert small.price_min <= large.price_min
    assert small.price_max <= large.price_max


@given(area=areas, add_ons=st.sets(st.sampled_from(list(AddOn))))
def test_each_add_on_adds_its_hours_for_the_whole_team(area: Decimal, add_ons: set[AddOn]) -> None:
    base = calculate_quote(ServiceType.MOVING_OUT, area)
    calc = calculate_quote(ServiceType.MOVING_OUT, area, add_ons)
    extra = sum((line.hours_on_site for line in calc.add_ons), D(0))
    assert {line.add_on for line in calc.add_ons} == add_ons
    assert calc.price_min - base.price_min == calc.workers * extra * HOURLY_RATE
    assert (calc.hours_on_site * 2) % 1 == 0


@given(area=areas)
def test_first_visit_is_at_least_30_percent_longer(area: Decimal) -> None:
    calc = calculate_quote(ServiceType.REGULAR, area)
    assert calc.first_visit_hours_on_site is not None
    assert calc.first_visit_price_min is not None
    assert calc.first_visit_hours_on_site >= calc.hours_on_site * D("1.3")
    assert calc.first_visit_hours_on_site - calc.hours_on_site * D("1.3") < D("0.5")
    assert calc.first_visit_price_min == calc.workers * calc.first_visit_hours_on_site * 349


def test_quote_calculation_is_frozen() -> None:
    calc = calculate_quote("deep", 80)
    assert isinstance(calc, QuoteCalculation)
    with pytest.raises(AttributeError):
        calc.price_min = D(1)  # type: ignore[misc]
