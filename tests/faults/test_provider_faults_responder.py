"""Model provider faults while responder workers process mail: the responder's model is
configured as openai-compatible or Gemini against a local fake of that vendor, which injects
the fault on the wire; real workers take the mail from the queue on the test database.

Two layers of retries meet here: each attempt at a mail retries the model call itself
(MODEL_MAX_RETRIES, short backoff), and a failed attempt gives the mail back to the queue with
the worker's backoff (RESPONDER_BACKOFF_S, doubling) until RESPONDER_MAX_ATTEMPTS. What must
hold: a provider that recovers at either layer gets the mail answered exactly once; one that
never does leaves the mail ``failed`` with the provider's error code in the reason, and
nothing drafted or sent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, select

from agent.responder.pipeline import reply_key
from api.composition import Container, build_container
from memory.models import InboundEmail, OutboundEmail, Quote, TaskExecution
from memory.models.enums import InboundStatus, OutboundStatus, TaskStatus
from tests.agent.responder.conftest import NOW, deliver, mail, responder_settings, work_until_idle
from tests.fakes import FakeModelServer, Reply, ToolCall

from .provider_fixtures import (
    ATTEMPTS,
    PROVIDERS,
    TIMEOUT_S,
    ProviderName,
    clean_model_env,
    fakes,
    max_backoff_s,
    with_model,
)

__all__ = ["clean_model_env", "fakes"]  # fixtures used by name

MESSAGE_ID = "<m1@example.dk>"
REPLY_BODY = (
    "Hej Søren\n\nTak for din henvendelse om flytterengøring. Vi vender tilbage med et tilbud "
    "og forslag til tider.\n\nVenlig hilsen\nRendetalje"
)
WORKER_BACKOFF_S = 1.0


def _proposal() -> tuple[Reply, Reply]:
    """The model's two steps for a good mail: propose a reply, then end the run."""
    call = ToolCall("draft_email_reply", {"body": REPLY_BODY}, f"call_{uuid.uuid4().hex[:16]}")
    return Reply(tool_calls=(call,)), Reply(text=("Svaret er foreslået.",))


@dataclass
class Desk:
    """One test's world: a container in auto-send mode whose model is the fake."""

    provider: ProviderName
    server: FakeModelServer
    container: Container

    async def work(self) -> None:
        await work_until_idle(self.container)

    async def inbound(self) -> InboundEmail:
        async with self.container.database.transaction() as s:
            stmt = select(InboundEmail).where(InboundEmail.message_id == MESSAGE_ID)
            row = (await s.execute(stmt)).scalar_one()
            s.expunge(row)
            return row

    async def outbound(self) -> list[OutboundEmail]:
        async with self.container.database.transaction() as s:
            rows = list((await s.execute(select(OutboundEmail))).scalars())
            for row in rows:
                s.expunge(row)
            return rows

    async def audit(self) -> list[TaskExecution]:
        async with self.container.database.transaction() as s:
            rows = list((await s.execute(select(TaskExecution))).scalars())
            for row in rows:
                s.expunge(row)
            return rows

    async def quotes(self) -> int:
        async with self.container.database.transaction() as s:
            return int((await s.execute(select(func.count()).select_from(Quote))).scalar_one())

    async def db_now(self) -> datetime:
        async with self.container.database.transaction() as s:
            return (await s.execute(select(func.clock_timestamp()))).scalar_one()  # type: ignore[no-any-return]

    async def assert_replied_once(self, attempts: int) -> None:
        inbound = await self.inbound()
        assert (inbound.status, inbound.attempts) == (InboundStatus.REPLIED, attempts)
        assert inbound.lease_owner is None and inbound.next_attempt_at is None
        [sent] = await self.outbound()
        assert (sent.status, sent.idempotency_key) == (OutboundStatus.SENT, reply_key(MESSAGE_ID))
        assert sent.body == REPLY_BODY and sent.to_address == "soren.aero@example.dk"


DeskFactory = Callable[..., Awaitable[Desk]]


@pytest.fixture
async def make_desk(
    db_url: str, fakes: dict[ProviderName, FakeModelServer]
) -> AsyncIterator[DeskFactory]:
    built: list[Container] = []

    async def make(provider: ProviderName = "openai-compatible", **responder: object) -> Desk:
        server = fakes[provider]
        server.reset()
        values: dict[str, object] = {
            "mode": "auto-send",
            "backoff_s": WORKER_BACKOFF_S,
            "max_attempts": 3,
            **responder,
        }
        settings = with_model(responder_settings(db_url, **values), provider, server)
        container = await build_container(settings, clock=lambda: NOW)
        built.append(container)
        await deliver(container, mail(message_id=MESSAGE_ID))
        return Desk(provider, server, container)

    yield make
    for container in built:
        await container.aclose()
    for server in fakes.values():
        server.reset()


