"""The scenario runner end to end: scenario files → trials on fresh databases through the
production chat and email paths (offline model) → checks, pass^k and the reports; and the
`renos eval` commands, including a re-score that builds no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

from agent import assembly
from agent.graph.settings import ChatSettings
from agent.memory.settings import EmbeddingSettings
from agent.providers import ChatModelHandle
from agent.providers.settings import ModelSettings
from api.cli.main import build_cli
from evals.judge import Judge, JudgeSettings, build_judge
from evals.loading import collect
from evals.results import RunReport, TrialResult
from evals.runner import EvalSettings, run_all

QUOTE = """
id: chat-quote-moving-80
title: Staff asks for a move-out quote for a known lead
channel: chat
tags: [quote, chat]
setup:
  dataset: demo
  now: "2026-12-01T09:00:00+01:00"
  records:
    lead:
      - {name: Mette Hansen, email: mette.hansen@example.dk, phone: "+45 20304050",
         address: "Skovvej 12, 8000 Aarhus C", area_m2: 80, service: moving_out,
         source: website, status: new}
turns:
  - user: "Lav et tilbud på flytterengøring til Mette Hansen"
expect:
  tools:
    mode: superset
    calls:
      - {name: search_leads}
      - {name: draft_quote, args: {service: moving_out, area_m2: 80}}
    forbidden: [send_email]
  state:
    - {entity: quote, where: {lead_email: mette.hansen@example.dk}, count: 1,
       fields: {price_min: 1396, price_max: 2094, status: draft}}
  reply:
    contains: ["1.396", "2.094"]
  judge:
    - "The reply states the price range"
"""

SEND = """
id: chat-quote-send
title: Staff has the quote mailed and approves the send
channel: chat
tags: [chat, approval]
setup:
  dataset: demo
  records:
    lead:
      - {name: Mette Hansen, email: mette.hansen@example.dk, area_m2: 80, service: moving_out}
turns:
  - user: "Lav et tilbud på flytterengøring til Mette Hansen"
  - user: "Ja, send det"
  - approve: send_email
expect:
  tools:
    mode: superset
    calls:
      - {name: draft_quote, args: {service: moving_out, area_m2: 80}}
      - {name: draft_email_reply}
      - {name: send_email}
  state:
    - {entity: outbound_email, where: {to: mette.hansen@example.dk}, count: 1,
       fields: {status: sent}}
    - {entity: task_execution, where: {tool: send_email}, count: 1,
       fields: {status: succeeded, channel: chat}}
"""

EMAIL = """
id: email-moving-100
title: A customer mails for the price of a 100 m2 move-out cleaning
channel: email
tags: [email, quote]
setup:
  dataset: empty
  now: "2026-12-01T09:00:00+01:00"
  responder: draft-only
email:
  from: "Sofie Madsen <sofie.madsen@example.dk>"
  subject: Pris på flytterengøring
  body: |
    Hej Rendetalje

    Jeg fraflytter min lejlighed på Vestergade 20, 8000 Aarhus C, den 18. december.
    Lejligheden er på 100 m2 med 3 værelser. Hvad vil en flytterengøring koste?

    Venlig hilsen
    Sofie Madsen
expect:
  tools:
    mode: superset
    calls:
      - {name: draft_quote, args: {service: moving_out, area_m2: 100}}
      - {name: draft_email_reply}
    forbidden: [send_email]
  state:
    - {entity: outbound_email, where: {to: {contains: sofie.madsen@example.dk}}, count: 1,
       fields: {status: draft}}
  outcome: drafted
  reply:
    contains: ["1.745", "2.443"]
    language: da
"""

RECORDS = """
id: chat-records-empty
title: Records on the empty dataset are stored with defaults and read back
channel: chat
tags: [records]
setup:
  dataset: empty
  now: "2026-12-01T09:00:00+01:00"
  records:
    lead:
      - {name: Jens Jensen, email: jens@example.dk, area_m2: 60, service: regular}
    booking:
      - {customer_email: jens@example.dk, start: "2026-12-02T08:00:00+01:00", hours: 4}
    quote:
      - {lead_email: jens@example.dk, service: moving_out, area_m2: 80}
    escalation:
      - {customer_email: jens@example.dk, severity: high, reason: Klage over vinduer}
    outbound_email:
      - {to: jens@example.dk, subject: Hej, body: Tak, status: sent}
