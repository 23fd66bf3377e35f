"""The date patterns and how each resolves to a (first, last) pair of days; see dates.py.

Rules are tried in order and a later rule never reuses text an earlier one matched, so the
specific forms ("1. december 2026") come before the loose ones ("den 15.", "tirsdag").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal

from agent.offline.lexicon import FULL_MONTHS, MONTHS, NUMBER_WORDS, WEEKDAYS

Kind = Literal["date", "weekday", "week", "other", "range"]
Span = tuple[date, date]
Resolver = Callable[[re.Match[str], date], Span | None]
Rule = tuple[re.Pattern[str], Resolver, Kind]

_SATURDAY = 5
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_FULL_MONTH = "|".join(sorted(FULL_MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_COUNT = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NOT_A_MEASURE = r"(?!\s*(?:m2|kvm|timer|time|t\b|hours?|h\b|rooms?|værelse\w*|kr|%))"
_YEAR = r"(?:,?\s*(\d{4})(?!\d))?"


def _day(d: date) -> Span:
    return d, d


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _next_date(month: int, day: int, today: date, year: str | None) -> Span | None:
    """The next day/month on or after today; exactly that year when one is given."""
    if year:
        found = _safe(_year(year), month, day)
        return None if found is None else _day(found)
    for offset in range(9):  # 29 February can be up to 8 years away
        found = _safe(today.year + offset, month, day)
        if found is not None and found >= today:
            return _day(found)
    return None


def _day_of_month(day: int, today: date) -> Span | None:
    """ "den 15." / "the 3rd": this month if still ahead, otherwise the next month having it."""
    for offset in range(13):
        month_index = today.month - 1 + offset
        found = _safe(today.year + month_index // 12, month_index % 12 + 1, day)
        if found is not None and found >= today:
            return _day(found)
    return None


def _week(monday: date, today: date) -> Span | None:
    saturday = monday + timedelta(days=_SATURDAY)
    return None if saturday < today else (max(monday, today), saturday)


def _iso_week(match: re.Match[str], today: date) -> Span | None:
    number, year = int(match.group(1)), match.group(2)
    years = [int(year)] if year else [today.isocalendar().year, today.isocalendar().year + 1]
    for candidate in years:
        try:
            monday = date.fromisocalendar(candidate, number, 1)
        except ValueError:
            continue
        if year:
            return monday, monday + timedelta(days=_SATURDAY)
        span = _week(monday, today)
        if span is not None:
            return span
    return None


def _weekend(today: date, strictly_next: bool) -> Span:
    if not strictly_next and today.weekday() >= _SATURDAY:
        return today, today + timedelta(days=6 - today.weekday())
    saturday = today + timedelta(days=(_SATURDAY - today.weekday() - 1) % 7 + 1)
    return saturday, saturday + timedelta(days=1)


def _month(month: int, today: date, year: int | None = None) -> Span:
    """A whole calendar month; the current one from today, a past one next year."""
    if year is None:
        year = today.year if month >= today.month else today.year + 1
        floor = today
    else:
        floor = date(year, month, 1)
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return max(first, floor), following - timedelta(days=1)


def _weekday(match: re.Match[str], today: date) -> Span:
    ahead = (WEEKDAYS[match.group(1)] - today.weekday() - 1) % 7 + 1
    return _day(today + timedelta(days=ahead))


def _in_days(match: re.Match[str], today: date) -> Span:
    count = match.group(1)
    number = int(count) if count.isdigit() else NUMBER_WORDS[count]
    per_unit = 7 if match.group(2).startswith(("uge", "week")) else 1
    return _day(today + timedelta(days=number * per_unit))


def _numeric(match: re.Match[str], today: date) -> Span | None:
    """3/12, 3.12, 3.5. (day first, as Danes write); never a clock time or an amount."""
    day, month = int(match.group(1)), int(match.group(2))
    before = match.string[max(0, match.start() - 9) : match.start()]
    if re.search(r"(?:kl\.?|klokken|at|fra|til)\s*$", before) or not 1 <= month <= 12:
        return None
    text = match.group(0)
    if "/" not in text and len(match.group(2)) == 1 and not text.endswith("."):
        return None  # "2.5" is two and a half
    return _next_date(month, day, today, None)


def _iso(match: re.Match[str], _today: date) -> Span | None:
    found = _safe(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return None if found is None else _day(found)


def _rule(pattern: str, resolve: Resolver, kind: Kind = "date") -> Rule:
    return re.compile(pattern), resolve, kind


def _offset(days: int) -> Resolver:
    return lambda _match, today: _day(today + timedelta(days=days))


RULES: tuple[Rule, ...] = (
    _rule(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", _iso),
    _rule(r"(?<![\d.,/:])(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)",
          lambda m, t: _next_date(int(m.group(2)), int(m.group(1)), t, m.group(3))),
    _rule(rf"(?<![\d.,/])(?:(?:den|d\.)\s*)?(\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?"
          rf"({_MONTH})(?!\w)\.?{_YEAR}",
          lambda m, t: _next_date(MONTHS[m.group(2)], int(m.group(1)), t, m.group(3))),
    _rule(rf"(?<!\w)({_MONTH})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?![\d.,:])"
          rf"{_NOT_A_MEASURE}{_YEAR}",
          lambda m, t: _next_date(MONTHS[m.group(1)], int(m.group(2)), t, m.group(3))),
    _rule(rf"(?<![\d.,/:])(\d{{1,2}})/(\d{{1,2}})(?![\d/]){_NOT_A_MEASURE}", _numeric),
    _rule(rf"(?<![\d.,/:])(\d{{1,2}})\.(\d{{1,2}})\.?(?![\d]){_NOT_A_MEASURE}", _numeric),
    _rule(rf"\b(?:den|d\.)\s*(\d{{1,2}})(?:\.|(?![\d.,:])){_NOT_A_MEASURE}",
          lambda m, t: _day_of_month(int(m.group(1)), t)),
    _rule(r"(?<!\w)(?:(?:on\s+)?the\s+)?(\d{1,2})(?:st|nd|rd|th)(?!\w)",
          lambda m, t: _day_of_month(int(m.group(1)), t)),
    _rule(r"\b(?:i\s*overmorgen|overmorgen|(?:the\s+)?day after tomorrow)\b", _offset(2), "other"),
    _rule(r"\b(?:i\s*morgen|imorgen|tomorrow)\b", _offset(1), "other"),
    _rule(r"\b(?:i\s*dag|idag|today|tonight|i aften|i eftermiddag|this (?:afternoon|evening))\b",
          _offset(0), "other"),
    _rule(rf"\b(?:om|in)\s+(\d{{1,2}}|{_COUNT})\s+(dage?|days?|uger?|weeks?)\b", _in_days, "other"),
    _rule(r"\b(?:(?:i\s+)?(?:næste|kommende)\s+uge|next week|the (?:following|coming) week"
          r"|ugen efter)\b",
          lambda _m, t: _week(t + timedelta(days=7 - t.weekday()), t), "week"),
    _rule(r"\b(?:(?:i\s+)?denne uge|this week|resten af ugen|(?:the\s+)?rest of the week)\b",
          lambda _m, t: _week(t - timedelta(days=t.weekday()), t), "week"),
    _rule(r"\b(?:i\s+)?(?:uge|week)\s*(?:nr\.?\s*|no\.?\s*)?(\d{1,2})\b"
          r"(?:,?\s*(?:i\s+)?(\d{4})\b)?", _iso_week, "week"),
    _rule(r"\b(?:næste|next)\s+weekend\b", lambda _m, t: _weekend(t, True), "other"),
    _rule(r"\b(?:i\s+|til\s+|this\s+|the\s+|denne\s+)?weekend(?:en)?\b",
          lambda _m, t: _weekend(t, False), "other"),
    _rule(r"\b(?:i\s+)?(?:næste|next)\s+(?:måned|month)\b",
          lambda _m, t: _month(t.month % 12 + 1, t), "other"),
    _rule(r"\b(?:i\s+)?(?:denne|this)\s+(?:måned|month)\b|\bresten af måneden\b",
          lambda _m, t: _month(t.month, t), "other"),
    _rule(rf"\b(?:i|in|during|til|for)\s+({_FULL_MONTH})\b(?:\s+(\d{{4}})\b)?(?!\s*\d)",
          lambda m, t: _month(MONTHS[m.group(1)], t, int(m.group(2)) if m.group(2) else None),
          "other"),
    _rule(rf"(?<!\w)(?:(?:på|næste|kommende|nu|on|next|this|coming|denne|til)\s+)*({_WEEKDAY})"
          r"(?:en)?(?!\w)", _weekday, "weekday"),
)  # fmt: skip
