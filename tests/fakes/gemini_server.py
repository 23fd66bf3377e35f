"""A fake of the Gemini Developer API as the google-genai SDK calls it.

POST {base}/{api_version}/models/{model}:generateContent answers one GenerateContentResponse;
:streamGenerateContent?alt=sse answers SSE events of GenerateContentResponse chunks. As the
real API does, each chunk carries the usage accumulated so far, a function call arrives whole
in one chunk, and finishReason is on the last chunk. The API key comes in ``x-goog-api-key``.
A 429 carries google.rpc.RetryInfo in the body; Gemini sends no Retry-After header.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes import FakeModelServer, JsonObject, RecordedRequest, Reply

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGeminiServer(FakeModelServer):
    @property
    def base_url(self) -> str:
        """What GEMINI_BASE_URL is set to; the SDK appends the version and the method path."""
        return self.origin

    def add_routes(self, app: FastAPI) -> None:
        @app.post("/{api_version}/models/{target}")
        async def generate(api_version: str, target: str, request: Request) -> Response:
            return await self.handle(request)

    def wants_stream(self, request: RecordedRequest) -> bool:
        return request.path.endswith(":streamGenerateContent")

    def render_json(self, reply: Reply, request: RecordedRequest) -> JsonObject:
        parts: list[JsonObject] = [{"text": "".join(reply.text)}] if reply.text else []
        parts += _function_calls(reply)
        return _response(request, parts, reply, reply.output_tokens, finished=True)

    def render_events(self, reply: Reply, request: RecordedRequest) -> list[str]:
        part_lists = [[{"text": piece}] for piece in reply.text]
        if reply.tool_calls:
            part_lists.append(_function_calls(reply))
        count = len(part_lists)
        return [
            json.dumps(
                _response(
                    request,
                    parts,
                    reply,
                    reply.output_tokens * (i + 1) // count,
                    finished=i == count - 1,
                )
            )
            for i, parts in enumerate(part_lists)
        ]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        error: JsonObject = {
            "code": status,
            "message": f"fake {status}",
            "status": _STATUS_NAMES.get(status, "UNKNOWN"),
        }
        if retry_after is not None:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_after:g}s",
                }
            ]
        return JSONResponse({"error": error}, status_code=status)


def model_of(request: RecordedRequest) -> str:
    """The model name in ``/v1beta/models/gemini-2.5-flash:generateContent``."""
    return request.path.rsplit("/", 1)[-1].split(":", 1)[0]


def _function_calls(reply: Reply) -> list[JsonObject]:
    return [{"functionCall": {"name": c.name, "args": c.arguments}} for c in reply.tool_calls]


def _response(
    request: RecordedRequest,
    parts: list[JsonObject],
    reply: Reply,
    output_so_far: int,
    *,
    finished: bool,
) -> JsonObject:
    candidate: JsonObject = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finished:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": reply.input_tokens,
            "candidatesTokenCount": output_so_far,
            "totalTokenCount": reply.input_tokens + output_so_far,
        },
        "modelVersion": model_of(request),
        "responseId": "fake-response",
    }
