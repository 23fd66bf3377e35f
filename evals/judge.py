"""The optional LLM judge: a scenario's natural-language criteria, each answered yes or no.

The judge is configured apart from the model under test (``EVAL_JUDGE_PROVIDER``,
``EVAL_JUDGE_MODEL``; keys and endpoints as for the chat model). Without one, every criterion
is reported as "not judged", which never fails a trial. A judge's verdicts are reported and
gate a trial only when the run asks for it (``--judge-gates``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.providers import (
    ChatModelHandle,
    ModelConfigurationError,
    ProviderError,
    build_chat_model,
    invoke_with_retry,
)
from agent.providers.settings import ModelSettings
from evals.results import CheckResult

JudgeProvider = Literal["", "gemini", "openai", "openai-compatible"]
NOT_JUDGED = "not judged"

_SYSTEM = (
    "You grade one run of a business assistant for a Danish cleaning company against one "
    "criterion. Read the transcript and answer with a JSON object only: "
    '{"verdict": "yes" or "no", "reason": "one short sentence"}. '
    'Answer "yes" only if the transcript clearly meets the criterion.'
)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class JudgeSettings(BaseSettings):
    """Which model judges; an empty provider means no judge."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    provider: JudgeProvider = Field(default="", validation_alias="EVAL_JUDGE_PROVIDER")
    model: str = Field(default="", validation_alias="EVAL_JUDGE_MODEL")


def not_judged(
    criteria: Sequence[str], why: str = "no judge model configured"
) -> list[CheckResult]:
    return [
        CheckResult(
            check=f"judge[{i}]",
            passed=True,
            expected=criterion,
            actual=NOT_JUDGED,
            message=f"{NOT_JUDGED}: {why}",
        )
        for i, criterion in enumerate(criteria)
    ]


@dataclass(frozen=True)
class Judge:
    handle: ChatModelHandle

    @property
    def name(self) -> str:
        return f"{self.handle.provider}:{self.handle.model_name}"

    async def assess(self, criteria: Sequence[str], transcript: str) -> list[CheckResult]:
        results: list[CheckResult] = []
        for i, criterion in enumerate(criteria):
            prompt = f"Criterion: {criterion}\n\nTranscript:\n{transcript}"
            try:
                answer = await invoke_with_retry(
                    self.handle.model,
                    [SystemMessage(_SYSTEM), HumanMessage(prompt)],
                    policy=self.handle.retry_policy,
                )
            except ProviderError as exc:
                results.extend(not_judged([criterion], f"the judge failed: {exc}"))
                continue
            results.append(_verdict(i, criterion, str(answer.content)))
        return results

    async def aclose(self) -> None:
        await self.handle.aclose()


def _verdict(index: int, criterion: str, text: str) -> CheckResult:
    check = f"judge[{index}]"
    found = _OBJECT.search(text)
    try:
        data = json.loads(found.group(0)) if found else None
    except json.JSONDecodeError:
        data = None
    verdict = str(data.get("verdict", "")).strip().lower() if isinstance(data, dict) else ""
    if verdict not in ("yes", "no"):
        return CheckResult(
            check=check,
            passed=False,
            expected=criterion,
            actual=text[:300],
            message=f"judge: unreadable answer to {criterion!r}: {text[:200]!r}",
        )
    reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
    ok = verdict == "yes"
    message = "" if ok else f"judge: {criterion!r} not met: {reason}"
    return CheckResult(check=check, passed=ok, expected=criterion, actual=reason, message=message)


def build_judge(settings: JudgeSettings) -> Judge | None:
    """The configured judge, or None. Keys come from the chat model's variables; raises
    ModelConfigurationError for a judge that cannot be built."""
    if not settings.provider:
        return None
    values: dict[str, Any] = {"MODEL_PROVIDER": settings.provider}
    if settings.model:
        values["MODEL_NAME"] = settings.model
    try:
        return Judge(build_chat_model(ModelSettings(**values)))
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ModelConfigurationError(f"the judge model (EVAL_JUDGE_*): {problems}") from None