turns:
  - user: "Hvornår har vi ledige tider på onsdag?"
expect:
  tools:
    mode: subset
    calls: [{name: check_availability}]
  state:
    - {entity: booking, where: {customer_email: jens@example.dk}, count: 1,
       fields: {hours: 4, start: "2026-12-02T08:00:00+01:00", end: "2026-12-02T12:00:00+01:00",
                status: confirmed}}
    - {entity: quote, where: {lead_email: jens@example.dk}, count: 1,
       fields: {workers: 2, work_hours: 4, price_min: 1396, price_max: 2094, status: draft}}
    - {entity: lead, where: {email: jens@example.dk}, count: 1,
       fields: {status: new, source: direct, score: {gte: 1}}}
    - {entity: customer, where: {email: jens@example.dk}, count: 1, fields: {name: Jens Jensen}}
    - {entity: escalation, count: 1, fields: {severity: high}}
    - {entity: outbound_email, count: 1, fields: {status: sent, subject: Hej}}
"""

WRONG_PRICE = QUOTE.replace("id: chat-quote-moving-80", "id: chat-quote-wrong-price").replace(
    "price_min: 1396", "price_min: 999"
)

NOTHING_PENDING = """
id: chat-reviewer-nothing-pending
title: The script approves a send nobody asked for
channel: chat
tags: [approval]
setup: {dataset: empty}
turns:
  - user: "Hvornår har vi ledige tider på onsdag?"
  - approve: send_email
"""

BOOKING_EDITED = """
id: chat-booking-edited
title: The reviewer moves the booking the model asked for
channel: chat
tags: [approval]
setup:
  dataset: empty
  records:
    lead: [{name: Mette Hansen, email: mette.hansen@example.dk, area_m2: 80, service: moving_out}]
turns:
  - user: "Book Mette Hansen onsdag 2. december kl. 8"
  - edit: create_booking
    args: {start: "2026-12-02T10:00:00+01:00"}
expect:
  tools:
    calls: [{name: create_booking, args: {start: "2026-12-02T08:00:00+01:00"}}]
  state:
    - {entity: booking, count: 1,
       fields: {start: "2026-12-02T10:00:00+01:00", lead_email: mette.hansen@example.dk}}
"""

BOOKING_PENDING = """
id: chat-booking-pending
title: Nobody decides on the booking the model asked for
channel: chat
tags: [approval]
setup:
  dataset: empty
  records:
    lead: [{name: Mette Hansen, email: mette.hansen@example.dk, area_m2: 80, service: moving_out}]
turns:
  - user: "Book Mette Hansen onsdag 2. december kl. 8"
expect:
  tools: {forbidden: [create_booking]}
  state:
    - {entity: booking, count: 0}
"""

MALFORMED = """
id: broken
title: An unknown field
channel: chat
turns: [{user: hej}]
expect: {reply: {contain: ["x"]}}
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def offline_settings() -> EvalSettings:
    return EvalSettings(
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        embedding=EmbeddingSettings.model_construct(),
        chat=ChatSettings.model_construct(),
    )


