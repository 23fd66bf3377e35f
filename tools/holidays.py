"""Danish public holidays and the days the company is closed, for any Gregorian year.

Official holidays (helligdage): nytårsdag, skærtorsdag, langfredag, påskedag, 2. påskedag,
Kristi himmelfartsdag, pinsedag, 2. pinsedag, juledag, 2. juledag, and store bededag for
years up to 2023 (abolished by law from 2024). The movable ones hang off Easter Sunday,
computed with the anonymous Gregorian (Meeus/Jones/Butcher) algorithm.

Decisions where the law and the domain are silent (see `HolidayPolicy`):

- Juleaften (24 Dec) and nytårsaften (31 Dec) are not official holidays, but Danish cleaning
  companies are in practice closed, and offering a customer a slot then would be withdrawn
  later anyway. Default: closed on both; each is a switch.
- Grundlovsdag (5 June) is not a public holiday; a half day off is a custom for some
  employers only. Default: a normal working day, because a half day cannot be expressed as
  "closed" without losing a morning the team can work; set the switch to close all day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

LAST_STORE_BEDEDAG_YEAR = 2023


@dataclass(frozen=True, slots=True)
class HolidayPolicy:
    """Which non-official days the company treats as closed."""

    closed_christmas_eve: bool = True
    closed_new_years_eve: bool = True
    closed_constitution_day: bool = False


DEFAULT_HOLIDAY_POLICY = HolidayPolicy()


def easter_sunday(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm (valid from 1583)."""
    if year < 1583:
        raise ValueError(f"the Gregorian Easter rule does not apply to {year}")
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> dict[date, str]:
    """The official Danish public holidays of `year`, date → Danish name, in date order."""
    return dict(_public_holidays(year))


@lru_cache(maxsize=128)
def _public_holidays(year: int) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    movable = {
        -3: "skærtorsdag",
        -2: "langfredag",
        0: "påskedag",
        1: "2. påskedag",
        39: "Kristi himmelfartsdag",
        49: "pinsedag",
        50: "2. pinsedag",
    }
    if year <= LAST_STORE_BEDEDAG_YEAR:
        movable[26] = "store bededag"  # the fourth Friday after Easter
    days = {easter + timedelta(days=offset): name for offset, name in movable.items()}
    days[date(year, 1, 1)] = "nytårsdag"
    days[date(year, 12, 25)] = "juledag"
    days[date(year, 12, 26)] = "2. juledag"
    return tuple(sorted(days.items()))


def closed_days(year: int, policy: HolidayPolicy = DEFAULT_HOLIDAY_POLICY) -> dict[date, str]:
    """Public holidays plus the days `policy` closes, date → Danish name, in date order."""
    days = public_holidays(year)
    if policy.closed_christmas_eve:
        days[date(year, 12, 24)] = "juleaften"
    if policy.closed_new_years_eve:
        days[date(year, 12, 31)] = "nytårsaften"
    if policy.closed_constitution_day:
        days[date(year, 6, 5)] = "grundlovsdag"
    return dict(sorted(days.items()))


def holiday_name(day: date, policy: HolidayPolicy = DEFAULT_HOLIDAY_POLICY) -> str | None:
    """The Danish name of the holiday or closed day on `day`, or None on an ordinary day."""
    return closed_days(day.year, policy).get(day)
