"""Running scenarios: one trial on a fresh database through the production code paths, and a
whole run with parallel trials, pass^k and the run's totals.

A trial freezes the clock at ``setup.now`` for everything (the model, the tools, the audit
trail, the responder). A chat trial creates a staff user and a chat session and drives
``ChatRunner.turn`` turn by turn, the scripted reviewer answering pending actions; an email
trial records the inbound mail with ``ingest`` and runs a responder ``Worker`` until the queue
is idle. Then the entities the state checks name are snapshotted and the checks run.

The path (``Observation.calls``) is every tool call the model made, in the order it made
them, with the arguments it gave, taken from the model's own messages: the chat turn's
``ToolStarted`` events, and for email the model's answers as LangChain callbacks see them
(the email graph reports nothing else). The audit trail stores arguments redacted, so it
supplies only each call's final status (succeeded, failed, denied, pending_approval); a call
the audit trail has that the model's messages somehow lack is added with its redacted
arguments. Any exception becomes ``Observation.error``: a trial never crashes the run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook
from sqlalchemy import select

from agent import assembly
from agent.approvals import ApprovalDecision
from agent.events import AgentEvent, Done, Error, Message, Token, ToolFinished, ToolStarted
from agent.graph.settings import ChatSettings
from agent.inbox.ingest import ingest
from agent.memory.settings import EmbeddingSettings
from agent.providers import ChatModelHandle
from agent.providers.settings import ModelSettings
from agent.responder.settings import ResponderSettings
from agent.responder.worker import Worker
from agent.runner import ChatRunner
from evals.checks import evaluate, passed
from evals.judge import Judge, not_judged
from evals.passk import pass_k_table
from evals.results import (
    CheckResult,
    FileProblem,
    Observation,
    ObservedCall,
    RunReport,
    ScenarioSummary,
    TrialResult,
)
from evals.scenario import (
    CANONICAL_TOOLS,
    ApproveTurn,
    EditTurn,
    RejectTurn,
    Scenario,
    UserTurn,
)
from evals.state import TrialDatabases, insert_records, snapshot
from memory.checkpointer import open_checkpointer
from memory.database import Database
from memory.models import InboundEmail, OutboundEmail, TaskExecution
from memory.models.enums import ChatChannel, InboundStatus, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tools.canonical.caller import Caller

MAX_MAIL_BYTES = 10 * 1024 * 1024  # the service's default RENOS_MAX_MAIL_BYTES
EVAL_STAFF = ("eval@renos.local", "Eval Staff")
# The staff role's tools (api/auth/roles.py, which evals may not import): every canonical one.
STAFF_TOOLS = frozenset(CANONICAL_TOOLS)
Progress = Callable[[Scenario, TrialResult], None]


@dataclass(frozen=True)
class EvalSettings:
    """What a run is configured with: the model under test and the agent's settings."""

    model: ModelSettings
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings.model_construct)
    chat: ChatSettings = field(default_factory=ChatSettings.model_construct)
    judge_gates: bool = False


@dataclass(frozen=True)
class EvalEnv:
    databases: TrialDatabases
    settings: EvalSettings
    judge: Judge | None = None


class ReviewerError(Exception):
    """A scripted reviewer turn that finds no matching pending action."""


# --- the model's own tool calls and tokens, seen through LangChain callbacks --------------


class _Capture(BaseCallbackHandler):
    run_inline = True  # called in the event loop, in order

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []  # (call id, name, args)
        self.tokens = [0, 0]

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                message = generation.message if isinstance(generation, ChatGeneration) else None
                if not isinstance(message, AIMessage):
                    continue
                if message.usage_metadata:
                    self.tokens[0] += message.usage_metadata["input_tokens"]
                    self.tokens[1] += message.usage_metadata["output_tokens"]
                for call in message.tool_calls:
                    self.calls.append((call["id"] or "", call["name"], dict(call["args"])))


_CAPTURE: ContextVar[_Capture | None] = ContextVar("renos_eval_capture", default=None)
_HOOKED: list[bool] = []


def _capturing() -> _Capture:
    """A capture for the current task (and the tasks it starts)."""
    if not _HOOKED:
        register_configure_hook(_CAPTURE, True)
        _HOOKED.append(True)
    capture = _Capture()
    _CAPTURE.set(capture)
    return capture


# --- a trial -----------------------------------------------------------------------------


@dataclass
class _Trace:
    """What a trial saw while it ran."""

    order: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)  # from the events, audit rows win
    reply: str | None = None
    streamed: list[str] = field(default_factory=list)  # tokens since the last user turn
    outcome: str | None = None
    tokens: list[int] = field(default_factory=lambda: [0, 0])
    error: str | None = None
    transcript: list[str] = field(default_factory=list)
    # Email: only audit rows of runs on the scenario's own mail belong to its trajectory.
    run_prefix: str | None = None


