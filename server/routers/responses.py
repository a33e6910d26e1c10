"""The error answers documented on the routes (every one is {"detail": "..."}, as JSON)."""

from __future__ import annotations

from typing import Any

from server.schemas import ErrorPublic

_DESCRIPTIONS = {
    400: "The body cannot be read: it is not UTF-8 text.",
    401: "Missing, invalid or revoked API key.",
    404: "No request with that id made with this API key.",
    409: "The request is not in a state that allows this.",
    413: "The request body is larger than the service reads.",
    422: "Invalid input; `detail` names the field and the reason.",
    429: "This API key made more calls than its rate limit allows; retry after `Retry-After` seconds.",
    503: "A dependency (database, Redis, task queue) is unavailable.",
}
# Headers an answer carries besides its body.
_HEADERS: dict[int, dict[str, Any]] = {
    429: {"Retry-After": {"description": "Seconds until the key may call again.",
                          "schema": {"type": "integer", "minimum": 1}}},
}
_ERROR_SCHEMA = {"$ref": f"#/components/schemas/{ErrorPublic.__name__}"}


def _documented(code: int, **answer: Any) -> dict[str, Any]:
    headers = {"headers": _HEADERS[code]} if code in _HEADERS else {}
    return {"description": _DESCRIPTIONS[code], **headers, **answer}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _documented(code, model=ErrorPublic) for code in codes}


def json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The same answers with their JSON content spelled out, for a streaming route: there FastAPI would
    document a `model` under the stream's media type. The schema is the component the other routes' `errors`
    register."""
    content = {"application/json": {"schema": _ERROR_SCHEMA}}
    return {code: _documented(code, content=content) for code in codes}
