"""Typed domain errors and their one mapping to HTTP; every error answers {"detail": "<reason>"}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tools.errors import InputError, UnknownRequestError

logger = logging.getLogger("testops.server")


class ServiceError(Exception):
    """A failure the client should hear about; `status_code` says how."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AuthenticationError(ServiceError):
    status_code = 401


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


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def validation_reason(error: RequestValidationError) -> str:
    """One line naming each invalid field and why."""
    parts = []
    for item in error.errors():
        if item.get("type") == "json_invalid":
            parts.append(f"malformed JSON body: {item.get('ctx', {}).get('error', item['msg'])}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{_location(tuple(item.get('loc', ())))}: {message}")
    return "; ".join(parts) or "invalid request"


def _answer(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


async def _service_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
    return _answer(error.status_code, error.detail, headers)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return _answer(422, validation_reason(error))


async def _input_error(_: Request, error: Exception) -> JSONResponse:
    status_code = 404 if isinstance(error, UnknownRequestError) else 422
    return _answer(status_code, str(error))


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return _answer(error.status_code, str(error.detail), dict(error.headers or {}) or None)


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    return _answer(500, f"internal error: {type(error).__name__}")


def install_error_handlers(app: FastAPI) -> None:
    """The one place where errors become HTTP answers."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
