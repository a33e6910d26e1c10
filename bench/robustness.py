"""Robustness: what the wording of requirements costs, and what the spec alone catches beside Schemathesis.

Per sample API target and sample page, one suite per row, each generated once against the correct service
from its texts alone (offline generator, embedded SQLite, a scratch data dir), then run against every
variant: the bundled requirements (the baseline), each style of the independent corpus
(`../shared/corpus/requirements.json`), and for an API no requirements at all (spec only, beside
Schemathesis).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from pydantic import BaseModel, Field, computed_field
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from bench import mutation, schemathesis_compare
from bench.harness import environment, run_pipeline
from bench.mutation import VariantKind, VariantRun
from bench.page_robustness import PAGE_TARGETS, QUICK_PAGE_TARGETS, PageTarget, PipelineInput
from bench.report import seconds, verdict
from bench.schemathesis_compare import Comparison, ToolRun
from graph.settings import Settings
from storage.engine import session_scope
from storage.repository import get_request, list_test_cases
from tools.suite_analysis import DELIVERED
from vocabulary.artefacts import Verdict, number_requirements

NAME = "robustness"
CORPUS_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "requirements.json"
STYLES = ("story", "gherkin", "spec", "plain", "compound")
QUICK_STYLES = ("gherkin",)
BASELINE = "bundled"
SPEC_ONLY = "spec-only"
# The target: no style's figures more than this many percentage points below the bundled wording's.
GAP_POINTS = 10.0
# Without a quick list of its own, a target's quick run takes its first few variants of each kind: a quick
# run shows the whole measurement works (a catch, a pass on a harmless change); the full run gives figures.
QUICK_BUGGY_COUNT = 1
QUICK_HARMLESS_COUNT = 1
_PARAMETERS = re.compile(r"\[.*\]$")
_INTERFACE = (
    "SPEC_PATH",
    "Variant",
    "BUGGY_VARIANTS",
    "HARMLESS_VARIANTS",
    "SUITE_ENVIRONMENT",
    "serve",
    "load_requirements",
)


class Sample(Protocol):
    """What a sample offers the benchmark: its variants, a server of one, its suite's environment, texts."""

    Variant: type[StrEnum]
    BUGGY_VARIANTS: tuple[StrEnum, ...]
    HARMLESS_VARIANTS: tuple[StrEnum, ...]
    SUITE_ENVIRONMENT: Mapping[str, str]

    def serve(self, variant: Any = ...) -> AbstractContextManager[str]: ...

    def load_requirements(self) -> list[str]: ...


class SampleApi(Sample, Protocol):
    """What a sample API module offers the benchmark (samples/tasks_api/app.py is the model)."""

    SPEC_PATH: Path


@dataclass(frozen=True)
class SampleTarget:
    """A sample API package; `name` is also its key in the corpus."""

    name: str
    package: str
    quick_variants: tuple[str, ...] = ()
    compare_schemathesis: bool = False  # the Schemathesis runner serves the Task Tracker API only
    has_spec: ClassVar[bool] = True
    quick_baseline: ClassVar[bool] = True

    def load(self) -> SampleApi | str:
        """The package's interface module (`<package>.app` when it has one), or why it cannot be used."""
        if importlib.util.find_spec(self.package) is None:
            return f"there is no package {self.package}"
        app = f"{self.package}.app"
        try:
            module = importlib.import_module(app if importlib.util.find_spec(app) else self.package)
        except Exception as error:  # noqa: BLE001 - a sample still being written must not sink the others
            return f"{self.package} does not import: {type(error).__name__}: {error}"
        missing = [name for name in _INTERFACE if not hasattr(module, name)]
        if missing:
            return f"{module.__name__} lacks {', '.join(missing)}"
        return cast(SampleApi, module)

    def pipeline_input(self, sample: Sample, base_url: str) -> PipelineInput:
        """The sample's spec, and the service it describes."""
        return PipelineInput("api", str(cast(SampleApi, sample).SPEC_PATH), base_url)


