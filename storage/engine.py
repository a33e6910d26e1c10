"""The one engine factory for SQLite and PostgreSQL, the session factory, and programmatic migration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Seconds a PostgreSQL connection attempt may take.
CONNECT_TIMEOUT_S = 5

__all__ = [
    "StorageError",
    "alembic_config",
    "create_engine_for",
    "migrate",
    "session_factory",
    "session_scope",
]


def _parse(url: str) -> URL:
    """Parse and normalise a URL to one of the two supported drivers."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a non-numeric port
        # Mask a password by hand: an unparsable URL cannot render itself safely.
        shown = re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)
        raise StorageError(
            f"malformed database URL {shown!r}: expected sqlite:///PATH or postgresql://HOST/DB"
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # Only psycopg 3 is installed; any other or missing driver name would fail at first connect.
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise StorageError(f"unsupported database {backend!r} in {_safe(parsed)}: use sqlite or postgresql")


def _safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _one_line(exc: BaseException) -> str:
    """The first line of a driver error, which is the part a user can act on."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Python 3.11's sqlite3 opens transactions itself and never before DDL; take that over so
        # migrations and multi-statement writes are atomic (SQLAlchemy's documented pysqlite recipe).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite; ON DELETE CASCADE needs it
        cursor.execute("PRAGMA journal_mode=WAL")  # readers (server) don't block the writer (worker)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def create_engine_for(url: str) -> Engine:
    """Build an engine for a `sqlite:///…` or `postgresql://…` URL; raise StorageError if it is unusable.

    Does not connect: an unreachable server surfaces at first use (see `migrate`).
    """
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder for {database}: {exc.strerror}") from exc
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    # pre_ping: a server or worker outlives database restarts; stale pooled connections are replaced.
    # connect_timeout: an unreachable host fails a call in seconds instead of after the system's TCP timeout.
    return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to the engine; loaded rows stay readable after commit (no expiry)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One short-lived engine and session for a one-off unit of work (CLI command, pipeline node).

    Commits on success, rolls back on error; long-lived processes should keep an engine and `session_factory`.
    """
    engine = create_engine_for(url)
    try:
        # Not sessionmaker.begin(): after a repository function commits, that form refuses further work.
        with session_factory(engine)() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    """An Alembic Config built in code, pointing at this package's migrations (no alembic.ini).

    Also the way to autogenerate a revision: `command.revision(alembic_config(url), autogenerate=True, …)`.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Kept in attributes, not the ini-style options, where "%" in an encoded password would break parsing.
    config.attributes["url"] = url
    return config


# Any fixed 64-bit number: the advisory lock that serialises migrations of one database.
MIGRATION_LOCK_KEY = 0x7E57_0C0F


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (Alembic `upgrade head`); a no-op when current."""
    engine = create_engine_for(url)
    config = alembic_config(url)
    try:
        # One connection and one transaction: on both backends a failed migration leaves nothing behind.
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Servers and workers starting together on a new database migrate it one at a time; the
                # lock ends with the transaction, and the later ones find the schema current.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot migrate {_safe(engine.url)}: {_one_line(exc)}") from exc
    finally:
        engine.dispose()
