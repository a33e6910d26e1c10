"""Storage against real SQLite and PostgreSQL: migrations, models, and the repository functions."""

from __future__ import annotations

import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from storage import repository as repo
from storage.engine import StorageError, alembic_config, create_engine_for, migrate, session_scope
from storage.models import Base, Request, RequestStatus, TestCase
from tools.errors import UnknownRequestError
from vocabulary.artefacts import ResultSummary, Verdict


def _case(n: int, *, status: Verdict = Verdict.PASSED) -> repo.TestCaseData:
    return repo.TestCaseData(
        position=n,
        test_name=f"test_op_{n}",
        module="test_tasks.py",
        test_code=f"def test_op_{n}():\n    assert {n} == {n}\n",
        test_type="api",
        category="happy_path",
        code_hash=f"hash{n}",
        validation_status=status,
        validation_issues=[] if status is Verdict.PASSED else ["AssertionError: 404 != 200"],
        requirement_ids=[f"R{n}"],
        operation_ids=[f"op{n}"],
    )


def _new_request(session: Session) -> Request:
    return repo.create_request(
        session,
        request_id=None,
        kind="api",
        target="samples/tasks_api/openapi.yaml",
        base_url="http://127.0.0.1:8000",
        requirements=["Creating a task returns 201"],
        options={"max_attempts": 2, "review": False},
    )


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _current_revision(url: str) -> str | None:
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_migrate_creates_schema_on_empty_db(empty_url: str) -> None:
    migrate(empty_url)

    engine = create_engine_for(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) == {
            "alembic_version", "requests", "test_cases", "idempotency_keys", "api_keys", "exports",
            "review_messages", "llm_replies",
        }
    finally:
        engine.dispose()
    assert _current_revision(empty_url) == _head() == "0007"


