"""ACCEPTANCE: every endpoint of the app, called without a token, with a wrong one, with
another user's token on a session it does not own, and with each role's token.

The table below names each endpoint's permission by hand. It must cover exactly the app's
/v1 routes and /metrics: a new endpoint without a row here fails this test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from api.app import create_app
from api.auth.roles import Permission, allowed
from api.auth.tokens import generate_token
from api.composition import Container
from memory.database import Database
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings

P = Permission
S = "/v1/sessions/{session_id}"
R = "/v1/review/{ref}"


@dataclass(frozen=True)
class Endpoint:
    # None: any valid token will do (no permission beyond being signed in).
    permission: Permission | None
    ok: int  # the answer to a caller who may
    json: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)


NO_STREAM = {"stream": "false"}

ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("POST", "/v1/sessions"): Endpoint(P.SESSIONS_WRITE, 201, json={"title": "Ny"}),
    ("GET", "/v1/sessions"): Endpoint(P.SESSIONS_READ, 200),
    ("GET", S): Endpoint(P.SESSIONS_READ, 200),
    ("PATCH", S): Endpoint(P.SESSIONS_WRITE, 200, json={"title": "Omdøbt"}),
    ("DELETE", S): Endpoint(P.SESSIONS_WRITE, 204),
    ("GET", S + "/messages"): Endpoint(P.SESSIONS_READ, 200),
    ("POST", S + "/messages"): Endpoint(P.CHAT_SEND, 200, json={"text": "Hej"}, params=NO_STREAM),
    ("POST", S + "/approvals/{tool_call_id}"): Endpoint(
        P.APPROVALS_DECIDE, 200, json={"decision": "approve"}, params=NO_STREAM
    ),
    ("GET", S + "/events"): Endpoint(P.SESSIONS_READ, 200),
    ("GET", "/metrics"): Endpoint(None, 200),
    ("GET", "/v1/review"): Endpoint(P.APPROVALS_DECIDE, 200),
    ("GET", R): Endpoint(P.APPROVALS_DECIDE, 404),
    ("POST", R + "/approve"): Endpoint(P.APPROVALS_DECIDE, 404, json={}),
    ("POST", R + "/reject"): Endpoint(P.APPROVALS_DECIDE, 404, json={"reason": "nej"}),
    ("GET", "/v1/gdpr/export"): Endpoint(P.GDPR_EXPORT, 200, params={"email": "x@example.dk"}),
}

PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}
# Authenticated by an HMAC signature, not a bearer token: tested in test_inbox.py.
HMAC_SIGNED = {("POST", "/v1/inbound/email")}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, included routers flattened; a mounted sub-app is
    ("MOUNT", path), since its routes are not listed here."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if isinstance(route.original_route, Mount):
            found.add(("MOUNT", path))
            continue
        found |= {(method, path) for method in route.methods or {"ANY"}}
    return found


def guarded_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every route under /v1, and /metrics."""
    return {
        (method, path)
        for method, path in app_routes(app)
        if path in ("/metrics", "/v1") or path.startswith("/v1/")
    }


def test_the_table_covers_exactly_the_guarded_routes() -> None:
    app = create_app(make_settings("postgresql://unused/none"))
    assert guarded_routes(app) == set(ENDPOINTS) | HMAC_SIGNED
    assert app_routes(app) >= PUBLIC


# -- calling the app ------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    id: uuid.UUID
    auth: dict[str, str]


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def db(self) -> Database:
        container: Container = self.app.state.container
        return container.database

    async def user(self, email: str, role: StaffRole) -> Caller:
        token = generate_token()
        async with self.db.transaction() as s:
            repo = StaffRepository(s)
            row = await repo.create_user(email=email, name=email.split("@")[0], role=role)
            await repo.add_token(
                user_id=row.id,
                name="t",
                token_hash=token.hash,
                prefix=token.prefix,
                expires_at=None,
            )
        return Caller(id=row.id, auth={"Authorization": f"Bearer {token.clear}"})

    async def session(self, owner: Caller) -> uuid.UUID:
        async with self.db.transaction() as s:
            row = await ChatSessionRepository(s).create(
                owner_id=owner.id, channel=ChatChannel.CHAT, title="Sag"
            )
            return row.id

    async def call(
        self, key: tuple[str, str], headers: dict[str, str], session_id: uuid.UUID
    ) -> httpx.Response:
        method, path = key
        endpoint = ENDPOINTS[key]
        url = path.format(session_id=session_id, tool_call_id="call_1", ref="0123456789ab")
        return await self.client.request(
            method, url, headers=headers, json=endpoint.json, params=endpoint.params
        )


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    app = create_app(make_settings(db_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app=app, client=client)


def assert_error(resp: httpx.Response, status: int, code: str, what: str) -> None:
    assert resp.status_code == status, f"{what}: {resp.status_code} {resp.text}"
    assert resp.json()["error"]["code"] == code, what


@pytest.mark.parametrize("key", sorted(ENDPOINTS), ids=lambda k: f"{k[0]} {k[1]}")
async def test_endpoint(api: Api, key: tuple[str, str]) -> None:
    endpoint = ENDPOINTS[key]
    users = {role: await api.user(f"{role.value}@rendetalje.dk", role) for role in StaffRole}
    target = await api.session(users[StaffRole.STAFF])

    # No token, a token nobody issued, a header that is not a bearer token: 401.
    wrong = {"Authorization": f"Bearer {generate_token().clear}"}
    basic = {"Authorization": "Basic dXNlcjpwdw=="}
    for name, headers in (("no token", {}), ("wrong token", wrong), ("basic auth", basic)):
        resp = await api.call(key, headers, target)
        assert_error(resp, 401, "unauthorized", name)
        assert resp.headers["WWW-Authenticate"] == "Bearer"

    # Another user's token on a session it does not own: as if the session did not exist,
    # even for the owner role, and the session is left as it was.
    if "{session_id}" in key[1]:
        intruder = await api.user("intruder@rendetalje.dk", StaffRole.OWNER)
        assert_error(await api.call(key, intruder.auth, target), 404, "not_found", "intruder")
        still = await api.client.get(f"/v1/sessions/{target}", headers=users[StaffRole.STAFF].auth)
        assert still.status_code == 200
        assert still.json()["title"] == "Sag"

    # Each role on its own session: 403 exactly when the role table says no.
    for role, user in users.items():
        own = await api.session(user)
        resp = await api.call(key, user.auth, own)
        may = endpoint.permission is None or allowed(role, endpoint.permission)
        if may:
            assert resp.status_code == endpoint.ok, f"{role}: {resp.status_code} {resp.text}"
        else:
            assert_error(resp, 403, "forbidden", str(role))


@pytest.mark.parametrize("path", sorted(p for _, p in PUBLIC))
async def test_health_needs_no_token(api: Api, path: str) -> None:
    resp = await api.client.get(path)
    assert resp.status_code == 200, resp.text
