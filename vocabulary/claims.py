"""The claims a test is made of, shared by every reader: the offline API and UI readers, the LLM (through
structured output) and the code generators that render them.

- API: a test is a scenario of HTTP steps with expectations. Spec-derived tests (happy paths, negatives,
  auth, 404, lifecycles) and requirement-derived tests are both planned as scenarios; one code generator
  turns every scenario into a pytest function.
- UI: a requirement is read as beats, the actions and the checks in the order they happen. The words
  name what the requirement names; grounding them in the page's elements is the planner's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

# === API: a test is a scenario of HTTP steps =============================================================

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


# === UI: a requirement read as beats, actions and checks in order ========================================


# --- what a requirement asks to do ------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """Sign in with these credentials (wrong ones when `wrong`)."""

    user: str = ""
    password: str = ""
    wrong: bool = False


@dataclass(frozen=True)
class Search:
    query: str


@dataclass(frozen=True)
class Add:
    """Add entries: these texts, or `count` made-up ones; `empty` submits nothing at all.

    An empty add that names its field ("pressing Send with an empty Subject") keeps that field and the
    control pressed: on a page that takes no entries it is that control, pressed with the field empty.
    """

    texts: tuple[str, ...] = ()
    count: int = 1
    empty: bool = False
    left_empty: str = ""
    sent_by: Click | Submit | None = None


@dataclass(frozen=True)
class Delete:
    """Delete one entry: the one with this text, or any."""

    text: str = ""


@dataclass(frozen=True)
class Complete:
    """Mark one entry done (its checkbox): the one with this text, or any."""

    text: str = ""


@dataclass(frozen=True)
class Rename:
    """Change one entry's text in place, to `new`: the entry with `text`, or any."""

    new: str
    text: str = ""


@dataclass(frozen=True)
class Choose:
    option: str
    hint: str = ""


# Click.kind of a control named only by the verb of the sentence ("Continuing" presses "Continue")
VERB_KIND = "verb"


@dataclass(frozen=True)
class Click:
    """Click the control worded `text`; `within`: the one inside the list item holding that text."""

    text: str
    kind: str = ""
    within: str = ""


@dataclass(frozen=True)
class Fill:
    value: str
    field_words: str


@dataclass(frozen=True)
class Clear:
    """Empty a field that was filled in."""

    field_words: str


@dataclass(frozen=True)
class FillAll:
    """Fill every field of the form with a value that fits it ("once both fields are filled")."""


@dataclass(frozen=True)
class SetTo:
    """Set a named control to a value ("Category = Books"): a select's option, or a field's text."""

    target: str
    value: str


@dataclass(frozen=True)
class Press:
    """Press a key, in the field named (else where the last typing happened)."""

    key: str
    field_words: str = ""


@dataclass(frozen=True)
class SetChecked:
    label: str
    checked: bool


@dataclass(frozen=True)
class GoBack:
    pass


@dataclass(frozen=True)
class Reload:
    """Load the page again, as a user pressing F5 would."""


@dataclass(frozen=True)
class DoubleClick:
    """Double-click the control or the list item worded `text`."""

    text: str


@dataclass(frozen=True)
class Open:
    path: str


@dataclass(frozen=True)
class Submit:
    """Send the form that was being filled in (or the page's only form)."""


Action = (
    Login
    | Search
    | Add
    | Delete
    | Complete
    | Rename
    | Choose
    | Click
    | Fill
    | Clear
    | FillAll
    | SetTo
    | Press
    | SetChecked
    | GoBack
    | Reload
    | DoubleClick
    | Open
    | Submit
)


# --- what must be seen afterwards -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowsText:
    """This text is shown; `where`: the place the requirement gives it ("below the Password field")."""

    text: str
    where: str = ""


@dataclass(frozen=True)
class ShowsError:
    """An error is shown, the requirement does not say which words."""


@dataclass(frozen=True)
class ShowsEntry:
    """What was just added ("it") is shown among the items."""


@dataclass(frozen=True)
class Only:
    """Only items matching `word` are shown; `noun` names what the items are ("products", "books")."""

    noun: str
    word: str = ""


@dataclass(frozen=True)
class Removed:
    """What was just deleted ("it") is no longer among the items."""


@dataclass(frozen=True)
class NotAdded:
    """The add did not add anything."""


@dataclass(frozen=True)
class Gate:
    """The subject stays `state` until `condition` holds, and then flips."""

    state: str
    condition: str


@dataclass(frozen=True)
class MasksInput:
    pass


@dataclass(frozen=True)
class State:
    state: str  # disabled, enabled, checked, unchecked, hidden, visible, empty


@dataclass(frozen=True)
class OpensOwnPage:
    """The subject link opens the page it stands for."""


@dataclass(frozen=True)
class GoesTo:
    destination: str


