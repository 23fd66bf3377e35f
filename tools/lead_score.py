"""Lead score 0–100 from four parts of 0–25 each (domain.md "Leads").

- Response speed, by the lead's age: ≤ 1 h 25, ≤ 4 h 20, ≤ 24 h 15, ≤ 72 h 10, older 5.
- Contact quality: email and phone 25, email only 15, phone only 10, +5 for a company
  domain, capped at 25.
- Value, by estimated kr: ≥ 10.000 25, ≥ 5.000 20, ≥ 2.500 15, ≥ 1.000 10, > 0 5, else 0.
- Engagement: contacted +5, quoted +10, won +15, a phone number +5, capped at 25.
- Tier: hot ≥ 75 (contact now), warm ≥ 50 (within 24 h), cold below.

Decisions where the domain is silent:

- Statuses are cumulative along new → contacted → quoted → won: a quoted lead was also
  contacted (5 + 10), a won lead reached all three (5 + 10 + 15, capped at 25). A lost lead
  scores no status points: its history is unknown and it needs no attention.
- "Company domain" means the email domain is not one of the five free-mail families named
  (gmail, hotmail, yahoo, outlook, live) under any TLD or country domain (gmail.dk,
  hotmail.co.uk, live.dk …). googlemail.com counts as gmail. Other free mail (icloud.com,
  mail.dk) is not on the list, so it gets the bonus: the domain rule names five families only.
- An email counts only if it looks like one (local@domain.tld); a phone counts only with at
  least 8 digits (a Danish number without +45). Junk in a form field must not earn points.
- A lead dated in the future (clock skew) is treated as brand new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

FREE_MAIL_FAMILIES = frozenset({"gmail", "googlemail", "hotmail", "yahoo", "outlook", "live"})
_EMAIL = re.compile(r"[^@\s]+@([^@\s]+\.[^@\s.]+)")
_PART_MAX = 25


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUOTED = "quoted"
    WON = "won"
    LOST = "lost"


class LeadTier(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


@dataclass(frozen=True, slots=True)
class LeadScore:
    """The four parts (0–25 each); total and tier are derived so they can never disagree."""

    response_speed: int
    contact_quality: int
    value: int
    engagement: int

    def __post_init__(self) -> None:
        parts = (self.response_speed, self.contact_quality, self.value, self.engagement)
        if not all(0 <= part <= _PART_MAX for part in parts):
            raise ValueError(f"each part must be 0–{_PART_MAX}: {parts}")

    @property
    def total(self) -> int:
        return self.response_speed + self.contact_quality + self.value + self.engagement

    @property
    def tier(self) -> LeadTier:
        if self.total >= 75:
            return LeadTier.HOT
        return LeadTier.WARM if self.total >= 50 else LeadTier.COLD


_SPEED_STEPS = (
    (timedelta(hours=1), 25),
    (timedelta(hours=4), 20),
    (timedelta(hours=24), 15),
    (timedelta(hours=72), 10),
)
_VALUE_STEPS = (
    (Decimal(10_000), 25),
    (Decimal(5_000), 20),
    (Decimal(2_500), 15),
    (Decimal(1_000), 10),
)
_STATUS_POINTS = {
    LeadStatus.NEW: 0,
    LeadStatus.CONTACTED: 5,
    LeadStatus.QUOTED: 5 + 10,
    LeadStatus.WON: 5 + 10 + 15,
    LeadStatus.LOST: 0,
}


def response_speed_points(created_at: datetime, now: datetime) -> int:
    """Fresh leads first: the older the lead, the fewer points."""
    for aware in (created_at, now):
        if aware.tzinfo is None or aware.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware: {aware!r}")
    age = now - created_at
    return next((points for limit, points in _SPEED_STEPS if age <= limit), 5)


def email_domain(email: str | None) -> str | None:
    """The domain of a plausible email address, lowercased; None when there is none."""
    match = _EMAIL.fullmatch((email or "").strip())
    return match.group(1).casefold() if match else None


def has_phone(phone: str | None) -> bool:
    return sum(ch.isdigit() for ch in phone or "") >= 8


def is_company_domain(domain: str) -> bool:
    """False for the free-mail families under any TLD (gmail.com, hotmail.co.uk, live.dk)."""
    return not FREE_MAIL_FAMILIES.intersection(domain.casefold().split(".")[:-1])


def contact_quality_points(email: str | None, phone: str | None) -> int:
    domain, phone_ok = email_domain(email), has_phone(phone)
    points = 25 if domain and phone_ok else 15 if domain else 10 if phone_ok else 0
    if domain and is_company_domain(domain):
        points += 5
    return min(points, _PART_MAX)


def value_points(estimated_value_kr: Decimal | int | None) -> int:
    value = Decimal(estimated_value_kr or 0)
    step = next((points for limit, points in _VALUE_STEPS if value >= limit), None)
    return step if step is not None else 5 if value > 0 else 0


def engagement_points(status: LeadStatus | str, phone: str | None) -> int:
    points = _STATUS_POINTS[LeadStatus(status)] + (5 if has_phone(phone) else 0)
    return min(points, _PART_MAX)


def score_lead(
    *,
    created_at: datetime,
    now: datetime,
    email: str | None,
    phone: str | None,
    estimated_value_kr: Decimal | int | None,
    status: LeadStatus | str,
) -> LeadScore:
    """Score a lead; raises ValueError for naive datetimes or an unknown status."""
    return LeadScore(
        response_speed=response_speed_points(created_at, now),
        contact_quality=contact_quality_points(email, phone),
        value=value_points(estimated_value_kr),
        engagement=engagement_points(status, phone),
    )