def test_processes_starting_together_on_a_new_database_migrate_it_once(postgres_url: str) -> None:
    # A server and its workers starting at once on service mode's PostgreSQL: each migrates; none may fail on
    # the others' tables. (The embedded SQLite database belongs to one process.)
    empty_url = postgres_url
    with psycopg.connect(empty_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with ProcessPoolExecutor(max_workers=3, mp_context=multiprocessing.get_context("spawn")) as pool:
        for outcome in [pool.submit(migrate, empty_url) for _ in range(3)]:
            outcome.result()
    assert _current_revision(empty_url) == _head()


def test_migrate_twice_is_noop(db_url: str, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        request_id = _new_request(session).request_id

    migrate(db_url)

    assert _current_revision(db_url) == _head()
    with sessions() as session:
        assert repo.get_request(session, request_id) is not None


def test_models_match_migrations(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    # The same check through the shipped env.py, opening its own connection (`alembic check`).
    command.check(alembic_config(db_url))


def test_crud_flow(session: Session, sessions: sessionmaker[Session]) -> None:
    first = _new_request(session)
    second = repo.create_request(
        session,
        request_id=uuid.uuid4(),
        kind="ui",
        target="http://127.0.0.1:8000/login",
        base_url="",
        requirements=[],
        options={},
    )
    assert first.status is RequestStatus.PENDING

    repo.mark_processing(session, first.request_id)
    summary = ResultSummary(tests_generated=3, tests_saved=2).model_dump(mode="json")
    repo.mark_completed(session, first.request_id, summary)
    repo.mark_failed(session, second.request_id, "target unreachable: http://127.0.0.1:8000/login")

    with sessions() as fresh:  # read back through a new session, not the identity map
        done = repo.get_request(fresh, first.request_id)
        assert done is not None
        assert done.status is RequestStatus.COMPLETED
        assert done.kind == "api"
        assert done.requirements == ["Creating a task returns 201"]
        assert done.options == {"max_attempts": 2, "review": False}
        assert done.result_summary == summary
        assert done.error_message is None
        assert done.started_at is not None and done.completed_at is not None
        assert done.created_at <= done.started_at <= done.completed_at

        failed = repo.get_request(fresh, second.request_id)
        assert failed is not None
        assert failed.status is RequestStatus.FAILED
        assert failed.error_message == "target unreachable: http://127.0.0.1:8000/login"
        assert failed.result_summary is None

        assert [r.request_id for r in repo.list_requests(fresh)] == [second.request_id, first.request_id]
        assert [r.request_id for r in repo.list_requests(fresh, limit=1)] == [second.request_id]
        assert repo.get_request(fresh, uuid.uuid4()) is None
        with pytest.raises(UnknownRequestError):
            repo.mark_processing(fresh, uuid.uuid4())


def test_replace_test_cases_is_idempotent(session: Session, sessions: sessionmaker[Session]) -> None:
    request_id = _new_request(session).request_id
    cases = [_case(2), _case(1), _case(3, status=Verdict.FINDING)]

    repo.replace_test_cases(session, request_id, cases)
    with sessions() as fresh:
        first = [(t.test_id, t.code_hash, t.position) for t in repo.list_test_cases(fresh, request_id)]

    # A redelivered task persists the same run again, from a different session.
    with sessions() as other:
        repo.replace_test_cases(other, request_id, cases)
    with sessions() as fresh:
        rows = repo.list_test_cases(fresh, request_id)
        second = [(t.test_id, t.code_hash, t.position) for t in rows]
        assert fresh.scalar(select(func.count()).select_from(TestCase)) == 3
        assert rows[2].validation_status is Verdict.FINDING
        assert rows[2].validation_issues == ["AssertionError: 404 != 200"]
        assert rows[0].requirement_ids == ["R1"] and rows[0].operation_ids == ["op1"]

    assert first == second
    assert [h for _, h, _ in second] == ["hash1", "hash2", "hash3"]  # ordered by position
    assert len({i for i, _, _ in second}) == 3

    # A later save without one test drops it and keeps the others' ids.
    repo.replace_test_cases(session, request_id, cases[:2])
    request = repo.get_request(session, request_id)
    assert request is not None
    assert [(t.test_id, t.code_hash) for t in request.test_cases] == [(i, h) for i, h, _ in first[:2]]


def test_unique_request_code_hash_enforced(session: Session) -> None:
    request_id = _new_request(session).request_id
    with pytest.raises(ValueError, match="duplicate code_hash"):
        repo.replace_test_cases(session, request_id, [_case(1), _case(1)])

    data = _case(1).model_dump()
    session.add_all([TestCase(test_id=uuid.uuid4(), request_id=request_id, **data) for _ in range(2)])
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()

    with pytest.raises(UnknownRequestError):
        repo.replace_test_cases(session, uuid.uuid4(), [_case(1)])


def test_cascade_delete(session: Session) -> None:
    keep = _new_request(session).request_id
    gone = _new_request(session).request_id
    repo.replace_test_cases(session, keep, [_case(1)])
    repo.replace_test_cases(session, gone, [_case(1), _case(2)])
    session.expunge_all()

    # A Core delete: the database's ON DELETE CASCADE must remove the rows, not the ORM.
    session.execute(delete(Request).where(Request.request_id == gone))
    session.commit()

    assert session.scalars(select(TestCase.request_id)).all() == [keep]


def test_timestamps_round_trip_timezone_aware(session: Session, sessions: sessionmaker[Session]) -> None:
    request = _new_request(session)
    paris_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 12, 30, 15, 123456, tzinfo=paris_summer)
    request.started_at = moment
    session.commit()

    with sessions() as fresh:
        stored = repo.get_request(fresh, request.request_id)
        assert stored is not None
        assert stored.started_at == moment
        assert stored.started_at.utcoffset() == timedelta(0)
        assert stored.started_at.hour == 10
        assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - stored.created_at) < timedelta(minutes=1)

    request.completed_at = datetime(2026, 7, 1, 12, 30)  # naive: ambiguous, refused
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()


def test_session_scope_commits_or_rolls_back(db_url: str) -> None:
    with session_scope(db_url) as session:
        kept = _new_request(session).request_id
        repo.replace_test_cases(session, kept, [_case(1)])
    with pytest.raises(RuntimeError), session_scope(db_url) as session:
        session.add(Request(kind="ui", target="http://x", status=RequestStatus.PENDING))
        session.flush()
        raise RuntimeError("node failed")

    with session_scope(db_url) as session:
        assert session.scalars(select(Request.request_id)).all() == [kept]
        assert [t.code_hash for t in repo.list_test_cases(session, kept)] == ["hash1"]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "malformed database URL"),
        ("postgresql://user:s3cret@:bad-port/db", "malformed database URL"),
        ("mysql://root@127.0.0.1/testops", "unsupported database 'mysql'"),
        ("postgresql://postgres@127.0.0.1:1/testops", "cannot migrate postgresql+psycopg://"),
    ],
)
def test_bad_url_raises_storage_error_with_one_line(url: str, fragment: str) -> None:
    with pytest.raises(StorageError) as info:
        migrate(url)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert "s3cret" not in message