# -- the provider recovers -------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_429_within_an_attempt_is_retried_there_and_the_mail_answered_once(
    make_desk: DeskFactory, provider: ProviderName
) -> None:
    desk = await make_desk(provider)
    desk.server.fail_next(1, 429, retry_after=0.05)
    desk.server.reply(*_proposal())

    await desk.work()

    await desk.assert_replied_once(attempts=1)
    assert len(desk.server.requests) == 3  # the 429, then the two steps of the run


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_failed_attempt_is_retried_after_the_backoff_and_answered_once(
    make_desk: DeskFactory, provider: ProviderName
) -> None:
    desk = await make_desk(provider)
    desk.server.fail_next(ATTEMPTS, 500)  # every model retry of the first attempt
    desk.server.reply(*_proposal())

    await desk.work()
    await desk.work()  # at once again: the mail is not due before its backoff has passed
    checked_at = await desk.db_now()

    # The attempt failed: the mail is back in the queue, due after the worker's backoff.
    inbound = await desk.inbound()
    assert (inbound.status, inbound.attempts) == (InboundStatus.RECEIVED, 1)
    assert inbound.status_reason is not None
    assert inbound.status_reason.startswith(
        "retrying: ProviderError: provider_unavailable: HTTP 500"
    )
    assert inbound.next_attempt_at is not None and inbound.lease_owner is None
    assert checked_at < inbound.next_attempt_at  # the second pass really was too early
    wait = (inbound.next_attempt_at - await desk.db_now()).total_seconds()
    assert wait <= WORKER_BACKOFF_S
    assert await desk.outbound() == []
    assert len(desk.server.requests) == ATTEMPTS

    await asyncio.sleep(max(wait, 0) + 0.05)
    await desk.work()

    await desk.assert_replied_once(attempts=2)
    assert len(desk.server.requests) == ATTEMPTS + 2


async def test_a_provider_down_mid_run_after_a_tool_ran_recovers_with_one_reply(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk(backoff_s=0)
    quote_call = ToolCall("draft_quote", {"service": "moving_out", "area_m2": 80}, "call_q")
    desk.server.reply(Reply(tool_calls=(quote_call,)), *_proposal())
    desk.server.answer_next(1)  # attempt 1: the model asks for a quote, the tool runs,
    desk.server.fail_next(ATTEMPTS, 503)  # then the provider is gone for the rest of it
    desk.server.fail_next(ATTEMPTS, 503)  # and for all of attempt 2

    await desk.work()  # attempts 1 and 2 fail, attempt 3 finds the provider back

    await desk.assert_replied_once(attempts=3)
    assert len(desk.server.requests) == 1 + 2 * ATTEMPTS + 2
    # The tool of the failed attempt: audited once and complete, its quote made once.
    by_type = {(a.task_type, a.status) for a in await desk.audit()}
    assert by_type == {
        ("draft_quote", TaskStatus.SUCCEEDED),
        ("draft_email_reply", TaskStatus.SUCCEEDED),
    }
    assert all(a.finished_at is not None for a in await desk.audit())
    assert len(await desk.audit()) == 2
    assert await desk.quotes() == 1


# -- the provider does not recover -----------------------------------------------------------

Inject = Callable[[FakeModelServer, int], None]
PERSISTENT: dict[str, tuple[Inject, str]] = {
    "500": (lambda s, n: s.fail_next(n, 500), "provider_unavailable: HTTP 500"),
    "429": (lambda s, n: s.fail_next(n, 429, retry_after=0.01), "rate_limited: HTTP 429"),
    "malformed_json": (lambda s, n: s.malformed_next(n), "bad_response"),
    "connection_dropped": (lambda s, n: s.drop_next(n), "provider_unavailable: transport"),
}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", list(PERSISTENT))
async def test_a_provider_that_stays_down_leaves_the_mail_failed_and_nothing_sent(
    make_desk: DeskFactory, provider: ProviderName, fault: str
) -> None:
    desk = await make_desk(provider, backoff_s=0)
    inject, reason = PERSISTENT[fault]
    inject(desk.server, 3 * ATTEMPTS)
    desk.server.reply(*_proposal())  # an attempt too many would find this: must not happen

    await desk.work()

    inbound = await desk.inbound()
    assert (inbound.status, inbound.attempts) == (InboundStatus.FAILED, 3)
    assert inbound.status_reason is not None
    assert inbound.status_reason.startswith(f"ProviderError: {reason}")
    assert inbound.reasons == [inbound.status_reason]
    assert inbound.lease_owner is None and inbound.next_attempt_at is None
    assert await desk.outbound() == []
    assert await desk.audit() == []
    assert len(desk.server.requests) == 3 * ATTEMPTS


async def test_a_hung_provider_fails_the_mail_within_the_timeout_budget(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk(max_attempts=1)
    desk.server.hang_next(ATTEMPTS)

    started = time.monotonic()
    await desk.work()
    elapsed = time.monotonic() - started

    inbound = await desk.inbound()
    assert (inbound.status, inbound.attempts) == (InboundStatus.FAILED, 1)
    assert inbound.status_reason is not None
    assert inbound.status_reason.startswith("ProviderError: timeout: ")
    assert await desk.outbound() == []
    assert len(desk.server.requests) == ATTEMPTS
    budget = ATTEMPTS * TIMEOUT_S + max_backoff_s()
    assert ATTEMPTS * TIMEOUT_S * 0.95 <= elapsed < budget + 2.0
