"""Turns plain-language requirements into test scenarios, offline and deterministically.

The reading is a pipeline in `generators.api.reading`: split into claims → ground in the spec → frame → emit.
A requirement is covered only when every one of its claims is; otherwise it is `Uncovered`, naming the claim
and the part not understood.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pydantic import BaseModel

from generators.api.planner import UNKNOWN_UUID, Planner
from generators.api.reading.emit import emit
from generators.api.reading.frames import frame_claim
from generators.api.reading.lexicon import Lexicon, singular
from generators.api.reading.login import login_scenarios
from generators.api.reading.model import Gap, Reading
from generators.api.reading.ownership import is_ownership, ownership_scenarios
from generators.api.reading.roles import is_role_restriction, role_scenarios
from generators.api.reading.split import Claim, split_requirement
from generators.api.reading.validation import is_universal_validation, validation_reading
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import Requirement
from vocabulary.claims import Scenario

__all__ = ["UNKNOWN_UUID", "NO_CLAIM", "Uncovered", "plan_requirement"]

# Anything that could be a claim: without one, a requirement is uncovered whatever it talks about.
_SIGNAL = re.compile(
    r"\d|['\"`]|not\s+found|unauthori|forbidden|conflict|cannot|can't|reject|refuse|invalid|default|exist|only"
    r"|order|sort|first|header|integer|number|string|boolean|equal|same\s+as|match|mine\b|belongs?\s+to",
    re.IGNORECASE,
)
_STATUS_CODE = re.compile(r"\b[1-5]\d\d\b")
NO_CLAIM = "no checkable statement (status, field value, count, limit or rule) found"


class Uncovered(BaseModel):
    """A requirement no test could be planned for, and why."""

    requirement_id: str
    reason: str


def plan_requirement(requirement: Requirement, api: ApiModel) -> list[Scenario] | Uncovered:
    """The scenarios that check every claim of one requirement, or why one of them cannot be checked."""
    rid = requirement.requirement_id
    lexicon, planner = Lexicon(api), Planner(api)
    claims = _outcomes_folded(split_requirement(rid, requirement.text), lexicon)
    if not claims:
        return Uncovered(requirement_id=rid, reason=NO_CLAIM)
    scenarios: list[Scenario] = []
    previous: Reading | None = None
    for claim in claims:
        login = login_scenarios(claim, lexicon, planner)
        if login is not None:
            scenarios += login
            continue
        if _about_identities(claim, lexicon):
            frame = ownership_scenarios if is_ownership(claim.text, lexicon) else role_scenarios
            identities = frame(claim, lexicon, planner)
            if isinstance(identities, Gap):
                return Uncovered(requirement_id=rid, reason=_reason(claim, identities, len(claims)))
            scenarios += identities
            continue
        if is_universal_validation(claim.text):
            reading: Reading | Gap = validation_reading(claim, lexicon)
        else:
            reading = frame_claim(claim, lexicon, previous)
        if isinstance(reading, Reading) and reading.heading:
            previous = reading  # a heading names the call the next claims are about
            continue
        built = emit(reading, lexicon, planner) if isinstance(reading, Reading) else reading
        if isinstance(built, Gap):
            return Uncovered(requirement_id=rid, reason=_reason(claim, built, len(claims)))
        assert isinstance(reading, Reading)
        scenarios += built
        previous = reading
    from generators.api.accounts import account_aware  # it builds on the planner and the suite's settings

    return account_aware(planner, scenarios) or Uncovered(requirement_id=rid, reason=NO_CLAIM)


def _outcomes_folded(claims: list[Claim], lexicon: Lexicon) -> list[Claim]:
    """ "Others cannot delete it; the API answers 403": a status after an identity claim, naming nothing new,
    is that claim's."""
    folded: list[Claim] = []
    for claim in claims:
        previous = folded[-1] if folded else None
        if previous and _about_identities(previous, lexicon) and _only_a_status(claim, previous, lexicon):
            folded[-1] = replace(previous, text=f"{previous.text}; {claim.text}")
        else:
            folded.append(claim)
    return folded


def _about_identities(claim: Claim, lexicon: Lexicon) -> bool:
    return is_ownership(claim.text, lexicon) or is_role_restriction(claim.text)


def _only_a_status(claim: Claim, previous: Claim, lexicon: Lexicon) -> bool:
    """Whether a claim states a status and names nothing of the spec the previous claim did not."""

    def nouns(text: str) -> set[tuple[str, ...]]:
        keys = [singular(word.lower()) for word in re.findall(r"[A-Za-z]+", text)]
        return {found[0] for i in range(len(keys)) if (found := lexicon.noun_at(keys, i))}

    stated = bool(_STATUS_CODE.search(claim.text))
    return stated and nouns(claim.text) <= nouns(previous.text) and not _about_identities(claim, lexicon)


def _reason(claim: Claim, gap: Gap, count: int) -> str:
    """Why the requirement is uncovered, naming the claim when it has several."""
    if count == 1:
        return gap.reason if _SIGNAL.search(claim.text) else NO_CLAIM
    quoted = claim.outcome or claim.text
    quoted = quoted if len(quoted) <= 80 else quoted[:79] + "…"
    return f"claim {claim.index + 1} of {count} ('{quoted}'): {gap.reason}"
