"""Who may decide a paused action: beyond approvals.decide, sending to a customer with an open
escalation is the owner's decision alone (api/auth/roles.py)."""

from __future__ import annotations

import uuid

from agent.approvals import ApprovalDecision
from agent.runner import ChatRunner
from api.auth.roles import Permission, allowed
from memory.database import Database
from memory.models.enums import StaffRole
from memory.repositories.escalations import EscalationRepository
from memory.repositories.outbox import OutboxRepository


class EscalatedApprovalError(Exception):
    """The pending send goes to a customer with an open escalation; only the owner decides."""


async def ensure_may_decide(
    database: Database,
    runner: ChatRunner,
    role: StaffRole,
    session_id: uuid.UUID,
    decision: ApprovalDecision,
) -> None:
    if decision.decision == "reject" or allowed(role, Permission.APPROVALS_DECIDE_ESCALATED):
        return  # anyone who may decide may say no; the owner may say yes
    pending = await runner.pending_action(session_id)
    if pending is None or pending.tool != "send_email":
        return
    async with database.transaction() as s:
        draft = await OutboxRepository(s).find(str(pending.args.get("draft_id", "")))
        if draft is None:
            return  # the tool itself refuses a missing draft
        escalated = await EscalationRepository(s).has_open_for(draft.to_address)
    if escalated:
        raise EscalatedApprovalError(
            "the recipient has an open escalation: only the owner may approve this send"
        )
