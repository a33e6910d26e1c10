"""The LLM reads only what the offline reader could not place, through a local OpenAI-compatible stand-in;
a reading naming tests that are not there, or no reply at all, leaves the offline answer standing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from conversation.turn import take_turn
from generators.llm.client import LlmSession
from generators.llm.config import LlmConfig
from samples.openai_stub import Scripted, ScriptedChat, answer, scripted_endpoint
from tests.conversation.test_reader import SUITE, ids
from vocabulary.review import ReviewRequest

PAYLOAD = ReviewRequest.of(SUITE, "review it").model_dump(mode="json")
UNPLACED = "bin the one that creates kennels, it is pointless"


@pytest.fixture
def endpoint() -> Iterator[tuple[str, ScriptedChat]]:
    with scripted_endpoint() as served:
        yield served


@pytest.fixture
def llm(endpoint: tuple[str, ScriptedChat], tmp_path: Path) -> LlmSession:
    config = LlmConfig(base_url=endpoint[0], api_key=SecretStr("sk-stub"), model="scripted-model",
                       timeout_s=2.0, max_retries=0, retry_backoff_s=0.01, cache_dir=tmp_path / "llm-cache",
                       cache_mode="off")
    return LlmSession(config)


def test_a_message_the_reader_cannot_place_is_read_by_the_llm(endpoint: tuple[str, ScriptedChat],
                                                               llm: LlmSession) -> None:
    chat = endpoint[1]
    chat.script("MessageReading", answer({"kind": "drop", "test_numbers": [2]}))
    turn = take_turn(UNPLACED, PAYLOAD, llm)
    assert (turn.intent.kind, turn.intent.test_ids) == ("drop", ids(2))
    assert turn.reply.startswith("Dropped test 2 (test_create_kennel_timeout_is_reported).")
    [call] = chat.calls("MessageReading")
    assert UNPLACED in call["messages"][-1]["content"] and "2. test_create_kennel_timeout_is_reported" in (
        call["messages"][-1]["content"]
    )
    # What the offline reader reads, it answers alone.
    assert take_turn("drop 3", PAYLOAD, llm).intent.test_ids == ids(3) and len(chat.calls()) == 1


@pytest.mark.parametrize(
    "reply",
    [
        answer({"kind": "drop", "test_numbers": [9]}),  # a test that is not there
        answer({"kind": "expected", "test_numbers": [1]}),  # test 1 is no finding
        answer({"kind": "add_requirement", "requirement": " "}),
        Scripted(status=500),
    ],
)
def test_a_reading_that_does_not_hold_leaves_the_offline_answer(
    endpoint: tuple[str, ScriptedChat], llm: LlmSession, reply: Scripted
) -> None:
    endpoint[1].script("MessageReading", reply)
    turn = take_turn(UNPLACED, PAYLOAD, llm)
    assert turn.intent.kind == "help" and turn.response is None
    assert turn.reply.startswith("I could not tell what")
    assert [f.split(":")[0] for f in llm.report.fallbacks] == ["review message"]
