"""HTTP hardening against the real app and a real database: security headers, CORS, trusted
hosts, the body size limit, request ids, JSON logs, the Sentry scrubber, /metrics, readiness
and the production configuration checks."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
import sentry_sdk
from fastapi import FastAPI
from pydantic import ValidationError
from sentry_sdk.types import Event
from sqlalchemy import func, select

from api.app import create_app
from api.auth.tokens import generate_token
from api.composition import Container
from api.config import ConfigurationError, load_settings
from api.hardening import sentry as sentry_module
from api.hardening.logs import json_handler
from api.hardening.readiness import check_dependencies, dependency_checks
from api.hardening.sentry import scrub_event
from api.settings import ServerSettings
from memory.errors import DatabaseUnavailableError
from memory.models import ChatSession
from memory.models.enums import StaffRole
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings

ORIGIN = "https://staff.rendetalje.dk"
LIMIT = 2048


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    async def auth(self, email: str = "kasper@rendetalje.dk") -> tuple[str, dict[str, str]]:
        """A staff user's fresh clear token and its Authorization header."""
        token = generate_token()
        async with self.container.database.transaction() as s:
            repo = StaffRepository(s)
            user = await repo.find_by_email(email) or await repo.create_user(
                email=email, name="Kasper", role=StaffRole.STAFF
            )
            await repo.add_token(
                user_id=user.id,
                name="t",
                token_hash=token.hash,
                prefix=token.prefix,
                expires_at=None,
            )
        return token.clear, {"Authorization": f"Bearer {token.clear}"}

    async def session_count(self) -> int:
        async with self.container.database.transaction() as s:
            return int(await s.scalar(select(func.count()).select_from(ChatSession)) or 0)


@pytest.fixture
def server_env() -> dict[str, Any]:
    return {"RENOS_MAX_BODY_BYTES": LIMIT}


@pytest.fixture
async def api(db_url: str, server_env: dict[str, Any]) -> AsyncIterator[Api]:
    app = create_app(make_settings(db_url, **server_env))

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield Api(app=app, client=client)


