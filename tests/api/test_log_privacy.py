"""ACCEPTANCE (issue 7): logs and Sentry events carry ids, not names, emails, phones or
addresses.

The service runs as `renos serve` runs it (uvicorn with the app factory, so uvicorn configures
its loggers first and the app then takes them over), at RENOS_LOG_LEVEL=debug, with Sentry on
(a capturing transport, and frame locals and request bodies switched on, the worst case for the
scrubber). A known person then goes through real flows: a chat turn naming them, a tool call
that fails with a database error quoting their details, their mail through the webhook and the
service's responder worker, one of their mails failing in the worker with a database error,
and the owner's GDPR export of them by email (in the query string), once failing with a 500.

Every log record any logger handles in the service (all loggers, propagating or not) is
formatted by the production JSON formatter, and the lines the service actually wrote to stderr
are read back: none holds the person's name, email, phone or street address. The same holds
for every Sentry event sent. The unformatted records and the events before scrubbing do hold
them, so the flows really carried the data to the loggers and to Sentry.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
import socket
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sentry_sdk
import uvicorn
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import agent.responder.pipeline as pipeline
from agent.responder.lead_link import LeadLink, link_lead
from agent.responder.reading import MailReading
from api.app import create_app
from api.auth.tokens import generate_token
from api.hardening.logs import JsonFormatter, configure_cli_logging, configure_logging
from api.routes import gdpr as gdpr_route
from api.routes.inbound_webhook import sign
from memory.database import Database
from memory.models import Customer, InboundEmail
from memory.models.enums import InboundStatus, StaffRole
from memory.repositories.lead_search import LeadSearch
from memory.repositories.staff import StaffRepository
from tests.agent.responder.conftest import mail
from tests.settings import make_settings
from tools.privacy.scrub import scrub_text

NAME = "Mette Logsen"
EMAIL = "mette.logsen@example.dk"
PHONE = "+45 21 43 65 87"
STREET = "Solbakken 17"
ADDRESS = f"{STREET}, 8240 Risskov"
SECRET = "log-privacy-secret"
FAILING_MAIL = "<failing-mail@example.dk>"
DSN = "https://public@o1.ingest.sentry.io/1"
_SQUEEZE = re.compile(r"[\s.()+\-]")


def leaks(text: str) -> list[str]:
    """What of the person ``text`` holds: name parts, email (also URL-encoded), phone (however
    spaced), street."""
    low = text.lower()
    squeezed = _SQUEEZE.sub("", low)
    found = [n for n in ("mette", "logsen", "solbakken", "risskov") if n in low]
    found += [n for n in ("mette.logsen%40", EMAIL) if n in low]
    found += ["phone"] if "21436587" in squeezed else []
    return found


# -- capturing every log record and every Sentry event ------------------------------------------


@dataclass
class Captured:
    records: list[logging.LogRecord] = field(default_factory=list)
    events_raw: list[dict[str, Any]] = field(default_factory=list)  # before the scrubber
    events_sent: list[dict[str, Any]] = field(default_factory=list)  # what would leave


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """Records of every logger (whether or not it has handlers or propagates), from every
    thread but the test's own (its HTTP client logs its URLs; the service never runs here),
    and Sentry started by the app itself with a transport that keeps what it is given."""
    box = Captured()
    test_thread = threading.get_ident()
    call_handlers = logging.Logger.callHandlers

    def capture(self: logging.Logger, record: logging.LogRecord) -> None:
        if record.thread != test_thread:
            box.records.append(record)
        call_handlers(self, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", capture)

    class Keep(Transport):
        def capture_envelope(self, envelope: Envelope) -> None:
            event = envelope.get_event()
            if event is not None:
                box.events_sent.append(json.loads(json.dumps(event, default=str)))

    real_init = sentry_sdk.init

    def init(**options: Any) -> Any:
        scrub = options["before_send"]

        def before_send(event: Any, hint: Any) -> Any:
            box.events_raw.append(json.loads(json.dumps(copy.deepcopy(event), default=str)))
            return scrub(event, hint)

        options.update(
            transport=Keep,
            before_send=before_send,
            include_local_variables=True,
            send_default_pii=True,
            max_request_body_size="always",
        )
        with warnings.catch_warnings():  # send_default_pii is deprecated, still honoured
            warnings.simplefilter("ignore", DeprecationWarning)
            return real_init(**options)

    monkeypatch.setattr(sentry_sdk, "init", init)  # what init_sentry calls
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    touched = ("uvicorn", "uvicorn.error", "uvicorn.access", "pgserver", "openai", "httpcore")
    states = {n: (logging.getLogger(n).level, logging.getLogger(n).disabled) for n in touched}
    try:
        yield box
    finally:
        client = sentry_sdk.get_client()
        client.close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name, (level, disabled) in states.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled


# -- the service as `renos serve` runs it --------------------------------------------------------


@dataclass
class Service:
    url: str
    auth: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def service(
    db: Database,
    db_url: str,
    captured: Captured,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Service]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENOS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("RENOS_PURGE_INTERVAL_H", "0")
    settings = make_settings(
        db_url,
        RENOS_LOG_LEVEL="debug",
        SENTRY_DSN=DSN,
        responder={
            "RESPONDER_MODE": "draft-only",
            "RESPONDER_SERVICE_WORKERS": 1,
            "RESPONDER_POLL_S": 0.05,
            "RESPONDER_BACKOFF_S": 0,
            "RESPONDER_MAX_ATTEMPTS": 2,
        },
    )
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        owner = await repo.create_user(
            email="ejer@rendetalje.dk", name="Ejer", role=StaffRole.OWNER
        )
        await repo.add_token(
            user_id=owner.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    port = _free_port()
    # As `renos serve`: a factory, so uvicorn's logging setup comes first, the app's second.
    config = uvicorn.Config(
        lambda: create_app(settings),
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level=settings.server.log_level,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        await asyncio.sleep(0.05)
    try:
        yield Service(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token.clear}"})
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)


# -- failures that quote the person, from the database itself -----------------------------------


async def _failing_search(self: LeadSearch, raw_query: str, limit: int = 20) -> Any:
    """A lead search that fails in PostgreSQL with the query in the error (and in the bound
    parameters SQLAlchemy prints)."""
    await self._s.execute(text("SELECT CAST(:query AS integer)"), {"query": raw_query})


def _failing_link(real: Callable[..., Any]) -> Callable[..., Any]:
    async def link(
        session: AsyncSession, inbound: InboundEmail, reading: MailReading, *, now: Any
    ) -> LeadLink | None:
        if inbound.message_id == FAILING_MAIL:
            # Two customers with one email address: a unique violation naming the address,
            # with the whole row (name, phone, address) among the parameters.
            for _ in range(2):
                session.add(Customer(name=NAME, email=EMAIL, phone=PHONE, address=ADDRESS))
                await session.flush()
        result: LeadLink | None = await real(session, inbound, reading, now=now)
        return result

    return link


async def _failing_export(session: AsyncSession, email: str, *, now: Any) -> Any:
    await session.execute(text("SELECT CAST(:email AS uuid)"), {"email": email})


# -- the flows -----------------------------------------------------------------------------------


async def _chat(client: httpx.AsyncClient, service: Service, sid: str, message: str) -> Any:
    resp = await client.post(
        f"{service.url}/v1/sessions/{sid}/messages?stream=false",
        json={"text": message},
        headers=service.auth,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _deliver(client: httpx.AsyncClient, service: Service, raw: bytes) -> None:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "message/rfc822",
        "X-Renos-Timestamp": stamp,
        "X-Renos-Signature": sign(SECRET, stamp, raw),
    }
    resp = await client.post(f"{service.url}/v1/inbound/email", content=raw, headers=headers)
    assert resp.status_code == 202, resp.text


async def _settled(db: Database) -> dict[str, InboundStatus]:
    done = {InboundStatus.DRAFTED, InboundStatus.FAILED, InboundStatus.IGNORED}
    deadline = time.monotonic() + 60
    while True:
        async with db.transaction() as s:
            rows = (await s.execute(select(InboundEmail))).scalars().all()
            statuses = {r.message_id: r.status for r in rows}
        if len(statuses) == 2 and set(statuses.values()) <= done:
            return statuses
        assert time.monotonic() < deadline, f"mail not processed: {statuses}"
        await asyncio.sleep(0.1)


def _raw(record: logging.LogRecord) -> str:
    """The record as a plain formatter would write it: message and traceback, unscrubbed."""
    parts = [record.getMessage()]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


async def test_logs_and_sentry_events_hold_no_personal_data(
    service: Service,
    captured: Captured,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG  # the service's level
    about = f"Find kunden {NAME}, {EMAIL}, tlf. {PHONE}, {ADDRESS}."
    body = (
        f"Hej\n\nJeg vil gerne have et tilbud på flytterengøring af 80 m² på {ADDRESS}.\n"
        f"Ring på {PHONE}.\n\nMvh {NAME}"
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(60)) as client:
        # Chat: a session titled with the person, a turn about them, then one whose lead
        # search fails in the database with their details in the error.
        created = await client.post(
            f"{service.url}/v1/sessions", json={"title": NAME}, headers=service.auth
        )
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        first = await _chat(client, service, sid, about)
        assert any(c["name"] == "search_leads" for c in first["tool_calls"]), first
        monkeypatch.setattr(LeadSearch, "search", _failing_search)
        failed = await _chat(client, service, sid, f"Søg efter {NAME} igen")
        assert any(c.get("status") == "failed" for c in failed["tool_calls"]), failed

        # Mail: one from them that the worker drafts a reply to, one that fails in it.
        monkeypatch.setattr(pipeline, "link_lead", _failing_link(link_lead))
        sender = f"{NAME} <{EMAIL}>"
        await _deliver(client, service, mail(sender=sender, body=body, message_id="<ok@x.dk>"))
        await _deliver(client, service, mail(sender=sender, body=body, message_id=FAILING_MAIL))
        statuses = await _settled(db)
        assert statuses == {"<ok@x.dk>": InboundStatus.DRAFTED, FAILING_MAIL: InboundStatus.FAILED}

        # The owner's export by email (the address in the query string), then a failing one.
        export = f"{service.url}/v1/gdpr/export"
        ok = await client.get(export, params={"email": EMAIL}, headers=service.auth)
        assert ok.status_code == 200, ok.text
        assert ok.json()["inbound_emails"]  # the export itself does hold them
        monkeypatch.setattr(gdpr_route, "export", _failing_export)
        boom = await client.get(export, params={"email": EMAIL}, headers=service.auth)
        assert boom.status_code == 500
        assert EMAIL not in boom.text
    sentry_sdk.flush(timeout=5)
    await asyncio.sleep(0.2)  # the server thread's last records

    records = list(captured.records)
    formatter = JsonFormatter()
    lines = [formatter.format(r) for r in records]
    # The flows were logged at debug level, failures with their tracebacks ...
    names = {r.name for r in records}
    assert {"renos.access", "agent.execution", "agent.responder.worker", "api.errors"} <= names
    # ... and the person was really in what reached the loggers: the safety net was tested.
    assert any(leaks(_raw(r)) for r in records if r.name == "agent.execution")
    assert any(leaks(_raw(r)) for r in records if r.name == "agent.responder.worker")
    assert any(leaks(_raw(r)) for r in records if r.name == "api.errors")

    found = [(r.name, leaks(line), line) for r, line in zip(records, lines, strict=True)]
    assert [f for f in found if f[1]] == []
    written = capsys.readouterr().err
    assert '"logger": "renos.access"' in written  # the production handler wrote the lines
    assert [line for line in written.splitlines() if leaks(line)] == []
    # The access log names the route, never the query string; uvicorn's own is off.
    access = [
        json.loads(line) for r, line in zip(records, lines, strict=True) if r.name == "renos.access"
    ]
    exports = [e for e in access if "/v1/gdpr/export" in e["message"]]
    assert [(e["path"], e["status"]) for e in exports] == [
        ("/v1/gdpr/export", 200),
        ("/v1/gdpr/export", 500),
    ]
    assert "uvicorn.access" not in names

    # Sentry: events from the failures, with request data, frames and breadcrumbs.
    assert captured.events_sent, "no Sentry event was sent"
    assert any(leaks(json.dumps(e)) for e in captured.events_raw)
    assert any("request" in e for e in captured.events_sent)
    assert any(e.get("breadcrumbs", {}).get("values") for e in captured.events_sent)
    assert any(_frames(e) for e in captured.events_sent)
    for event in captured.events_sent:
        assert leaks(json.dumps(event, ensure_ascii=False)) == [], event
        request = event.get("request", {})
        assert "query_string" not in request and "data" not in request
        assert all(f.get("vars") in (None, "[redacted]") for f in _frames(event))


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        frame
        for value in event.get("exception", {}).get("values", [])
        for frame in (value.get("stacktrace") or {}).get("frames", [])
    ]


# -- the safety net itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"ring til {PHONE}",
        "tlf. 21436587, 2143 6587, 21-43-65-87, 004521436587, +4521436587",
        f"svar til {EMAIL} / {EMAIL.upper()} / mette.logsen%40example.dk",
        f"kunden bor på {ADDRESS}",
        "Key (lower(email::text))=(Mette Logsen) already exists.",
        "DETAIL:  Failing row contains (1, Mette Logsen, Solbakken).",
        'invalid input syntax for type integer: "Mette Logsen"',
        "CONTEXT:  unnamed portal parameter $1 = 'Mette Logsen'",
        "[SQL: INSERT INTO leads (name) VALUES (%(name)s)]\n"
        "[parameters: {'name': 'Mette Logsen', 'id': 7}]",
        "name\n  String too long "
        "[type=string_too_long, input_value='Mette Logsen', input_type=str]",
    ],
)
def test_the_formatter_masks_personal_data_in_messages_and_exceptions(text: str) -> None:
    try:
        raise ValueError(text)
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s", (text,), sys.exc_info())
    line = JsonFormatter().format(record)
    assert leaks(line) == [], line
    entry = json.loads(line)
    assert leaks(entry["message"]) == [] and leaks(entry["exception"]) == []


def test_ids_and_figures_pass_the_formatter_unchanged() -> None:
    """What the log lines are made of: uuids, hashes, times, counts, prices, m², routes."""
    ids = [str(uuid.uuid4()) for _ in range(500)]
    plain = [
        *ids,
        "reply:3f9a0c2e41d7b8a5c6e9f0a1b2c3d4e5f6a7b8c9:first_reply",
        "2026-12-01T09:00:00+01:00 2026-12-01 10:00",
        "mail 12 attempt 3 failed after 1500 ms; 2094-2443 kr",
        "80 m² flytterengøring, 349 kr/time",
        "GET /v1/sessions/{session_id}/messages 200",
    ]
    for sample in plain:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (sample,), None)
        assert json.loads(JsonFormatter().format(record))["message"] == sample


def test_the_scrubber_stays_linear_on_hostile_text() -> None:
    """A log line is whatever an exception says: no input may make the scrubber crawl."""
    hostile = [
        "A " * 50_000,
        "Key (" * 10_000,
        "Failing row contains (" * 5_000,
        'value "' * 10_000,
        "input_value=" * 10_000,
        "a@" * 50_000,
        "x" * 100_000,
        "1 " * 50_000,
        "Aaaaaaaaaaaaaaaaaaaa " * 5_000,
    ]
    started = time.perf_counter()
    for sample in hostile:
        scrub_text(sample)
    assert time.perf_counter() - started < 5


def test_cli_logging_is_scrubbed_too(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_cli_logging()
        logging.getLogger("agent.responder.worker").warning("mail 1 failed: %s (%s)", EMAIL, PHONE)
        logging.getLogger("openai").debug("Request options: %s", NAME)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
    err = capsys.readouterr().err
    assert "WARNING agent.responder.worker: mail 1 failed: [email] ([phone])" in err
    assert leaks(err) == []


def test_libraries_that_log_bodies_stay_at_info_when_the_service_logs_debug() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    names = ("openai", "google_genai", "httpcore", "uvicorn.access")
    before = {n: (logging.getLogger(n).level, logging.getLogger(n).disabled) for n in names}
    try:
        configure_logging("debug")
        assert root.level == logging.DEBUG
        for name in ("openai", "google_genai._api_client", "httpcore.http11"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert not logging.getLogger("uvicorn.access").isEnabledFor(logging.CRITICAL)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name, (level, disabled) in before.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled
