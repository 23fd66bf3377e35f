"""Planning steps for writing a customer mail and sending a draft.

A mail goes to a lead (so the tool can answer inside the customer's thread and apply the
lead-source routing rules) or, when no lead matches, to an address staff typed. Sending
always names a draft that exists: one written in this turn, or the newest one written
earlier in the conversation that has not been sent.
"""

from __future__ import annotations

from agent.offline.compose_email import compose_mail
from agent.offline.plan_leads import resolve_lead, wants_lead
from agent.offline.plan_types import (
    Decision,
    Finish,
    LeadFound,
    LeadMissing,
    MailContent,
    PlanContext,
    Question,
    QuestionKind,
    ToolCallPlan,
)
from agent.offline.proposals import turn_content
from agent.offline.transcript import Turn
from tools.canonical.records import EmailDraft, EmailSent, LeadSummary


def _content(ctx: PlanContext) -> MailContent:
    content = turn_content(ctx.turn)
    if content.empty and ctx.mail_content is not None:
        return ctx.mail_content
    return content


def plan_write(ctx: PlanContext) -> Decision | None:
    u, turn = ctx.u, ctx.turn
    if turn.last(EmailDraft) is not None:
        return None
    lead: LeadSummary | None = ctx.mail_lead
    if lead is None:
        if not wants_lead(u, ctx.focus):
            return Finish(Question(QuestionKind.RECIPIENT))
        found = resolve_lead(u, turn, detail=False, focus=ctx.focus)
        if isinstance(found, LeadMissing) and not u.emails:
            return Finish(Question(QuestionKind.LEAD_NOT_FOUND, query=found.query))
        if isinstance(found, ToolCallPlan | Finish):
            return found
        lead = found.lead if isinstance(found, LeadFound) else None
    content = _content(ctx)
    args: dict[str, object] = {"lead_id": str(lead.id)} if lead else {"to": u.emails[0]}
    args["body"] = compose_mail(u, lead, content)
    if content.quote is not None:
        args["quote_id"] = str(content.quote.id)
    return ToolCallPlan("draft_email_reply", args)


def _sent_ids(turns: tuple[Turn, ...]) -> set[str]:
    return {str(sent.draft_id) for turn in turns for sent in turn.records(EmailSent)}


def unsent_draft(turns: tuple[Turn, ...]) -> EmailDraft | None:
    """The newest draft in the conversation that has not been sent."""
    sent = _sent_ids(turns)
    for turn in reversed(turns):
        for draft in reversed(turn.records(EmailDraft)):
            if str(draft.id) not in sent and draft.status in ("draft", "approved"):
                return draft
    return None


def plan_send(ctx: PlanContext) -> Decision | None:
    turn = ctx.turn
    if any(step.name == "send_email" for step in turn.steps):
        return None
    draft = turn.last(EmailDraft)
    if draft is None and ctx.u.ids:
        return ToolCallPlan("send_email", {"draft_id": ctx.u.ids[0]})
    draft = draft or unsent_draft(ctx.transcript.turns)
    if draft is None:
        return Finish(Question(QuestionKind.WHICH_DRAFT))
    return ToolCallPlan("send_email", {"draft_id": str(draft.id)})
