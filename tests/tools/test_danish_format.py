"""Danish (and staff-English) formatting of money, hours and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.danish_format import (
    company_tz,
    format_date,
    format_datetime,
    format_hours,
    format_kr,
    format_kr_range,
    format_number,
    format_quantity,
    format_time,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "danish", "english"),
    [
        (D(1396), "1.396 kr", "1,396 kr"),
        (D("1396.00"), "1.396 kr", "1,396 kr"),
        (D("279.20"), "279,20 kr", "279.20 kr"),
        (D("69.8"), "69,80 kr", "69.80 kr"),
        (D(349), "349 kr", "349 kr"),
        (D(698), "698 kr", "698 kr"),
        (1234567, "1.234.567 kr", "1,234,567 kr"),
        (D("1221.50"), "1.221,50 kr", "1,221.50 kr"),
        (D("0.005"), "0,01 kr", "0.01 kr"),  # rounds half up, not to even
        (0, "0 kr", "0 kr"),
        (D(-1396), "-1.396 kr", "-1,396 kr"),
    ],
)
def test_format_kr(amount: Decimal | int, danish: str, english: str) -> None:
    assert format_kr(amount) == danish
    assert format_kr(amount, "en") == english


def test_format_kr_range() -> None:
    assert format_kr_range(D(1396), D(2094)) == "1.396–2.094 kr"
    assert format_kr_range(D(1396), D(2094), "en") == "1,396–2,094 kr"
    # if one end has øre, both get two decimals
    assert format_kr_range(D("872.50"), D("1221.50")) == "872,50–1.221,50 kr"
    assert format_kr_range(D("279.20"), D(418)) == "279,20–418,00 kr"


@pytest.mark.parametrize(
    ("hours", "danish", "english"),
    [
        (D(4), "4 timer", "4 hours"),
        (D("4.0"), "4 timer", "4 hours"),
        (D("2.5"), "2,5 timer", "2.5 hours"),
        (D("2.50"), "2,5 timer", "2.5 hours"),
        (1, "1 time", "1 hour"),
        (D("1.0"), "1 time", "1 hour"),
        (D("0.5"), "0,5 timer", "0.5 hours"),
        (D("17.5"), "17,5 timer", "17.5 hours"),
        (D("1.25"), "1,25 timer", "1.25 hours"),
    ],
)
def test_format_hours(hours: Decimal | int, danish: str, english: str) -> None:
    assert format_hours(hours) == danish
    assert format_hours(hours, "en") == english


def test_format_quantity() -> None:
    assert format_quantity(D("80")) == "80"
    assert format_quantity(D("80.50")) == "80,5"
    assert format_quantity(1200) == "1.200"


def test_format_date_danish_lowercase() -> None:
    assert format_date(date(2026, 12, 7)) == "mandag 7. december"
    assert format_date(date(2026, 12, 7), with_year=True) == "mandag 7. december 2026"
    assert format_date(date(2026, 12, 7), "en") == "Monday 7 December"


def test_all_weekday_and_month_names() -> None:
    monday = date(2026, 6, 1)
    weekdays = [format_date(monday + timedelta(days=i)).split()[0] for i in range(7)]
    assert weekdays == ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
    months = [format_date(date(2026, m, 1)).split()[-1] for m in range(1, 13)]
    assert months == [
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ]  # fmt: skip


def test_format_datetime_in_copenhagen_time() -> None:
    tz = company_tz()
    assert (
        format_datetime(datetime(2026, 12, 7, 13, 0, tzinfo=tz)) == "mandag 7. december kl. 13.00"
    )
    # winter: UTC+1, summer: UTC+2
    assert (
        format_datetime(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)) == "mandag 7. december kl. 13.00"
    )
    assert format_datetime(datetime(2026, 7, 7, 11, 30, tzinfo=UTC)) == "tirsdag 7. juli kl. 13.30"
    assert format_datetime(datetime(2026, 7, 7, 6, 0, tzinfo=UTC)) == "tirsdag 7. juli kl. 8.00"
    assert (
        format_datetime(datetime(2026, 12, 7, 8, 5, tzinfo=tz), "en")
        == "Monday 7 December at 08:05"
    )
    # late evening UTC is already the next day in Copenhagen
    assert format_date(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == "mandag 7. december"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2026, 12, 7, 13, 0))
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2026, 12, 7, 13, 0))


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_number_formats_round_trip(value: Decimal) -> None:
    danish = format_number(value, 2)
    english = format_number(value, 2, "en")
    assert D(danish.replace(".", "").replace(",", ".")) == value
    assert D(english.replace(",", "")) == value
    assert danish.count(",") == 1
    assert danish.translate(str.maketrans(",.", ".,")) == english
