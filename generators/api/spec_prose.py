"""The spec's own operation descriptions, read as claims: checks the spec states in prose, beside its schemas.

Each sentence of an operation's `description` goes through the requirement reader headed by its own operation,
so the call is never guessed. Only sentences read in full into a safe frame become tests — statuses, the
call's own answer values (relative changes, derived fields included) and checks on a later read; everything
else is the spec author's prose and is dropped quietly: it is no user requirement, so it is never uncovered.
"""

from __future__ import annotations

import json
import re

from generators.api.planner import Planner
from generators.api.reading.emit import emit
from generators.api.reading.frames import frame_claim
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.model import Reading
from generators.api.reading.split import split_requirement
from vocabulary.api_model import ApiModel, Operation
from vocabulary.claims import Scenario, Step

__all__ = ["SPEC_SOURCE", "spec_prose_scenarios"]

SPEC_SOURCE = "spec"  # the id the reader traces these claims to; also the checks' source
# Words that make a sentence a possibility or an example, not a promise.
_HEDGE = re.compile(
    r"\b(?:may|might|usually|typically|often|generally|should|could|can|e\.g\.|i\.e\.|for\s+example"
    r"|for\s+instance|such\s+as|like)\b",
    re.IGNORECASE,
)
# "Authentication required/optional" boilerplate: the security block already makes those checks.
_AUTH_CLAUSE = re.compile(
    r"^\s*(?:no\s+)?authentication\s+(?:is\s+)?(?:required|optional|needed)\b[\s,;.]*", re.I
)
_PATH = re.compile(r"(?<![\w`])/[\w{}\-/.]+")
# Comparisons of the call's own answer with a value; presence, type and item checks come from sentences
# that list fields or describe lists, which prose states too loosely to hold a service to.
_SAFE_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
# A condition the frame must have read (a changed field), else the check would hold without it.
_CONDITION = re.compile(r"\b(?:when|whenever|if|unless|once|after|before|until)\b", re.IGNORECASE)
# "unless the body says otherwise", "when omitted": a default, read in full when the call leaves it out.
_DEFAULT_CONDITION = re.compile(
    r"\bunless\b.{0,40}\botherwise\b|\b(?:when|if)\s+(?:it\s+is\s+|they\s+are\s+)?"
    r"(?:omitted|left\s+out|missing|not\s+(?:given|sent|set|provided))\b",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b[1-5]\d\d\b")


def spec_prose_scenarios(api: ApiModel, made: list[Scenario]) -> list[Scenario]:
    """The scenarios the operations' descriptions promise, minus the checks `made` already has."""
    # A planner of its own: what it skips while building these is no check of the suite's plan.
    lexicon, planner = Lexicon(api), Planner(api)
    seen = {_check_key(s) for s in made}
    scenarios: list[Scenario] = []
    for operation in (o for o in api.operations if not o.deprecated):
        for sentence in _sentences(operation, api):
            for scenario in _read(operation, sentence, lexicon, planner):
                key = _check_key(scenario)
                if key not in seen:
                    seen.add(key)
                    scenarios.append(scenario)
    return scenarios


def _sentences(operation: Operation, api: ApiModel) -> list[str]:
    """The description's sentences that could be promises about this operation alone."""
    others = {o.operation_id for o in api.operations if o.operation_id != operation.operation_id}
    kept: list[str] = []
    for claim in split_requirement(SPEC_SOURCE, operation.description):
        sentence = _AUTH_CLAUSE.sub("", claim.text).strip()
        if not sentence or _HEDGE.search(sentence):
            continue
        names_other = any(p != operation.path for p in _PATH.findall(sentence)) or any(
            re.search(rf"\b{re.escape(o)}\b", sentence) for o in others
        )
        if not names_other:
            kept.append(sentence)
    return kept


def _read(operation: Operation, sentence: str, lexicon: Lexicon, planner: Planner) -> list[Scenario]:
    """The sentence's scenarios when it is read in full into a safe frame, else none."""
    heading = f"{operation.method.upper()} {operation.path}: "
    claims = split_requirement(SPEC_SOURCE, heading + sentence)
    previous: Reading | None = None
    built: list[Scenario] = []
    for claim in claims:
        reading = frame_claim(claim, lexicon, previous)
        if not isinstance(reading, Reading):
            return []
        if reading.heading:
            previous = reading
            continue
        if not _safe(reading, operation):
            return []
        reading.refused_anonymously = False  # the security block checks anonymous calls
        emitted = emit(reading, lexicon, planner)
        if not isinstance(emitted, list) or not all(_condition_met(reading, s) for s in emitted):
            return []
        built += emitted
        previous = reading
    return [_labelled(s, operation, sentence) for s in built]


def _safe(reading: Reading, operation: Operation) -> bool:
    """Whether the reading is one of the frames a spec's prose can be trusted with, on this operation only."""
    outcome = reading.outcome
    # Earlier calls the reader puts first (favourite before unfavouring) are its own scene: kept.
    scene_free = not (
        reading.alternatives
        or reading.repeat
        or reading.seeds
        or reading.contrast
        or reading.cases
        or reading.state
        or reading.unreadable
        or reading.stored is not None
        or outcome.walk
        or outcome.headers
    )
    checks = outcome.checks + outcome.after_checks
    stated = bool(checks) or bool(_STATUS.search(reading.claim.text))  # not only the documented success
    condition = _CONDITION.search(_DEFAULT_CONDITION.sub("", reading.claim.text))
    conditioned = condition is not None and not reading.changed
    return (
        scene_free
        and stated
        and not conditioned
        and reading.action.operation.operation_id == operation.operation_id
        and outcome.found
        and all(check.op in _SAFE_COMPARISONS for check in checks)
    )


def _condition_met(reading: Reading, scenario: Scenario) -> bool:
    """A default's condition holds in the test: its checked call sends none of the fields it checks."""
    if not _DEFAULT_CONDITION.search(reading.claim.text):
        return True
    body = scenario.steps[-1].body
    return not any(_sends(body, check.pointer) for check in scenario.steps[-1].expect.fields)


def _sends(body: object, pointer: str) -> bool:
    """Whether the JSON body holds a value at the pointer."""
    for part in pointer.strip("/").split("/"):
        if not isinstance(body, dict) or part not in body:
            return False
        body = body[part]
    return True


def _labelled(scenario: Scenario, operation: Operation, sentence: str) -> Scenario:
    """The scenario marked as the spec's own claim, traced to no requirement."""
    checked = scenario.steps[-1]
    refused = any(400 <= status < 500 for status in checked.expect.statuses)
    category = "not_found" if 404 in checked.expect.statuses else "negative" if refused else "happy_path"
    return scenario.model_copy(
        update={
            "category": category,
            "title": f"spec description of {operation.method.upper()} {operation.path}: {sentence}",
            "story": f"{operation.operation_id} (from the spec's description)",
            "requirement_ids": [],
            "description": f"The spec's description of {operation.operation_id} says: {sentence}",
        }
    )


def _check_key(scenario: Scenario) -> str:
    """The calls the scenario makes and what it asserts of each: the same key is the same check."""
    return json.dumps([_step_key(step) for step in scenario.steps], sort_keys=True, default=str)


def _step_key(step: Step) -> list[object]:
    """One call's operation, identity and expectation, wherever its checks say they come from."""
    expect = step.expect.model_dump(mode="json", exclude={"fields": {"__all__": {"source"}}, "cleanup": True})
    return [step.operation_id, step.auth, expect]
