"""Hybrid UI generation and repair over the real ChatOpenAI, grounded in a real page, run in Chromium."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from generators.llm.client import LlmSession, estimated_tokens
from generators.llm.config import LlmConfig
from generators.llm.prompts import UI_CLAIM
from generators.llm.source import LLM_ORIGIN_LABEL
from generators.llm.ui import HybridUiGenerator, interactions_text, ui_claim_schema, wire_reply
from generators.ui.offline import OfflineUiGenerator
from generators.ui.page_facts import PageFacts
from samples.openai_stub import ScriptedChat, answer, code_reply, scripted_endpoint
from samples.pages import serve_pages
from tools.browser import BrowserSession
from tools.page_recon import reconnoitre_page
from tools.runner import validate_suite, write_suite
from tools.safety import check_test_code
from vocabulary import claims as c
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict, number_requirements
from vocabulary.page_model import PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")

# The offline reader finds no outcome in either; the first is beats, the second (focus) is not.
GREETED = 'A visitor who signs in as demo with secret is greeted by "Welcome, demo"'
TAB_ORDER = "Tab moves the focus from the Username field to the Password field"
GREETING = c.Reading(beats=(c.Login("demo", "secret"), c.Expect(c.ShowsText("Welcome, demo"))))
# A wrong locator: the field is labelled "Username".
TAB_TEST = """import allure
from playwright.sync_api import Page, expect


