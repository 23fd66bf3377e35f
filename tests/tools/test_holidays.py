"""Danish public holidays, checked against known dates and an independent Easter algorithm."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.holidays import (
    HolidayPolicy,
    closed_days,
    easter_sunday,
    holiday_name,
    public_holidays,
)


def gauss_easter(year: int) -> date:
    """Gauss's Easter algorithm with the Gregorian corrections: an independent oracle."""
    a, b, c = year % 19, year % 4, year % 7
    k = year // 100
    p = (13 + 8 * k) // 25
    q = k // 4
    m = (15 - p + k - q) % 30
    n = (4 + k - q) % 7
    d = (19 * a + m) % 30
    e = (2 * b + 4 * c + 6 * d + n) % 7
    if d == 29 and e == 6:
        return date(year, 4, 19)
    if d == 28 and e == 6 and (11 * m + 11) % 30 < 19:
        return date(year, 4, 18)
    return date(year, 3, 22) + timedelta(days=d + e)


@pytest.mark.parametrize(
    "easter",
    [
        date(1818, 3, 22),
        date(1943, 4, 25),
        date(2000, 4, 23),
        date(2008, 3, 23),
        date(2011, 4, 24),
        date(2019, 4, 21),
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2038, 4, 25),
        date(2285, 3, 22),
    ],
)
def test_known_easter_sundays(easter: date) -> None:
    assert easter_sunday(easter.year) == easter


def test_2026() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1): "nytårsdag",
        date(2026, 4, 2): "skærtorsdag",
        date(2026, 4, 3): "langfredag",
        date(2026, 4, 5): "påskedag",
        date(2026, 4, 6): "2. påskedag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 24): "pinsedag",
        date(2026, 5, 25): "2. pinsedag",
        date(2026, 12, 25): "juledag",
        date(2026, 12, 26): "2. juledag",
    }


def test_2027() -> None:
    assert public_holidays(2027) == {
        date(2027, 1, 1): "nytårsdag",
        date(2027, 3, 25): "skærtorsdag",
        date(2027, 3, 26): "langfredag",
        date(2027, 3, 28): "påskedag",
        date(2027, 3, 29): "2. påskedag",
        date(2027, 5, 6): "Kristi himmelfartsdag",
        date(2027, 5, 16): "pinsedag",
        date(2027, 5, 17): "2. pinsedag",
        date(2027, 12, 25): "juledag",
        date(2027, 12, 26): "2. juledag",
    }


def test_store_bededag_until_2023_only() -> None:
    assert public_holidays(2023)[date(2023, 5, 5)] == "store bededag"
    assert public_holidays(2022)[date(2022, 5, 13)] == "store bededag"
    assert "store bededag" not in public_holidays(2024).values()
    assert "store bededag" not in public_holidays(2026).values()


def test_default_policy_closes_christmas_eve_and_new_years_eve_not_grundlovsdag() -> None:
    assert holiday_name(date(2026, 12, 24)) == "juleaften"
    assert holiday_name(date(2026, 12, 31)) == "nytårsaften"
    assert holiday_name(date(2026, 6, 5)) is None
    assert date(2026, 12, 24) not in public_holidays(2026)


def test_policy_switches() -> None:
    open_eves = HolidayPolicy(closed_christmas_eve=False, closed_new_years_eve=False)
    assert holiday_name(date(2026, 12, 24), open_eves) is None
    assert holiday_name(date(2026, 12, 31), open_eves) is None
    assert holiday_name(date(2026, 12, 25), open_eves) == "juledag"
    grundlov = HolidayPolicy(closed_constitution_day=True)
    assert holiday_name(date(2026, 6, 5), grundlov) == "grundlovsdag"
    assert len(closed_days(2026, grundlov)) == 13


def test_ordinary_days_have_no_name() -> None:
    assert holiday_name(date(2026, 12, 7)) is None
    assert holiday_name(date(2026, 4, 4)) is None  # påskelørdag is not a holiday


def test_result_is_a_fresh_copy() -> None:
    days = public_holidays(2026)
    days.clear()
    assert public_holidays(2026)


def test_years_before_the_gregorian_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="Gregorian"):
        easter_sunday(1500)


@given(st.integers(min_value=1583, max_value=9998))
def test_easter_matches_an_independent_algorithm(year: int) -> None:
    easter = easter_sunday(year)
    assert easter == gauss_easter(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@given(st.integers(min_value=1583, max_value=9998))
def test_holidays_fall_on_the_right_weekdays(year: int) -> None:
    names = {name: day for day, name in public_holidays(year).items()}
    assert names["skærtorsdag"].weekday() == 3
    assert names["langfredag"].weekday() == 4
    assert names["påskedag"].weekday() == 6
    assert names["2. påskedag"].weekday() == 0
    assert names["Kristi himmelfartsdag"].weekday() == 3
    assert names["pinsedag"].weekday() == 6
    assert names["2. pinsedag"].weekday() == 0
    assert ("store bededag" in names) == (year <= 2023)
    if year <= 2023:
        assert names["store bededag"].weekday() == 4
    assert len(names) == (11 if year <= 2023 else 10)
