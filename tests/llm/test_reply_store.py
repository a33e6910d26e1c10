"""Replies recorded in a shared PostgreSQL database: a worker without the recording's files replays them."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from psycopg import sql
from sqlalchemy import inspect, select

from generators.llm.api import HybridApiGenerator
from generators.llm.client import LlmSession
from generators.llm.config import LlmConfig
from samples.openai_stub import ScriptedChat, scripted_endpoint
from storage.engine import alembic_config, create_engine_for, migrate, session_scope
from storage.llm_replies import record_reply, recorded_reply
from storage.models import LlmReply
from tests.llm.conftest import API_KEY
from tests.llm.replies import INCREASING_IDS, script_increasing_ids
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import number_requirements

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, dropped at the end."""
    admin_url = os.environ.get("TESTOPS_TEST_POSTGRES_ADMIN_URL", ADMIN_URL)
    name = f"testops_llm_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_worker_without_the_files_replays_from_the_database(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel, database_url: str
) -> None:
    config = llm_config.model_copy(update={"cache_database_url": database_url})
    requirements = number_requirements([INCREASING_IDS])
    script_increasing_ids(chat)
    first = HybridApiGenerator(LlmSession(config)).generate(tasks_api, requirements)
    shutil.rmtree(config.cache_dir)  # another host: the data dir's recordings are not there
    with scripted_endpoint() as (url, silent):
        replaying = config.model_copy(update={"base_url": url, "cache_mode": "replay"})
        generator = HybridApiGenerator(LlmSession(replaying))
        second = generator.generate(tasks_api, requirements)
    assert silent.requests == [] and second.tests == first.tests
    usage = generator.session.report.usage["generation"]
    assert (usage.calls, usage.cache_hits) == (0, 2)
    with session_scope(database_url) as session:
        rows = session.scalars(select(LlmReply)).all()
    assert {r.prompt for r in rows} == {"choose_operations@v1", "claim@v1"}
    assert all(r.model == "scripted-model" and API_KEY not in r.content for r in rows)


def test_two_workers_recording_one_key_keep_the_first_reply(database_url: str) -> None:
    for content in ("first", "second"):
        with session_scope(database_url) as session:
            record_reply(session, "k" * 64, model="m", prompt="claim@v1", content=content)
    with session_scope(database_url) as session:
        assert recorded_reply(session, "k" * 64) == "first"
        assert recorded_reply(session, "0" * 64) is None


def test_the_migration_adds_and_removes_the_table(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    engine = create_engine_for(database_url)
    try:
        assert "llm_replies" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        assert "llm_replies" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
