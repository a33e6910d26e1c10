"""One export from start to end: read the stored suite, build the bundle, commit, open or update the PR/MR,
and store each result as it comes, so a retried export repeats nothing it did.

The token is an argument, never stored: it goes to the provider's client and nowhere else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from graph.settings import Settings
from storage.engine import session_scope
from storage.exports import (
    get_export,
    mark_export_completed,
    mark_export_failed,
    mark_export_running,
    previous_number,
    record_commit,
    record_review_request,
)
from storage.models import Export, ExportProvider, ExportStatus
from storage.repository import get_request, list_test_cases
from tools.delivered_suite import suite_files, undeliverable_reason
from tools.errors import UnknownRequestError
from tools.export.bundle import build_bundle
from tools.export.errors import ExportError, NotExportableError, TokenRejectedError, redacted
from tools.export.github import GitHubExport
from tools.export.gitlab import GitLabExport
from tools.export.provider import Destination, Progress

TOKEN_VARIABLES = {ExportProvider.GITHUB: "GITHUB_TOKEN", ExportProvider.GITLAB: "GITLAB_TOKEN"}


@dataclass(frozen=True, kw_only=True)
class ExportOutcome:
    """How an export ended: its PR/MR (None when the base already held the suite), and whether this run made
    a commit."""

    export_id: uuid.UUID
    status: ExportStatus
    number: int | None
    url: str | None
    committed: bool

    @classmethod
    def of(cls, export: Export, *, committed: bool) -> ExportOutcome:
        return cls(export_id=export.export_id, status=export.status, number=export.number, url=export.url,
                   committed=committed)


def export_token(settings: Settings, provider: ExportProvider, given: str | None) -> str:
    """The export's own token, else the environment's; one readable line when there is neither."""
    secret = settings.github_token if provider is ExportProvider.GITHUB else settings.gitlab_token
    token = given or secret.get_secret_value()
    if not token:
        raise TokenRejectedError(f"no token for {provider.value}: set {TOKEN_VARIABLES[provider]} "
                                 "or give one with the export")
    return token


def _client(settings: Settings, export: Export, token: str) -> GitHubExport | GitLabExport:
    destination = Destination(repository=export.repository, base=export.base, branch=export.branch)
    if export.provider is ExportProvider.GITHUB:
        return GitHubExport(api_url=settings.github_api_url, token=token, destination=destination,
                            max_wait_s=settings.export_max_wait_s)
    return GitLabExport(gitlab_url=settings.gitlab_url, token=token, destination=destination,
                        max_wait_s=settings.export_max_wait_s)


async def _quiet(stage: str, details: dict[str, object]) -> None:
    """The progress of an export nobody follows."""


async def run_export(settings: Settings, export_id: uuid.UUID, *, token: str | None,
                     progress: Progress = _quiet) -> ExportOutcome:
    """Carry out the stored export `export_id`; a completed one is left as it is. Raises an `ExportError`
    (stored as the export's error, the token masked) when the provider refuses or the suite cannot go."""
    url = settings.sqlalchemy_url
    with session_scope(url) as session:
        export = get_export(session, export_id)
        if export.status is ExportStatus.COMPLETED:
            return ExportOutcome.of(export, committed=False)
        request = get_request(session, export.request_id)
        if request is None:
            raise UnknownRequestError(f"no request with id {export.request_id}")
        suite = suite_files(list_test_cases(session, request.request_id), request.support_files or {})
        known_number = export.number or previous_number(session, export)
        export = mark_export_running(session, export_id)
    secret = token or ""
    try:
        if (reason := undeliverable_reason(request)) is not None:
            raise NotExportableError(reason)
        secret = export_token(settings, export.provider, token)
        bundle = build_bundle(request, suite, provider=export.provider, folder=export.path)
        await progress("started", {"provider": export.provider.value, "repository": export.repository,
                                   "branch": export.branch, "path": export.path})
        async with _client(settings, export, secret) as client:
            committed = await client.commit(bundle)
            if committed.head_sha is not None:
                with session_scope(url) as session:
                    record_commit(session, export_id, commit_sha=committed.head_sha,
                                  tree_sha=committed.tree_sha, content_hash=bundle.content_hash)
            await progress("committed" if committed.created else "unchanged",
                           {"commit": committed.head_sha, "files": len(bundle.files)})
            if committed.head_sha is not None:
                review = await client.review_request(bundle, known_number)
                with session_scope(url) as session:
                    record_review_request(session, export_id, number=review.number, url=review.url)
                await progress("review_request", {"number": review.number, "url": review.url,
                                                  "created": review.created})
    except Exception as error:
        # Ours are worded without the token; masking is for a provider that echoes it back.
        message = redacted(str(error), secret) if isinstance(error, ExportError) else \
            f"internal error: {type(error).__name__}"
        error.args = (message,) if isinstance(error, ExportError) else error.args
        with session_scope(url) as session:
            mark_export_failed(session, export_id, message)
        await progress("failed", {"error": message, "error_type": type(error).__name__})
        raise
    with session_scope(url) as session:
        done = mark_export_completed(session, export_id)
    await progress("completed", {"number": done.number, "url": done.url})
    return ExportOutcome.of(done, committed=committed.created)
