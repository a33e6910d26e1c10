"""The LLM endpoint: what a garbage-answering endpoint costs, and what a scripted one spends in tokens.

Per sample API and sample page, the pipeline runs with its bundled requirements four ways: offline (no
endpoint), against two garbage endpoints (HTTP 200 with non-JSON or schema-invalid content; HTTP 500), and
against a scripted endpoint whose replies are valid claims. Each delivered suite then runs against the
target's variants (bench/mutation.py). A garbage endpoint must leave coverage and catches as they are
offline, and cost no more time than the bounded retries allow.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from bench import mutation
from bench.harness import environment, run_pipeline
from bench.mutation import VariantRun
from bench.page_robustness import PAGE_TARGETS
from bench.report import seconds, verdict
from bench.robustness import TARGETS, Sample, Target, variant_plan
from generators.llm.api import ClaimReply, OperationChoice
from generators.llm.client import estimated_tokens
from generators.llm.config import LlmConfig
from generators.llm.ui import wire_reply
from graph.settings import Settings
from samples.openai_stub import Respond, Scripted, answer, kind_of, scripted_endpoint
from vocabulary import claims
from vocabulary.claims import Expectation, Step

NAME = "llm"
Mode = Literal["offline", "garbage-200", "garbage-500", "scripted"]
MODES: tuple[Mode, ...] = ("offline", "garbage-200", "garbage-500", "scripted")
GARBAGE_MODES: tuple[Mode, ...] = ("garbage-200", "garbage-500")
QUICK_TARGETS = ("tasks_api",)
# A quick run's suites meet one buggy variant only: enough to compare catches across the endpoints.
QUICK_BUGGY_COUNT = 1
# Endpoint bounds of the benchmark's runs: short, so that the garbage bar is a tight one.
TIMEOUT_S = 5.0
MAX_RETRIES = 2
# The OpenAI client's own backoff between transport retries (openai._constants), when no Retry-After
# comes: 0.5 s doubling, at most 8 s.
CLIENT_FIRST_BACKOFF_S = 0.5
CLIENT_MAX_BACKOFF_S = 8.0
# What two runs asking nothing (every requirement covered offline) differ by in generation time.
TIMING_NOISE_S = 0.5
_OPERATION_LINE = re.compile(r"^(\S+): ([A-Z]+) (\S+): ?(.*)$", re.MULTILINE)
_REQUIREMENT_LINE = re.compile(r"^Requirement \S+: (.*)$", re.MULTILINE)
_WORD = re.compile(r"[a-z]+")
_EXCERPT_HEAD = "Spec excerpt"
_HEADING = re.compile(r'^\s*- heading "([^"]+)"', re.MULTILINE)


class ModeRun(BaseModel):
    """One pipeline run of a target with one kind of endpoint, and its suite against the variants."""

    mode: Mode
    status: str
    requirements_covered: int
    requirements_total: int
    caught: list[str]
    buggy_total: int
    false_alarms: list[str]
    generation_s: float  # the generation node, summed over its passes
    wall_s: float
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    fallbacks: list[str]
    variants: list[VariantRun]


class TargetRun(BaseModel):
    target: str
    skipped: str  # why the target was not measured; "" when it was
    uncovered_offline: int = 0
    runs: list[ModeRun] = Field(default_factory=list)
    # Per garbage mode: seconds the generation may grow by (every asked part failing at its worst).
    retry_bound_s: dict[str, float] = Field(default_factory=dict)
    tokens_per_uncovered: float | None = None  # scripted: (prompt + completion) / uncovered offline
    prompt_tokens_per_uncovered: float | None = None
    garbage_keeps_scores: bool | None = None
    garbage_within_retries: bool | None = None


class LlmBench(BaseModel):
    quick: bool
    timeout_s: float
    max_retries: int
    worst_ask_s: float  # one LLM ask at its worst: every try timing out, every backoff waited
    targets: list[TargetRun]


def worst_ask_seconds(config: LlmConfig) -> float:
    """One ask's worst case: each unusable-reply try spends every transport try to its timeout."""
    tries = config.max_retries + 1
    client_backoff = sum(min(CLIENT_FIRST_BACKOFF_S * 2**i, CLIENT_MAX_BACKOFF_S) for i in range(tries - 1))
    transport = tries * config.timeout_s + client_backoff
    our_backoff = sum(config.retry_backoff_s * 2**i for i in range(tries - 1))
    return tries * transport + our_backoff


