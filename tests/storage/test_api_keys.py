"""API keys and request ownership against real SQLite and PostgreSQL: digests in, digests out; revision 0004
on a database that already holds requests."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker

from server.keys import new_key
from storage import repository as repo
from storage.engine import alembic_config, create_engine_for, migrate, session_scope
from storage.models import utcnow


def test_a_key_is_found_by_its_digest_and_never_stored_in_clear(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    key = new_key()
    with sessions() as session:
        stored = repo.create_api_key(session, name="ci", key_hash=key.digest, prefix=key.prefix)
    with sessions() as session:
        found = repo.find_api_key(session, key.digest)
        assert found is not None and found.key_id == stored.key_id and found.revoked_at is None
        assert repo.find_api_key(session, new_key().digest) is None
    engine = create_engine_for(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT * FROM api_keys").all()
    finally:
        engine.dispose()
    assert len(rows) == 1 and key.secret not in repr(rows)
    assert key.prefix in repr(rows) and key.digest in repr(rows)


def test_revoking_is_kept_and_repeatable(session: Session) -> None:
    key = new_key()
    stored = repo.create_api_key(session, name="laptop", key_hash=key.digest, prefix=key.prefix)
    first = repo.revoke_api_key(session, stored.key_id)
    assert first is not None and first.revoked_at is not None
    revoked_at = first.revoked_at
    again = repo.revoke_api_key(session, stored.key_id)
    assert again is not None and again.revoked_at == revoked_at
    assert repo.revoke_api_key(session, uuid.uuid4()) is None
    assert [k.key_id for k in repo.list_api_keys(session)] == [stored.key_id]


def test_requests_are_listed_for_their_own_key_only(session: Session) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    own = repo.create_request(session, kind="api", target="a.yaml", api_key_id=mine)
    repo.create_request(session, kind="api", target="b.yaml", api_key_id=theirs)
    unowned = repo.create_request(session, kind="ui", target="https://example.com")
    assert [r.request_id for r in repo.list_requests(session, owner=mine)] == [own.request_id]
    assert unowned.api_key_id is None
    assert len(repo.list_requests(session)) == 3  # the CLI sees every run


def test_revision_0004_keeps_existing_requests_unowned_and_downgrades(empty_url: str) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0003")
    before = uuid.uuid4()
    engine = create_engine_for(empty_url)
    try:  # written as revision 0003 knew requests: the model has a column more
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO requests (request_id, kind, target, base_url, requirements, options, "
                     "status, created_at) VALUES (:id, 'api', 'old.yaml', '', '[]', '{}', 'pending', :now)"),
                {"id": before.hex if engine.dialect.name == "sqlite" else before, "now": utcnow()},
            )
    finally:
        engine.dispose()

    migrate(empty_url)
    with session_scope(empty_url) as session:
        old = repo.get_request(session, before)
        assert old is not None and old.api_key_id is None

    command.downgrade(config, "0003")
    engine = create_engine_for(empty_url)
    try:
        inspector = inspect(engine)
        assert "api_keys" not in inspector.get_table_names()
        assert "api_key_id" not in {c["name"] for c in inspector.get_columns("requests")}
    finally:
        engine.dispose()
