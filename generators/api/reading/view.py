"""A claim as the frame readers see it: tokens with lowercase keys, where each word occurs, and the small
readers of numbers, comparisons, field names and literal values that every frame uses.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from functools import cache
from typing import Any

from generators.api.reading.lexicon import (
    NUMBER_WORDS,
    OUTCOME_MARKERS,
    STATUS_PHRASES,
    Fields,
    Lexicon,
    intent_of,
    key_of,
    singular,
    typed,
)
from generators.api.reading.split import Claim
from generators.api.reading.tokens import Token, tokenize

_MORE = frozenset(
    "more longer over above exceeds exceed exceeding greater higher larger beyond past +".split()
)
_LESS = frozenset({"fewer", "less", "shorter", "under", "below", "lower", "smaller"})
_AT_MOST = frozenset({"most", "max", "maximum", "≤", "<=", "up", "limited", "capped", "within"})
_AT_LEAST = frozenset({"least", "min", "minimum", "≥", ">="})
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], int]]] = {}
for _phrase, _status in STATUS_PHRASES.items():
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _status))
# Words opening a clause about what happened before the checked call ("after it was removed, …").
PRIOR_CUES = frozenset({"after", "once", "if", "when", "whenever"})


@cache
def _key(word: str) -> str:
    return singular(word.removesuffix("'s"))


class ClaimView:
    """A claim's tokens with per-token lowercase keys, the lexicon it is read against, and where the outcome
    starts; `used` marks the tokens a reader has consumed, so nothing is read twice."""

    def __init__(self, claim: Claim, lexicon: Lexicon) -> None:
        self.claim = claim
        self.lexicon = lexicon
        context = f"{claim.setup} ; {claim.action}" if claim.gherkin else claim.text
        self.tokens = tokenize(context)
        self.boundary: int | None = len(self.tokens) if claim.gherkin else None
        if claim.gherkin:
            self.tokens += tokenize(claim.outcome)
        self.keys = [_key(t.lower) if t.kind == "word" else t.lower for t in self.tokens]
        # Where each written word and key occurs, and the parenthesis depth: range questions in O(log n).
        self.positions: dict[str, list[int]] = {}
        depth, self.depths = 0, []
        for index, token in enumerate(self.tokens):
            self.positions.setdefault(token.lower, []).append(index)
            if self.keys[index] != token.lower:
                self.positions.setdefault(self.keys[index], []).append(index)
            if token.kind == "symbol":
                depth += {"(": 1, ")": -1}.get(token.text, 0)
            self.depths.append(depth)
        self.action_index: int | None = None
        self.markers = [
            i
            for i, t in enumerate(self.tokens)
            if t.lower in OUTCOME_MARKERS and t.kind in ("word", "symbol")
        ]
        self.used: set[int] = set()

    def word(self, index: int) -> str:
        """The key of a token, or "" outside the claim."""
        return self.keys[index] if 0 <= index < len(self.keys) else ""

    def near(self, index: int, vocabulary: frozenset[str], before: int, after: int = 0) -> bool:
        """Whether a word of the vocabulary is written within `before` tokens before or `after` after."""
        low, high = max(0, index - before), min(len(self.tokens), index + after + 1)
        return any(self.tokens[i].lower in vocabulary or self.keys[i] in vocabulary for i in range(low, high))

    def has(self, vocabulary: frozenset[str], start: int = 0, end: int | None = None) -> bool:
        """Whether a word of the vocabulary is written in tokens [start, end)."""
        end = len(self.tokens) if end is None else end
        for word in vocabulary:
            found = self.positions.get(word)
            if found and (at := bisect_left(found, start)) < len(found) and found[at] < end:
                return True
        return False


def in_prior_clause(view: ClaimView) -> list[bool]:
    """Per token: whether it tells what happened before the checked call — "once it has been marked done …",
    "after it was removed, …" (up to a comma or an outcome word), or everything before "then"."""
    inside, flags = False, []
    for token in view.tokens:
        if token.text == "," or token.lower in OUTCOME_MARKERS:
            inside = False
        flags.append(inside)
        inside = inside or token.lower in PRIOR_CUES
    then = next((i for i, t in enumerate(view.tokens) if t.lower == "then"), None)
    if then is not None and not any(view.tokens[i].lower in OUTCOME_MARKERS for i in range(then)):
        flags[:then] = [True] * then
    return flags


def boundary_of(view: ClaimView) -> int:
    """Where the outcome starts: the first outcome word after the first action word, else the first one."""
    if view.boundary is not None:
        return view.boundary
    markers = view.markers
    if view.action_index is not None:
        after = [
            m for m in markers[bisect_right(markers, view.action_index) :] if not in_parentheses(view, m)
        ]
        return after[0] if after else view.action_index + 1
    first_action = next(
        (i for i, t in enumerate(view.tokens) if t.kind in ("call", "path") or intent_of(t.text)), None
    )
    after = markers[bisect_right(markers, first_action) :] if first_action is not None else []
    return (after or markers or [len(view.tokens)])[0]


def in_parentheses(view: ClaimView, index: int) -> bool:
    """Whether the token sits inside parentheses, as asides do ("(DELETE answers 204)")."""
    return index > 0 and view.depths[index - 1] > 0


def refers_back(view: ClaimView) -> bool:
    """Whether the claim points at the previous one ("it", "the same", "as well", "still")."""
    return bool(re.search(r"\b(?:it|same|that|this|then|again|well|still)\b", view.claim.text, re.IGNORECASE))


def json_literal(text: str) -> dict[str, Any] | None:
    """A JSON object written in code, or None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def literal_value(raw: str, schema: dict[str, Any]) -> list[Any]:
    """A written value (quoted, null, true, a number, a word) as the schema's type, if it fits."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return typed(raw[1:-1], schema)
    if raw in ("null", "true", "false"):
        return typed({"null": None, "true": True, "false": False}[raw], schema)
    number = re.fullmatch(r"-?\d+(?:\.\d+)?", raw)
    return typed(float(raw) if "." in raw else int(raw), schema) if number else typed(raw, schema)


def field_at(view: ClaimView, fields: Fields, index: int) -> tuple[str, int] | None:
    """A field name starting at token `index` (code or up to three words), and how many tokens it spans."""
    token = view.tokens[index]
    if token.kind == "code":
        name = fields.by_key.get(key_of(str(token.value)))
        return (name, 1) if name else None
    if token.kind == "quoted" and (name := fields.by_key.get(key_of(str(token.value)))):
        following = view.tokens[index + 1].text if index + 1 < len(view.tokens) else ""
        return (name, 1) if following == ":" else None
    first = fields.first_words
    if (
        token.kind != "word"
        or view.keys[index] not in first
        and (key_of(token.text) or ("",))[0] not in first
    ):
        return None
    for size in (3, 2, 1):
        key = tuple(view.keys[index : index + size])
        if len(key) == size and all(view.tokens[index + k].kind == "word" for k in range(size)):
            written = " ".join(view.tokens[index + k].text for k in range(size))
            name = fields.by_key.get(key) or fields.by_key.get(key_of(written))
            if name:
                return name, size
    return None


def number_at(view: ClaimView, index: int) -> int | float | None:
    """The number at this token, digits or a number word ("five")."""
    token = view.tokens[index]
    if token.kind == "number":
        return token.value  # type: ignore[no-any-return]
    return NUMBER_WORDS.get(token.lower) if token.kind == "word" else None


def comparator_at(view: ClaimView, index: int) -> str:
    """The comparison written just before a number: more, less, most, least, exact, or none."""
    window = {view.tokens[i].lower for i in range(max(0, index - 3), index)}
    following = " ".join(view.word(index + k) for k in range(1, 5))
    if (
        window & _AT_MOST
        or window & {"no", "not", "never"}
        and window & {"more", "longer", "over", "exceed", "exceeds"}
        or "or fewer" in following
        or "or less" in following
    ):
        return "most"
    if window & _AT_LEAST or "or more" in following:
        return "least"
    if window & _MORE or view.word(index + 1) == "+":
        return "more"
    if window & _LESS:
        return "less"
    return "exact"


def noun_follows(view: ClaimView, index: int) -> bool:
    """Whether a resource noun of the spec starts at this token ("3 bookings")."""
    return view.lexicon.noun_at(view.keys, index) is not None


def nearest_field(view: ClaimView, fields: Fields, index: int, kinds: set[str]) -> str | None:
    """The field of the given types written closest to this token, before it preferred."""
    best: tuple[int, str] | None = None
    for position in range(max(0, index - 10), min(len(view.tokens), index + 5)):
        found = field_at(view, fields, position)
        if found and (not kinds or kinds & kinds_of(fields.schemas[found[0]])):
            distance = abs(position - index) + (2 if position > index else 0)
            best = min(best, (distance, found[0])) if best else (distance, found[0])
    return best[1] if best else None


def kinds_of(schema: dict[str, Any]) -> set[str]:
    """A schema's JSON types; an enum without a type counts as a string."""
    kind = schema.get("type")
    return (
        set(kind)
        if isinstance(kind, list)
        else {kind}
        if kind
        else {"string"}
        if schema.get("enum")
        else set()
    )


