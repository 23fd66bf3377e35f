"""Model provider faults during chat turns, end to end: the service on a loopback port with
its model configured as openai-compatible or Gemini, pointed at a local fake of that vendor
which injects the fault on the wire; a real SSE client reads the stream.

What must hold for every fault: a transient one is retried with backoff (the fake sees the
attempts and the waits between them) and the turn succeeds; a persistent one ends the stream
with one ``error`` event with a stable code and then ``done`` ``failed``, after exactly the
configured attempts and within the timeout budget; nothing is half-written (the user's message
is stored, no assistant text, no audit row left open, what was streamed is what is stored for
resume) and the session is free: the next message works once the provider is back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from agent.providers.errors import RETRYABLE_CODES
from memory.database import Database, create_database
from memory.models import ChatMessage, Quote, TaskExecution
from memory.models.enums import TaskStatus
from memory.repositories.chat_events import ChatEventLog
from tests.fakes import FakeModelServer, Reply, ToolCall
from tests.settings import make_settings

from .provider_fixtures import (
    ATTEMPTS,
    BACKOFF_S,
    PROVIDERS,
    TIMEOUT_S,
    ApiServer,
    ChatSession,
    ProviderName,
    Turn,
    clean_model_env,
    fakes,
    gaps,
    http,
    max_backoff_s,
    module_db_url,
    open_session,
    with_model,
)

__all__ = ["clean_model_env", "fakes", "http", "module_db_url"]  # fixtures used by name

ANSWER = ("Hej! ", "Hvad kan ", "jeg hjælpe med?")
RETRY_AFTER_S = 0.2
QUOTE_ARGS = {"service": "moving_out", "area_m2": 80}

# name: (inject n of it, the error code it ends a turn with)
Inject = Callable[[FakeModelServer, int], None]
FAULTS: dict[str, tuple[Inject, str]] = {
    "429": (lambda s, n: s.fail_next(n, 429, retry_after=RETRY_AFTER_S), "rate_limited"),
    "500": (lambda s, n: s.fail_next(n, 500), "provider_unavailable"),
    "503": (lambda s, n: s.fail_next(n, 503), "provider_unavailable"),
    "malformed_json": (lambda s, n: s.malformed_next(n), "bad_response"),
    "empty_stream": (lambda s, n: s.empty_next(n), "bad_response"),
    "connection_dropped": (lambda s, n: s.drop_next(n), "provider_unavailable"),
    "hang": (lambda s, n: s.hang_next(n), "timeout"),
}
# Each fault's least wait before the next attempt, as seen by the fake.
MIN_GAP_S = {"429": RETRY_AFTER_S, "hang": TIMEOUT_S}


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(
    module_db_url: str, fakes: dict[ProviderName, FakeModelServer]
) -> Iterator[dict[ProviderName, str]]:
    """The service, once per provider, on the module's database."""
    started = {
        p: ApiServer(with_model(make_settings(module_db_url), p, fakes[p])).start()
        for p in PROVIDERS
    }
    yield {p: s.url for p, s in started.items()}
    for server in started.values():
        server.stop()


@pytest.fixture(scope="module")
async def db(module_db_url: str) -> AsyncIterator[Database]:
    database = create_database(module_db_url, pool_size=2)
    yield database
    await database.dispose()


@pytest.fixture
def provider() -> ProviderName:
    return "openai-compatible"


@dataclass(frozen=True)
class Wire:
    provider: ProviderName
    server: FakeModelServer
    chat: ChatSession
    db: Database

    def reply(self, *pieces: str) -> None:
        self.server.reply(Reply(text=pieces))

    def first_text_chunks(self) -> int:
        """Chunks of a streamed reply up to and including its first text piece (OpenAI sends
        a role chunk first; Gemini starts with the text)."""
        return 2 if self.provider == "openai-compatible" else 1


@pytest.fixture
async def wire(
    provider: ProviderName,
    fakes: dict[ProviderName, FakeModelServer],
    services: dict[ProviderName, str],
    db: Database,
    http: httpx.AsyncClient,
) -> AsyncIterator[Wire]:
    server = fakes[provider]
    server.reset()
    yield Wire(provider, server, await open_session(db, services[provider], http), db)
    server.reset()  # releases a request still hanging


# -- what must hold after any failed turn ---------------------------------------------------