@pytest.fixture(scope="module")
async def report(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    folder = write(
        tmp_path_factory.mktemp("scenarios"),
        {
            "quote.yaml": QUOTE,
            "send.yaml": SEND,
            "email.yaml": EMAIL,
            "records.yaml": RECORDS,
            "wrong.yaml": WRONG_PRICE,
            "pending.yaml": NOTHING_PENDING,
            "edited.yaml": BOOKING_EDITED,
            "left-pending.yaml": BOOKING_PENDING,
            "broken.yaml": MALFORMED,
        },
    )
    scenarios, problems = collect([folder])
    seen: list[str] = []
    return await run_all(
        scenarios,
        settings=offline_settings(),
        admin_url=pg_admin_url,
        jobs=3,
        progress=lambda scenario, result: seen.append(scenario.id),
        problems=[p.to_problem() for p in problems],
    )


def trial(report: RunReport, scenario_id: str) -> TrialResult:
    (summary,) = [s for s in report.scenarios if s.scenario_id == scenario_id]
    (only,) = summary.trials
    return only


def failures(result: TrialResult) -> list[str]:
    return [c.message for c in result.checks if not c.passed]


def test_chat_quote_passes_with_the_models_own_arguments(report: RunReport) -> None:
    result = trial(report, "chat-quote-moving-80")
    assert result.passed, failures(result)
    calls = result.observation.calls
    assert [c.name for c in calls] == ["search_leads", "get_lead", "draft_quote"]
    assert all(c.status == "succeeded" for c in calls)
    assert calls[0].args == {"query": "Mette Hansen"}  # not the audit trail's redacted copy
    assert calls[2].args["service"] == "moving_out" and calls[2].args["area_m2"] == 80
    assert "1.396" in (result.observation.reply or "")
    (quote,) = [
        q for q in result.observation.state["quote"] if q["lead_email"] == "mette.hansen@example.dk"
    ]
    assert quote["price_min"] == 1396 and quote["status"] == "draft"
    assert result.input_tokens > 0 and result.output_tokens > 0
    assert [(j.passed, j.actual) for j in result.judge] == [(True, "not judged")]


def test_an_approved_send_is_performed(report: RunReport) -> None:
    result = trial(report, "chat-quote-send")
    assert result.passed, failures(result)
    last = result.observation.calls[-1]
    assert (last.name, last.status) == ("send_email", "succeeded")
    assert "draft_id" in last.args


def test_email_is_drafted_with_the_quoted_prices(report: RunReport) -> None:
    result = trial(report, "email-moving-100")
    assert result.passed, failures(result)
    obs = result.observation
    assert obs.outcome == "drafted"
    assert "1.745" in (obs.reply or "")
    names = [c.name for c in obs.calls]
    assert "draft_quote" in names and names[-1] == "draft_email_reply"
    # The email graph's calls come with the model's real arguments, body included.
    assert "1.745" in obs.calls[-1].args["body"]
    assert result.input_tokens > 0


def test_records_get_defaults_and_snapshot_names(report: RunReport) -> None:
    result = trial(report, "chat-records-empty")
    assert result.passed, failures(result)
    (booking,) = result.observation.state["booking"]
    assert booking == {
        "customer_email": "jens@example.dk",
        "lead_email": None,
        "start": "2026-12-02T08:00:00+01:00",
        "end": "2026-12-02T12:00:00+01:00",
        "hours": 4,
        "status": "confirmed",
        "calendar_event_id": None,
    }
    (task,) = result.observation.calls
    assert task.name == "check_availability"


def test_a_failing_scenario_names_the_check(report: RunReport) -> None:
    result = trial(report, "chat-quote-wrong-price")
    assert not result.passed
    (message,) = failures(result)
    assert message.startswith("state[0] quote:")
    assert "price_min: expected 999, got 1396" in message


def test_a_reviewer_turn_without_a_pending_action_fails_the_trial(report: RunReport) -> None:
    result = trial(report, "chat-reviewer-nothing-pending")
    assert not result.passed
    assert "reviewer (turn 2)" in (result.observation.error or "")
    assert "no action is waiting" in (result.observation.error or "")


def test_the_reviewer_edits_and_a_pending_action_is_not_performed(report: RunReport) -> None:
    edited = trial(report, "chat-booking-edited")
    assert edited.passed, failures(edited)
    booking = edited.observation.calls[-1]
    assert (booking.name, booking.status) == ("create_booking", "succeeded")
    left = trial(report, "chat-booking-pending")
    assert not left.passed  # the model asked for the booking: a pending call still counts
    last = left.observation.calls[-1]
    assert (last.name, last.status) == ("create_booking", "pending_approval")
    assert [c.check for c in left.checks if c.passed] == ["state[0] booking"]
    assert "opretter bookingen" in (left.observation.reply or "")


def test_a_malformed_file_is_reported_and_the_rest_runs(report: RunReport) -> None:
    (problem,) = report.problems
    assert problem.file.endswith("broken.yaml")
    assert problem.field == "expect.reply.contain"
    assert len(report.scenarios) == 8
    assert report.k == 1
    assert report.pass_k["overall"]["1"] == pytest.approx(5 / 8)
    assert report.pass_k["approval"]["1"] == pytest.approx(2 / 4)
    assert report.pass_k["records"] == {"1": 1.0}
    assert (report.provider, report.live) == ("offline", False)
    assert report.input_tokens == sum(t.input_tokens for s in report.scenarios for t in s.trials)


async def test_the_judge_answers_each_criterion() -> None:
    answers = [
        '{"verdict": "yes", "reason": "it does"}',
        'Sure! {"verdict": "no", "reason": "a price outside the list"}',
        "I cannot tell",
    ]
    model = FakeListChatModel(responses=answers)
    judge = Judge(ChatModelHandle(model, "openai", "fake-judge", is_offline=False))
    results = await judge.assess(["polite", "price list", "clear"], "Staff: hej")
    assert [r.passed for r in results] == [True, False, False]
    assert "a price outside the list" in results[1].message
    assert "unreadable answer" in results[2].message
    assert build_judge(JudgeSettings(_env_file=None)) is None


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def cli_env(pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the working folder
    monkeypatch.setenv("DATABASE_URL", pg_admin_url)
    monkeypatch.setenv("MODEL_PROVIDER", "offline")
    monkeypatch.setenv("EMBEDDING_PROVIDER", "offline")
    monkeypatch.delenv("EVAL_JUDGE_PROVIDER", raising=False)
    return tmp_path


def test_cli_run_writes_both_reports_then_rescore_needs_no_model(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write(cli_env / "scenarios", {"quote.yaml": QUOTE, "broken.yaml": MALFORMED})
    out = cli_env / "reports" / "out.json"
    cli = build_cli()
    result = CliRunner().invoke(
        cli, ["eval", "run", str(folder), "--trials", "2", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "skipped:" in result.stderr and "broken.yaml" in result.stderr
    assert "[2/2]" in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["k"] == 2
    assert data["pass_k"]["quote"] == {"1": 1.0, "2": 1.0}
    assert data["pass_k"]["overall"] == {"1": 1.0, "2": 1.0}
    assert "pass^2" in out.with_suffix(".md").read_text(encoding="utf-8")

    # Re-scoring builds no model: an unusable provider and a trap on the model factory.
    monkeypatch.setenv("MODEL_PROVIDER", "no-such-provider")

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("rescore must not build a model")

    monkeypatch.setattr(assembly, "model_handle", no_model)
    again = cli_env / "rescored.json"
    result = CliRunner().invoke(cli, ["eval", "rescore", str(out), "--report", str(again)])
    assert result.exit_code == 0, result.output
    rescored = json.loads(again.read_text(encoding="utf-8"))
    assert rescored["pass_k"] == data["pass_k"]
    assert [t["checks"] for s in rescored["scenarios"] for t in s["trials"]] == [
        t["checks"] for s in data["scenarios"] for t in s["trials"]
    ]
    assert again.with_suffix(".md").exists()

    # Changed expectations are applied to the recorded observations; the gate exits 1.
    (folder / "quote.yaml").write_text(QUOTE.replace("1396", "999"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "rescore", str(out), "--min-pass-rate", "0.5"])
    assert result.exit_code == 1, result.output
    assert "0/2 trials passed" in result.output


def test_cli_run_gate_and_validate(cli_env: Path) -> None:
    folder = write(cli_env / "scenarios", {"wrong.yaml": WRONG_PRICE})
    out = cli_env / "out.json"
    cli = build_cli()
    result = CliRunner().invoke(
        cli, ["eval", "run", str(folder), "--report", str(out), "--min-pass-rate", "1"]
    )
    assert result.exit_code == 1, result.output
    assert "✗ chat-quote-wrong-price #1" in result.stderr
    assert "price_min: expected 999" in result.stderr
    assert out.exists()

    write(folder, {"broken.yaml": MALFORMED})
    result = CliRunner().invoke(cli, ["eval", "validate", str(folder)])
    assert result.exit_code == 1
    assert "expect.reply.contain" in result.output
