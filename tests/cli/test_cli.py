"""The `testops` command as a user runs it: real processes, real SQLite, real sample API."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import migrate, session_scope
from storage.repository import create_request, mark_completed
from vocabulary.artefacts import ResultSummary, ValidationResult, Verdict

TESTOPS = [sys.executable, "-m", "cli"]


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
    assert re.search(r"│ R2 │ The API feels fast\.\s*│ no\s*│ \S", result.stdout)  # uncovered, with a reason
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

    resumed = run_testops("resume", request_id, "--fail-under", "95", env=env)  # one of 9 is uncheckable
    assert resumed.returncode == 4, resumed.stdout + resumed.stderr
    assert "is under --fail-under 95%" in resumed.stderr
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


ORCHARD_FEATURE = """\
Feature: Task listing for the orchard crew
  Background:
    Given the crew lead holds a valid token

  Rule: pages are bounded
    Scenario Outline: a page never exceeds its limit
      When tasks are listed with limit=<size>
      Then at most <size> items are returned
      Examples:
        | size |
        | 2    |
        | 4    |
"""


def _figure(stdout: str, label: str) -> str:
    """The value of one row of the result table."""
    match = re.search(rf"│ {re.escape(label)}\s*│\s*(.+?)\s*│", stdout)
    assert match, f"no {label!r} row in:\n{stdout}"
    return match.group(1)


def _generate(*args: str, env: dict[str, str], base_url: str, out: Path) -> subprocess.CompletedProcess[str]:
    return run_testops(
        "generate", "api", str(sample.SPEC_PATH), "--base-url", base_url, "--out", str(out), *args, env=env
    )


def test_fail_under_exits_4_and_progress_shows_the_tables_coverage(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    result = _generate(
        "-r",
        "A freshly created task has status 'open'.",
        "-r",
        "Gardeners love the colour scheme.",
        "--fail-under",
        "75",
        env=env,
        base_url=base_url,
        out=tmp_path / "suite",
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: requirement coverage 50.0% (1 of 2) is under --fail-under 75%"
    ]
    assert re.search(r"^finished optimization .*requirements covered 1/2", result.stdout, re.M)
    assert _figure(result.stdout, "requirements covered") == "1 / 2"
    assert (tmp_path / "suite" / "test_requirements.py").exists()  # the suite is still written


def test_feature_file_scenarios_become_requirements(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    feature = tmp_path / "orchard.feature"
    feature.write_text(ORCHARD_FEATURE)
    result = _generate(
        "--requirements-file",
        str(feature),
        "--fail-under",
        "100",
        env=env,
        base_url=base_url,
        out=tmp_path / "o",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _figure(result.stdout, "requirements covered") == "2 / 2"
    for step in ("Given the crew lead holds a valid token", "When tasks are listed with limit=4"):
        assert step in result.stdout


def test_skipped_tests_are_counted_apart_and_none_covered_exits_4(
    env: dict[str, str], base_url: str, tmp_path: Path
) -> None:
    del env["TESTOPS_API_TOKEN"]  # every test that needs credentials skips
    out = tmp_path / "suite"
    result = _generate("-r", "A freshly created task has status 'open'.", env=env, base_url=base_url, out=out)
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: no requirement is covered by a test (0 of 1); why: its test skipped: ")
    assert "requires credentials" in line
    saved = int(_figure(result.stdout, "tests saved (ran against the target)"))
    skipped = int(_figure(result.stdout, "tests skipped (saved, did not run)"))
    assert skipped > 0 and saved > 0  # the health check needs no token
    written = sum(path.read_text().count("\ndef test_") for path in out.glob("test_*.py"))
    assert written == saved + skipped
    reason_rows = re.findall(r"│ (the API requires credentials[^│]*?)\s*│\s*(\d+) │", result.stdout)
    assert [int(count) for _, count in reason_rows] == [skipped]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "broken.feature",
            b"Feature: crates\n  Scenario: stacking\n    Given a crate\nFeature: a second one\n",
            "broken.feature:4:1: not valid Gherkin",
        ),
        ("cp1252.txt", "Crates weigh 5 kg \u2013 at most".encode("cp1252"), "is not UTF-8 text"),
        ("absent.feature", None, "cannot read requirements file"),
    ],
)
def test_bad_requirements_file_is_one_line(
    env: dict[str, str], tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "o"
    result = _generate("--requirements-file", str(path), env=env, base_url="http://127.0.0.1:9", out=out)
    assert_one_line_error(result, expected)
    assert not out.exists()  # refused before anything was created


def test_fail_under_without_requirements_is_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    result = _generate("--fail-under", "80", env=env, base_url="http://127.0.0.1:9", out=tmp_path / "o")
    assert_one_line_error(result, "--fail-under measures requirement coverage")


def test_show_prints_each_broken_test_and_why_tests_skipped(env: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate(settings.sqlalchemy_url)
    results = [
        ValidationResult(
            test_id="test_crates.py::test_stack", verdict=Verdict.BROKEN, message="NameError: name\n'x'"
        ),
        ValidationResult(
            test_id="test_crates.py::test_lift", verdict=Verdict.BROKEN, message="TestTimeout: 5 s"
        ),
        ValidationResult(
            test_id="test_crates.py::test_weigh", verdict=Verdict.SKIPPED, message="no scale [kg]"
        ),
        ValidationResult(test_id="test_crates.py::test_count", verdict=Verdict.PASSED),
    ]
    request_id = uuid.uuid4()
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=request_id, kind="api", target="crates.yaml")
        summary = ResultSummary(tests_generated=4, **ResultSummary.verdict_figures(results))
        mark_completed(session, request_id, summary.model_dump(mode="json"))
    shown = run_testops("show", str(request_id), env=env)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    assert "  broken test_crates.py::test_stack: NameError: name" in lines
    assert "  broken test_crates.py::test_lift: TestTimeout: 5 s" in lines
    assert re.search(r"│ no scale \[kg\]\s*│\s*1 │", shown.stdout)
    assert _figure(shown.stdout, "tests saved (ran against the target)") == "1"


def test_review_needs_a_run_that_waits(env: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate(settings.sqlalchemy_url)
    request_id = uuid.uuid4()
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=request_id, kind="api", target="kennels.yaml")
        mark_completed(session, request_id, ResultSummary().model_dump(mode="json"))
    assert_one_line_error(run_testops("review", str(request_id), env=env), "not waiting for review")
    assert_one_line_error(
        run_testops("review", str(request_id), "--approve", env=env), "not waiting for review"
    )
