"""Our own API fuzzed by Schemathesis from its OpenAPI document, against the real server: no answer is a 5xx,
and every answer matches the status codes, media types, headers and schemas that document promises.

Requests the fuzzer makes are stored and queued on the server's own database and Redis; no worker consumes
them, so making one is only a quick 202 (or a 4xx for what the service refuses).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.filters import HasAPIOperation

from graph.settings import Settings
from server.main import create_app
from tests.e2e.stack import API_KEY, AUTH, Server

# Per operation: enough to reach every refusal path, little enough to keep the whole file within a minute.
MAX_EXAMPLES = 25
SEED = 20261202

# The document the app serves, built without starting it: pytest parametrizes one test per operation at
# collection, before any fixture (the server among them) exists.
DOCUMENT = create_app(Settings(api_keys=[API_KEY])).openapi()


def fuzzing(**generation: Any) -> schemathesis.Config:
    """Deterministic, bounded runs with our key; `generation` narrows what is generated."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": AUTH,
            "request-timeout": 10,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                **generation,
            },
            "operations": [
                # No worker runs here: "unavailable" is readiness's documented, truthful answer, not a crash.
                {
                    "include-path": "/readyz",
                    "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
                },
                # A schema-valid target can still be refused (422) by the target policy or the one-spec rule,
                # which no JSON Schema says (test_target_refusals.py covers what is refused). And GET on these
                # paths is GET /requests/{request_id} with an id that is no UUID: that route's documented 422,
                # where the undeclared-method check, blind to the overlapping template, wants 405.
                {
                    "include-path-regex": "^/api/v1/requests/(api|ui)$",
                    "checks": {
                        "positive_data_acceptance": {"enabled": False},
                        "unsupported_method": {"enabled": False},
                    },
                },
            ],
        }
    )


def names_no_stored_request(context: HasAPIOperation) -> bool:
    """Not about one request, or its event stream: with no worker the request never ends, nor would that."""
    path = context.operation.path
    return "{request_id}" not in path or path.endswith("/events")


every_operation = schemathesis.openapi.from_dict(DOCUMENT, config=fuzzing())
# Valid inputs only: the id is replaced by a stored request's, which would make a negative case valid.
about_a_stored_request = schemathesis.openapi.from_dict(DOCUMENT, config=fuzzing(mode="positive")).exclude(
    names_no_stored_request
)


@pytest.fixture(scope="module")
def stored_request_id(server: Server) -> str:
    """A pending request (nothing consumes the queue, so it stays pending)."""
    with server.client() as client:
        answer = client.post("/api/v1/requests/ui", headers=AUTH, json={"url": "http://127.0.0.1:9/login"})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def test_the_fuzzed_document_is_the_served_one(client: httpx.Client) -> None:
    assert client.get("/openapi.json").json() == DOCUMENT


@every_operation.parametrize()
def test_no_server_error_and_every_answer_as_documented(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url)


@about_a_stored_request.parametrize()
def test_answers_about_a_stored_request_as_documented(
    case: schemathesis.Case, server: Server, stored_request_id: str
) -> None:
    case.path_parameters = {**(case.path_parameters or {}), "request_id": stored_request_id}
    case.call_and_validate(base_url=server.url)
