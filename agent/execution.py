"""Every tool call goes through here: a TaskExecution row is committed before the tool runs,
the tool's own writes and the completed audit row commit together, and a call id that already
finished returns its stored result instead of running again.

A call id is the model's (or its server's) name for the call, unique only within what it saw:
some servers number calls (``call_0``, ``0``). A stored call is replayed only within its own
scope (the chat session; for a mail, all attempts at that mail); the same id from another
scope gets an audit key of its own and runs, so no one is ever given another session's
result."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from agent.redaction import redact
from memory.database import Database
from memory.models import TaskExecution
from memory.models.enums import TaskStatus
from memory.repositories.audit import AuditRepository, AuditStart
from tools.canonical.caller import Caller
from tools.canonical.errors import ToolError, ToolErrorCode
from tools.canonical.ports import Ports
from tools.canonical.registry import ToolSpec

_log = logging.getLogger(__name__)
_FINISHED = (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.DENIED)

# Looks at a permitted call's arguments and names why it must not run here (None: it may).
ScopeGuard = Callable[[str, dict[str, Any]], Awaitable[str | None]]


@dataclass(frozen=True)
class ToolOutcome:
    tool_call_id: str
    name: str
    status: TaskStatus
    content: str  # what the model reads in the tool message
    record: dict[str, Any] | None = None
    replayed: bool = False


def _error_content(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)


class ToolExecutor:
    def __init__(
        self,
        database: Database,
        ports_for: Callable[[AsyncSession], Ports],
        caller: Caller,
        *,
        table: dict[str, ToolSpec],
        model: str | None,
        run_id: str,
        clock: Callable[[], datetime],
        allowed: frozenset[str] | None = None,
        scope: ScopeGuard | None = None,
    ) -> None:
        self._db, self._ports_for, self.caller = database, ports_for, caller
        self._allowed, self._scope = allowed, scope
        self.table, self._model, self._run_id, self._clock = table, model, run_id, clock
        # The model's call id → the audit row's key (they differ only after a collision).
        self._keys: dict[str, str] = {}

    def spec(self, name: str) -> ToolSpec | None:
        return self.table.get(name)

    def permits(self, name: str) -> bool:
        """Whether the caller's role may use this tool (None: every tool of the channel)."""
        return self._allowed is None or name in self._allowed

    async def out_of_scope(self, name: str, raw: dict[str, Any]) -> str | None:
        """Why this channel may not make this particular call (e.g. a lead that is not the
        mail's sender), or None."""
        return None if self._scope is None else await self._scope(name, raw)

    async def refuse(
        self, spec: ToolSpec, call_id: str, raw: dict[str, Any], reason: str | None = None
    ) -> ToolOutcome:
        """A call the caller's role may not make: never run, audited as denied."""
        message = reason or f"not permitted: role {self.caller.role} may not use {spec.name}"
        if (done := await self.finished(call_id)) is not None:
            return done
        await self._start(spec, call_id, raw, TaskStatus.PENDING, "")
        await self._finish(call_id, TaskStatus.DENIED, 0, error_code="forbidden", error=message)
        return ToolOutcome(
            call_id, spec.name, TaskStatus.DENIED, _error_content("forbidden", message)
        )

    def parse(self, spec: ToolSpec, raw: dict[str, Any]) -> BaseModel:
        try:
            return spec.args.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ToolError(ToolErrorCode.INVALID, f"invalid arguments: {problems}") from None

    async def finished(self, call_id: str) -> ToolOutcome | None:
        """The stored outcome of a call of this scope that already ran (or was denied)."""
        async with self._db.transaction() as s:
            row = await AuditRepository(s).get(call_id)
            if row is not None and not self._same_scope(row):
                row = await AuditRepository(s).get(self._scoped(call_id))
        return None if row is None else _stored_outcome(row, call_id)

    def _same_scope(self, row: TaskExecution) -> bool:
        if self.caller.session_id is not None:
            return row.session_id == self.caller.session_id
        return row.session_id is None and _run_scope(row.run_id) == _run_scope(self._run_id)

    def _scoped(self, call_id: str) -> str:
        scope = str(self.caller.session_id or _run_scope(self._run_id))
        digest = hashlib.sha256(scope.encode()).hexdigest()[:16]
        return f"{call_id[:180]}~{digest}"

    def _key(self, call_id: str) -> str:
        return self._keys.get(call_id, call_id)

    async def _start_row(
        self, s: AsyncSession, entry: AuditStart, call_id: str
    ) -> tuple[TaskExecution, bool]:
        """The call's audit row, inserted unless this scope has it already: (row, created).
        A row of the same call id from another scope is left alone; this call gets its own."""
        repo = AuditRepository(s)
        row, created = await repo.start(entry)
        if not created and not self._same_scope(row):
            entry = dataclasses.replace(entry, tool_call_id=self._scoped(call_id))
            row, created = await repo.start(entry)
        self._keys[call_id] = row.tool_call_id
        return row, created

    def _entry(
        self, spec: ToolSpec, call_id: str, args: dict[str, Any], status: TaskStatus, intent: str
    ) -> AuditStart:
        return AuditStart(
            tool_call_id=call_id,
            task_type=spec.name,
            input=redact(args),
            status=status,
            channel=self.caller.channel,
            started_at=self._clock(),
            session_id=self.caller.session_id,
            user_id=self.caller.user_id,
            model=self._model,
            intent=intent[:500] or None,
            run_id=self._run_id,
            trace_id=self.caller.trace_id,
        )

    async def _start(
        self, spec: ToolSpec, call_id: str, args: dict[str, Any], status: TaskStatus, intent: str
    ) -> None:
        entry = self._entry(spec, call_id, args, status, intent)
        async with self._db.transaction() as s:
            row, created = await self._start_row(s, entry, call_id)
            if not created and status == TaskStatus.PENDING:
                await AuditRepository(s).set_status(row.tool_call_id, status)

    async def _start_or_replay(
        self, spec: ToolSpec, call_id: str, args: dict[str, Any], intent: str
    ) -> ToolOutcome | None:
        """``finished`` and ``_start`` in one transaction (one commit before the tool runs):
        the stored outcome of a call id that already finished, else None and the call's row
        is committed as ``pending``."""
        entry = self._entry(spec, call_id, args, TaskStatus.PENDING, intent)
        async with self._db.transaction() as s:
            row, created = await self._start_row(s, entry, call_id)
            if created:
                return None
            if (done := _stored_outcome(row, call_id)) is not None:
                return done
            await AuditRepository(s).set_status(row.tool_call_id, TaskStatus.PENDING)
        return None

    async def await_approval(
        self, spec: ToolSpec, call_id: str, args: BaseModel, intent: str
    ) -> None:
        """Check what can be checked, then leave the evidence row of a pending approval."""
        if spec.check is not None:
            async with self._db.transaction() as s:
                await spec.check(args, self._ports_for(s), self.caller)
        await self._start(
            spec, call_id, args.model_dump(mode="json"), TaskStatus.PENDING_APPROVAL, intent
        )

    async def deny(
        self, spec: ToolSpec, call_id: str, args: dict[str, Any], reason: str
    ) -> ToolOutcome:
        await self._start(spec, call_id, args, TaskStatus.PENDING_APPROVAL, "")
        message = f"not performed: rejected by the reviewer{f' ({reason})' if reason else ''}"
        await self._finish(call_id, TaskStatus.DENIED, 0, error_code="denied", error=message)
        return ToolOutcome(call_id, spec.name, TaskStatus.DENIED, _error_content("denied", message))

    async def fail(
        self, spec: ToolSpec, call_id: str, raw: dict[str, Any], err: ToolError
    ) -> ToolOutcome:
        """Record a call that could not even start (bad arguments, failed pre-check)."""
        await self._start(spec, call_id, raw, TaskStatus.PENDING, "")
        await self._finish(
            call_id, TaskStatus.FAILED, 0, error_code=err.code.value, error=err.message
        )
        return ToolOutcome(
            call_id, spec.name, TaskStatus.FAILED, _error_content(err.code.value, err.message)
        )

    async def unknown_tool(self, name: str, call_id: str, raw: dict[str, Any]) -> ToolOutcome:
        """A call to a tool that is not offered here is audited and refused."""
        spec = ToolSpec(name=name[:64] or "unknown", args=BaseModel, run=_never)
        err = ToolError(ToolErrorCode.FORBIDDEN, f"no tool named {name!r} in this channel")
        return await self.fail(spec, call_id, raw, err)

    async def run(self, spec: ToolSpec, call_id: str, args: BaseModel, intent: str) -> ToolOutcome:
        raw = args.model_dump(mode="json")
        if (done := await self._start_or_replay(spec, call_id, raw, intent)) is not None:
            return done
        started = time.monotonic()
        try:
            async with self._db.transaction() as s:
                record = await spec.run(args, self._ports_for(s), self.caller, call_id)
                data = record.model_dump(mode="json")
                await AuditRepository(s).finish(
                    self._key(call_id),
                    status=TaskStatus.SUCCEEDED,
                    finished_at=self._clock(),
                    duration_ms=_ms(started),
                    result=redact(data),
                    result_summary=_summary(spec.name, data),
                )
        except ToolError as err:
            await self._finish(
                call_id, TaskStatus.FAILED, _ms(started), err.code.value, err.message
            )
            return ToolOutcome(
                call_id, spec.name, TaskStatus.FAILED, _error_content(err.code.value, err.message)
            )
        except Exception as exc:  # noqa: BLE001 - a tool bug must not crash the turn
            _log.exception("tool %s failed", spec.name, extra={"tool_call_id": call_id})
            message = f"internal error in {spec.name} ({type(exc).__name__})"
            await self._finish(call_id, TaskStatus.FAILED, _ms(started), "internal_error", message)
            return ToolOutcome(
                call_id, spec.name, TaskStatus.FAILED, _error_content("internal_error", message)
            )
        return ToolOutcome(
            call_id, spec.name, TaskStatus.SUCCEEDED, json.dumps(data, ensure_ascii=False), data
        )

    async def _finish(
        self,
        call_id: str,
        status: TaskStatus,
        duration_ms: int,
        error_code: str | None = None,
        error: str | None = None,
    ) -> None:
        async with self._db.transaction() as s:
            await AuditRepository(s).finish(
                self._key(call_id),
                status=status,
                finished_at=self._clock(),
                duration_ms=duration_ms,
                error_code=error_code,
                error=error,
            )


