"""/v1/sessions over HTTP against the real app (lifespan run) and a real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import func, select

from api.app import create_app
from api.auth.dependencies import require
from api.auth.roles import ROLE_PERMISSIONS, Permission, allowed, tool_permission
from api.auth.tokens import generate_token
from api.composition import Container
from memory.models import ChatMessage, ChatSession
from memory.models.enums import ChatChannel, MessageRole, StaffRole
from memory.models.events import ChatEvent, ChatTurn
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings
from tools.canonical.registry import tool_table

P = Permission
STAFF, OWNER, EVAL = StaffRole.STAFF, StaffRole.OWNER, StaffRole.EVALUATOR

# The intended matrix, written out by hand so a change to roles.py must be made twice.
EXPECTED: dict[Permission, set[StaffRole]] = {
    P.SESSIONS_READ: {STAFF, OWNER, EVAL},
    P.SESSIONS_WRITE: {STAFF, OWNER, EVAL},
    P.CHAT_SEND: {STAFF, OWNER, EVAL},
    P.APPROVALS_DECIDE: {STAFF, OWNER},
    P.APPROVALS_DECIDE_ESCALATED: {OWNER},
    P.GDPR_EXPORT: {OWNER},
    P.TOOL_SEARCH_LEADS: {STAFF, OWNER, EVAL},
    P.TOOL_GET_LEAD: {STAFF, OWNER, EVAL},
    P.TOOL_CHECK_AVAILABILITY: {STAFF, OWNER, EVAL},
    P.TOOL_DRAFT_QUOTE: {STAFF, OWNER, EVAL},
    P.TOOL_DRAFT_EMAIL_REPLY: {STAFF, OWNER, EVAL},
    P.TOOL_CREATE_BOOKING: {STAFF, OWNER},
    P.TOOL_SEND_EMAIL: {STAFF, OWNER},
}


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    async def user(
        self,
        email: str,
        role: StaffRole = StaffRole.STAFF,
        *,
        expires_at: datetime | None = None,
    ) -> tuple[uuid.UUID, dict[str, str]]:
        """A new user and the Authorization header of a fresh token."""
        token = generate_token()
        async with self.container.database.transaction() as s:
            repo = StaffRepository(s)
            user = await repo.find_by_email(email) or await repo.create_user(
                email=email, name=email.split("@")[0], role=role
            )
            await repo.add_token(
                user_id=user.id,
                name="test",
                token_hash=token.hash,
                prefix=token.prefix,
                expires_at=expires_at,
            )
        return user.id, {"Authorization": f"Bearer {token.clear}"}


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    app = create_app(make_settings(db_url))

    # A probe route guarded by a permission only the owner holds.
    @app.get("/test/gdpr", dependencies=[Depends(require(Permission.GDPR_EXPORT))])
    async def gdpr_probe() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string postgresql://u:pw@h/db")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app=app, client=client)


def assert_error(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


# -- the role table -------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(StaffRole))
@pytest.mark.parametrize("permission", list(Permission))
def test_role_matrix(role: StaffRole, permission: Permission) -> None:
    assert allowed(role, permission) is (role in EXPECTED[permission])


def test_matrix_covers_every_role_and_permission() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(ROLE_PERMISSIONS) == set(StaffRole)


def test_every_canonical_tool_has_exactly_one_permission() -> None:
    tool_perms = {p for p in Permission if p.startswith("tool.")}
    assert {tool_permission(name) for name in tool_table()} == tool_perms
    with pytest.raises(ValueError, match=r"tool\.rm_rf"):
        tool_permission("rm_rf")


# -- CRUD -----------------------------------------------------------------------------------


async def test_crud_round_trip(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    c = api.client

    created = await c.post("/v1/sessions", json={"title": "  Tilbud til Mette  "}, headers=auth)
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["title"] == "Tilbud til Mette"
    assert session["channel"] == "chat"
    sid = session["id"]

    untitled = await c.post("/v1/sessions", headers=auth)
    assert untitled.status_code == 201, untitled.text
    assert untitled.json()["title"] == ""

    got = await c.get(f"/v1/sessions/{sid}", headers=auth)
    assert got.status_code == 200
    assert got.json() == session

    renamed = await c.patch(f"/v1/sessions/{sid}", json={"title": "Skovvej 12"}, headers=auth)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Skovvej 12"
    assert renamed.json()["updated_at"] >= session["updated_at"]
    assert (await c.get(f"/v1/sessions/{sid}", headers=auth)).json()["title"] == "Skovvej 12"

    listed = await c.get("/v1/sessions", headers=auth)
    assert [s["id"] for s in listed.json()["items"]] == [sid, untitled.json()["id"]]
    assert listed.json()["next_cursor"] is None

    deleted = await c.delete(f"/v1/sessions/{sid}", headers=auth)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(await c.get(f"/v1/sessions/{sid}", headers=auth), 404, "not_found")
    assert_error(await c.delete(f"/v1/sessions/{sid}", headers=auth), 404, "not_found")


async def test_messages_in_order_and_deleted_with_the_session(api: Api) -> None:
    user_id, auth = await api.user("kasper@rendetalje.dk")
    async with api.container.database.transaction() as s:
        chat = await ChatSessionRepository(s).create(
            owner_id=user_id, channel=ChatChannel.CHAT, title="t"
        )
        for role, text in [
            (MessageRole.USER, "Hvad koster 80 m²?"),
            (MessageRole.ASSISTANT, "Lad mig regne."),
            (MessageRole.USER, "Tak"),
        ]:
            s.add(ChatMessage(session_id=chat.id, role=role, content=text))
            await s.flush()

    resp = await api.client.get(f"/v1/sessions/{chat.id}/messages", headers=auth)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert [m["content"] for m in items] == ["Hvad koster 80 m²?", "Lad mig regne.", "Tak"]
    assert [m["role"] for m in items] == ["user", "assistant", "user"]
    assert [m["id"] for m in items] == sorted(m["id"] for m in items)
    assert "embedding" not in items[0]

    assert (await api.client.delete(f"/v1/sessions/{chat.id}", headers=auth)).status_code == 204
    async with api.container.database.transaction() as s:
        left = await s.scalar(
            select(func.count()).select_from(ChatMessage).where(ChatMessage.session_id == chat.id)
        )
    assert left == 0


async def test_invalid_bodies_are_invalid_request(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    sid = (await api.client.post("/v1/sessions", json={}, headers=auth)).json()["id"]
    c = api.client
    assert_error(
        await c.post("/v1/sessions", json={"title": "x" * 201}, headers=auth),
        422,
        "invalid_request",
    )
    assert_error(
        await c.patch(f"/v1/sessions/{sid}", json={"title": "  "}, headers=auth),
        422,
        "invalid_request",
    )
    assert_error(await c.get("/v1/sessions/not-a-uuid", headers=auth), 422, "invalid_request")
    for bad in ("0", "101"):
        assert_error(
            await c.get("/v1/sessions", params={"limit": bad}, headers=auth),
            422,
            "invalid_request",
        )
    for cursor in ("garbage", "W10", "WyJ4IiwieSJd"):  # not base64 json, [], ["x","y"]
        assert_error(
            await c.get("/v1/sessions", params={"cursor": cursor}, headers=auth),
            400,
            "invalid_request",
        )


# -- paging ---------------------------------------------------------------------------------


async def _page_through(api: Api, auth: dict[str, str], limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        resp = await api.client.get("/v1/sessions", params=params, headers=auth)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append([s["id"] for s in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "paging does not terminate"


async def test_paging_newest_first_without_duplicates(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    _, other = await api.user("mette@rendetalje.dk")
    await api.client.post("/v1/sessions", json={"title": "not mine"}, headers=other)
    created = []
    for i in range(25):
        resp = await api.client.post("/v1/sessions", json={"title": f"s{i}"}, headers=auth)
        created.append(resp.json()["id"])

    pages = await _page_through(api, auth, limit=10)
    assert [len(p) for p in pages] == [10, 10, 5]
    flat = [sid for page in pages for sid in page]
    assert flat == list(reversed(created))
    assert len(set(flat)) == 25

    default = await api.client.get("/v1/sessions", headers=auth)
    assert len(default.json()["items"]) == 20
    exact = await _page_through(api, auth, limit=25)
    assert [len(p) for p in exact] == [25]


async def test_paging_breaks_timestamp_ties_by_id(api: Api) -> None:
    user_id, auth = await api.user("kasper@rendetalje.dk")
    async with api.container.database.transaction() as s:  # one transaction: one now()
        repo = ChatSessionRepository(s)
        rows = [
            await repo.create(owner_id=user_id, channel=ChatChannel.CHAT, title=f"t{i}")
            for i in range(7)
        ]
    assert len({r.updated_at for r in rows}) == 1
    flat = [sid for page in await _page_through(api, auth, limit=3) for sid in page]
    assert flat == sorted((str(r.id) for r in rows), key=uuid.UUID, reverse=True)


async def test_empty_list(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    resp = await api.client.get("/v1/sessions", headers=auth)
    assert resp.json() == {"items": [], "next_cursor": None}


# -- ownership ------------------------------------------------------------------------------


async def test_another_users_session_is_not_found_on_every_verb(api: Api) -> None:
    _, mette = await api.user("mette@rendetalje.dk", StaffRole.OWNER)
    _, kasper = await api.user("kasper@rendetalje.dk")
    sid = (await api.client.post("/v1/sessions", json={"title": "privat"}, headers=mette)).json()[
        "id"
    ]
    missing = str(uuid.uuid4())
    c = api.client
    for target in (sid, missing):
        url = f"/v1/sessions/{target}"
        assert_error(await c.get(url, headers=kasper), 404, "not_found")
        assert_error(await c.patch(url, json={"title": "mine"}, headers=kasper), 404, "not_found")
        assert_error(await c.delete(url, headers=kasper), 404, "not_found")
        assert_error(await c.get(f"{url}/messages", headers=kasper), 404, "not_found")
    # Same answer for someone else's session and for none at all.
    a = (await c.get(f"/v1/sessions/{sid}", headers=kasper)).json()
    b = (await c.get(f"/v1/sessions/{missing}", headers=kasper)).json()
    assert a == b
    assert (await c.get("/v1/sessions", headers=kasper)).json()["items"] == []

    still = await c.get(f"/v1/sessions/{sid}", headers=mette)
    assert still.status_code == 200
    assert still.json()["title"] == "privat"


# -- authentication and authorisation -------------------------------------------------------


async def _revoked_auth(api: Api) -> dict[str, str]:
    _, auth = await api.user("revoked@rendetalje.dk")
    async with api.container.database.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.find_by_email("revoked@rendetalje.dk")
        assert user is not None
        (token,) = await repo.list_tokens(user.id)
        await repo.revoke_token(str(token.id), now=datetime.now(UTC))
    return auth


async def test_unauthenticated_requests_get_401(api: Api) -> None:
    _, expired = await api.user(
        "expired@rendetalje.dk", expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    cases: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer   "},
        {"Authorization": "Basic a2FzcGVyOnNlY3JldA=="},
        {"Authorization": "renos_notbearer"},
        {"Authorization": "Bearer renos_wrong"},
        await _revoked_auth(api),
        expired,
    ]
    for headers in cases:
        for method, url in [("GET", "/v1/sessions"), ("POST", "/v1/sessions")]:
            resp = await api.client.request(method, url, headers=headers)
            assert_error(resp, 401, "unauthorized")
            assert resp.headers["www-authenticate"] == "Bearer", headers


async def test_a_valid_token_is_accepted_and_marked_used(api: Api) -> None:
    user_id, auth = await api.user("kasper@rendetalje.dk")
    assert (await api.client.get("/v1/sessions", headers=auth)).status_code == 200
    async with api.container.database.transaction() as s:
        (token,) = await StaffRepository(s).list_tokens(user_id)
    assert token.last_used_at is not None


async def test_role_without_permission_gets_403(api: Api) -> None:
    _, staff = await api.user("kasper@rendetalje.dk", StaffRole.STAFF)
    _, evaluator = await api.user("eval@rendetalje.dk", StaffRole.EVALUATOR)
    _, owner = await api.user("mette@rendetalje.dk", StaffRole.OWNER)
    for headers in (staff, evaluator):
        assert_error(await api.client.get("/test/gdpr", headers=headers), 403, "forbidden")
    assert (await api.client.get("/test/gdpr", headers=owner)).status_code == 200
    # Authentication comes first: no token is 401, not 403.
    assert_error(await api.client.get("/test/gdpr"), 401, "unauthorized")


async def test_unknown_path_uses_the_error_shape(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    assert_error(await api.client.get("/v1/nothing-here", headers=auth), 404, "not_found")


async def test_unexpected_errors_are_opaque_500s(api: Api) -> None:
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        resp = await client.get("/test/boom")
    assert_error(resp, 500, "internal")
    assert "secret" not in resp.text
    assert resp.json()["error"]["message"] == "internal error"


def test_openapi_documents_the_sessions_api() -> None:
    schema = create_app(make_settings("postgresql://unused/none")).openapi()
    paths = schema["paths"]
    assert set(paths["/v1/sessions"]) == {"get", "post"}
    assert set(paths["/v1/sessions/{session_id}"]) == {"get", "patch", "delete"}
    assert "get" in paths["/v1/sessions/{session_id}/messages"]
    get_one = paths["/v1/sessions/{session_id}"]["get"]
    assert {"200", "401", "403", "404"} <= set(get_one["responses"])
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


async def test_malformed_json_is_422_with_a_clear_message_and_writes_nothing(api: Api) -> None:
    _, auth = await api.user("kasper@rendetalje.dk")
    headers = {**auth, "Content-Type": "application/json"}
    resp = await api.client.post("/v1/sessions", content=b'{"title": "Mette', headers=headers)
    assert_error(resp, 422, "invalid_request")
    assert "json" in resp.json()["error"]["message"].lower()
    sid = (await api.client.post("/v1/sessions", json={}, headers=auth)).json()["id"]
    resp = await api.client.post(
        f"/v1/sessions/{sid}/messages", content=b"{text: hej}", headers=headers
    )
    assert_error(resp, 422, "invalid_request")
    async with api.container.database.transaction() as s:
        sessions = await s.scalar(select(func.count()).select_from(ChatSession))
        events = await s.scalar(select(func.count()).select_from(ChatEvent))
        turns = await s.scalar(select(func.count()).select_from(ChatTurn))
        messages = await s.scalar(select(func.count()).select_from(ChatMessage))
    assert (sessions, events, turns, messages) == (1, 0, 0, 0)
