"""The `testops` command: generate suites, resume runs, read stored results, run the bundled demo."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Coroutine, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

try:  # Typer runs on its own copy of Click since 0.25, and on the click package before
    from typer._click import exceptions as click_errors
except ImportError:
    from click import exceptions as click_errors

from cli.export import export_command
from cli.keys import keys_app
from generators.llm.config import CacheMode
from graph.settings import Settings
from storage.engine import migrate, session_scope
from storage.models import RequestStatus
from storage.repository import get_request, list_requests, list_test_cases
from tools.errors import InputError, OutputDirError, UnknownRequestError
from tools.requirements_file import read_requirements_file
from vocabulary.artefacts import MAX_REQUIREMENT_CHARS, RequestKind

# The pipeline (LangGraph, Playwright, the generators) loads inside the commands that run it, so that
# `testops --help` and the refusal of a bad command line answer at once.
if TYPE_CHECKING:
    from graph.context import Context, RunOptions
    from graph.runner import RunOutcome
    from graph.state import InputState

console = Console()
errors = Console(stderr=True)

# Exit codes: 0 done, 1 internal error, 2 bad input, 3 the run stopped for review,
# 4 requirements uncovered (none of them, or fewer than --fail-under asks for).
EXIT_BAD_INPUT = 2
EXIT_WAITING = 3
EXIT_UNCOVERED = 4
# RunOptions fields by the flag that sets them, so that a refused value names what the user typed.
OPTION_FLAGS = {
    "max_attempts": "--max-attempts",
    "validation_workers": "--workers",
    "recon_timeout_s": "--recon-timeout",
}


def _print_error(message: str) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    _print_error(message)
    raise typer.Exit(code)


class OneLineUsageErrors(TyperGroup):
    """A mistyped command line (unknown option, value out of range, missing argument) is one `error:` line
    like every other bad input, not a framed usage panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click_errors.NoArgsIsHelpError as error:  # the help is printed already
            sys.exit(error.exit_code)
        except click_errors.UsageError as error:
            command = error.ctx.command_path if error.ctx else "testops"
            _print_error(f"{error.format_message()} (see {command} --help)")
            sys.exit(error.exit_code)
        except click_errors.ClickException as error:
            _print_error(error.format_message())
            sys.exit(error.exit_code)
        except (click_errors.Abort, typer.Abort):
            _print_error("aborted")
            sys.exit(1)
        sys.exit(code or 0)


app = typer.Typer(
    cls=OneLineUsageErrors,
    help="TestOps Copilot: writes, validates and stores automated test suites.",
    no_args_is_help=True,
)
generate_app = typer.Typer(help="Generate a test suite.", no_args_is_help=True)
app.add_typer(generate_app, name="generate")
app.add_typer(keys_app, name="keys")
app.command("export")(export_command)


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a command's coroutine; bad input becomes one readable line, never a traceback."""
    try:
        return asyncio.run(coroutine)
    except InputError as error:
        _fail(str(error))
    except Exception as error:  # noqa: BLE001 - the last line of defence of a CLI
        if os.environ.get("TESTOPS_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set TESTOPS_DEBUG=1 for details)", code=1)


