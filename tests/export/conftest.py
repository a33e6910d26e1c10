"""Exports against local stand-ins of GitHub and GitLab, on a fresh PostgreSQL database and Redis database.

One real suite is generated once (the CLI, against the sample Task Tracker API); each test exports a copy of
that request of its own, to a repository of its own, so tests share nothing they change.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.settings import Settings
from samples.github_stub import GitHubStandIn, github_stand_in
from samples.gitlab_stub import GitLabStandIn, gitlab_stand_in
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import Request
from storage.repository import (
    TestCaseData,
    create_request,
    list_requests,
    list_test_cases,
    mark_completed,
    replace_test_cases,
)
from tests.e2e import stack

REDIS_DB = 11
# The token both stand-ins accept; the tests grep for it wherever it must not be.
TOKEN = "ghp_exportTestToken0123456789abcdef"
README = {"README.md": "# shop\n", "src/app.py": "print('shop')\n"}


@pytest.fixture(scope="package")
def target() -> Iterator[str]:
    """The correct sample API: generated for, and run against by the exported suite."""
    with sample.serve() as base_url:
        yield base_url


@pytest.fixture(scope="package")
def github() -> Iterator[tuple[str, GitHubStandIn]]:
    with github_stand_in(TOKEN) as served:
        yield served


@pytest.fixture(scope="package")
def gitlab() -> Iterator[tuple[str, GitLabStandIn]]:
    with gitlab_stand_in(TOKEN) as served:
        yield served


@pytest.fixture(autouse=True)
def fresh_stand_ins(github: tuple[str, GitHubStandIn], gitlab: tuple[str, GitLabStandIn]) -> None:
    """Each test counts its own calls and scripts its own failures."""
    for _, service in (github, gitlab):
        service.calls.clear()
        service.failures.clear()


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory, github: tuple[str, GitHubStandIn],
        gitlab: tuple[str, GitLabStandIn]) -> Iterator[dict[str, str]]:
    with stack.postgres_database("testops_export") as database_url, stack.redis_database(REDIS_DB) as broker:
        data_dir = tmp_path_factory.mktemp("export-data")
        # No GITHUB_TOKEN / GITLAB_TOKEN: each test gives the token it means to use.
        environment = stack.service_env(database_url, broker, data_dir, TESTOPS_GITHUB_API_URL=github[0],
                                        TESTOPS_GITLAB_URL=gitlab[0], TESTOPS_TARGET_ALLOWLIST="127.0.0.1",
                                        TESTOPS_SSE_PING_S="0.5", TESTOPS_EXPORT_MAX_WAIT_S="5")
        for name in ("GITHUB_TOKEN", "GITLAB_TOKEN"):
            environment.pop(name, None)
        yield environment


@pytest.fixture(scope="package")
def settings(env: dict[str, str]) -> Settings:
    return Settings(database_url=env["TESTOPS_DATABASE_URL"], redis_url=env["TESTOPS_REDIS_URL"],
                    data_dir=Path(env["TESTOPS_DATA_DIR"]), github_api_url=env["TESTOPS_GITHUB_API_URL"],
                    gitlab_url=env["TESTOPS_GITLAB_URL"], export_max_wait_s=5.0)


@pytest.fixture(scope="package")
def generated(env: dict[str, str], settings: Settings, target: str,
              tmp_path_factory: pytest.TempPathFactory) -> uuid.UUID:
    """The request of a real suite, generated and validated against the sample API by the CLI."""
    requirements = [arg for text in sample.load_requirements() for arg in ("--requirement", text)]
    out = tmp_path_factory.mktemp("generated") / "suite"
    command = [sys.executable, "-m", "cli", "generate", "api", str(sample.SPEC_PATH), "--base-url", target,
               "--out", str(out), *requirements]
    finished = subprocess.run(command, env=env, cwd=stack.REPO, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    with session_scope(settings.sqlalchemy_url) as session:
        return list_requests(session, limit=1)[0].request_id


def copy_request(settings: Settings, source: uuid.UUID, *, owner: uuid.UUID | None = None) -> Request:
    """A completed request of its own holding the same suite, tests and summary as `source`, made with the
    API key `owner` (None: by the CLI)."""
    with session_scope(settings.sqlalchemy_url) as session:
        original = session.get(Request, source)
        assert original is not None
        copy = create_request(session, kind=original.kind, target=original.target,  # type: ignore[arg-type]
                              base_url=original.base_url, requirements=original.requirements,
                              options=original.options, api_key_id=owner)
        cases = [TestCaseData(**{name: getattr(row, name) for name in TestCaseData.model_fields})
                 for row in list_test_cases(session, source)]
        replace_test_cases(session, copy.request_id, cases, support_files=original.support_files)
        return mark_completed(session, copy.request_id, original.result_summary or {})


@pytest.fixture
def completed(settings: Settings, generated: uuid.UUID) -> Request:
    return copy_request(settings, generated)


@pytest.fixture
def repository(request: pytest.FixtureRequest) -> str:
    """A repository name of the test's own."""
    return "acme/" + re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:60].strip("-")
