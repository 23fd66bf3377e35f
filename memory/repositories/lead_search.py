"""Fuzzy lead search with pg_trgm over name, email, phone and address.

- Text is matched by trigram word similarity (``column %> query``, i.e. ``query <% column``,
  and ``name % query`` for whole-name similarity), which the GIN indexes ``ix_leads_*_trgm``
  serve. Thresholds are pg_trgm's defaults (word similarity 0.6, similarity 0.3): enough for a
  typo ("Mete Hansen") or a partial address ("Lokesvej 7"), not for unrelated names.
- A query that looks like a phone number (only digits, spaces and ``+-().``, at least 6
  digits) is matched on digits alone, so "+45 20 30 40 50", "20304050" and "2030 4050" are
  the same number; a leading 45 / 0045 country code is ignored. ``ix_leads_phone_digits_trgm``
  serves the substring match.
- Exact email (case-insensitive) and exact phone matches rank first, then the best score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Lead
from memory.models.work import LEAD_PHONE_DIGITS

MAX_LIMIT = 100
MIN_PHONE_DIGITS = 6
_PHONE_LIKE = re.compile(r"[\d\s+().\-/]+")
_COUNTRY_CODE = re.compile(r"^(?:00)?45(?=\d{8}$)")


@dataclass(frozen=True, slots=True)
class LeadQuery:
    """A search query, normalised: collapsed whitespace, and its digits when it is a phone."""

    text: str
    phone_digits: str | None

    @staticmethod
    def parse(raw: str) -> LeadQuery:
        text = " ".join(raw.split())
        digits = re.sub(r"\D", "", text)
        is_phone = bool(text) and _PHONE_LIKE.fullmatch(text) and len(digits) >= MIN_PHONE_DIGITS
        return LeadQuery(text, _COUNTRY_CODE.sub("", digits) if is_phone else None)


def _exact(query: LeadQuery) -> ColumnElement[bool] | None:
    if query.phone_digits is not None:
        d = query.phone_digits
        return LEAD_PHONE_DIGITS.in_([d, f"45{d}", f"0045{d}"]) if len(d) >= 8 else None
    if "@" in query.text:
        return func.lower(Lead.email) == query.text.lower()
    return None


def _phone_terms(digits: str) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    matched = LEAD_PHONE_DIGITS.like(f"%{digits}%")
    share = cast(literal(len(digits)), Float) / func.greatest(func.length(LEAD_PHONE_DIGITS), 1)
    return matched, func.least(share, 1.0)


def _text_terms(text: str) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    matched = or_(
        Lead.name.op("%>")(text),
        Lead.name.op("%")(text),
        Lead.address.op("%>")(text),
        Lead.email.op("%>")(text),
    )
    score = func.greatest(
        func.word_similarity(text, Lead.name),
        func.word_similarity(text, Lead.address),
        func.word_similarity(text, Lead.email),
    )
    return matched, score


class LeadSearch:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def search(self, raw_query: str, limit: int = 20) -> list[tuple[Lead, float]]:
        """Leads matching the query with a score in 0–1 (1 for exact matches), best first."""
        query = LeadQuery.parse(raw_query)
        if len(query.text) < 2:
            return []
        if query.phone_digits is not None:
            matched, score = _phone_terms(query.phone_digits)
        else:
            matched, score = _text_terms(query.text)
        exact = _exact(query)
        score = func.coalesce(score, 0.0)
        first: ColumnElement[int] = literal(1)
        if exact is not None:  # an exact match ranks first, even against a 1.0 look-alike
            matched, score = or_(exact, matched), case((exact, 1.0), else_=score)
            first = case((exact, 0), else_=1)
        rank = score.label("match_score")
        stmt = (
            select(Lead, rank)
            .where(matched)
            .order_by(
                first,
                rank.desc(),
                func.similarity(Lead.name, query.text).desc(),
                Lead.received_at.desc(),
                Lead.id,
            )
            .limit(max(1, min(limit, MAX_LIMIT)))
        )
        rows = (await self._s.execute(stmt)).all()
        return [(lead, round(float(value), 4)) for lead, value in rows]
