"""Exports to the GitLab stand-in: one commit with an action per file, then the merge request; the exact
calls of a first export, a re-export after a change (same MR, one new commit), a re-export with no change (no
commit), a retried export, and each error GitLab answers."""

from __future__ import annotations

import logging
import time

import pytest

from graph.settings import Settings
from samples.gitlab_stub import GitLabStandIn
from storage.models import ExportProvider, ExportStatus, Request
from tests.export.conftest import README, TOKEN
from tests.export.helpers import FOLDER, drop_module, new_export, run, stored
from tools.export.errors import (
    AlreadyExistsError,
    ExportError,
    RateLimitedError,
    RepositoryNotFoundError,
    TokenRejectedError,
)


@pytest.fixture
def lab(gitlab: tuple[str, GitLabStandIn]) -> GitLabStandIn:
    return gitlab[1]


def _project(repository: str) -> str:
    return f"/api/v4/projects/{repository.replace('/', '%2F')}"


def test_first_export_makes_one_commit_with_every_file_and_opens_a_merge_request(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = lab.add_project(repository, README)
    branch = f"testops/{completed.request_id}"
    project = _project(repository)

    outcome = run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    assert lab.calls_made() == [
        ("GET", project),
        ("GET", f"{project}/repository/branches/{branch.replace('/', '%2F')}"),
        ("HEAD", f"{project}/repository/files/.gitlab-ci.yml"),
        ("GET", f"{project}/repository/tree"),
        ("POST", f"{project}/repository/commits"),
        ("GET", f"{project}/merge_requests"),
        ("POST", f"{project}/merge_requests"),
    ]
    commit = next(c for c in lab.calls if c.path.endswith("/repository/commits")).body
    files = store.files(branch)
    assert commit["branch"] == branch and commit["start_branch"] == "main"
    assert sorted(a["file_path"] for a in commit["actions"]) == sorted(set(files) - set(README))
    assert {a["action"] for a in commit["actions"]} == {"create"}
    # The suite's job under its folder, and a project configuration (it had none) including it.
    assert "testops-tests-api:" in files[f"{FOLDER}/.gitlab-ci.yml"]
    assert files[".gitlab-ci.yml"].endswith('include:\n  - local: "/tests/api/.gitlab-ci.yml"\n')
    assert len(store.history(branch)) == 2
    merge_request = lab.merge_requests[repository][0]
    assert (merge_request["source_branch"], merge_request["target_branch"]) == (branch, "main")
    assert "### Findings" in merge_request["description"]
    assert (outcome.number, outcome.url) == (1, merge_request["web_url"])
    export = stored(settings, outcome.export_id)
    assert (export.status, export.number, export.commit_sha) == (ExportStatus.COMPLETED, 1,
                                                                store.branches[branch])
    assert TOKEN not in caplog.text


def test_re_exports_update_the_same_merge_request_with_one_commit_and_none_when_nothing_changed(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
) -> None:
    store = lab.add_project(repository, {**README, ".gitlab-ci.yml": "lint:\n  script: [make lint]\n"})
    branch = f"testops/{completed.request_id}"
    first = run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)
    assert store.files(branch)[".gitlab-ci.yml"] == "lint:\n  script: [make lint]\n"  # the team's, untouched
    lab.calls.clear()

    drop_module(settings, completed, "test_users.py")
    changed = run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    project = _project(repository)
    assert lab.writes() == [("POST", f"{project}/repository/commits")]
    assert ("GET", f"{project}/merge_requests/1") in lab.calls_made()
    commit = next(c for c in lab.calls if c.method == "POST").body
    assert commit["actions"] == [{"action": "delete", "file_path": f"{FOLDER}/test_users.py"}]
    assert "start_branch" not in commit
    assert (changed.number, changed.url) == (first.number, first.url)
    assert len(store.history(branch)) == 3 and len(lab.merge_requests[repository]) == 1
    lab.calls.clear()

    unchanged = run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    assert lab.writes() == [] and unchanged.number == first.number and not unchanged.committed
    assert len(store.history(branch)) == 3


