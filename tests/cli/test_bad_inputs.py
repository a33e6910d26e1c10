"""Bad input to the `testops` command, as a new user or an attacker would type it: each case must exit
non-zero with one readable `error:` line and no traceback, and must leave the user's files as they were.
Every case runs in-process through Typer's CliRunner (embedded mode, a scratch data dir); a few also run as
the installed `testops` script, to show that the real entry point answers the same.
docs/bad-inputs.md tabulates the cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import migrate, session_scope
from storage.repository import create_request, mark_completed
from vocabulary.artefacts import ResultSummary

# The script pip installed next to this interpreter: the venv of whoever runs the tests, not a fixed path.
TESTOPS = Path(sys.executable).parent / "testops"
CLOSED_BASE_URL = "http://127.0.0.1:9"  # nothing answers: recon would fail, so only refusals come first
COMPLETED_ID = str(uuid.uuid4())
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
KEPT_FILE_TEXT = "the user's own notes"
INSTALLED_SCRIPT_TIMEOUT_S = 120


@dataclass(frozen=True)
class Case:
    """One bad command line; `{dir}` in an argument is the scratch folder holding the files below."""

    id: str
    args: tuple[str, ...]
    expected: str  # a fragment of the one error line
    exit_code: int = 2


def _spec_yaml(extra: str = "") -> str:
    return 'openapi: 3.0.3\ninfo: {title: T, version: "1"}\n' + extra


def _ref_spec(ref: str) -> str:
    return _spec_yaml(
        "paths:\n  /pets:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        f"          content: {{application/json: {{schema: {{$ref: '{ref}'}}}}}}\n"
    )


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 10)}]\n"
    for level in range(8)
)
SPEC_FILES: dict[str, str | bytes] = {
    "malformed.yaml": "openapi: 3.1.0\npaths: [unclosed\n",
    "malformed.json": '{"openapi": "3.0.3", "paths": {',
    "swagger.json": json.dumps({"swagger": "2.0", "info": {"title": "x"}, "paths": {}}),
    "openapi4.yaml": 'openapi: 4.0.0\ninfo: {title: T, version: "1"}\npaths: {}\n',
    "no-version.yaml": "info: {title: T}\npaths: {}\n",
    "no-operations.yaml": _spec_yaml("paths: {}\n"),
    "alias-bomb.yaml": _spec_yaml(ALIAS_BOMB),
    "latin1.yaml": _spec_yaml("x-owner: Zoë\n").encode("latin-1"),
    "empty.yaml": "",
    "a-list.yaml": "- openapi: 3.0.3\n",
    "ref-absolute.yaml": _ref_spec("/etc/passwd#/x"),
    "ref-parent.yaml": _ref_spec("../../../../etc/passwd#/x"),
    "ref-file-url.yaml": _ref_spec("file:///etc/passwd#/x"),
    "ref-http.yaml": _ref_spec("http://169.254.169.254/latest/meta-data#/x"),
    "ref-dangling.yaml": _ref_spec("#/components/schemas/Nowhere"),
    "requirements-cp1252.txt": "Crates weigh 5 kg \u2013 at most".encode("cp1252"),
    "requirements-blank.txt": "# only a comment\n\n   \n",
    "broken.feature": "Feature: crates\n  Scenario: stacking\n    Given a crate\nFeature: a second one\n",
    "spec-folder/openapi.yaml": _spec_yaml("paths: {}\n"),
    "foreign/notes.txt": KEPT_FILE_TEXT,
    "a-file": "",
}

GOOD_SPEC = str(sample.SPEC_PATH)


def _api(spec: str, *extra: str, out: str = "{out}") -> tuple[str, ...]:
    return ("generate", "api", spec, "--base-url", CLOSED_BASE_URL, "--out", out, *extra)


CASES = [
    # The spec
    Case("spec-missing", _api("{dir}/missing.yaml"), "spec not found: {dir}/missing.yaml"),
    Case("spec-is-a-folder", _api("{dir}/spec-folder"), "spec is a directory, not a file"),
    Case("spec-malformed-yaml", _api("{dir}/malformed.yaml"), "spec is not valid YAML/JSON"),
    Case("spec-malformed-json", _api("{dir}/malformed.json"), "spec is not valid YAML/JSON"),
    Case("spec-swagger-2", _api("{dir}/swagger.json"), "Swagger 2.0"),
    Case("spec-openapi-4", _api("{dir}/openapi4.yaml"), "unsupported OpenAPI version 4.0.0"),
    Case("spec-no-version", _api("{dir}/no-version.yaml"), "no 'openapi' field"),
    Case("spec-no-operations", _api("{dir}/no-operations.yaml"), "spec has no operations"),
    Case("spec-yaml-alias-bomb", _api("{dir}/alias-bomb.yaml"), "YAML aliases expand it past"),
    Case("spec-not-utf8", _api("{dir}/latin1.yaml"), "spec is not UTF-8 text"),
    Case("spec-empty-file", _api("{dir}/empty.yaml"), "spec is empty"),
    Case("spec-a-list", _api("{dir}/a-list.yaml"), "holds a list, not a mapping"),
    Case("spec-ftp-url", _api("ftp://example.com/spec.yaml"), "unsupported spec source ftp://"),
    Case("ref-absolute-path", _api("{dir}/ref-absolute.yaml"), "$ref '/etc/passwd#/x'"),
    Case("ref-parent-folder", _api("{dir}/ref-parent.yaml"), "$ref '../../../../etc/passwd#/x'"),
    Case("ref-file-url", _api("{dir}/ref-file-url.yaml"), "$ref 'file:///etc/passwd#/x'"),
    Case("ref-http-metadata", _api("{dir}/ref-http.yaml"), "169.254.169.254"),
    Case("ref-dangling", _api("{dir}/ref-dangling.yaml"), "dangling $ref '#/components/schemas/Nowhere'"),
    # Where the API answers
    Case("base-url-closed-port", _api(GOOD_SPEC), "does not answer"),
    Case(
        "base-url-ftp",
        ("generate", "api", GOOD_SPEC, "--base-url", "ftp://127.0.0.1/", "--out", "{dir}/o"),
        "unsupported URL scheme for --base-url 'ftp://127.0.0.1/'",
    ),
    Case(
        "base-url-not-a-url",
        ("generate", "api", GOOD_SPEC, "--base-url", "tasks", "--out", "{dir}/o"),
        "unsupported URL scheme for --base-url 'tasks'",
    ),
    # Requirements
    Case("requirement-empty", _api(GOOD_SPEC, "-r", ""), "requirement 1 is empty"),
    Case("requirement-blank", _api(GOOD_SPEC, "-r", "ok", "-r", "   "), "requirement 2 is empty"),
    Case(
        "requirement-100-kb",
        _api(GOOD_SPEC, "-r", "The list answers 200. " * 4_700),
        "requirement 1 is 103,400 characters long; at most 2,000",
    ),
    Case(
        "requirements-file-not-utf8",
        _api(GOOD_SPEC, "--requirements-file", "{dir}/requirements-cp1252.txt"),
        "is not UTF-8 text (byte 0x96 at offset 18)",
    ),
    Case(
        "requirements-file-missing",
        _api(GOOD_SPEC, "--requirements-file", "{dir}/nope.txt"),
        "cannot read requirements file {dir}/nope.txt: No such file or directory",
    ),
    Case(
        "requirements-file-folder",
        _api(GOOD_SPEC, "--requirements-file", "{dir}/spec-folder"),
        "cannot read requirements file {dir}/spec-folder: Is a directory",
    ),
    Case(
        "requirements-file-blank",
        _api(GOOD_SPEC, "--requirements-file", "{dir}/requirements-blank.txt"),
        "holds no requirement",
    ),
    Case(
        "requirements-file-bad-gherkin",
        _api(GOOD_SPEC, "--requirements-file", "{dir}/broken.feature"),
        "broken.feature:4:1: not valid Gherkin",
    ),
    # Options
    Case(
        "fail-under-negative",
        _api(GOOD_SPEC, "-r", "x", "--fail-under", "-5"),
        "Invalid value for '--fail-under': Input should be greater than or equal to 0",
    ),
    Case(
        "fail-under-over-100",
        _api(GOOD_SPEC, "-r", "x", "--fail-under", "150"),
        "Input should be less than or equal to 100",
    ),
    Case(
        "fail-under-not-a-number",
        _api(GOOD_SPEC, "-r", "x", "--fail-under", "most"),
        "Invalid value for '--fail-under': Input should be a valid number",
    ),
    Case(
        "fail-under-without-requirements",
        _api(GOOD_SPEC, "--fail-under", "80"),
        "--fail-under measures requirement coverage",
    ),
    Case(
        "max-attempts-too-many",
        _api(GOOD_SPEC, "--max-attempts", "99"),
        "--max-attempts: Input should be less than or equal to 10",
    ),
    Case(
        "workers-zero",
        _api(GOOD_SPEC, "--workers", "0"),
        "--workers: Input should be greater than or equal to 1",
    ),
    Case(
        "recon-timeout-negative",
        _api(GOOD_SPEC, "--recon-timeout", "-1"),
        "--recon-timeout: Input should be greater than 0",
    ),
    Case("unknown-option", _api(GOOD_SPEC, "--turbo"), "No such option: --turbo"),
    Case("unknown-command", ("frobnicate",), "No such command 'frobnicate'"),
    Case("out-missing", ("generate", "api", GOOD_SPEC), "Missing option '--out'"),
    Case("spec-argument-missing", ("generate", "api", "--out", "{dir}/o"), "Missing argument 'spec'"),
    # The out dir: never clobbered
    Case("out-is-a-file", _api(GOOD_SPEC, out="{dir}/a-file"), "out dir {dir}/a-file is a file"),
    Case(
        "out-holds-user-files",
        _api(GOOD_SPEC, out="{dir}/foreign"),
        "is not empty and holds no suite of ours",
    ),
    Case(
        "out-not-writable",
        _api(GOOD_SPEC, out="/proc/testops-suite"),
        "out dir /proc/testops-suite is not writable",
    ),
    # Pages
    Case(
        "page-ftp-url",
        ("generate", "ui", "ftp://127.0.0.1/x", "--out", "{dir}/o"),
        "unsupported URL scheme for the page 'ftp://127.0.0.1/x'",
    ),
    Case(
        "page-not-a-url",
        ("generate", "ui", "login page", "--out", "{dir}/o"),
        "unsupported URL scheme for the page 'login page'",
    ),
    # Stored requests
    Case("show-malformed-id", ("show", "42"), "not a request id: '42'"),
    Case("show-unknown-id", ("show", UNKNOWN_ID), f"no request {UNKNOWN_ID}"),
    Case("resume-unknown-id", ("resume", UNKNOWN_ID), f"no request {UNKNOWN_ID}"),
    Case("review-without-decision", ("review", COMPLETED_ID), "is completed: it is not waiting for review"),
    Case(
        "review-of-finished-run",
        ("review", COMPLETED_ID, "--approve"),
        "is completed: it is not waiting for review",
    ),
    Case("review-malformed-id", ("review", "latest", "--reject"), "not a request id: 'latest'"),
    Case(
        "list-limit-not-a-number",
        ("list", "--limit", "all"),
        "Invalid value for '--limit': Input should be a valid integer",
    ),
]


# One case per way a refusal is made: by Click's parser, by a command before any work, inside the pipeline.
INSTALLED_SCRIPT_CASES = [
    case for case in CASES if case.id in {"unknown-command", "show-unknown-id", "spec-malformed-yaml"}
]


@dataclass(frozen=True)
class Answer:
    """What one command line printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the cases name, and a data dir holding one completed request."""
    folder = tmp_path_factory.mktemp("bad-inputs")
    for name, content in SPEC_FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    settings = Settings(data_dir=folder / "data")
    migrate(settings.sqlalchemy_url)
    with session_scope(settings.sqlalchemy_url) as session:
        create_request(session, request_id=uuid.UUID(COMPLETED_ID), kind="api", target="kennels.yaml")
        mark_completed(session, uuid.UUID(COMPLETED_ID), ResultSummary().model_dump(mode="json"))
    return folder


def _arguments(case: Case, folder: Path) -> list[str]:
    """The case's command line; each case writes into an out dir of its own."""
    out = folder / "out" / case.id
    return [arg.replace("{out}", str(out)).replace("{dir}", str(folder)) for arg in case.args]


