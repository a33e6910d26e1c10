"""The exported graph under the LangGraph server (`langgraph dev`), driven with the langgraph-sdk client.

The server runs from the studio environment (`make studio-venv`): langgraph-api pins a jsonschema-rs that
Schemathesis, in this environment, cannot share.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from graph.context import RunOptions
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.repository import get_request
from tests.e2e.stack import REPO, free_port, stop, tail

STUDIO_VENV = Path(os.environ.get("TESTOPS_STUDIO_VENV", REPO / ".venv-studio"))
# Nothing leaves the machine: analytics, the version check and tracing off; any other outbound HTTP call
# goes to a closed local port and fails at once instead of waiting on a network that is not there.
OFFLINE_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
GRAPH_ID = "testops_pipeline"  # as langgraph.json names it
APPROVE = {"decisions": [{"type": "approve"}]}


def absolute_config(config_path: Path, directory: Path) -> Path:
    """The project's langgraph.json, paths made absolute, in `directory`: the server keeps its state there."""
    config = json.loads(config_path.read_text())
    root = config_path.parent
    config["dependencies"] = [str((root / d).resolve()) for d in config["dependencies"]]
    config["graphs"] = {
        graph_id: f"{(root / spec.split(':')[0]).resolve()}:{spec.split(':')[1]}"
        for graph_id, spec in config["graphs"].items()
    }
    copy = directory / "langgraph.json"
    copy.write_text(json.dumps(config))
    return copy


@dataclass(frozen=True)
class StudioServer:
    url: str
    log: Path


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[StudioServer]:
    """`langgraph dev` on a free loopback port, offline, its state in a temporary directory."""
    langgraph = STUDIO_VENV / "bin" / "langgraph"
    if not langgraph.exists():
        message = f"no studio environment at {STUDIO_VENV}: run `make studio-venv`"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI builds it; its absence there is a broken build, not a reason to skip
        pytest.skip(message)
    port = free_port()
    log = tmp_path / "langgraph-dev.log"
    config = absolute_config(REPO / "langgraph.json", tmp_path)
    # --allow-blocking: validation, an async node, writes and copies the suite with plain file calls.
    command = [str(langgraph), "dev", "--no-browser", "--no-reload", "--allow-blocking",
               "--host", "127.0.0.1", "--port", str(port), "--config", str(config)]
    # The suites validated inside the server call the sample API with its token, as a user's would.
    env = {**os.environ, **OFFLINE_ENV, "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN}
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        yield StudioServer(url=url, log=log)
    finally:
        stop(process)


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 90.0) -> None:
    """Until `/ok` answers on our port (a taken port would make the server pick another one silently)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"langgraph dev exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"langgraph dev did not answer on {url} within {timeout_s} s:\n{tail(log)}")


def run_to_end(
    studio: StudioServer, client: SyncLangGraphClient, thread_id: str, **run: Any
) -> dict[str, Any]:
    """Start a run on the thread, wait for it, and return the thread as it is afterwards."""
    started = client.runs.create(thread_id, GRAPH_ID, **run)
    client.runs.join(thread_id, started["run_id"])
    finished = client.runs.get(thread_id, started["run_id"])
    assert finished["status"] == "success", f"run {finished['status']}; the server said:\n{tail(studio.log)}"
    return dict(client.threads.get(thread_id))


def test_run_stops_at_review_and_completes_on_approve(studio: StudioServer, tmp_path: Path) -> None:
    # A new data dir: the run itself migrates its database and registers its Request, as from Studio's form.
    settings = Settings(data_dir=tmp_path / "data", database_url="")
    options = RunOptions(review=True)
    client = get_sync_client(url=studio.url, timeout=120)
    # Studio's context form is drawn from this schema.
    [assistant] = client.assistants.search(graph_id=GRAPH_ID)
    context_form = client.assistants.get_schemas(assistant["assistant_id"])["context_schema"]
    assert {"database_url", "workspace_dir", "review"} <= context_form["properties"].keys()
    with sample.serve() as base_url:
        start = {"kind": "api", "target": str(sample.SPEC_PATH), "base_url": base_url, "requirements": []}
        # The run's Context, as Context.for_run builds it, in the JSON a Studio user would type in.
        context = {"database_url": settings.sqlalchemy_url, "workspace_dir": str(settings.workspace_dir),
                   **options.model_dump()}
        thread_id = client.threads.create()["thread_id"]

        waiting = run_to_end(studio, client, thread_id, input=start, context=context)
        assert waiting["status"] == "interrupted"
        state = client.threads.get_state(thread_id)
        assert state["next"] == ["review"]
        [interrupt] = state["interrupts"]
        request = interrupt["value"]
        assert request["action_requests"][0]["args"]["tests"], "the review shows no tests"
        assert "approve" in request["review_configs"][0]["allowed_decisions"]

        done = run_to_end(studio, client, thread_id, command={"resume": APPROVE}, context=context)
    assert done["status"] == "idle"
    final = client.threads.get_state(thread_id)
    assert final["next"] == [] and not final["interrupts"]
    with session_scope(settings.sqlalchemy_url) as session:
        stored = get_request(session, uuid.UUID(final["values"]["request_id"]))
        assert stored is not None and stored.status == "completed"
        assert (stored.kind, stored.target, stored.options["review"]) == ("api", str(sample.SPEC_PATH), True)
        assert stored.result_summary["review"]["approved"] is True
