"""An export inside a worker: `run_export`, with its progress told on the request's event stream.

Its events follow the run's: `metadata` (kind "export"), `custom` events of type "export" per stage, and
when it ends, `error` (if it failed) and an `end` carrying the export's outcome. Each is told once per
attempt however often a task is delivered; the end once per export.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery_worker.events import EventLog
from celery_worker.pipeline import Delivery, event_log, load_request
from graph.settings import Settings
from storage.engine import session_scope
from storage.exports import get_export
from tools.export.errors import ExportError
from tools.export.runner import run_export


def _export_view(settings: Settings, export_id: str) -> dict[str, Any]:
    with session_scope(settings.sqlalchemy_url) as session:
        export = get_export(session, uuid.UUID(export_id))
    return {"export_id": export_id, "provider": export.provider.value, "repository": export.repository,
            "status": export.status.value, "number": export.number, "url": export.url,
            "error": export.error_message}


async def _end(events: EventLog, settings: Settings, request_id: str, export_id: str) -> None:
    status = load_request(settings, request_id).status.value
    await events.publish("end", {"status": status, "export": _export_view(settings, export_id)},
                         once=f"export {export_id} end")


async def export_reporting(settings: Settings, *, request_id: str, export_id: str, token: str | None,
                           delivery: Delivery, attempt: int) -> dict[str, Any]:
    """Run the export, telling each stage, and its end when it succeeds (a failure's end is told by
    `report_export_failure`, once no retry follows)."""
    async with event_log(settings, request_id) as events:
        await events.publish("metadata", {"request_id": request_id, "kind": "export", "export_id": export_id,
                                          "worker": delivery.worker, "run_id": delivery.run_id,
                                          "redelivered": delivery.redelivered, "attempt": attempt},
                             once=f"export {export_id} metadata {attempt}")

        async def progress(stage: str, details: dict[str, Any]) -> None:
            await events.publish("custom", {"type": "export", "export_id": export_id, "stage": stage,
                                            **details}, once=f"export {export_id} {stage} {attempt}")

        outcome = await run_export(settings, uuid.UUID(export_id), token=token, progress=progress)
        await _end(events, settings, request_id, export_id)
    return {"export_id": export_id, "status": outcome.status.value, "url": outcome.url or ""}


async def report_export_failure(settings: Settings, *, request_id: str, export_id: str,
                                error: BaseException) -> None:
    """The export failed for good: `error` (its one line; an unexpected error by its type only) and `end`."""
    message = str(error) if isinstance(error, ExportError) else f"internal error: {type(error).__name__}"
    async with event_log(settings, request_id) as events:
        await events.publish("error", {"error": type(error).__name__, "message": message,
                                       "export_id": export_id}, once=f"export {export_id} error")
        await _end(events, settings, request_id, export_id)
