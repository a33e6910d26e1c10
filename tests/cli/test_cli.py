"""The `testops` command as a user runs it: real processes, real SQLite, real sample API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from samples.tasks_api import app as sample

TESTOPS = [sys.executable, "-m", "cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TESTOPS_DATA_DIR": str(tmp_path / "data"),
        "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN,
        "COLUMNS": "200",
    }


@pytest.fixture
def base_url() -> Iterator[str]:
    with sample.serve() as url:
        yield url


def run_testops(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TESTOPS, *args], env=env, capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_generate_api_writes_a_suite_and_a_result_table(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "suite"
    result = run_testops(
        "generate",
        "api",
        str(sample.SPEC_PATH),
        "--base-url",
        base_url,
        "--out",
        str(out),
        "-r",
        "A new task starts with status 'open'.",
        "-r",
        "The API feels fast.",
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in ("started reconnaissance", "finished validation", "finished persistence"):
        assert line in result.stdout
    for figure in ("operations found", "passed validation", "duplicates removed", "requirements covered"):
        assert figure in result.stdout
    assert "no checkable statement" in result.stdout
    assert (out / "test_tasks.py").exists() and (out / "test_requirements.py").exists()

    listed = run_testops("list", env=env)
    assert listed.returncode == 0 and "completed" in listed.stdout
    request_id = result.stdout.split("Request ", 1)[1].split()[0]
    shown = run_testops("show", request_id, env=env)
    assert shown.returncode == 0 and "test_task_lifecycle" in shown.stdout


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("missing.yaml", "spec not found"),
        ("malformed.yaml", "not valid"),
        ("swagger.json", "Swagger 2.0"),
        ("ftp://example.com/spec.yaml", "ftp"),
    ],
)
def test_bad_spec_is_one_line(
    env: dict[str, str], base_url: str, tmp_path: Path, spec: str, expected: str
) -> None:
    (tmp_path / "malformed.yaml").write_text("openapi: 3.1.0\npaths: [unclosed\n")
    (tmp_path / "swagger.json").write_text(
        json.dumps({"swagger": "2.0", "info": {"title": "x"}, "paths": {}})
    )
    source = spec if "://" in spec else str(tmp_path / spec)
    result = run_testops(
        "generate", "api", source, "--base-url", base_url, "--out", str(tmp_path / "o"), env=env
    )
    assert_one_line_error(result, expected)


def test_unreachable_base_url_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    result = run_testops(
        "generate",
        "api",
        str(sample.SPEC_PATH),
        "--base-url",
        "http://127.0.0.1:9",
        "--out",
        str(tmp_path / "o"),
        env=env,
    )
    assert_one_line_error(result, "does not answer")


def test_unwritable_or_foreign_out_dir_is_one_line(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = run_testops(
        "generate", "api", str(sample.SPEC_PATH), "--base-url", base_url, "--out", str(foreign), env=env
    )
    assert_one_line_error(result, "not empty")
    assert (foreign / "notes.txt").read_text() == "keep me"
    a_file = tmp_path / "file"
    a_file.write_text("")
    result = run_testops(
        "generate", "api", str(sample.SPEC_PATH), "--base-url", base_url, "--out", str(a_file), env=env
    )
    assert_one_line_error(result, "is a file")


def test_unknown_request_is_one_line(env: dict[str, str]) -> None:
    assert_one_line_error(run_testops("show", "not-an-id", env=env), "not a request id")
    assert_one_line_error(
        run_testops("resume", "00000000-0000-4000-8000-000000000000", env=env), "no request"
    )


def test_resume_finishes_a_run_killed_after_validation(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "suite"
    process = subprocess.Popen(
        [
            *TESTOPS,
            "generate",
            "api",
            str(sample.SPEC_PATH),
            "--base-url",
            base_url,
            "--out",
            str(out),
            "--requirements-file",
            str(sample.REQUIREMENTS_PATH),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    request_id = ""
    for line in process.stdout:
        if line.startswith("Request "):
            request_id = line.split()[1]
        if line.startswith("started optimization"):  # validation's checkpoint is on disk by now
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL and request_id

    resumed = run_testops("resume", request_id, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "started validation" not in resumed.stdout  # continued after the last checkpoint
    assert "finished persistence" in resumed.stdout
    assert (out / "conftest.py").exists()
    shown = run_testops("show", request_id, env=env)
    assert "completed" in shown.stdout


def test_demo_generates_the_sample_suite(env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run(
        [*TESTOPS, "demo", "--out", str(tmp_path / "demo"), "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "requirements covered" in result.stdout and (tmp_path / "demo" / "test_requirements.py").exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [("never-settles", "did not settle"), (None, "connection refused"), ("ftp", "unsupported URL scheme")],
)
def test_bad_page_is_one_line(env: dict[str, str], tmp_path: Path, path: str | None, expected: str) -> None:
    from samples.pages import serve_pages

    with socket.socket() as probe:  # a port nobody listens on (Chromium refuses "unsafe" ones like 9)
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with serve_pages() as base:
        url = {
            "never-settles": f"{base}/never-settles",
            None: f"http://127.0.0.1:{closed_port}/",
            "ftp": "ftp://127.0.0.1/x",
        }[path]
        result = run_testops(
            "generate", "ui", url, "--out", str(tmp_path / "o"), "--recon-timeout", "2", env=env
        )
    assert_one_line_error(result, expected)