# --- the endpoints' replies --------------------------------------------------------------------------------


def count_tokens(request: dict[str, Any], content: str) -> tuple[int, int]:
    """Usage as a provider counts it, estimated: the messages and the response schema in, the reply out."""
    sent = "".join(str(m.get("content") or "") for m in request.get("messages", []))
    sent += json.dumps(request.get("response_format") or "")
    return estimated_tokens(sent), estimated_tokens(content)


def _user_message(request: dict[str, Any]) -> str:
    users = [str(m.get("content")) for m in request.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


def scripted_reply(request: dict[str, Any]) -> Scripted:
    """A valid claim: the listed GET without path parameters sharing most words with the requirement, then
    one step calling it and expecting its first documented success status; on a page, its first heading
    shown. Code is never offered."""
    user = _user_message(request)
    kind = kind_of(request)
    if kind == OperationChoice.__name__:
        found = _REQUIREMENT_LINE.search(user)
        words = set(_WORD.findall(found.group(1).lower())) if found else set()
        lines = [m for m in _OPERATION_LINE.finditer(user) if m.group(2) == "GET" and "{" not in m.group(3)]
        best = max(lines, key=lambda m: len(words & set(_WORD.findall(m.group(0).lower()))), default=None)
        return answer(OperationChoice(operation_ids=[best.group(1)] if best else []))
    if kind == ClaimReply.__name__:
        excerpt, _ = json.JSONDecoder().raw_decode(user, user.index("{", user.index(_EXCERPT_HEAD)))
        operation = excerpt["operations"][0]
        status = next(r["status"] for r in operation["responses"] if r["status"].startswith("2"))
        step = Step(operation_id=operation["operation_id"], title=f"Call {operation['operation_id']}",
                    expect=Expectation(statuses=[int(status)]))  # fmt: skip
        return answer(ClaimReply(expressible=True, steps=[step]))
    if kind == "UiClaimReply":  # the page's first heading, as its snapshot names it, is shown
        heading = _HEADING.search(user)
        shown = claims.Expect(claims.ShowsText(heading.group(1) if heading else ""))
        return answer(wire_reply(claims.Reading(beats=(shown,))))
    return Scripted(content="The scripted model writes no code.")


def garbage_200(replies: itertools.count[int]) -> Respond:
    """HTTP 200 with unusable content: non-JSON and schema-invalid JSON, in turn."""

    def respond(request: dict[str, Any]) -> Scripted:
        if next(replies) % 2:
            return Scripted(content='{"operation_ids": 7, "steps": "none", "expressible": "perhaps"}')
        return Scripted(content="<html><body>Bad gateway, try again</body></html>")

    return respond


def server_failure(request: dict[str, Any]) -> Scripted:
    return Scripted(status=500)


# --- the runs ----------------------------------------------------------------------------------------------


def _endpoint_environment(base_url: str) -> dict[str, str]:
    """The settings the pipeline reads, whatever the shell says: this endpoint, or none at all."""
    return {"OPENAI_BASE_URL": base_url, "TESTOPS_OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "bench-key",
            "TESTOPS_OPENAI_API_KEY": "bench-key", "TESTOPS_OPENAI_MODEL": "scripted-model",
            "TESTOPS_OPENAI_TIMEOUT_S": str(TIMEOUT_S),
            "TESTOPS_OPENAI_MAX_RETRIES": str(MAX_RETRIES)}  # fmt: skip


def run_mode(target: Target, api: Sample, mode: Mode, *, quick: bool, root: Path) -> ModeRun:
    """The pipeline with this kind of endpoint against the correct service, then the suite on each variant."""
    folder = root / target.name / mode
    respond = {"garbage-200": garbage_200(itertools.count()), "garbage-500": server_failure}.get(
        mode, scripted_reply
    )
    endpoint = scripted_endpoint(respond, count_tokens)
    with endpoint as (url, _), environment(**_endpoint_environment("" if mode == "offline" else url)):
        with api.serve() as target_url:
            given = target.pipeline_input(api, target_url)
            run = asyncio.run(run_pipeline(kind=given.kind, target=given.target, base_url=given.base_url,
                                           credentials=api.SUITE_ENVIRONMENT,
                                           requirements=api.load_requirements(), data_dir=folder / "data",
                                           out_dir=folder / "suite"))  # fmt: skip
    summary = run.summary
    plan = variant_plan(target, api, quick=quick)
    if quick:
        plan = [(v, kind) for v, kind in plan if kind == "buggy"][:QUICK_BUGGY_COUNT]
    runs = [mutation.run_suite_against(Path(run.out_dir), v, kind, serve=api.serve,
                                       credentials=api.SUITE_ENVIRONMENT)
            for v, kind in plan] if summary and summary.tests_saved else []  # fmt: skip
    llm = summary.llm if summary else None
    usage = list(llm.usage.values()) if llm else []
    return ModeRun(
        mode=mode, status=run.status,
        requirements_covered=summary.requirements_covered if summary else 0,
        requirements_total=summary.requirements_total if summary else 0,
        caught=[r.variant for r in runs if r.caught], buggy_total=sum(kind == "buggy" for _, kind in plan),
        false_alarms=[r.variant for r in runs if r.false_alarm],
        generation_s=run.node_seconds().get("generation", 0.0), wall_s=run.wall_s,
        llm_calls=sum(u.calls for u in usage), prompt_tokens=sum(u.input_tokens for u in usage),
        completion_tokens=sum(u.output_tokens for u in usage), fallbacks=llm.fallbacks if llm else [],
        variants=runs,
    )  # fmt: skip


def _bench_config() -> LlmConfig:
    """The LLM config the pipeline builds from the benchmark's settings (the bound is computed from it)."""
    with environment(**_endpoint_environment("http://127.0.0.1:9/v1")):
        settings = Settings(database_url="")
    return LlmConfig(base_url=settings.openai_base_url, api_key=settings.openai_api_key,
                     model=settings.openai_model, timeout_s=settings.openai_timeout_s,
                     max_retries=settings.openai_max_retries, cache_dir=settings.llm_cache_dir)  # fmt: skip


def measure_target(target: Target, *, quick: bool, root: Path, worst_ask_s: float) -> TargetRun:
    """The four runs, then the bars: garbage keeps the offline scores, within the retries' worst case."""
    api = target.load()
    if isinstance(api, str):
        return TargetRun(target=target.name, skipped=api)
    runs = {mode: run_mode(target, api, mode, quick=quick, root=root) for mode in MODES}
    offline, scripted = runs["offline"], runs["scripted"]
    uncovered = offline.requirements_total - offline.requirements_covered
    garbage = [runs[mode] for mode in GARBAGE_MODES]
    # In a garbage run every ask fails, and each failed ask leaves exactly one fallback line.
    bound = {r.mode: round(len(r.fallbacks) * worst_ask_s, 3) for r in garbage}
    spent = scripted.prompt_tokens + scripted.completion_tokens
    return TargetRun(
        target=target.name, skipped="", uncovered_offline=uncovered, runs=list(runs.values()),
        retry_bound_s=bound,
        tokens_per_uncovered=round(spent / uncovered, 1) if uncovered else None,
        prompt_tokens_per_uncovered=round(scripted.prompt_tokens / uncovered, 1) if uncovered else None,
        garbage_keeps_scores=all(
            r.status == "completed" and r.caught == offline.caught
            and r.requirements_covered == offline.requirements_covered for r in garbage
        ),
        garbage_within_retries=all(
            r.generation_s <= offline.generation_s + bound[r.mode] + TIMING_NOISE_S for r in garbage
        ),
    )  # fmt: skip


def run(*, quick: bool, work_dir: Path, earlier: dict[str, Any]) -> LlmBench:
    """Every sample API and page (the Task Tracker API alone in quick mode), four runs one after another."""
    config = _bench_config()
    worst = round(worst_ask_seconds(config), 3)
    targets = [t for t in (*TARGETS, *PAGE_TARGETS) if not quick or t.name in QUICK_TARGETS]
    return LlmBench(
        quick=quick, timeout_s=config.timeout_s, max_retries=config.max_retries, worst_ask_s=worst,
        targets=[measure_target(t, quick=quick, root=work_dir / NAME, worst_ask_s=worst) for t in targets],
    )  # fmt: skip


# --- rendering ---------------------------------------------------------------------------------------------


def render(result: LlmBench) -> list[RenderableType]:
    """Per target: one row per endpoint, then the two bars and the cost per uncovered requirement."""
    out: list[RenderableType] = []
    for target in result.targets:
        if target.skipped:
            out.append(Text(f"{target.target}: skipped ({target.skipped})", style="dim"))
            continue
        out.append(_runs_table(target))
        offline_s = next(r.generation_s for r in target.runs if r.mode == "offline")
        bounds = target.retry_bound_s.items()
        limits = ", ".join(f"{mode} ≤ {offline_s + bound:.1f} s" for mode, bound in bounds)
        per = "—" if target.tokens_per_uncovered is None else f"{target.tokens_per_uncovered:,.0f}"
        out.append(Text.assemble(
            (f"{target.target}: garbage keeps the offline coverage and catches  ", "bold"),
            verdict(target.garbage_keeps_scores),
            ("\n  garbage generation within offline + the bounded retries  ", "bold"),
            verdict(target.garbage_within_retries),
            f" ({limits}; worst ask {result.worst_ask_s:.1f} s = {result.max_retries + 1} tries × "
            f"{result.max_retries + 1} transport tries × {result.timeout_s:.0f} s + backoffs)",
            f"\n  scripted endpoint: {per} tokens per uncovered requirement "
            f"({target.uncovered_offline} uncovered offline)",
        ))  # fmt: skip
    return out


def _runs_table(target: TargetRun) -> Table:
    table = Table(title=f"{target.target}: bundled requirements with each kind of endpoint",
                  title_justify="left")  # fmt: skip
    columns = ("endpoint", "covered", "caught", "false alarms", "gen s", "wall s", "LLM calls",
               "prompt tok", "compl. tok", "tok/uncovered", "fallbacks")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("endpoint", "false alarms") else "right")
    uncovered = target.uncovered_offline
    for run in target.runs:
        spent = run.prompt_tokens + run.completion_tokens
        table.add_row(
            run.mode if run.status == "completed" else f"{run.mode} ({run.status})",
            f"{run.requirements_covered}/{run.requirements_total}", f"{len(run.caught)}/{run.buggy_total}",
            ", ".join(run.false_alarms) or "none", seconds(run.generation_s), seconds(run.wall_s),
            str(run.llm_calls), str(run.prompt_tokens), str(run.completion_tokens),
            f"{spent / uncovered:,.0f}" if uncovered and run.llm_calls else "—", str(len(run.fallbacks)),
        )  # fmt: skip
    table.caption = (
        "caught: buggy variants the delivered suite fails on; gen s: the generation node; LLM calls: our "
        "client's tries (the OpenAI client's transport retries inside a try are not counted); tokens are "
        "estimated at 4 characters a token (messages and response schema in, reply out); tok/uncovered: "
        "tokens over the requirements the offline reader leaves uncovered"
    )
    return table
