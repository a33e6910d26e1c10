"""A local OpenAI-compatible endpoint with scripted replies: POST /v1/chat/completions, usage included.

Replies are queued per kind of call: the name of the JSON schema a structured call asks for
("OperationChoice", "ClaimReply"), or "text" for plain calls (code, repairs). An empty queue asks the
`respond` function, which by default answers HTTP 500, so a test that asks more than it scripted sees a
failure, not a hang. The tests and the benchmark (bench/llm.py) share this one stub.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from samples.loopback import Reply, json_object, serving

PROMPT_TOKENS = 100
COMPLETION_TOKENS = 50


@dataclass
class Scripted:
    """One scripted answer: message content, or an HTTP failure (status, headers), maybe after a delay."""

    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    refusal: str | None = None


def answer(content: Any) -> Scripted:
    """A successful reply: a model (or dict) as its JSON, or text as it is."""
    if hasattr(content, "model_dump_json"):
        return Scripted(content=content.model_dump_json())
    return Scripted(content=content if isinstance(content, str) else json.dumps(content))


def code_reply(code: str) -> Scripted:
    return Scripted(content=f"Here is the test.\n\n```python\n{code}```\n")


# What answers a request whose kind has no scripted reply queued.
Respond = Callable[[dict[str, Any]], Scripted]
# The usage a reply reports, (prompt tokens, completion tokens), from the request and the reply's content.
CountTokens = Callable[[dict[str, Any], str], tuple[int, int]]


def server_error(request: dict[str, Any]) -> Scripted:
    return Scripted(status=500)


def fixed_tokens(request: dict[str, Any], content: str) -> tuple[int, int]:
    return PROMPT_TOKENS, COMPLETION_TOKENS


def kind_of(request: dict[str, Any]) -> str:
    response_format = request.get("response_format") or {}
    schema = response_format.get("json_schema") or {}
    return schema.get("name") or "text"


class ScriptedChat:
    """The JSON service behind the stub: records every request, answers from the scripts."""

    def __init__(self, respond: Respond = server_error, count_tokens: CountTokens = fixed_tokens) -> None:
        self.respond = respond
        self.count_tokens = count_tokens
        self.scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self._lock = threading.Lock()

    def script(self, kind: str, *replies: Scripted) -> None:
        self.scripts[kind].extend(replies)

    def calls(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.requests if kind is None or kind_of(r) == kind]

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        if (method, path) != ("POST", "/v1/chat/completions"):
            return Reply(404, {"error": {"message": f"no route {method} {path}"}})
        request = json_object(body)
        with self._lock:
            self.requests.append(request)
            self.authorizations.append(authorization)
            queue = self.scripts[kind_of(request)]
            scripted = queue.popleft() if queue else None
        scripted = scripted or self.respond(request)
        if scripted.delay_s:
            time.sleep(scripted.delay_s)
        if scripted.status != 200:
            error = {"error": {"message": "scripted failure", "type": "server_error"}}
            return Reply(scripted.status, error, scripted.headers)
        message: dict[str, Any] = {"role": "assistant", "content": scripted.content}
        if scripted.refusal is not None:
            message = {"role": "assistant", "content": None, "refusal": scripted.refusal}
        prompt_tokens, completion_tokens = self.count_tokens(request, scripted.content)
        return Reply(
            200,
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": request.get("model", ""),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )


@contextmanager
def scripted_endpoint(
    respond: Respond = server_error, count_tokens: CountTokens = fixed_tokens
) -> Iterator[tuple[str, ScriptedChat]]:
    """The stub on a free loopback port: its base URL (…/v1) and the service to script."""
    chat = ScriptedChat(respond, count_tokens)
    with serving(chat, name="openai-stub", path="/v1") as base_url:
        yield base_url, chat
