"""What an export puts in the repository: the delivered suite, its requirements.txt, a README and a CI job,
all under the chosen folder (GitHub's workflow aside: Actions only runs workflows in .github/workflows)."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from typing import Any

from storage.models import ExportProvider, Request
from tools.export.ci_jobs import github_workflow, github_workflow_path, gitlab_job
from tools.export.errors import NotExportableError

# What a suite relies on without importing it: Allure's pytest plugin (the report) for Allure's labels, and
# the validator without which jsonschema checks no "date-time".
_PLUGINS_OF_IMPORTS = {"allure": ("allure-pytest",), "jsonschema": ("rfc3339-validator",)}
# Modules generated suites import whose distribution has another name.
_DISTRIBUTION_OF_MODULE = {"allure": "allure-python-commons", "yaml": "PyYAML"}
_VARIABLE = re.compile(r"\bTESTOPS_[A-Z0-9_]*[A-Z0-9]\b")
# What names a credential among the variables a suite reads; the others (base URL, timeouts) are settings
# with defaults, which an empty CI secret would override.
_CREDENTIAL = re.compile(r"TOKEN|KEY|PASSWORD|USERNAME|SECRET|CLIENT_ID|GIVEN")
_FOLDER_PART = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True, kw_only=True)
class Bundle:
    """The files of one export by their path in the repository, and the words of its commit and PR/MR."""

    folder: str
    files: dict[str, str]
    title: str
    description: str
    commit_message: str

    @property
    def content_hash(self) -> str:
        """sha256 of every path and content: equal bundles make no new commit."""
        canonical = json.dumps(sorted(self.files.items()), separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def owns(self, path: str) -> bool:
        """Whether a file at `path` belongs to the export (it deletes those the suite no longer has)."""
        return path.startswith(f"{self.folder}/")


def check_folder(path: str) -> str:
    """The folder inside the repository, normalised ("a/b"); the root and `..` are refused, since the
    export deletes what it no longer delivers under its folder."""
    parts = [part for part in path.strip().strip("/").split("/") if part not in ("", ".")]
    if not parts:
        raise NotExportableError("the export needs a folder inside the repository (--path DIR), not its root")
    for part in parts:
        if part == ".." or not _FOLDER_PART.match(part):
            raise NotExportableError(f"invalid folder {path!r}: use letters, digits, '.', '_' and '-' "
                                     "between slashes, without '..'")
    return "/".join(parts)


def check_repository(provider: ExportProvider, repository: str) -> str:
    """OWNER/REPO on GitHub, GROUP[/SUBGROUP...]/PROJECT on GitLab."""
    parts = repository.strip().split("/")
    shape = "OWNER/REPO" if provider is ExportProvider.GITHUB else "GROUP/PROJECT"
    fits = len(parts) == 2 if provider is ExportProvider.GITHUB else len(parts) >= 2
    if not fits or len(repository) > 255 or not all(_FOLDER_PART.match(part) for part in parts):
        raise NotExportableError(f"invalid {provider.value} repository {repository!r}: expected {shape}")
    return "/".join(parts)


def branch_name(request_id: str) -> str:
    """The branch of a request's exports: the same on every re-export."""
    return f"testops/{request_id}"


def suite_dependencies(files: Mapping[str, str]) -> list[str]:
    """requirements.txt lines: the distributions the suite imports (and its plugins), pinned to the versions
    it was validated with."""
    local = {name.removesuffix(".py") for name in files if name.endswith(".py")}
    imported: set[str] = {"pytest"}
    for name, source in files.items():
        if name.endswith(".py"):
            imported |= _top_level_imports(source)
    wanted: set[str] = set()
    for module in imported - local - set(sys.stdlib_module_names):
        wanted.update(_distributions_of(module))
        wanted.update(_PLUGINS_OF_IMPORTS.get(module, ()))
    return sorted((_pinned(name) for name in wanted), key=str.lower)


def _distributions_of(module: str) -> tuple[str, ...]:
    """The installed distributions providing `module`: the one of its own name when there is one (a quick
    lookup), else the suites' usual others, else a scan of every installed distribution's files."""
    if _installed(module):
        return (module,)
    if module in _DISTRIBUTION_OF_MODULE:
        return (_DISTRIBUTION_OF_MODULE[module],)
    return tuple(_all_distributions().get(module, ()))


def _installed(distribution: str) -> bool:
    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


@cache
def _all_distributions() -> Mapping[str, list[str]]:
    # Seconds on a busy machine (it reads every installed distribution's file list): once per process.
    return packages_distributions()