def _assert_one_readable_line(answer: Answer, case: Case, folder: Path) -> None:
    output = answer.stdout + answer.stderr
    assert "Traceback" not in output, output
    assert answer.exit_code == case.exit_code, output
    lines = answer.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), answer.stderr
    assert case.expected.replace("{dir}", str(folder)) in lines[0], lines[0]
    assert (folder / "foreign" / "notes.txt").read_text(encoding="utf-8") == KEPT_FILE_TEXT


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_readable_line(scratch: Path, case: Case) -> None:
    # catch_exceptions=False: an exception the CLI let escape fails the case with its traceback.
    result = CliRunner().invoke(
        app,
        _arguments(case, scratch),
        env={"TESTOPS_DATA_DIR": str(scratch / "data"), "TESTOPS_DEBUG": None},
        catch_exceptions=False,
        prog_name="testops",
    )
    _assert_one_readable_line(Answer(result.exit_code, result.stdout, result.stderr), case, scratch)


@pytest.mark.parametrize("case", INSTALLED_SCRIPT_CASES, ids=[case.id for case in INSTALLED_SCRIPT_CASES])
def test_the_installed_script_answers_the_same(scratch: Path, case: Case) -> None:
    env = {**os.environ, "TESTOPS_DATA_DIR": str(scratch / "data"), "COLUMNS": "200"}
    env.pop("TESTOPS_DEBUG", None)
    completed = subprocess.run(
        [str(TESTOPS), *_arguments(case, scratch)],
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALLED_SCRIPT_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    _assert_one_readable_line(Answer(completed.returncode, completed.stdout, completed.stderr), case, scratch)
