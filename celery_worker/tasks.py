"""The worker's tasks: thin, idempotent, keyword arguments only, one call into the pipeline each."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger

from celery_worker.app import (
    GENERATE_API_TASK,
    GENERATE_UI_TASK,
    GITHUB_EXPORT_TASK,
    GITLAB_EXPORT_TASK,
    HARD_TIME_LIMIT_S,
    RESUME_REVIEW_TASK,
    export_kwargs_repr,
)
from celery_worker.exporting import export_reporting, report_export_failure
from celery_worker.loop import run
from celery_worker.pipeline import Delivery, process, report_failure
from graph.settings import Settings
from tools.export.errors import ExportError, RateLimitedError

logger = get_task_logger(__name__)

# Seconds before a task that found its request busy (run by another execution) is tried again.
BUSY_RETRY_S = 5


class RequestTask(Task):
    """Base of the pipeline tasks: a failure marks the request failed and ends its event stream."""

    @property
    def settings(self) -> Settings:
        settings = getattr(self.app, "settings", None)
        return settings if isinstance(settings, Settings) else Settings()

    def delivery(self) -> Delivery:
        info = self.request.delivery_info or {}
        return Delivery(worker=self.request.hostname or "", run_id=self.request.id or "",
                        redelivered=bool(info.get("redelivered")))

    def unless_busy(self, outcome: dict[str, str]) -> dict[str, str]:
        """The outcome; or, while another execution runs the request (a duplicate of this task, or this
        very delivery handed out again while its first execution runs), a later try: that one may die, and
        then this one takes the run over. Never dropped."""
        if outcome["status"] == "busy":
            raise self.retry(countdown=BUSY_RETRY_S, max_retries=HARD_TIME_LIMIT_S // BUSY_RETRY_S)
        return outcome

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        request_id = (kwargs or {}).get("request_id")
        logger.error("request %s failed: %s", request_id, exc)
        if request_id:
            run(report_failure(self.settings, request_id, exc))


@shared_task(bind=True, base=RequestTask, name=GENERATE_UI_TASK)
def generate_test_cases_task(self: RequestTask, *, request_id: str) -> dict[str, str]:
    """Generate, validate and store the UI suite of a page request."""
    return self.unless_busy(run(process(self.settings, request_id, kind="ui", delivery=self.delivery())))


@shared_task(bind=True, base=RequestTask, name=GENERATE_API_TASK)
def generate_api_tests_task(self: RequestTask, *, request_id: str) -> dict[str, str]:
    """Generate, validate and store the API suite of an OpenAPI request."""
    return self.unless_busy(run(process(self.settings, request_id, kind="api", delivery=self.delivery())))


@shared_task(bind=True, base=RequestTask, name=RESUME_REVIEW_TASK)
def resume_review_task(
    self: RequestTask, *, request_id: str, answer: dict[str, Any], interrupt_id: str | None = None
) -> dict[str, str]:
    """Continue a request stopped for review with the reviewer's answer to the interrupt `interrupt_id`."""
    # While the request's generation still runs, the answer waits for it, never lost.
    return self.unless_busy(run(process(self.settings, request_id, kind=None, delivery=self.delivery(),
                                        answer=answer, interrupt_id=interrupt_id)))


# Longest wait before an export is tried again; a provider asking for longer fails it with the time to retry.
EXPORT_MAX_COUNTDOWN_S = 600


class ExportTask(RequestTask):
    """Base of the export tasks: a refused export is stored as failed, never the request; a provider that
    may answer later (rate limit, 5xx) is asked again by a later try, at most `max_retries` times."""

    max_retries = 3

    def export(self, *, request_id: str, export_id: str, token: str | None) -> dict[str, str]:
        retries = self.request.retries
        try:
            return run(export_reporting(self.settings, request_id=request_id, export_id=export_id,
                                        token=token, delivery=self.delivery(), attempt=retries))
        except ExportError as error:
            countdown = error.retry_after_s if isinstance(error, RateLimitedError) else 5.0 * 2**retries
            if error.retryable and retries < self.max_retries and countdown <= EXPORT_MAX_COUNTDOWN_S:
                # The repr given again: a retry would otherwise show the token in logs and Flower.
                raise self.retry(countdown=countdown, kwargsrepr=export_kwargs_repr(request_id, export_id)) \
                    from None
            logger.warning("export %s of request %s failed: %s", export_id, request_id, error)
            run(report_export_failure(self.settings, request_id=request_id, export_id=export_id, error=error))
            return {"export_id": export_id, "status": "failed", "error": str(error)}

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # The export stored its failure (by the error's type: its words might hold anything); the request
        # it exports is not touched.
        request_id, export_id = (kwargs or {}).get("request_id"), (kwargs or {}).get("export_id")
        logger.error("export %s failed: %s", export_id, type(exc).__name__)
        if request_id and export_id:
            run(report_export_failure(self.settings, request_id=request_id, export_id=export_id, error=exc))


@shared_task(bind=True, base=ExportTask, name=GITHUB_EXPORT_TASK)
def github_integration_task(self: ExportTask, *, request_id: str, export_id: str,
                            token: str | None = None) -> dict[str, str]:
    """Export the request's suite to GitHub: one commit on its branch, and its pull request."""
    return self.export(request_id=request_id, export_id=export_id, token=token)


@shared_task(bind=True, base=ExportTask, name=GITLAB_EXPORT_TASK)
def gitlab_integration_task(self: ExportTask, *, request_id: str, export_id: str,
                            token: str | None = None) -> dict[str, str]:
    """Export the request's suite to GitLab: one commit on its branch, and its merge request."""
    return self.export(request_id=request_id, export_id=export_id, token=token)
