"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis).

Every documented operation is called with generated inputs, valid and invalid, on the real app
(lifespan run, a database of its own per operation) through schemathesis's in-process ASGI
transport, with a valid owner's token. Every answer must be no server error and must match
the document: a declared status code, its content type, headers and body schema (each event
of a stream too); input the document forbids must not be accepted.

Path ids are mostly random (404), so half of the generated ``session_id``s are replaced by a
session the caller owns, for the routes to run past the ownership check.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, TypeAlias, cast

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from starlette.types import Send

from api.app import create_app
from api.auth.tokens import generate_token
from api.routes.inbound_webhook import sign
from memory.database import Database
from memory.models import ChatSession
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings

Case: TypeAlias = schemathesis.Case[Any]

# Hypothesis examples per operation in the fuzzing phase (valid and invalid inputs mixed); the
# schema's own examples and schemathesis's coverage cases (boundaries, missing parameters,
# other methods) come on top: about 30 to 75 calls per operation in all.
EXAMPLES = 25
WEBHOOK_SECRET = "fuzz-webhook-secret"
OWN_SESSION = uuid.UUID("5e55a0de-0000-4000-8000-00000000f022")

# Every built-in check runs except these two:
EXCLUDED = [
    # Judges any 4xx to schema-valid input a failure; but a well-formed cursor, tool call id or
    # review ref can still name nothing (400/404), and FastAPI documents optional headers as
    # `integer | null`, so "null" is generated and rightly refused.
    schemathesis.checks.positive_data_acceptance,
    # OPTIONS must answer an `Allow` of every documented method of the path; Starlette's 405
    # lists only those of the first route matching it (one route per method in FastAPI).
    schemathesis.checks.allow_header_conformance,
]


class CurrentApp:
    """The ASGI app schemathesis calls: it forwards to the app of the running test (the
    document is loaded once, at import; each test has an app and a database of its own)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        assert self.app is not None, "no app: the test did not ask for the `app` fixture"
        await self.app(scope, receive, cast(Send, send))


CURRENT = CurrentApp()


def build_app(db_url: str) -> FastAPI:
    return create_app(
        make_settings(
            db_url,
            # The fuzzer calls far more often than a person: no 429 hiding the other answers.
            RENOS_RATE_LIMIT_PER_MINUTE=1_000_000,
            RENOS_CHAT_RATE_LIMIT_PER_MINUTE=1_000_000,
        )
    )


# The document is made from the code alone; building it reaches no database.
schema = schemathesis.openapi.from_dict(build_app("postgresql://fuzz@localhost/none").openapi())
schema.app = CURRENT
schema.config.generation.update(
    # FastAPI ignores unknown query parameters and headers, as most services do: no finding.
    allow_extra_parameters=False,
    # U+0000 in request text is refused with 422 (api/hardening/nul.py).
    allow_x00=True,
)


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: Case) -> st.SearchStrategy[Case]:
    """Half of the valid ``session_id``s become the caller's own session (a negative case's
    id is left as generated: it must be refused as it is)."""
    meta = case.meta
    path = meta.components.get(ParameterLocation.PATH) if meta is not None else None
    if not case.path_parameters or "session_id" not in case.path_parameters:
        return st.just(case)
    if path is not None and path.mode is not GenerationMode.POSITIVE:
        return st.just(case)

    def own(yes: bool) -> Case:
        if yes:
            case.path_parameters = {**case.path_parameters, "session_id": str(OWN_SESSION)}
        return case

    return st.booleans().map(own)


@pytest.fixture
async def bearer(db: Database) -> str:
    """An owner's token (every permission, so every route runs past its guard), and a session
    of theirs; stored before the app starts (the app runs in schemathesis's event-loop
    thread, not in this one)."""
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email="fuzz@rendetalje.dk", name="fuzz", role=StaffRole.OWNER)
        await repo.add_token(
            user_id=user.id,
            name="fuzz",
            token_hash=token.hash,
            prefix=token.prefix,
            expires_at=None,
        )
        s.add(ChatSession(id=OWN_SESSION, owner_id=user.id, channel=ChatChannel.CHAT, title="fuzz"))
    return token.clear


@pytest.fixture
def app(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The test's app; its lifespan starts with the first call and is ended here."""
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", WEBHOOK_SECRET)
    CURRENT.app = build_app(db_url)
    try:
        yield CURRENT.app
    finally:
        try:
            asgi.shutdown_lifespans()
        finally:
            CURRENT.app = None


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _call(case: Case, bearer: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_schema(case: Case, app: FastAPI, bearer: str) -> None:
    _call(case, bearer)


def test_an_oversized_body_is_answered_as_documented(app: FastAPI, bearer: str) -> None:
    """The body limit answers before any route runs; its 413 is in the document too."""
    case = schema["/v1/sessions"]["POST"].Case(body={"title": "x" * (1024 * 1024)})
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {bearer}"},
        checks=[
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
        ],
    )
    assert response.status_code == 413


# -- NUL characters ---------------------------------------------------------------------------
# PostgreSQL text cannot hold U+0000 and JSON strings can: every text field that is stored
# must refuse it (422) or drop it, never pass it to the database (a 500, or a failed turn).

NUL_CASES = [
    ("POST", "/v1/sessions", {"title": "a\u0000b"}),
    ("PATCH", "/v1/sessions/{own}", {"title": "a\u0000b"}),
    ("POST", "/v1/sessions/{own}/messages?stream=false", {"text": "hej\u0000med dig"}),
    ("GET", "/v1/gdpr/export?email=a%00@b.dk", None),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_CASES, ids=[c[1] for c in NUL_CASES])
def test_nul_in_text_is_refused(
    method: str, url: str, body: dict[str, str] | None, app: FastAPI, bearer: str
) -> None:
    with asgi.get_client(CURRENT) as client:
        response = client.request(
            method,
            url.format(own=OWN_SESSION),
            json=body,
            headers={"Authorization": f"Bearer {bearer}"},
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert "NUL" in response.json()["error"]["message"]


# -- the signed webhook -------------------------------------------------------------------------
# Unsigned, the schema's fuzzing above only ever gets 401. Signed, any bytes reach the parser
# and the ledger: each answer is 202 (recorded) or 400 (not a message), never a server error.

_HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "X-Anything",
    ]
)
_HEADER = st.tuples(_HEADER_NAMES, st.text(max_size=60)).map(lambda kv: f"{kv[0]}: {kv[1]}")
_MAIL = st.builds(
    lambda headers, body: "\r\n".join([*headers, "", body]),
    st.lists(_HEADER, max_size=10),
    st.text(max_size=400),
).map(lambda text: text.encode("utf-8", "surrogatepass"))


@settings(FUZZ, max_examples=2 * EXAMPLES)
@given(raw=st.one_of(_MAIL, st.binary(max_size=600)))
def test_signed_webhook_never_fails(raw: bytes, app: FastAPI) -> None:
    timestamp = str(int(time.time()))
    with asgi.get_client(CURRENT) as client:
        response = client.post(
            "/v1/inbound/email",
            data=raw,
            headers={
                "Content-Type": "message/rfc822",
                "X-Renos-Timestamp": timestamp,
                "X-Renos-Signature": sign(WEBHOOK_SECRET, timestamp, raw),
            },
        )
    assert response.status_code in (202, 400), response.text
    if response.status_code == 202:
        assert set(response.json()) == {"message_id", "created", "status"}
