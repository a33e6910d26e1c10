"""Small typed reads and writes of runs, shared by the CLI, the persistence node and the server.

Each write function commits its own transaction, so a call is all-or-nothing and safe to repeat.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ApiKey, IdempotencyKey, Request, RequestStatus, TestCase, utcnow
from tools.errors import UnknownRequestError
from vocabulary.artefacts import RequestKind, TestType, Verdict


class TestCaseData(BaseModel):
    """One test to save with a run; `replace_test_cases` turns it into a TestCase row."""

    __test__ = False  # not a pytest test class, despite the name

    position: int
    test_name: str
    module: str
    test_code: str
    test_type: TestType
    category: str
    code_hash: str = Field(min_length=1)
    validation_status: Verdict
    validation_issues: list[str] = Field(default_factory=list)
    requirement_ids: list[str] = Field(default_factory=list)
    operation_ids: list[str] = Field(default_factory=list)
    imports: list[str] = Field(default_factory=list)


class IdempotencyKeyLostError(Exception):
    """The call's reservation of an idempotency key was taken over (judged abandoned), and the call that took
    it made the request first: this call makes none."""


def stable_test_id(request_id: uuid.UUID, code_hash: str) -> uuid.UUID:
    """The stable id of a test within a run: re-persisting the same test keeps its id."""
    return uuid.uuid5(request_id, code_hash)


def create_request(
    session: Session,
    *,
    request_id: uuid.UUID | None = None,
    kind: RequestKind,
    target: str,
    base_url: str = "",
    requirements: Sequence[str] = (),
    options: dict[str, Any] | None = None,
    api_key_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> Request:
    """Store a new pending run, made with the API key `api_key_id` (None: not through the API); a random id
    is chosen when none is given.

    The `idempotency_key` this call reserved is bound to the run in the same transaction: a crash leaves
    both or neither, so a retry with the key finds this run or makes the only one (IdempotencyKeyLostError
    when another call holding the key made it first).
    """
    request = Request(
        request_id=request_id or uuid.uuid4(),
        kind=kind,
        target=target,
        base_url=base_url,
        requirements=list(requirements),
        options=dict(options or {}),
        status=RequestStatus.PENDING,
        created_at=utcnow(),
        api_key_id=api_key_id,
    )
    session.add(request)
    if idempotency_key is not None:
        session.flush()
        bound = session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == idempotency_key, IdempotencyKey.request_id.is_(None))
            .values(request_id=request.request_id)
        )
        if bound.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise IdempotencyKeyLostError(f"idempotency key {idempotency_key!r} already names a request")
    session.commit()
    return request


def get_request(session: Session, request_id: uuid.UUID) -> Request | None:
    """The run with that id, or None."""
    return session.get(Request, request_id)


def list_requests(session: Session, *, limit: int = 50, owner: uuid.UUID | None = None) -> list[Request]:
    """The most recent runs, newest first; only those made with the API key `owner` when given."""
    stmt = select(Request).order_by(Request.created_at.desc(), Request.request_id).limit(limit)
    if owner is not None:
        stmt = stmt.where(Request.api_key_id == owner)
    return list(session.scalars(stmt))


def _locked(session: Session, request_id: uuid.UUID) -> Request:
    # FOR UPDATE serialises concurrent writers of one run (e.g. a redelivered task) on PostgreSQL;
    # SQLite has a single writer anyway and ignores it.
    stmt = select(Request).where(Request.request_id == request_id).with_for_update()
    request = session.scalars(stmt).one_or_none()
    if request is None:
        raise UnknownRequestError(f"no request with id {request_id}")
    return request


def mark_processing(session: Session, request_id: uuid.UUID) -> Request:
    """The run has started (or restarted): clear any earlier outcome."""
    request = _locked(session, request_id)
    request.status = RequestStatus.PROCESSING
    request.started_at = utcnow()
    request.completed_at = None
    request.error_message = None
    session.commit()
    return request


def mark_completed(session: Session, request_id: uuid.UUID, summary: dict[str, Any]) -> Request:
    """The run finished; `summary` is a ResultSummary dumped in JSON mode."""
    request = _locked(session, request_id)
    request.status = RequestStatus.COMPLETED
    request.completed_at = utcnow()
    request.error_message = None
    request.result_summary = summary
    session.commit()
    return request


def mark_failed(session: Session, request_id: uuid.UUID, error: str) -> Request:
    """The run stopped on an error; `error` is the one line shown to the user."""
    request = _locked(session, request_id)
    request.status = RequestStatus.FAILED
    request.completed_at = utcnow()
    request.error_message = error
    session.commit()
    return request


def mark_enqueued(session: Session, request_id: uuid.UUID) -> None:
    """The request's task is with the broker (the first time only: a sweep's later send changes nothing)."""
    session.execute(
        update(Request)
        .where(Request.request_id == request_id, Request.enqueued_at.is_(None))
        .values(enqueued_at=utcnow())
    )
    session.commit()


def enqueue_stranded(
    session: Session, *, stored_before: datetime, limit: int, send: Callable[[Request], None]
) -> list[uuid.UUID]:
    """Queue, oldest first and at most `limit`, pending requests stored before `stored_before` but never
    queued; `send` hands one to the broker. Returns their ids.

    One row per transaction, locked while it is sent: concurrent sweepers skip it (SKIP LOCKED on
    PostgreSQL; SQLite has a single writer), and a send that raises leaves the row for the next sweep.
    """
    sent: list[uuid.UUID] = []
    stmt = (
        select(Request)
        .where(
            Request.status == RequestStatus.PENDING,
            Request.enqueued_at.is_(None),
            Request.created_at < stored_before,
        )
        .order_by(Request.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    while len(sent) < limit:
        request = session.scalars(stmt).one_or_none()
        if request is None:
            break
        try:
            send(request)
        except BaseException:
            session.rollback()
            raise
        request.enqueued_at = utcnow()
        session.commit()
        sent.append(request.request_id)
    session.rollback()  # end the last (empty) read's transaction
    return sent


def claim_idempotency_key(
    session: Session, key: str, fingerprint: str, *, abandoned_before: datetime
) -> IdempotencyKey | None:
    """Reserve `key` for a request about to be made (None), or the row that already holds it.

    A reservation that never got its request (its server died) is taken over once older than
    `abandoned_before`.
    """
    while True:  # a holder may release the key between our insert and our read: then insert again
        try:
            reservation = {"key": key, "fingerprint": fingerprint, "created_at": utcnow()}
            session.execute(insert(IdempotencyKey).values(**reservation))
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        taken_over = session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.key == key,
                IdempotencyKey.request_id.is_(None),
                IdempotencyKey.created_at < abandoned_before,
            )
            .values(fingerprint=fingerprint, created_at=utcnow())
        )
        session.commit()
        if taken_over.rowcount == 1:  # type: ignore[attr-defined]
            return None
        holder = session.get(IdempotencyKey, key, populate_existing=True)
        if holder is not None:
            return holder


def release_idempotency_key(session: Session, key: str, made: uuid.UUID | None = None) -> None:
    """The call holding `key` made no request (it was refused), or made `made` and gave it up (it could
    not be queued): the key is free for a retry."""
    held = IdempotencyKey.request_id.is_(None)
    if made is not None:
        held = or_(held, IdempotencyKey.request_id == made)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key, held))
    session.commit()


def replace_test_cases(
    session: Session,
    request_id: uuid.UUID,
    cases: Sequence[TestCaseData],
    support_files: Mapping[str, str] | None = None,
) -> list[TestCase]:
    """Make `cases` (and the suite's support files) the run's saved tests, in one transaction.

    Repeating the call changes nothing.
    """
    duplicates = sorted(h for h, n in Counter(c.code_hash for c in cases).items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate code_hash in the tests to save: {', '.join(duplicates)}")
    request = _locked(session, request_id)
    # Delete-then-insert rather than upsert: one portable path, and tests dropped since the last save go too.
    session.execute(delete(TestCase).where(TestCase.request_id == request_id))
    rows = [
        TestCase(
            test_id=stable_test_id(request_id, case.code_hash), request_id=request_id, **case.model_dump()
        )
        for case in cases
    ]
    session.add_all(rows)
    if support_files is not None:
        request.support_files = dict(support_files)
    session.commit()
    # The bulk delete bypassed the relationship; reload it on next access.
    session.expire(request, ["test_cases"])
    return rows


def list_test_cases(session: Session, request_id: uuid.UUID) -> list[TestCase]:
    """The run's saved tests in their suite order."""
    stmt = select(TestCase).where(TestCase.request_id == request_id).order_by(TestCase.position)
    return list(session.scalars(stmt))


def create_api_key(session: Session, *, name: str, key_hash: str, prefix: str) -> ApiKey:
    """Store a new key by its digest (the key itself is never stored)."""
    key = ApiKey(key_id=uuid.uuid4(), name=name, key_hash=key_hash, prefix=prefix, created_at=utcnow())
    session.add(key)
    session.commit()
    return key


def find_api_key(session: Session, key_hash: str) -> ApiKey | None:
    """The stored key with that digest, revoked or not, or None."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every stored key, revoked ones included, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.key_id)))


def revoke_api_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    """Refuse the key from now on (None when there is no such key); revoking it again changes nothing."""
    key = session.get(ApiKey, key_id, with_for_update=True)
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
    session.commit()
    return key
