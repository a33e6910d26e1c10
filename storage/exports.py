"""Reads and writes of `Export` rows; each write commits its own transaction, like storage.repository."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Export, ExportProvider, ExportStatus, utcnow
from tools.errors import UnknownRequestError


def create_export(
    session: Session,
    *,
    request_id: uuid.UUID,
    provider: ExportProvider,
    repository: str,
    path: str,
    base: str | None,
    branch: str,
) -> Export:
    """Store a pending export of the request's suite."""
    export = Export(export_id=uuid.uuid4(), request_id=request_id, provider=provider, repository=repository,
                    path=path, base=base, branch=branch, status=ExportStatus.PENDING)
    session.add(export)
    session.commit()
    return export


def get_export(session: Session, export_id: uuid.UUID) -> Export:
    export = session.get(Export, export_id)
    if export is None:
        raise UnknownRequestError(f"no export with id {export_id}")
    return export


def list_exports(session: Session, request_id: uuid.UUID) -> list[Export]:
    """The request's exports, oldest first."""
    stmt = select(Export).where(Export.request_id == request_id).order_by(Export.created_at)
    return list(session.scalars(stmt))


def previous_number(session: Session, export: Export) -> int | None:
    """The PR/MR number an earlier export of the same request left on the same branch, if any."""
    stmt = (
        select(Export.number)
        .where(Export.request_id == export.request_id, Export.provider == export.provider,
               Export.repository == export.repository, Export.branch == export.branch,
               Export.number.is_not(None), Export.export_id != export.export_id)
        .order_by(Export.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def mark_export_running(session: Session, export_id: uuid.UUID) -> Export:
    export = get_export(session, export_id)
    export.status, export.error_message = ExportStatus.RUNNING, None
    session.commit()
    return export


def record_commit(session: Session, export_id: uuid.UUID, *, commit_sha: str, tree_sha: str | None,
                  content_hash: str) -> None:
    """What the branch holds now: a retried export compares against it and commits nothing again."""
    export = get_export(session, export_id)
    export.commit_sha, export.tree_sha, export.content_hash = commit_sha, tree_sha, content_hash
    session.commit()


def record_review_request(session: Session, export_id: uuid.UUID, *, number: int, url: str) -> None:
    """The PR/MR the export opened or updated: a retried export updates it instead of looking again."""
    export = get_export(session, export_id)
    export.number, export.url = number, url
    session.commit()


def mark_export_completed(session: Session, export_id: uuid.UUID) -> Export:
    export = get_export(session, export_id)
    export.status, export.completed_at = ExportStatus.COMPLETED, utcnow()
    session.commit()
    return export


def mark_export_failed(session: Session, export_id: uuid.UUID, error: str) -> Export:
    export = get_export(session, export_id)
    export.status, export.error_message, export.completed_at = ExportStatus.FAILED, error, utcnow()
    session.commit()
    return export
