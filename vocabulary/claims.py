"""The API generator's intermediate form: a test is a scenario of HTTP steps with expectations.

Spec-derived tests (happy paths, negatives, auth, 404, lifecycles) and requirement-derived tests are
both planned as scenarios; one code generator turns every scenario into a pytest function.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Comparison = Literal[
    "==", "!=", "<", "<=", ">", ">=", "exists", "absent", "contains", "len==", "len<=", "len>="
]


class Ref(BaseModel):
    """A value taken from an earlier step's JSON response body, e.g. Ref(step="created", pointer="/id")."""

    step: str
    pointer: str


class FieldCheck(BaseModel):
    """An assertion on the response body at a JSON pointer ("" is the whole body)."""

    pointer: str
    op: Comparison
    value: Any = None
    # Where the check comes from: "spec" or a requirement id; used in the assertion message.
    source: str = "spec"


class Expectation(BaseModel):
    """What the response must be."""

    # Exact statuses accepted (documented ones); empty with status_class set means "any of the class".
    statuses: list[int] = Field(default_factory=list)
    status_class: Literal["2xx", "4xx", "5xx"] | None = None
    # Validate the JSON body against the documented schema of (operation_id, status key).
    schema_of: tuple[str, str] | None = None
    fields: list[FieldCheck] = Field(default_factory=list)


class Step(BaseModel):
    """One HTTP call of a scenario."""

    operation_id: str
    title: str
    # Path parameter values: literal or a reference to an earlier step's body.
    path_params: dict[str, Any | Ref] = Field(default_factory=dict)
    query: dict[str, Any | Ref] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    # The JSON body to send, fully concrete; None sends no body.
    body: Any | None = None
    # Send the body as-is even if invalid (negative tests); informational for readers.
    auth: Literal["valid", "none"] = "valid"
    # Name under which later steps may Ref this step's response body.
    save_as: str | None = None
    expect: Expectation = Field(default_factory=Expectation)


class Scenario(BaseModel):
    """One generated test: a named sequence of steps."""

    name: str  # python function name, test_ prefix included
    title: str  # allure title
    feature: str  # allure feature: the tag / resource
    story: str  # allure story: the operation or requirement
    severity: Literal["blocker", "critical", "normal", "minor", "trivial"] = "normal"
    category: Literal["happy_path", "negative", "auth", "not_found", "lifecycle", "requirement"]
    steps: list[Step]
    requirement_ids: list[str] = Field(default_factory=list)
    # (operation_id, status key) pairs this scenario exercises when it passes.
    exercises: list[tuple[str, str]] = Field(default_factory=list)
    # Request timeout in seconds used by this scenario's client calls; repair raises it.
    timeout_s: float | None = None
    description: str = ""
