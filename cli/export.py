"""`testops export`: the embedded export of a stored request's suite to GitHub or GitLab, in this process."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from graph.settings import Settings
from storage.engine import migrate, session_scope
from storage.exports import create_export
from storage.models import ExportProvider
from storage.repository import get_request
from tools.delivered_suite import undeliverable_reason
from tools.errors import InputError
from tools.export.bundle import branch_name, check_folder, check_repository
from tools.export.errors import NotExportableError

console = Console()
notes = Console(stderr=True)
EXIT_REFUSED = 2


def _refuse(message: str) -> NoReturn:
    notes.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_REFUSED)


def _destination(github: str | None, gitlab: str | None) -> tuple[ExportProvider, str]:
    if (github is None) == (gitlab is None):
        raise typer.BadParameter("give exactly one of --github OWNER/REPO and --gitlab GROUP/PROJECT")
    provider = ExportProvider.GITHUB if github is not None else ExportProvider.GITLAB
    try:
        return provider, check_repository(provider, github or gitlab or "")
    except NotExportableError as error:
        raise typer.BadParameter(str(error)) from None


async def _told(stage: str, details: dict[str, Any]) -> None:
    shown = " ".join(f"{key}={value}" for key, value in details.items() if value is not None)
    notes.print(f"export {stage} {shown}".rstrip(), highlight=False, soft_wrap=True)


GitHubOption = Annotated[str | None, typer.Option(
    "--github", metavar="OWNER/REPO", help="Export to this GitHub repository (token: GITHUB_TOKEN).")]
GitLabOption = Annotated[str | None, typer.Option(
    "--gitlab", metavar="GROUP/PROJECT", help="Export to this GitLab project (token: GITLAB_TOKEN).")]
PathOption = Annotated[str, typer.Option("--path", metavar="DIR", help="The folder inside the repository.")]
BaseOption = Annotated[str | None, typer.Option(
    "--base", metavar="BRANCH", help="The branch the PR/MR targets (default: the repository's default).")]


def export_command(
    request_id: Annotated[str, typer.Argument(help="A request id from `testops list`.")],
    github: GitHubOption = None,
    gitlab: GitLabOption = None,
    path: PathOption = "tests/testops",
    base: BaseOption = None,
) -> None:
    """Export a completed request's suite: one commit on the branch testops/<request id>, with a CI job, in a
    pull (GitHub) or merge (GitLab) request, created or updated; prints its URL."""
    # Imported here: the provider clients take a second to load, which `testops --help` need not wait for.
    from tools.export.runner import export_token, run_export

    provider, repository = _destination(github, gitlab)
    try:
        folder, key = check_folder(path), uuid.UUID(request_id)
    except NotExportableError as error:
        raise typer.BadParameter(str(error), param_hint="'--path'") from None
    except ValueError:
        raise typer.BadParameter(f"not a request id: {request_id!r}", param_hint="'REQUEST_ID'") from None
    settings = Settings()
    try:
        export_token(settings, provider, None)  # before anything is stored: a missing token is bad input
        migrate(settings.sqlalchemy_url)
        with session_scope(settings.sqlalchemy_url) as session:
            request = get_request(session, key)
            if request is None:
                _refuse(f"no request {request_id}")
            if (reason := undeliverable_reason(request)) is not None:
                _refuse(reason)
            export = create_export(session, request_id=key, provider=provider, repository=repository,
                                   path=folder, base=base, branch=branch_name(str(key)))
        outcome = asyncio.run(run_export(settings, export.export_id, token=None, progress=_told))
    except InputError as error:
        _refuse(str(error))
    if outcome.url is None:
        notes.print(f"nothing to propose: the base branch of {repository} already holds this suite",
                    highlight=False)
        return
    # Alone on stdout, so that a script can take it: URL=$(testops export ...)
    print(outcome.url)
