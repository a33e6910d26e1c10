"""LLM repair of BROKEN tests over the real ChatOpenAI: bounded, never for a FINDING, never weakening."""

from __future__ import annotations

from generators.llm.api import HybridApiGenerator
from generators.llm.client import LlmSession
from generators.llm.config import LlmConfig
from generators.llm.repair import MAX_REPAIR_REPLIES
from samples.openai_stub import ScriptedChat, code_reply
from tests.llm.replies import FAST, FAST_TEST, INCREASING_IDS, script_fast, script_increasing_ids
from tools.runner import render_module
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest, ValidationResult, Verdict, number_requirements


def comparison(test: GeneratedTest) -> str:
    """The assertion our codegen wrote for R1: the second id compared with the first one."""
    return next(
        line.strip()
        for line in test.code.splitlines()
        if line.strip().startswith("assert ") and " > " in line
    )


def llm_made(generator: HybridApiGenerator, api: ApiModel, requirement: str) -> GeneratedTest:
    suite = generator.generate(api, number_requirements([requirement]))
    [test] = [t for t in suite.tests if t.origin == "llm"]
    return test


def broken(test: GeneratedTest, message: str) -> ValidationResult:
    return ValidationResult(test_id=test.test_id, verdict=Verdict.BROKEN, message=message)


def test_a_repair_that_weakens_a_check_is_rejected(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_increasing_ids(chat)
    generator = HybridApiGenerator(LlmSession(llm_config))
    test = llm_made(generator, tasks_api, INCREASING_IDS)
    check = comparison(test)
    assert 'value_at(first, "/id")' in check
    module = render_module([test])
    dropped = module.replace(check, "pass")
    weakened = module.replace(check, check.replace(" > ", " >= "))
    kept = module.replace('unique("second"', 'unique("second task"')
    chat.script("text", code_reply(dropped), code_reply(weakened), code_reply(kept))
    repaired = generator.repair(test, broken(test, "KeyError: 'id'"), tasks_api, [])
    assert repaired is not None and repaired.test_id == test.test_id
    assert 'unique("second task"' in repaired.code and check in repaired.code
    assert repaired.origin == "llm" and repaired.variant == test.variant + 1
    errors = [a.error for a in repaired.failed_attempts]
    assert errors[0].startswith("rejected before running: it drops or weakens the checks value_at(")
    assert errors[1].startswith("rejected before running: it drops or weakens the checks")
    assert errors[2] == "KeyError: 'id'"
    # Each later prompt shows the earlier attempts and why they failed.
    last_prompt = chat.calls("text")[-1]["messages"][1]["content"]
    assert "Attempt 2:" in last_prompt and "KeyError: 'id'" in last_prompt


def test_repair_stops_after_three_replies(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_increasing_ids(chat)
    generator = HybridApiGenerator(LlmSession(llm_config))
    test = llm_made(generator, tasks_api, INCREASING_IDS)
    weakening = code_reply(render_module([test]).replace(comparison(test), "pass"))
    chat.script("text", *[weakening] * (MAX_REPAIR_REPLIES + 1))
    assert generator.repair(test, broken(test, "KeyError: 'id'"), tasks_api, []) is None
    assert len(chat.calls("text")) == MAX_REPAIR_REPLIES
    assert generator.session.report.fallbacks[-1] == (
        f"{test.test_id} (repair): no acceptable repair in {MAX_REPAIR_REPLIES} replies"
    )


def test_a_syntax_error_is_repaired_by_the_next_reply(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_fast(chat, FAST_TEST.replace("-> None:", "-> None"))
    generator = HybridApiGenerator(LlmSession(llm_config))
    test = llm_made(generator, tasks_api, FAST)
    chat.script("text", code_reply(FAST_TEST))
    repaired = generator.repair(test, broken(test, "syntax error at line 6: expected ':'"), tasks_api, [])
    assert repaired is not None and repaired.test_id == test.test_id
    assert "-> None:" in repaired.code and repaired.imports == ["import allure", "import httpx"]
    repair_prompt = chat.calls("text")[-1]["messages"][1]["content"]
    assert "syntax error at line 6" in repair_prompt and "def test_r2_answers_fast" in repair_prompt


def test_a_finding_is_never_sent(llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel) -> None:
    script_increasing_ids(chat)
    generator = HybridApiGenerator(LlmSession(llm_config))
    test = llm_made(generator, tasks_api, INCREASING_IDS)
    asked = len(chat.requests)
    finding = ValidationResult(test_id=test.test_id, verdict=Verdict.FINDING, message="R1: expected /id > …")
    assert generator.repair(test, finding, tasks_api, []) is None
    assert len(chat.requests) == asked
