"""The stranded-request sweep: a request stored but never queued (its server died in between) gets queued.

Each worker runs it from its main process, at start and then every `enqueue_sweep_s`; the
repository locks each row while it is sent, so any number of workers sweep without queueing one twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from celery import bootsteps

from graph.settings import Settings
from storage.engine import create_engine_for, session_factory
from storage.models import Request, utcnow
from storage.repository import enqueue_stranded

if TYPE_CHECKING:
    from celery_worker.app import TestOpsCelery

logger = logging.getLogger(__name__)

# Requests queued per sweep at most: a long outage's backlog drains over several sweeps, not in one burst.
SWEEP_LIMIT = 100


def sweep(app: TestOpsCelery, settings: Settings, *, limit: int = SWEEP_LIMIT) -> list[uuid.UUID]:
    """Queue the stranded requests older than the grace period; returns their ids."""

    def send(request: Request) -> None:
        app.send_request(request.kind, request.request_id)

    engine = create_engine_for(settings.sqlalchemy_url)
    try:
        with session_factory(engine)() as session:
            sent = enqueue_stranded(
                session,
                limit=limit,
                send=send,
                stored_before=utcnow() - timedelta(seconds=settings.enqueue_grace_s),
            )
    finally:
        engine.dispose()
    for request_id in sent:
        logger.warning("queued request %s: it was stored but never queued", request_id)
    return sent


class StrandedRequests(bootsteps.StartStopStep):
    """Worker bootstep sweeping from the worker's timer, on its main thread: a thread connecting to the
    database while the pool forks a child could leave the child a held lock, and hang it."""

    label = "stranded-request sweep"
    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._entries: list[Any] = []

    def start(self, worker: Any) -> None:
        app, settings = worker.app, worker.app.settings

        def sweep_safely() -> None:
            try:
                sweep(app, settings)
            except Exception:  # noqa: BLE001 - a database or broker hiccup must not end the sweeps
                logger.warning("stranded-request sweep failed; retrying", exc_info=True)

        # Once soon after start-up, then every `enqueue_sweep_s`.
        self._entries = [
            worker.timer.call_after(1.0, sweep_safely),
            worker.timer.call_repeatedly(settings.enqueue_sweep_s, sweep_safely),
        ]

    def stop(self, worker: Any) -> None:
        for entry in self._entries:
            entry.cancel()
