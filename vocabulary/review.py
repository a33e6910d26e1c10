"""The review conversation's vocabulary: the interrupt payload in LangChain's human-in-the-loop shape, the
decisions that answer it, and what a reviewer's message was understood to ask for."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from vocabulary.artefacts import RequirementCoverage, ResultSummary

# The one action a review interrupt asks about: the whole suite.
REVIEW_ACTION = "review_suite"
DecisionType = Literal["approve", "edit", "reject", "respond"]
ALLOWED_DECISIONS: list[DecisionType] = ["approve", "edit", "reject", "respond"]


class ReviewedTest(BaseModel):
    """A test of the suite as the reviewer sees it; `number` stays the same for the whole conversation."""

    number: int
    test_id: str
    name: str
    # The requirements it checks, as "R2: text" lines ("" for spec-derived tests).
    requirement: str = ""
    requirement_ids: list[str] = Field(default_factory=list)
    category: str
    verdict: str
    code: str


class ReviewedFinding(BaseModel):
    """A suspected defect: the failing assertion and what the target answered (or a page screenshot)."""

    number: int  # the number of its test
    test_id: str
    title: str
    assertion: str
    evidence: str
    screenshot_path: str | None = None


class DroppedTest(BaseModel):
    """A test left out of the suite, and why: a duplicate, or the reviewer's choice (with their note)."""

    number: int | None = None
    test_id: str
    reason: str
    note: str = ""


class SuiteUnderReview(BaseModel):
    """The args of the review action: everything a reviewer needs to decide."""

    request_id: str
    tests: list[ReviewedTest]
    coverage: list[RequirementCoverage]
    findings: list[ReviewedFinding]
    repaired: list[str]
    dropped: list[DroppedTest]
    summary: ResultSummary

    def by_number(self) -> dict[int, ReviewedTest]:
        return {t.number: t for t in self.tests}


class ActionRequest(BaseModel):
    name: str
    args: dict[str, Any]
    description: str


class ReviewConfig(BaseModel):
    action_name: str
    allowed_decisions: list[DecisionType]


class ReviewRequest(BaseModel):
    """The interrupt value: LangChain's HITLRequest, so LangGraph Studio and agent-chat-ui render it."""

    action_requests: list[ActionRequest]
    review_configs: list[ReviewConfig]

    @classmethod
    def of(cls, suite: SuiteUnderReview, description: str) -> ReviewRequest:
        return cls(
            action_requests=[
                ActionRequest(name=REVIEW_ACTION, args=suite.model_dump(mode="json"), description=description)
            ],
            review_configs=[ReviewConfig(action_name=REVIEW_ACTION, allowed_decisions=ALLOWED_DECISIONS)],
        )

    def suite(self) -> SuiteUnderReview:
        return SuiteUnderReview.model_validate(self.action_requests[0].args)


class SuiteEdit(BaseModel):
    """What an edit changes: tests to drop, findings the reviewer calls expected behaviour (test id -> note),
    requirements to add (each generated and validated before the review goes on)."""

    model_config = {"extra": "forbid"}

    drop: list[str] = Field(default_factory=list)
    expected: dict[str, str] = Field(default_factory=dict)
    add_requirements: list[str] = Field(default_factory=list)


class EditedAction(BaseModel):
    name: Literal["review_suite"] = REVIEW_ACTION
    args: SuiteEdit


class ApproveDecision(BaseModel):
    type: Literal["approve"]
    message: str = ""


class RejectDecision(BaseModel):
    type: Literal["reject"]
    message: str = ""


class EditDecision(BaseModel):
    type: Literal["edit"]
    edited_action: EditedAction


class RespondDecision(BaseModel):
    """The reviewer's own words, read by the same reader as the chat's."""

    type: Literal["respond"]
    message: str


Decision = Annotated[
    ApproveDecision | RejectDecision | EditDecision | RespondDecision, Field(discriminator="type")
]


class ReviewResponse(BaseModel):
    """The resume value of the review interrupt: one decision for its one action request."""

    decisions: list[Decision] = Field(min_length=1, max_length=1)


IntentKind = Literal[
    "approve", "reject", "drop", "expected", "add_requirement", "describe", "summary", "help"
]


class ReviewIntent(BaseModel):
    """What a reviewer's message asks for, grounded in the suite under review."""

    kind: IntentKind
    test_ids: list[str] = Field(default_factory=list)
    requirements: list[str] = Field(default_factory=list)
    # The reviewer's words kept with an expected-behaviour call, or the reason an approval or rejection gives.
    note: str = ""
    # For "help": the part of the message that could not be understood, and why.
    problem: str = ""

    def decision(self) -> ApproveDecision | RejectDecision | EditDecision | None:
        """The answer the graph is resumed with; None for questions, which the graph need not hear."""
        if self.kind == "approve":
            return ApproveDecision(type="approve", message=self.note)
        if self.kind == "reject":
            return RejectDecision(type="reject", message=self.note)
        if self.kind == "drop":
            return _edit(SuiteEdit(drop=self.test_ids))
        if self.kind == "expected":
            return _edit(SuiteEdit(expected=dict.fromkeys(self.test_ids, self.note)))
        if self.kind == "add_requirement":
            return _edit(SuiteEdit(add_requirements=self.requirements))
        return None


def _edit(edit: SuiteEdit) -> EditDecision:
    return EditDecision(type="edit", edited_action=EditedAction(args=edit))
