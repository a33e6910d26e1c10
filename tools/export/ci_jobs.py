"""The CI job an export adds: a GitHub Actions workflow or a GitLab CI include, running the suite with pytest.

Both run in Debian's Python 3.11 image, where the suites are validated; a UI suite gets Debian's Chromium
headless shell, the browser it was validated in and the one its conftest looks for first. The base URL
defaults to the one generated for; a repository variable overrides it. Values go through json.dumps: a JSON
string is a valid YAML scalar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

IMAGE = "python:3.11-bookworm"
_CHROMIUM = "apt-get update && apt-get install -y --no-install-recommends chromium-headless-shell"


def _slug(folder: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")


def github_workflow_path(folder: str) -> str:
    return f".github/workflows/testops-{_slug(folder)}.yml"


def github_workflow(folder: str, *, base_url: str, secrets: Sequence[str], browser: bool) -> str:
    """A workflow running the suite in `folder` on each push and pull request touching it."""
    paths = json.dumps([f"{folder}/**", github_workflow_path(folder)])
    default_url = base_url.replace("'", "''")
    env = [f"      TESTOPS_BASE_URL: ${{{{ vars.TESTOPS_BASE_URL || '{default_url}' }}}}"]
    env += [f"      {name}: ${{{{ secrets.{name} }}}}" for name in secrets]
    chromium = f"      - name: Chromium\n        run: {_CHROMIUM}\n" if browser else ""
    env_lines = "\n".join(env)
    return f"""# Written by TestOps Copilot: runs the generated suite in {folder}/.
name: {json.dumps(f"TestOps suite ({folder})")}
on:
  push:
    paths: {paths}
  pull_request:
    paths: {paths}
  workflow_dispatch:
jobs:
  pytest:
    runs-on: ubuntu-latest
    container: {IMAGE}
    defaults:
      run:
        working-directory: {json.dumps(folder)}
    env:
{env_lines}
    steps:
      - uses: actions/checkout@v4
{chromium}      - name: Install the suite's dependencies
        run: pip install -r requirements.txt
      - name: Run the suite
        run: python -m pytest
"""


def gitlab_job(folder: str, *, browser: bool) -> str:
    """The job the project's .gitlab-ci.yml includes; CI/CD variables give the credentials."""
    before = f"  before_script:\n    - {_CHROMIUM}\n" if browser else ""
    return f"""# Written by TestOps Copilot: runs the generated suite in {folder}/.
# Include it from the project's .gitlab-ci.yml: include: [{{local: '/{folder}/.gitlab-ci.yml'}}]
testops-{_slug(folder)}:
  image: {IMAGE}
  rules:
    - changes:
        - {json.dumps(f"{folder}/**/*")}
{before}  script:
    - cd {json.dumps(folder)}
    - pip install -r requirements.txt
    - python -m pytest
"""


def gitlab_root_config(folder: str) -> str:
    """A project .gitlab-ci.yml for a project that has none: it only includes the suite's job."""
    return f"""# Written by TestOps Copilot; add your own jobs below.
include:
  - local: {json.dumps(f"/{folder}/.gitlab-ci.yml")}
"""
