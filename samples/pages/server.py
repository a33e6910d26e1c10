"""Serve the sample pages from a stdlib ThreadingHTTPServer on a background thread."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from samples.loopback import LoopbackHTTPServer
from samples.pages import diagnostics, login, search, shop, todo
from samples.pages.catalog import VARIANTS
from samples.pages.variant import CORRECT

PAGE_RENDERERS: Mapping[str, Callable[[str], str]] = {
    "login": login.render,
    "todo": todo.render,
    "search": search.render,
    "shop": shop.render,
}
_PRODUCT_PATH = re.compile(r"^/products/(\d+)$")
# the shop's views have addresses of their own, all served by the one document
_SHOP_VIEW_PATH = re.compile(rf"^/{shop.PAGE}/({'|'.join(shop.VIEWS)})$")
# long enough for any test; the server releases held requests on shutdown anyway
_HANG_LIMIT_S = 120.0


def resolve_variants(variant_by_page: Mapping[str, str] | None) -> dict[str, str]:
    """Every page's variant, `correct` unless chosen; unknown pages or variants raise ValueError."""
    chosen = dict(variant_by_page or {})
    for page, variant in chosen.items():
        if page not in VARIANTS:
            raise ValueError(f"unknown sample page {page!r}: choose from {', '.join(VARIANTS)}")
        names = [v.name for v in VARIANTS[page]]
        if variant not in names:
            raise ValueError(f"unknown variant {variant!r} of page {page!r}: choose from {', '.join(names)}")
    return {page: chosen.get(page, CORRECT) for page in VARIANTS}


class _SampleServer(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], variants: dict[str, str], quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.variants = variants
        self.quiet = quiet
        self.stopping = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _SampleServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == diagnostics.HANG_PATH:
            # hold the connection without answering; return quietly once the server stops
            self.server.stopping.wait(_HANG_LIMIT_S)
            self.close_connection = True
            return
        body = self._page(path)
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, "<!doctype html><title>Not found</title><h1>Not found</h1>")
        else:
            self._send(HTTPStatus.OK, body)

    def _page(self, path: str) -> str | None:
        page = path.strip("/")
        if page in PAGE_RENDERERS:
            return PAGE_RENDERERS[page](self.server.variants[page])
        if match := _PRODUCT_PATH.match(path):
            return search.render_product(int(match.group(1)))
        if _SHOP_VIEW_PATH.match(path):
            return shop.render(self.server.variants[shop.PAGE])
        fixed: dict[str, Callable[[], str]] = {
            "": diagnostics.render_index,
            "never-settles": diagnostics.render_never_settles,
            "long-poll": diagnostics.render_long_poll,
            "noisy": diagnostics.render_noisy,
        }
        return fixed[page]() if page in fixed else None

    def _send(self, status: HTTPStatus, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


@contextmanager
def serve_pages(
    variant_by_page: Mapping[str, str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    quiet: bool = True,
) -> Iterator[str]:
    """Serve the sample pages (each with its subpages) and the diagnostic pages; yield the base URL."""
    server = _SampleServer((host, port), resolve_variants(variant_by_page), quiet)
    thread = threading.Thread(target=server.serve_forever, name="sample-pages", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
