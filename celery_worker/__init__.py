"""The Celery worker: `celery -A celery_worker worker` finds `app` here."""

from celery_worker.app import create_celery

app = create_celery()

__all__ = ["app"]
