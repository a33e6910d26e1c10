"""Exports to the GitHub stand-in through the git data API: the exact calls of a first export, a re-export
after a change (same PR, one new commit), a re-export with no change (no commit), a retried export, exports
to a repository too big for GitHub to list whole, and each error a provider answers."""

from __future__ import annotations

import logging
import time

import pytest

from graph.settings import Settings
from samples.git_hosting import Call, GitStore
from samples.github_stub import GitHubStandIn
from storage.models import ExportProvider, ExportStatus, Request
from tests.export.conftest import README, TOKEN
from tests.export.helpers import FOLDER, drop_module, new_export, run, stored
from tools.export.errors import (
    AlreadyExistsError,
    ExportError,
    ProviderUnavailableError,
    RateLimitedError,
    RepositoryNotFoundError,
    TokenRejectedError,
)

WORKFLOW = ".github/workflows/testops-tests-api.yml"
# Other folders than the export's: more entries than the stand-in then lists recursively at once.
VENDORED = {f"vendor/lib{number}/module.py": f"VERSION = {number}\n" for number in range(40)}
RECURSIVE_LIMIT = 30


@pytest.fixture
def hub(github: tuple[str, GitHubStandIn]) -> GitHubStandIn:
    return github[1]


def _folder_id(store: GitStore, tree: str, folder: str) -> str:
    """The tree id of `folder` ("a/b") in `tree`."""
    for name in folder.split("/"):
        tree = store.folders[tree][name]
    return tree


def _tree_reads(repo: str, calls: list[Call]) -> list[tuple[str, str]]:
    """The tree ids the export listed, in order, each with its query ("recursive=1" or none)."""
    return [(c.path.removeprefix(f"{repo}/git/trees/"), c.query) for c in calls
            if c.method == "GET" and c.path.startswith(f"{repo}/git/trees/")]


def _reads_of_a_re_export(store: GitStore, tree: str) -> list[tuple[str, str]]:
    """Each level down to the export's folder and the workflows' folder, then those two folders whole."""
    return [(tree, ""), (_folder_id(store, tree, "tests"), ""),
            (_folder_id(store, tree, FOLDER), "recursive=1"), (_folder_id(store, tree, ".github"), ""),
            (_folder_id(store, tree, ".github/workflows"), "recursive=1")]


def test_first_export_makes_one_commit_on_the_branch_and_opens_a_pull_request(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = hub.add_repository(repository, README)
    main = store.branches["main"]
    branch = f"testops/{completed.request_id}"
    told: list[tuple[str, dict]] = []

    outcome = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN, told)

    repo = f"/repos/{repository}"
    files = store.files(branch)
    blobs = [("POST", f"{repo}/git/blobs")] * (len(files) - len(README))
    assert hub.calls_made() == [
        ("GET", repo),
        ("GET", f"{repo}/git/ref/heads/{branch}"),
        ("GET", f"{repo}/git/ref/heads/main"),
        ("GET", f"{repo}/git/commits/{main}"),
        ("GET", f"{repo}/git/trees/{store.commits[main].tree}"),
        *blobs,
        ("POST", f"{repo}/git/trees"),
        ("POST", f"{repo}/git/commits"),
        ("POST", f"{repo}/git/refs"),
        ("GET", f"{repo}/pulls"),
        ("POST", f"{repo}/pulls"),
    ]
    calls = {(c.method, c.path): c for c in hub.calls}
    assert calls[("GET", f"{repo}/pulls")].query == f"state=open&head=acme%3A{branch.replace('/', '%2F')}"
    # The root, non-recursively: neither tests/ nor .github/ exists yet, so nothing else is listed.
    assert calls[("GET", f"{repo}/git/trees/{store.commits[main].tree}")].query == ""
    assert calls[("POST", f"{repo}/git/trees")].body["base_tree"] == store.commits[main].tree
    assert calls[("POST", f"{repo}/git/commits")].body["parents"] == [main]
    assert calls[("POST", f"{repo}/git/refs")].body == {"ref": f"refs/heads/{branch}",
                                                        "sha": store.branches[branch]}
    # One commit on top of the base holds the suite, its requirements, README and CI job.
    assert len(store.history(branch)) == 2 and store.history(branch)[1] == store.history("main")[0]
    delivered = {f"{FOLDER}/requirements.txt", f"{FOLDER}/README.md", f"{FOLDER}/conftest.py", WORKFLOW}
    assert delivered <= set(files)
    assert any(path.startswith(f"{FOLDER}/test_") for path in files)
    assert "TestOps suite (tests/api)" in files[WORKFLOW]
    assert 'working-directory: "tests/api"' in files[WORKFLOW]
    assert "| R1 |" in files[f"{FOLDER}/README.md"] and "## Findings" in files[f"{FOLDER}/README.md"]
    pull = hub.pulls[repository][0]
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (branch, "main")
    assert "### Requirement coverage" in pull["body"] and str(completed.request_id) in pull["body"]
    assert outcome.number == 1 and outcome.url == pull["html_url"] and outcome.committed
    export = stored(settings, outcome.export_id)
    assert export.status is ExportStatus.COMPLETED
    assert (export.number, export.url, export.commit_sha) == (1, pull["html_url"], store.branches[branch])
    assert export.tree_sha == store.commits[store.branches[branch]].tree and export.content_hash
    assert [stage for stage, _ in told] == ["started", "committed", "review_request", "completed"]
    assert TOKEN not in caplog.text and TOKEN not in repr(told)


