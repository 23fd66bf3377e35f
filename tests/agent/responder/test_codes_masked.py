"""Door and alarm codes in a mail or a chat are masked before the model, storage or the logs
see them; only the raw inbound mail (the evidence, purged by retention) keeps them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from api.composition import Container, build_container
from api.hardening.logs import JsonFormatter
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings
from tools.canonical.caller import Caller
from tools.privacy import MASK

from .conftest import NOW, ContainerFactory, deliver, mail, work_until_idle

CODES = ("4711*", "1234#")  # a "#" or "*": bare hex digits occur by chance in ids
BODY = (
    "Hej\n\nJeg skal flytte og vil gerne have et tilbud på flytterengøring af min lejlighed på "
    "80 m², Skovvej 12, 8000 Aarhus C. Dørkoden er 4711* og alarmkoden er 1234#, nøglen ligger "
    "under måtten. Hvornår kan I komme?\n\nMvh Søren"
)
LEADMAIL = """Ny henvendelse fra Rengøring.nu

Navn: Mette Kode
E-mail: mette.kode@example.dk
Telefon: +45 20 71 43 58
Adresse: Skovbrynet 12, 8240 Risskov
Boligtype: Villa
Hvor stort er området: 140
Antal værelser: 5
Behov: Hovedrengøring
Hvor ofte: Engangsopgave
Kommentar: Dørkoden er 4711* og alarmkoden er 1234#, nøglen ligger under måtten.

Besvar ikke denne mail. Kontakt kunden direkte."""


async def _rows(container: Container, table: str) -> list[str]:
    async with container.database.transaction() as s:
        result = await s.execute(text(f"SELECT t::text FROM {table} t"))  # noqa: S608
        return [str(row) for row in result.scalars()]


async def _bytes_hits(container: Container, table: str, column: str, needle: str) -> int:
    query = f"SELECT count(*) FROM {table} WHERE position(convert_to(:n, 'UTF8') in {column}) > 0"  # noqa: S608
    async with container.database.transaction() as s:
        return int((await s.execute(text(query), {"n": needle})).scalar_one())


@pytest.mark.parametrize(
    ("sender", "subject", "body"),
    [
        ("Søren Ærø <soren.aero@example.dk>", "Tilbud, dørkode 4711*", BODY),
        ("Rengøring.nu <noreply@leadmail.no>", "Mette Kode - Ny henvendelse", LEADMAIL),
    ],
    ids=["direct", "leadmail"],
)
async def test_codes_in_a_mail_are_stored_nowhere_but_the_raw_mail(
    make_container: ContainerFactory, sender: str, subject: str, body: str
) -> None:
    container = await make_container(mode="draft-only")
    await deliver(container, mail(sender=sender, subject=subject, body=body))
    await work_until_idle(container)

    leads = await _rows(container, "leads")
    assert leads, "the quote request made a lead"
    for table in ("leads", "outbound_emails", "task_executions", "escalations"):
        for row in await _rows(container, table):
            for code in CODES:
                assert code not in row, f"{code!r} stored in {table}"
    for code in CODES:
        assert await _bytes_hits(container, "inbound_emails", "raw", code) == 1


@pytest.fixture
async def chat_container(db_url: str) -> AsyncIterator[Container]:
    c = await build_container(make_settings(db_url), with_agent=True, clock=lambda: NOW)
    yield c
    await c.aclose()


async def _caller(container: Container) -> Caller:
    async with container.database.transaction() as s:
        user = await StaffRepository(s).create_user(
            email="kasper@rendetalje.dk", name="Kasper", role=StaffRole.STAFF
        )
        chat = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="test"
        )
    return Caller(
        user_id=user.id,
        role="staff",
        channel="chat",
        session_id=chat.id,
        now=NOW,
        trace_id=uuid.uuid4().hex,
    )


async def test_a_code_in_a_chat_turn_is_masked_before_storage_and_the_model(
    chat_container: Container,
) -> None:
    assert chat_container.chat is not None
    caller = await _caller(chat_container)
    _ = [e async for e in chat_container.chat.turn(caller, text="Find Mette, dørkoden er 4711#")]

    async with chat_container.database.transaction() as s:
        contents = list((await s.execute(text("SELECT content FROM chat_messages"))).scalars())
    assert any(MASK in str(c) for c in contents)
    # "4711#", not "4711": four hex digits alone occur by chance in the ids a checkpoint holds.
    assert not any("4711#" in str(c) for c in contents)
    # The checkpoints hold the masked message (so the query finds text) and never the code.
    assert await _bytes_hits(chat_container, "checkpoint_blobs", "blob", MASK) >= 1
    for table in ("checkpoint_blobs", "checkpoint_writes"):
        assert await _bytes_hits(chat_container, table, "blob", "4711#") == 0
    assert not any("4711#" in row for row in await _rows(chat_container, "checkpoints"))


def test_the_log_formatter_masks_codes() -> None:
    record = logging.LogRecord(
        "renos.test", logging.INFO, __file__, 1, "mail says %s", ("alarmkoden er 1234#",), None
    )
    line = JsonFormatter().format(record)
    assert "1234" not in line
    assert f"alarmkoden er {MASK}" in line
