"""The universal validation frame: "if a request fails any validation, expect a 422 and errors like {…}".

Every operation whose JSON body has a required field is called without it (the deepest first one, so an
envelope such as {"user": {…}} stays); the answer must be the stated refusal, carrying the top-level keys of
the format the text shows. The example's values are illustrations, so only its keys are checked.
"""

from __future__ import annotations

import re
from typing import Any

from generators.api.reading.lexicon import Lexicon, request_schema
from generators.api.reading.model import Call, Gap, Outcome, Reading
from generators.api.reading.split import Claim
from generators.api.reading.tokens import tokenize
from vocabulary.claims import FieldCheck

_FAILS = re.compile(
    r"\b(?:fails?|failing|failed|violates?|breaks?)\s+(?:any|a|the|its|their)?\s*validations?\b"
    r"|\bvalidation\s+(?:errors?|fails?|failures?)\b|\binvalid\s+(?:requests?|input|bod(?:y|ies)|payloads?)\b",
    re.IGNORECASE,
)
_UNIVERSAL = re.compile(
    r"\b(?:any|every|all|a)\s+(?:request|call|endpoint|operation|input|payload|validation)s?\b", re.IGNORECASE
)
_STATUS = re.compile(r"\b(4\d\d)\b")


def is_universal_validation(text: str) -> bool:
    """Whether a claim is about every request that fails validation, naming no call of its own."""
    written = any(t.kind == "call" for t in tokenize(text))
    return bool(_FAILS.search(text) and _UNIVERSAL.search(text)) and not written


def validation_reading(claim: Claim, lexicon: Lexicon) -> Reading | Gap:
    """One call per operation with a required body field, each sent without it and expected refused."""
    calls = [
        Call(operation=operation, omit=[pointer], phrases=[f"without {pointer.strip('/')}"])
        for operation in lexicon.api.operations
        if not operation.deprecated and (pointer := _first_required(request_schema(operation)))
    ]
    if not calls:
        return Gap("no operation of the spec has a required body field to leave out")
    statuses = sorted({int(s) for s in _STATUS.findall(claim.text)})
    shown = next((t.value for t in tokenize(claim.text) if t.kind == "json"), None)
    checks = [
        FieldCheck(pointer=f"/{key}", op="exists", source=claim.requirement_id)
        for key in (shown if isinstance(shown, dict) else {})
    ]
    outcome = Outcome(statuses=statuses, status_class=None if statuses else "4xx", checks=checks)
    return Reading(claim, calls[0], outcome, alternatives=calls[1:])


def _first_required(schema: Any, prefix: str = "") -> str | None:
    """The pointer of the first required field, descending into a required object that requires fields."""
    if not isinstance(schema, dict) or not schema.get("required"):
        return None
    name = schema["required"][0]
    inner = (schema.get("properties") or {}).get(name)
    return _first_required(inner, f"{prefix}/{name}") or f"{prefix}/{name}"
