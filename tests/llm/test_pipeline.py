"""The whole graph with an LLM endpoint: LLM-made tests are validated, repaired, stored, and replayed."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from generators.llm.source import LLM_ORIGIN_LABEL
from generators.llm.ui import wire_reply
from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.context import Context, RunOptions
from graph.runner import NodeEvent, open_request, run_request
from graph.settings import Settings
from samples.openai_stub import ScriptedChat, answer, code_reply, scripted_endpoint
from samples.pages import serve_pages
from samples.tasks_api import app as sample
from storage.engine import migrate, session_scope
from storage.repository import get_request, list_test_cases
from tests.graph.conftest import run_api_request, suite_files
from tests.llm.conftest import API_KEY
from tests.llm.replies import FAST, FAST_TEST, INCREASING_IDS, script_fast, script_increasing_ids
from tests.llm.test_ui import FIXED_TAB_TEST, GREETED, GREETING, TAB_ORDER, script_tab_order
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


async def run_ui_request(settings: Settings, url: str, requirements: list[str], out_dir: Path) -> tuple:
    """A UI request through the whole graph, on the real SQLite checkpointer; its outcome and events."""
    options = RunOptions(out_dir=str(out_dir))
    start = open_request(
        settings.sqlalchemy_url, kind="ui", target=url, requirements=requirements, options=options
    )
    events: list[NodeEvent] = []
    async with open_checkpointer(settings) as saver:
        outcome = await run_request(
            build_graph(saver),
            request_id=start.request_id,
            context=Context.for_run(settings, options),
            start=start,
            on_event=events.append,
        )
    return start.request_id, outcome, events


def test_a_ui_run_repairs_the_llm_test_with_a_wrong_locator(tmp_path: Path) -> None:
    """R1 through the reading; R2 as code whose locator finds nothing, repaired from the page's snapshot."""
    with serve_pages() as pages, scripted_endpoint() as (url, chat):
        chat.script("UiClaimReply", answer(wire_reply(GREETING)))
        script_tab_order(chat)
        chat.script("text", code_reply(FIXED_TAB_TEST))
        settings = settings_for(tmp_path, url)
        request_id, outcome, _ = asyncio.run(
            run_ui_request(settings, f"{pages}/login", [GREETED, TAB_ORDER], tmp_path / "out")
        )
        assert outcome.status == "completed"
        with session_scope(settings.sqlalchemy_url) as session:
            summary = get_request(session, uuid.UUID(request_id)).result_summary
            cases = {c.test_name: c for c in list_test_cases(session, uuid.UUID(request_id))}
    assert cases["test_r1_tab_order"].validation_status == Verdict.PASSED
    assert 'get_by_label("Username")' in cases["test_r1_tab_order"].test_code
    [repair_prompt] = [r["messages"][1]["content"] for r in chat.calls("text")[1:]]
    assert 'textbox "Username"' in repair_prompt.split("snapshot when it failed:")[1]
    greeted = next(c for name, c in cases.items() if name.startswith("test_visitor_who_signs_in"))
    assert greeted.validation_status == Verdict.PASSED and LLM_ORIGIN_LABEL in greeted.test_code
    assert all(r["covered"] for r in summary["requirements"])
    assert summary["llm"]["usage"]["repair"]["calls"] == 1 and summary["llm"]["fallbacks"] == []
