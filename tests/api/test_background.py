"""`renos serve` processes inbound mail itself: the webhook records it and the service's own
worker drafts the reply, with no other process running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from api.composition import Container
from api.routes.inbound_webhook import sign
from memory.models import InboundEmail, OutboundEmail
from memory.models.enums import InboundStatus
from tests.agent.responder.conftest import mail, responder_settings

SECRET = "background-secret"


async def test_the_service_drafts_a_reply_to_webhook_mail_on_its_own(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    app = create_app(responder_settings(db_url, mode="draft-only", service_workers=1))
    raw = mail(message_id="<bg-1@example.dk>")
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "message/rfc822",
        "X-Renos-Timestamp": stamp,
        "X-Renos-Signature": sign(SECRET, stamp, raw),
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            resp = await client.post("/v1/inbound/email", content=raw, headers=headers)
            assert resp.status_code == 202
        container: Container = app.state.container
        status = None
        for _ in range(200):
            async with container.database.transaction() as s:
                row = (await s.execute(select(InboundEmail))).scalar_one()
                status = row.status
            if status is InboundStatus.DRAFTED:
                break
            await asyncio.sleep(0.05)
        assert status is InboundStatus.DRAFTED
        async with container.database.transaction() as s:
            [draft] = (await s.execute(select(OutboundEmail))).scalars().all()
        assert draft.to_address == "soren.aero@example.dk"
