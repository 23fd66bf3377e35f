"""Reading scenario files: one YAML mapping per file, validated into a `Scenario`.

A bad file never stops the others: `load_scenario` raises a `ScenarioFileError` naming the file
and the field (a dotted path with list indices, as the YAML spells it), and `collect` gathers
every file's scenario or problems.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from evals.results import FileProblem
from evals.scenario import SCENARIO_ERROR, UNION_TAGS, Scenario

SCENARIO_SUFFIXES = (".yaml", ".yml")
DEFAULT_SCENARIOS = Path(__file__).resolve().parent / "scenarios"


class ScenarioFileError(Exception):
    """A scenario file that could not be loaded; `more` holds further problems in the file."""

    def __init__(
        self,
        file: str,
        field: str | None,
        message: str,
        more: Sequence[ScenarioFileError] = (),
    ) -> None:
        super().__init__(file, field, message)
        self.file = file
        self.field = field
        self.message = message
        self.more = tuple(more)

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}: {where}{self.message}"

    @property
    def problems(self) -> list[ScenarioFileError]:
        """This problem and the file's further ones."""
        return [self, *self.more]

    def to_problem(self) -> FileProblem:
        return FileProblem(file=self.file, field=self.field, message=self.message)


def load_scenario(path: Path) -> Scenario:
    """The scenario in one YAML file; raises `ScenarioFileError` for anything wrong with it."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(file, None, f"cannot read the file: {exc}") from None
    data = _parse(file, text)
    try:
        return Scenario.model_validate(data, context={"file": file, "base_dir": path.parent})
    except ValidationError as exc:
        errors = [_from_pydantic(file, e) for e in exc.errors()]
        raise ScenarioFileError(
            errors[0].file, errors[0].field, errors[0].message, errors[1:]
        ) from None


def collect(paths: Sequence[Path]) -> tuple[list[Scenario], list[ScenarioFileError]]:
    """Every scenario in the given files and folders (recursively, `*.yaml`/`*.yml`, sorted).

    Every file is tried; an id already taken by an earlier file is a problem of the later one.
    """
    scenarios: list[Scenario] = []
    problems: list[ScenarioFileError] = []
    first_file: dict[str, str] = {}
    for path in _files(paths, problems):
        try:
            scenario = load_scenario(path)
        except ScenarioFileError as exc:
            problems.extend(exc.problems)
            continue
        if scenario.id in first_file:
            message = f"duplicate id {scenario.id!r} (also in {first_file[scenario.id]})"
            problems.append(ScenarioFileError(str(path), "id", message))
            continue
        first_file[scenario.id] = str(path)
        scenarios.append(scenario)
    return scenarios, problems


def _files(paths: Sequence[Path], problems: list[ScenarioFileError]) -> Iterator[Path]:
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            found = sorted(
                p for p in given.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file()
            )
        elif given.is_file():
            found = [given]
        else:
            problems.append(ScenarioFileError(str(given), None, "no such file or folder"))
            continue
        for path in found:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


# ---- YAML


def _parse(file: str, text: str) -> dict[str, Any]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _no_duplicate_keys(file, root)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioFileError(file, None, _yaml_message(exc)) from None
    if data is None:
        raise ScenarioFileError(file, None, "the file is empty (expected a scenario mapping)")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ScenarioFileError(
            file, None, f"expected a mapping (id, title, channel, ...) at the top, found {kind}"
        )
    return typing.cast(dict[str, Any], _plain(data))


def _yaml_message(exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    parts = (getattr(exc, "context", None), getattr(exc, "problem", None))
    what = " ".join(str(p) for p in parts if p) or str(exc)
    if mark is None:
        return f"invalid YAML: {what}"
    return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {what}"


def _no_duplicate_keys(file: str, node: Any) -> None:
    """PyYAML keeps the last of two equal keys silently; a scenario file must not."""
    seen_nodes: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in keys:
                        line, column = key.start_mark.line + 1, key.start_mark.column + 1
                        raise ScenarioFileError(
                            file,
                            None,
                            f"invalid YAML at line {line}, column {column}: "
                            f"duplicate key {key.value!r}",
                        )
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _plain(value: Any) -> Any:
    """YAML's timestamps become ISO strings, so records stay plain JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# ---- validation errors


def _from_pydantic(file: str, error: Any) -> ScenarioFileError:
    ctx = error.get("ctx") or {}
    loc = [s for s in (*error["loc"], *ctx.get("at", ())) if s not in UNION_TAGS and s != "[key]"]
    field = _dotted(loc) or None
    kind = error["type"]
    if kind == SCENARIO_ERROR:
        message = str(error["msg"])
    elif kind == "extra_forbidden":
        message = _unknown_field(loc)
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = str(error["msg"])
        value = error.get("input")
        if isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
    return ScenarioFileError(file, field, message)


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unknown_field(loc: Sequence[str | int]) -> str:
    name = str(loc[-1]) if loc else "?"
    known = _known_keys(loc[:-1])
    if not known:
        return f"unknown field {name!r}"
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown field {name!r} ({hint}known: {', '.join(sorted(known))})"


def _known_keys(loc: Sequence[str | int]) -> list[str]:
    """The YAML keys the model at `loc` accepts (every model the path may lead to)."""
    models: list[type[BaseModel]] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            for name, info in model.model_fields.items():
                if (info.alias or name) == part:
                    nxt.extend(_models_in(info.annotation))
        # No such field: the part is a dict key (an entity, a field name), the values' models stay.
        models = nxt or models
    return sorted({info.alias or name for m in models for name, info in m.model_fields.items()})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
