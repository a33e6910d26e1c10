"""The LLM's reading of a message the offline reader could not place, grounded in the same suite: it may
only name tests by the numbers under review, and a reading that does not hold is not used."""

from __future__ import annotations

from pydantic import BaseModel, Field

from conversation.prompts import READ_REVIEW_MESSAGE
from generators.llm.client import LlmSession, LlmUnavailable
from vocabulary.review import IntentKind, ReviewIntent, SuiteUnderReview

# Kinds that act on tests: a reading of one of them that names none is not usable.
_ON_TESTS = {"drop", "expected", "describe"}


class MessageReading(BaseModel):
    """What the LLM read a reviewer's message as."""

    kind: IntentKind
    test_numbers: list[int] = Field(default_factory=list)
    requirement: str = ""


def read_with_llm(message: str, suite: SuiteUnderReview, llm: LlmSession) -> ReviewIntent | None:
    """The LLM's reading grounded in `suite`, or None when it has none that holds (it fell back: see the
    session's report)."""
    listing = "\n".join(f"{t.number}. {t.name} [{t.verdict}]" for t in suite.tests)
    try:
        reading = llm.structured(
            READ_REVIEW_MESSAGE, MessageReading, node="review", tests=listing, message=message
        )
    except LlmUnavailable as error:
        llm.fell_back("review message", str(error))
        return None
    by_number = suite.by_number()
    findings = {f.test_id for f in suite.findings}
    test_ids = [by_number[n].test_id for n in reading.test_numbers if n in by_number]
    requirement = reading.requirement.strip()
    unusable = (
        reading.kind == "help"
        or len(test_ids) < len(reading.test_numbers)
        or (reading.kind in _ON_TESTS and not test_ids)
        or (reading.kind == "expected" and not set(test_ids) <= findings)
        or (reading.kind == "add_requirement" and not requirement)
    )
    if unusable:
        llm.fell_back("review message", f"the reading {reading.model_dump_json()} does not fit the suite")
        return None
    return ReviewIntent(
        kind=reading.kind,
        test_ids=test_ids if reading.kind in _ON_TESTS else [],
        requirements=[requirement] if reading.kind == "add_requirement" else [],
        note=message.strip() if reading.kind in ("expected", "approve", "reject") else "",
    )
