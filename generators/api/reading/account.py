"""The account a sign-in names: a public call that judges the credentials in its body (it documents 401)
answers for an existing account only, so the test first makes one through the spec's public sign-up.
"""

from __future__ import annotations

import copy
from typing import Any

from generators.api.data import is_valid
from generators.api.planner import Planner
from generators.api.reading.lexicon import Lexicon, request_schema
from generators.api.reading.model import Gap
from vocabulary.api_model import Operation
from vocabulary.claims import Expectation, Step

Leaves = dict[tuple[str, ...], Any]


def account_steps(
    operation: Operation, sent: Any, planned: Any, succeeds: bool, lexicon: Lexicon, planner: Planner
) -> list[Step] | Gap:
    """The sign-up of the account `sent` signs in with ([] when the call judges no credentials).

    On success the account holds the values sent; on a refusal it holds the planned ones, so only what the
    text changed (a wrong password, a missing field) can be the cause.
    """
    judged = not operation.security and any(r.status == "401" for r in operation.responses)
    if not judged or not isinstance(sent, dict) or operation.method != "post":
        return []
    credentials = _leaves(planned if isinstance(planned, dict) else sent)
    if succeeds:
        credentials.update(_leaves(sent))
    for sign_up in lexicon.api.operations:
        if sign_up.path == operation.path or sign_up.method != "post" or sign_up.security:
            continue
        base = planner.body_for(sign_up)
        if not isinstance(base, dict) or not set(credentials) <= set(_leaves(base)):
            continue
        body = copy.deepcopy(base)
        for path, value in credentials.items():
            _put(body, path, value)
        schema = request_schema(sign_up)
        if schema is not None and not is_valid(schema, body):
            continue
        statuses = [int(s) for s in sign_up.success_statuses]
        return [
            Step(
                operation_id=sign_up.operation_id,
                title=f"Make the account it names via {sign_up.method.upper()} {sign_up.path}",
                body=body,
                auth="none",
                expect=Expectation(statuses=statuses, status_class=None if statuses else "2xx"),
            )
        ]
    names = ", ".join("/".join(path) for path in credentials)
    return Gap(
        f"{operation.method.upper()} {operation.path} answers for an existing account only, and no public "
        f"operation of the spec makes one with {names}"
    )


def _leaves(value: Any, prefix: tuple[str, ...] = ()) -> Leaves:
    """The scalar values of a JSON object by their key path."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {}
    found: Leaves = {}
    for key, inner in value.items():
        found.update(_leaves(inner, (*prefix, key)))
    return found


def _put(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
