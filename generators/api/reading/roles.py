"""The role frame: what only a privileged identity may do, refused to a plain one.

"Only admins may list users; a regular user gets 403": the suite's second identity (a user it signs up through
the public sign-up, unless TESTOPS_API_USERNAME_2 names one) makes the call and is refused. Who holds the role
is not checked: the configured identity may or may not be privileged.
"""

from __future__ import annotations

import re

from generators.api.planner import Planner
from generators.api.reading.calls import find_calls
from generators.api.reading.emit import scenario_of
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.model import Gap
from generators.api.reading.split import Claim
from generators.api.reading.view import ClaimView
from vocabulary.claims import Expectation, Scenario, Step

_ROLE = r"(?:admins?|administrators?|superusers?|super[\s-]users?|staff|moderators?|privileged\s+users?)"
# "only admins may …", "restricted to superusers", "admin-only".
_ONLY_ROLE = re.compile(
    rf"\bonly\s+(?:the\s+|an?\s+)?{_ROLE}\b|\b(?:restricted|limited|reserved)\s+to\s+(?:the\s+)?{_ROLE}\b"
    rf"|\b{_ROLE}[\s-]only\b",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b(4\d\d)\b")


def is_role_restriction(text: str) -> bool:
    """Whether a claim says a call is for a privileged role only."""
    return bool(_ONLY_ROLE.search(text))


def role_scenarios(claim: Claim, lexicon: Lexicon, planner: Planner) -> list[Scenario] | Gap:
    """The call made by the plain second identity, refused with the stated (else documented) status."""
    view = ClaimView(claim, lexicon)
    calls = find_calls(view, lexicon, None)
    if isinstance(calls, Gap):
        return calls
    operation = calls[0].operation
    if not operation.security:
        return Gap(
            f"{operation.method.upper()} {operation.path} needs no credentials, so no role can be refused"
        )
    if operation.path_parameters:
        return Gap(
            f"{operation.method.upper()} {operation.path} acts on one item, which the role frame cannot make"
        )
    statuses = sorted({int(s) for s in _STATUS.findall(claim.text)})
    documented = [s for s in (403, 401) if operation.response(str(s))]
    expect = Expectation(
        statuses=statuses or documented[:1], status_class=None if statuses or documented else "4xx"
    )
    step = Step(
        operation_id=operation.operation_id,
        title=f"{operation.method.upper()} {operation.path} as a user without the role",
        query=planner.required_query(operation),
        headers=planner.required_headers(operation),
        body=planner.body_for(operation) if operation.request_body else None,
        auth="second",
        expect=expect,
    )
    return [scenario_of(claim, operation, step, [step], [], "refused_without_role", critical=True)]
