"""The review conversation in the embedded CLI, driven through stdin: `generate --review` holds it until the
input ends, `testops review ID` continues it to the approval; the stored suite is what was approved."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.repository import get_request, list_test_cases
from storage.review_messages import list_messages
from tests.cli.test_cli import TESTOPS

ADDED = "listing projects answers 200"


def run_testops(*args: str, env: dict[str, str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TESTOPS, *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=180)


def test_a_review_conversation_on_stdin_drops_adds_and_approves(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "suite"
    started = run_testops(
        "generate", "api", str(sample.SPEC_PATH), "--base-url", base_url, "--out", str(out), "--review", "-q",
        "-r", "Deleting a task that does not exist returns 404.",
        env=env, stdin=f"drop 2\n\nalso check that {ADDED}\n",
    )
    assert started.returncode == 3, started.stdout + started.stderr
    assert "Traceback" not in started.stdout + started.stderr
    request_id = next(line.split()[1] for line in started.stdout.splitlines() if line.startswith("Request "))
    assert f"testops review {request_id}" in started.stdout
    assert not out.exists() or not any(out.iterdir())

    continued = run_testops("review", request_id, env=env, stdin="summary\napprove\n")
    assert continued.returncode == 0, continued.stdout + continued.stderr
    assert "Approved" in continued.stdout

    settings = Settings(data_dir=Path(env["TESTOPS_DATA_DIR"]))
    with session_scope(settings.sqlalchemy_url) as session:
        key = uuid.UUID(request_id)
        messages = list_messages(session, key)
        stored = list_test_cases(session, key)
        summary = get_request(session, key).result_summary  # type: ignore[union-attr]
    said = [m.text for m in messages if m.role == "reviewer"]
    assert said == ["drop 2", "", f"also check that {ADDED}", "summary", "approve"]
    replies = [m for m in messages if m.role == "assistant"]
    assert replies[1].text.startswith("The message is empty. I can:")
    [dropped] = replies[0].action["test_ids"]  # type: ignore[index]
    names = {f"{t.module}::{t.test_name}" for t in stored}
    assert dropped not in names and summary["review"]["drop_test_ids"] == [dropped]
    assert any("R2" in t.requirement_ids and t.validation_status == "passed" for t in stored)
    assert {r["requirement_id"]: r["covered"] for r in summary["requirements"]} == {"R1": True, "R2": True}
    assert (out / "conftest.py").exists()
