"""`testops generate api --llm-cache replay` with nothing recorded: one readable error line, exit != 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from samples.tasks_api import app as sample
from tests.llm.conftest import API_KEY


def test_replay_without_a_recording_fails_in_one_line(
    endpoint: tuple[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTOPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPENAI_BASE_URL", endpoint[0])
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with sample.serve() as target:
        result = CliRunner().invoke(
            app,
            ["generate", "api", str(sample.SPEC_PATH), "--base-url", target, "--out", str(tmp_path / "out"),
             "-r", "The API feels fast and pleasant to use.", "--llm-cache", "replay", "--quiet"],
        )  # fmt: skip
    assert result.exit_code != 0 and "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert error.startswith("error: --llm-cache replay: no recorded reply for prompt choose_operations@v1")
    assert API_KEY not in result.output
