"""The API pipeline end to end: the generated suite catches every buggy variant and no harmless one."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.repository import get_request, list_test_cases
from tests.graph.conftest import run_api_request, suite_env, suite_files
from vocabulary.artefacts import Verdict

NODE_ORDER = ["reconnaissance", "generation", "validation", "optimization", "review", "persistence"]


def run_suite(directory: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
        cwd=directory,
        env=suite_env(base_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, str]:
    """One suite generated against the correct service, shared by the mutation tests."""
    import asyncio

    root = tmp_path_factory.mktemp("pipeline")
    settings = Settings(data_dir=root / "data", database_url="")
    from storage.engine import migrate

    migrate(settings.sqlalchemy_url)
    out = root / "suite"
    with pytest.MonkeyPatch.context() as patch, sample.serve() as base_url:
        patch.setenv("TESTOPS_API_TOKEN", sample.DEFAULT_TOKEN)
        request_id, outcome, events = asyncio.run(run_api_request(settings, base_url, out_dir=str(out)))
    assert outcome.status == "completed"
    assert [e.node for e in events if e.event == "finished"] == NODE_ORDER
    return out, settings, request_id


def test_suite_is_stored_and_described(generated: tuple[Path, Settings, str]) -> None:
    out, settings, request_id = generated
    with session_scope(settings.sqlalchemy_url) as session:
        request = get_request(session, uuid.UUID(request_id))
        assert request is not None and request.status == "completed"
        summary = request.result_summary
        cases = list_test_cases(session, uuid.UUID(request_id))
    assert summary["operations_found"] == 11
    assert summary["findings_count"] == 0 and summary["tests_still_broken"] == 0
    assert summary["tests_saved"] == len(cases) > 40
    assert {c.validation_status for c in cases} == {Verdict.PASSED}
    assert len({c.code_hash for c in cases}) == len(cases)
    covered = {r["requirement_id"]: r["covered"] for r in summary["requirements"]}
    assert covered == {f"R{i}": i != 9 for i in range(1, 10)}  # R9 ("feels fast") is not checkable
    assert {"conftest.py", "support.py", "suite_settings.py", "spec_schemas.json", "pytest.ini"} <= set(
        suite_files(out)
    )


def test_generated_files_pass_ruff(generated: tuple[Path, Settings, str]) -> None:
    out, _, _ = generated
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_suite_passes_on_the_correct_service(generated: tuple[Path, Settings, str]) -> None:
    out, _, _ = generated
    with sample.serve() as base_url:
        result = run_suite(out, base_url)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("variant", sample.BUGGY_VARIANTS)
def test_suite_fails_on_buggy_variant(generated: tuple[Path, Settings, str], variant: sample.Variant) -> None:
    out, _, _ = generated
    with sample.serve(variant) as base_url:
        result = run_suite(out, base_url)
    assert result.returncode == 1, f"{variant} was not caught:\n{result.stdout[-2000:]}"


@pytest.mark.parametrize("variant", sample.HARMLESS_VARIANTS)
def test_suite_passes_on_harmless_variant(
    generated: tuple[Path, Settings, str], variant: sample.Variant
) -> None:
    out, _, _ = generated
    with sample.serve(variant) as base_url:
        result = run_suite(out, base_url)
    assert result.returncode == 0, f"false alarm on {variant}:\n{result.stdout[-3000:]}"


async def test_rerun_writes_byte_identical_files(settings: Settings, tmp_path: Path) -> None:
    with sample.serve() as base_url:
        await run_api_request(settings, base_url, out_dir=str(tmp_path / "first"))
    with sample.serve() as base_url:
        await run_api_request(settings, base_url, out_dir=str(tmp_path / "second"))
    first, second = suite_files(tmp_path / "first"), suite_files(tmp_path / "second")
    # Only the base URL (a new port each time) may differ; the suite reads it from one line.
    first.pop("suite_settings.py"), second.pop("suite_settings.py")
    assert first == second


async def test_failing_target_gives_findings_not_weakened_tests(settings: Settings, tmp_path: Path) -> None:
    with sample.serve() as base_url:
        await run_api_request(settings, base_url, out_dir=str(tmp_path / "good"))
    with sample.serve(sample.Variant.REOPEN_ALLOWED) as base_url:
        request_id, outcome, _ = await run_api_request(settings, base_url, out_dir=str(tmp_path / "bad"))
    assert outcome.status == "completed"
    with session_scope(settings.sqlalchemy_url) as session:
        summary = get_request(session, uuid.UUID(request_id)).result_summary  # type: ignore[union-attr]
        cases = {c.test_name: c for c in list_test_cases(session, uuid.UUID(request_id))}
    assert summary["findings_count"] == 1
    [finding] = summary["findings"]
    assert finding["requirement_ids"] == ["R5"] and "409" in finding["message"]
    [details] = [r for r in summary["requirements"] if r["requirement_id"] == "R5"]
    assert details["covered"]
    [kept] = [c for c in cases.values() if c.validation_status == Verdict.FINDING]
    assert "R5" in kept.requirement_ids
    # The finding's test is delivered exactly as written against the correct service: never weakened.
    good = (tmp_path / "good" / kept.module).read_text()
    bad = (tmp_path / "bad" / kept.module).read_text()
    assert good == bad


async def test_timeouts_are_broken_tests_and_get_repaired(settings: Settings, tmp_path: Path) -> None:
    # Every response of this variant takes 50 ms; a 20 ms request timeout breaks every test that calls it.
    with sample.serve(sample.Variant.SLOW_BUT_FINE) as base_url:
        request_id, outcome, events = await run_api_request(
            settings, base_url, requirements=[], out_dir=str(tmp_path / "suite"), request_timeout_s=0.02
        )
    validations = [e for e in events if e.node == "validation" and e.event == "finished"]
    assert len(validations) == 2
    assert validations[0].counts.get("broken", 0) > 0
    assert validations[1].counts.get("broken", 0) == 0
    with session_scope(settings.sqlalchemy_url) as session:
        summary = get_request(session, uuid.UUID(request_id)).result_summary  # type: ignore[union-attr]
    assert summary["tests_repaired"] == validations[0].counts["broken"]
    assert summary["tests_still_broken"] == 0 and summary["findings_count"] == 0


async def test_review_interrupts_and_resumes_with_the_answer(settings: Settings, tmp_path: Path) -> None:
    with sample.serve() as base_url:
        request_id, outcome, events = await run_api_request(
            settings, base_url, requirements=[], out_dir=str(tmp_path / "suite"), review=True
        )
        assert outcome.status == "waiting_for_review"
        assert outcome.review_payload
        assert outcome.review_payload["action_requests"][0]["args"]["summary"]["tests_generated"] > 0
        assert not (tmp_path / "suite" / "conftest.py").exists()
        _, resumed, resumed_events = await run_api_request(
            settings,
            base_url,
            request_id=request_id,
            resume={"decisions": [{"type": "approve", "message": "ship it"}]},
            out_dir=str(tmp_path / "suite"),
            review=True,
        )
    assert resumed.status == "completed"
    assert [e.node for e in resumed_events if e.event == "finished"] == ["review", "persistence"]
    assert (tmp_path / "suite" / "conftest.py").exists()
    with session_scope(settings.sqlalchemy_url) as session:
        summary = get_request(session, uuid.UUID(request_id)).result_summary  # type: ignore[union-attr]
    assert summary["review"]["comment"] == "ship it"