async def _rows(w: Wire) -> list[ChatMessage]:
    async with w.db.transaction() as s:
        stmt = (
            select(ChatMessage).where(ChatMessage.session_id == w.chat.id).order_by(ChatMessage.id)
        )
        rows = list((await s.execute(stmt)).scalars())
        for row in rows:
            s.expunge(row)
    return rows


async def _audit(w: Wire) -> list[TaskExecution]:
    async with w.db.transaction() as s:
        stmt = select(TaskExecution).where(TaskExecution.session_id == w.chat.id)
        rows = list((await s.execute(stmt)).scalars())
        for row in rows:
            s.expunge(row)
    return rows


async def _quotes(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(Quote))).scalar_one())


async def _assert_failed_cleanly(w: Wire, turn: Turn, code: str) -> None:
    """One error with ``code``, then done/failed; stored as streamed; the session is free."""
    assert turn.errors == [code], turn.names()
    [error] = turn.of("error")
    assert error["message"].startswith(f"{code}: ")
    assert turn.names()[-2:] == ["error", "done"]
    assert turn.status == "failed"
    assert "message" not in turn.names()
    stored = await ChatEventLog(w.db).after(w.chat.id, 0)
    assert [(e.id, e.kind, e.data) for e in stored] == [
        (e.id, e.event, e.data) for e in turn.events
    ]
    # A client that reconnects gets the same events, ending with the same done.
    assert await w.chat.replay(turn.events[0].id - 1) == turn.events
    assert not await ChatEventLog(w.db).turn_running(w.chat.id)
    assert [a for a in await _audit(w) if a.finished_at is None] == []


async def _assert_next_message_works(w: Wire, transcript_before: list[tuple[str, str]]) -> None:
    w.server.reset()
    w.reply(*ANSWER)
    turn = await w.chat.send("Prøv igen")
    assert (turn.names(), turn.status) == (["run_started", "token", "message", "done"], "completed")
    assert len(w.server.requests) == 1
    assert await w.chat.transcript() == [
        *transcript_before,
        ("user", "Prøv igen"),
        ("assistant", "".join(ANSWER)),
    ]


# -- transient faults: retried, then the turn succeeds ---------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_transient_fault_is_retried_and_the_turn_succeeds(wire: Wire, fault: str) -> None:
    inject, _ = FAULTS[fault]
    inject(wire.server, 1)
    wire.reply(*ANSWER)

    turn = await wire.chat.send("Hej")

    assert turn.names() == ["run_started", "token", "message", "done"]
    assert (turn.status, turn.errors) == ("completed", [])
    assert turn.text == "".join(ANSWER)  # streamed once: the failed attempt sent no text
    assert turn.of("message") == [{"text": "".join(ANSWER)}]
    assert len(wire.server.requests) == 2
    [gap] = gaps(wire.server)
    assert gap >= MIN_GAP_S.get(fault, BACKOFF_S) * 0.95  # Retry-After, timeout or backoff
    assert await wire.chat.transcript() == [("user", "Hej"), ("assistant", "".join(ANSWER))]


# -- persistent faults: an error event after the configured attempts ------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_persistent_fault_ends_the_turn_with_an_error_event(wire: Wire, fault: str) -> None:
    inject, code = FAULTS[fault]
    inject(wire.server, ATTEMPTS)
    wire.reply(*ANSWER)  # would answer one attempt too many, which must not happen

    turn = await wire.chat.send("Hej")

    assert turn.names() == ["run_started", "error", "done"]
    await _assert_failed_cleanly(wire, turn, code)
    assert len(wire.server.requests) == ATTEMPTS
    waits = gaps(wire.server)
    least = MIN_GAP_S.get(fault, 0.0)
    assert all(w >= least * 0.95 for w in waits), waits
    if fault == "hang":  # the configured timeout per attempt, plus the backoff: no more
        budget = ATTEMPTS * TIMEOUT_S + max_backoff_s()
        assert ATTEMPTS * TIMEOUT_S * 0.95 <= turn.seconds < budget + 1.5
    # The user's message is stored, and nothing of an answer.
    assert await wire.chat.transcript() == [("user", "Hej")]
    assert await _audit(wire) == []
    await _assert_next_message_works(wire, [("user", "Hej")])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_backoff_grows_between_attempts(wire: Wire) -> None:
    wire.server.fail_next(ATTEMPTS, 500)
    turn = await wire.chat.send("Hej")
    assert turn.errors == ["provider_unavailable"]
    first, second = gaps(wire.server)
    # MODEL_RETRY_BACKOFF_S: 0.05, then 0.1 (each plus up to half at random, plus the time
    # the failed request took); the default (0.5, then 1.0) would exceed the upper bounds.
    assert BACKOFF_S <= first < 0.45
    assert BACKOFF_S * 2 <= second < 0.9


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("status", "code"), [(401, "auth"), (400, "invalid_request")])
async def test_a_client_error_is_not_retried(wire: Wire, status: int, code: str) -> None:
    wire.server.fail_next(1, status)
    wire.reply(*ANSWER)
    turn = await wire.chat.send("Hej")
    assert turn.names() == ["run_started", "error", "done"]
    await _assert_failed_cleanly(wire, turn, code)
    assert len(wire.server.requests) == 1
    await _assert_next_message_works(wire, [("user", "Hej")])