@allure.title("Tab moves from Username to Password")
def test_r1_tab_order(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").click()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
"""
FIXED_TAB_TEST = TAB_TEST.replace('get_by_label("User name")', 'get_by_label("Username")')
# Local pages answer at once: a missing element need not be waited for 5 s.
TIMEOUTS = {"TESTOPS_ACTION_TIMEOUT_MS": "1500", "TESTOPS_EXPECT_TIMEOUT_MS": "2500"}


@pytest.fixture(scope="module")
def pages_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def login_page(pages_url: str) -> AsyncIterator[PageModel]:
    async with BrowserSession() as browser:
        yield await reconnoitre_page(browser, f"{pages_url}/login")


async def validated(
    tests: list[GeneratedTest], support: dict[str, str], directory: Path, base_url: str
) -> list[ValidationResult]:
    write_suite(directory, tests, support)
    env = {"TESTOPS_BASE_URL": base_url, **TIMEOUTS}
    return await validate_suite(directory, tests, confirm_passes=True, workers=1, env=env)


def script_tab_order(chat: ScriptedChat, code: str = TAB_TEST) -> None:
    not_beats = {"expressible": False, "reason": "focus moving is no beat"}
    chat.script("UiClaimReply", answer(not_beats))
    chat.script("text", code_reply(code))


@module_loop
async def test_uncovered_ui_requirement_gets_a_test_through_the_reading(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel, pages_url: str, tmp_path: Path
) -> None:
    chat.script("UiClaimReply", answer(wire_reply(GREETING, title="Greets the user")))
    generator = HybridUiGenerator(LlmSession(llm_config))
    suite = generator.generate(login_page, number_requirements([GREETED]))
    [coverage] = suite.coverage
    [test] = [t for t in suite.tests if t.test_id in coverage.test_ids]
    assert coverage.covered and test.origin == "llm" and generator.session.report.llm_tests == [test.test_id]
    assert LLM_ORIGIN_LABEL in test.code and '@allure.label("requirement", "R1")' in test.code
    # The offline planner grounded the beats in the page: recon's locators, a web-first check of the text.
    assert 'get_by_role("button", name="Log in"' in test.code and '"Welcome, demo"' in test.code
    assert check_test_code("\n".join([*test.imports, test.code]), allowed_hosts=set()) == []
    [request] = chat.calls("UiClaimReply")
    prompt = request["messages"][1]["content"]
    # Grounded in the accessibility snapshot and in what recon saw its interactions do.
    assert 'textbox "Username"' in prompt and "shows 'Invalid username or password'" in prompt
    sent = request["response_format"]["json_schema"]["schema"]
    assert set(sent["$defs"]) >= {"Login", "Expect", "ShowsText"} and "title" not in sent["$defs"]["Login"]
    [result] = await validated([test], suite.support_files, tmp_path / "suite", pages_url)
    assert result.verdict is Verdict.PASSED, result.message


@module_loop
async def test_a_wrong_locator_is_repaired_on_the_second_reply(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel, pages_url: str, tmp_path: Path
) -> None:
    script_tab_order(chat)
    generator = HybridUiGenerator(LlmSession(llm_config))
    requirements = number_requirements([TAB_ORDER])
    suite = generator.generate(login_page, requirements)
    [test] = [t for t in suite.tests if t.origin == "llm"]
    assert test.test_id == "test_llm_r1.py::test_r1_tab_order" and suite.coverage[0].covered
    [broken] = await validated([test], suite.support_files, tmp_path / "first", pages_url)
    assert broken.verdict is Verdict.BROKEN and 'get_by_label("User name")' in broken.message
    # The suite recorded the page as it was when the test failed.
    assert 'textbox "Username"' in broken.page_snapshot

    chat.script("text", code_reply(FIXED_TAB_TEST))
    repaired = generator.repair(test, broken, login_page, requirements)
    assert repaired is not None and repaired.test_id == test.test_id and repaired.variant == 1
    repair_prompt = chat.calls("text")[-1]["messages"][1]["content"]
    assert broken.page_snapshot in repair_prompt and "Timeout" in repair_prompt
    assert 'get_by_label("User name")' in repair_prompt  # the code that failed
    [result] = await validated([repaired], suite.support_files, tmp_path / "second", pages_url)
    assert result.verdict is Verdict.PASSED, result.message


def test_a_ui_repair_may_fix_a_locator_but_not_weaken_a_check(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel
) -> None:
    requirements = number_requirements([GREETED])
    chat.script("UiClaimReply", answer(wire_reply(GREETING)))
    generator = HybridUiGenerator(LlmSession(llm_config))
    [test] = [t for t in generator.generate(login_page, requirements).tests if t.origin == "llm"]
    lines = test.code.splitlines()
    check = next(line for line in lines if line.strip().startswith("expect("))
    declared = next(line for line in lines if "log_in_button = " in line)
    weaker = test.code.replace(check, check.replace("to_be_visible()", "to_be_attached()"))
    other_text = test.code.replace('"Welcome, demo"', '"Welcome"')
    fixed_locator = test.code.replace(declared, '    log_in_button = page.get_by_test_id("login-submit")')
    chat.script("text", *(code_reply(_module(text)) for text in (weaker, other_text, fixed_locator)))
    failure = ValidationResult(
        test_id=test.test_id, verdict=Verdict.BROKEN, message="Locator.click: Timeout 1500ms exceeded."
    )
    repaired = generator.repair(test, failure, login_page, requirements)
    assert repaired is not None and 'get_by_test_id("login-submit")' in repaired.code
    rejected = [a.error for a in repaired.failed_attempts[:2]]
    assert all(
        e.startswith("rejected before running: it drops or weakens the checks expect(") for e in rejected
    )
    # The requirement's quoted text may not change, even where a locator carries it.
    assert "[names 'Welcome, demo']" in rejected[1]


def test_a_ui_finding_is_never_sent(llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel) -> None:
    script_tab_order(chat, FIXED_TAB_TEST)
    generator = HybridUiGenerator(LlmSession(llm_config))
    [test] = [
        t for t in generator.generate(login_page, number_requirements([TAB_ORDER])).tests if t.origin == "llm"
    ]
    asked = len(chat.requests)
    finding = ValidationResult(test_id=test.test_id, verdict=Verdict.FINDING, message="not focused")
    assert generator.repair(test, finding, login_page, []) is None and len(chat.requests) == asked


def test_a_failing_endpoint_leaves_the_offline_ui_suite(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel
) -> None:
    unknown_beat = answer({"expressible": True, "beats": [{"beat": "Teleport"}]})
    chat.script("UiClaimReply", unknown_beat, unknown_beat)
    requirements = number_requirements([GREETED, TAB_ORDER])  # the second meets an empty script: HTTP 500
    generator = HybridUiGenerator(LlmSession(llm_config))
    suite = generator.generate(login_page, requirements)
    offline = OfflineUiGenerator().generate(login_page, requirements)
    assert suite.tests == offline.tests and suite.coverage == offline.coverage
    schema_invalid, server_error = generator.session.report.fallbacks
    assert schema_invalid.startswith("R1 (generation): no usable reply in 2 tries: schema-invalid reply")
    assert server_error == "R2 (generation): the endpoint answered HTTP 500 (after retries)"


def _module(function: str) -> str:
    return "import allure\nfrom playwright.sync_api import Page, expect\n\n\n" + function


def test_a_second_ui_run_replays_from_the_cache(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel, tmp_path: Path
) -> None:
    chat.script("UiClaimReply", answer(wire_reply(GREETING)))
    script_tab_order(chat)
    requirements = number_requirements([GREETED, TAB_ORDER])
    first = HybridUiGenerator(LlmSession(llm_config)).generate(login_page, requirements)
    with scripted_endpoint() as (url, silent):
        replaying = llm_config.model_copy(update={"base_url": url, "cache_mode": "replay"})
        generator = HybridUiGenerator(LlmSession(replaying))
        second = generator.generate(login_page, requirements)
    usage = generator.session.report.usage["generation"]
    assert silent.requests == [] and (usage.calls, usage.cache_hits) == (0, 3)
    write_suite(tmp_path / "first", first.tests, first.support_files)
    write_suite(tmp_path / "second", second.tests, second.support_files)
    for path in (tmp_path / "first").iterdir():
        assert path.read_bytes() == (tmp_path / "second" / path.name).read_bytes(), path.name


def test_the_snapshot_is_cut_to_keep_the_call_under_the_cap(
    llm_config: LlmConfig, chat: ScriptedChat, login_page: PageModel
) -> None:
    chat.script("UiClaimReply", answer(wire_reply(GREETING)))
    generator = HybridUiGenerator(LlmSession(llm_config))
    whole = generator.session.room(UI_CLAIM, ui_claim_schema(), **_claim_fields(login_page, ""))
    cap = llm_config.max_prompt_tokens - (whole - 100) // 4  # room for 100 characters of snapshot
    generator = HybridUiGenerator(LlmSession(llm_config.model_copy(update={"max_prompt_tokens": cap})))
    suite = generator.generate(login_page, number_requirements([GREETED]))
    [request] = chat.calls("UiClaimReply")
    sent = "".join(m["content"] for m in request["messages"])
    schema = json.dumps(request["response_format"]["json_schema"]["schema"], separators=(",", ":"))
    assert estimated_tokens(sent) + estimated_tokens(schema) <= cap
    assert "the rest cut to keep the prompt under its token cap" in sent and suite.coverage[0].covered


def _claim_fields(page: PageModel, snapshot: str) -> dict[str, str]:
    """UI_CLAIM's fields as the generator fills them for GREETED."""
    facts = PageFacts(page)
    return {"requirement_id": "R1", "requirement": GREETED, "reason": _offline_reason(page),
            "path": facts.path, "snapshot": snapshot,
            "interactions": interactions_text(page).replace(facts.origin, "")}  # fmt: skip


def _offline_reason(page: PageModel) -> str:
    return OfflineUiGenerator().generate(page, number_requirements([GREETED])).coverage[0].reason
