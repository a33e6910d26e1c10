"""One request's LLM calls through langchain-openai's ChatOpenAI: cache, token budget, retries, usage.

Transport failures (timeouts, 429 with its Retry-After, 5xx, a lost connection) are retried with backoff
by the OpenAI client under ChatOpenAI (`max_retries`); unusable replies (malformed or schema-invalid
output, refusals, no code) are retried here, with backoff, as many times. After that the call raises
LlmUnavailable and its caller keeps the offline result, saying why in the report.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import OpenAIRefusalError
from pydantic import BaseModel, ValidationError

from generators.llm.cache import ReplyCache, reply_key
from generators.llm.config import LlmConfig
from generators.llm.prompts import Prompt
from vocabulary.artefacts import LlmReport, LlmUsage

Parsed = TypeVar("Parsed")
Schema = TypeVar("Schema", bound=BaseModel)

# A rough count for the per-call cap: about four characters a token for English and JSON. An exact
# tokenizer (tiktoken) would fetch its tables from the network, and the cap is a bound, not a bill.
_CHARS_PER_TOKEN = 4
_PYTHON_BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


class LlmUnavailable(Exception):
    """No usable reply for this part; the message says why (and never holds the API key)."""


class _Unusable(Exception):
    """A reply came but cannot be used; retried like a transport failure."""

    def __init__(self, reason: str, raw: BaseMessage | None = None) -> None:
        super().__init__(reason)
        self.raw = raw


def python_block(text: str) -> str:
    """The code of a reply: its first ```python block, or the whole reply when it has no fence."""
    found = _PYTHON_BLOCK.search(text)
    code = (found.group(1) if found else text).strip("\n")
    if not code.strip():
        raise _Unusable("the reply holds no code")
    return code + "\n"


def estimated_tokens(text: str) -> int:
    return len(text) // _CHARS_PER_TOKEN + 1


class LlmSession:
    """The LLM calls of one request, adding to its report: usage per node, fallbacks, budget."""

    def __init__(self, config: LlmConfig, report: LlmReport | None = None) -> None:
        self.config = config
        self.report = (
            report.model_copy(deep=True)
            if report
            else LlmReport(model=config.model, token_budget=config.token_budget)
        )
        self.cache = ReplyCache(config.cache_dir, config.cache_mode, config.cache_database_url)
        self._chat: ChatOpenAI | None = None

    def fell_back(self, part: str, reason: str) -> None:
        """Record that `part` kept its offline result, and why."""
        self.report.fallbacks.append(f"{part}: {self._redacted(reason)}")

    def structured(self, prompt: Prompt, schema: type[Schema], *, node: str, **fields: str) -> Schema:
        """The reply as `schema`, asked for through structured output (json_schema)."""
        # Sent as a JSON schema rather than the class: the OpenAI client would validate a class inside the
        # call and raise, where a schema-invalid reply should come back as a parsing error to retry on.
        json_schema = _response_schema(schema)
        response_format = {"name": schema.__name__, "schema": json_schema, "strict": False}
        runnable = self._model().with_structured_output(
            response_format, method="json_schema", include_raw=True
        )

        def parse(content: str) -> Schema:
            try:
                value = json.loads(content)
            except ValueError as error:
                raise _Unusable(f"malformed reply, not JSON: {error}") from None
            try:
                return schema.model_validate(value)
            except ValidationError as error:
                raise _Unusable(f"schema-invalid reply: {_first_line(str(error))}") from None

        def call(messages: list[BaseMessage]) -> tuple[Schema, AIMessage]:
            answer: dict[str, Any] = runnable.invoke(messages)  # type: ignore[assignment]
            raw = answer["raw"]
            if isinstance(answer["parsing_error"], OpenAIRefusalError):
                raise _Unusable(f"refused: {_first_line(str(answer['parsing_error']))}", raw)
            if answer["parsing_error"] is not None:
                raise _Unusable(f"malformed reply: {_first_line(str(answer['parsing_error']))}", raw)
            try:
                return parse(_text(raw)), raw
            except _Unusable as unusable:
                unusable.raw = raw
                raise

        return self._ask(prompt, node, fields, call, parse, _schema_tokens(schema))

    def code(self, prompt: Prompt, *, node: str, **fields: str) -> str:
        """The reply's Python code, asked for and answered as plain text (not escaped inside JSON)."""

        def call(messages: list[BaseMessage]) -> tuple[str, AIMessage]:
            raw = self._model().invoke(messages)
            return python_block(_text(raw)), raw

        return self._ask(prompt, node, fields, call, python_block)

    def room(self, prompt: Prompt, schema: type[BaseModel] | None = None, **fields: str) -> int:
        """Characters a prompt with these fields (and this response schema) may still take under the cap."""
        system, user = prompt.render(**fields)
        used = estimated_tokens(system + user) + (_schema_tokens(schema) if schema else 0)
        return max(self.config.max_prompt_tokens - used, 0) * _CHARS_PER_TOKEN

    def _ask(
        self,
        prompt: Prompt,
        node: str,
        fields: dict[str, str],
        call: Callable[[list[BaseMessage]], tuple[Parsed, AIMessage]],
        parse: Callable[[str], Parsed],
        schema_tokens: int = 0,
    ) -> Parsed:
        system, user = prompt.render(**fields)
        key = reply_key(self.config.model, prompt.key, system, user)
        usage = self.report.usage.setdefault(node, LlmUsage())
        recorded = self.cache.lookup(key, prompt.key)
        if recorded is not None:
            try:
                value = parse(recorded)
            except _Unusable as unusable:
                if self.cache.mode == "replay":
                    raise LlmUnavailable(f"the recorded reply is unusable: {unusable}") from None
                # A damaged entry: asked again below, and overwritten in write mode.
            else:
                usage.cache_hits += 1
                return value
        prompt_tokens = estimated_tokens(system + user) + schema_tokens
        if prompt_tokens > self.config.max_prompt_tokens:
            raise LlmUnavailable(
                f"the prompt (~{prompt_tokens} tokens) is over the cap of {self.config.max_prompt_tokens}"
            )
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        problem = ""
        for attempt in range(self.config.max_retries + 1):
            if self.report.tokens_spent >= self.config.token_budget:
                self.report.budget_exhausted = True
                raise LlmUnavailable(f"the request's token budget of {self.config.token_budget} is spent")
            if attempt:
                time.sleep(self.config.retry_backoff_s * 2 ** (attempt - 1))
            started = time.monotonic()
            usage.calls += 1
            try:
                value, raw = call(messages)
            except _Unusable as unusable:
                problem = str(unusable)
                _add_tokens(usage, unusable.raw)
                continue
            except (openai.APIError, httpx.HTTPError) as error:
                raise LlmUnavailable(self._redacted(_transport_failure(error))) from None
            finally:
                usage.latency_s = round(usage.latency_s + time.monotonic() - started, 3)
            _add_tokens(usage, raw)
            self.cache.record(key, prompt.key, self.config.model, _text(raw))
            return value
        tries = self.config.max_retries + 1
        raise LlmUnavailable(self._redacted(f"no usable reply in {tries} tries: {problem}"))

    def _model(self) -> ChatOpenAI:
        if self._chat is None:
            self._chat = ChatOpenAI(
                model=self.config.model,
                base_url=self.config.base_url,
                api_key=self.config.api_key,
                temperature=self.config.temperature,
                timeout=self.config.timeout_s,
                max_retries=self.config.max_retries,
                max_completion_tokens=self.config.max_output_tokens,
                # One JSON answer per call: the stand-ins and gateways need not speak SSE.
                disable_streaming=True,
            )
        return self._chat

    def _redacted(self, text: str) -> str:
        secret = self.config.api_key.get_secret_value()
        return text.replace(secret, "***") if secret else text


def _response_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema a structured call sends, without pydantic's generated titles."""
    return _without_titles(schema.model_json_schema())


def _schema_tokens(schema: type[BaseModel]) -> int:
    # The response schema travels with the messages, so it counts against the cap too.
    return estimated_tokens(json.dumps(_response_schema(schema), separators=(",", ":")))


def _without_titles(schema: Any) -> Any:
    """The schema without its string titles: they repeat the names, and cost tokens."""
    if isinstance(schema, dict):
        return {k: _without_titles(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_without_titles(v) for v in schema]
    return schema


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _add_tokens(usage: LlmUsage, message: BaseMessage | None) -> None:
    metadata = getattr(message, "usage_metadata", None) or {}
    usage.input_tokens += metadata.get("input_tokens", 0)
    usage.output_tokens += metadata.get("output_tokens", 0)


def _transport_failure(error: Exception) -> str:
    """What went wrong, by kind and status only: provider messages may quote the request."""
    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException):
        return "the endpoint timed out (after retries)"
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return "the endpoint is unreachable (after retries)"
    if isinstance(error, openai.APIStatusError):
        return f"the endpoint answered HTTP {error.status_code} (after retries)"
    return f"the endpoint failed: {type(error).__name__}"


def _first_line(text: str, limit: int = 200) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line[:limit]
