"""The Celery app `testops_copilot` and its configuration, built from Settings when first configured.

`create_celery()` reads nothing: Settings are read (from the environment unless given) the first time
the app's configuration is needed, so importing the package for `celery -A celery_worker` has no effects.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_init, worker_process_shutdown

from celery_worker.leases import DeliveryLeases
from celery_worker.loop import close_loop, open_loop
from celery_worker.sweeper import StrandedRequests
from graph.settings import Settings

# Task names, fixed so the server can enqueue by name without importing the pipeline.
GENERATE_UI_TASK = "celery_worker.tasks.generate_test_cases_task"
GENERATE_API_TASK = "celery_worker.tasks.generate_api_tests_task"
RESUME_REVIEW_TASK = "celery_worker.tasks.resume_review_task"
TASK_FOR_KIND = {"ui": GENERATE_UI_TASK, "api": GENERATE_API_TASK}
GITHUB_EXPORT_TASK = "celery_worker.tasks.github_integration_task"
GITLAB_EXPORT_TASK = "celery_worker.tasks.gitlab_integration_task"
EXPORT_TASK_FOR_PROVIDER = {"github": GITHUB_EXPORT_TASK, "gitlab": GITLAB_EXPORT_TASK}


def export_kwargs_repr(request_id: str, export_id: str) -> str:
    """How an export task's arguments show in logs, events and Flower: without the token they may carry."""
    return repr({"request_id": request_id, "export_id": export_id, "token": "***"})

HARD_TIME_LIMIT_S = 3600


def celery_config(settings: Settings, *, results: bool = True) -> dict[str, Any]:
    """The seed's configuration plus what makes redelivery safe: late acks and a long visibility timeout.

    `results=False` is for a sender that never reads results (the server): with the Redis result backend,
    Celery subscribes to every sent task's result channel, and those subscriptions pile up unread.
    """
    return {
        "broker_url": settings.redis_url,
        "result_backend": settings.redis_url if results else None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "timezone": "UTC",
        "enable_utc": True,
        "task_track_started": True,
        "task_time_limit": HARD_TIME_LIMIT_S,
        "task_soft_time_limit": HARD_TIME_LIMIT_S - 60,
        "worker_prefetch_multiplier": 1,
        "worker_max_tasks_per_child": 50,
        # Ack after the run, and requeue when the pool process dies: a crash never loses a request.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A run goes on through a broker outage (its state is in PostgreSQL, its Redis commands retry);
        # a copy handed out again meanwhile waits on the run's claim (celery_worker.leases).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "broker_transport_options": {
            # Kombu requeues a task unacknowledged this long even when no lease says otherwise; it must
            # exceed the hard limit or a healthy long run is delivered twice.
            "visibility_timeout": settings.broker_visibility_timeout_s,
            # Kombu's own sweep of that timeout, every 10 s instead of every 100 s. A dead worker's task
            # comes back sooner through DeliveryLeases (worker_lease_s), not through this sweep.
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
        },
        "result_expires": 24 * 3600,
        "broker_connection_retry_on_startup": True,
        # Workers broadcast task events so Flower can show them without `-E`.
        "worker_send_task_events": True,
    }


class TestOpsCelery(Celery):
    """Celery with its Settings: given, or read from the environment when the app is first configured."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, settings: Settings | None = None, *, results: bool = True) -> None:
        self._settings = settings
        self._results = results
        super().__init__("testops_copilot", include=["celery_worker.tasks"])
        self.on_configure.connect(self._configure, weak=False)
        self.steps["worker"].add(DeliveryLeases)
        self.steps["worker"].add(StrandedRequests)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings()
        return self._settings

    def _configure(self, sender: Celery, **_: Any) -> None:
        self.conf.update(celery_config(self.settings, results=self._results))

    def send_request(self, kind: str, request_id: uuid.UUID) -> None:
        """Queue the generation task of a stored request."""
        self.send_task(TASK_FOR_KIND[kind], kwargs={"request_id": str(request_id)})


def _json_logging(loglevel: str | int = "INFO", **_: Any) -> None:
    from server.logs import configure_logging

    configure_logging(loglevel)


def create_celery(settings: Settings | None = None, *, results: bool = True) -> TestOpsCelery:
    """The app; worker processes get one event loop each, and JSON logs. See `celery_config` for results."""
    app = TestOpsCelery(settings, results=results)
    # Receivers are process-wide; the uids keep them single when several apps exist (server and tests).
    worker_process_init.connect(open_loop, weak=False, dispatch_uid="testops-open-loop")
    worker_process_shutdown.connect(close_loop, weak=False, dispatch_uid="testops-close-loop")
    setup_logging.connect(_json_logging, weak=False, dispatch_uid="testops-json-logging")
    return app
