"""Hybrid API generation over the real ChatOpenAI and HTTP: what the offline reader leaves goes to the LLM."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from generators.api.offline import REQUIREMENTS_MODULE, OfflineApiGenerator
from generators.base import GeneratedSuite
from generators.llm.api import ClaimReply, HybridApiGenerator, OperationChoice
from generators.llm.cache import ReplayMissing
from generators.llm.client import LlmSession
from generators.llm.config import LlmConfig
from generators.llm.source import LLM_ORIGIN_LABEL
from samples.openai_stub import PROMPT_TOKENS, Scripted, ScriptedChat, answer, scripted_endpoint
from tests.llm.conftest import API_KEY
from tests.llm.replies import FAST, FAST_TEST, INCREASING_IDS, script_fast, script_increasing_ids
from tools.runner import write_suite
from tools.safety import check_test_code
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import Requirement, number_requirements
from vocabulary.claims import Expectation, Step

HOSTS = {"127.0.0.1:9"}


def generate(
    config: LlmConfig, api: ApiModel, requirements: list[Requirement]
) -> tuple[HybridApiGenerator, GeneratedSuite]:
    generator = HybridApiGenerator(LlmSession(config))
    return generator, generator.generate(api, requirements)


def test_uncovered_requirement_gets_a_test_through_the_representation(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_increasing_ids(chat)
    generator, suite = generate(llm_config, tasks_api, number_requirements([INCREASING_IDS]))
    [coverage] = suite.coverage
    assert coverage.covered and coverage.test_ids == [
        f"{REQUIREMENTS_MODULE}::test_r1_later_tasks_get_higher_ids"
    ]
    [test] = [t for t in suite.tests if t.test_id in coverage.test_ids]
    assert test.origin == "llm" and test.requirement_ids == ["R1"]
    assert LLM_ORIGIN_LABEL in test.code and '@allure.label("requirement", "R1")' in test.code
    # Our codegen rendered it: its step titles and its comparison of the second id with the first.
    assert 'with allure.step("Create a second task"):' in test.code and " > " in test.code
    assert check_test_code("\n".join([*test.imports, test.code]), allowed_hosts=HOSTS) == []
    # Grounded in createTask's slice of the spec only: no other operation reaches the claim prompt.
    claim_prompt = chat.calls("ClaimReply")[0]["messages"][1]["content"]
    assert '"operation_id": "createTask"' in claim_prompt and "deleteProject" not in claim_prompt
    assert chat.calls("ClaimReply")[0]["temperature"] == 0
    usage = generator.session.report.usage["generation"]
    assert (usage.calls, usage.cache_hits, usage.input_tokens) == (2, 0, 2 * PROMPT_TOKENS)
    assert generator.session.report.llm_tests == [test.test_id]


def test_requirement_beyond_the_representation_gets_code_as_plain_text(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_fast(chat)
    _, suite = generate(llm_config, tasks_api, number_requirements([FAST]))
    [coverage] = suite.coverage
    assert coverage.covered and coverage.test_ids == ["test_llm_r1.py::test_r2_answers_fast"]
    [test] = [t for t in suite.tests if t.test_id in coverage.test_ids]
    assert test.imports == ["import allure", "import httpx"] and test.origin == "llm"
    function = FAST_TEST[FAST_TEST.index("@allure.title") :]
    assert test.code == f'{LLM_ORIGIN_LABEL}\n@allure.label("requirement", "R1")\n{function}'
    # The code was asked for as text: no JSON schema on that call.
    assert "response_format" not in chat.calls("text")[0]
    assert check_test_code("\n".join([*test.imports, test.code]), allowed_hosts=HOSTS) == []


@pytest.mark.parametrize(
    "reply",
    [
        "import subprocess\n\n\n@allure.title('t')\ndef test_r2_answers_fast(anonymous_client):\n"
        "    subprocess.run(['true'])\n    assert True\n",
        "from subprocess import run as go\n\n\n"
        "@allure.title('t')\ndef test_r2_answers_fast(anonymous_client):\n"
        "    go(['true'])\n    assert True\n",
        "import os\n\n\n@allure.title('t')\ndef test_r2_answers_fast(anonymous_client):\n"
        "    assert os.environ['TESTOPS_API_TOKEN']\n",
    ],
    ids=["subprocess", "subprocess-alias", "environment"],
)
def test_a_reply_reaching_beyond_the_target_is_blocked_by_the_guard(
    reply: str, llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_fast(chat, reply)
    _, suite = generate(llm_config, tasks_api, number_requirements([FAST]))
    [test] = [t for t in suite.tests if t.origin == "llm"]
    # What the validation node checks before running anything: the test's imports and its function.
    problems = check_test_code("\n".join([*test.imports, test.code]), allowed_hosts=HOSTS)
    assert any("subprocess" in p or "environment" in p for p in problems), problems


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ([Scripted(content="{}", delay_s=1.5)] * 2, "timed out"),
        ([Scripted(status=429, headers={"Retry-After": "1"})] * 2, "HTTP 429"),
        ([], "HTTP 500"),  # an empty script answers 500
        ([Scripted(content='{"operation_ids": ["createTask"')] * 2, "malformed reply"),
        ([answer({"operation_ids": "createTask"})] * 2, "schema-invalid reply"),
        ([Scripted(refusal="I cannot help with that.")] * 2, "refused"),
    ],
    ids=["timeout", "429", "500", "malformed-json", "schema-invalid", "refusal"],
)
def test_a_failing_endpoint_falls_back_to_the_offline_suite(
    failure: list[Scripted], reason: str, llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    chat.script("OperationChoice", *failure)
    config = llm_config.model_copy(update={"timeout_s": 0.5})
    requirements = number_requirements([INCREASING_IDS])
    generator, suite = generate(config, tasks_api, requirements)
    offline = OfflineApiGenerator().generate(tasks_api, requirements)
    assert suite.tests == offline.tests and suite.coverage == offline.coverage
    [fallback] = generator.session.report.fallbacks
    assert fallback.startswith("R1 (generation): ") and reason in fallback
    assert len(chat.requests) == 2  # the first try and the one retry


def test_an_unreachable_endpoint_falls_back(llm_config: LlmConfig, tasks_api: ApiModel) -> None:
    with scripted_endpoint() as (gone, _):
        pass  # the port is closed again
    generator, suite = generate(
        llm_config.model_copy(update={"base_url": gone}), tasks_api, number_requirements([INCREASING_IDS])
    )
    assert not suite.coverage[0].covered
    assert generator.session.report.fallbacks == [
        "R1 (generation): the endpoint is unreachable (after retries)"
    ]


def test_the_token_budget_stops_calls(llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel) -> None:
    script_increasing_ids(chat)
    script_fast(chat)
    config = llm_config.model_copy(update={"token_budget": 100})  # one call spends 150
    generator, suite = generate(config, tasks_api, number_requirements([INCREASING_IDS, FAST]))
    report = generator.session.report
    assert len(chat.requests) == 1 and report.budget_exhausted
    assert report.fallbacks == [
        "R1 (generation): the request's token budget of 100 is spent",
        "R2 (generation): the request's token budget of 100 is spent",
    ]
    assert not any(c.covered for c in suite.coverage)


def test_a_second_run_replays_from_the_cache(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel, tmp_path: Path
) -> None:
    script_increasing_ids(chat)
    script_fast(chat)
    requirements = number_requirements([INCREASING_IDS, FAST])
    _, first = generate(llm_config, tasks_api, requirements)
    with scripted_endpoint() as (url, silent):
        replayed_config = llm_config.model_copy(update={"base_url": url, "cache_mode": "replay"})
        generator, second = generate(replayed_config, tasks_api, requirements)
    assert silent.requests == []
    usage = generator.session.report.usage["generation"]
    assert (usage.calls, usage.cache_hits, usage.input_tokens + usage.output_tokens) == (0, 5, 0)
    write_suite(tmp_path / "first", first.tests, first.support_files)
    write_suite(tmp_path / "second", second.tests, second.support_files)
    files = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert "test_llm_r2.py" in files
    for name in files:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name
    # The recorded replies hold what the model said, never the key.
    recorded = [p.read_text() for p in llm_config.cache_dir.rglob("*.json")]
    assert len(recorded) == 5 and not any(API_KEY in text for text in recorded)
    assert all(json.loads(text)["model"] == "scripted-model" for text in recorded)


def test_replay_fails_clearly_on_a_missing_entry(llm_config: LlmConfig, tasks_api: ApiModel) -> None:
    config = llm_config.model_copy(update={"cache_mode": "replay"})
    with pytest.raises(
        ReplayMissing, match=r"--llm-cache replay: no recorded reply for prompt choose_operations@v1"
    ):
        generate(config, tasks_api, number_requirements([INCREASING_IDS]))


def test_the_key_never_shows_in_the_report(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    chat.script("OperationChoice", Scripted(status=401), Scripted(status=401))
    generator, _ = generate(llm_config, tasks_api, number_requirements([INCREASING_IDS]))
    assert chat.authorizations[0] == f"Bearer {API_KEY}"  # it was sent, as it must be
    assert API_KEY not in generator.session.report.model_dump_json()
    assert API_KEY not in repr(llm_config) and API_KEY not in llm_config.model_dump_json()


def test_safe_mode_admits_no_destructive_scenario_and_no_free_code(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    deleting = Step(
        operation_id="deleteTask",
        title="Delete task 1",
        path_params={"taskId": 1},
        expect=Expectation(statuses=[204]),
    )
    chat.script("OperationChoice", answer(OperationChoice(operation_ids=["deleteTask"])))
    chat.script("ClaimReply", answer(ClaimReply(expressible=True, title="Deleting works", steps=[deleting])))
    script_fast(chat)
    generator = HybridApiGenerator(LlmSession(llm_config), OfflineApiGenerator(safe=True))
    suite = generator.generate(tasks_api, number_requirements([INCREASING_IDS, FAST]))
    assert not any(t.origin == "llm" for t in suite.tests)
    destructive, free_code = generator.session.report.fallbacks
    assert destructive == (
        "R1 (generation): the LLM's scenario is not admitted "
        "(safe mode: would DELETE /tasks/{taskId} on data it did not create)"
    )
    assert free_code == "R2 (generation): safe mode: code written by the LLM is not admitted, " + (
        "since its calls cannot be checked"
    )
    assert chat.calls("text") == []


def test_a_damaged_recording_is_asked_again(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    script_increasing_ids(chat)
    generate(llm_config, tasks_api, number_requirements([INCREASING_IDS]))
    for entry in llm_config.cache_dir.rglob("*.json"):
        entry.write_text("{")
    script_increasing_ids(chat)
    generator, suite = generate(llm_config, tasks_api, number_requirements([INCREASING_IDS]))
    assert suite.coverage[0].covered and generator.session.report.usage["generation"].calls == 2


def test_a_429_waits_as_long_as_its_retry_after_says(
    llm_config: LlmConfig, chat: ScriptedChat, tasks_api: ApiModel
) -> None:
    chat.script("OperationChoice", Scripted(status=429, headers={"Retry-After": "2"}))
    script_increasing_ids(chat)
    started = time.monotonic()
    generator, suite = generate(llm_config, tasks_api, number_requirements([INCREASING_IDS]))
    assert time.monotonic() - started >= 2.0
    assert suite.coverage[0].covered and generator.session.report.fallbacks == []
    assert len(chat.calls("OperationChoice")) == 2