@dataclass(frozen=True)
class CountIs:
    count: int
    noun: str


@dataclass(frozen=True)
class UrlChanges:
    """The page moves away from where the test opened it."""


@dataclass(frozen=True)
class Cleared:
    """The message region named (error, greeting) is empty again."""

    what: str


@dataclass(frozen=True)
class HidesText:
    """This text is not to be seen (gone, never shown)."""

    text: str


@dataclass(frozen=True)
class Listed:
    """An item holding `text` is in the list (`times` items, when the requirement counts them)."""

    text: str
    times: int = 0


@dataclass(frozen=True)
class NotListed:
    text: str


@dataclass(frozen=True)
class ItemsAre:
    """The items named are listed; `only`: and no other; `ordered`: in the order written."""

    names: tuple[str, ...]
    only: bool = False
    ordered: bool = False


@dataclass(frozen=True)
class HidesItems:
    """No listed item is of these kinds ("the lamps", "the kitchen items"): words the items' texts hold."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class EveryItemHas:
    """Every listed item holds a control of this kind with this name ("each row has a Details link")."""

    kind: str
    name: str


@dataclass(frozen=True)
class EveryItemShows:
    """Every listed item shows one of its own attributes ("each row shows its price and its category").

    `beside`: where the requirement says the attributes show ("next to the name"), as it wrote it.
    """

    attributes: tuple[str, ...]
    beside: str = ""


@dataclass(frozen=True)
class SortedBy:
    """The listed items are in order of one of their attributes ("by name", "by price"), highest first when
    `descending`."""

    attribute: str
    descending: bool = False


@dataclass(frozen=True)
class OnCounter:
    """The number shows on the small counter (a badge) of the control named by `words` ("the cart badge")."""

    text: str
    words: str
    counter: str = "badge"  # what the requirement calls the counter: badge, counter, bubble…


@dataclass(frozen=True)
class Amount:
    """One amount a page shows under a label: as it is ("the item total"), as a percentage of the amount
    named before it ("a tax of 8%"), or as the sum of the amounts named before it ("the total of both")."""

    label: str
    percent: float | None = None
    sums: bool = False


@dataclass(frozen=True)
class Amounts:
    """The labelled amounts are shown, and each relates to the ones before it as the requirement says."""

    amounts: tuple[Amount, ...]


@dataclass(frozen=True)
class Persists:
    """What the test added is still listed after the page is loaded again."""


@dataclass(frozen=True)
class InRegion:
    """The text shows inside the page's region of this ARIA role (alert, status)."""

    text: str
    role: str


@dataclass(frozen=True)
class OthersHidden:
    """No item is listed beyond those the requirement just named."""


@dataclass(frozen=True)
class ShowsTexts:
    """Each of these texts is shown."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class HeadingIs:
    """The page reached is headed `text`; "": by the name of the item whose link was followed."""

    text: str


@dataclass(frozen=True)
class TitleIs:
    text: str


@dataclass(frozen=True)
class Offers:
    """The subject select offers these options (in this order); `selected`: the one chosen at first."""

    options: tuple[str, ...]
    selected: str = ""


@dataclass(frozen=True)
class HasControls:
    """Controls of this kind (button, field, link) with these names are on the page."""

    kind: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class HasType:
    """The subject field is an input of this type ("an ordinary text input")."""

    type: str


Outcome = (
    ShowsText
    | ShowsError
    | ShowsEntry
    | Only
    | Removed
    | NotAdded
    | Gate
    | MasksInput
    | State
    | OpensOwnPage
    | GoesTo
    | CountIs
    | UrlChanges
    | HidesText
    | Cleared
    | Listed
    | NotListed
    | ItemsAre
    | OthersHidden
    | InRegion
    | Persists
    | SortedBy
    | OnCounter
    | Amounts
    | EveryItemHas
    | EveryItemShows
    | HidesItems
    | ShowsTexts
    | HeadingIs
    | TitleIs
    | Offers
    | HasControls
    | HasType
)


@dataclass(frozen=True)
class Subject:
    """What the requirement talks about when it is not an action: "the Log in button", "the counter"."""

    words: str
    kind: str = ""  # button, link, field, select, checkbox; "" when the words alone must tell
    quoted: str = ""
    qualifier: str = ""  # "of a product": one of several alike


@dataclass(frozen=True)
class Expect:
    """One thing to check, about its subject (None: the page, or what the actions acted on)."""

    outcome: Outcome
    subject: Subject | None = None


Beat = Action | Expect


@dataclass(frozen=True)
class Reading:
    """A requirement as understood: actions and checks in the order they happen; `unread` says why not."""

    beats: tuple[Beat, ...] = ()
    unread: str = ""

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(b for b in self.beats if not isinstance(b, Expect))

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(b.outcome for b in self.beats if isinstance(b, Expect))
