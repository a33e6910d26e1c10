"""The worker's tasks: thin, idempotent, keyword arguments only, one call into the pipeline each."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger

from celery_worker.app import GENERATE_API_TASK, GENERATE_UI_TASK, HARD_TIME_LIMIT_S, RESUME_REVIEW_TASK
from celery_worker.loop import run
from celery_worker.pipeline import Delivery, process, report_failure
from graph.settings import Settings

logger = get_task_logger(__name__)

# Seconds before an answer that found its request busy is tried again.
BUSY_RETRY_S = 5


class RequestTask(Task):
    """Base of the pipeline tasks: a failure marks the request failed and ends its event stream."""

    @property
    def settings(self) -> Settings:
        settings = getattr(self.app, "settings", None)
        return settings if isinstance(settings, Settings) else Settings()

    def delivery(self) -> Delivery:
        info = self.request.delivery_info or {}
        properties = self.request.properties or {}
        run_id = self.request.id or ""
        return Delivery(worker=self.request.hostname or "", run_id=run_id,
                        tag=str(properties.get("delivery_tag") or run_id),
                        redelivered=bool(info.get("redelivered")))

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        request_id = (kwargs or {}).get("request_id")
        logger.error("request %s failed: %s", request_id, exc)
        if request_id:
            run(report_failure(self.settings, request_id, exc))


@shared_task(bind=True, base=RequestTask, name=GENERATE_UI_TASK)
def generate_test_cases_task(self: RequestTask, *, request_id: str) -> dict[str, str]:
    """Generate, validate and store the UI suite of a page request."""
    return run(process(self.settings, request_id, kind="ui", delivery=self.delivery()))


@shared_task(bind=True, base=RequestTask, name=GENERATE_API_TASK)
def generate_api_tests_task(self: RequestTask, *, request_id: str) -> dict[str, str]:
    """Generate, validate and store the API suite of an OpenAPI request."""
    return run(process(self.settings, request_id, kind="api", delivery=self.delivery()))


@shared_task(bind=True, base=RequestTask, name=RESUME_REVIEW_TASK)
def resume_review_task(self: RequestTask, *, request_id: str, answer: dict[str, Any]) -> dict[str, str]:
    """Continue a request stopped for review with the reviewer's answer."""
    outcome = run(process(self.settings, request_id, kind=None, delivery=self.delivery(), answer=answer))
    if outcome["status"] == "busy":
        # A duplicate delivery of the request's generation still runs: the answer waits for it, never lost.
        raise self.retry(countdown=BUSY_RETRY_S, max_retries=HARD_TIME_LIMIT_S // BUSY_RETRY_S)
    return outcome
