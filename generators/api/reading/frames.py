"""Stage 3: a claim's grounded words matched to a frame — a sequence of steps, then one expectation.

Frames: action → status; action → field values or defaults; a bound tested on both sides of its edge; a filter
checked against items of other values; a count; a state transition; a sequence of calls on one item; auth with
the credentials the text names. What the reader cannot place is a `Gap` naming the part not understood.
"""

from __future__ import annotations

import re

from generators.api.reading.calls import find_calls, prior_calls
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.model import Gap, Outcome, Reading
from generators.api.reading.outcome import read_outcome
from generators.api.reading.scene import REPEAT_WORDS, allowed_values, read_scene, required_fields
from generators.api.reading.split import Claim
from generators.api.reading.view import ClaimView, boundary_of, refers_back

_NOTHING_MORE = re.compile(
    r"(?:no|none)\s+(?:additional|other|extra|further)?\s*(?:parameters?|fields?|body|input)\s+(?:is\s+|are\s+)?"
    r"(?:required|needed)",
    re.IGNORECASE,
)


def frame_claim(claim: Claim, lexicon: Lexicon, previous: Reading | None = None) -> Reading | Gap:
    """Read one claim into a frame, or say which part could not be read."""
    view = ClaimView(claim, lexicon)
    calls = find_calls(view, lexicon, previous)
    if isinstance(calls, Gap):
        return calls
    action, alternatives, prior = calls
    inherited = previous is not None and action is previous.action
    if inherited:
        assert previous is not None
        action = previous.action.copy()
        action.auth, action.headers = "valid", {}  # credentials are what this claim says, not the last one
        prior = list(previous.prior)
    if view.boundary is None:
        view.boundary = boundary_of(view)
    reading = Reading(claim, action, Outcome(), alternatives=alternatives, prior=prior)
    if inherited and previous is not None:
        reading.state = dict(previous.state)
        reading.stored = previous.stored
        if _own_inputs(view):
            action.body, action.sent, action.omit, action.exact_body = {}, [], [], False
        else:
            view.boundary = 0
    if not prior:
        reading.prior = prior_calls(view, lexicon, action)
    repeat_words = REPEAT_WORDS - {"again"} if reading.prior else REPEAT_WORDS
    reading.repeat = view.has(repeat_words) and not action.unknown
    read_scene(view, lexicon, reading)
    allowed_values(view, lexicon, reading)
    required_fields(view, lexicon, reading)
    read_outcome(view, lexicon, reading)
    _credentials_required(view, reading)
    if _names_only_a_call(view, reading):
        reading.heading = True
        return reading
    same_scene = previous is not None and (
        inherited or claim.gherkin and previous.claim.action == claim.action
    )
    own_checks = reading.outcome.checks or reading.outcome.after_checks
    if (
        same_scene
        and previous is not None
        and own_checks
        and not reading.outcome.statuses
        and not reading.outcome.status_class
    ):
        reading.outcome.statuses = list(previous.outcome.statuses)
        reading.outcome.status_class = previous.outcome.status_class
    if previous is not None and refers_back(view) and previous.action.operation.path == action.operation.path:
        reading.state = {**previous.state, **reading.state}
        if action.unknown is False and previous.action.operation.method == "delete" and reading.repeat:
            reading.prior = [(previous.action.operation, previous.outcome.statuses)]
            reading.repeat = False
    return _checked(view, reading)


def _credentials_required(view: ClaimView, reading: Reading) -> None:
    """ "Authentication required": alone or beside a refusal, the call goes without credentials, refused;
    beside a success, that success is checked with them and the anonymous refusal in a scenario of its own."""
    outcome = reading.outcome
    if not reading.refused_anonymously or reading.cases:
        return
    if not outcome.found and view.markers:
        return  # it also says what comes back, and that was not read: the claim stays unread
    if outcome.refused or not outcome.found:
        reading.refused_anonymously = False
        for call in [reading.action, *reading.alternatives]:
            call.auth = "none"
        if not outcome.found:
            outcome.status_class = "4xx"


def _names_only_a_call(view: ClaimView, reading: Reading) -> bool:
    """ "Registration: POST /users" or "No additional parameters required": context, nothing to check."""
    if reading.outcome.found or reading.cases or reading.refused_anonymously:
        return False
    calls = [i for i, t in enumerate(view.tokens) if t.kind == "call"]
    titled = bool(calls) and all(t.kind == "word" or t.text == ":" for t in view.tokens[: calls[0]])
    if titled and calls[-1] == len(view.tokens) - 1:
        return True
    return bool(_NOTHING_MORE.fullmatch(view.claim.text.strip()))


def _own_inputs(view: ClaimView) -> bool:
    """Whether a claim that continues the previous one sends values of its own (a body or a `name: value`)."""
    pair = re.compile(r"\s*(?:\{.*\}|\"?[\w.-]{1,80}\"?\s*[:=].+)\s*")
    return any(
        t.kind == "json" or t.kind == "code" and pair.fullmatch(str(t.value))
        for t in view.tokens[: boundary_of(view)]
    )


def _checked(view: ClaimView, reading: Reading) -> Reading | Gap:
    """A reading with an expectation the text explains, or a gap that says what is missing."""
    outcome = reading.outcome
    if reading.unreadable:
        return Gap(reading.unreadable[0])
    if reading.cases:
        return reading
    if not outcome.found:
        leftover = reading.notes[0] if reading.notes else "no status, value, count or rule"
        return Gap(f"no checkable outcome: {leftover}")
    action = reading.action
    caused = (
        action.auth != "valid"
        or action.unknown
        or action.body
        or action.omit
        or action.query
        or reading.repeat
        or reading.state
        or reading.prior
        or action.only_named
        or action.exact_body
        or action.path
    )
    if action.auth != "valid" and not action.operation.security and outcome.refused:
        return Gap(
            f"{action.operation.method.upper()} {action.operation.path} needs no credentials, so leaving "
            "them out or sending wrong ones cannot be what is refused"
        )
    if outcome.refused and not caused:
        return Gap(
            f"expects a refusal but names no input of {action.operation.method.upper()} "
            f"{action.operation.path} that causes it"
        )
    if outcome.checks and not outcome.statuses and not outcome.status_class and not outcome.refused:
        outcome.status_class = "2xx"
    return reading
