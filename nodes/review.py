"""Review: an optional human look at the suite before it is stored. Skipped unless asked for.

The interrupt carries LangChain's human-in-the-loop request; the answer approves, rejects, edits the suite
(drops, expected findings, added requirements) or says so in the reviewer's words, read by the same reader
as the chat's. Until the reviewer approves or rejects, the graph comes back here and waits again.
"""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from conversation.reader import read_message
from graph.context import Context
from graph.state import State
from vocabulary.artefacts import ReviewDecision, number_requirements
from vocabulary.review import (
    DroppedTest,
    EditDecision,
    ReviewedFinding,
    ReviewedTest,
    ReviewRequest,
    ReviewResponse,
    SuiteEdit,
    SuiteUnderReview,
)


def review(state: State, runtime: Runtime[Context]) -> dict:
    """Pause with the suite; resume with {"decisions": [one approve, reject, edit or respond decision]}."""
    if not runtime.context.review:
        return {}
    suite = suite_under_review(state)
    description = (f"Review the {len(suite.tests)} tests of request {state.request_id}: approve, reject, or "
                   "say what to change (drop tests, add a requirement, call a finding expected behaviour).")
    answer = interrupt(ReviewRequest.of(suite, description).model_dump(), response_schema=ReviewResponse)
    decision = answer.decisions[0]
    if decision.type == "respond":
        decision = read_message(decision.message, suite).decision()
    if decision is None:  # a question: the chat answered it, the suite stays as it is
        return {}
    if isinstance(decision, EditDecision):
        return _edited(state, suite, decision.edited_action.args)
    drops = state.review_drops
    return {"review": ReviewDecision(approved=decision.type == "approve", comment=decision.message,
                                     drop_test_ids=[d.test_id for d in drops],
                                     notes={d.test_id: d.note for d in drops if d.note})}


def suite_under_review(state: State) -> SuiteUnderReview:
    """The suite as it would be stored now. Numbers follow the order tests were written in, which only ever
    grows, so a number means the same test for the whole conversation (duplicates and drops leave gaps)."""
    verdicts = {r.test_id: r for r in state.results}
    numbers = {t.test_id: i for i, t in enumerate(state.tests, 1)}
    dropped = {d.test_id for d in state.review_drops} | {d.test_id for d in state.duplicates}
    texts = {c.requirement_id: c.text for c in state.coverage}
    tests = [
        ReviewedTest(number=numbers[t.test_id], test_id=t.test_id, name=t.name,
                     requirement="; ".join(f"{r}: {texts[r]}" for r in t.requirement_ids if r in texts),
                     requirement_ids=t.requirement_ids, category=t.category,
                     verdict=verdicts[t.test_id].verdict.value, code=t.code)
        for t in state.tests
        if t.test_id not in dropped
    ]
    screenshot = state.page.screenshot_path if state.page else None
    findings = [
        ReviewedFinding(number=numbers[f.test_id], test_id=f.test_id, title=f.title,
                        assertion=next(iter(f.message.strip().splitlines()), ""), evidence=f.message.strip(),
                        screenshot_path=screenshot)
        for f in state.findings
        if f.test_id not in dropped
    ]
    duplicated = [
        DroppedTest(number=numbers[d.test_id], test_id=d.test_id,
                    reason=f"{d.kind} duplicate of {d.duplicate_of}")
        for d in state.duplicates
    ]
    return SuiteUnderReview(
        request_id=state.request_id, tests=tests, coverage=state.coverage, findings=findings,
        repaired=sorted(set(state.repaired)), dropped=[*duplicated, *state.review_drops],
        summary=state.summary,
    )


def _edited(state: State, suite: SuiteUnderReview, edit: SuiteEdit) -> dict:
    """The reviewer's drops (unknown ids ignored) and added requirements, which generation takes next."""
    offered = {t.test_id: t.number for t in suite.tests}
    drops = [DroppedTest(number=offered[i], test_id=i, reason="dropped by the reviewer")
             for i in edit.drop if i in offered]
    drops += [DroppedTest(number=offered[i], test_id=i, reason="expected behaviour", note=note)
              for i, note in edit.expected.items() if i in offered and i not in edit.drop]
    added = [text.strip() for text in edit.add_requirements if text.strip()]
    if not added:
        return {"review_drops": drops}
    requirements = [*state.requirements, *added]
    numbered = number_requirements(requirements)
    return {"review_drops": drops, "requirements": requirements,
            "new_requirements": [r.requirement_id for r in numbered[len(numbered) - len(added):]]}
