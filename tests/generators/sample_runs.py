"""A whole generated suite run against the sample Task Tracker, which logs its calls and holds seeds."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from generators.api.offline import OfflineApiGenerator
from generators.base import GeneratedSuite
from samples.loopback import running
from samples.tasks_api import app as sample
from tools.openapi import build_api_model, load_document
from tools.runner import SUITE_PLUGINS, write_suite
from vocabulary.artefacts import number_requirements

_AUTHORIZATION = f"Bearer {sample.DEFAULT_TOKEN}"


@dataclass(frozen=True)
class Call:
    """One request the service answered."""

    method: str
    path: str
    status: int


class LoggedTaskTracker(sample.TaskTrackerApi):
    """The sample service (unchanged, unless a variant is named), keeping a log of the calls it answers."""

    def __init__(self, variant: sample.Variant = sample.Variant.CORRECT) -> None:
        super().__init__(variant)
        self.calls: list[Call] = []
        # Paths of the items the calls created (the Location a client would derive from the id answered).
        self.created: set[str] = set()

    def handle(
        self, method: str, path: str, query: str, authorization: str | None, body: bytes
    ) -> sample.Reply:
        reply = super().handle(method, path, query, authorization, body)
        self.calls.append(Call(method, path, int(reply.status)))
        if method == "POST" and reply.status == HTTPStatus.CREATED and isinstance(reply.body, dict):
            self.created.add(f"{path}/{reply.body['id']}")
        return reply

    def seed(self) -> list[str]:
        """Items that exist before the suite runs, as another user of a shared environment made them."""
        made = [
            self.handle("POST", "/projects", "", _AUTHORIZATION, json.dumps({"name": "Shared"}).encode()),
            self.handle("POST", "/tasks", "", _AUTHORIZATION, json.dumps({"title": "Keep me"}).encode()),
            self.handle("POST", "/tasks", "", _AUTHORIZATION, json.dumps({"title": "Me too"}).encode()),
        ]
        self.calls.clear()
        paths = sorted(self.created)
        self.created.clear()
        assert all(reply.status == HTTPStatus.CREATED for reply in made)
        return paths

    def items(self) -> dict[str, object]:
        """Every stored item by its path, as it is now."""
        with self.store.lock:
            tasks = {f"/tasks/{ident}": task for ident, task in self.store.tasks.items()}
            projects = {f"/projects/{ident}": project for ident, project in self.store.projects.items()}
        return {**tasks, **projects}


def generated_sample_suite(*, safe: bool) -> GeneratedSuite:
    """The sample's suite from its spec and its requirements file, as `testops generate api` makes it."""
    document = asyncio.run(load_document(str(sample.SPEC_PATH)))
    api = build_api_model(document, source=str(sample.SPEC_PATH), base_url="http://127.0.0.1:8080")
    requirements = number_requirements(sample.load_requirements())
    return OfflineApiGenerator(safe=safe).generate(api, requirements)


def run_suite(
    suite: GeneratedSuite, folder: Path, service: LoggedTaskTracker
) -> subprocess.CompletedProcess[str]:
    """Write the suite and run all of it with pytest against `service` on a loopback port."""
    write_suite(folder, suite.tests, suite.support_files)
    plugins = [a for p in SUITE_PLUGINS if importlib.util.find_spec(p.split(".")[0]) for a in ("-p", p)]
    server = sample.TaskTrackerServer(("127.0.0.1", 0), service)
    with running(server, name="logged-tasks-api") as url:
        env = {**os.environ, **sample.SUITE_ENVIRONMENT, "TESTOPS_BASE_URL": url,
               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # fmt: skip
        env.pop("PYTEST_ADDOPTS", None)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins],
            cwd=folder, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