TARGETS = (
    SampleTarget(
        "tasks_api",
        "samples.tasks_api",
        # The variants the Schemathesis benchmark's quick run takes, so that a quick run can reuse it.
        quick_variants=tuple(v.value for v in schemathesis_compare.QUICK_VARIANTS),
        compare_schemathesis=True,
    ),
    SampleTarget("conduit", "samples.conduit"),
)
Target = SampleTarget | PageTarget


class CorpusText(BaseModel):
    """One requirement of the corpus, as its file states it."""

    id: str
    base: str | None
    style: str
    text: str
    kills: list[str]


class TextInput(BaseModel):
    """A requirement text given to the pipeline, and the buggy variants a correct test of it fails on."""

    id: str
    text: str
    kills: list[str] | None  # None: unknown (a bundled text the corpus does not paraphrase, or no corpus)


class TextResult(BaseModel):
    """One text of a row: its delivered tests and how they fared. Corpus texts are named by id only."""

    id: str
    requirement_id: str  # its number in the run, R1, R2, …
    text: str | None  # the bundled texts only: the corpus's sentences stay in the corpus
    tests: list[str]  # delivered tests linked to it
    covered: bool  # at least one of them passes on the correct variant
    claimed_covered: bool  # what the product's coverage report says
    reason: str  # why it is not covered
    kills: list[str] | None  # the buggy variants of this run it must fail on
    kills_honoured: list[str]
    kills_missed: list[str]


class RowResult(BaseModel):
    """One suite (a set of texts) against every variant of the run."""

    target: str
    row: str  # "bundled", a corpus style, or "spec-only"
    status: str
    generation_s: float  # the pipeline's wall time to a validated suite on the correct service
    tests_delivered: int
    texts: list[TextResult]
    covered: int
    claimed_covered: int
    kill_union: list[str]  # buggy variants of this run named in the texts' kills; all of them for spec-only
    caught: list[str]  # of kill_union, those the suite fails on
    caught_by_requirements: list[str]  # buggy variants on which a test linked to a text fails
    buggy_caught: int  # over every buggy variant of the run, whatever the kills say
    buggy_total: int
    kills_total: int
    kills_honoured: int
    false_alarms: list[str]
    variants: list[VariantRun]

    @computed_field
    @property
    def covered_pct(self) -> float | None:
        return _pct(self.covered, len(self.texts))

    @computed_field
    @property
    def kills_pct(self) -> float | None:
        return _pct(self.kills_honoured, self.kills_total)


class WordingGap(BaseModel):
    """The worst style's figures next to the bundled wording's, in percentage points."""

    baseline_covered_pct: float | None  # over the bundled texts the corpus paraphrases (the checkable ones)
    worst_covered_style: str
    worst_covered_pct: float | None
    covered_gap_points: float | None
    baseline_kills_pct: float | None
    worst_kills_style: str
    worst_kills_pct: float | None
    kills_gap_points: float | None
    within_points: float
    met: bool | None


class SchemathesisSide(BaseModel):
    """Schemathesis on the variants the spec-only suite also ran, and the time each took to a verdict."""

    version: str
    reused: bool  # taken from this invocation's Schemathesis benchmark instead of run again
    runs: list[ToolRun]
    caught: list[str]
    buggy_total: int
    false_alarms: list[str]
    testops_caught: list[str]  # the spec-only suite, on the same variants
    testops_false_alarms: list[str]
    schemathesis_correct_s: float | None
    testops_pipeline_s: float
    time_ratio: float | None  # ours / theirs on the correct service


class TargetResult(BaseModel):
    target: str
    skipped: str  # why the target was not measured; "" when it was
    corpus_skipped: str  # why there are no style rows; "" when there are
    variants_run: list[str]
    rows: list[RowResult] = Field(default_factory=list)
    gap: WordingGap | None = None
    schemathesis: SchemathesisSide | None = None