async def test_the_json_variant_reports_the_providers_error(wire: Wire) -> None:
    wire.server.fail_next(ATTEMPTS, 500)
    resp = await wire.chat.client.post(
        f"{wire.chat.url}/messages?stream=false", headers=wire.chat.auth, json={"text": "Hej"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["reply"], body["tool_calls"]) == ("failed", "", [])
    assert body["error"]["code"] == "provider_unavailable"
    assert len(wire.server.requests) == ATTEMPTS


# -- a stream that breaks after some text ---------------------------------------------------

# name: (inject one, after so many chunks; the error code)
MIDWAY: dict[str, tuple[Callable[[FakeModelServer, int], None], str]] = {
    "malformed_chunk": (lambda s, k: s.malformed_next(1, after_chunks=k), "bad_response"),
    "wrong_shape_chunk": (
        lambda s, k: s.malformed_next(1, after_chunks=k, payload='{"choices": 7}'),
        "bad_response",
    ),
    "connection_dropped": (lambda s, k: s.drop_next(1, after_chunks=k), "provider_unavailable"),
    "stalled": (lambda s, k: s.hang_next(1, after_chunks=k), "timeout"),
    "cut_short": (lambda s, k: s.truncate_next(1, after_chunks=k), "bad_response"),
}


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", list(MIDWAY))
async def test_a_stream_that_breaks_midway_is_not_retried_and_not_stored_as_an_answer(
    wire: Wire, fault: str
) -> None:
    inject, code = MIDWAY[fault]
    wire.reply("Første ", "del ", "og resten.")
    wire.reply(*ANSWER)  # a retry would find this and stream a second text: must not happen
    inject(wire.server, wire.first_text_chunks())

    turn = await wire.chat.send("Hej")

    assert turn.names() == ["run_started", "token", "error", "done"]
    assert turn.text == "Første "  # what the client saw, once
    await _assert_failed_cleanly(wire, turn, code)
    assert len(wire.server.requests) == 1
    if fault == "stalled":
        assert TIMEOUT_S * 0.95 <= turn.seconds < TIMEOUT_S + 1.5
    # The fragment is in the event log the client read, never in the transcript: the next
    # prompt does not carry half an answer as if the assistant had said it.
    assert await wire.chat.transcript() == [("user", "Hej")]
    await _assert_next_message_works(wire, [("user", "Hej")])
    retry_prompt = json.dumps(wire.server.requests[-1].body, ensure_ascii=False)
    assert "Første" not in retry_prompt


# -- a fault in the middle of a tool-calling turn ---------------------------------------------


def _tool_result_in(provider: ProviderName, body: dict[str, Any], call_id: str) -> bool:
    """Whether a request carries the result of ``call_id`` back to the model."""
    if provider == "openai-compatible":
        return any(
            m.get("role") == "tool" and m.get("tool_call_id") == call_id for m in body["messages"]
        )
    return any(
        "functionResponse" in part and part["functionResponse"]["name"] == "draft_quote"
        for content in body["contents"]
        for part in content.get("parts", [])
    )


def _call_id() -> str:
    """A fresh tool-call id: the audit is keyed by it across all sessions (see the last test)."""
    return f"call_{uuid.uuid4().hex[:16]}"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_fault_after_a_tool_ran_keeps_its_audit_whole_and_a_retry_does_not_redo_it(
    wire: Wire,
) -> None:
    quotes_before = await _quotes(wire.db)
    wire.server.reply(Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS, _call_id()),)))
    wire.server.answer_next(1)  # the first model call asks for the tool;
    wire.server.fail_next(ATTEMPTS, 500)  # the one after it finds the provider down for good
    question = "Tilbud på flytterengøring af 80 m2"

    turn = await wire.chat.send(question)

    assert turn.names() == ["run_started", "tool_started", "tool_finished", "error", "done"]
    [started], [finished] = turn.of("tool_started"), turn.of("tool_finished")
    call_id = started["tool_call_id"]
    assert (finished["tool_call_id"], finished["status"]) == (call_id, "succeeded")
    await _assert_failed_cleanly(wire, turn, "provider_unavailable")
    assert len(wire.server.requests) == 1 + ATTEMPTS
    # The tool's audit row is complete, exactly once, and its side effect happened once.
    [audit] = await _audit(wire)
    assert (audit.tool_call_id, audit.task_type, audit.status) == (
        call_id,
        "draft_quote",
        TaskStatus.SUCCEEDED,
    )
    assert audit.finished_at is not None and audit.result is not None
    assert await _quotes(wire.db) == quotes_before + 1
    # The call and its result are stored as a pair; no assistant text.
    rows = await _rows(wire)
    assert [(r.role.value, r.tool_call_id) for r in rows] == [
        ("user", None),
        ("assistant", None),
        ("tool", call_id),
    ]
    assert rows[1].content == "" and [c["id"] for c in rows[1].tool_calls or []] == [call_id]

    # The user sends the message again once the provider is back: the model is shown the
    # quote already made, answers from it, and nothing runs a second time.
    wire.server.reset()
    wire.reply("Tilbuddet ", "er allerede lavet.")
    again = await wire.chat.send(question)
    assert again.names() == ["run_started", "token", "message", "done"]
    assert again.status == "completed"
    [request] = wire.server.requests
    assert _tool_result_in(wire.provider, request.body, call_id)
    assert len(await _audit(wire)) == 1
    assert await _quotes(wire.db) == quotes_before + 1


