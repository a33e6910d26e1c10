"""The HTTP server the sample targets (and the benchmark's synthetic API) run on, on a loopback port."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading server that binds fast and shuts down without waiting for idle keep-alive clients."""

    daemon_threads = True
    block_on_close = False  # clients may keep connections open; shutdown must not wait for them

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the FQDN, which can stall for seconds without DNS; it is not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class JsonReply(Protocol):
    """What a sample service's `handle` returns."""

    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass
class Reply:
    """A JSON reply: what the small services that tests start return from `handle`."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


def json_object(body: bytes) -> dict[str, Any]:
    """A request body read as a JSON object; anything else (empty, malformed, a list) is an empty one."""
    try:
        value = json.loads(body or b"null")
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}


class JsonService(Protocol):
    """A sample service: plain method, path, query, credentials and body in; a JSON reply out."""

    def handle(
        self, method: str, path: str, query: str, authorization: str | None, body: bytes
    ) -> JsonReply: ...


class JsonServiceHandler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `server.service.handle` calls and writes the JSON replies."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections must not pin a thread forever
    # Send each response as one segment: with Nagle on, the body waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    wbufsize = -1

    def _dispatch(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        service: JsonService = self.server.api  # type: ignore[attr-defined]
        reply = service.handle(self.command, url.path, url.query, self.headers.get("Authorization"), body)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def __getattr__(self, name: str) -> Any:
        """Route any other method (TRACE, QUERY, ...) too, so a known path answers 405 rather than 501."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        # Always drain the body, even for requests that fail routing, so keep-alive stays in sync.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: test and benchmark runs send thousands of requests."""


def reversed_keys(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order: a harmless variant's reply."""
    if isinstance(value, dict):
        return {key: reversed_keys(item) for key, item in reversed(value.items())}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


@contextmanager
def running(server: LoopbackHTTPServer, *, name: str, path: str = "") -> Iterator[str]:
    """Serve from a daemon thread and yield the base URL (`path` appended); shut down on exit."""
    # shutdown() waits out one poll interval; keep it short, since benchmarks start a server per variant.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=name, daemon=True
    )
    thread.start()
    try:
        yield f"http://{server.server_name}:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietFiles(SimpleHTTPRequestHandler):
    """Static files, without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving_folder(directory: Path) -> Iterator[str]:
    """The files of `directory` on a loopback port; yields the base URL."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(directory)))
    with running(server, name=f"files {directory.name}") as url:
        yield url


def serve_until_interrupted(server: LoopbackHTTPServer, *, title: str, path: str = "") -> None:
    """Serve in the foreground until Ctrl-C, after printing the base URL and `title` on one line."""
    # The first line is machine-readable on purpose: scripts started with --port 0 read the URL from it.
    print(f"http://{server.server_name}:{server.server_port}{path} {title}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serving(
    service: JsonService, *, name: str = "json-service", path: str = ""
) -> AbstractContextManager[str]:
    """A JSON service on a free loopback port, from a daemon thread: `running` for a bare service object."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), JsonServiceHandler)
    server.api = service  # type: ignore[attr-defined]  # what JsonServiceHandler dispatches to
    return running(server, name=name, path=path)
