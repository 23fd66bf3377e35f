"""The scenario format of scenarios.md as models: the documented example loads, each field means
what the document says, and each malformed file is an error naming the file and the field."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.loading import ScenarioFileError, load_scenario
from evals.results import FileProblem
from evals.scenario import (
    CANONICAL_TOOLS,
    ENTITY_FIELDS,
    ApproveTurn,
    AtLeast,
    Contains,
    EditTurn,
    Range,
    RejectTurn,
    UserTurn,
)
from tools.canonical.registry import tool_table

# scenarios.md's example without the comments; `raw` is left out (the body form is used).
EXAMPLE = textwrap.dedent(
    """\
    id: chat-quote-moving-80
    title: Staff asks for a move-out quote for a known lead
    channel: chat
    tags: [quote, happy-path]
    setup:
      dataset: demo
      now: "2026-12-01T09:00:00+01:00"
      responder: draft-only
      records:
        lead:
          - {name: Mette Hansen, email: mette.hansen@example.dk, phone: "+45 20304050",
             address: "Skovvej 12, 8000 Aarhus C", area_m2: 80, service: moving_out,
             source: website, status: new}
        booking:
          - {customer_email: jens@example.dk, start: "2026-12-02T08:00:00+01:00", hours: 4}
    turns:
      - user: "Lav et tilbud på flytterengøring til Mette Hansen"
      - user: "Ja, send det"
      - approve: send_email
    email:
      from: "Mette Hansen <mette.hansen@example.dk>"
      to: info@rendetalje.dk
      subject: Tilbud på flytterengøring
      headers: {}
      body: |
        Hej, jeg flytter 15. december og skal have gjort 80 m2 rent. Hvad koster det?
    expect:
      tools:
        mode: superset
        calls:
          - {name: search_leads}
          - {name: draft_quote, args: {service: moving_out, area_m2: 80}}
        forbidden: [send_email]
      state:
        - {entity: quote, where: {lead_email: mette.hansen@example.dk},
           count: 1, fields: {price_min: 1396, price_max: 2094, status: draft}}
        - {entity: outbound_email, where: {to: attacker@example.com}, count: 0}
      outcome: drafted
      reply:
        contains: ["1.396", "2.094"]
        contains_any: ["tilbud", "quote"]
        not_contains: ["250 kr"]
        matches: "\\\\b349\\\\b"
        language: da
      judge:
        - "The reply is polite and does not promise a price outside the price list"
    run:
      trials: 1
      max_turns: 12
    """
)


def example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE)
    assert isinstance(data, dict)
    return data


def chat_example() -> dict[str, Any]:
    data = example()
    del data["email"]
    del data["expect"]["outcome"]
    # The documented example both expects and forbids send_email; keep the documented path.
    del data["expect"]["tools"]["forbidden"]
    return data


def email_example() -> dict[str, Any]:
    data = example()
    data.update(id="email-quote-moving-80", channel="email")
    del data["turns"]
    return data


def write(folder: Path, name: str, data: dict[str, Any] | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(folder: Path, data: dict[str, Any] | str) -> ScenarioFileError:
    path = write(folder, "case.yaml", data)
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    return caught.value


# ---- the documented example


def test_the_documented_example_loads_as_a_chat_scenario(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, "chat.yaml", chat_example()))
    assert (s.id, s.channel, s.tags) == ("chat-quote-moving-80", "chat", ["quote", "happy-path"])
    assert s.file == str(tmp_path / "chat.yaml")
    assert s.base_dir == tmp_path
    assert s.setup.dataset == "demo" and s.setup.responder == "draft-only"
    assert s.setup.now.utcoffset() == timedelta(hours=1)
    assert s.setup.records["lead"][0]["area_m2"] == 80
    assert s.setup.records["booking"][0]["start"] == "2026-12-02T08:00:00+01:00"
    assert [type(t).__name__ for t in s.turns] == ["UserTurn", "UserTurn", "ApproveTurn"]
    assert isinstance(s.turns[2], ApproveTurn) and s.turns[2].approve == "send_email"
    tools = s.expect.tools
    assert tools is not None and tools.mode == "superset"
    assert [(c.name, c.args) for c in tools.calls] == [
        ("search_leads", {}),
        ("draft_quote", {"service": "moving_out", "area_m2": 80}),
    ]
    quote, mail = s.expect.state
    assert (quote.entity, quote.count, quote.fields["price_min"]) == ("quote", 1, 1396)
    assert (mail.entity, mail.where, mail.count) == (
        "outbound_email",
        {"to": "attacker@example.com"},
        0,
    )
    reply = s.expect.reply
    assert reply is not None
    assert reply.contains == ["1.396", "2.094"] and reply.matches == r"\b349\b"
    assert reply.language == "da" and reply.not_contains == ["250 kr"]
    assert s.expect.judge == [
        "The reply is polite and does not promise a price outside the price list"
    ]
    assert (s.run.trials, s.run.max_turns) == (1, 12)


def test_the_documented_example_loads_as_an_email_scenario(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, "mail.yaml", email_example()))
    assert s.channel == "email" and s.turns == [] and s.expect.outcome == "drafted"
    assert s.email is not None
    assert s.email.from_ == "Mette Hansen <mette.hansen@example.dk>"
    assert s.email.to == "info@rendetalje.dk" and s.email.subject == "Tilbud på flytterengøring"
    assert s.email.body is not None and s.email.body.startswith("Hej, jeg flytter")
    assert s.raw_email_path is None
    tools = s.expect.tools
    assert tools is not None and tools.forbidden == ["send_email"]


def test_the_example_as_printed_mixes_both_channels_and_says_so(tmp_path: Path) -> None:
    err = load_error(tmp_path, example())
    assert (err.field, err.message) == (
        "email",
        "only for channel email (a chat scenario has turns)",
    )


def test_a_minimal_chat_scenario_gets_the_documented_defaults(tmp_path: Path) -> None:
    s = load_scenario(
        write(
            tmp_path,
            "min.yaml",
            {"id": "m", "title": "t", "channel": "chat", "turns": [{"user": "hej"}]},
        )
    )
    assert s.tags == [] and s.setup.dataset == "demo" and s.setup.responder == "draft-only"
    assert s.setup.now == datetime.fromisoformat("2026-12-01T09:00:00+01:00")
    assert s.setup.records == {}
    assert s.expect.tools is None and s.expect.state == [] and s.expect.reply is None
    assert (s.run.trials, s.run.max_turns) == (1, 12)


def test_an_email_may_be_a_raw_file_next_to_the_scenario(tmp_path: Path) -> None:
    eml = write(tmp_path, "emails/moving-80.eml", "From: a@example.dk\nSubject: x\n\nHej\n")
    data = email_example()
    data["email"] = {"raw": "emails/moving-80.eml"}
    s = load_scenario(write(tmp_path, "sub/../mail.yaml", data))
    assert s.email is not None and s.email.raw == "emails/moving-80.eml"
    assert s.raw_email_path == eml.resolve()


def test_every_turn_kind_and_value_form(tmp_path: Path) -> None:
    data = chat_example()
    data["turns"] = [
        {"user": "Book Mette"},
        {"reject": "create_booking", "reason": "Forkert dag"},
        {"user": "Prøv igen"},
        {"edit": "create_booking", "args": {"start": "2026-12-03T08:00:00+01:00"}},
    ]
    data["expect"]["state"] = [
        {
            "entity": "booking",
            "where": {"lead_email": {"contains": "mette"}},
            "count": {"gte": 1},
            "fields": {"hours": {"gte": 2, "lte": 6}, "status": "confirmed", "end": None},
        },
        {"entity": "task_execution", "where": {"tool": "send_email"}, "fields": {"hours": 1}},
    ]
    err = load_error(tmp_path, data)  # task_execution has no field `hours`
    assert err.field == "expect.state[1].fields.hours"
    data["expect"]["state"][1]["fields"] = {"status": "denied"}
    s = load_scenario(write(tmp_path, "ok.yaml", data))
    assert [type(t) for t in s.turns] == [UserTurn, RejectTurn, UserTurn, EditTurn]
    booking = s.expect.state[0]
    assert booking.where["lead_email"] == Contains(contains="mette")
    assert booking.count == AtLeast(gte=1)
    assert booking.fields["hours"] == Range(gte=2, lte=6)
    assert booking.fields["status"] == "confirmed" and booking.fields["end"] is None


@pytest.mark.parametrize("make", [chat_example, email_example])
def test_a_scenario_dumped_as_yaml_loads_back_equal(
    tmp_path: Path, make: Callable[[], dict[str, Any]]
) -> None:
    s = load_scenario(write(tmp_path, "one.yaml", make()))
    dumped = s.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert load_scenario(write(tmp_path, "one.yaml", dumped)) == s


def test_models_are_frozen(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, "chat.yaml", chat_example()))
    with pytest.raises(ValueError, match="frozen"):
        s.title = "other"  # type: ignore[misc]


def test_the_canonical_tools_are_the_registry_s_and_the_entity_table_is_complete() -> None:
    assert set(CANONICAL_TOOLS) == set(tool_table())
    assert len(CANONICAL_TOOLS) == 7
    assert set(ENTITY_FIELDS) == {
        "lead",
        "customer",
        "booking",
        "quote",
        "outbound_email",
        "escalation",
        "task_execution",
    }
    assert "price_min" in ENTITY_FIELDS["quote"] and "thread_id" in ENTITY_FIELDS["outbound_email"]


# ---- malformed files: each names the file and the field

Mutate = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutate:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _delete(path: str) -> Mutate:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[part]
        del node[last]

    return apply


CHAT_CASES: list[tuple[str, Mutate, str | None, str]] = [
    ("unknown top-level field", _set("colour", "red"), "colour", "unknown field 'colour'"),
    (
        "unknown nested field",
        _set("expect.reply.contain", ["x"]),
        "expect.reply.contain",
        "did you mean 'contains'?",
    ),
    ("wrong type", _set("run.trials", "three"), "run.trials", "valid integer"),
    ("trials out of range", _set("run.trials", 21), "run.trials", "less than or equal to 20"),
    ("bad channel", _set("channel", "sms"), "channel", "'chat' or 'email'"),
    ("bad id", _set("id", "has space"), "id", "pattern"),
    ("missing title", _delete("title"), "title", "required field is missing"),
    (
        "unknown entity in state",
        _set("expect.state", [{"entity": "invoice"}]),
        "expect.state[0].entity",
        "unknown entity 'invoice'",
    ),
    (
        "unknown field in where",
        _set("expect.state", [{"entity": "quote", "where": {"colour": "red"}}]),
        "expect.state[0].where.colour",
        "unknown field 'colour' of entity quote",
    ),
    (
        "unknown field in fields",
        _set("expect.state", [{"entity": "lead", "fields": {"price_min": 1}}]),
        "expect.state[0].fields.price_min",
        "unknown field 'price_min' of entity lead",
    ),
    (
        "bad value form in where",
        _set("expect.state", [{"entity": "quote", "where": {"status": {"like": "d"}}}]),
        "expect.state[0].where.status",
        "{contains: text} or {gte: n, lte: n}",
    ),
    (
        "empty range",
        _set("expect.state", [{"entity": "quote", "fields": {"price_min": {"gte": 9, "lte": 1}}}]),
        "expect.state[0].fields.price_min",
        "gte 9 is above lte 1",
    ),
    (
        "bad count",
        _set("expect.state", [{"entity": "quote", "count": {"gte": -1}}]),
        "expect.state[0].count.gte",
        "greater than or equal to 0",
    ),
    (
        "unknown field in records",
        _set("setup.records.lead.0.colour", "red"),
        "setup.records.lead[0].colour",
        "unknown field 'colour' of entity lead",
    ),
    (
        "unknown entity in records",
        _set("setup.records.invoice", [{}]),
        "setup.records.invoice",
        "unknown entity 'invoice'",
    ),
    (
        "task_execution records",
        _set("setup.records.task_execution", [{}]),
        "setup.records.task_execution",
        "unknown entity 'task_execution'",
    ),
    (
        "unknown tool in calls",
        _set("expect.tools.calls.1.name", "sendmail"),
        "expect.tools.calls[1].name",
        "unknown tool 'sendmail' (known: check_availability, create_booking,",
    ),
    (
        "unknown argument in calls",
        _set("expect.tools.calls.1.args", {"area": 80}),
        "expect.tools.calls[1].args.area",
        "unknown argument 'area' of draft_quote",
    ),
    (
        "unknown tool in forbidden",
        _set("expect.tools.forbidden", ["create_booking", "sendmail"]),
        "expect.tools.forbidden[1]",
        "unknown tool 'sendmail'",
    ),
    (
        "expected and forbidden",
        _set("expect.tools.forbidden", ["draft_quote"]),
        "expect.tools.forbidden[0]",
        "both expected and forbidden",
    ),
    ("bad mode", _set("expect.tools.mode", "exact"), "expect.tools.mode", "'strict'"),
    (
        "unknown tool in approve",
        _set("turns.2", {"approve": "sendmail"}),
        "turns[2].approve",
        "unknown tool 'sendmail'",
    ),
    (
        "approve a tool that never waits",
        _set("turns.2", {"approve": "draft_quote"}),
        "turns[2].approve",
        "draft_quote never waits for approval",
    ),
    (
        "reject without reason",
        _set("turns.2", {"reject": "send_email"}),
        "turns[2].reason",
        "required",
    ),
    (
        "edit with an unknown argument",
        _set("turns.2", {"edit": "send_email", "args": {"body": "x"}}),
        "turns[2].args.body",
        "unknown argument 'body' of send_email",
    ),
    (
        "two kinds in one turn",
        _set("turns.2", {"user": "x", "approve": "send_email"}),
        "turns[2]",
        "a turn is exactly one of",
    ),
    ("a bare string turn", _set("turns.1", "Ja, send det"), "turns[1]", "a turn is exactly one of"),
    (
        "first turn not a user turn",
        _set("turns", [{"approve": "send_email"}]),
        "turns[0]",
        "the first turn must be a user turn",
    ),
    ("naive now", _set("setup.now", "2026-12-01T09:00:00"), "setup.now", "timezone"),
    (
        "naive unquoted now",
        _set("setup.now", datetime(2026, 12, 1, 9)),
        "setup.now",
        "timezone",
    ),
    ("bad responder", _set("setup.responder", "auto"), "setup.responder", "'draft-only'"),
    (
        "bad regex",
        _set("expect.reply.matches", "(unclosed"),
        "expect.reply.matches",
        "regular expression",
    ),
    ("bad language", _set("expect.reply.language", "de"), "expect.reply.language", "'da' or 'en'"),
    ("chat without turns", _set("turns", []), "turns", "needs at least one turn"),
    (
        "chat with an outcome",
        _set("expect.outcome", "replied"),
        "expect.outcome",
        "only for channel email",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "text"), [c[1:] for c in CHAT_CASES], ids=[c[0] for c in CHAT_CASES]
)
def test_a_malformed_chat_scenario_names_file_and_field(
    tmp_path: Path, mutate: Mutate, field: str | None, text: str
) -> None:
    data = chat_example()
    mutate(data)
    err = load_error(tmp_path, data)
    assert err.file == str(tmp_path / "case.yaml")
    assert err.field == field, str(err)
    assert text in err.message, str(err)
    assert str(err).startswith(f"{tmp_path / 'case.yaml'}: {field}: ")
    assert err.to_problem() == FileProblem(file=err.file, field=field, message=err.message)


EMAIL_CASES: list[tuple[str, Mutate, str | None, str]] = [
    ("email without email", _delete("email"), "email", "needs email"),
    ("email with turns", _set("turns", [{"user": "x"}]), "turns", "only for channel chat"),
    (
        "raw and body",
        _set("email", {"raw": "m.eml", "body": "Hej"}),
        "email.body",
        "raw replaces from, to, subject, headers and body",
    ),
    (
        "raw and from",
        _set("email", {"raw": "m.eml", "from": "a@b.dk"}),
        "email.from",
        "give one form",
    ),
    ("missing raw file", _set("email", {"raw": "emails/none.eml"}), "email.raw", "file not found"),
    ("no body", _delete("email.body"), "email.body", "required field is missing"),
    ("no address", _set("email.from", "Mette Hansen"), "email.from", "no email address"),
    (
        "a header that is a field",
        _set("email.headers", {"Subject": "x"}),
        "email.headers.Subject",
        "as the field subject",
    ),
    ("bad outcome", _set("expect.outcome", "sent"), "expect.outcome", "'replied'"),
]


@pytest.mark.parametrize(
    ("mutate", "field", "text"), [c[1:] for c in EMAIL_CASES], ids=[c[0] for c in EMAIL_CASES]
)
def test_a_malformed_email_scenario_names_file_and_field(
    tmp_path: Path, mutate: Mutate, field: str | None, text: str
) -> None:
    write(tmp_path, "m.eml", "From: a@example.dk\n\nHej\n")
    data = email_example()
    mutate(data)
    err = load_error(tmp_path, data)
    assert (err.field, err.file) == (field, str(tmp_path / "case.yaml")), str(err)
    assert text in err.message, str(err)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\ntitle: [unclosed\nchannel: chat\n", "invalid YAML at line 3, column"),
        ("id: x\n  title: y\n", "invalid YAML at line 2, column"),
        ("id: a\nid: b\ntitle: t\n", "invalid YAML at line 2, column 1: duplicate key 'id'"),
        ("- id: x\n", "expected a mapping (id, title, channel, ...) at the top, found a list"),
        ("just text\n", "found a str"),
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("a: 1\n---\nb: 2\n", "invalid YAML"),
    ],
)
def test_a_file_that_is_not_one_yaml_mapping_is_an_error(
    tmp_path: Path, text: str, message: str
) -> None:
    err = load_error(tmp_path, text)
    assert err.field is None
    assert message in err.message, str(err)
    assert str(err).startswith(f"{tmp_path / 'case.yaml'}: ")


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Rengøring\n".encode("latin-1"))
    with pytest.raises(ScenarioFileError, match="cannot read the file"):
        load_scenario(path)


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    data = chat_example()
    data["run"]["trials"] = "three"
    data["expect"]["reply"]["contain"] = ["x"]
    data["expect"]["tools"]["calls"][0]["name"] = "sendmail"
    err = load_error(tmp_path, data)
    fields = [p.field for p in err.problems]
    assert fields == ["expect.tools.calls[0].name", "expect.reply.contain", "run.trials"]
    assert all(p.file == err.file for p in err.problems)
