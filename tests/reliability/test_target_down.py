"""The target going down mid-validation: the request ends (never hangs) within a bound, with an error that
names the target it could no longer reach."""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from urllib.parse import urlsplit

from graph.settings import Settings
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import RequestStatus
from storage.repository import get_request
from tests.e2e.stack import AUTH, Server, Workers, collect, is_end, sse
from tests.reliability.outcomes import submit

# From the target's end to the request's: connection refusals are immediate, so this is the pipeline's
# own time to finish (a regeneration attempt included), with room for a busy machine.
END_BOUND_S = 60.0


def test_the_target_going_down_mid_validation_ends_the_request_with_an_error_naming_it(
    fault_stack: Workers, fault_server: Server, fault_settings: Settings
) -> None:
    with ExitStack() as target_up, fault_server.client(headers=AUTH) as client:
        base_url = target_up.enter_context(sample.serve(sample.Variant.SLOW_BUT_FINE))
        request_id = submit(client, base_url)
        stream = sse(client, f"/api/v1/requests/{request_id}/events")
        collect(stream, until=lambda e: e.event == "updates" and e.data["node"] == "validation")
        target_up.close()
        down_at = time.monotonic()
        rest = collect(stream, until=is_end, deadline_s=END_BOUND_S)
        took_s = time.monotonic() - down_at
        stream.close()

    end = rest[-1].data
    with session_scope(fault_settings.sqlalchemy_url) as session:
        request = get_request(session, uuid.UUID(request_id))
    assert request is not None and request.status is RequestStatus.FAILED, request
    assert end["status"] == "failed" and took_s < END_BOUND_S
    assert urlsplit(base_url).netloc in end["error"] and end["error"] == request.error_message, end
