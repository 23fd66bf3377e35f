"""A fake of OpenAI Chat Completions (POST /v1/chat/completions), JSON and SSE.

Streamed like the real API: a role chunk, one chunk per text piece, each tool call as a head
(index, id, name, empty arguments) followed by argument fragments, a finish chunk, a usage
chunk with empty ``choices`` when ``stream_options.include_usage`` is set, then ``[DONE]``.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes import FakeModelServer, JsonObject, RecordedRequest, Reply, split_evenly

CREATED = 1_700_000_000
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    403: "permission_denied",
    429: "rate_limit_exceeded",
}


class FakeOpenAIServer(FakeModelServer):
    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL is set to; the client appends /chat/completions."""
        return f"{self.origin}/v1"

    def add_routes(self, app: FastAPI) -> None:
        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> Response:
            return await self.handle(request)

    def wants_stream(self, request: RecordedRequest) -> bool:
        return request.body.get("stream") is True

    def render_json(self, reply: Reply, request: RecordedRequest) -> JsonObject:
        message: JsonObject = {"role": "assistant", "content": "".join(reply.text) or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in reply.tool_calls
            ]
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}
        return {
            **_envelope(request, "chat.completion"),
            "choices": [choice],
            "usage": _usage(reply),
        }

    def render_events(self, reply: Reply, request: RecordedRequest) -> list[str]:
        envelope = _envelope(request, "chat.completion.chunk")

        def chunk(delta: JsonObject, finish_reason: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            return json.dumps({**envelope, "choices": [choice]})

        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": piece}) for piece in reply.text]
        for index, call in enumerate(reply.tool_calls):
            head = {"name": call.name, "arguments": ""}
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {"index": index, "id": call.id, "type": "function", "function": head}
                        ]
                    }
                )
            )
            events += [
                chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
                for fragment in split_evenly(json.dumps(call.arguments), 3)
            ]
        events.append(chunk({}, _finish(reply)))
        if (request.body.get("stream_options") or {}).get("include_usage"):
            events.append(json.dumps({**envelope, "choices": [], "usage": _usage(reply)}))
        events.append("[DONE]")
        return events

    def error_response(self, status: int, retry_after: float | None) -> Response:
        kind = _ERROR_TYPES.get(status, "server_error")
        body = {"error": {"message": f"fake {status}", "type": kind, "param": None, "code": kind}}
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None
        return JSONResponse(body, status_code=status, headers=headers)


def _envelope(request: RecordedRequest, obj: str) -> JsonObject:
    return {
        "id": "chatcmpl-fake",
        "object": obj,
        "created": CREATED,
        "model": request.body.get("model"),
    }


def _finish(reply: Reply) -> str:
    return "tool_calls" if reply.tool_calls else "stop"


def _usage(reply: Reply) -> JsonObject:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
