"""`renos chat`: talk to the assistant from a terminal, or run one turn for scripts (--json)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import typer

from agent.approvals import ApprovalDecision
from agent.events import (
    AgentEvent,
    ApprovalRequired,
    Done,
    Error,
    Message,
    RunStarted,
    Token,
    ToolFinished,
    ToolStarted,
)
from agent.runner import ChatRunner
from api.approval_policy import EscalatedApprovalError, ensure_may_decide
from api.auth.roles import allowed_tools
from api.cli.common import fail, run_with_container
from api.composition import Container
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from tools.canonical.caller import Caller

CLI_OPERATOR = "cli@renos.local"


async def _caller(c: Container, email: str | None, session: str | None, title: str) -> Caller:
    async with c.database.transaction() as s:
        staff = StaffRepository(s)
        user = (
            await staff.find_by_email(email)
            if email
            else await staff.ensure_user(email=CLI_OPERATOR, name="RenOS CLI", role=StaffRole.OWNER)
        )
        if user is None:
            fail(f"no staff user {email}")
        sessions = ChatSessionRepository(s)
        if session:
            try:
                found = await sessions.get_owned(uuid.UUID(session), user.id)
            except ValueError:
                found = None
            if found is None:
                fail(f"no chat session {session} for {user.email}")
            session_id = found.id
        else:
            session_id = (
                await sessions.create(owner_id=user.id, channel=ChatChannel.CLI, title=title)
            ).id
    return Caller(
        user_id=user.id,
        role=user.role.value,
        channel="cli",
        session_id=session_id,
        now=c.clock(),
        trace_id=uuid.uuid4().hex,
    )


def _summarise(events: list[AgentEvent]) -> dict[str, Any]:
    calls: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {"reply": "", "tool_calls": [], "pending_approval": None}
    for event in events:
        if isinstance(event, RunStarted):
            out.update(session_id=event.session_id, model=event.model)
        elif isinstance(event, ToolStarted):
            calls[event.tool_call_id] = {
                "id": event.tool_call_id,
                "name": event.name,
                "args": event.args,
            }
            out["tool_calls"].append(calls[event.tool_call_id])
        elif isinstance(event, ToolFinished):
            if event.tool_call_id not in calls:  # started in an earlier turn (an approval)
                calls[event.tool_call_id] = {"id": event.tool_call_id, "name": event.name}
                out["tool_calls"].append(calls[event.tool_call_id])
            calls[event.tool_call_id].update(status=event.status, result=event.result)
        elif isinstance(event, ApprovalRequired):
            out["pending_approval"] = event.model_dump(exclude={"kind"})
        elif isinstance(event, Message):
            out["reply"] = event.text
        elif isinstance(event, Error):
            out["error"] = {"code": event.code, "message": event.message}
        elif isinstance(event, Done):
            out.update(
                status=event.status, tokens={"in": event.input_tokens, "out": event.output_tokens}
            )
    return out


async def _collect(runner: ChatRunner, caller: Caller, **kw: Any) -> list[AgentEvent]:
    return [event async for event in runner.turn(caller, **kw)]


def _print_live(event: AgentEvent) -> None:
    if isinstance(event, Token):
        typer.echo(event.text, nl=False)
    elif isinstance(event, ToolStarted):
        typer.secho(f"\n→ {event.name} {json.dumps(event.args, ensure_ascii=False)}", dim=True)
    elif isinstance(event, ToolFinished):
        typer.secho(f"← {event.name}: {event.status}", dim=True)
    elif isinstance(event, Error):
        typer.secho(f"\nerror: {event.code}: {event.message}", fg="red", err=True)
    elif isinstance(event, Done):
        typer.echo("")


def chat(
    message: str | None = typer.Option(None, "--message", "-m", help="Run one turn and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --message: print the turn as JSON."),
    session: str | None = typer.Option(None, "--session", help="Continue this session."),
    user: str | None = typer.Option(None, "--as", help="Staff user email (default: CLI operator)."),
    approve: bool = typer.Option(False, "--approve", help="Approve the session's pending action."),
    reject: str | None = typer.Option(None, "--reject", help="Reject it, with this reason."),
) -> None:
    """Chat with the assistant (interactive), or run one turn (--message / --approve / --reject)."""

    async def work(c: Container) -> None:
        assert c.chat is not None
        one_shot = message is not None or approve or reject is not None
        caller = await _caller(c, user, session, message or "CLI chat")
        if one_shot:
            decision = (
                ApprovalDecision(decision="approve")
                if approve
                else ApprovalDecision(decision="reject", reason=reject or "")
                if reject is not None
                else None
            )
            kw: dict[str, Any] = {"decision": decision} if decision else {"text": message}
            if decision is not None and caller.session_id is not None:
                try:
                    await ensure_may_decide(
                        c.database, c.chat, StaffRole(caller.role), caller.session_id, decision
                    )
                except EscalatedApprovalError as exc:
                    fail(str(exc))
            kw["allowed_tools"] = allowed_tools(StaffRole(caller.role))
            events = await _collect(c.chat, caller, **kw)
            summary = _summarise(events)
            if as_json:
                typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
            else:
                for event in events:
                    _print_live(event)
            if summary.get("status") == "failed":
                raise typer.Exit(1)
            return
        await _interactive(c, caller)

    run_with_container(work, with_agent=True)


async def _interactive(c: Container, caller: Caller) -> None:
    assert c.chat is not None and caller.session_id is not None
    runner, role = c.chat, StaffRole(caller.role)
    typer.echo(f"session {caller.session_id} — tom linje eller Ctrl-D afslutter / empty line quits")
    while True:
        try:
            text = await asyncio.to_thread(input, "> ")
        except EOFError:
            return
        if not text.strip():
            return
        kw: dict[str, Any] = {"text": text}
        while kw:
            kw["allowed_tools"] = allowed_tools(role)
            pending: ApprovalRequired | None = None
            async for event in runner.turn(caller, **kw):
                _print_live(event)
                if isinstance(event, ApprovalRequired):
                    pending = event
            kw = {}
            if pending is not None:
                typer.echo(
                    f"Godkend {pending.tool} {json.dumps(pending.args, ensure_ascii=False)}?"
                )
                answer = (await asyncio.to_thread(input, "[j/n] ")).strip().lower()
                ok = answer in ("j", "ja", "y", "yes")
                decision = ApprovalDecision(decision="approve" if ok else "reject")
                try:
                    await ensure_may_decide(c.database, runner, role, caller.session_id, decision)
                except EscalatedApprovalError as exc:
                    typer.secho(f"error: {exc} (the action stays pending)", fg="red", err=True)
                    continue
                kw = {"decision": decision}