def _top_level_imports(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _pinned(distribution: str) -> str:
    try:
        return f"{distribution}=={version(distribution)}"
    except PackageNotFoundError:
        return distribution


def secret_variables(files: Mapping[str, str]) -> list[str]:
    """The credentials the suite reads from the environment, which the CI job passes from its secrets."""
    found = {match for source in files.values() for match in _VARIABLE.findall(source)}
    return sorted(name for name in found if _CREDENTIAL.search(name.removeprefix("TESTOPS_")))


def coverage_table(summary: Mapping[str, Any]) -> str:
    """The requirement coverage as a Markdown table."""
    rows = summary.get("requirements") or []
    if not rows:
        return "No requirements were given: the suite covers the spec alone.\n"
    lines = ["| id | requirement | covered | by / why not |", "|---|---|---|---|"]
    for row in rows:
        by = ", ".join(f"`{test}`" for test in row.get("test_ids", [])) or _cell(row.get("reason", ""))
        covered = "yes" if row["covered"] else "no"
        lines.append(f"| {row['requirement_id']} | {_cell(row['text'])} | {covered} | {by} |")
    return "\n".join(lines) + "\n"


def findings_list(summary: Mapping[str, Any]) -> str:
    """The suspected defects, one bullet each: tests kept as written because the target disagrees."""
    findings = summary.get("findings") or []
    if not findings:
        return "None: every delivered test passed against the target.\n"
    return "".join(f"- `{f['test_id']}`: {_cell(f['title'])}: {_cell(f['message'])}\n" for f in findings)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _figures(summary: Mapping[str, Any]) -> str:
    covered, total = summary.get("requirements_covered", 0), summary.get("requirements_total", 0)
    return (f"{summary.get('tests_saved', 0)} tests checked against the target, "
            f"{summary.get('tests_skipped', 0)} skipped, {summary.get('findings_count', 0)} findings; "
            f"requirements covered {covered}/{total}; spec coverage "
            f"{summary.get('spec_coverage_exercised', 0)}/{summary.get('spec_coverage_total', 0)}.")


def _readme(request: Request, folder: str, secrets: Iterable[str], ci_note: str) -> str:
    summary = request.result_summary or {}
    target = request.base_url or request.target
    credentials = "".join(f"- `{name}`\n" for name in secrets) or "- none\n"
    return f"""# Generated test suite

Written and validated by TestOps Copilot (request `{request.request_id}`) for `{target}`.
{_figures(summary)}

## Run it

```bash
cd {folder}
pip install -r requirements.txt
TESTOPS_BASE_URL={target} pytest
```

`TESTOPS_BASE_URL` points the suite at another deployment. Credentials come from the environment only;
the suite reads:

{credentials}
{ci_note}

## Requirement coverage

{coverage_table(summary)}
## Findings

A finding is a test that fails because the target disagrees with its spec or a requirement: a suspected
defect, kept exactly as written.

{findings_list(summary)}"""


def _description(request: Request, folder: str) -> str:
    summary = request.result_summary or {}
    return f"""The test suite of TestOps Copilot request `{request.request_id}`, in `{folder}/`.

{_figures(summary)}

### Requirement coverage

{coverage_table(summary)}
### Findings

{findings_list(summary)}"""


def build_bundle(request: Request, suite: Mapping[str, str], *, provider: ExportProvider,
                 folder: str) -> Bundle:
    """Every file of the export and the words of its commit and PR/MR, from the stored request and suite."""
    if not any(name.startswith("test_") and name.endswith(".py") for name in suite):
        raise NotExportableError(f"request {request.request_id} delivered no tests: nothing to export")
    secrets = secret_variables(suite)
    browser = request.kind == "ui"
    base_url = request.base_url or request.target
    files = {f"{folder}/{name}": content for name, content in suite.items()}
    files[f"{folder}/requirements.txt"] = "\n".join(suite_dependencies(suite)) + "\n"
    if provider is ExportProvider.GITHUB:
        workflow = github_workflow_path(folder)
        files[workflow] = github_workflow(folder, base_url=base_url, secrets=secrets, browser=browser)
        ci_note = (f"CI: the GitHub Actions workflow `{workflow}` runs it on every change to `{folder}/`; "
                   "set the credentials above as repository secrets and `TESTOPS_BASE_URL` as a variable.")
    else:
        files[f"{folder}/.gitlab-ci.yml"] = gitlab_job(folder, browser=browser)
        ci_note = (f"CI: `{folder}/.gitlab-ci.yml` holds the job; the project's `.gitlab-ci.yml` includes it "
                   f"(`include: {{local: '/{folder}/.gitlab-ci.yml'}}`). Set the credentials above and "
                   "`TESTOPS_BASE_URL` as CI/CD variables.")
    files[f"{folder}/README.md"] = _readme(request, folder, secrets, ci_note)
    title = f"TestOps Copilot: test suite for {base_url}"
    return Bundle(folder=folder, files=files, title=title, description=_description(request, folder),
                  commit_message=f"{title}\n\nRequest {request.request_id}, exported to {folder}/.")