async def run_trial(scenario: Scenario, trial: int, env: EvalEnv) -> TrialResult:
    """One trial of one scenario on a database of its own; never raises (but cancels)."""
    started = time.monotonic()
    trace = _Trace()
    try:
        obs = await _observe(scenario, trial, env, trace)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken trial is reported, the run goes on
        obs = _observation(trace, {}, error=f"{type(exc).__name__}: {exc}")
    checks = evaluate(scenario.expect, obs)
    judge = await _judge(scenario, obs, trace, env.judge)
    ok = passed(checks) and (not env.settings.judge_gates or passed(judge))
    return TrialResult(
        scenario_id=scenario.id,
        trial=trial,
        passed=ok,
        checks=checks,
        observation=obs,
        input_tokens=trace.tokens[0],
        output_tokens=trace.tokens[1],
        seconds=round(time.monotonic() - started, 3),
        judge=judge,
    )


async def _observe(scenario: Scenario, trial: int, env: EvalEnv, trace: _Trace) -> Observation:
    now = scenario.setup.now

    def clock() -> datetime:
        return now

    async with env.databases.trial(scenario.setup.dataset, now) as database:
        async with database.transaction() as session:
            records = {str(entity): rows for entity, rows in scenario.setup.records.items()}
            await insert_records(session, records, now)
        handle = assembly.model_handle(env.settings.model, clock)
        try:
            ports = assembly.ports_factory(calendar=None, mailbox=None, clock=clock)
            if scenario.channel == "chat":
                await _chat(scenario, env, database, handle, ports, clock, trace)
            else:
                await _email(scenario, trial, database, handle, ports, clock, trace)
        finally:
            await handle.aclose()
        entities = [check.entity for check in scenario.expect.state]
        async with database.transaction() as session:
            state = await snapshot(session, entities)
            audit = select(TaskExecution).order_by(TaskExecution.created_at, TaskExecution.id)
            audited = list((await session.execute(audit)).scalars())
    for row in audited:
        if trace.run_prefix is not None and not (row.run_id or "").startswith(trace.run_prefix):
            continue  # the dataset's own pending mail, processed before the scenario's
        trace.status[row.tool_call_id] = row.status.value
        if all(call_id != row.tool_call_id for call_id, _, _ in trace.order):
            trace.order.append((row.tool_call_id, row.task_type, dict(row.input)))
    return _observation(trace, state, error=trace.error)


def _observation(trace: _Trace, state: dict[str, Any], *, error: str | None) -> Observation:
    calls = [
        ObservedCall(name=name, args=args, status=trace.status.get(call_id, "pending"))
        for call_id, name, args in trace.order
    ]
    return Observation(
        calls=calls, reply=trace.reply, outcome=trace.outcome, state=state, error=error
    )


async def _chat(
    scenario: Scenario,
    env: EvalEnv,
    database: Database,
    handle: ChatModelHandle,
    ports: assembly.PortsFactory,
    clock: Callable[[], datetime],
    trace: _Trace,
) -> None:
    settings = env.settings
    embedder = await assembly.checked_embedder(settings.embedding, database)
    chat = settings.chat.model_copy(update={"max_steps": scenario.run.max_turns})
    async with open_checkpointer(database, max_size=2) as checkpointer:
        runner = assembly.chat_runner(database, handle, embedder, chat, checkpointer, ports, clock)
        caller = await _staff_caller(database, scenario, clock())
        for number, turn in enumerate(scenario.turns, start=1):
            trace.transcript.append(_describe(turn))
            if isinstance(turn, UserTurn):  # the reply is the last user turn's answer
                trace.reply, trace.streamed = None, []
            try:
                kw = await _turn_input(runner, caller, turn)
            except ReviewerError as exc:
                trace.error = f"reviewer (turn {number}): {exc}"
                break
            async for event in runner.turn(caller, allowed_tools=STAFF_TOOLS, **kw):
                _record(event, trace)
            if trace.error is not None:
                trace.error = f"turn {number}: {trace.error}"
                break
    if trace.reply is None and trace.streamed:  # a turn that ended waiting for approval
        trace.reply = (
            "\n".join(line.strip() for line in "".join(trace.streamed).splitlines() if line.strip())
            or None
        )


