"""Other customers whose personal data appears in a text: the database side of the outgoing
check "no other customer's data in a reply". The text decides what is looked up (its emails,
phone numbers, and names or addresses contained in it), so the check scales with the text,
not with the customer list."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from memory.models import Customer, Lead

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d[\d \-.]{6,14}\d")


def _phones(text: str) -> list[str]:
    out = {re.sub(r"\D", "", m.group(0))[-8:] for m in _DIGITS.finditer(text)}
    return sorted(p for p in out if len(p) == 8)


async def others_in_text(
    session: AsyncSession, text: str, *, recipient: str, lead_id: uuid.UUID | None
) -> list[str]:
    """Names, emails, phones and addresses of other customers that occur in ``text``."""
    flat = " ".join(text.split()).casefold()
    emails = sorted({m.group(0).casefold() for m in _EMAIL.finditer(text)})
    phones = _phones(text)
    found: list[str] = []
    for table in (Lead, Customer):
        name, email, phone, address = table.name, table.email, table.phone, table.address
        digits = func.right(func.regexp_replace(func.coalesce(phone, ""), r"\D", "", "g"), 8)

        def contained(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
            lowered = func.lower(func.coalesce(column, ""))
            return (func.length(lowered) >= 4) & (func.strpos(literal(flat), lowered) > 0)

        stmt = select(name, email, phone, address).where(
            or_(
                contained(name),
                contained(address),
                func.lower(email).in_(emails) if emails else literal(False).is_(True),
                digits.in_(phones) if phones else literal(False).is_(True),
            ),
            func.lower(func.coalesce(email, "")) != recipient.strip().casefold(),
        )
        if lead_id is not None and table is Lead:
            stmt = stmt.where(Lead.id != lead_id)
        for row in (await session.execute(stmt.limit(200))).all():
            found += [str(v) for v in row if v]
    return sorted(set(found))
