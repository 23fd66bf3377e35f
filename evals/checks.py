"""The checks: a scenario's expectations against one trial's observation, as pure functions.

`evaluate` returns one `CheckResult` per check, passed or not; a failure's message names the
check and the difference (expected vs. actual), so a report reader never has to re-run.

Decisions the scenario format leaves open, made here once:

- The path is every call the audit trail recorded, in order, whatever its status: a failed,
  denied or pending call is still a call the model made.
- `forbidden` counts a call with status succeeded, failed or pending_approval (pending at the
  end of a run means the model asked for it; only the reviewer stood in the way). A denied call
  does not count: the policy or the reviewer stopped it and nothing happened (a chat action the
  reviewer rejects is recorded as denied too). The message still mentions denied attempts.
- `subset` is set-like: every call the run made must match one of the expected calls; a repeat
  of an allowed call (a second search) is not "beyond" them. `unordered` is a multiset match,
  `superset` an in-order subsequence, `strict` the same calls in the same order.
- Values (`where`, `fields`, call arguments) compare as described in `same_value`; a mapping
  with only the keys contains/gte/lte is a matcher in `where`/`fields` (not in arguments).
- A reply that is missing or blank fails every reply check with "no reply".
- A run that failed (`obs.error`) yields only the failed "run" check: the rest of its
  observation is whatever was left when it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from agent.offline.language import detect_language
from evals.results import CheckResult, Observation, ObservedCall
from evals.scenario import CallExpect, Expect, ReplyExpect, StateCheck, ToolExpect

_NOT_PERFORMED = "denied"
_MATCHER_KEYS = frozenset({"contains", "gte", "lte"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$")
_SHOWN_ROWS = 3


def passed(results: Sequence[CheckResult]) -> bool:
    """True when every check passed (no checks: nothing was expected, so nothing failed)."""
    return all(result.passed for result in results)


def evaluate(expect: Expect, obs: Observation) -> list[CheckResult]:
    if obs.error:
        return [_fail("run", f"run: the run failed: {obs.error}", None, obs.error)]
    results: list[CheckResult] = []
    if expect.tools is not None:
        results.extend(_tool_checks(expect.tools, obs.calls))
    for index, check in enumerate(expect.state):
        results.append(_state_check(index, check, obs.state))
    if expect.outcome is not None:
        results.append(_outcome_check(expect.outcome, obs.outcome))
    if expect.reply is not None:
        results.extend(_reply_checks(expect.reply, obs.reply))
    return results


# --- values ------------------------------------------------------------------------------


def same_value(expected: Any, actual: Any) -> bool:
    """Equality as scenarios mean it: numbers numerically when either side is a number
    (80 == "80" == 80.0 == Decimal("80")); ISO datetimes as instants (a naive one is taken as
    UTC); other strings case-insensitively; mappings as a subset (every expected key present
    and equal, recursively); lists element-wise."""
    expected, actual = _plain(expected), _plain(actual)
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _text(expected) == _text(actual)
    if _is_number(expected) or _is_number(actual):
        left, right = _number(expected), _number(actual)
        return left is not None and left == right
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and not _mapping_diffs(expected, actual)
    if isinstance(expected, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(expected) == len(actual)
            and all(same_value(e, a) for e, a in zip(expected, actual, strict=True))
        )
    left_instant, right_instant = _instant(expected), _instant(actual)
    if left_instant is not None and right_instant is not None:
        return left_instant == right_instant
    if isinstance(expected, str) or isinstance(actual, str):
        return _text(expected) == _text(actual)
    return bool(expected == actual)


def field_matches(expected: Any, actual: Any) -> bool:
    """`same_value`, or a matcher: {contains: s} (case-insensitive substring; in a list, any
    element) and/or {gte: x, lte: y} (numbers or instants)."""
    matcher = _matcher(expected)
    if matcher is None:
        return same_value(expected, actual)
    actual = _plain(actual)
    if "contains" in matcher:
        needle = _text(matcher["contains"])
        items = actual if isinstance(actual, list | tuple) else [actual]
        if not any(item is not None and needle in _text(item) for item in items):
            return False
    for key, wrong_side in (("gte", -1), ("lte", 1)):
        if key in matcher:
            order = _compare(actual, matcher[key])
            if order is None or order == wrong_side:
                return False
    return True


def _matcher(value: Any) -> dict[str, Any] | None:
    value = _plain(value)
    if isinstance(value, Mapping) and value and set(value) <= _MATCHER_KEYS:
        return {k: v for k, v in value.items() if v is not None}
    return None


def _compare(actual: Any, bound: Any) -> int | None:
    """-1/0/1 for actual vs bound, or None when they cannot be ordered."""
    left: Decimal | datetime | None
    right: Decimal | datetime | None
    left, right = _number(actual), _number(bound)
    if left is None or right is None:
        left, right = _instant(actual), _instant(bound)
    if left is None or right is None:
        return None
    return (left > right) - (left < right)  # type: ignore[operator]


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | Decimal | str):
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and _ISO.match(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return " ".join(str(_plain(value)).split()).casefold()


def _mapping_diffs(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """What keeps `actual` from matching `expected` as a subset, one line per key."""
    diffs: list[str] = []
    for key, want in expected.items():
        if key not in actual:
            diffs.append(f"{key}: missing (expected {_show(want)})")
            continue
        got = _plain(actual[key])
        if isinstance(_plain(want), Mapping) and isinstance(got, Mapping):
            diffs.extend(f"{key}.{d}" for d in _mapping_diffs(_plain(want), got))
        elif not same_value(want, got):
            diffs.append(f"{key}: expected {_show(want)}, got {_show(got)}")
    return diffs


def _show(value: Any, limit: int = 60) -> str:
    value = _plain(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v, limit)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v, limit) for v in value) + "]"
    if isinstance(value, datetime):
        value = value.isoformat()
    text = "null" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail(check: str, message: str, expected: Any, actual: Any) -> CheckResult:
    return CheckResult(check=check, passed=False, expected=expected, actual=actual, message=message)


def _ok(check: str, expected: Any, actual: Any) -> CheckResult:
    return CheckResult(check=check, passed=True, expected=expected, actual=actual)


# --- tools -------------------------------------------------------------------------------


def _tool_checks(tools: ToolExpect, calls: list[ObservedCall]) -> list[CheckResult]:
    results: list[CheckResult] = []
    set_fields = tools.model_fields_set
    if "calls" in set_fields or "mode" in set_fields:
        results.append(_trajectory_check(tools.mode, list(tools.calls), calls))
    if tools.forbidden:
        results.append(_forbidden_check(list(tools.forbidden), calls))
    return results


def _show_call(call: CallExpect | ObservedCall) -> str:
    args = call.args or {}
    return f"{call.name} {_show(args)}" if args else call.name


def _run_called(calls: Sequence[ObservedCall]) -> str:
    if not calls:
        return "the run called no tools"
    names = [c.name if c.status == "succeeded" else f"{c.name} ({c.status})" for c in calls]
    return "the run called: " + ", ".join(names)


def _diffs(want: CallExpect, call: ObservedCall) -> list[str] | None:
    """None: another tool; []: a match; else why the arguments do not match."""
    if want.name != call.name:
        return None
    return _mapping_diffs(want.args or {}, call.args)


def _matches(want: CallExpect, call: ObservedCall) -> bool:
    return _diffs(want, call) == []


def _missing(want: CallExpect, calls: Sequence[ObservedCall]) -> str:
    """'missing call X', with the closest same-name call and its argument differences."""
    candidates = [(d, c) for c in calls if (d := _diffs(want, c))]
    text = f"missing call {_show_call(want)}"
    if candidates:
        diffs, closest = min(candidates, key=lambda pair: len(pair[0]))
        text += f" (closest: {_show_call(closest)}: {'; '.join(diffs)})"
    return text


def _trajectory_check(
    mode: str, expected: list[CallExpect], calls: list[ObservedCall]
) -> CheckResult:
    check = f"tools.mode={mode}"
    problems = {
        "strict": _strict,
        "unordered": _unordered,
        "subset": _subset,
        "superset": _superset,
    }[mode](expected, calls)
    want = [_show_call(c) for c in expected]
    got = [_show_call(c) for c in calls]
    if not problems:
        return _ok(check, want, got)
    message = f"tools ({mode}): {'; '.join(problems)}; {_run_called(calls)}"
    return _fail(check, message, want, got)


def _strict(expected: list[CallExpect], calls: list[ObservedCall]) -> list[str]:
    for index in range(max(len(expected), len(calls))):
        want = expected[index] if index < len(expected) else None
        call = calls[index] if index < len(calls) else None
        if want is not None and call is not None and _matches(want, call):
            continue
        got = "nothing" if call is None else _show_call(call)
        exp = "nothing" if want is None else _show_call(want)
        diffs = _diffs(want, call) if want is not None and call is not None else None
        detail = f" ({'; '.join(diffs)})" if diffs else ""
        count = (
            f"expected {len(expected)} calls, got {len(calls)}; "
            if len(expected) != len(calls)
            else ""
        )
        return [f"{count}call {index + 1}: expected {exp}, got {got}{detail}"]
    return []


def _unordered(expected: list[CallExpect], calls: list[ObservedCall]) -> list[str]:
    pairing = _max_pairing(expected, calls)
    used = set(pairing.values())
    missing = [_missing(w, calls) for i, w in enumerate(expected) if i not in pairing]
    extra = [f"unexpected call {_show_call(c)}" for j, c in enumerate(calls) if j not in used]
    return missing + extra


def _max_pairing(expected: list[CallExpect], calls: list[ObservedCall]) -> dict[int, int]:
    """A maximum matching expected index → call index (augmenting paths; lists are short)."""
    owner: dict[int, int] = {}  # call index → expected index

    def place(i: int, seen: set[int]) -> bool:
        for j, call in enumerate(calls):
            if j in seen or not _matches(expected[i], call):
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(expected)):
        place(i, set())
    return {i: j for j, i in owner.items()}


def _subset(expected: list[CallExpect], calls: list[ObservedCall]) -> list[str]:
    allowed = ", ".join(_show_call(w) for w in expected) or "none"
    return [
        f"unexpected call {_show_call(call)} (allowed: {allowed})"
        for call in calls
        if not any(_matches(want, call) for want in expected)
    ]


def _superset(expected: list[CallExpect], calls: list[ObservedCall]) -> list[str]:
    problems: list[str] = []
    position = 0  # the next call a following expected call may match
    previous: CallExpect | None = None
    for want in expected:
        found = next((j for j in range(position, len(calls)) if _matches(want, calls[j])), None)
        if found is not None:
            position, previous = found + 1, want
            continue
        if previous is not None and any(_matches(want, c) for c in calls[:position]):
            problems.append(
                f"missing call {_show_call(want)} after {_show_call(previous)} "
                "(it was called, but earlier: the order matters)"
            )
        else:
            problems.append(_missing(want, calls))
    return problems


def _forbidden_check(forbidden: list[str], calls: list[ObservedCall]) -> CheckResult:
    check = "tools.forbidden"
    made = [c for c in calls if c.name in forbidden and c.status != _NOT_PERFORMED]
    denied = [c for c in calls if c.name in forbidden and c.status == _NOT_PERFORMED]
    actual = [f"{c.name} ({c.status})" for c in made]
    if not made:
        return _ok(check, forbidden, actual)
    shown = ", ".join(f"{_show_call(c)} ({c.status})" for c in made)
    note = f"; denied attempts, not counted: {len(denied)}" if denied else ""
    message = f"tools.forbidden: called {shown}; forbidden: {', '.join(forbidden)}{note}"
    return _fail(check, message, forbidden, actual)


# --- state -------------------------------------------------------------------------------


def _state_check(
    index: int, spec: StateCheck, state: Mapping[str, list[dict[str, Any]]]
) -> CheckResult:
    check = f"state[{index}] {spec.entity}"
    where, fields = dict(spec.where or {}), dict(spec.fields or {})
    rows = state.get(spec.entity, [])
    matching = [r for r in rows if all(field_matches(v, r.get(k)) for k, v in where.items())]
    keys = [*where, *(k for k in fields if k not in where)]
    expected = {"where": where, "count": _plain(spec.count), "fields": fields}
    problems: list[str] = []
    count_problem = _count_problem(spec.count, len(matching))
    if count_problem:
        problems.append(count_problem)
    if not matching and (spec.count is None or count_problem):
        problems.append(_no_rows(where, rows, keys, spec.entity))
    wrong = [r for r in matching if not all(field_matches(v, r.get(k)) for k, v in fields.items())]
    if wrong:
        problems.append(_field_problem(fields, wrong, len(matching), keys))
    actual = [_pick(r, keys) for r in matching[:_SHOWN_ROWS]]
    if not problems:
        return _ok(check, expected, actual)
    if matching and not wrong:
        problems.append("matching rows: " + ", ".join(_show(r) for r in actual))
    return _fail(check, f"{check}: {'; '.join(problems)}", expected, actual)


def _count_problem(count: Any, found: int) -> str | None:
    count = _plain(count)
    if count is None:
        return None
    if isinstance(count, Mapping):
        low, high = count.get("gte"), count.get("lte")
        if (low is not None and found < low) or (high is not None and found > high):
            return f"count: expected {_show(count)}, got {found}"
        return None
    return None if found == count else f"count: expected {count}, got {found}"


def _no_rows(
    where: dict[str, Any], rows: list[dict[str, Any]], keys: list[str], entity: str
) -> str:
    text = f"no rows match where={_show(where)}; rows of {entity}: {len(rows)}"
    if rows:
        text += " (e.g. " + ", ".join(_show(_pick(r, keys)) for r in rows[:_SHOWN_ROWS]) + ")"
    return text


def _field_problem(
    fields: dict[str, Any], wrong: list[dict[str, Any]], matching: int, keys: list[str]
) -> str:
    first = wrong[0]
    diffs = [
        f"{k}: expected {_show(v)}, got {_show(first.get(k))}"
        for k, v in fields.items()
        if not field_matches(v, first.get(k))
    ]
    shown = ", ".join(_show(_pick(r, keys)) for r in wrong[:_SHOWN_ROWS])
    return f"fields: {'; '.join(diffs)} (in {len(wrong)} of {matching} matching rows: {shown})"


def _pick(row: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    return {k: row.get(k) for k in keys}


# --- outcome and reply -------------------------------------------------------------------


def _outcome_check(expected: str, actual: str | None) -> CheckResult:
    if actual is not None and _text(expected) == _text(actual):
        return _ok("outcome", expected, actual)
    got = actual if actual is not None else "no outcome"
    return _fail("outcome", f"outcome: expected {expected}, got {got}", expected, actual)


def _reply_checks(spec: ReplyExpect, reply: str | None) -> list[CheckResult]:
    wanted: list[tuple[str, Any]] = [
        ("contains", list(spec.contains or [])),
        ("contains_any", list(spec.contains_any or [])),
        ("not_contains", list(spec.not_contains or [])),
        ("matches", spec.matches),
        ("language", spec.language),
    ]
    results: list[CheckResult] = []
    for name, expected in wanted:
        if not expected:
            continue
        check = f"reply.{name}"
        if reply is None or not reply.strip():
            results.append(
                _fail(check, f"{check}: no reply (expected {_show(expected)})", expected, reply)
            )
            continue
        problem = _REPLY_RULES[name](expected, reply)
        if problem is None:
            results.append(_ok(check, expected, _quote(reply)))
        else:
            results.append(
                _fail(
                    check,
                    f"{check}: {problem}; the reply: {_quote(reply)}",
                    expected,
                    _quote(reply),
                )
            )
    return results


def _quote(reply: str, limit: int = 200) -> str:
    text = " ".join(reply.split())
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


def _contains(expected: list[str], reply: str) -> str | None:
    missing = [s for s in expected if _text(s) not in _text(reply)]
    return f"missing {', '.join(_quote(s) for s in missing)}" if missing else None


def _contains_any(expected: list[str], reply: str) -> str | None:
    if any(_text(s) in _text(reply) for s in expected):
        return None
    return f"none of {', '.join(_quote(s) for s in expected)} appears"


def _not_contains(expected: list[str], reply: str) -> str | None:
    found = [s for s in expected if _text(s) in _text(reply)]
    return f"found {', '.join(_quote(s) for s in found)}" if found else None


def _matches_pattern(pattern: str, reply: str) -> str | None:
    try:
        found = re.search(pattern, reply)
    except re.error as exc:
        return f"invalid regular expression /{pattern}/: {exc}"
    return None if found else f"no match for /{pattern}/"


def _language(expected: str, reply: str) -> str | None:
    detected = detect_language(reply)
    return None if detected == _text(expected) else f"expected {expected}, detected {detected}"


_REPLY_RULES: dict[str, Callable[[Any, str], str | None]] = {
    "contains": _contains,
    "contains_any": _contains_any,
    "not_contains": _not_contains,
    "matches": _matches_pattern,
    "language": _language,
}