class RobustnessBench(BaseModel):
    quick: bool
    corpus: str
    styles: list[str]
    targets: list[TargetResult]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def load_corpus(path: Path = CORPUS_PATH) -> dict[str, list[CorpusText]] | None:
    """The corpus's requirements per target, as the file has them; None when the file is absent."""
    if not path.is_file():
        return None
    targets = json.loads(path.read_text(encoding="utf-8"))["targets"]
    return {
        name: [CorpusText.model_validate(e) for e in entry["requirements"]] for name, entry in targets.items()
    }


def style_texts(corpus: list[CorpusText], style: str) -> list[TextInput]:
    """A style's texts: its paraphrases of the bundled requirements, then its new requirements."""
    chosen = [e for e in corpus if e.style == style]
    ordered = [e for e in chosen if e.base is not None] + [e for e in chosen if e.base is None]
    return [TextInput(id=e.id, text=e.text, kills=e.kills) for e in ordered]


def bundled_texts(api: Sample, corpus: list[CorpusText] | None) -> list[TextInput]:
    """The target's bundled requirements; their kills are those of the corpus's paraphrases of them."""
    kills: dict[str, set[str]] = {}
    for entry in corpus or []:
        if entry.base is not None:
            kills.setdefault(entry.base, set()).update(entry.kills)
    return [
        TextInput(id=f"{BASELINE}.{r.requirement_id}", text=r.text,
                  kills=sorted(kills[r.text]) if r.text in kills else None)
        for r in number_requirements(api.load_requirements())
    ]  # fmt: skip


def variant_plan(target: Target, api: Sample, *, quick: bool) -> list[tuple[StrEnum, VariantKind]]:
    """The control, then the buggy and harmless variants (a subset in quick mode)."""
    buggy, harmless = list(api.BUGGY_VARIANTS), list(api.HARMLESS_VARIANTS)
    if quick and target.quick_variants:
        buggy = [v for v in buggy if v.value in target.quick_variants]
        harmless = [v for v in harmless if v.value in target.quick_variants]
    elif quick:
        buggy, harmless = buggy[:QUICK_BUGGY_COUNT], harmless[:QUICK_HARMLESS_COUNT]
    return [
        (api.Variant("correct"), "control"),
        *((v, "buggy") for v in buggy),
        *((v, "harmless") for v in harmless),
    ]


@dataclass(frozen=True)
class DeliveredTest:
    test_id: str  # as junit names it: "<module>::<name>"
    requirement_ids: list[str]
    verdict: Verdict


def delivered_tests(data_dir: Path, request_id: str) -> tuple[list[DeliveredTest], dict[str, Any]]:
    """The run's delivered tests and its stored coverage entries (by requirement id), from its database."""
    url = Settings(data_dir=data_dir, database_url="").sqlalchemy_url
    with session_scope(url) as session:
        rows = list_test_cases(session, uuid.UUID(request_id))
        request = get_request(session, uuid.UUID(request_id))
        summary = (request.result_summary if request else None) or {}
        tests = [
            DeliveredTest(f"{row.module}::{row.test_name}", list(row.requirement_ids), row.validation_status)
            for row in rows
            if row.validation_status in DELIVERED
        ]
    return tests, {entry["requirement_id"]: entry for entry in summary.get("requirements", [])}


