"""What a role may not do is refused in code: tools by role, escalated sends by owner only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent.approvals import ApprovalDecision
from agent.events import ApprovalRequired, ToolFinished
from api.approval_policy import EscalatedApprovalError, ensure_may_decide
from api.auth.roles import allowed_tools
from api.composition import Container
from memory.models import Escalation, OutboundEmail, TaskExecution
from memory.models.enums import Severity, StaffRole
from tools.canonical.caller import Caller

from .test_chat_turns import turn


@pytest.mark.usefixtures("mette")
async def test_an_evaluator_cannot_send_even_if_the_model_tries(
    container: Container, caller: Caller
) -> None:
    evaluator = allowed_tools(StaffRole.EVALUATOR)
    assert "send_email" not in evaluator and "draft_quote" in evaluator
    await turn(
        container,
        caller,
        allowed_tools=evaluator,
        text="Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag",
    )
    events = await turn(container, caller, allowed_tools=evaluator, text="Send udkastet")
    assert not [e for e in events if isinstance(e, ApprovalRequired)]
    assert [(e.name, e.status) for e in events if isinstance(e, ToolFinished)] == [
        ("send_email", "denied")
    ]
    async with container.database.transaction() as s:
        row = (
            await s.execute(select(TaskExecution).where(TaskExecution.task_type == "send_email"))
        ).scalar_one()
        statuses = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert (row.status, row.error_code) == ("denied", "forbidden")
    assert statuses == ["draft"]


@pytest.mark.usefixtures("mette")
async def test_only_the_owner_approves_a_send_to_an_escalated_customer(
    container: Container, caller: Caller
) -> None:
    assert container.chat is not None and caller.session_id is not None
    await turn(
        container,
        caller,
        text="Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag",
    )
    await turn(container, caller, text="Send udkastet")
    approve = ApprovalDecision(decision="approve")
    args = (container.database, container.chat)
    await ensure_may_decide(*args, StaffRole.STAFF, caller.session_id, approve)  # no escalation

    async with container.database.transaction() as s:
        s.add(
            Escalation(
                customer_email="Mette.Hansen@example.dk", severity=Severity.HIGH, reason="klage"
            )
        )
    with pytest.raises(EscalatedApprovalError):
        await ensure_may_decide(*args, StaffRole.STAFF, caller.session_id, approve)
    reject = ApprovalDecision(decision="reject", reason="afventer ejeren")
    await ensure_may_decide(*args, StaffRole.STAFF, caller.session_id, reject)
    await ensure_may_decide(*args, StaffRole.OWNER, caller.session_id, approve)
