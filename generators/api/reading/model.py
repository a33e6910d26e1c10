"""The frames a claim is read into: the call(s), the scene before them and the expected outcome, or a gap."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from generators.api.reading.split import Claim
from vocabulary.api_model import Operation
from vocabulary.claims import FieldCheck

Auth = Literal["valid", "none", "wrong"]
NO_OPERATION = "no operation of the spec matches"
# "at most 1000 items" must not become a thousand-step test; longer counts are left uncovered.
MAX_SEEDS = 30


@dataclass
class Call:
    """One HTTP call a claim describes, with the values the text gives for it."""

    operation: Operation
    body: dict[str, Any] = field(default_factory=dict)
    omit: list[str] = field(default_factory=list)
    only_named: bool = False
    query: dict[str, Any] = field(default_factory=dict)
    path: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    auth: Auth = "valid"
    unknown: bool = False
    phrases: list[str] = field(default_factory=list)
    sent: list[tuple[int, str, Any]] = field(default_factory=list)  # (token position, name, value) as written
    exact_body: bool = False  # the text gives the whole body ("PATCH with `{}`")

    def copy(self) -> Call:
        """A copy whose values can change without touching this call; the operation is shared."""
        mutable = ("body", "omit", "query", "path", "headers", "phrases", "sent")
        return replace(self, **{name: copy.deepcopy(getattr(self, name)) for name in mutable})


@dataclass
class Outcome:
    """What the answer must be: statuses (or a class), checks on its body, checks on a later read."""

    statuses: list[int] = field(default_factory=list)
    status_class: Literal["2xx", "4xx"] | None = None
    checks: list[FieldCheck] = field(default_factory=list)
    after_checks: list[FieldCheck] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # name -> start of the value ("" only present)
    # Read every page of the list: item checks apply to all items seen, the declared total must equal them.
    walk: bool = False

    @property
    def found(self) -> bool:
        """Whether the claim says anything checkable about the answer."""
        return bool(self.statuses or self.status_class or self.checks or self.after_checks or self.headers)

    @property
    def refused(self) -> bool:
        """Whether the answer must be a client error."""
        return self.status_class == "4xx" or any(400 <= s < 500 for s in self.statuses)


@dataclass
class Case:
    """One variant of the checked call — a side of a bound, an allowed value, a required field left out — and
    whether the text says it is accepted."""

    name: str
    value: Any
    accepted: bool
    field: str = ""  # the field this case varies, when not the reading's bound field
    omit: bool = False  # the case leaves the field out instead of sending `value`


@dataclass
class Reading:
    """A claim in a frame: steps that set the scene, the checked call(s), what the answer must be."""

    claim: Claim
    action: Call
    outcome: Outcome
    alternatives: list[Call] = field(default_factory=list)  # the same expectation on each of these calls
    state: dict[str, Any] = field(default_factory=dict)  # values the target is brought to first
    prior: list[tuple[Operation, list[int]]] = field(default_factory=list)  # earlier calls on the same item
    repeat: bool = False
    seeds: list[dict[str, Any]] = field(default_factory=list)  # bodies of items created first
    # Values an extra seeded item must differ in, so that a filter check can fail.
    contrast: dict[str, Any] = field(default_factory=dict)
    bound_field: str = ""
    cases: list[Case] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # "Authentication required" beside a success: the same call without credentials is refused too.
    refused_anonymously: bool = False
    heading: bool = False  # only names the call ("Registration: POST /users"): context for the next claims
    # Parts of the outcome the reader recognised but cannot check: they make the claim uncovered.
    unreadable: list[str] = field(default_factory=list)
    stored: int | None = None  # how many items the scene says the list holds ("with eight tasks stored")
    # Body fields the call must set to a value other than the item's ("when the title is changed").
    changed: list[str] = field(default_factory=list)
    # Where the checked answer gives the item's key when the change gives it a new one: it is read by that.
    new_key: str = ""
    # The current-user call ("GET /users/me") read first when a check compares with the caller's own id.
    caller: Operation | None = None


@dataclass(frozen=True)
class Gap:
    """The part of a claim the reader could not place."""

    reason: str