def _run_scope(run_id: str | None) -> str:
    """The replay scope of a run without a session: a mail's attempts (``mail:<id>:<n>``)
    share one, so a retried attempt does not repeat what an earlier one did."""
    head, sep, tail = (run_id or "").rpartition(":")
    return head if sep and tail.isdigit() else (run_id or "")


def _stored_outcome(row: TaskExecution, call_id: str) -> ToolOutcome | None:
    """What a finished call returned, for a replay (under the model's ``call_id``); None while
    it has not finished."""
    if row.status not in _FINISHED:
        return None
    if row.status == TaskStatus.SUCCEEDED:
        content = json.dumps(row.result or {}, ensure_ascii=False)
    else:
        content = _error_content(row.error_code or row.status.value, row.error or "")
    return ToolOutcome(call_id, row.task_type, row.status, content, row.result, replayed=True)


async def _never(*_: object) -> BaseModel:
    raise AssertionError("an unknown tool never runs")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _summary(name: str, data: dict[str, Any]) -> str:
    """A one-line, personal-data-free summary for audit listings."""
    if name == "search_leads":
        return f"{len(data.get('leads', []))} match(es)"
    if name == "check_availability":
        return f"{len(data.get('slots', []))} slot(s)"
    keys = ("id", "status", "price_min", "price_max", "work_hours")
    return ", ".join(f"{k}={data[k]}" for k in keys if k in data)[:500] or name
