"""Stage 1: a requirement becomes atomic claims, each traced to its requirement.

Prose splits at sentence ends and semicolons; a user story keeps only its acceptance criterion; a Gherkin
scenario gives one claim per Then/And outcome, sharing the Given (setup) and When (action) steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.api.reading.lexicon import OUTCOME_MARKERS
from generators.api.reading.tokens import Token, normalized, tokenize

_STEP = re.compile(r"^\s{0,40}(given|when|then|and|but|\*)\b\s{0,10}(.*)$", re.IGNORECASE)
_ACCEPTANCE = re.compile(r"\bacceptance(?:\s{1,3}criteri(?:on|a))?\s{0,3}:", re.IGNORECASE)
_STORY_WANT = re.compile(
    r"^\s{0,10}as\s{1,3}an?\b.{0,300}?\bi\s{1,3}want\s{1,3}(?:to\s{1,3})?", re.IGNORECASE
)
_STORY_REASON = re.compile(r"\bso\s{1,3}that\b", re.IGNORECASE)
# Words that make a clause a claim of its own, so ", and" before it separates two claims.
_CLAIM_WORDS = OUTCOME_MARKERS | {
    "shows",
    "show",
    "contains",
    "includes",
    "holds",
    "carries",
    "lists",
    "appears",
}
_LEADING_JOINER = re.compile(r"^(?:and|also|but|plus)\b[\s,]*", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    """One checkable statement. Prose claims carry only `text`; Gherkin ones split setup, action, outcome."""

    requirement_id: str
    index: int
    text: str
    source: str = ""  # the whole requirement as written
    setup: str = ""
    action: str = ""
    outcome: str = ""

    @property
    def gherkin(self) -> bool:
        """Whether the claim came from Given/When/Then steps."""
        return bool(self.outcome)


def split_requirement(requirement_id: str, text: str) -> list[Claim]:
    """The claims of one requirement, in the order written."""
    text = normalized(text)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and all(_STEP.match(line) for line in lines):
        return _gherkin(requirement_id, lines)
    return [
        Claim(requirement_id, index, sentence, text)
        for index, sentence in enumerate(sentences(_criterion(text)))
    ]


def _criterion(text: str) -> str:
    """A user story's checkable part: after "Acceptance:", else what the user wants."""
    acceptance = _ACCEPTANCE.search(text)
    if acceptance:
        return text[acceptance.end() :]
    want = _STORY_WANT.match(text)
    if want:
        reason = _STORY_REASON.search(text, want.end())
        return text[want.end() : reason.start() if reason else len(text)]
    return text


def sentences(text: str) -> list[str]:
    """Split at ";", at a full stop before a capital, and at ", and" / "and also" between two outcomes.

    Quotes, code and JSON never split: they are single tokens.
    """
    parts: list[str] = []
    start: int | None = None
    tokens = tokenize(text)
    joints = _joints(tokens)
    for position, token in enumerate(tokens):
        if start is None:
            start = token.start
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        ends = (
            position in joints
            or token.kind == "symbol"
            and (
                token.text == ";" or token.text == "." and (following is None or following.text[:1].isupper())
            )
        )
        if ends:
            parts.append(text[start : token.start])
            start = None
    if start is not None:
        parts.append(text[start:])
    cleaned = (_LEADING_JOINER.sub("", part.strip()).strip() for part in parts)
    return [part for part in cleaned if re.search(r"\w", part)]


def _joints(tokens: list[Token]) -> set[int]:
    """Commas before "and" (or "and also") where each side, up to the next stop, holds an outcome word."""
    stops = {";", "."}
    marked = [t.lower in _CLAIM_WORDS for t in tokens]
    # Running counts of outcome words since the last stop, from the left and from the right: one pass each.
    left, right = [0] * len(tokens), [0] * len(tokens)
    count = 0
    for i, token in enumerate(tokens):
        count = 0 if token.text in stops else count + marked[i]
        left[i] = count
    count = 0
    for i in range(len(tokens) - 1, -1, -1):
        count = 0 if tokens[i].text in stops else count + marked[i]
        right[i] = count
    joints = set()
    for i, token in enumerate(tokens[:-1]):
        comma_and = token.text == "," and tokens[i + 1].lower == "and"
        and_also = token.lower == "and" and tokens[i + 1].lower == "also"
        if (comma_and or and_also) and left[i] and right[i + 1]:
            joints.add(i)
    return joints


def _gherkin(requirement_id: str, lines: list[str]) -> list[Claim]:
    """Given/And lines are the setup, When/And the action, each Then/And outcome one claim."""
    setup: list[str] = []
    action: list[str] = []
    outcomes: list[str] = []
    role = "setup"
    for line in lines:
        match = _STEP.match(line)
        assert match is not None
        keyword, body = match.group(1).lower(), match.group(2).strip()
        if keyword in ("given", "when", "then"):
            role = {"given": "setup", "when": "action", "then": "outcome"}[keyword]
        {"setup": setup, "action": action, "outcome": outcomes}[role].append(body)
    context = " ".join([*setup, *action])
    return [
        Claim(
            requirement_id,
            index,
            f"{context} then {outcome}",
            "\n".join(lines),
            " ; ".join(setup),
            " ; ".join(action),
            outcome,
        )
        for index, outcome in enumerate(outcomes)
    ]
