from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from api.composition import Container, build_container
from memory.models import Lead
from memory.models.enums import ChatChannel, LeadSource, LeadStatus, Service, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings
from tools.canonical.caller import Caller

from .audit_check import assert_every_call_audited_once, record_turns

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture
async def container(db_url: str) -> AsyncIterator[Container]:
    c = await build_container(make_settings(db_url), with_agent=True, clock=lambda: NOW)
    runner = record_turns(c)
    yield c
    try:
        await assert_every_call_audited_once(c, runner.log)
    finally:
        await c.aclose()


@pytest.fixture
async def caller(container: Container) -> Caller:
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


@pytest.fixture
async def mette(container: Container) -> uuid.UUID:
    """A new website lead: Mette Hansen, 80 m² move-out."""
    async with container.database.transaction() as s:
        lead = Lead(
            source=LeadSource.WEBSITE,
            status=LeadStatus.NEW,
            name="Mette Hansen",
            email="mette.hansen@example.dk",
            phone="+4520304050",
            address="Skovvej 12, 8000 Aarhus C",
            area_m2=Decimal(80),
            rooms=3,
            service=Service.MOVING_OUT,
            dedup_key="test:mette",
            received_at=NOW,
        )
        s.add(lead)
        await s.flush()
        return lead.id