async def _staff_caller(database: Database, scenario: Scenario, now: datetime) -> Caller:
    async with database.transaction() as s:
        user = await StaffRepository(s).ensure_user(
            email=EVAL_STAFF[0], name=EVAL_STAFF[1], role=StaffRole.STAFF
        )
        session = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title=scenario.title[:200]
        )
    return Caller(
        user_id=user.id,
        role="staff",
        channel="chat",
        session_id=session.id,
        now=now,
        trace_id=uuid.uuid4().hex,
    )


def _describe(turn: Any) -> str:
    if isinstance(turn, UserTurn):
        return f"Staff: {turn.user}"
    return f"[reviewer] {turn.model_dump(exclude_none=True)}"


async def _turn_input(runner: ChatRunner, caller: Caller, turn: Any) -> dict[str, Any]:
    if isinstance(turn, UserTurn):
        return {"text": turn.user}
    if isinstance(turn, ApproveTurn):
        tool, decision = turn.approve, ApprovalDecision(decision="approve")
    elif isinstance(turn, RejectTurn):
        tool, decision = turn.reject, ApprovalDecision(decision="reject", reason=turn.reason)
    elif isinstance(turn, EditTurn):
        tool, decision = turn.edit, ApprovalDecision(decision="edit", args=dict(turn.args))
    else:  # pragma: no cover - the scenario model allows no other turn
        raise ReviewerError(f"unknown turn {turn!r}")
    assert caller.session_id is not None
    pending = await runner.pending_action(caller.session_id)
    if pending is None:
        raise ReviewerError(f"{decision.decision} {tool}: no action is waiting for a decision")
    if pending.tool != tool:
        raise ReviewerError(
            f"{decision.decision} {tool}: the action waiting for a decision is {pending.tool}"
        )
    return {"decision": decision}


def _record(event: AgentEvent, trace: _Trace) -> None:
    if isinstance(event, Token):
        trace.streamed.append(event.text)
    elif isinstance(event, ToolStarted):
        trace.streamed.append("\n")  # one line per model step
        trace.order.append((event.tool_call_id, event.name, dict(event.args)))
        trace.status[event.tool_call_id] = "pending"
        trace.transcript.append(f"[tool call] {event.name} {event.args}")
    elif isinstance(event, ToolFinished):
        trace.status[event.tool_call_id] = event.status
        trace.transcript.append(f"[tool result] {event.name}: {event.status}")
    elif isinstance(event, Message):
        trace.reply = event.text
        trace.transcript.append(f"Assistant: {event.text}")
    elif isinstance(event, Error):
        trace.error = trace.error or f"{event.code}: {event.message}"
    elif isinstance(event, Done):
        trace.tokens[0] += event.input_tokens
        trace.tokens[1] += event.output_tokens


def build_mail(scenario: Scenario, trial: int, now: datetime) -> bytes:
    """The inbound message of an email scenario: its ``raw`` file as is, or one built from
    its fields with a Message-ID, Date = now and, unless the scenario gives one, an
    Authentication-Results header that passes for the From domain (as Gmail adds)."""
    spec = scenario.email
    assert spec is not None
    if (path := scenario.raw_email_path) is not None:
        return path.read_bytes()
    address = parseaddr(spec.from_ or "")[1]
    domain = address.rpartition("@")[2] or "example.dk"
    given = {key.casefold() for key in spec.headers}
    mail = EmailMessage()
    if "authentication-results" not in given:
        mail["Authentication-Results"] = (
            f"mx.google.com; dkim=pass header.i=@{domain}; spf=pass smtp.mailfrom={address}; "
            f"dmarc=pass header.from={domain}"
        )
    mail["From"] = spec.from_ or ""
    mail["To"] = spec.to
    mail["Subject"] = spec.subject
    if "message-id" not in given:
        mail["Message-ID"] = f"<eval.{scenario.id}.{trial}@{domain}>"
    if "date" not in given:
        mail["Date"] = format_datetime(now)
    for key, value in spec.headers.items():
        mail[key] = value
    mail.set_content(spec.body or "")
    return mail.as_bytes()


