"""A turn through the real graph with a real provider client (OpenAI-compatible) talking to a
local server that speaks the Chat Completions protocol."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from agent.events import Done, Error, Message, Token, ToolFinished
from agent.providers.settings import ModelSettings
from api.composition import Container, build_container
from memory.models import Quote, TaskExecution
from tests.fakes import Reply, ToolCall
from tests.fakes.openai_server import FakeOpenAIServer
from tests.settings import make_settings
from tools.canonical.caller import Caller

from .audit_check import assert_every_call_audited_once, record_turns
from .conftest import NOW


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer.running() as running:
        yield running


@pytest.fixture
async def container(db_url: str, server: FakeOpenAIServer) -> AsyncIterator[Container]:
    server.reset()
    settings = make_settings(db_url)
    model = ModelSettings(
        _env_file=None,
        MODEL_PROVIDER="openai-compatible",
        MODEL_NAME="llama-test",
        OPENAI_BASE_URL=server.base_url,
        MODEL_MAX_RETRIES=1,
        MODEL_TIMEOUT_S=5,
    )
    settings = type(settings)(
        server=settings.server, database=settings.database, model=model, google=settings.google
    )
    c = await build_container(settings, with_agent=True, clock=lambda: NOW)
    runner = record_turns(c)
    yield c
    try:
        await assert_every_call_audited_once(c, runner.log)
    finally:
        await c.aclose()


async def test_tool_call_from_a_real_client_runs_the_real_tool(
    container: Container, caller: Caller, server: FakeOpenAIServer
) -> None:
    server.reply(
        Reply(
            tool_calls=(ToolCall("draft_quote", {"service": "moving_out", "area_m2": 80}, "c1"),)
        ),
        Reply(text=("Tilbuddet ", "er gemt.")),
    )
    assert container.chat is not None
    events = [e async for e in container.chat.turn(caller, text="Tilbud på 80 m2 flytterengøring")]
    assert [e.status for e in events if isinstance(e, ToolFinished)] == ["succeeded"]
    assert [e.text for e in events if isinstance(e, Message)] == ["Tilbuddet er gemt."]
    async with container.database.transaction() as s:
        quote = (await s.execute(select(Quote))).scalar_one()
    assert (quote.price_min, quote.price_max) == (Decimal(1396), Decimal(2094))

    first, second = server.requests
    body = first.body
    assert body["model"] == "llama-test"
    assert {t["function"]["name"] for t in body["tools"]} == {
        "search_leads",
        "get_lead",
        "check_availability",
        "create_booking",
        "draft_quote",
        "draft_email_reply",
        "send_email",
    }
    tool_message = second.body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "c1"
    assert json.loads(str(tool_message["content"]))["work_hours"] == "4.0"


async def test_provider_failure_ends_the_turn_with_an_error_event(
    container: Container, caller: Caller, server: FakeOpenAIServer
) -> None:
    server.fail_next(5, 500)
    assert container.chat is not None
    events = [e async for e in container.chat.turn(caller, text="Hej")]
    errors = [e for e in events if isinstance(e, Error)]
    assert [e.code for e in errors] == ["provider_unavailable"]
    assert isinstance(events[-1], Done) and events[-1].status == "failed"
    assert len(server.requests) == 2  # the first try and one retry (MODEL_MAX_RETRIES=1)
    async with container.database.transaction() as s:
        assert list((await s.execute(select(TaskExecution))).scalars()) == []


async def test_a_stream_broken_midway_is_not_retried_so_no_text_is_sent_twice(
    container: Container, caller: Caller, server: FakeOpenAIServer
) -> None:
    server.reply(Reply(text=("Første ", "del ", "og resten.")))
    server.malformed_next(1, after_chunks=1)
    assert container.chat is not None
    events = [e async for e in container.chat.turn(caller, text="Hej")]
    assert len(server.requests) == 1
    assert [e.code for e in events if isinstance(e, Error)] == ["bad_response"]
    assert isinstance(events[-1], Done) and events[-1].status == "failed"


async def test_a_failure_before_the_first_token_is_retried(
    container: Container, caller: Caller, server: FakeOpenAIServer
) -> None:
    server.fail_next(1, 429, retry_after=0.01)
    server.reply(Reply(text=("Hej ", "igen.")))
    assert container.chat is not None
    events = [e async for e in container.chat.turn(caller, text="Hej")]
    assert [e.text for e in events if isinstance(e, Message)] == ["Hej igen."]
    assert "".join(e.text for e in events if isinstance(e, Token)) == "Hej igen."
    assert len(server.requests) == 2
