"""Fuzzy lead search (pg_trgm) through SqlLeadStore.search, on a real database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from agent.adapters import SqlLeadStore
from memory.database import Database
from memory.models import Lead
from tests.agent.adapters import NOW, add_lead, seed


@pytest.fixture
async def people(db: Database) -> Database:
    async with db.transaction() as s:
        await add_lead(s, "Mette Hansen", email="mette.hansen@example.dk",
                       phone="+45 20 30 40 50", address="Lokesvej 7, 8210 Aarhus V")  # fmt: skip
        await add_lead(s, "Mette Holm", email="holm@firma.example.dk",
                       phone="2030 4051", address="Vestergade 36, 8900 Randers C")  # fmt: skip
        await add_lead(s, "Jens Mikkelsen", email="mette.hansen@example.de",
                       phone="20 30 40 50 60", address="Mejlgade 89, 8000 Aarhus C")  # fmt: skip
        await add_lead(s, "Søren Skov", email=None, phone=None, address=None)
        # Newer, and every word of Mette's address is in it: a 1.0 look-alike.
        await add_lead(s, "Mette Hansen", email="old.mette.hansen@example.dk", received_at=NOW)
    return db


async def _names(db: Database, query: str, limit: int = 10) -> list[str]:
    async with db.sessions() as s:
        return [lead.name for lead in await SqlLeadStore(s).search(query, limit)]


async def test_a_typo_in_the_name_still_finds_the_lead(people: Database) -> None:
    names = await _names(people, "Mete Hansen")
    assert names[0] == "Mette Hansen"
    assert "Søren Skov" not in names


async def test_a_lowercase_first_name_finds_both_mettes(people: Database) -> None:
    assert set(await _names(people, "mette")) >= {"Mette Hansen", "Mette Holm"}


@pytest.mark.parametrize(
    "query", ["20304050", "2030 4050", "+4520304050", "+45 20 30 40 50", "0045 20304050"]
)
async def test_a_phone_number_matches_however_it_is_written(people: Database, query: str) -> None:
    async with people.sessions() as s:
        found = await SqlLeadStore(s).search(query, 10)
    assert found[0].name == "Mette Hansen"
    assert found[0].match == 1.0
    # The longer number that merely contains these digits is not an exact match.
    assert all(lead.match is not None and lead.match < 1.0 for lead in found[1:])
    assert "Mette Holm" not in [lead.name for lead in found]


async def test_part_of_a_phone_number_finds_every_lead_containing_it(people: Database) -> None:
    names = await _names(people, "20 30 40")
    assert set(names) == {"Mette Hansen", "Mette Holm", "Jens Mikkelsen"}


async def test_part_of_the_address_finds_the_lead(people: Database) -> None:
    assert (await _names(people, "lokesvej 7"))[0] == "Mette Hansen"
    assert (await _names(people, "Vestergade Randers"))[0] == "Mette Holm"


async def test_an_exact_email_ranks_first_and_ignores_case(people: Database) -> None:
    async with people.sessions() as s:
        found = await SqlLeadStore(s).search("Mette.Hansen@Example.DK", 10)
    assert (found[0].email, found[0].match) == ("mette.hansen@example.dk", 1.0)
    # Look-alike addresses are found too, but rank after the exact one, even when every word
    # matches and the name is the same (the newer lead would otherwise come first).
    assert [lead.email for lead in found[1:]] == [
        "old.mette.hansen@example.dk",
        "mette.hansen@example.de",
    ]


async def test_part_of_an_email_finds_the_lead(people: Database) -> None:
    assert (await _names(people, "holm@firma"))[0] == "Mette Holm"


async def test_nothing_unrelated_and_nothing_for_empty_queries(people: Database) -> None:
    assert await _names(people, "Zygmunt Qwertyuiop") == []
    assert await _names(people, "   ") == []
    assert await _names(people, "x") == []


async def test_the_limit_is_respected(people: Database) -> None:
    assert len(await _names(people, "20 30 40", limit=2)) == 2


async def test_demo_leads_are_found_by_their_phone_in_another_format(db: Database) -> None:
    await seed(db)
    async with db.sessions() as s:
        leads = list((await s.execute(select(Lead))).scalars())
        lead = next(x for x in leads if x.phone and x.phone.startswith("+45 "))
        digits = re.sub(r"\D", "", lead.phone or "")[2:]
        spaced = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
        for query in (digits, spaced):
            found = await SqlLeadStore(s).search(query, 5)
            assert found[0].match == 1.0
            assert lead.id in [x.id for x in found if x.match == 1.0]
