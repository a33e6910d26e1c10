"""The sign-in frame: a claim about the spec's login call, checked with an account the test makes first.

"Logging in with the right password gives a token", "a wrong password is refused with 400", "an unknown
e-mail cannot log in": the login oracles of `accounts` (sign up, then log in), tied to the claim, with the
statuses it names. Made-up credentials would be refused whatever the text says, so no other frame fits.
"""

from __future__ import annotations

from dataclasses import replace

from generators.api.planner import Planner, authenticates
from generators.api.reading.calls import account_action
from generators.api.reading.lexicon import REFUSAL, Lexicon
from generators.api.reading.split import Claim
from generators.api.reading.view import ClaimView
from vocabulary.claims import Scenario

# Who is unknown to the service: the claim is about a user nobody signed up, not a wrong password.
_UNKNOWN_ACCOUNT = frozenset({"unknown", "unregistered", "nonexistent", "inexistent", "nobody", "missing"})
_WRONG = frozenset({"wrong", "incorrect", "bad", "mistyped", "invalid"})
# "Turned away" says a refusal with "turned"; "straight away" says none.
_REFUSED = (REFUSAL | _WRONG) - {"away"}


def login_scenarios(claim: Claim, lexicon: Lexicon, planner: Planner) -> list[Scenario] | None:
    """The login oracle the claim states, or None when the claim is not about the login call."""
    from generators.api.accounts import login_oracles  # it builds on the planner and the suite's settings

    view = ClaimView(claim, lexicon)
    operation = account_action(view, lexicon)
    if operation is not None and not authenticates(lexicon.api, operation):
        if view.has(_REFUSED) or any(t.kind == "number" for t in view.tokens):
            return None  # the claim says what the sign-up itself answers
        # "Sign up …, so that I can log in with the same e-mail": the sign-up is the login's first step.
        whole = ClaimView(replace(claim, text=claim.source), lexicon) if claim.source else view
        signs_in = account_action(whole, lexicon, after=operation)
        if signs_in is None or not authenticates(lexicon.api, signs_in):
            return None
        operation, view = signs_in, whole
    if operation is None:
        return None
    statuses = [t.value for t in view.tokens if t.kind == "number" and 100 <= t.value <= 599]
    refused = view.has(_REFUSED) or any(400 <= s < 500 for s in statuses)
    wanted = (
        "refuses_an_unknown_user"
        if refused and view.has(_UNKNOWN_ACCOUNT)
        else "refuses_a_wrong_password"
        if refused
        else "answers_a_token"
    )
    oracle = login_oracles(planner, operation).get(wanted)
    if oracle is None:
        return None
    stated = [s for s in statuses if (400 <= s < 500) == refused]
    steps = list(oracle.steps)
    if stated:
        last = steps[-1]
        documented = last.expect.schema_of if any(operation.response(str(s)) for s in stated) else None
        expect = last.expect.model_copy(
            update={"statuses": stated, "status_class": None, "schema_of": documented}
        )
        steps[-1] = last.model_copy(update={"expect": expect})
    rid = claim.requirement_id
    return [
        oracle.model_copy(
            update={
                "name": f"test_{rid.lower()}_{claim.index + 1}_login_{wanted}",
                "title": (claim.source or claim.text)[:300],
                "story": f"{rid}: {claim.text[:59]}",
                "category": "requirement",
                "requirement_ids": [rid],
                "steps": steps,
            }
        )
    ]
