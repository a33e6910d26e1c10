"""The whole graph with an LLM endpoint: LLM-made tests are validated, repaired, stored, and replayed."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from graph.settings import Settings
from samples.openai_stub import ScriptedChat, code_reply, scripted_endpoint
from samples.tasks_api import app as sample
from storage.engine import migrate, session_scope
from storage.repository import get_request, list_test_cases
from tests.graph.conftest import run_api_request, suite_files
from tests.llm.conftest import API_KEY
from tests.llm.replies import FAST, FAST_TEST, INCREASING_IDS, script_fast, script_increasing_ids
from vocabulary.artefacts import Verdict

# Same comparison the other way round: the sample answers increasing ids, so this test is a FINDING.
DECREASING_IDS = "A task created after another one gets a lower id."


def settings_for(root: Path, base_url: str) -> Settings:
    settings = Settings(
        data_dir=root / "data",
        database_url="",
        openai_base_url=base_url,
        openai_api_key=API_KEY,
        openai_model="scripted-model",
        openai_max_retries=1,
        openai_timeout_s=5.0,
    )
    migrate(settings.sqlalchemy_url)
    return settings


def script_run(chat: ScriptedChat) -> None:
    """R1 through the representation; R2 as code with a syntax error, then its repair; R3 a finding."""
    script_increasing_ids(chat)
    script_fast(chat, FAST_TEST.replace("-> None:", "-> None"))
    script_increasing_ids(chat, op="<")
    chat.script("text", code_reply(FAST_TEST))


def test_llm_tests_are_validated_repaired_stored_and_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTOPS_API_TOKEN", sample.DEFAULT_TOKEN)
    requirements = [INCREASING_IDS, FAST, DECREASING_IDS]
    with sample.serve() as target, scripted_endpoint() as (url, chat):
        script_run(chat)
        settings = settings_for(tmp_path, url)
        first_out = tmp_path / "first"
        request_id, outcome, events = asyncio.run(
            run_api_request(settings, target, requirements=requirements, out_dir=str(first_out))
        )
        assert outcome.status == "completed"
        with session_scope(settings.sqlalchemy_url) as session:
            summary = get_request(session, uuid.UUID(request_id)).result_summary
            cases = {c.test_name: c for c in list_test_cases(session, uuid.UUID(request_id))}

        repair_prompts = [r["messages"][1]["content"] for r in chat.calls("text")[1:]]
        llm = summary["llm"]
        # R2's code did not parse: the guard called it BROKEN, and the second reply repaired it.
        assert cases["test_r2_answers_fast"].validation_status == Verdict.PASSED
        assert cases["test_r1_later_tasks_get_higher_ids"].validation_status == Verdict.PASSED
        assert cases["test_r3_later_tasks_get_higher_ids"].validation_status == Verdict.FINDING
        assert len(repair_prompts) == 1 and "test_r2_answers_fast" in repair_prompts[0]
        # A FINDING is never sent for repair.
        assert not any("test_r3_" in prompt for prompt in repair_prompts)
        made = {test_id.split("::")[1] for test_id in llm["llm_tests"]}
        assert made == {
            "test_r1_later_tasks_get_higher_ids",
            "test_r2_answers_fast",
            "test_r3_later_tasks_get_higher_ids",
        }
        assert all('@allure.label("origin", "llm")' in cases[name].test_code for name in made)
        assert {r["requirement_id"]: r["covered"] for r in summary["requirements"]} == {
            "R1": True,
            "R2": True,
            "R3": True,
        }
        assert llm["usage"]["generation"]["calls"] == 7 and llm["usage"]["repair"]["calls"] == 1
        assert llm["fallbacks"] == [] and not llm["budget_exhausted"]
        [generated] = [e for e in events if e.node == "generation" and e.event == "finished"][:1]
        assert generated.counts["llm calls"] == 7 and generated.counts["llm fallbacks"] == 0
        assert summary["tests_repaired"] >= 1
        # The key went to the endpoint and nowhere else.
        assert API_KEY not in str(summary) and not any(API_KEY in c.test_code for c in cases.values())
        assert not any(API_KEY in event.model_dump_json() for event in events)

        sent = len(chat.requests)
        second_out = tmp_path / "second"
        _, replayed, _ = asyncio.run(
            run_api_request(
                settings, target, requirements=requirements, out_dir=str(second_out), llm_cache="replay"
            )
        )
    assert replayed.status == "completed" and len(chat.requests) == sent  # 0 calls: all from the cache
    assert replayed.summary.llm.usage["generation"].calls == 0
    assert replayed.summary.llm.usage["generation"].cache_hits == 7
    assert suite_files(first_out) == suite_files(second_out)
