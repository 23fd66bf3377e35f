"""Whole turns through the chat graph with the offline model, against the real database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from agent.approvals import ApprovalDecision
from agent.events import (
    AgentEvent,
    ApprovalRequired,
    Done,
    Error,
    Message,
    Token,
    ToolFinished,
    ToolStarted,
)
from api.composition import Container
from memory.models import OutboundEmail, Quote, TaskExecution
from tools.canonical.caller import Caller

from .conftest import NOW


async def turn(container: Container, caller: Caller, **kw: Any) -> list[AgentEvent]:
    assert container.chat is not None
    return [e async for e in container.chat.turn(caller, **kw)]


def reply(events: list[AgentEvent]) -> str:
    return next(e.text for e in events if isinstance(e, Message))


async def audit_rows(container: Container) -> list[TaskExecution]:
    async with container.database.transaction() as s:
        return list((await s.execute(select(TaskExecution))).scalars())


async def test_danish_quote_question_drafts_a_quote_with_exact_figures(
    container: Container, caller: Caller
) -> None:
    events = await turn(container, caller, text="Hvad koster en flytterengøring på 80 m2?")
    started = [e for e in events if isinstance(e, ToolStarted)]
    assert [
        (e.name, e.args.get("service"), Decimal(str(e.args.get("area_m2")))) for e in started
    ] == [("draft_quote", "moving_out", Decimal(80))]
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert finished[0].status == "succeeded"
    assert finished[0].result["price_min"] in ("1396.00", "1396", 1396)
    text = reply(events)
    for fragment in ("1.396", "2.094", "2 medarbejdere", "4 arbejdstimer"):
        assert fragment in text
    # Tokens stream the model's words as they come: its note before the tool call, then the answer.
    assert "".join(e.text for e in events if isinstance(e, Token)).endswith(text)
    assert isinstance(events[-1], Done) and events[-1].status == "completed"

    async with container.database.transaction() as s:
        quotes = list((await s.execute(select(Quote))).scalars())
    assert [
        (q.service, q.workers, q.work_hours, q.price_min, q.price_max, q.status) for q in quotes
    ] == [("moving_out", 2, Decimal("4.0"), Decimal("1396.00"), Decimal("2094.00"), "draft")]
    assert quotes[0].created_at == NOW  # the run's clock, not the server's (frozen in evals)
    rows = await audit_rows(container)
    assert [(r.task_type, r.status, r.tool_call_id) for r in rows] == [
        ("draft_quote", "succeeded", started[0].tool_call_id)
    ]
    assert rows[0].session_id == caller.session_id and rows[0].user_id == caller.user_id
    assert rows[0].channel == "chat" and rows[0].duration_ms is not None


async def test_english_question_gets_english_answer_with_same_figures(
    container: Container, caller: Caller
) -> None:
    events = await turn(container, caller, text="How much is a move-out clean of 80 m2?")
    text = reply(events)
    for fragment in ("1,396", "2,094", "2 workers", "4 work hours"):
        assert fragment in text
    assert "medarbejdere" not in text


async def test_missing_area_asks_instead_of_guessing(container: Container, caller: Caller) -> None:
    events = await turn(container, caller, text="Hvad koster en flytterengøring?")
    assert not [e for e in events if isinstance(e, ToolStarted)]
    assert "m²" in reply(events) or "m2" in reply(events)
    assert await audit_rows(container) == []


@pytest.mark.usefixtures("mette")
async def test_send_waits_for_approval_and_reject_leaves_no_side_effect(
    container: Container, caller: Caller
) -> None:
    await turn(
        container,
        caller,
        text="Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag",
    )
    events = await turn(container, caller, text="Send udkastet")
    pending = [e for e in events if isinstance(e, ApprovalRequired)]
    assert [p.tool for p in pending] == ["send_email"]
    assert isinstance(events[-1], Done) and events[-1].status == "awaiting_approval"
    async with container.database.transaction() as s:
        statuses = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert statuses == ["draft"]  # nothing sent, nothing approved before the decision
    row = next(r for r in await audit_rows(container) if r.task_type == "send_email")
    assert row.status == "pending_approval"

    events = await turn(
        container, caller, decision=ApprovalDecision(decision="reject", reason="nej")
    )
    assert [e.status for e in events if isinstance(e, ToolFinished)] == ["denied"]
    async with container.database.transaction() as s:
        statuses = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert statuses == ["draft"]
    row = next(r for r in await audit_rows(container) if r.task_type == "send_email")
    assert row.status == "denied"


@pytest.mark.usefixtures("mette")
async def test_approved_send_sends_once(container: Container, caller: Caller) -> None:
    await turn(container, caller, text="Skriv en mail til mette.hansen@example.dk om tilbuddet")
    await turn(container, caller, text="Send udkastet")
    events = await turn(container, caller, decision=ApprovalDecision(decision="approve"))
    assert [e.status for e in events if isinstance(e, ToolFinished)] == ["succeeded"]
    async with container.database.transaction() as s:
        mails = list((await s.execute(select(OutboundEmail))).scalars())
        sends = (
            await s.execute(
                select(func.count())
                .select_from(TaskExecution)
                .where(TaskExecution.task_type == "send_email")
            )
        ).scalar_one()
    assert [(m.status, m.to_address) for m in mails] == [("sent", "mette.hansen@example.dk")]
    assert mails[0].sent_at is not None and mails[0].approved_by == mails[0].created_by
    assert sends == 1


@pytest.mark.usefixtures("mette")
async def test_an_action_is_decided_once_and_blocks_new_messages_until_then(
    container: Container, caller: Caller
) -> None:
    events = await turn(container, caller, decision=ApprovalDecision(decision="approve"))
    assert [e.code for e in events if isinstance(e, Error)] == ["nothing_pending"]

    await turn(container, caller, text="Skriv en mail til mette.hansen@example.dk om tilbuddet")
    await turn(container, caller, text="Send udkastet")
    events = await turn(container, caller, text="Hvad koster en hovedrengøring på 100 m2?")
    assert [e.code for e in events if isinstance(e, Error)] == ["approval_pending"]

    await turn(container, caller, decision=ApprovalDecision(decision="approve"))
    events = await turn(container, caller, decision=ApprovalDecision(decision="approve"))
    assert [e.code for e in events if isinstance(e, Error)] == ["nothing_pending"]
    async with container.database.transaction() as s:
        sent = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert sent == ["sent"]
    events = await turn(container, caller, text="Hvad koster en hovedrengøring på 100 m2?")
    assert [e.name for e in events if isinstance(e, ToolStarted)] == ["draft_quote"]
