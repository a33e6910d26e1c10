"""The loopback servers of the target-policy tests: the allowed target at 127.0.0.1 and, at 127.0.0.2
(loopback too, never allowed), the inner address no request may reach. Each test module answers with its
own handler; both servers note every request they were asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from samples.loopback import LoopbackHTTPServer, running


@dataclass
class Hits:
    """What a test server was asked: (path, Host header) per request."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


class PolicyHandler(BaseHTTPRequestHandler):
    """The base of a test module's handler: notes each request, answers with a sized body, stays quiet."""

    def noted(self) -> str:
        """Note this request in the server's hits; the inner server's URL, where outer answers aim."""
        server: Any = self.server
        server.hits.seen.append((self.path, self.headers.get("Host", "")))
        return server.inner_url

    def answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _server(handler: type[PolicyHandler], host: str, hits: Hits, inner_url: str = "") -> LoopbackHTTPServer:
    server = LoopbackHTTPServer((host, 0), handler)
    server.hits = hits  # type: ignore[attr-defined]
    server.inner_url = inner_url  # type: ignore[attr-defined]
    return server


def inner_and_outer(handler: type[PolicyHandler]) -> tuple[Callable[..., object], Callable[..., object]]:
    """The module-scoped `inner` and `outer` fixtures, both served by `handler`: assign them to those names
    in a test module (`inner, outer = inner_and_outer(_Handler)`)."""

    @pytest.fixture(scope="module", name="inner")
    def inner_server() -> Iterator[tuple[str, Hits]]:
        """A server at 127.0.0.2: an inner address no request under the service policy may reach."""
        hits = Hits()
        with running(_server(handler, "127.0.0.2", hits), name="inner") as url:
            yield url, hits

    @pytest.fixture(scope="module", name="outer")
    def outer_server(inner: tuple[str, Hits]) -> Iterator[tuple[str, Hits]]:
        """The allowed target at 127.0.0.1, whose answers may aim at `inner`."""
        hits = Hits()
        with running(_server(handler, "127.0.0.1", hits, inner_url=inner[0]), name="outer") as url:
            yield url, hits

    return inner_server, outer_server