def test_stale_files_under_the_folder_are_deleted_reading_every_page_of_the_tree(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
) -> None:
    stale = {f"{FOLDER}/old/test_{n:03}.py": f"# {n}\n" for n in range(150)}
    store = lab.add_project(repository, {**README, **stale})

    run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    pages = [c.query for c in lab.calls if c.path.endswith("/repository/tree")]
    assert [page.rsplit("page=", 1)[1] for page in pages] == ["1", "2"]
    files = store.files(f"testops/{completed.request_id}")
    assert not set(stale) & set(files) and set(README) <= set(files)


def test_a_retried_export_repeats_nothing(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
) -> None:
    lab.add_project(repository, README)
    export_id = new_export(settings, completed, ExportProvider.GITLAB, repository)
    exists = "Another open merge request already exists for this source branch: !7"
    lab.fail("POST", "/merge_requests", 409, {"message": [exists]})
    with pytest.raises(AlreadyExistsError, match=r"HTTP 409.*Another open merge request already exists"):
        run(settings, export_id, TOKEN)
    lab.calls.clear()

    outcome = run(settings, export_id, TOKEN)

    assert lab.writes() == [("POST", f"{_project(repository)}/merge_requests")]
    assert outcome.number == 1 and stored(settings, export_id).status is ExportStatus.COMPLETED
    lab.calls.clear()
    run(settings, export_id, TOKEN)
    assert lab.calls == []


@pytest.mark.parametrize(("token", "repository_name", "failure", "error", "said"), [
    ("glpat-wrong", None, None, TokenRejectedError, r"GitLab refused the token for .* \(HTTP 401\)"),
    (TOKEN, None, (403, {"message": "403 Forbidden"}), TokenRejectedError, r"\(HTTP 403\): 403 Forbidden"),
    (TOKEN, "acme/nowhere", None, RepositoryNotFoundError, "GitLab has no repository acme/nowhere"),
])
def test_a_refused_token_or_a_missing_project_is_one_clear_error(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str, token: str,
    repository_name: str | None, failure: tuple[int, dict] | None, error: type[ExportError], said: str,
) -> None:
    lab.add_project(repository, README)
    if failure is not None:
        lab.fail("GET", repository.replace("/", "%2F"), *failure)
    export_id = new_export(settings, completed, ExportProvider.GITLAB, repository_name or repository)

    with pytest.raises(error, match=said) as raised:
        run(settings, export_id, token)

    assert lab.writes() == [] and token not in str(raised.value)
    assert stored(settings, export_id).error_message == str(raised.value)


def test_rate_limits_wait_what_gitlab_says_and_server_errors_are_retried(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
) -> None:
    lab.add_project(repository, README)
    lab.fail("GET", repository.replace("/", "%2F"), 429, {"message": "Retry later"},
             headers={"RateLimit-Reset": str(int(time.time()) + 2)})
    lab.fail("POST", "/repository/commits", 429, {"message": "Retry later"}, headers={"Retry-After": "1"})
    lab.fail("POST", "/merge_requests", 502, {"message": "502 Bad Gateway"})
    started = time.monotonic()

    outcome = run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    assert time.monotonic() - started >= 1.5 and outcome.number == 1
    assert lab.writes().count(("POST", f"{_project(repository)}/repository/commits")) == 2
    assert len(lab.merge_requests[repository]) == 1


def test_a_rate_limit_beyond_the_bound_fails_at_once(
    settings: Settings, completed: Request, lab: GitLabStandIn, repository: str,
) -> None:
    lab.add_project(repository, README)
    lab.fail("GET", repository.replace("/", "%2F"), 429, {"message": "Retry later"},
             headers={"Retry-After": "900"})

    with pytest.raises(RateLimitedError, match="GitLab rate limit reached for .*: retry in 900 s"):
        run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    assert lab.calls_made() == [("GET", _project(repository))]
