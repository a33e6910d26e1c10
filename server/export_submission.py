"""Accepting an export: refuse a suite that cannot be delivered (409), store the export, tell its first event,
then queue its task; a queue failure marks it failed and answers 503."""

from __future__ import annotations

import logging
import uuid

from starlette.concurrency import run_in_threadpool

from celery_worker.app import EXPORT_TASK_FOR_PROVIDER, export_kwargs_repr
from celery_worker.events import EventLog
from server.errors import ConflictError, UnavailableError
from server.schemas import ExportAccepted, ExportCreate
from server.service import Service
from storage.exports import create_export, list_exports, mark_export_failed
from storage.models import Export, ExportProvider, Request
from tools.delivered_suite import undeliverable_reason
from tools.export.bundle import branch_name

logger = logging.getLogger("testops.server")


def _store(service: Service, request: Request, body: ExportCreate) -> Export:
    with service.sessions() as session:
        return create_export(session, request_id=request.request_id, provider=ExportProvider(body.provider),
                             repository=body.repository, path=body.path, base=body.base,
                             branch=branch_name(str(request.request_id)))


def _queue(service: Service, export: Export, token: str | None) -> None:
    """Send the task; its token (None: the workers' own) travels in the message only, never shown."""
    ids = {"request_id": str(export.request_id), "export_id": str(export.export_id)}
    try:
        service.celery.send_task(EXPORT_TASK_FOR_PROVIDER[export.provider.value],
                                 kwargs={**ids, "token": token}, kwargsrepr=export_kwargs_repr(**ids))
    except Exception as error:  # noqa: BLE001 - any broker failure means the same to the client
        with service.sessions() as session:
            reason = f"could not queue the export: {type(error).__name__}"
            mark_export_failed(session, export.export_id, reason)
        raise UnavailableError(f"the task queue is unavailable: {type(error).__name__}") from error


async def submit_export(service: Service, request: Request, body: ExportCreate) -> ExportAccepted:
    """Store and queue the export of the request's suite.

    Its `queued` event is told before the task is sent, so a client reading the stream after this answer
    always finds the export's events after the run's end, and waits for the export's own.
    """
    if (reason := undeliverable_reason(request)) is not None:
        raise ConflictError(reason)
    export = await run_in_threadpool(_store, service, request, body)
    events = EventLog(service.redis, str(request.request_id))
    await events.publish("custom", {"type": "export", "export_id": str(export.export_id), "stage": "queued",
                                    "provider": body.provider, "repository": body.repository},
                         once=f"export {export.export_id} queued")
    token = body.token.get_secret_value() if body.token else None
    await run_in_threadpool(_queue, service, export, token)
    logger.info("export accepted", extra={"request_id": str(request.request_id),
                                          "export_id": str(export.export_id), "provider": body.provider})
    return ExportAccepted(export_id=export.export_id, request_id=request.request_id)


def exports_of(service: Service, request_id: uuid.UUID) -> list[Export]:
    """The request's exports, oldest first (blocking: call it from a worker thread)."""
    with service.sessions() as session:
        return list_exports(session, request_id)