def measure_row(
    target: Target, api: Sample, row: str, texts: Sequence[TextInput], *, quick: bool, root: Path
) -> RowResult:
    """Generate the row's suite against the correct service, then run it against each variant in turn."""
    folder = root / target.name / row
    credentials = api.SUITE_ENVIRONMENT
    # Offline generator whatever the shell says: the figures must not depend on an LLM endpoint.
    offline = environment(OPENAI_BASE_URL="", TESTOPS_OPENAI_BASE_URL="")
    with offline, api.serve(api.Variant("correct")) as url:
        given = target.pipeline_input(api, url)
        run = asyncio.run(run_pipeline(kind=given.kind, target=given.target, base_url=given.base_url,
                                       credentials=credentials, requirements=[t.text for t in texts],
                                       data_dir=folder / "data", out_dir=folder / "suite"))  # fmt: skip
    completed = run.status == "completed"
    tests, coverage = delivered_tests(folder / "data", run.request_id) if completed else ([], {})
    plan = variant_plan(target, api, quick=quick)
    runs = [mutation.run_suite_against(Path(run.out_dir), v, kind, serve=api.serve, credentials=credentials)
            for v, kind in plan] if tests else []  # fmt: skip
    failed = failed_tests_by_variant(runs)
    # A test red on the correct variant too tells no bug apart: it catches nothing, it is a false alarm.
    telling = {variant: ids - failed.get("correct", set()) for variant, ids in failed.items()}
    buggy = [v.value for v, kind in plan if kind == "buggy"]
    numbered = number_requirements([t.text for t in texts])  # the ids the pipeline gave them
    results = [
        _text_result(given, number.requirement_id, tests, coverage, failed, buggy, keep_text=row == BASELINE)
        for given, number in zip(texts, numbered, strict=True)
    ]
    linked = {t.test_id for t in tests if t.requirement_ids}
    caught = [r.variant for r in runs if r.caught]
    union = buggy if row == SPEC_ONLY else sorted({v for t in results for v in t.kills or []})
    return RowResult(
        target=target.name, row=row, status=run.status, generation_s=run.wall_s, tests_delivered=len(tests),
        texts=results, covered=sum(t.covered for t in results),
        claimed_covered=sum(t.claimed_covered for t in results), kill_union=union,
        caught=[v for v in union if v in caught],
        caught_by_requirements=[r.variant for r in runs if r.kind == "buggy" and telling[r.variant] & linked],
        buggy_caught=len(caught), buggy_total=len(buggy),
        kills_total=sum(len(t.kills or []) for t in results),
        kills_honoured=sum(len(t.kills_honoured) for t in results),
        false_alarms=[r.variant for r in runs if r.false_alarm], variants=runs,
    )  # fmt: skip


def failed_tests_by_variant(runs: Sequence[VariantRun]) -> dict[str, set[str]]:
    """Per variant, the delivered tests that failed on it, named as stored ("<module>::<name>")."""
    # junit names each parametrized case (a UI test's browser: "[chromium]"); the stored test is its function.
    return {r.variant: {_PARAMETERS.sub("", test) for test in r.failed_tests} for r in runs}


def _text_result(
    given: TextInput,
    requirement_id: str,
    tests: list[DeliveredTest],
    coverage: dict[str, Any],
    failed: dict[str, set[str]],
    buggy: list[str],
    *,
    keep_text: bool,
) -> TextResult:
    own = [t for t in tests if requirement_id in t.requirement_ids]
    on_correct = failed.get("correct", set())
    passing = [t for t in own if t.verdict is Verdict.PASSED and t.test_id not in on_correct]
    claimed = bool(coverage.get(requirement_id, {}).get("covered"))
    if passing:
        reason = ""
    elif own:
        verdicts = ", ".join(sorted({t.verdict.value for t in own}))
        reason = f"none of its tests passes on the correct variant (validation: {verdicts})"
    else:
        reason = coverage.get(requirement_id, {}).get("reason") or "no test delivered"
    kills = None if given.kills is None else [v for v in given.kills if v in buggy]
    ids = {t.test_id for t in own}
    # Only its tests that pass on the correct variant can tell a bug apart.
    honoured = [v for v in kills or [] if (failed.get(v, set()) - on_correct) & ids]
    return TextResult(
        id=given.id, requirement_id=requirement_id, text=given.text if keep_text else None,
        tests=sorted(ids), covered=bool(passing), claimed_covered=claimed, reason=reason, kills=kills,
        kills_honoured=honoured, kills_missed=[v for v in kills or [] if v not in honoured],
    )  # fmt: skip