def client_for(app: FastAPI, base_url: str = "http://localhost") -> httpx.AsyncClient:
    """A client without the lifespan: enough for answers that need no database."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def assert_error(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code


# -- security headers -----------------------------------------------------------------------


async def test_security_headers_on_every_response(api: Api) -> None:
    _, auth = await api.auth()
    for resp in [
        await api.client.get("/healthz"),
        await api.client.get("/v1/sessions", headers=auth),
        await api.client.get("/v1/sessions"),  # 401
        await api.client.get("/nothing-here"),  # 404
        await api.client.get("/test/boom"),  # 500
    ]:
        h = resp.headers
        assert h["content-security-policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"
        )
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-request-id"]
        assert "strict-transport-security" not in h  # plain http outside production
    assert (await api.client.get("/v1/sessions", headers=auth)).headers[
        "cache-control"
    ] == "no-store"
    assert "cache-control" not in (await api.client.get("/healthz")).headers
    assert_error(await api.client.get("/test/boom"), 500, "internal")


async def test_hsts_in_production_and_over_https() -> None:
    prod_server = ServerSettings(
        _env_file=None, RENOS_ENV="production", RENOS_TRUSTED_HOSTS="renos.example"
    )
    prod = create_app(
        dataclasses.replace(make_settings("postgresql://unused/none"), server=prod_server)
    )
    async with client_for(prod, "http://renos.example") as client:
        resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.headers["strict-transport-security"].startswith("max-age=")

    dev = create_app(make_settings("postgresql://unused/none"))
    async with client_for(dev, "https://localhost") as client:
        assert "strict-transport-security" in (await client.get("/healthz")).headers


# -- CORS and trusted hosts -----------------------------------------------------------------


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


async def test_cors_allows_only_listed_origins() -> None:
    app = create_app(make_settings("postgresql://unused/none", RENOS_CORS_ORIGINS=ORIGIN))
    async with client_for(app) as client:
        ok = await client.options("/v1/sessions", headers=preflight(ORIGIN))
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == ORIGIN
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()

        evil = "https://evil.example"
        refused = await client.options("/v1/sessions", headers=preflight(evil))
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        simple = await client.get("/healthz", headers={"Origin": evil})
        assert "access-control-allow-origin" not in simple.headers
        allowed = await client.get("/healthz", headers={"Origin": ORIGIN})
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()


async def test_no_cors_without_origins() -> None:
    app = create_app(make_settings("postgresql://unused/none"))
    async with client_for(app) as client:
        resp = await client.get("/healthz", headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in resp.headers
        pre = await client.options("/v1/sessions", headers=preflight(ORIGIN))
        assert "access-control-allow-origin" not in pre.headers


async def test_untrusted_host_is_400() -> None:
    app = create_app(make_settings("postgresql://unused/none", RENOS_TRUSTED_HOSTS="*.renos.dk"))
    async with client_for(app, "http://evil.example") as client:
        resp = await client.get("/healthz")
        assert_error(resp, 400, "invalid_request")
        assert resp.headers["x-request-id"]
        assert resp.headers["x-frame-options"] == "DENY"
    async with client_for(app, "http://api.renos.dk:8443") as client:
        assert (await client.get("/healthz")).status_code == 200
    default = create_app(make_settings("postgresql://unused/none"))
    async with client_for(default, "http://127.0.0.1:8000") as client:
        assert (await client.get("/healthz")).status_code == 200
    async with client_for(default, "http://renos.evil.example") as client:
        assert_error(await client.get("/healthz"), 400, "invalid_request")


# -- body size limit ------------------------------------------------------------------------


async def test_oversized_body_is_413_and_nothing_is_written(api: Api) -> None:
    _, auth = await api.auth()
    big = {"title": "x" * (LIMIT + 10)}
    resp = await api.client.post("/v1/sessions", json=big, headers=auth)
    assert_error(resp, 413, "payload_too_large")
    assert resp.headers["x-request-id"]
    assert await api.session_count() == 0


async def _chunks(total: int, size: int = 500) -> AsyncIterator[bytes]:
    body = json.dumps({"title": "t" * max(total - 13, 0)}).encode()
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def test_oversized_chunked_body_is_413_and_nothing_is_written(api: Api) -> None:
    _, auth = await api.auth()
    headers = {**auth, "Content-Type": "application/json"}
    resp = await api.client.post("/v1/sessions", content=_chunks(LIMIT * 3), headers=headers)
    assert "content-length" not in resp.request.headers
    assert_error(resp, 413, "payload_too_large")
    assert await api.session_count() == 0

    # A chunked body under the limit reaches the route intact.
    small = await api.client.post("/v1/sessions", content=_chunks(150, 40), headers=headers)
    assert "content-length" not in small.request.headers
    assert small.status_code == 201, small.text
    assert small.json()["title"] == "t" * 137
    assert await api.session_count() == 1


# -- request ids and logs -------------------------------------------------------------------


async def test_request_id_is_echoed_or_generated(api: Api) -> None:
    echoed = await api.client.get("/healthz", headers={"X-Request-ID": "abc-123.x:y_z"})
    assert echoed.headers["x-request-id"] == "abc-123.x:y_z"
    for bad in ("has spaces", "x" * 129, "<script>"):
        resp = await api.client.get("/healthz", headers={"X-Request-ID": bad})
        assert resp.headers["x-request-id"] != bad
        assert len(resp.headers["x-request-id"]) == 32
    a = (await api.client.get("/healthz")).headers["x-request-id"]
    b = (await api.client.get("/healthz")).headers["x-request-id"]
    assert a != b


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = json_handler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    yield buffer
    root.removeHandler(handler)


async def test_json_log_lines_carry_the_request_id_and_no_token(
    api: Api, log_lines: io.StringIO
) -> None:
    token, auth = await api.auth()
    rid = "req-log-test-1"
    resp = await api.client.post(
        "/v1/sessions", json={"title": "Mette Hansen"}, headers={**auth, "X-Request-ID": rid}
    )
    assert resp.status_code == 201
    await api.client.get("/test/boom", headers={"X-Request-ID": "req-boom"})

    text = log_lines.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    access = [r for r in records if r["logger"] == "renos.access" and r["request_id"] == rid]
    assert len(access) == 1
    line = access[0]
    assert {"time", "level", "logger", "message", "request_id"} <= set(line)
    assert line["method"] == "POST"
    assert line["path"] == "/v1/sessions"
    assert line["status"] == 201
    assert isinstance(line["duration_ms"], float)
    # The 500 handler's own log record (outside our middleware) keeps the request's id.
    errors = [r for r in records if r["logger"] == "api.errors"]
    assert errors and errors[0]["request_id"] == "req-boom"
    assert token not in text
    assert "Bearer" not in text
    assert "Mette Hansen" not in text


# -- Sentry ---------------------------------------------------------------------------------


def test_sentry_scrubber_removes_personal_data() -> None:
    event: dict[str, Any] = {
        "message": "lead mette@example.dk ringede fra +45 12 34 56 78",
        "request": {
            "url": "http://localhost/v1/sessions",
            "method": "POST",
            "headers": {"Authorization": "Bearer renos_secret", "Cookie": "sid=1", "Accept": "*/*"},
            "cookies": {"sid": "1"},
            "data": {"title": "Mette Hansen, Skovvej 12"},
            "query_string": "email=mette@example.dk",
        },
        "user": {"id": "u-1", "email": "kasper@rendetalje.dk", "username": "kasper"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "no lead for 87654321 or 0045 87-65-43-21 (jens@firma.dk)",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"email": "a@b.dk"}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "search 22 33 44 55", "data": {"phone": "1"}}]},
        "extra": {"headers": [["authorization", "Bearer renos_x"], ["accept", "json"]]},
    }
    result = scrub_event(cast(Event, event), {})
    assert result is not None
    scrubbed = cast(dict[str, Any], result)
    text = json.dumps(scrubbed)
    for secret in (
        "mette@example.dk",
        "jens@firma.dk",
        "a@b.dk",
        "12 34 56 78",
        "87654321",
        "87-65-43-21",
        "22 33 44 55",
        "renos_secret",
        "renos_x",
        "sid=1",
        "Mette Hansen",
        "kasper",
    ):
        assert secret not in text, secret
    request = scrubbed["request"]
    assert "data" not in request
    assert "cookies" not in request
    assert request["headers"]["Authorization"] == "[redacted]"
    assert request["headers"]["Accept"] == "*/*"
    assert scrubbed["user"] == {"id": "u-1"}
    assert "[email]" in text
    assert "[phone]" in text


def test_sentry_starts_only_with_a_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kw: calls.append(kw))
    assert sentry_module.init_sentry(ServerSettings(_env_file=None)) is False
    assert calls == []
    dsn = "https://key@o1.ingest.sentry.io/1"
    assert sentry_module.init_sentry(ServerSettings(_env_file=None, SENTRY_DSN=dsn)) is True
    (kwargs,) = calls
    assert kwargs["dsn"] == dsn
    assert kwargs["before_send"] is scrub_event
    assert kwargs["send_default_pii"] is False
    assert "key@" not in repr(ServerSettings(_env_file=None, SENTRY_DSN=dsn))


# -- metrics --------------------------------------------------------------------------------


async def test_metrics_need_a_token_and_count_requests(api: Api) -> None:
    assert_error(await api.client.get("/metrics"), 401, "unauthorized")
    _, auth = await api.auth()
    await api.client.get("/healthz")
    await api.client.get("/healthz")
    await api.client.get("/v1/sessions")
    await api.client.get("/no/such/path")
    resp = await api.client.get("/metrics", headers=auth)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    body = resp.text
    assert 'renos_http_requests_total{method="GET",route="/healthz",status="200"} 2' in body
    assert 'renos_http_requests_total{method="GET",route="/v1/sessions",status="401"} 1' in body
    assert 'route="unmatched",status="404"} 1' in body
    assert "# TYPE renos_http_request_duration_seconds histogram" in body
    assert (
        'renos_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 2'
        in body
    )
    assert 'renos_http_request_duration_seconds_count{method="GET",route="/healthz"} 2' in body


@pytest.mark.parametrize("server_env", [{"RENOS_METRICS_PUBLIC": "true"}])
async def test_metrics_can_be_public(api: Api) -> None:
    resp = await api.client.get("/metrics")
    assert resp.status_code == 200
    assert "renos_http_requests_total" in resp.text


# -- readiness ------------------------------------------------------------------------------


async def test_readiness_reports_each_dependency_and_retries(api: Api) -> None:
    real = await check_dependencies(dependency_checks(api.container))
    assert real.status == "ready"
    assert real.checks == {"database": "ok"}

    attempts = 0

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise DatabaseUnavailableError("database unreachable: OperationalError")

    async def down() -> None:
        raise DatabaseUnavailableError("database unreachable: OperationalError")

    started = time.monotonic()
    report = await check_dependencies(
        {"database": flaky, "calendar": down}, budget_s=0.5, first_wait_s=0.01
    )
    assert time.monotonic() - started < 1.5
    assert attempts == 3
    assert report.status == "unavailable"
    assert report.checks == {
        "database": "ok",
        "calendar": "database unreachable: OperationalError",
    }


# -- configuration --------------------------------------------------------------------------


def test_production_refuses_a_wildcard_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="RENOS_CORS_ORIGINS"):
        ServerSettings(
            _env_file=None,
            RENOS_ENV="production",
            RENOS_CORS_ORIGINS="https://a.dk, *",
            RENOS_TRUSTED_HOSTS="renos.example",
        )
    # Outside production a wildcard is allowed (local tools).
    local = ServerSettings(_env_file=None, RENOS_ENV="development", RENOS_CORS_ORIGINS="*")
    assert local.cors_origin_list == ["*"]
    for name in ("RENOS_CORS_ORIGINS", "RENOS_TRUSTED_HOSTS", "RENOS_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RENOS_ENV", "production")
    monkeypatch.setenv("RENOS_TRUSTED_HOSTS", "renos.example")
    monkeypatch.setenv("RENOS_CORS_ORIGINS", "*")
    with pytest.raises(ConfigurationError, match="RENOS_CORS_ORIGINS"):
        load_settings(env_file=None)


def test_production_requires_trusted_hosts() -> None:
    with pytest.raises(ValidationError, match="RENOS_TRUSTED_HOSTS"):
        ServerSettings(_env_file=None, RENOS_ENV="production")
    dev = ServerSettings(_env_file=None, RENOS_ENV="development")
    assert dev.trusted_host_list == ["127.0.0.1", "localhost", "testserver", "test"]
    assert dev.max_body_bytes == 1024 * 1024
    assert dev.metrics_public is False
    assert dev.sentry_dsn is None


async def test_readiness_cuts_a_hanging_check_at_the_budget() -> None:
    async def hangs() -> None:
        await asyncio.sleep(30)

    started = time.monotonic()
    report = await check_dependencies({"database": hangs}, budget_s=0.3)
    assert time.monotonic() - started < 1.0
    assert report.status == "unavailable"
    assert report.checks == {"database": "no answer within 0.3s"}
