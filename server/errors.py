"""Typed domain errors and their one mapping to HTTP; every error answers {"detail": "<reason>"}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import OperationalError as DriverOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tools.errors import InputError, UnknownRequestError
from tools.openapi import MAX_SPEC_BYTES

# The largest request body: an inline spec of the largest size read, and room for requirements and options.
MAX_BODY_BYTES = MAX_SPEC_BYTES + 1_048_576

logger = logging.getLogger("testops.server")


class ServiceError(Exception):
    """A failure the client should hear about; `status_code` says how."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AuthenticationError(ServiceError):
    status_code = 401


class RateLimitedError(ServiceError):
    """The caller's key made more calls than its rate allows; one is allowed again in `retry_after_s`."""

    status_code = 429

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class NotFoundError(ServiceError):
    status_code = 404


class ConflictError(ServiceError):
    """The request exists but is not in a state that allows this (not waiting for review, not finished)."""

    status_code = 409


class InvalidRequestError(ServiceError):
    status_code = 422


class UnavailableError(ServiceError):
    """A dependency (database, broker) cannot take the request now."""

    status_code = 503


class BodySizeLimit:
    """Answers 413 to a request body larger than `max_bytes` before any of it is parsed (or even kept)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:  # the server never lets a body outgrow its Content-Length
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        body = await self._bounded_body(receive)  # chunked: read it here, as far as the bound
        if body is None:
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _bounded_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away; the app hears it on its next receive
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body is larger than {self.max_bytes // 1_048_576} MB"
        await _answer(413, detail)(scope, receive, send)


def _location(loc: tuple[Any, ...], body: Any) -> str:
    # A tagged union puts the tag (`"github"`) into the path; the client named only the field.
    tags = {v for v in body.values() if isinstance(v, str)} if isinstance(body, dict) else set()
    parts = [p for i, p in enumerate(loc) if p != "body" and not (i == 1 and loc[0] == "body" and p in tags)]
    return ".".join(str(part) for part in parts) or "body"


def validation_reason(error: RequestValidationError) -> str:
    """One line naming each invalid field and why."""
    parts = []
    for item in error.errors():
        ctx = item.get("ctx", {})
        if item.get("type") == "json_invalid":
            parts.append(f"malformed JSON body: {ctx.get('error', item['msg'])}")
            continue
        if item.get("type") == "union_tag_invalid":
            expected = " or ".join(t.strip() for t in str(ctx["expected_tags"]).split(","))
            parts.append(f"{str(ctx['discriminator']).strip(chr(39))}: Input should be {expected}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{_location(tuple(item.get('loc', ())), error.body)}: {message}")
    return "; ".join(parts) or "invalid request"


def _answer(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def _error_headers(error: ServiceError) -> dict[str, str] | None:
    if isinstance(error, AuthenticationError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after_s)}
    return None


async def _service_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return _answer(error.status_code, error.detail, _error_headers(error))


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return _answer(422, validation_reason(error))


async def _input_error(_: Request, error: Exception) -> JSONResponse:
    status_code = 404 if isinstance(error, UnknownRequestError) else 422
    return _answer(status_code, str(error))


def _allowed_methods(request: Request) -> str:
    """The methods documented for the path the request names: Starlette's own 405 lists only one route's.

    Of the templates that match, the most literal one wins (`/requests/api` over `/requests/{id}`), as in
    routing.
    """
    segments = request.url.path.rstrip("/").split("/")
    best: tuple[int, list[str]] = (-1, [])
    for template, operations in request.app.openapi()["paths"].items():
        parts = template.rstrip("/").split("/")
        if len(parts) != len(segments):
            continue
        if all(p.startswith("{") or p == s for p, s in zip(parts, segments, strict=True)):
            literal = sum(not p.startswith("{") for p in parts)
            if literal > best[0]:
                best = (literal, sorted(m.upper() for m in operations))
    return ", ".join(best[1])


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if isinstance(error.__cause__, RecursionError):
        # FastAPI answers 400 to any body its JSON parser gives up on; nesting too deep is bad JSON like
        # any other, and says so.
        return _answer(422, "malformed JSON body: nested too deeply")
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return _answer(error.status_code, str(error.detail), headers or None)


# Seconds a client is told to wait before retrying while the database or Redis is down.
RETRY_AFTER_S = 5


async def _database_unavailable(_: Request, error: Exception) -> JSONResponse:
    """The database refused or dropped the connection (it is down or restarting): 503, never a 500. The
    driver's words name hosts and ports, so they go to the log, not to the client."""
    logger.warning("database unavailable", extra={"error": str(error).strip().splitlines()[0]})
    return _answer(503, "the database is unavailable: retry shortly",
                   {"Retry-After": str(RETRY_AFTER_S)})


async def _redis_unavailable(_: Request, error: Exception) -> JSONResponse:
    """Redis (events, the task queue) refused or dropped the connection: 503, as for the database."""
    logger.warning("redis unavailable", extra={"error": f"{type(error).__name__}: {error}"})
    return _answer(503, "the event store is unavailable: retry shortly",
                   {"Retry-After": str(RETRY_AFTER_S)})


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    return _answer(500, f"internal error: {type(error).__name__}")


def install_error_handlers(app: FastAPI) -> None:
    """The one place where errors become HTTP answers, a body too large to read (413) among them."""
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(DriverOperationalError, _database_unavailable)
    app.add_exception_handler(RedisConnectionError, _redis_unavailable)
    app.add_exception_handler(RedisTimeoutError, _redis_unavailable)
    app.add_exception_handler(Exception, _unexpected)