def value_after(view: ClaimView, index: int, end: int) -> int | None:
    """The value token right after a field name, past "=", ":", "of", "set to", "is"."""
    links = {"=", ":", "of", "set", "to", "is", "equal", "equals", "as", "at", "value", "has", "been", "was"}
    while index < end and view.word(index) in links:
        index += 1
    if index >= end or index in view.used:
        return None
    token = view.tokens[index]
    if token.kind in ("number", "quoted", "code") or token.lower in ("true", "false", "null"):
        return index
    return index if token.kind == "word" and view.word(index - 1) in ("=", ":") else None


def value_of(token: Token, schema: dict[str, Any]) -> list[Any]:
    """A value token read as the schema's type: quoted and code text, numbers, enum words."""
    if token.kind == "number":
        return typed(token.value, schema)
    if token.kind in ("quoted", "code"):
        return (
            literal_value(f'"{token.value}"', schema)
            if "string" in kinds_of(schema)
            else literal_value(str(token.value), schema)
        )
    enum = [m for m in schema.get("enum") or [] if isinstance(m, str)]
    if token.lower in ("true", "false", "null") or enum:
        return literal_value(token.text, schema)
    return []


def status_phrase_at(view: ClaimView, index: int) -> int | None:
    """A reason phrase of two words or more ("Not Found"): one word alone ("Accepted fields") is prose."""
    if index >= len(view.tokens):
        return None
    for phrase, status in _PHRASES_BY_FIRST.get(view.tokens[index].lower, []):
        written = view.tokens[index : index + len(phrase)]
        if tuple(t.lower for t in written) == phrase and len(phrase) > 1:
            return status
    return None
