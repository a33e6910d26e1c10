"""Tables the CLI prints: a run's result, the stored requests, one request with its tests."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graph.runner import RunOutcome
from storage.models import Request, TestCase
from vocabulary.review import ReviewRequest, SuiteUnderReview


def _figures(summary: dict) -> Table:
    table = Table(title="Result", show_header=False)
    table.add_column("what")
    table.add_column("how many", justify="right")
    rows = [
        ("operations found", summary.get("operations_found", 0)),
        ("tests generated", summary.get("tests_generated", 0)),
        ("passed validation", summary.get("tests_passed", 0)),
        ("repaired", summary.get("tests_repaired", 0)),
        ("still broken", summary.get("tests_still_broken", 0)),
        ("flaky (dropped)", summary.get("tests_flaky", 0)),
        ("duplicates removed", summary.get("duplicates_removed", 0)),
        ("findings (suspected defects)", summary.get("findings_count", 0)),
        ("tests saved (ran against the target)", summary.get("tests_saved", 0)),
        ("tests skipped (saved, did not run)", summary.get("tests_skipped", 0)),
        (
            "requirements covered",
            f"{summary.get('requirements_covered', 0)} / {summary.get('requirements_total', 0)}",
        ),
        (
            "spec coverage (operation × status)",
            f"{summary.get('spec_coverage_exercised', 0)} / {summary.get('spec_coverage_total', 0)}",
        ),
    ]
    from_spec = bool(summary.get("spec_coverage_total"))  # page runs have no operations nor spec coverage
    for label, value in rows:
        if from_spec or label not in ("operations found", "spec coverage (operation × status)"):
            table.add_row(label, str(value))
    for label, value in _llm_rows(summary.get("llm")):
        table.add_row(label, value)
    return table


def _llm_rows(llm: dict | None) -> list[tuple[str, str]]:
    """Per node: LLM calls, cache hits, tokens, seconds; then what fell back. None when no endpoint is set."""
    if not llm:
        return []
    rows = []
    for node, usage in llm.get("usage", {}).items():
        tokens = usage["input_tokens"] + usage["output_tokens"]
        figures = f"{usage['calls']} / {usage['cache_hits']} / {tokens} / {usage['latency_s']:.1f}"
        rows.append((f"LLM {node}: calls / cache hits / tokens / s", figures))
    rows.append(("LLM parts fallen back to offline", str(len(llm.get("fallbacks", [])))))
    if llm.get("budget_exhausted"):
        rows.append(("LLM token budget", f"spent ({llm.get('token_budget', 0)}): calls stopped"))
    return rows


def _requirements(requirements: Sequence[dict]) -> Table:
    table = Table(title="Requirements")
    for column in ("id", "requirement", "covered", "tests / reason"):
        table.add_column(column, overflow="fold")
    for entry in requirements:
        detail = "\n".join(entry["test_ids"]) if entry["covered"] else entry["reason"]
        table.add_row(
            entry["requirement_id"],
            escape(entry["text"]),
            "yes" if entry["covered"] else "[red]no[/]",
            escape(detail),
        )
    return table


def _findings(findings: Sequence[dict]) -> Table:
    table = Table(title="Findings: the target disagrees with its spec or a requirement")
    for column in ("test", "what failed"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        table.add_row(
            f"{escape(finding['title'])}\n[dim]{escape(finding['test_id'])}[/]",
            escape(finding["message"].splitlines()[0][:300]),
        )
    return table


def _skipped(reasons: dict[str, int]) -> Table:
    table = Table(title="Skipped: in the suite, but not checked against the target")
    table.add_column("why", overflow="fold")
    table.add_column("tests", justify="right")
    for reason, count in reasons.items():
        table.add_row(escape(reason), str(count))
    return table


def _per_test(title: str, reasons: dict[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("test", overflow="fold")
    table.add_column("why", overflow="fold")
    for test_id, reason in reasons.items():
        table.add_row(escape(test_id), escape(reason))
    return table


def _print_broken(console: Console, reasons: dict[str, str]) -> None:
    """One line per test that is still broken, so none of them goes unexplained."""
    console.print(f"[bold]Still broken, left out of the suite ({len(reasons)}):[/]")
    for test_id, reason in reasons.items():
        console.print(f"  broken {escape(test_id)}: {escape(reason)}", highlight=False, soft_wrap=True)


def print_summary(console: Console, result: dict, wall_time_s: float | None = None) -> None:
    console.print(_figures(result))
    if result.get("requirements"):
        console.print(_requirements(result["requirements"]))
    if result.get("skip_reasons"):
        console.print(_skipped(result["skip_reasons"]))
    if result.get("broken_reasons"):
        _print_broken(console, result["broken_reasons"])
    if result.get("omitted_in_safe_mode"):
        console.print(_per_test("Left out in safe mode: they would change data the run did not create",
                                result["omitted_in_safe_mode"]))
    if result.get("leaves_data"):
        console.print(_per_test("Leave data behind: the target offers no way to delete it",
                                result["leaves_data"]))
    if result.get("findings"):
        console.print(_findings(result["findings"]))
    if result.get("out_dir"):
        console.print(f"Suite written to [bold]{result['out_dir']}[/]", highlight=False)
    if wall_time_s is not None:
        console.print(f"Wall time {wall_time_s:.1f} s")


def print_result(console: Console, outcome: RunOutcome, request_id: str) -> None:
    """What a run paused for review has produced so far: its figures, then the tests under review."""
    if outcome.review_payload:
        suite = ReviewRequest.model_validate(outcome.review_payload).suite()
        findings = [{"title": f.title, "test_id": f.test_id, "message": f.evidence} for f in suite.findings]
        requirements = [c.model_dump() for c in suite.coverage]
        figures = suite.summary.model_dump()
        print_summary(console, {**figures, "findings": findings, "requirements": requirements})
        console.print(_under_review(suite))


def _under_review(suite: SuiteUnderReview) -> Table:
    table = Table(title="Under review: name tests by number or name")
    for column in ("#", "test", "verdict", "requirement"):
        table.add_column(column, overflow="fold")
    for test in suite.tests:
        table.add_row(str(test.number), escape(test.name), test.verdict, escape(test.requirement))
    return table


def print_requests(console: Console, requests: Sequence[Request]) -> None:
    table = Table(title="Requests")
    for column in ("request id", "kind", "target", "status", "created", "tests saved", "findings"):
        table.add_column(column, overflow="fold")
    for request in requests:
        summary = request.result_summary or {}
        table.add_row(
            str(request.request_id),
            request.kind,
            request.target,
            request.status,
            request.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(summary.get("tests_saved", "")),
            str(summary.get("findings_count", "")),
        )
    console.print(table)


def print_request(console: Console, request: Request, tests: Sequence[TestCase]) -> None:
    console.print(
        f"[bold]{request.request_id}[/] {request.kind} {escape(request.target)} — {request.status}",
        highlight=False,
    )
    if request.error_message:
        console.print(f"[red]error:[/] {escape(request.error_message)}", highlight=False)
    if request.result_summary:
        print_summary(console, request.result_summary)
    table = Table(title="Tests")
    for column in ("module", "test", "category", "status"):
        table.add_column(column, overflow="fold")
    for test in tests:
        table.add_row(test.module, test.test_name, test.category, test.validation_status)
    console.print(table)