async def _email(
    scenario: Scenario,
    trial: int,
    database: Database,
    handle: ChatModelHandle,
    ports: assembly.PortsFactory,
    clock: Callable[[], datetime],
    trace: _Trace,
) -> None:
    now = clock()
    settings = ResponderSettings.model_construct(
        mode=scenario.setup.responder,
        backoff_s=0.0,
        poll_interval_s=0.05,
        max_attempts=2,
        service_workers=0,
    )
    raw = build_mail(scenario, trial, now)
    trace.transcript.append("Customer mail:\n" + raw.decode("utf-8", "replace"))
    responder = assembly.responder(database, handle, ports, settings, mailbox=None, clock=clock)
    # Mail the dataset left pending is processed first, as the service would, and kept out of
    # the scenario's trajectory.
    await Worker(database, responder, settings, name="eval-backlog").run(
        stop=asyncio.Event(), until_idle=True
    )
    recorded = await ingest(database, raw, now=now, max_raw_bytes=MAX_MAIL_BYTES)
    async with database.transaction() as s:
        inbound_id = (
            await s.execute(
                select(InboundEmail.id).where(InboundEmail.message_id == recorded.message_id)
            )
        ).scalar_one()
    trace.run_prefix = f"mail:{inbound_id}:"
    capture = _capturing()
    try:
        await Worker(database, responder, settings, name="eval").run(
            stop=asyncio.Event(), until_idle=True
        )
    finally:
        _CAPTURE.set(None)
    trace.order.extend(capture.calls)
    trace.tokens = list(capture.tokens)
    async with database.transaction() as s:
        inbound = (
            await s.execute(
                select(InboundEmail).where(InboundEmail.message_id == recorded.message_id)
            )
        ).scalar_one()
        reply = (
            await s.execute(
                select(OutboundEmail.body)
                .where(OutboundEmail.inbound_email_id == inbound.id)
                .order_by(OutboundEmail.created_at, OutboundEmail.id)
                .limit(1)
            )
        ).scalar_one_or_none()
    trace.outcome = inbound.status.value
    trace.reply = reply
    if reply is not None:
        trace.transcript.append(f"Reply: {reply}")
    if inbound.status is InboundStatus.FAILED:
        trace.error = f"the responder failed on the mail: {inbound.status_reason}"
    elif inbound.status in (InboundStatus.RECEIVED, InboundStatus.PROCESSING):
        trace.error = f"the mail was not processed (status {inbound.status.value})"


async def _judge(
    scenario: Scenario, obs: Observation, trace: _Trace, judge: Judge | None
) -> list[CheckResult]:
    criteria = list(scenario.expect.judge)
    if not criteria:
        return []
    if judge is None:
        return not_judged(criteria)
    if obs.error:
        return not_judged(criteria, f"the run failed: {obs.error}")
    lines = list(trace.transcript)
    lines.append(f"Final reply: {obs.reply or '(none)'}")
    return await judge.assess(criteria, "\n".join(lines))


# --- a run -------------------------------------------------------------------------------


def select_scenarios(scenarios: Sequence[Scenario], tags: Collection[str]) -> list[Scenario]:
    """The scenarios with at least one of ``tags`` (all when no tag is given)."""
    wanted = set(tags)
    return [s for s in scenarios if not wanted or wanted & set(s.tags)]


async def run_all(
    scenarios: Sequence[Scenario],
    *,
    settings: EvalSettings,
    admin_url: str,
    trials: int | None = None,
    tags: Collection[str] = (),
    jobs: int = 1,
    progress: Progress | None = None,
    problems: Sequence[FileProblem] = (),
    judge: Judge | None = None,
) -> RunReport:
    """Every trial of every chosen scenario (``trials`` overrides each scenario's own count),
    at most ``jobs`` at a time, each on a database of its own on the server at ``admin_url``.
    Raises ModelConfigurationError before anything runs if the model cannot be built."""
    chosen = select_scenarios(scenarios, tags)
    started_at = datetime.now(UTC)
    began = time.monotonic()
    probe = assembly.model_handle(settings.model, lambda: started_at)
    await probe.aclose()
    databases = TrialDatabases(admin_url)
    env = EvalEnv(databases=databases, settings=settings, judge=judge)
    gate = asyncio.Semaphore(max(jobs, 1))

    async def one(scenario: Scenario, trial: int) -> TrialResult:
        async with gate:
            result = await run_trial(scenario, trial, env)
        if progress is not None:
            progress(scenario, result)
        return result

    plan = [(s, t) for s in chosen for t in range(1, (trials or s.run.trials) + 1)]
    try:
        results = await asyncio.gather(*(one(s, t) for s, t in plan))
    finally:
        await databases.aclose()
    summaries = [
        ScenarioSummary(
            scenario_id=s.id,
            title=s.title,
            channel=s.channel,
            tags=list(s.tags),
            file=s.file,
            trials=[r for r in results if r.scenario_id == s.id],
        )
        for s in chosen
    ]
    k = max((len(s.trials) for s in summaries), default=0)
    return RunReport(
        model=probe.model_name,
        provider=probe.provider,
        live=not probe.is_offline,
        started_at=started_at.isoformat(),
        seconds=round(time.monotonic() - began, 3),
        input_tokens=sum(r.input_tokens for r in results),
        output_tokens=sum(r.output_tokens for r in results),
        k=k,
        scenarios=summaries,
        problems=list(problems),
        pass_k=pass_k_table(summaries, k),
    )
