"""Other customers whose personal data appears in a text: the database side of the outgoing
check "no other customer's data in a reply". The text decides what is looked up (its emails,
phone numbers, and names or addresses contained in it), so the check scales with the text,
not with the customer list.

A name or address (of at least four characters) contained in the text starts with one of the
text's four-character pieces, so rows are found by their first four characters (indexed as
``left(lower(coalesce(name, '')), 4)``, likewise for the address) and only those are tested
for containment; emails and phone digits are looked up by index too. Leads and customers are
read in one statement.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    any_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from memory.models import Customer, Lead

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d[\d \-.]{6,14}\d")
PREFIX = 4  # the shortest name or address that counts, and the indexed prefix's length
LIMIT = 200  # rows per table


def _phones(text: str) -> list[str]:
    out = {re.sub(r"\D", "", m.group(0))[-8:] for m in _DIGITS.finditer(text)}
    return sorted(p for p in out if len(p) == 8)


def _lowered(column: InstrumentedAttribute[str | None]) -> ColumnElement[str]:
    # Constants written out (not bound): the expression must equal the indexed one.
    return func.lower(func.coalesce(column, literal_column("''")))


def name_prefix(column: InstrumentedAttribute[str | None]) -> ColumnElement[str]:
    """The indexed expression: the first four characters of the lower-cased value."""
    return func.left(_lowered(column), literal_column(str(PREFIX)))


def phone_digits(column: InstrumentedAttribute[str | None]) -> ColumnElement[str]:
    """The indexed expression: the last eight digits of a phone number, any format."""
    digits = func.regexp_replace(
        func.coalesce(column, literal_column("''")),
        literal_column(r"'\D'"),
        literal_column("''"),
        literal_column("'g'"),
    )
    return func.right(digits, literal_column("8"))


def _pieces(flat: str) -> list[str]:
    return sorted({flat[i : i + PREFIX] for i in range(len(flat) - PREFIX + 1)})


def _mentions(
    table: type[Lead] | type[Customer],
    flat: str,
    *,
    emails: list[str],
    phones: list[str],
    recipient: str,
    lead_id: uuid.UUID | None,
) -> Select[str, str | None, str | None, str | None]:
    pieces = _pieces(flat)
    # One array parameter, however long the text: the statement stays the same.
    starts = any_(bindparam("pieces", pieces, type_=ARRAY(String), unique=True))

    def contained(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
        lowered = _lowered(column)
        # The index finds the rows by ``starts``. Written last: where rows are read one by
        # one (a small table, or the recheck of the index's rows) the array is searched only
        # for a row whose value is in the text, so a plan that guessed wrong costs no more
        # than testing every row.
        return (
            (func.strpos(flat, lowered) > 0)
            & (func.length(lowered) >= PREFIX)
            & (name_prefix(column) == starts)
        )

    # Only the tests that can match: each one can use its index (no constant-false branch).
    tests: list[ColumnElement[bool]] = []
    if pieces:
        tests += [contained(table.name), contained(table.address)]
    if emails:
        tests.append(func.lower(table.email).in_(emails))
    if phones:
        tests.append(phone_digits(table.phone).in_(phones))
    stmt = select(table.name, table.email, table.phone, table.address).where(
        or_(*tests) if tests else false(),
        func.lower(func.coalesce(table.email, "")) != recipient,
    )
    if lead_id is not None and table is Lead:
        stmt = stmt.where(Lead.id != lead_id)
    return stmt.limit(LIMIT)


async def others_in_text(
    session: AsyncSession, text: str, *, recipient: str, lead_id: uuid.UUID | None
) -> list[str]:
    """Names, emails, phones and addresses of other customers that occur in ``text``."""
    flat = " ".join(text.split()).casefold()
    emails = sorted({m.group(0).casefold() for m in _EMAIL.finditer(text)})
    phones = _phones(text)
    if len(flat) < PREFIX and not emails and not phones:
        return []
    parts = [
        _mentions(
            table,
            flat,
            emails=emails,
            phones=phones,
            recipient=recipient.strip().casefold(),
            lead_id=lead_id,
        ).subquery()
        for table in (Lead, Customer)
    ]
    both = union_all(*(select(*part.c) for part in parts))
    found: list[str] = []
    for row in (await session.execute(both)).all():
        found += [str(v) for v in row if v]
    return sorted(set(found))
