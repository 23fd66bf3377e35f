"""Collecting scenario files: every file is tried, each bad one is reported on its own, the good
ones still load; and the `validate` command prints one line per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evals.cli_validate import validate
from evals.loading import DEFAULT_SCENARIOS, collect
from tests.evals.test_format import chat_example, email_example, write

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"


def _bad_files(folder: Path) -> dict[str, str | None]:
    """Write one malformed file per case; return file name → the field its problem names."""
    cases: dict[str, str | None] = {}

    def bad(name: str, field: str | None, change: dict[str, object] | str) -> None:
        if isinstance(change, str):
            write(folder, name, change)
        else:
            data = chat_example()
            data.update(change, id=name.split(".")[0].replace("/", "-"))
            write(folder, name, data)
        cases[name] = field

    bad("bad-yaml.yaml", None, "id: x\ntitle: [oops\n")
    bad("top.yaml", "colour", {"colour": "red"})
    bad("nested/reply.yml", "expect.reply.contain", {"expect": {"reply": {"contain": ["x"]}}})
    bad("trials.yaml", "run.trials", {"run": {"trials": "three"}})
    bad("entity.yaml", "expect.state[0].entity", {"expect": {"state": [{"entity": "invoice"}]}})
    bad("tool.yaml", "expect.tools.forbidden[0]", {"expect": {"tools": {"forbidden": ["x"]}}})
    bad("naive.yaml", "setup.now", {"setup": {"now": "2026-12-01T09:00:00"}})
    bad("no-turns.yaml", "turns", {"turns": []})
    mail = email_example()
    mail.update(id="mail-missing-raw", email={"raw": "nowhere.eml"})
    write(folder, "mail-raw.yaml", mail)
    cases["mail-raw.yaml"] = "email.raw"
    return cases


def test_every_file_is_tried_and_each_bad_one_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a-good.yaml", chat_example())
    write(tmp_path, "z/good-mail.yaml", email_example())
    write(tmp_path, "notes.txt", "not a scenario")
    write(tmp_path, "emails/x.eml", "From: a@example.dk\n\nHej\n")
    cases = _bad_files(tmp_path)
    scenarios, problems = collect([tmp_path])
    assert sorted(s.id for s in scenarios) == ["chat-quote-moving-80", "email-quote-moving-80"]
    reported = {Path(p.file).relative_to(tmp_path).as_posix(): p.field for p in problems}
    assert reported == cases
    files = [p.file for p in problems]
    assert files == sorted(files)  # sorted, one line each
    for p in problems:
        assert str(p).startswith(f"{p.file}: ")


def test_a_duplicate_id_is_an_error_for_the_later_file(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", chat_example())
    later = write(tmp_path, "b.yaml", chat_example())
    scenarios, problems = collect([tmp_path])
    assert [s.file for s in scenarios] == [str(first)]
    assert len(problems) == 1
    assert (problems[0].file, problems[0].field) == (str(later), "id")
    assert problems[0].message == f"duplicate id 'chat-quote-moving-80' (also in {first})"


def test_files_and_folders_mix_and_a_file_counts_once(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", chat_example())
    other = email_example()
    write(tmp_path, "sub/two.yaml", other)
    scenarios, problems = collect([one, tmp_path, tmp_path / "sub", tmp_path / "missing"])
    assert [s.id for s in scenarios] == ["chat-quote-moving-80", "email-quote-moving-80"]
    assert [(p.file, p.field, p.message) for p in problems] == [
        (str(tmp_path / "missing"), None, "no such file or folder")
    ]


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(validate)
    return app


def test_validate_prints_one_line_per_problem_and_fails(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", chat_example())
    write(tmp_path, "bad.yaml", "id: x\ntitle: [oops\n")
    data = email_example()
    data["expect"]["reply"]["contain"] = ["x"]
    data["run"]["trials"] = 0
    write(tmp_path, "two.yaml", data)
    result = CliRunner().invoke(_cli(), [str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"{tmp_path / 'bad.yaml'}: invalid YAML at line 3")
    assert lines[1].startswith(f"{tmp_path / 'two.yaml'}: expect.reply.contain: unknown field")
    assert lines[2].startswith(f"{tmp_path / 'two.yaml'}: run.trials: ")
    assert lines[3:] == ["1 scenarios OK"]


def test_validate_passes_on_good_files(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", chat_example())
    write(tmp_path, "mail.yaml", email_example())
    result = CliRunner().invoke(_cli(), [str(tmp_path / "good.yaml"), str(tmp_path / "mail.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output == "2 scenarios OK\n"


def test_validate_as_json(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", chat_example())
    write(tmp_path, "bad.yaml", {"id": "x"})
    result = CliRunner().invoke(_cli(), [str(tmp_path), "--json"])
    assert result.exit_code == 1
    out = json.loads(result.output)
    assert out["ok"] is False
    assert out["scenarios"] == [
        {
            "id": "chat-quote-moving-80",
            "title": "Staff asks for a move-out quote for a known lead",
            "channel": "chat",
            "file": str(good),
        }
    ]
    assert {(p["field"], p["message"]) for p in out["problems"]} == {
        ("title", "required field is missing"),
        ("channel", "required field is missing"),
    }


def test_the_default_folder_is_the_shipped_scenarios() -> None:
    assert DEFAULT_SCENARIOS == REPO_SCENARIOS


def test_every_shipped_scenario_loads() -> None:
    files = [p for p in REPO_SCENARIOS.rglob("*") if p.suffix in (".yaml", ".yml")]
    if not files:
        pytest.skip("no scenarios under evals/scenarios yet")
    scenarios, problems = collect([REPO_SCENARIOS])
    assert [str(p) for p in problems] == []
    assert len(scenarios) == len(files)
