"""Scripted answers about the sample tasks API: requirements the offline reader leaves uncovered."""

from __future__ import annotations

from generators.llm.api import ClaimReply, OperationChoice
from samples.openai_stub import ScriptedChat, answer, code_reply
from vocabulary.claims import Expectation, FieldCheck, Ref, Step

# Expressible in the claim representation: two creations, the second id compared with the first.
INCREASING_IDS = "Two tasks created one after the other get increasing ids."
# Not expressible: a duration.
FAST = "The API feels fast and pleasant to use."


def increasing_ids_claim(op: str = ">") -> ClaimReply:
    first = Step(
        operation_id="createTask",
        title="Create a first task",
        body={"title": "first"},
        save_as="first",
        expect=Expectation(statuses=[201]),
    )
    second = Step(
        operation_id="createTask",
        title="Create a second task",
        body={"title": "second"},
        save_as="second",
        expect=Expectation(
            statuses=[201],
            fields=[FieldCheck(pointer="/id", op=op, value=Ref(step="first", pointer="/id"), source="R1")],
        ),
    )
    return ClaimReply(expressible=True, title="Later tasks get higher ids", steps=[first, second])


FAST_TEST = """import allure
import httpx


@allure.title("The health check answers within a second")
def test_r2_answers_fast(anonymous_client: httpx.Client) -> None:
    response = anonymous_client.get("/health")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 1.0
"""


def script_increasing_ids(chat: ScriptedChat, op: str = ">") -> None:
    chat.script("OperationChoice", answer(OperationChoice(operation_ids=["createTask"])))
    chat.script("ClaimReply", answer(increasing_ids_claim(op)))


def script_fast(chat: ScriptedChat, code: str = FAST_TEST) -> None:
    chat.script("OperationChoice", answer(OperationChoice(operation_ids=["getHealth"])))
    chat.script("ClaimReply", answer(ClaimReply(expressible=False, reason="a duration is no step")))
    chat.script("text", code_reply(code))
