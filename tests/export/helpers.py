"""Making and running an export the way the CLI and the worker do, and reading back what it stored."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from graph.settings import Settings
from storage.engine import session_scope
from storage.exports import create_export, get_export
from storage.models import Export, ExportProvider, Request
from storage.repository import TestCaseData, list_test_cases, replace_test_cases
from tools.export.bundle import branch_name
from tools.export.runner import ExportOutcome, run_export

FOLDER = "tests/api"


def new_export(settings: Settings, request: Request, provider: ExportProvider, repository: str, *,
               base: str | None = None, folder: str = FOLDER) -> uuid.UUID:
    with session_scope(settings.sqlalchemy_url) as session:
        export = create_export(session, request_id=request.request_id, provider=provider,
                               repository=repository, path=folder, base=base,
                               branch=branch_name(str(request.request_id)))
    return export.export_id


def run(settings: Settings, export_id: uuid.UUID, token: str | None,
        told: list[tuple[str, dict[str, Any]]] | None = None) -> ExportOutcome:
    async def progress(stage: str, details: dict[str, Any]) -> None:
        if told is not None:
            told.append((stage, details))

    return asyncio.run(run_export(settings, export_id, token=token, progress=progress))


def stored(settings: Settings, export_id: uuid.UUID) -> Export:
    with session_scope(settings.sqlalchemy_url) as session:
        return get_export(session, export_id)


def drop_module(settings: Settings, request: Request, module: str) -> None:
    """Change the request's suite: its tests of `module` are no longer delivered."""
    with session_scope(settings.sqlalchemy_url) as session:
        kept = [TestCaseData(**{name: getattr(row, name) for name in TestCaseData.model_fields})
                for row in list_test_cases(session, request.request_id) if row.module != module]
        replace_test_cases(session, request.request_id, kept)