def wording_gap(rows: list[RowResult]) -> WordingGap | None:
    """How far the worst style falls below the bundled wording, on coverage and on kills honoured."""
    baseline = next((r for r in rows if r.row == BASELINE), None)
    styles = [r for r in rows if r.row in STYLES]
    if baseline is None or not styles:
        return None
    worst_covered = min(styles, key=lambda r: r.covered_pct if r.covered_pct is not None else 101.0)
    worst_kills = min(styles, key=lambda r: r.kills_pct if r.kills_pct is not None else 101.0)
    # The bundled text the corpus leaves out as not checkable would count against the baseline only.
    paraphrased = [t for t in baseline.texts if t.kills is not None]
    baseline_covered = _pct(sum(t.covered for t in paraphrased), len(paraphrased))
    covered_gap = _gap(baseline_covered, worst_covered.covered_pct)
    kills_gap = _gap(baseline.kills_pct, worst_kills.kills_pct)
    gaps = [g for g in (covered_gap, kills_gap) if g is not None]
    return WordingGap(
        baseline_covered_pct=baseline_covered, worst_covered_style=worst_covered.row,
        worst_covered_pct=worst_covered.covered_pct, covered_gap_points=covered_gap,
        baseline_kills_pct=baseline.kills_pct, worst_kills_style=worst_kills.row,
        worst_kills_pct=worst_kills.kills_pct, kills_gap_points=kills_gap, within_points=GAP_POINTS,
        met=all(g <= GAP_POINTS for g in gaps) if gaps else None,
    )  # fmt: skip


def _gap(baseline: float | None, worst: float | None) -> float | None:
    return None if baseline is None or worst is None else round(baseline - worst, 1)


def schemathesis_side(
    target: Target, api: Sample, spec_only: RowResult, *, quick: bool, earlier: dict[str, Any]
) -> SchemathesisSide | None:
    """Schemathesis on the spec-only row's variants: this invocation's own runs if any, else fresh ones."""
    executable = schemathesis_compare.schemathesis_executable()
    if executable is None:
        return None
    kinds = {v.value: kind for v, kind in variant_plan(target, api, quick=quick)}
    previous = earlier.get(schemathesis_compare.NAME)
    reused = isinstance(previous, Comparison) and previous.quick == quick
    if reused and isinstance(previous, Comparison):  # the second test narrows the type
        runs = [r for r in previous.schemathesis if r.variant in kinds]
        version = previous.schemathesis_version
    else:
        wanted = schemathesis_compare.QUICK_VARIANTS if quick else tuple(api.Variant)
        runs = [schemathesis_compare.run_schemathesis(executable, v, kinds[v.value], quick=quick)
                for v in wanted if v.value in kinds]  # fmt: skip
        version = schemathesis_compare.cli_version(executable)
    ran = {r.variant for r in runs}
    ours = [r for r in spec_only.variants if r.variant in ran]
    theirs_correct = next((r.seconds for r in runs if r.kind == "control"), None)
    return SchemathesisSide(
        version=version, reused=reused, runs=runs,
        caught=[r.variant for r in runs if r.kind == "buggy" and r.exit_code != 0],
        buggy_total=sum(r.kind == "buggy" for r in runs),
        false_alarms=[r.variant for r in runs if r.kind != "buggy" and r.exit_code != 0],
        testops_caught=[r.variant for r in ours if r.caught],
        testops_false_alarms=[r.variant for r in ours if r.false_alarm],
        schemathesis_correct_s=theirs_correct, testops_pipeline_s=spec_only.generation_s,
        time_ratio=round(spec_only.generation_s / theirs_correct, 3) if theirs_correct else None,
    )  # fmt: skip


