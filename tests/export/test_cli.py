"""`testops export` in the embedded CLI: prints the PR/MR URL and exits 0; bad input is one `error:` line and
exit 2, before anything is stored or sent. The token comes from the environment and is printed nowhere."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.settings import Settings
from samples.github_stub import GitHubStandIn
from samples.gitlab_stub import GitLabStandIn
from storage.engine import session_scope
from storage.exports import list_exports
from storage.models import Request
from storage.repository import create_request
from tests.e2e import stack
from tests.export.conftest import README, TOKEN


def test_export_command_prints_the_url_of_the_pull_and_merge_request(
    env: dict[str, str], settings: Settings, completed: Request, github: tuple[str, GitHubStandIn],
    gitlab: tuple[str, GitLabStandIn], repository: str,
) -> None:
    hub, lab = github[1], gitlab[1]
    store = hub.add_repository(repository, README, default_branch="trunk")
    lab.add_project(repository, README)
    tokens = {**env, "GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN}
    request_id = str(completed.request_id)

    to_github = subprocess.run(
        [sys.executable, "-m", "cli", "export", request_id, "--github", repository, "--path", "qa/suite",
         "--base", "trunk"], env=tokens, cwd=stack.REPO, capture_output=True, text=True, timeout=120)
    # The same command in-process (the installed entry point is shown above): quicker, and alike.
    to_gitlab = CliRunner().invoke(app, ["export", request_id, "--gitlab", repository, "--path", "qa/suite"],
                                   env=tokens)

    assert to_github.returncode == 0, to_github.stderr
    assert to_github.stdout == f"{hub.pulls[repository][0]['html_url']}\n"
    assert hub.pulls[repository][0]["base"]["ref"] == "trunk"
    assert "qa/suite/conftest.py" in store.files(f"testops/{request_id}")
    assert "export committed" in to_github.stderr and "export completed" in to_github.stderr
    assert to_gitlab.exit_code == 0, to_gitlab.output
    assert to_gitlab.stdout.splitlines()[-1] == lab.merge_requests[repository][0]["web_url"]
    assert TOKEN not in to_github.stdout + to_github.stderr + to_gitlab.output
    with session_scope(settings.sqlalchemy_url) as session:
        assert [e.status.value for e in list_exports(session, completed.request_id)] == ["completed"] * 2


@pytest.mark.parametrize(("args", "environment", "said"), [
    (["--github", "acme/shop", "--gitlab", "acme/shop"], {},
     "give exactly one of --github OWNER/REPO and --gitlab GROUP/PROJECT"),
    (["--github", "acme/shop/extra"], {}, "invalid github repository 'acme/shop/extra': expected OWNER/REPO"),
    (["--gitlab", "acme/shop", "--path", "../outside"], {}, "invalid folder '../outside'"),
    (["--github", "acme/shop"], {"GITHUB_TOKEN": ""}, "no token for github: set GITHUB_TOKEN"),
    (["--gitlab", "acme/shop"], {"GITLAB_TOKEN": ""}, "no token for gitlab: set GITLAB_TOKEN"),
])
def test_bad_export_command_lines_are_one_error_line(
    env: dict[str, str], completed: Request, args: list[str], environment: dict[str, str], said: str,
) -> None:
    result = CliRunner().invoke(app, ["export", str(completed.request_id), *args],
                                env={**env, "GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN, **environment})

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and said in lines[0], result.output


def test_an_unknown_or_unfinished_request_is_refused(env: dict[str, str], settings: Settings) -> None:
    with session_scope(settings.sqlalchemy_url) as session:
        pending = create_request(session, kind="api", target="spec.yaml")
    tokens = {**env, "GITHUB_TOKEN": TOKEN}
    for request_id, said in ((uuid.uuid4(), "no request"), (pending.request_id, "is pending")):
        result = CliRunner().invoke(app, ["export", str(request_id), "--github", "acme/shop"], env=tokens)
        assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output