def test_re_exports_update_the_same_pull_request_with_one_commit_and_none_when_nothing_changed(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    store = hub.add_repository(repository, README)
    branch = f"testops/{completed.request_id}"
    first = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)
    head = store.branches[branch]
    hub.calls.clear()

    drop_module(settings, completed, "test_users.py")
    changed = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    repo = f"/repos/{repository}"
    assert _tree_reads(repo, hub.calls) == _reads_of_a_re_export(store, store.commits[head].tree)
    # The deleted module is the only change: no blob, a tree without it, one commit, the ref moved.
    assert hub.writes() == [("POST", f"{repo}/git/trees"), ("POST", f"{repo}/git/commits"),
                            ("PATCH", f"{repo}/git/refs/heads/{branch}")]
    assert ("GET", f"{repo}/pulls/1") in hub.calls_made()
    assert (changed.number, changed.url, changed.committed) == (first.number, first.url, True)
    assert len(store.history(branch)) == 3 and store.history(branch)[1] == store.commits[head]
    assert f"{FOLDER}/test_users.py" not in store.files(branch) and len(hub.pulls[repository]) == 1
    hub.calls.clear()

    unchanged = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    assert hub.writes() == []
    assert (unchanged.number, unchanged.committed) == (first.number, False)
    assert len(store.history(branch)) == 3