def measure_target(
    target: Target,
    corpus: dict[str, list[CorpusText]] | None,
    *,
    quick: bool,
    root: Path,
    earlier: dict[str, Any],
) -> TargetResult:
    """The bundled row (not in a page's quick run), a row per corpus style it has, the spec-only row."""
    api = target.load()
    if isinstance(api, str):
        return TargetResult(target=target.name, skipped=api, corpus_skipped="", variants_run=[])
    own = (corpus or {}).get(target.name)
    if corpus is None:
        corpus_skipped = f"no corpus at {CORPUS_PATH}: style rows skipped"
    elif own is None:
        corpus_skipped = f"the corpus has no requirements for {target.name}: style rows skipped"
    else:
        corpus_skipped = ""
    rows = (
        [measure_row(target, api, BASELINE, bundled_texts(api, own), quick=quick, root=root)]
        if target.quick_baseline or not quick
        else []
    )
    for style in (QUICK_STYLES if quick else STYLES) if own else ():
        rows.append(measure_row(target, api, style, style_texts(own, style), quick=quick, root=root))
    spec_only = measure_row(target, api, SPEC_ONLY, [], quick=quick, root=root) if target.has_spec else None
    rows += [spec_only] if spec_only else []
    return TargetResult(
        target=target.name, skipped="", corpus_skipped=corpus_skipped,
        variants_run=[v.value for v, _ in variant_plan(target, api, quick=quick)], rows=rows,
        gap=wording_gap(rows),
        schemathesis=schemathesis_side(target, api, spec_only, quick=quick, earlier=earlier)
        if spec_only and target.compare_schemathesis else None,
    )  # fmt: skip


def run(*, quick: bool, work_dir: Path, earlier: dict[str, Any]) -> RobustnessBench:
    """Every sample API target, then every sample page (one of each in quick mode), rows one after another."""
    corpus = load_corpus()
    root = work_dir / NAME
    # A quick run shows the measurement works end to end: one API (the one Schemathesis is compared on) and
    # one page are enough for that.
    apis = [t for t in TARGETS if t.compare_schemathesis] if quick else list(TARGETS)
    targets: list[Target] = [*apis, *(QUICK_PAGE_TARGETS if quick else PAGE_TARGETS)]
    return RobustnessBench(
        quick=quick,
        corpus=str(CORPUS_PATH) if corpus is not None else f"absent: {CORPUS_PATH}",
        styles=list(QUICK_STYLES if quick else STYLES),
        targets=[measure_target(t, corpus, quick=quick, root=root, earlier=earlier) for t in targets],
    )


# --- rendering ---------------------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole}" + (f" = {100 * part / whole:.0f}%" if whole else "")


def render(result: RobustnessBench) -> list[RenderableType]:
    """Per target: one row per suite, the texts that fell short, the wording gap, then Schemathesis."""
    out: list[RenderableType] = []
    if result.corpus.startswith("absent"):
        out.append(Text(f"corpus {result.corpus}: only the bundled and spec-only rows", style="yellow"))
    for target in result.targets:
        if target.skipped:
            out.append(Text(f"{target.target}: skipped ({target.skipped})", style="dim"))
            continue
        out.append(_rows_table(target))
        if target.corpus_skipped:
            out.append(Text(f"{target.target}: {target.corpus_skipped}", style="dim"))
        shortfalls = _shortfalls_table(target)
        if shortfalls.row_count:
            out.append(shortfalls)
        if target.gap is not None:
            out.append(_gap_text(target.target, target.gap))
        if target.schemathesis is not None:
            out.append(_schemathesis_table(target.schemathesis))
    return out