async def test_a_retried_turn_whose_model_repeats_the_call_id_replays_the_stored_result(
    wire: Wire,
) -> None:
    quotes_before = await _quotes(wire.db)
    call_id = _call_id()
    wire.server.reply(Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS, call_id),)))
    wire.server.answer_next(1)
    wire.server.fail_next(ATTEMPTS, 503)
    first = await wire.chat.send("Tilbud på 80 m2 flytterengøring")
    assert first.errors == ["provider_unavailable"]

    # A server that names its calls deterministically asks for the same call again.
    wire.server.reset()
    wire.server.reply(
        Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS, call_id),)),
        Reply(text=("Tilbuddet ", "er gemt.")),
    )
    again = await wire.chat.send("Tilbud på 80 m2 flytterengøring")
    assert again.status == "completed"
    [finished] = again.of("tool_finished")
    assert (finished["tool_call_id"], finished["status"]) == (call_id, "succeeded")
    [original] = first.of("tool_finished")
    # The stored result (the audit's copy, personal text redacted): the same quote.
    assert (finished["result"]["id"], finished["result"]["price_min"]) == (
        original["result"]["id"],
        original["result"]["price_min"],
    )
    [audit] = await _audit(wire)
    assert audit.status is TaskStatus.SUCCEEDED
    assert await _quotes(wire.db) == quotes_before + 1


async def test_a_call_id_another_session_used_is_not_replayed_into_this_one(
    wire: Wire, services: dict[ProviderName, str], http: httpx.AsyncClient
) -> None:
    call_id = _call_id()
    wire.server.reply(
        Reply(tool_calls=(ToolCall("draft_quote", QUOTE_ARGS, call_id),)),
        Reply(text=("Gemt.",)),
    )
    first = await wire.chat.send("Tilbud på 80 m2 flytterengøring")
    assert first.status == "completed"

    other = await open_session(wire.db, services[wire.provider], http)
    wire.server.reply(
        Reply(tool_calls=(ToolCall("draft_quote", {**QUOTE_ARGS, "area_m2": 120}, call_id),)),
        Reply(text=("Gemt.",)),
    )
    second = await other.send("Tilbud på 120 m2 flytterengøring")
    [finished] = second.of("tool_finished")
    assert Decimal(str(finished["result"]["area_m2"])) == Decimal(120)


def test_the_faults_cover_every_retryable_code() -> None:
    assert {code for _, code in FAULTS.values()} == set(RETRYABLE_CODES)