def test_sqlite_engine_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'fk.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()
    # The plain SQLAlchemy engine does neither: the factory is what makes cascades work on SQLite.
    plain = create_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    with plain.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 0
    plain.dispose()


def test_an_idempotency_key_is_reserved_once_then_names_its_request(session: Session) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=1)
    assert repo.claim_idempotency_key(session, "k1", "body-a", abandoned_before=long_ago) is None
    # While its first call is in flight, the key names no request yet.
    held = repo.claim_idempotency_key(session, "k1", "body-a", abandoned_before=long_ago)
    assert held is not None and held.request_id is None and held.fingerprint == "body-a"
    request_id = repo.create_request(session, kind="api", target="a.yaml", idempotency_key="k1").request_id
    bound = repo.claim_idempotency_key(session, "k1", "body-b", abandoned_before=datetime.now(UTC))
    assert bound is not None and (bound.request_id, bound.fingerprint) == (request_id, "body-a")
    repo.release_idempotency_key(session, "k1")  # a bound key is never released
    assert repo.claim_idempotency_key(session, "k1", "body-a", abandoned_before=long_ago) is not None


def test_an_abandoned_or_released_reservation_can_be_taken(session: Session) -> None:
    now = datetime.now(UTC)
    assert repo.claim_idempotency_key(session, "k2", "body-a", abandoned_before=now) is None
    # Its server died before making the request: once old enough, a retry takes the key over.
    later = now + timedelta(minutes=1)
    assert repo.claim_idempotency_key(session, "k2", "body-b", abandoned_before=later) is None
    repo.release_idempotency_key(session, "k2")
    assert repo.claim_idempotency_key(session, "k2", "body-c", abandoned_before=now) is None


def test_a_key_taken_over_still_names_one_request(session: Session) -> None:
    """A slow first call and the retry that took its reservation over both store: only one request is made."""
    now = datetime.now(UTC)
    assert repo.claim_idempotency_key(session, "k3", "body-a", abandoned_before=now) is None
    assert repo.claim_idempotency_key(session, "k3", "body-a", abandoned_before=now + timedelta(1)) is None
    made = repo.create_request(session, kind="api", target="retry.yaml", idempotency_key="k3")

    with pytest.raises(repo.IdempotencyKeyLostError):
        repo.create_request(session, kind="api", target="slow.yaml", idempotency_key="k3")

    assert session.scalar(select(func.count()).where(Request.target == "slow.yaml")) == 0
    held = repo.claim_idempotency_key(session, "k3", "body-a", abandoned_before=now)
    assert held is not None and held.request_id == made.request_id
    # Made but never queued: the call gives the request and the key up, and a retry may use the key again.
    repo.release_idempotency_key(session, "k3", made=made.request_id)
    assert repo.claim_idempotency_key(session, "k3", "body-a", abandoned_before=now) is None


def test_only_requests_never_queued_are_swept_and_each_once(session: Session) -> None:
    stranded = [_new_request(session).request_id for _ in range(3)]
    queued = _new_request(session).request_id
    repo.mark_enqueued(session, queued)
    started = _new_request(session).request_id
    repo.mark_processing(session, started)
    sent: list[uuid.UUID] = []

    def send(request: Request) -> None:
        sent.append(request.request_id)

    assert repo.enqueue_stranded(session, stored_before=datetime.now(UTC) - timedelta(hours=1), limit=10,
                                 send=send) == []
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert repo.enqueue_stranded(session, stored_before=later, limit=2, send=send) == stranded[:2]
    assert repo.enqueue_stranded(session, stored_before=later, limit=10, send=send) == stranded[2:]
    assert repo.enqueue_stranded(session, stored_before=later, limit=10, send=send) == []
    assert sent == stranded


def test_a_failed_send_leaves_the_request_for_the_next_sweep(session: Session) -> None:
    request_id = _new_request(session).request_id

    def broker_down(_: Request) -> None:
        raise ConnectionError("broker down")

    later = datetime.now(UTC) + timedelta(seconds=1)
    with pytest.raises(ConnectionError):
        repo.enqueue_stranded(session, stored_before=later, limit=10, send=broker_down)
    assert repo.enqueue_stranded(session, stored_before=later, limit=10, send=lambda _: None) == [request_id]
