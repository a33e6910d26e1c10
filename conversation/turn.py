"""One turn of the review conversation: a reviewer's message read against the interrupt that waits, the reply,
and the answer the graph is resumed with (none for a question)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from conversation.llm_reader import read_with_llm
from conversation.reader import UNPLACED, read_message
from conversation.replies import reply_to
from generators.llm.client import LlmSession
from vocabulary.review import ReviewIntent, ReviewRequest, ReviewResponse


class ReviewTurn(BaseModel):
    intent: ReviewIntent
    reply: str
    # The resume value; None when the message only asks something and the graph keeps waiting.
    response: ReviewResponse | None = None


def take_turn(message: str, payload: dict[str, Any], llm: LlmSession | None = None) -> ReviewTurn:
    """Read `message` against the review interrupt's `payload` (a ReviewRequest) and answer it. The offline
    reader reads first; the LLM, when given, reads only what it could not place (an empty message, or a
    test that is not there, is answered as it is: the LLM would not know better)."""
    suite = ReviewRequest.model_validate(payload).suite()
    intent = read_message(message, suite)
    if intent.kind == "help" and intent.problem.startswith(UNPLACED) and llm is not None:
        intent = read_with_llm(message, suite, llm) or intent
    decision = intent.decision()
    return ReviewTurn(intent=intent, reply=reply_to(intent, suite),
                      response=ReviewResponse(decisions=[decision]) if decision else None)
