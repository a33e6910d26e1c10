"""The review page as the server serves it, and its highlighting endpoint, against a real server."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

from server.highlighting import highlight_python
from tests.e2e.stack import AUTH

CODE = 'def test_status():\n    assert response.status_code == 200, "<b>not</b> & so"\n'


def test_highlighting_marks_tokens_and_escapes_every_character() -> None:
    html = highlight_python(CODE)
    assert html.startswith('<div class="highlight"><pre>') and "<code>" in html
    assert '<span class="k">def</span>' in html and '<span class="nf">test_status</span>' in html
    assert "&lt;b&gt;not&lt;/b&gt; &amp; so" in html and "<b>" not in html


def test_the_page_and_its_assets_are_served_without_a_key(client: httpx.Client) -> None:
    page = client.get("/review")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<script type="module" src="/review/assets/review.js">' in page.text
    assets = {"/review/assets/review.js": "text/javascript", "/review/assets/review.css": "text/css",
              "/review/highlight.css": "text/css"}
    for asset, media_type in assets.items():
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type), asset
    assert ".highlight .k" in client.get("/review/highlight.css").text


class _References(HTMLParser):
    """Every address the document refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.addresses += [value for name, value in attrs if name in ("src", "href") and value is not None]


def test_the_page_refers_only_to_its_own_origin(client: httpx.Client) -> None:
    references = _References()
    references.feed(client.get("/review").text)
    assert references.addresses and all(re.fullmatch(r"[/#]\S*", address) for address in references.addresses)
    assert "url(" not in client.get("/review/assets/review.css").text


def test_highlight_returns_one_block_per_source_in_order(client: httpx.Client) -> None:
    answer = client.post("/api/v1/highlight", headers=AUTH, json={"sources": [CODE, "x = 1\n", ""]})
    assert answer.status_code == 200, answer.text
    html = answer.json()["html"]
    assert html[0] == highlight_python(CODE) and '<span class="n">x</span>' in html[1] and len(html) == 3


def test_highlight_needs_a_key_and_bounded_sources(client: httpx.Client) -> None:
    assert client.post("/api/v1/highlight", json={"sources": [CODE]}).status_code == 401
    too_many = client.post("/api/v1/highlight", headers=AUTH, json={"sources": ["x"] * 501})
    assert too_many.status_code == 422 and too_many.json()["detail"].startswith("sources:")
    too_long = client.post("/api/v1/highlight", headers=AUTH, json={"sources": ["x" * 200_001]})
    assert too_long.status_code == 422 and "200000" in too_long.json()["detail"]
    assert client.post("/api/v1/highlight", headers=AUTH, json={"code": CODE}).status_code == 422