def check_out_dir(out: Path) -> Path:
    """The out dir must be writable, and empty or a suite we wrote before: we never clobber user files."""
    out = out.expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"out dir {out} is a file")
    if out.exists() and any(out.iterdir()) and not (out / "suite_settings.py").exists():
        raise OutputDirError(f"out dir {out} is not empty and holds no suite of ours; choose an empty folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".testops-write-check"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise OutputDirError(f"out dir {out} is not writable: {error.strerror or error}") from None
    return out


def _requirements(texts: list[str], files: list[Path], fail_under: float | None) -> list[str]:
    """The -r texts, then each file's requirements (Gherkin scenarios from a .feature file)."""
    collected = list(texts)
    try:
        for file in files:
            collected += read_requirements_file(file)
    except InputError as error:
        _fail(str(error))
    _check_requirement_texts(collected)
    if fail_under is not None and not collected:
        _fail("--fail-under measures requirement coverage: give --requirement or --requirements-file")
    return collected


def _check_requirement_texts(requirements: Sequence[str]) -> None:
    """An empty requirement states nothing and an endless one is no single claim: refuse both up front."""
    for number, text in enumerate(requirements, start=1):
        if not text.strip():
            _fail(f"requirement {number} is empty: say what the target should do")
        if len(text) > MAX_REQUIREMENT_CHARS:
            _fail(
                f"requirement {number} is {len(text):,} characters long; at most {MAX_REQUIREMENT_CHARS:,} "
                "are read as one requirement: split it"
            )


def _check_coverage(summary: dict, fail_under: float | None) -> None:
    """Exit 4 when a run with requirements covered none of them, or fewer than `fail_under` percent."""
    total, covered = summary.get("requirements_total", 0), summary.get("requirements_covered", 0)
    if not total:
        return
    if not covered:
        reasons = Counter(entry.get("reason") or "?" for entry in summary.get("requirements", []))
        label = "most often" if len(reasons) > 1 else "why"
        most = f"; {label}: {reasons.most_common(1)[0][0]}" if reasons else ""
        _fail(f"no requirement is covered by a test (0 of {total}){most}", code=EXIT_UNCOVERED)
    percent = 100 * covered / total
    if fail_under is not None and percent < fail_under:
        _fail(
            f"requirement coverage {percent:.1f}% ({covered} of {total}) is under "
            f"--fail-under {fail_under:g}%",
            code=EXIT_UNCOVERED,
        )


async def execute(
    settings: Settings,
    request_id: str,
    context: Context,
    *,
    start: InputState | None = None,
    resume: Any = None,
    quiet: bool = False,
) -> RunOutcome:
    """Run one request with the embedded checkpointer, one browser (started only if needed), a live view."""
    from cli.progress import NodeProgress
    from graph.builder import build_graph
    from graph.checkpointing import open_checkpointer
    from graph.runner import run_request
    from tools.browser import BrowserConfig, BrowserSession

    browser_config = BrowserConfig(executable_path=context.chromium_path)
    async with open_checkpointer(settings) as saver, BrowserSession(browser_config) as browser:
        context = replace(context, browser=browser)
        graph = build_graph(checkpointer=saver)
        with NodeProgress(console, enabled=not quiet) as progress:
            return await run_request(
                graph,
                request_id=request_id,
                context=context,
                start=start,
                resume=resume,
                on_event=progress.update,
            )


def _next_message() -> str | None:
    """The reviewer's next line on stdin (a terminal or a pipe); None at the end of input."""
    if sys.stdin.isatty():
        try:
            return console.input("[bold]review>[/] ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    console.print(f"[bold]review>[/] {escape(line.rstrip())}", highlight=False)
    return line.rstrip("\n")


def _converse(
    settings: Settings, request_id: str, context: Context, outcome: RunOutcome, messages: Sequence[str] = ()
) -> RunOutcome:
    """Hold the review conversation: each message answered and stored, and the run resumed whenever one
    changes or decides the suite, until the reviewer approves or rejects or the input ends."""
    from cli.report import print_result
    from conversation.replies import CAPABILITIES
    from conversation.turn import take_turn
    from generators.llm.client import LlmSession
    from storage.review_messages import add_exchange

    print_result(console, outcome, request_id)
    if not messages:
        console.print(CAPABILITIES, highlight=False)
    given = iter(messages)
    llm = LlmSession(context.llm) if context.llm else None
    while outcome.status == "waiting_for_review" and outcome.review_payload:
        message = next(given, None) if messages else _next_message()
        if message is None:
            break
        turn = take_turn(message, outcome.review_payload, llm)
        with session_scope(settings.sqlalchemy_url) as session:
            action = turn.intent.model_dump(mode="json")
            add_exchange(session, uuid.UUID(request_id), message, turn.reply, action)
        console.print(escape(turn.reply), highlight=False)
        if turn.response is not None:
            resume = turn.response.model_dump(mode="json")
            outcome = _run(execute(settings, request_id, context, resume=resume, quiet=True))
            if turn.intent.kind == "add_requirement" and outcome.status == "waiting_for_review":
                print_result(console, outcome, request_id)
    return outcome


def _finish(
    settings: Settings,
    request_id: str,
    context: Context,
    outcome: RunOutcome,
    review: bool,
    started: float,
    fail_under: float | None = None,
    messages: Sequence[str] = (),
) -> None:
    """Converse when the run waits for review and `review` says to (from `messages`, else stdin), then print
    the result, or say how to continue."""
    from cli.report import print_result, print_summary

    if outcome.status == "waiting_for_review" and review:
        outcome = _converse(settings, request_id, context, outcome, messages)
    elif outcome.status == "waiting_for_review":
        print_result(console, outcome, request_id)
    if outcome.status == "completed":
        with session_scope(settings.sqlalchemy_url) as session:
            request = get_request(session, uuid.UUID(request_id))
            summary = request.result_summary or {} if request else {}
        print_summary(console, summary, time.perf_counter() - started)
        _check_coverage(summary, fail_under)
        return
    console.print(f"Waiting for review. Continue the conversation with: testops review {request_id}")
    raise typer.Exit(EXIT_WAITING)


def _generate(
    kind: RequestKind,
    target: str,
    base_url: str,
    requirements: list[str],
    options: RunOptions,
    quiet: bool,
    fail_under: float | None,
) -> None:
    """Store the request, run it with a live view, and print the result."""
    from graph.context import Context
    from graph.runner import open_request

    settings = Settings()
    try:
        migrate(settings.sqlalchemy_url)
    except InputError as error:
        _fail(str(error))
    start = open_request(
        settings.sqlalchemy_url,
        kind=kind,
        target=target,
        base_url=base_url,
        requirements=requirements,
        options=options,
    )
    request_id = start.request_id
    context = Context.for_run(settings, options)
    console.print(f"Request [bold]{request_id}[/]", highlight=False)
    started = time.perf_counter()
    outcome = _run(execute(settings, request_id, context, start=start, quiet=quiet))
    _finish(settings, request_id, context, outcome, options.review, started, fail_under)


def _options(out: Path, review: bool, max_attempts: int, workers: int, recon_timeout: float) -> RunOptions:
    """The run's options; the out dir is made only once they are all valid."""
    from graph.context import RunOptions

    try:
        options = RunOptions(
            review=review,
            max_attempts=max_attempts,
            validation_workers=workers,
            recon_timeout_s=recon_timeout,
        )
    except ValidationError as error:
        problem = error.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else ""
        _fail(f"{OPTION_FLAGS.get(field, field)}: {problem['msg']}")
    try:
        return options.model_copy(update={"out_dir": str(check_out_dir(out))})
    except InputError as error:
        _fail(str(error))


def _check_http_url(what: str, url: str) -> None:
    """`url` must be an http(s) URL with a host: nothing else can be reached by the suite."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        _fail(f"unsupported URL scheme for {what} {url!r}: give an http or https URL")
    if not parts.hostname:
        _fail(f"{what} {url!r} has no host: give an http or https URL")


OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the suite to.")]
RequirementOption = Annotated[
    list[str] | None, typer.Option("--requirement", "-r", help="A requirement in plain language (repeat).")
]
RequirementsFileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--requirements-file",
        help="One requirement per line (# comments), or a Gherkin .feature file: one per scenario (repeat).",
    ),
]
FailUnderOption = Annotated[
    float | None,
    typer.Option(
        "--fail-under",
        min=0,
        max=100,
        metavar="PCT",
        help="Exit 4 when fewer than PCT % of the requirements are covered by a test.",
    ),
]
ReviewOption = Annotated[bool, typer.Option("--review", help="Stop for a human review before storing.")]
AttemptsOption = Annotated[int, typer.Option(help="Regeneration passes for broken tests.")]
WorkersOption = Annotated[int, typer.Option(help="Parallel pytest processes during validation.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress view.")]
ReconTimeoutOption = Annotated[
    float, typer.Option("--recon-timeout", help="Seconds to wait for the spec, the base URL or the page.")
]


@generate_app.command("api")
def generate_api(
    spec: Annotated[str, typer.Argument(help="OpenAPI 3 document: a file path or an http(s) URL.")],
    out: OutOption,
    base_url: Annotated[str, typer.Option("--base-url", help="Where the API under test answers.")] = "",
    requirement: RequirementOption = None,
    requirements_file: RequirementsFileOption = None,
    review: ReviewOption = False,
    max_attempts: AttemptsOption = 2,
    workers: WorkersOption = 2,
    quiet: QuietOption = False,
    recon_timeout: ReconTimeoutOption = 10.0,
    fail_under: FailUnderOption = None,
    safe: Annotated[
        bool, typer.Option("--safe", help="A target you do not own: no test changes data it did not create.")
    ] = False,
    llm_cache: Annotated[
        CacheMode,
        typer.Option(
            "--llm-cache",
            help="Recorded LLM replies: off, read (reuse), write (reuse and record), replay (only recorded).",
        ),
    ] = "write",
) -> None:
    """Explore an API from its OpenAPI spec and write a validated pytest + httpx suite."""
    if base_url:
        _check_http_url("--base-url", base_url)
    requirements = _requirements(requirement or [], requirements_file or [], fail_under)
    options = _options(out, review, max_attempts, workers, recon_timeout).model_copy(
        update={"safe": safe, "llm_cache": llm_cache}
    )
    target = str(Path(spec).expanduser().resolve()) if "://" not in spec and Path(spec).exists() else spec
    _generate("api", target, base_url, requirements, options, quiet, fail_under)


@generate_app.command("ui")
def generate_ui(
    url: Annotated[str, typer.Argument(help="The page to test: an http(s) URL.")],
    out: OutOption,
    requirement: RequirementOption = None,
    requirements_file: RequirementsFileOption = None,
    review: ReviewOption = False,
    max_attempts: AttemptsOption = 2,
    workers: WorkersOption = 2,
    quiet: QuietOption = False,
    recon_timeout: ReconTimeoutOption = 10.0,
    fail_under: FailUnderOption = None,
    safe: Annotated[
        bool,
        typer.Option("--safe", help="A site you do not own: nothing named for removing data is clicked."),
    ] = False,
) -> None:
    """Explore a page in Chromium and write a validated pytest + Playwright suite for its requirements."""
    _check_http_url("the page", url)
    requirements = _requirements(requirement or [], requirements_file or [], fail_under)
    options = _options(out, review, max_attempts, workers, recon_timeout).model_copy(update={"safe": safe})
    _generate("ui", url, "", requirements, options, quiet, fail_under)


def _stored_context(settings: Settings, request_id: str) -> tuple[Context, bool, RequestStatus]:
    from graph.context import Context, RunOptions

    try:
        key = uuid.UUID(request_id)
    except ValueError:
        _fail(f"not a request id: {request_id!r}")
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, key)
        if request is None:
            _fail(str(UnknownRequestError(f"no request {request_id}")))
        options = RunOptions.model_validate(request.options or {})
        status = request.status
    return Context.for_run(settings, options), options.review, status


@app.command()
def resume(
    request_id: Annotated[str, typer.Argument(help="The id printed when the run started.")],
    fail_under: FailUnderOption = None,
) -> None:
    """Continue a run that was stopped or killed, from its last checkpoint."""
    settings = Settings()
    migrate(settings.sqlalchemy_url)
    context, review, _ = _stored_context(settings, request_id)
    started = time.perf_counter()
    outcome = _run(execute(settings, request_id, context))
    _finish(settings, request_id, context, outcome, review, started, fail_under)


@app.command("review")
def review_command(
    request_id: Annotated[str, typer.Argument(help="A run waiting for review.")],
    approve: Annotated[
        bool | None,
        typer.Option("--approve/--reject", help="Decide at once; without either, messages come from stdin."),
    ] = None,
    comment: Annotated[str, typer.Option(help="What the reviewer says with --approve or --reject.")] = "",
    fail_under: FailUnderOption = None,
) -> None:
    """Continue the review conversation of a run that stopped for it (messages from stdin, one a line)."""
    from graph.runner import RunOutcome

    settings = Settings()
    migrate(settings.sqlalchemy_url)
    context, _, status = _stored_context(settings, request_id)
    payload = None if status in (RequestStatus.COMPLETED, RequestStatus.FAILED) else _run(
        _waiting_payload(settings, request_id)
    )
    if payload is None:
        _fail(f"request {request_id} is {status.value}: it is not waiting for review")
    decision = "approve" if approve else "reject"
    decided = [] if approve is None else [f"{decision}: {comment}" if comment else decision]
    outcome = RunOutcome(status="waiting_for_review", review_payload=payload)
    _finish(settings, request_id, context, outcome, True, time.perf_counter(), fail_under, decided)


async def _waiting_payload(settings: Settings, request_id: str) -> dict[str, Any] | None:
    """The review interrupt the request's graph waits at, or None."""
    from graph.builder import build_graph
    from graph.checkpointing import open_checkpointer

    async with open_checkpointer(settings) as saver:
        graph = build_graph(checkpointer=saver)
        snapshot = await graph.aget_state({"configurable": {"thread_id": request_id}})
    return snapshot.interrupts[0].value if snapshot.interrupts else None


@app.command("list")
def list_command(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20) -> None:
    """The stored requests."""
    from cli.report import print_requests

    settings = Settings()
    migrate(settings.sqlalchemy_url)
    with session_scope(settings.sqlalchemy_url) as session:
        print_requests(console, list_requests(session, limit=limit))


@app.command()
def show(request_id: Annotated[str, typer.Argument(help="A request id from `testops list`.")]) -> None:
    """One stored request: its result and its tests."""
    from cli.report import print_request

    settings = Settings()
    migrate(settings.sqlalchemy_url)
    try:
        key = uuid.UUID(request_id)
    except ValueError:
        _fail(f"not a request id: {request_id!r}")
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, key)
        if request is None:
            _fail(f"no request {request_id}")
        print_request(console, request, list_test_cases(session, key))


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the suite to.")] = Path(
        "testops-demo-suite"
    ),
    port: Annotated[int, typer.Option(help="Port for the sample API (0: any free port).")] = 8080,
) -> None:
    """Serve the bundled Task Tracker API on 127.0.0.1 and generate its suite, end to end."""
    from samples.tasks_api import app as sample

    os.environ.setdefault("TESTOPS_API_TOKEN", sample.DEFAULT_TOKEN)
    with ExitStack() as stack:
        try:
            base_url = stack.enter_context(sample.serve(port=port))
        except OSError:  # the port is taken: any free one will do
            base_url = stack.enter_context(sample.serve())
        console.print(f"Serving the sample Task Tracker API at {base_url}", highlight=False)
        generate_api(
            str(sample.SPEC_PATH),
            out=out,
            base_url=base_url,
            requirement=sample.load_requirements(),
            requirements_file=None,
            review=False,
            max_attempts=2,
            workers=2,
            quiet=False,
        )
    console.print(
        f"Run the suite yourself: python -m samples.tasks_api --port {base_url.rsplit(':', 1)[1]} & "
        f"TESTOPS_API_TOKEN={sample.DEFAULT_TOKEN} pytest {out}",
        highlight=False,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the HTTP service; Celery workers (celery -A celery_worker worker) carry out its requests."""
    from server.main import serve as run_server

    run_server(host, port)
