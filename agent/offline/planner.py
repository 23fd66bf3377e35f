"""The offline model's next step: one tool call, or finish (asking when something is missing).

From the understood request, the results of this turn so far and the bound tools, the
planner walks the request's tasks in a fixed order — find the lead, read it, price, check
the calendar, book, write, send — because each may need the one before (a booking's length
and a mail's content come from the quote). It stops:

- after any failed, denied or pending step (the answer reports it; nothing runs on top of
  a step that did not happen);
- when a task lacks information (the answer asks one precise question);
- when the next call would repeat a call of this turn with the same arguments;
- when every task is done.

Only tools that are bound are called; a missing tool becomes a plain "not available here".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.offline.cues import TASK_INTENTS, Intent
from agent.offline.plan_leads import earlier_lead, refers_back
from agent.offline.plan_mail import plan_send, plan_write, unsent_draft
from agent.offline.plan_tasks import plan_availability, plan_booking, plan_lookup, plan_quote
from agent.offline.plan_types import (
    Decision,
    Finish,
    PlanContext,
    Question,
    QuestionKind,
    ToolCallPlan,
)
from agent.offline.proposals import Proposal, confirmed_proposal
from agent.offline.transcript import Transcript
from agent.offline.understand import Understanding

TASK_ORDER: tuple[Intent, ...] = (
    Intent.FIND_LEAD,
    Intent.LEAD_DETAILS,
    Intent.QUOTE,
    Intent.AVAILABILITY,
    Intent.BOOK,
    Intent.WRITE_EMAIL,
    Intent.SEND_EMAIL,
)
_CONTENT = frozenset({Intent.QUOTE, Intent.AVAILABILITY, Intent.BOOK})

Planner = Callable[[PlanContext], Decision | None]
_PLANNERS: dict[Intent, Planner] = {
    Intent.FIND_LEAD: plan_lookup,
    Intent.LEAD_DETAILS: plan_lookup,
    Intent.QUOTE: plan_quote,
    Intent.AVAILABILITY: plan_availability,
    Intent.BOOK: plan_booking,
    Intent.WRITE_EMAIL: plan_write,
    Intent.SEND_EMAIL: plan_send,
}


@dataclass(frozen=True, slots=True)
class Agenda:
    tasks: tuple[Intent, ...] = ()
    proposal: Proposal | None = None
    question: Question | None = None


def agenda_for(u: Understanding, transcript: Transcript) -> Agenda:
    """The tasks this request asks for, in execution order, with implied ones added."""
    names = set(u.intent_names)
    if Intent.DECLINE in names:
        return Agenda()
    tasks = names & TASK_INTENTS
    proposal = _accepted_offer(u, transcript)
    if proposal is not None:
        if _names_nothing_new(u):
            tasks -= _CONTENT  # "ja, send tilbuddet": the offered quote, not a new one
        tasks |= set(proposal.tasks)
    elif Intent.CONFIRM in names and not tasks:
        return Agenda(question=Question(QuestionKind.NOTHING_TO_CONFIRM))
    # "ledige tider til en hovedrengøring på 120 m²": the job's length comes from its quote.
    if Intent.AVAILABILITY in tasks and u.service and u.area_m2 and u.duration_hours is None:
        tasks.add(Intent.QUOTE)
    if Intent.SEND_EMAIL in tasks and tasks & _CONTENT and proposal is None:
        if _names_nothing_new(u) and unsent_draft(transcript.earlier) is not None:
            # "send tilbuddet" after the quote mail was drafted: send that draft.
            tasks = {Intent.SEND_EMAIL}
        else:
            # "send hende ledige tider": what is being made needs a mail to be sent in.
            tasks.add(Intent.WRITE_EMAIL)
    return Agenda(tuple(t for t in TASK_ORDER if t in tasks), proposal)


def _names_nothing_new(u: Understanding) -> bool:
    return not u.has_reference and u.service is None and u.area_m2 is None and not u.dates


def _accepted_offer(u: Understanding, transcript: Transcript) -> Proposal | None:
    """The previous answer's offer, if this request takes it up ("ja", "send tilbuddet")."""
    mail = {Intent.WRITE_EMAIL, Intent.SEND_EMAIL} & set(u.intent_names)
    if u.has(Intent.CONFIRM) or (mail and _names_nothing_new(u)):
        return confirmed_proposal(transcript)
    return None


def _context(
    u: Understanding, transcript: Transcript, tools: frozenset[str], agenda: Agenda
) -> PlanContext:
    focus = earlier_lead(transcript.earlier) if refers_back(u.text) else None
    proposal = agenda.proposal
    return PlanContext(
        u=u,
        transcript=transcript,
        tools=tools,
        tasks=agenda.tasks,
        focus=focus,
        mail_lead=proposal.lead if proposal else None,
        mail_content=proposal.content if proposal else None,
    )


def decide(u: Understanding, transcript: Transcript, tools: frozenset[str]) -> Decision:
    """The next step for the current turn of `transcript`, read as `u`."""
    turn = transcript.current
    if turn.failures():
        return Finish()
    agenda = agenda_for(u, transcript)
    if agenda.question is not None:
        return Finish(agenda.question)
    ctx = _context(u, transcript, tools, agenda)
    for task in ctx.tasks:
        decision = _PLANNERS[task](ctx)
        if decision is None:
            continue
        if isinstance(decision, ToolCallPlan):
            if decision.name not in tools:
                return Finish(Question(QuestionKind.TOOL_UNAVAILABLE, tool=decision.name))
            if turn.called(decision.name, decision.args):
                return Finish()
        return decision
    return Finish()