def _rows_table(target: TargetResult) -> Table:
    table = Table(title=f"{target.target}: requirement wording against {len(target.variants_run)} variants",
                  title_justify="left")  # fmt: skip
    columns = ("suite", "texts", "covered", "claimed", "caught/kills", "by req.", "suite catches",
               "kills kept", "false alarms", "tests", "gen s")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("suite", "false alarms") else "right")
    for row in target.rows:
        # A row whose pipeline delivered no test ran on no variant: no verdict, rather than a green one.
        named = ", ".join(row.false_alarms) or ("none" if row.variants else "no suite")
        alarms = Text.assemble(verdict(not row.false_alarms if row.variants else None), f" {named}")
        table.add_row(
            row.row if row.status == "completed" else f"{row.row} ({row.status})",
            str(len(row.texts)), _ratio(row.covered, len(row.texts)) if row.texts else "—",
            str(row.claimed_covered) if row.texts else "—", _ratio(len(row.caught), len(row.kill_union)),
            str(len(row.caught_by_requirements)), _ratio(row.buggy_caught, row.buggy_total),
            _ratio(row.kills_honoured, row.kills_total) if row.kills_total else "—", alarms,
            str(row.tests_delivered), seconds(row.generation_s),
        )  # fmt: skip
    table.caption = (
        "covered: texts with a delivered test that passes on correct (claimed: what the product reports); "
        "caught/kills: buggy variants the suite fails on, of those the texts' kills name; by req. and kills "
        "kept count only tests that pass on correct. by req.: buggy variants a requirement's test fails on; "
        "suite catches: of every buggy variant run; kills kept: (text, named variant) pairs where the "
        "text's own tests fail; false alarms: red on correct or on a harmless variant"
    )
    return table


def _shortfalls_table(target: TargetResult) -> Table:
    table = Table(title=f"{target.target}: texts not covered, or whose tests miss a named variant",
                  title_justify="left")  # fmt: skip
    for column in ("suite", "text", "covered", "kills missed", "why"):
        table.add_column(column)
    for row in target.rows:
        for text in row.texts:
            if text.covered and not text.kills_missed:
                continue
            table.add_row(row.row, text.text or text.id, verdict(text.covered), ", ".join(text.kills_missed),
                          text.reason)  # fmt: skip
    return table


def _gap_text(name: str, gap: WordingGap) -> Text:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}%"

    return Text.assemble(
        (f"{name}: worst style within {gap.within_points:.0f} points of the bundled wording  ", "bold"),
        verdict(gap.met),
        f"\n  covered: bundled {pct(gap.baseline_covered_pct)}, worst {gap.worst_covered_style} "
        f"{pct(gap.worst_covered_pct)} (gap {gap.covered_gap_points} points)"
        f"\n  kills honoured: bundled {pct(gap.baseline_kills_pct)}, worst {gap.worst_kills_style} "
        f"{pct(gap.worst_kills_pct)} (gap {gap.kills_gap_points} points)",
    )


def _schemathesis_table(side: SchemathesisSide) -> Table:
    table = Table(
        title=f"spec only: TestOps vs Schemathesis {side.version}"
        + (" (runs of the schemathesis benchmark)" if side.reused else ""),
        title_justify="left",
    )
    for column in ("measure", "TestOps (no requirements)", "Schemathesis"):
        table.add_column(column)
    table.add_row(
        "buggy variants caught",
        _ratio(len(side.testops_caught), side.buggy_total),
        _ratio(len(side.caught), side.buggy_total),
    )
    table.add_row(
        "only this tool catches",
        ", ".join(v for v in side.testops_caught if v not in side.caught) or "none",
        ", ".join(v for v in side.caught if v not in side.testops_caught) or "none",
    )
    table.add_row(
        "false alarms", ", ".join(side.testops_false_alarms) or "none", ", ".join(side.false_alarms) or "none"
    )
    ratio = "" if side.time_ratio is None else f" (ours/theirs {side.time_ratio:.2f}×)"
    table.add_row("wall time to a verdict on correct (s)", seconds(side.testops_pipeline_s) + ratio,
                  seconds(side.schemathesis_correct_s))  # fmt: skip
    table.caption = "TestOps time is the whole pipeline (recon → validated, delivered suite)."
    return table
