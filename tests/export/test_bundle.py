"""What an export writes, and how provider answers become errors and retries, from plain inputs."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest
import yaml

from storage.models import ExportProvider, Request, RequestStatus
from tools.export.bundle import (
    Bundle,
    build_bundle,
    check_folder,
    check_repository,
    coverage_table,
    secret_variables,
    suite_dependencies,
)
from tools.export.errors import (
    AlreadyExistsError,
    NotExportableError,
    ProviderUnavailableError,
    RateLimitedError,
    RepositoryNotFoundError,
    TokenRejectedError,
    provider_error,
    redacted,
)
from tools.export.provider import Changes, git_blob_sha
from tools.export.retrying import retrying

SUITE = {
    "conftest.py": "import os\nimport httpx\nimport pytest\nfrom support import expect\n"
                   "TOKEN = os.environ.get('TESTOPS_API_TOKEN')\nURL = os.environ.get('TESTOPS_BASE_URL')\n"
                   "WAIT = os.environ.get('TESTOPS_REQUEST_TIMEOUT')\n",
    "support.py": "from jsonschema import Draft202012Validator\n",
    "test_pages.py": "import allure\nfrom playwright.sync_api import expect\n",
}


def _request(kind: str = "api") -> Request:
    return Request(request_id=uuid.uuid4(), kind=kind, target="http://shop.test/login", base_url="",
                   status=RequestStatus.COMPLETED, result_summary={
                       "requirements": [{"requirement_id": "R1", "text": "a | b", "covered": False,
                                         "test_ids": [], "reason": "no checkable statement"}],
                       "findings": [{"test_id": "test_pages.py::test_x", "title": "Login",
                                     "message": "500"}]})


def test_folders_and_repositories_are_checked() -> None:
    assert check_folder("/qa//suite/") == "qa/suite"
    for bad in ("", "/", ".", "qa/../..", "qa/su ite"):
        with pytest.raises(NotExportableError):
            check_folder(bad)
    assert check_repository(ExportProvider.GITLAB, "group/sub/project") == "group/sub/project"
    assert check_repository(ExportProvider.GITHUB, "owner/repo") == "owner/repo"
    for provider, bad in ((ExportProvider.GITHUB, "a/b/c"), (ExportProvider.GITLAB, "solo"),
                          (ExportProvider.GITHUB, "a/b c")):
        with pytest.raises(NotExportableError, match="expected"):
            check_repository(provider, bad)


def test_requirements_are_the_distributions_imported_pinned_and_credentials_come_from_secrets() -> None:
    names = [line.split("==")[0] for line in suite_dependencies(SUITE)]
    assert names == ["allure-pytest", "allure-python-commons", "httpx", "jsonschema", "playwright", "pytest",
                     "rfc3339-validator"]
    assert all("==" in line for line in suite_dependencies(SUITE))
    assert secret_variables(SUITE) == ["TESTOPS_API_TOKEN"]  # the base URL and timeout are settings


def test_a_ui_bundle_installs_chromium_in_its_jobs_and_tables_escape_pipes() -> None:
    request = _request("ui")
    github = build_bundle(request, SUITE, provider=ExportProvider.GITHUB, folder="qa")
    workflow = yaml.safe_load(github.files[".github/workflows/testops-qa.yml"])
    assert "chromium" in workflow["jobs"]["pytest"]["steps"][1]["run"]
    assert workflow["jobs"]["pytest"]["env"]["TESTOPS_BASE_URL"] == (
        "${{ vars.TESTOPS_BASE_URL || 'http://shop.test/login' }}")
    gitlab = build_bundle(request, SUITE, provider=ExportProvider.GITLAB, folder="qa")
    assert "chromium" in yaml.safe_load(gitlab.files["qa/.gitlab-ci.yml"])["testops-qa"]["before_script"][0]
    assert "| R1 | a \\| b | no | no checkable statement |" in coverage_table(request.result_summary or {})
    assert "`test_pages.py::test_x`: Login: 500" in github.description
    with pytest.raises(NotExportableError, match="delivered no tests"):
        build_bundle(request, {"conftest.py": ""}, provider=ExportProvider.GITHUB, folder="qa")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_blob_ids_are_gits_and_changes_are_what_differs() -> None:
    content = "print('é')\n"
    assert git_blob_sha(content) == subprocess.run(["git", "hash-object", "--stdin"], input=content.encode(),
                                                   capture_output=True, check=True).stdout.decode().strip()
    bundle = Bundle(folder="qa", files={"qa/a.py": "a\n", "qa/b.py": "b\n"}, title="t", description="d",
                    commit_message="m")
    existing = {"qa/a.py": git_blob_sha("a\n"), "qa/old.py": "0" * 40, "src/app.py": "1" * 40}
    changes = Changes.between(bundle, existing)
    assert (changes.write, changes.delete) == ({"qa/b.py": "b\n"}, ["qa/old.py"])  # src/ is not the export's
    assert not Changes.between(bundle, {path: git_blob_sha(text) for path, text in bundle.files.items()})


def test_provider_answers_become_one_typed_error_each() -> None:
    cases = [(401, None, TokenRejectedError), (403, None, TokenRejectedError),
             (404, None, RepositoryNotFoundError), (409, None, AlreadyExistsError),
             (422, None, AlreadyExistsError), (403, 30.0, RateLimitedError), (429, 5.0, RateLimitedError),
             (503, None, ProviderUnavailableError)]
    for status, retry_after, kind in cases:
        error = provider_error("GitHub", "acme/shop", status, "said", retry_after_s=retry_after)
        assert type(error) is kind and "acme/shop" in str(error), status
    assert redacted("Bearer s3cret failed", "s3cret") == "Bearer *** failed"


async def test_retries_wait_the_rate_limits_delay_and_stop_beyond_the_bound() -> None:
    attempts: list[float] = []

    async def limited_once() -> str:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise RateLimitedError("limited", 0.3)
        return "ok"

    assert await retrying(5.0)(limited_once) == "ok"
    assert attempts[1] - attempts[0] >= 0.3
    attempts.clear()

    async def always_limited() -> str:
        attempts.append(time.monotonic())
        raise RateLimitedError("limited", 60.0)

    with pytest.raises(RateLimitedError):
        await retrying(5.0)(always_limited)
    assert len(attempts) == 1
