"""The error answers documented on the routes (every one is {"detail": "..."})."""

from __future__ import annotations

from typing import Any

from server.schemas import ErrorPublic


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing or invalid API key.",
        404: "No request with that id.",
        409: "The request is not in a state that allows this.",
        422: "Invalid input; `detail` names the field and the reason.",
        503: "The task queue is unavailable.",
    }
    return {code: {"model": ErrorPublic, "description": descriptions[code]} for code in codes}
