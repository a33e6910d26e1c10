"""The HTTP server the sample targets (and the benchmark's synthetic API) run on, on a loopback port."""

from __future__ import annotations

import socketserver
from http.server import ThreadingHTTPServer


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading server that binds fast and shuts down without waiting for idle keep-alive clients."""

    daemon_threads = True
    block_on_close = False  # clients may keep connections open; shutdown must not wait for them

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the FQDN, which can stall for seconds without DNS; it is not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
