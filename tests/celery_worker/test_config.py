"""The Celery app: the seed's configuration, safe redelivery, and settings read only when configured."""

from __future__ import annotations

import pytest

import celery_worker
from celery_worker.app import (
    GENERATE_API_TASK,
    GENERATE_UI_TASK,
    RESUME_REVIEW_TASK,
    TestOpsCelery,
    create_celery,
)
from graph.settings import Settings


def test_the_package_exposes_the_app_for_the_celery_command() -> None:
    assert isinstance(celery_worker.app, TestOpsCelery)
    assert celery_worker.app.main == "testops_copilot"


def test_configuration_follows_the_seed_and_makes_redelivery_safe() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/7")
    conf = create_celery(settings).conf
    assert (conf.broker_url, conf.result_backend) == (settings.redis_url, settings.redis_url)
    assert (conf.task_serializer, conf.result_serializer, conf.accept_content) == ("json", "json", ["json"])
    assert conf.timezone == "UTC" and conf.enable_utc and conf.task_track_started
    assert (conf.task_time_limit, conf.task_soft_time_limit) == (3600, 3540)
    assert (conf.worker_prefetch_multiplier, conf.worker_max_tasks_per_child) == (1, 50)
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    transport = conf.broker_transport_options
    assert transport["visibility_timeout"] > conf.task_time_limit
    assert transport["unacked_restore_interval"] * transport["unacked_restore_throttle"] <= 10


def test_settings_are_read_when_the_app_is_configured_not_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTOPS_REDIS_URL", "redis://127.0.0.1:6379/1")
    app = create_celery()
    monkeypatch.setenv("TESTOPS_REDIS_URL", "redis://127.0.0.1:6379/2")
    assert app.conf.broker_url == "redis://127.0.0.1:6379/2"


def test_the_visibility_timeout_cannot_be_shorter_than_the_hard_limit() -> None:
    with pytest.raises(ValueError, match="greater than 3600"):
        Settings(broker_visibility_timeout_s=600)


def test_tasks_are_registered_under_their_fixed_names() -> None:
    app = create_celery(Settings())
    app.loader.import_default_modules()
    assert {GENERATE_UI_TASK, GENERATE_API_TASK, RESUME_REVIEW_TASK} <= set(app.tasks)
    assert app.tasks[GENERATE_API_TASK].acks_late


def test_api_keys_come_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTOPS_API_KEYS", " one, two ,,three ")
    assert Settings().api_keys == ["one", "two", "three"]
