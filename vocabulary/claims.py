"""The API generator's intermediate form: a test is a scenario of HTTP steps with expectations.

Spec-derived tests (happy paths, negatives, auth, 404, lifecycles) and requirement-derived tests are
both planned as scenarios; one code generator turns every scenario into a pytest function.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Comparison = Literal[
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "exists",
    "absent",
    "contains",
    "len==",
    "len<=",
    "len>=",
    # On the array at `pointer`, comparing each item's value at `item_pointer`:
    "all==",  # every item's value equals `value`
    "has_item",  # some item's value equals `value`
    "lacks_item",  # no item's value equals `value`
    "type",  # the value (each item's, with an item_pointer) has the JSON type named by `value`
    "descending",  # the items' values at `item_pointer` are in descending order
    "ascending",
]


class Ref(BaseModel):
    """A value taken from an earlier step's JSON response body, e.g. Ref(step="created", pointer="/id").

    A number can be shifted: `plus` is added to it, and the result is raised to `at_least` when below it
    ("one lower, never below 0" is plus=-1, at_least=0).
    """

    step: str
    pointer: str
    plus: int | float = 0
    at_least: int | float | None = None


class FieldCheck(BaseModel):
    """An assertion on the response body at a JSON pointer ("" is the whole body)."""

    pointer: str
    op: Comparison
    # A literal, or a value of an earlier step's body (e.g. the id a creation answered with).
    value: Any | Ref = None
    # For the item operators: where in each array item the compared value sits ("" is the item).
    item_pointer: str = ""
    # Where the check comes from: "spec" or a requirement id; used in the assertion message.
    source: str = "spec"


class Paging(BaseModel):
    """How to walk every page of a list, starting from the page a step asked for.

    The walk asserts what any paged list owes its client: no page above the limit, no item on two pages,
    nothing after the last page, and a declared total equal to the items seen.
    """

    # Where the items are in each page body ("" when the body is the array).
    items_pointer: str = ""
    # Where an item's identity is inside an item; "" compares whole items.
    key_pointer: str = ""
    limit_param: str | None = None
    limit: int | None = None
    # Offset-style lists advance by the items received; page-style ones by one page.
    offset_param: str | None = None
    page_param: str | None = None
    total_pointer: str | None = None


class Cleanup(BaseModel):
    """A DELETE that undoes a creation when the test ends, passed or failed."""

    operation_id: str
    path: str
    path_params: dict[str, Any | Ref] = Field(default_factory=dict)


class SkippedOracle(BaseModel):
    """A spec-derived check the planner could not build, and what the spec did not say."""

    operation_id: str
    oracle: str
    reason: str


class Expectation(BaseModel):
    """What the response must be."""

    # Exact statuses accepted (documented ones); empty with status_class set means "any of the class".
    statuses: list[int] = Field(default_factory=list)
    status_class: Literal["2xx", "4xx", "5xx"] | None = None
    # Validate the JSON body against the documented schema of (operation_id, status key).
    schema_of: tuple[str, str] | None = None
    # Follow every page of the list before the field checks, which then apply to all items seen.
    paging: Paging | None = None
    fields: list[FieldCheck] = Field(default_factory=list)
    # Response headers that must be present: name -> the start of the value ("" asks only that it is there).
    headers: dict[str, str] = Field(default_factory=dict)
    # Delete what this step created when the test ends.
    cleanup: Cleanup | None = None


class Unique(BaseModel):
    """A value the test makes unique when it runs: `example` with a per-run, per-test token in it.

    Within one test the same marker gives the same value, so a later step can check it came back.
    """

    example: str | int
    # Limits of the property's schema the made value keeps.
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    # Which creation of the test the value belongs to, when two creations send the same example.
    step: int | None = None


class Given(BaseModel):
    """An existing value (an id to act on) no call of the spec gives: the user supplies it, else a skip."""

    name: str


class Credential(BaseModel):
    """The configured identity's login name or password: a sign-in must name an existing account."""

    kind: Literal["username", "password"]


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
    # "second" calls as a second identity (checks that one user cannot touch what another made);
    # "throwaway" as a user signed up for this test alone (calls that change or delete one's own account).
    auth: Literal["valid", "none", "second", "throwaway"] = "valid"
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
    # Why this test cannot pass whatever the service does (an input the spec cannot provide); "" runs it.
    skip_reason: str = ""
