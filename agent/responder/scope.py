"""The email channel's scope, enforced in code on every tool call the model makes.

A run started by a mail may look up only the mail's customer: search_leads only for the
customer's own address, get_lead only for a lead with that address, and draft_quote or
draft_email_reply only for the mail's own lead. Anything else is denied (and audited as
denied by the executor), whatever the model was told by the mail.
"""

from __future__ import annotations

import uuid
from typing import Any

from agent.execution import ScopeGuard
from memory.database import Database
from memory.repositories.leads import LeadRepository
from tools.mail_policy.tools_scope import email_tool_permission


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.strip().casefold() == b.strip().casefold()


def sender_scope(database: Database, *, customer: str, lead_id: uuid.UUID | None) -> ScopeGuard:
    async def guard(name: str, raw: dict[str, Any]) -> str | None:
        if name == "search_leads":
            if not _same(str(raw.get("query", "")), customer):
                return "not permitted: search_leads is limited to the sender's own address"
            return None
        if name == "get_lead":
            ref = str(raw.get("lead_id", "")).strip()
            async with database.transaction() as s:
                repo = LeadRepository(s)
                lead = None
                try:
                    lead = await repo.get(uuid.UUID(ref))
                except ValueError:
                    lead = await repo.find_by_id_prefix(ref) if len(ref) >= 6 else None
                email = lead.email if lead is not None else None
            permission = email_tool_permission(name, sender_email=customer, lead_email=email)
            return None if permission.allowed else f"not permitted: {permission.reason}"
        if name in ("draft_quote", "draft_email_reply"):
            asked = raw.get("lead_id")
            if asked and (lead_id is None or not str(lead_id).startswith(str(asked).strip())):
                return "not permitted: only the sender's own lead may be used"
            if (
                name == "draft_email_reply"
                and raw.get("to")
                and not _same(str(raw["to"]), customer)
            ):
                return "not permitted: a reply goes only to the mail's sender"
        return None

    return guard
