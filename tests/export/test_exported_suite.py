"""What an export leaves in the repository works: checked out into a fresh folder, the suite runs green
against its target with pytest, its CI files are valid YAML that run it, and both providers get one suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from graph.settings import Settings
from samples.github_stub import GitHubStandIn
from samples.gitlab_stub import GitLabStandIn
from samples.tasks_api import app as sample
from storage.models import ExportProvider, Request
from tests.export.conftest import README, TOKEN
from tests.export.helpers import FOLDER, new_export, run


def test_the_exported_suite_checked_out_runs_green_against_its_target(
    settings: Settings, completed: Request, github: tuple[str, GitHubStandIn],
    gitlab: tuple[str, GitLabStandIn], repository: str, target: str, tmp_path: Path,
) -> None:
    hub, lab = github[1], gitlab[1]
    hub.add_repository(repository, README)
    lab.add_project(repository, README)
    branch = f"testops/{completed.request_id}"
    run(settings, new_export(settings, completed, ExportProvider.GITHUB, repository), TOKEN)
    run(settings, new_export(settings, completed, ExportProvider.GITLAB, repository), TOKEN)

    clone = hub.repositories[repository].checkout(branch, tmp_path / "github-clone")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TESTOPS_")}
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=clone / FOLDER,
        env={**environment, **sample.SUITE_ENVIRONMENT, "TESTOPS_BASE_URL": target},
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:]
    assert " passed" in finished.stdout.splitlines()[-1] and " failed" not in finished.stdout.splitlines()[-1]

    # Every requirement of the suite is installed here, at the version it was validated with.
    requirements = (clone / FOLDER / "requirements.txt").read_text().split()
    pinned = {line.split("==")[0] for line in requirements}
    assert pinned >= {"pytest", "httpx", "allure-pytest", "jsonschema"}
    workflow = yaml.safe_load((clone / ".github/workflows/testops-tests-api.yml").read_text())
    job = workflow["jobs"]["pytest"]
    assert job["defaults"]["run"]["working-directory"] == FOLDER
    assert [step.get("run") for step in job["steps"]][-2:] == ["pip install -r requirements.txt",
                                                                "python -m pytest"]
    assert job["env"]["TESTOPS_API_TOKEN"] == "${{ secrets.TESTOPS_API_TOKEN }}"
    assert workflow[True]["push"]["paths"] == [f"{FOLDER}/**", ".github/workflows/testops-tests-api.yml"]

    gitlab_clone = lab.projects[repository].checkout(branch, tmp_path / "gitlab-clone")
    suite = {path.relative_to(clone / FOLDER) for path in (clone / FOLDER).rglob("*") if path.is_file()}
    gitlab_suite = {path.relative_to(gitlab_clone / FOLDER) for path in (gitlab_clone / FOLDER).rglob("*")
                    if path.is_file()}
    assert gitlab_suite == suite | {Path(".gitlab-ci.yml")}
    job = yaml.safe_load((gitlab_clone / FOLDER / ".gitlab-ci.yml").read_text())["testops-tests-api"]
    assert job["script"] == [f'cd "{FOLDER}"', "pip install -r requirements.txt", "python -m pytest"]
    assert yaml.safe_load((gitlab_clone / ".gitlab-ci.yml").read_text()) == {
        "include": [{"local": f"/{FOLDER}/.gitlab-ci.yml"}]}
