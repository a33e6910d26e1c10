"""The deterministic review reader and its replies, on a small suite under review made by hand."""

from __future__ import annotations

import pytest

from conversation.reader import read_message
from conversation.replies import CAPABILITIES, reply_to
from conversation.turn import take_turn
from vocabulary.artefacts import RequirementCoverage, ResultSummary
from vocabulary.review import (
    DroppedTest,
    ReviewedFinding,
    ReviewedTest,
    ReviewRequest,
    SuiteEdit,
    SuiteUnderReview,
)


def reviewed(
    number: int, name: str, verdict: str = "passed", requirement_ids: tuple[str, ...] = ()
) -> ReviewedTest:
    return ReviewedTest(number=number, test_id=f"test_kennels.py::{name}", name=name, category="happy_path",
                        verdict=verdict, requirement_ids=list(requirement_ids),
                        code=f"def {name}():\n    ...")


SUITE = SuiteUnderReview(
    request_id="r-1",
    tests=[
        reviewed(1, "test_list_kennels_happy_path"),
        reviewed(2, "test_create_kennel_timeout_is_reported"),
        reviewed(3, "test_read_kennel_timeout_header", verdict="finding"),
        reviewed(5, "test_requirement_r1_vacancy_count", requirement_ids=("R1",)),
    ],
    coverage=[RequirementCoverage(requirement_id="R1", text="A kennel lists its vacancies.", covered=True)],
    findings=[ReviewedFinding(number=3, test_id="test_kennels.py::test_read_kennel_timeout_header",
                              title="read kennel", assertion="expected 200; got 500",
                              evidence="expected 200; got 500\nGET /kennels/1 -> 500")],
    repaired=[],
    dropped=[DroppedTest(number=4, test_id="test_kennels.py::test_copy", reason="exact duplicate of test 1")],
    summary=ResultSummary(),
)


def ids(*numbers: int) -> list[str]:
    return [SUITE.by_number()[n].test_id for n in numbers]


@pytest.mark.parametrize(
    ("message", "kind", "test_ids"),
    [
        ("approve", "approve", []),
        ("LGTM, ship it", "approve", []),
        ("reject: the spec is outdated, test 3 is expected behaviour", "reject", []),
        ("No.", "reject", []),
        ("drop 2", "drop", ids(2)),
        ("Please drop 3 and 5", "drop", ids(3, 5)),
        ("remove tests 1-3", "drop", ids(1, 2, 3)),
        ("OK, also drop 5", "drop", ids(5)),
        ("drop test_list_kennels_happy_path", "drop", ids(1)),
        ("drop the two timeout tests", "drop", ids(2, 3)),
        ("3 is expected behaviour", "expected", ids(3)),
        ("that's expected, it is by design", "expected", ids(3)),
        ("what does test 2 do?", "describe", ids(2)),
        ("explain the vacancy test", "describe", ids(5)),
        ("summary", "summary", []),
        ("where are we?", "summary", []),
    ],
)
def test_a_message_is_read_as_what_it_asks(message: str, kind: str, test_ids: list[str]) -> None:
    intent = read_message(message, SUITE)
    assert (intent.kind, intent.test_ids) == (kind, test_ids), intent


def test_also_check_that_adds_a_requirement_in_the_reviewer_s_words() -> None:
    intent = read_message("Also check that an empty name is rejected with 422.", SUITE)
    assert intent.kind == "add_requirement" and intent.requirements == ["An empty name is rejected with 422"]
    assert intent.decision().edited_action.args == SuiteEdit(  # type: ignore[union-attr]
        add_requirements=["An empty name is rejected with 422"]
    )
    assert "R2: “An empty name is rejected with 422”" in reply_to(intent, SUITE)


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("", "the message is empty"),
        ("   ", "the message is empty"),
        ("drop 9", "there is no test 9: the tests are numbered 1 to 5"),
        ("drop 4", "test 4 is left out of the suite already (exact duplicate of test 1)"),
        ("drop", "which tests?"),
        ("drop the flamingo tests", "no test's name has 'flamingo' in it"),
        ("2 is expected behaviour", "test 2 (test_create_kennel_timeout_is_reported) is not a finding"),
        ("the weather is lovely today", "I could not tell what “the weather is lovely today” asks for"),
    ],
)
def test_what_cannot_be_done_gets_a_reply_saying_what_can(message: str, problem: str) -> None:
    intent = read_message(message, SUITE)
    assert intent.kind == "help" and intent.decision() is None
    assert problem in intent.problem
    assert reply_to(intent, SUITE).endswith(CAPABILITIES)


def test_a_turn_resumes_only_for_what_changes_or_decides_the_suite() -> None:
    payload = ReviewRequest.of(SUITE, "review it").model_dump(mode="json")
    dropped = take_turn("drop 2", payload)
    assert dropped.response is not None
    assert dropped.response.model_dump()["decisions"][0]["edited_action"] == {
        "name": "review_suite", "args": {"drop": ids(2), "expected": {}, "add_requirements": []}
    }
    assert dropped.reply.startswith("Dropped test 2 (test_create_kennel_timeout_is_reported). 3 tests remain")
    expected = take_turn("3 is expected behaviour", payload)
    assert expected.response is not None
    edit = expected.response.decisions[0].edited_action.args  # type: ignore[union-attr]
    assert edit.expected == {ids(3)[0]: "3 is expected behaviour"}
    question = take_turn("what does test 3 do", payload)
    assert question.response is None
    assert "GET /kennels/1 -> 500" in question.reply
    assert "def test_read_kennel_timeout_header" in question.reply
    assert take_turn("approve", payload).response.model_dump() == {  # type: ignore[union-attr]
        "decisions": [{"type": "approve", "message": "approve"}]
    }
