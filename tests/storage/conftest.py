"""Real databases for the storage tests: a SQLite file per test, one PostgreSQL database per session."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import create_engine_for, migrate, session_factory

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, randomly named PostgreSQL database for this test session, dropped at the end."""
    admin_url = os.environ.get("TESTOPS_TEST_POSTGRES_ADMIN_URL", ADMIN_URL)
    name = f"testops_storage_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    host_part = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{host_part}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            # FORCE: a connection leaked by a failed test must not keep the database alive.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        # A folder that does not exist yet: the engine factory must create it.
        return f"sqlite:///{tmp_path / 'data' / 'testops.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    # One database per session, emptied per test: much faster than CREATE DATABASE each time.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


@pytest.fixture
def db_url(empty_url: str) -> str:
    """A database migrated to the newest schema."""
    migrate(empty_url)
    return empty_url


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on the migrated database; the engine is disposed after the test."""
    engine = create_engine_for(db_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s
