"""A target for the runner tests: it counts each test's visits and notes the pid each visit came from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from samples.loopback import Reply, serving


@dataclass
class Visits:
    """Visits by test name: a GET of `/?NAME=PID` notes PID and answers the visit's number, from 1."""

    pids: dict[str, list[str]] = field(default_factory=dict)

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        name, _, pid = query.partition("=")
        self.pids.setdefault(name, []).append(pid)
        return Reply(200, {"visit": len(self.pids[name])})


@pytest.fixture
def visits() -> Iterator[tuple[Visits, str]]:
    """The target, served on a loopback port, and its URL; assign it to a test module's `visits`."""
    target = Visits()
    with serving(target) as url:
        yield target, url
