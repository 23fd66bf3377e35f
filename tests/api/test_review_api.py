"""/v1/review over HTTP against the real app (lifespan run) and a real database; the mailbox
is the local outbox, or a recording fake put on the container."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from agent.responder.review import ESCALATION_DECIDERS
from api.app import create_app
from api.auth.roles import ROLE_PERMISSIONS, Permission
from api.auth.tokens import generate_token
from api.composition import Container
from memory.database import Database
from memory.models.enums import InboundStatus, OutboundStatus, StaffRole
from memory.repositories.staff import StaffRepository
from tests.agent.responder.review_world import (
    BODY,
    NOW,
    TracingMailbox,
    add_lead,
    escalate,
    inbound_status,
    outbound,
    seed_draft,
)
from tests.settings import make_settings
from tools.integrations.ports import ErrorCode, IntegrationError


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    @property
    def db(self) -> Database:
        return self.container.database

    async def auth(self, role: StaffRole = StaffRole.STAFF) -> dict[str, str]:
        """The Authorization header of a new user with this role."""
        token = generate_token()
        async with self.db.transaction() as s:
            repo = StaffRepository(s)
            user = await repo.create_user(
                email=f"{role}-{uuid.uuid4().hex[:6]}@rendetalje.dk", name=str(role), role=role
            )
            await repo.add_token(
                user_id=user.id,
                name="test",
                token_hash=token.hash,
                prefix=token.prefix,
                expires_at=None,
            )
        return {"Authorization": f"Bearer {token.clear}"}


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    app = create_app(make_settings(db_url))
    async with app.router.lifespan_context(app):
        app.state.container.clock = lambda: NOW
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app=app, client=client)


def assert_error(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    return message


def test_the_owner_alone_decides_escalated_customers_in_both_places() -> None:
    holders = {
        role
        for role, held in ROLE_PERMISSIONS.items()
        if Permission.APPROVALS_DECIDE_ESCALATED in held
    }
    assert holders == ESCALATION_DECIDERS


async def test_list_and_show_with_reasons(api: Api) -> None:
    seeded = await seed_draft(api.db, reasons=("conflict_medium", "mode_draft_only"))
    headers = await api.auth()

    listed = await api.client.get("/v1/review", headers=headers)

    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == str(seeded.outbound_id)
    assert item["reasons"] == ["conflict_medium", "mode_draft_only"]
    assert item["status"] == "draft" and item["body"] == BODY
    assert item["inbound"]["status"] == "drafted" and item["inbound"]["intent"] == "new_lead"
    assert item["escalated"] is False

    shown = await api.client.get(f"/v1/review/{str(seeded.outbound_id)[:8]}", headers=headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["id"] == str(seeded.outbound_id)
    assert shown.json()["blockers"] == []

    missing = await api.client.get("/v1/review/0123456789ab", headers=headers)
    assert_error(missing, 404, "not_found")


async def test_an_evaluator_may_not_use_the_queue(api: Api) -> None:
    seeded = await seed_draft(api.db)
    headers = await api.auth(StaffRole.EVALUATOR)
    ref = str(seeded.outbound_id)
    for method, path, body in (
        ("GET", "/v1/review", None),
        ("GET", f"/v1/review/{ref}", None),
        ("POST", f"/v1/review/{ref}/approve", {}),
        ("POST", f"/v1/review/{ref}/reject", {"reason": "nej"}),
    ):
        resp = await api.client.request(method, path, json=body, headers=headers)
        assert_error(resp, 403, "forbidden")
    assert_error(await api.client.get("/v1/review"), 401, "unauthorized")
    assert (await outbound(api.db, seeded.outbound_id)).status is OutboundStatus.DRAFT


async def test_approve_with_an_edit_sends_the_edited_text(api: Api) -> None:
    mailbox = TracingMailbox()
    api.container.mailbox = mailbox
    seeded = await seed_draft(api.db)
    edited = BODY.replace("Hej Mette", "Kære Mette")

    resp = await api.client.post(
        f"/v1/review/{seeded.outbound_id}/approve",
        json={"body": edited},
        headers=await api.auth(),
    )

    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["status"] == "sent" and out["delivery_error"] is None
    assert out["provider_message_id"] == "sent-1"
    assert [m.body for m in mailbox.sent] == [edited]
    assert await inbound_status(api.db, seeded.inbound_id) == (InboundStatus.REPLIED, None)


async def test_approve_without_a_body_uses_the_local_outbox(api: Api) -> None:
    seeded = await seed_draft(api.db)
    headers = await api.auth()
    resp = await api.client.post(f"/v1/review/{seeded.outbound_id}/approve", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "sent"
    again = await api.client.post(f"/v1/review/{seeded.outbound_id}/approve", headers=headers)
    assert_error(again, 409, "conflict")


async def test_an_escalation_after_the_draft_refuses_staff_and_lets_the_owner(api: Api) -> None:
    mailbox = TracingMailbox()
    api.container.mailbox = mailbox
    seeded = await seed_draft(api.db)
    await escalate(api.db)
    path = f"/v1/review/{seeded.outbound_id}/approve"

    refused = await api.client.post(path, json={}, headers=await api.auth())

    message = assert_error(refused, 403, "forbidden")
    assert "escalated_since_draft" in message
    assert mailbox.sent == []
    assert (await outbound(api.db, seeded.outbound_id)).status is OutboundStatus.DRAFT

    owner = await api.client.post(path, json={}, headers=await api.auth(StaffRole.OWNER))
    assert owner.status_code == 200, owner.text
    assert owner.json()["status"] == "sent" and len(mailbox.sent) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (BODY + "\nBook her: https://evil.example/book", "link_not_allowed"),
        (BODY + "\nSpørg Anna på anna.berg@example.dk", "other_customer_data"),
    ],
)
async def test_an_edit_that_breaks_the_rules_is_a_conflict(api: Api, body: str, code: str) -> None:
    await add_lead(api.db, name="Anna Berg", email="anna.berg@example.dk")
    seeded = await seed_draft(api.db)

    resp = await api.client.post(
        f"/v1/review/{seeded.outbound_id}/approve",
        json={"body": body},
        headers=await api.auth(StaffRole.OWNER),
    )

    message = assert_error(resp, 409, "conflict")
    assert message.startswith("approval blocked:") and code in message
    row = await outbound(api.db, seeded.outbound_id)
    assert (row.status, row.body) == (OutboundStatus.DRAFT, BODY)


async def test_approve_validates_the_edit(api: Api) -> None:
    seeded = await seed_draft(api.db)
    headers = await api.auth()
    path = f"/v1/review/{seeded.outbound_id}/approve"
    for body in ({"body": ""}, {"body": "  \n "}, {"subject": "a\r\nBcc: x"}, {"to": "x@y.dk"}):
        assert_error(
            await api.client.post(path, json=body, headers=headers), 422, "invalid_request"
        )
    assert (await outbound(api.db, seeded.outbound_id)).status is OutboundStatus.DRAFT


async def test_a_failed_send_is_accepted_and_continued_by_approving_again(api: Api) -> None:
    mailbox = TracingMailbox()
    mailbox.send_draft_failures.append(IntegrationError(ErrorCode.RATE_LIMITED, "429"))
    api.container.mailbox = mailbox
    seeded = await seed_draft(api.db)
    headers = await api.auth()
    path = f"/v1/review/{seeded.outbound_id}/approve"

    first = await api.client.post(path, headers=headers)

    assert first.status_code == 202, first.text
    assert first.json()["status"] == "approved"
    assert first.json()["delivery_error"] == "rate_limited"
    second = await api.client.post(path, headers=headers)
    assert second.status_code == 200 and second.json()["status"] == "sent"
    assert len(mailbox.sent) == 1


async def test_reject_requires_a_reason(api: Api) -> None:
    seeded = await seed_draft(api.db)
    headers = await api.auth()
    path = f"/v1/review/{seeded.outbound_id}/reject"
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert_error(
            await api.client.post(path, json=body, headers=headers), 422, "invalid_request"
        )

    resp = await api.client.post(path, json={"reason": "Kunden har ringet"}, headers=headers)

    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "rejected"
    row = await outbound(api.db, seeded.outbound_id)
    assert (row.status, row.rejection_reason) == (OutboundStatus.REJECTED, "Kunden har ringet")
    assert await inbound_status(api.db, seeded.inbound_id) == (
        InboundStatus.DRAFTED,
        "review_rejected",
    )
    listed = await api.client.get("/v1/review", headers=headers)
    assert listed.json()["items"] == []
    assert_error(
        await api.client.post(path, json={"reason": "x"}, headers=headers), 409, "conflict"
    )
