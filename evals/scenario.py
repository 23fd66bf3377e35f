"""The scenario file format (docs scenarios.md) as pydantic models: field names are the YAML keys.

Every model forbids unknown keys and is frozen. Checks that need more than a type (an entity's
field names, a tool's argument names, the chat/email rules) raise `PydanticCustomError` of type
"scenario" whose context `at` is the path below the failing model, so the loader can name the
exact field. Unions are discriminated by callables whose tags (`UNION_TAGS`) the loader drops
from error paths, so a path reads like the YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    PlainValidator,
    PrivateAttr,
    Tag,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tools.canonical.registry import tool_table


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The entity table of scenarios.md: what `records`, `where` and `fields` may name.
ENTITY_FIELDS: dict[str, frozenset[str]] = {
    "lead": _names("name email phone address area_m2 rooms service source status score"),
    "customer": _names("name email phone address"),
    "booking": _names("customer_email lead_email start end hours status calendar_event_id"),
    "quote": _names(
        "lead_email service area_m2 workers hours_on_site work_hours price_min price_max status"
    ),
    "outbound_email": _names("to cc subject body status in_reply_to thread_id"),
    "escalation": _names("customer_email severity reason"),
    "task_execution": _names("tool status channel session_id"),
}
ToolName = Literal[
    "search_leads",
    "get_lead",
    "check_availability",
    "create_booking",
    "draft_quote",
    "draft_email_reply",
    "send_email",
]
CANONICAL_TOOLS: tuple[str, ...] = get_args(ToolName)
Entity = Literal[
    "lead", "customer", "booking", "quote", "outbound_email", "escalation", "task_execution"
]
RecordEntity = Literal["lead", "customer", "booking", "quote", "outbound_email", "escalation"]
RECORD_ENTITIES: tuple[str, ...] = get_args(RecordEntity)
# The frozen clock when a scenario gives none: a weekday morning in Copenhagen (winter time).
DEFAULT_NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
DEFAULT_TO = "info@rendetalje.dk"
SCENARIO_ERROR = "scenario"
Loc = tuple[str | int, ...]


def problem(message: str, at: Loc = ()) -> PydanticCustomError:
    """A validation error `at` a path below the model that raises it."""
    return PydanticCustomError(SCENARIO_ERROR, message, {"at": at})


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _one_of(kind: str, names: Iterable[str]) -> Callable[[object], object]:
    allowed = frozenset(names)

    def check(value: object) -> object:
        if isinstance(value, str) and value not in allowed:
            raise problem(f"unknown {kind} {value!r} (known: {_known(allowed)})")
        return value

    return check


def _tool_arguments() -> dict[str, frozenset[str]]:
    return {name: frozenset(spec.args.model_fields) for name, spec in tool_table().items()}


TOOL_ARGUMENTS: dict[str, frozenset[str]] = _tool_arguments()
APPROVAL_TOOLS: frozenset[str] = frozenset(n for n, s in tool_table().items() if s.needs_approval)

Tool = Annotated[ToolName, BeforeValidator(_one_of("tool", CANONICAL_TOOLS))]
EntityName = Annotated[Entity, BeforeValidator(_one_of("entity", ENTITY_FIELDS))]
RecordEntityName = Annotated[RecordEntity, BeforeValidator(_one_of("entity", RECORD_ENTITIES))]


def _check_args(tool: str, args: dict[str, JsonValue], at: str) -> None:
    known = TOOL_ARGUMENTS.get(tool, frozenset())
    for key in args:
        if key not in known:
            raise problem(f"unknown argument {key!r} of {tool} (known: {_known(known)})", (at, key))


def _check_fields(entity: str, values: dict[str, Any], at: Loc) -> None:
    known = ENTITY_FIELDS[entity]
    for key in values:
        if key not in known:
            raise problem(
                f"unknown field {key!r} of entity {entity} (known: {_known(known)})", (*at, key)
            )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- values in `where` / `fields` / `count`


def _scalar(value: object) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise problem("expected a number, a string, {contains: text} or {gte: n, lte: n}")


Scalar = Annotated[str | int | float | bool | None, PlainValidator(_scalar)]


class Contains(_Model):
    contains: str


class Range(_Model):
    gte: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.gte is None and self.lte is None:
            raise problem("give gte, lte or both")
        if self.gte is not None and self.lte is not None and self.gte > self.lte:
            raise problem(f"gte {self.gte:g} is above lte {self.lte:g}")
        return self


def _matcher_kind(value: object) -> str | None:
    # Called with the YAML value when validating, with the model when serializing.
    if isinstance(value, Contains | Range):
        return "match:contains" if isinstance(value, Contains) else "match:range"
    if not isinstance(value, dict):
        return "match:value"
    if set(value) == {"contains"}:
        return "match:contains"
    if value and set(value) <= {"gte", "lte"}:
        return "match:range"
    return None


Matcher = Annotated[
    Annotated[Scalar, Tag("match:value")]
    | Annotated[Contains, Tag("match:contains")]
    | Annotated[Range, Tag("match:range")],
    Discriminator(
        _matcher_kind,
        custom_error_type=SCENARIO_ERROR,
        custom_error_message="expected a number, a string, {contains: text} or {gte: n, lte: n}",
    ),
]


class AtLeast(_Model):
    gte: int = Field(ge=0)


Count = Annotated[
    Annotated[int, Field(ge=0), Tag("count:exact")] | Annotated[AtLeast, Tag("count:gte")],
    Discriminator(lambda v: "count:gte" if isinstance(v, dict | AtLeast) else "count:exact"),
]


# ---- setup


class Setup(_Model):
    dataset: Literal["demo", "empty"] = "demo"
    now: AwareDatetime = DEFAULT_NOW
    responder: Literal["off", "draft-only", "auto-send"] = "draft-only"
    records: dict[RecordEntityName, list[dict[str, JsonValue]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _record_fields(self) -> Self:
        for entity, rows in self.records.items():
            for i, row in enumerate(rows):
                _check_fields(entity, row, ("records", entity, i))
        return self


# ---- turns: what staff say, and the scripted reviewer


class UserTurn(_Model):
    user: str = Field(min_length=1)


class ApproveTurn(_Model):
    approve: Tool

    @model_validator(mode="after")
    def _pending(self) -> Self:
        _check_approval(self.approve, "approve")
        return self


class RejectTurn(_Model):
    reject: Tool
    reason: str

    @model_validator(mode="after")
    def _pending(self) -> Self:
        _check_approval(self.reject, "reject")
        return self


class EditTurn(_Model):
    edit: Tool
    args: dict[str, JsonValue]

    @model_validator(mode="after")
    def _pending(self) -> Self:
        _check_approval(self.edit, "edit")
        _check_args(self.edit, self.args, "args")
        return self


def _check_approval(tool: str, key: str) -> None:
    if tool not in APPROVAL_TOOLS:
        raise problem(
            f"{tool} never waits for approval (tools that do: {_known(APPROVAL_TOOLS)})", (key,)
        )


_TURN_KEYS = ("user", "approve", "reject", "edit")


def _turn_kind(value: object) -> str | None:
    if isinstance(value, BaseModel):
        value = dict.fromkeys(type(value).model_fields)
    if not isinstance(value, dict):
        return None
    keys = [k for k in _TURN_KEYS if k in value]
    return f"turn:{keys[0]}" if len(keys) == 1 else None


Turn = Annotated[
    Annotated[UserTurn, Tag("turn:user")]
    | Annotated[ApproveTurn, Tag("turn:approve")]
    | Annotated[RejectTurn, Tag("turn:reject")]
    | Annotated[EditTurn, Tag("turn:edit")],
    Discriminator(
        _turn_kind,
        custom_error_type=SCENARIO_ERROR,
        custom_error_message=(
            "a turn is exactly one of {user: text}, {approve: tool}, "
            "{reject: tool, reason: text} or {edit: tool, args: {...}}"
        ),
    ),
]

UNION_TAGS: frozenset[str] = frozenset(
    [f"turn:{k}" for k in _TURN_KEYS]
    + ["match:value", "match:contains", "match:range", "count:exact", "count:gte"]
)


# ---- the inbound mail (channel email)

_MESSAGE_KEYS = ("from", "to", "subject", "headers", "body")


class EmailInput(_Model):
    from_: str | None = Field(default=None, alias="from")
    to: str = DEFAULT_TO
    subject: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    raw: str | None = None  # an .eml file, relative to the scenario file

    @model_validator(mode="after")
    def _one_form(self, info: ValidationInfo) -> Self:
        given = {
            (f.alias or name)
            for name, f in type(self).model_fields.items()
            if name in self.model_fields_set
        }
        if self.raw is not None:
            for key in _MESSAGE_KEYS:
                if key in given:
                    message = "raw replaces from, to, subject, headers and body: give one form"
                    raise problem(message, (key,))
            path = resolve_raw(self.raw, base_dir_of(info))
            if not path.is_file():
                raise problem(f"file not found: {path}", ("raw",))
            return self
        for key in ("from", "body"):
            if key not in given:
                raise problem("required field is missing (or give raw: path/to/mail.eml)", (key,))
        if "@" not in parseaddr(self.from_ or "")[1]:
            raise problem(f"no email address in {self.from_!r}", ("from",))
        for key in self.headers:
            if key.casefold() in ("from", "to", "subject"):
                message = f"give {key} as the field {key.casefold()}, not as a header"
                raise problem(message, ("headers", key))
        return self


def base_dir_of(info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    return Path(context.get("base_dir") or ".")


def resolve_raw(raw: str, base_dir: Path) -> Path:
    return (base_dir / raw).resolve()


# ---- expectations


class CallExpect(_Model):
    name: Tool
    args: dict[str, JsonValue] = Field(default_factory=dict)  # a subset match

    @model_validator(mode="after")
    def _arguments(self) -> Self:
        _check_args(self.name, self.args, "args")
        return self


class ToolExpect(_Model):
    mode: Literal["strict", "unordered", "subset", "superset"] = "superset"
    calls: list[CallExpect] = Field(default_factory=list)
    forbidden: list[Tool] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        for i, name in enumerate(self.forbidden):
            if any(c.name == name for c in self.calls):
                raise problem(f"{name} is both expected and forbidden", ("forbidden", i))
        return self


class StateCheck(_Model):
    entity: EntityName
    where: dict[str, Matcher] = Field(default_factory=dict)
    count: Count | None = None
    fields: dict[str, Matcher] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _entity_fields(self) -> Self:
        _check_fields(self.entity, self.where, ("where",))
        _check_fields(self.entity, self.fields, ("fields",))
        return self


class ReplyExpect(_Model):
    contains: list[str] = Field(default_factory=list)
    contains_any: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    matches: str | None = None
    language: Literal["da", "en"] | None = None

    @model_validator(mode="after")
    def _regex(self) -> Self:
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise problem(f"not a valid regular expression: {exc}", ("matches",)) from None
        return self


Outcome = Literal["replied", "drafted", "escalated", "ignored", "quarantined"]


class Expect(_Model):
    tools: ToolExpect | None = None
    state: list[StateCheck] = Field(default_factory=list)
    outcome: Outcome | None = None
    reply: ReplyExpect | None = None
    judge: list[str] = Field(default_factory=list)


class RunOptions(_Model):
    trials: int = Field(default=1, ge=1, le=20)
    max_turns: int = Field(default=12, ge=1, le=50)


# ---- the scenario


class Scenario(_Model):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    title: str
    channel: Literal["chat", "email"]
    tags: list[str] = Field(default_factory=list)
    setup: Setup = Field(default_factory=Setup)
    turns: list[Turn] = Field(default_factory=list)
    email: EmailInput | None = None
    expect: Expect = Field(default_factory=Expect)
    run: RunOptions = Field(default_factory=RunOptions)

    # Not part of the YAML: where the scenario came from (the loader passes them as context).
    _file: str = PrivateAttr(default="")
    _base_dir: Path = PrivateAttr(default_factory=lambda: Path("."))

    @property
    def file(self) -> str:
        return self._file

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @property
    def raw_email_path(self) -> Path | None:
        """The inbound .eml file of an email scenario given as `raw`, resolved."""
        if self.email is None or self.email.raw is None:
            return None
        return resolve_raw(self.email.raw, self._base_dir)

    @model_validator(mode="after")
    def _channel_rules(self, info: ValidationInfo) -> Self:
        if self.channel == "chat":
            if not self.turns:
                raise problem("a chat scenario needs at least one turn", ("turns",))
            if not isinstance(self.turns[0], UserTurn):
                raise problem("the first turn must be a user turn", ("turns", 0))
            if self.email is not None:
                raise problem("only for channel email (a chat scenario has turns)", ("email",))
            if self.expect.outcome is not None:
                raise problem("only for channel email", ("expect", "outcome"))
        else:
            if self.turns:
                raise problem("only for channel chat (an email scenario has email)", ("turns",))
            if self.email is None:
                raise problem(
                    "an email scenario needs email: {from, subject, body} or {raw}", ("email",)
                )
        context = info.context if isinstance(info.context, dict) else {}
        self._file = str(context.get("file") or "")
        self._base_dir = base_dir_of(info)
        return self