def test_a_repository_too_big_to_list_whole_is_exported_and_re_exported_folder_by_folder(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    files = {**README, **VENDORED, "tests/unit/test_core.py": "def test_core() -> None:\n    pass\n"}
    store = hub.add_repository(repository, files, recursive_limit=RECURSIVE_LIMIT)
    repo, branch = f"/repos/{repository}", f"testops/{completed.request_id}"
    root = store.commits[store.branches["main"]].tree
    whole = hub.route("GET", f"{repo}/git/trees/{root}", {"recursive": ["1"]}, {})
    assert whole.body["truncated"] and len(whole.body["tree"]) == RECURSIVE_LIMIT  # what the old read got

    first = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    # tests/ exists but not tests/api/; .github/ does not: no recursive listing at all.
    assert _tree_reads(repo, hub.calls) == [(root, ""), (_folder_id(store, root, "tests"), "")]
    assert first.committed and set(files.items()) <= set(store.files(branch).items())
    head = store.branches[branch]
    hub.calls.clear()

    drop_module(settings, completed, "test_users.py")
    changed = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    assert _tree_reads(repo, hub.calls) == _reads_of_a_re_export(store, store.commits[head].tree)
    assert hub.writes() == [("POST", f"{repo}/git/trees"), ("POST", f"{repo}/git/commits"),
                            ("PATCH", f"{repo}/git/refs/heads/{branch}")]
    tree_call = next(c for c in hub.calls if (c.method, c.path) == ("POST", f"{repo}/git/trees"))
    assert tree_call.body["tree"] == [{"path": f"{FOLDER}/test_users.py", "mode": "100644", "type": "blob",
                                       "sha": None}]
    assert (changed.number, changed.committed) == (first.number, True)
    kept = store.files(branch)
    assert f"{FOLDER}/test_users.py" not in kept and set(files.items()) <= set(kept.items())
    hub.calls.clear()

    unchanged = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    assert hub.writes() == [] and not unchanged.committed and len(store.history(branch)) == 3


def test_an_export_folder_too_big_to_list_is_one_clear_error_and_writes_nothing(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    crowded = {f"{FOLDER}/recorded/case_{number}.json": "{}\n" for number in range(RECURSIVE_LIMIT + 1)}
    hub.add_repository(repository, {**README, **crowded}, recursive_limit=RECURSIVE_LIMIT)
    export_id = new_export(settings, completed, ExportProvider.GITHUB, repository)

    with pytest.raises(ExportError) as raised:
        run(settings, export_id, TOKEN)

    message = str(raised.value)
    assert message == (f"GitHub lists {FOLDER}/ of {repository} only in part: the folder holds more files "
                       "than GitHub lists at once; export to another folder")
    assert not raised.value.retryable and hub.writes() == []
    export = stored(settings, export_id)
    assert (export.status, export.error_message) == (ExportStatus.FAILED, message)


def test_a_retried_export_repeats_nothing(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    store = hub.add_repository(repository, README)
    export_id = new_export(settings, completed, ExportProvider.GITHUB, repository)
    locked = {"message": "Validation Failed", "errors": [{"message": "Base is locked"}]}
    hub.fail("POST", "/pulls", 422, locked)
    with pytest.raises(AlreadyExistsError):
        run(settings, export_id, TOKEN)
    assert stored(settings, export_id).commit_sha == store.branches[f"testops/{completed.request_id}"]
    hub.calls.clear()

    outcome = run(settings, export_id, TOKEN)  # the task delivered again

    repo = f"/repos/{repository}"
    assert hub.writes() == [("POST", f"{repo}/pulls")]  # the commit it made stands; only the PR was left
    assert outcome.number == 1 and stored(settings, export_id).status is ExportStatus.COMPLETED
    hub.calls.clear()

    assert run(settings, export_id, TOKEN).url == outcome.url
    assert hub.calls == []  # completed: not even a read


@pytest.mark.parametrize(("status", "body", "error"), [
    (403, {"message": "Resource not accessible by personal access token"}, TokenRejectedError),
    (409, {"message": "Git Repository is empty."}, AlreadyExistsError),
    (422, {"message": "Validation Failed", "errors": [
        {"resource": "PullRequest", "code": "custom",
         "message": "A pull request already exists for acme:x."}]},
     AlreadyExistsError),
])
def test_a_refusal_is_one_clear_error_stored_on_the_export(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str, status: int, body: dict,
    error: type[ExportError],
) -> None:
    hub.add_repository(repository, README)
    hub.fail("POST", "/git/refs" if status != 422 else "/pulls", status, body)
    export_id = new_export(settings, completed, ExportProvider.GITHUB, repository)

    with pytest.raises(error) as raised:
        run(settings, export_id, TOKEN)

    message = str(raised.value)
    assert f"HTTP {status}" in message and body["message"] in message and "\n" not in message
    if status == 422:
        assert "A pull request already exists" in message
    export = stored(settings, export_id)
    assert (export.status, export.error_message) == (ExportStatus.FAILED, message)


def test_a_bad_token_and_a_missing_repository_fail_before_anything_is_written(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    hub.add_repository(repository, README)
    refused = r"GitHub refused the token for .* \(HTTP 401\): Bad credentials"
    with pytest.raises(TokenRejectedError, match=refused):
        run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), "ghp_wrong")
    with pytest.raises(RepositoryNotFoundError, match=r"GitHub has no repository acme/nowhere"):
        run(settings, new_export(settings, completed, ExportProvider.GITHUB, "acme/nowhere"), TOKEN)
    with pytest.raises(TokenRejectedError, match="no token for github: set GITHUB_TOKEN"):
        run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), None)
    assert hub.writes() == []


def test_rate_limits_wait_what_github_says_and_server_errors_are_retried(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    hub.add_repository(repository, README)
    reset = int(time.time()) + 2
    hub.fail("GET", repository, 403, {"message": "API rate limit exceeded"},
             headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    hub.fail("POST", "/git/trees", 502, {"message": "Server Error"})
    hub.fail("POST", "/pulls", 429, {"message": "secondary rate limit"}, headers={"Retry-After": "1"})
    started = time.monotonic()

    outcome = run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    assert time.monotonic() - started >= 1.5  # the reset time (1 s or more), then Retry-After's 1 s
    assert outcome.number == 1
    assert hub.calls_made("POST").count(("POST", f"/repos/{repository}/git/trees")) == 2
    assert hub.calls_made("POST").count(("POST", f"/repos/{repository}/git/commits")) == 1


def test_a_rate_limit_beyond_the_bound_fails_at_once_with_when_to_retry(
    settings: Settings, completed: Request, hub: GitHubStandIn, repository: str,
) -> None:
    hub.add_repository(repository, README)
    hub.fail("GET", repository, 429, {"message": "slow down"}, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimitedError, match="GitHub rate limit reached for .*: retry in 3600 s") as raised:
        run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)

    assert hub.calls_made() == [("GET", f"/repos/{repository}")]  # not waited for, not asked again
    assert raised.value.retryable and raised.value.retry_after_s == 3600


def test_an_unreachable_github_is_an_unavailable_provider(
    settings: Settings, completed: Request, repository: str,
) -> None:
    unreachable = settings.model_copy(update={"github_api_url": "http://127.0.0.1:9",
                                              "export_max_wait_s": 1.0})
    with pytest.raises(ProviderUnavailableError, match="GitHub could not be reached for"):
        run(unreachable, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)
