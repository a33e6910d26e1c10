"""The error answers documented on the routes (every one is {"detail": "..."}, as JSON)."""

from __future__ import annotations

from typing import Any

from server.schemas import ErrorPublic

_DESCRIPTIONS = {
    400: "The body cannot be read: it is not UTF-8 text.",
    401: "Missing or invalid API key.",
    404: "No request with that id.",
    409: "The request is not in a state that allows this.",
    422: "Invalid input; `detail` names the field and the reason.",
    503: "The task queue is unavailable.",
}
_ERROR_SCHEMA = {"$ref": f"#/components/schemas/{ErrorPublic.__name__}"}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorPublic, "description": _DESCRIPTIONS[code]} for code in codes}


def json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The same answers with their JSON content spelled out, for a streaming route: there FastAPI would
    document a `model` under the stream's media type. The schema is the component the other routes' `errors`
    register."""
    content = {"application/json": {"schema": _ERROR_SCHEMA}}
    return {code: {"description": _DESCRIPTIONS[code], "content": content} for code in codes}
