"""The target policy: schemes, inner addresses and the allow-list; pinned httpx requests; guarded pages.

Targets are real servers on loopback: 127.0.0.1 is allowed where a test needs a target, 127.0.0.2 (also
loopback, never allowed) stands for the inner address a request must not reach.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.tools.policy_servers import Hits, PolicyHandler, inner_and_outer
from tools.browser import BrowserSession
from tools.errors import TargetUnreachableError
from tools.openapi import load_document, probe_base_url
from tools.page_recon import reconnoitre_page
from tools.target_policy import (
    EMBEDDED_POLICY,
    REFUSED_HEADER,
    PinnedTransport,
    TargetPolicy,
    TargetRefusedError,
)

SERVICE = TargetPolicy.service()
ALLOW_127_0_0_1 = TargetPolicy.service(["127.0.0.1"])

SPEC = b'{"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {}}'


class _Handler(PolicyHandler):
    """/page: HTML whose image, fetch and iframe aim at the inner server; /away: a redirect there;
    /spec.json: a tiny spec; anything else: "ok"."""

    def do_GET(self) -> None:
        inner = self.noted()
        if self.path == "/away":
            self.answer(302, b"", Location=f"{inner}/secret")
        elif self.path == "/page":
            html = (
                f'<html><head><title>page</title></head><body><img src="{inner}/image">'
                f'<iframe src="{inner}/frame"></iframe>'
                f'<script>fetch("{inner}/fetched").catch(() => document.title = "fetch refused")</script>'
                "</body></html>"
            )
            self.answer(200, html.encode(), **{"Content-Type": "text/html"})
        elif self.path == "/spec.json":
            self.answer(200, SPEC, **{"Content-Type": "application/json"})
        else:
            self.answer(200, b"ok")


inner, outer = inner_and_outer(_Handler)


@pytest.fixture
def no_inner_hits(inner: tuple[str, Hits]) -> Iterator[None]:
    before = len(inner[1].seen)
    yield
    assert inner[1].seen[before:] == [], "a request reached the inner address"


# --- The policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8000/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one decimal number
        ("http://0x7f000001/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"),
        ("http://[fe80::1]/", "link-local (cloud metadata)"),
        ("http://10.0.0.5/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://100.100.100.200/", "private"),  # a metadata service in shared address space
        ("http://[fd00:ec2::254]/", "private"),  # AWS's IPv6 metadata address
        ("http://0.0.0.0/", "unspecified"),
        ("http://localhost/", "loopback"),
    ],
)
def test_service_refuses_inner_addresses(url: str, kind: str) -> None:
    with pytest.raises(TargetRefusedError) as caught:
        SERVICE.admit(url)

    message = str(caught.value)
    assert f"is a {kind} address" in message and "TESTOPS_TARGET_ALLOWLIST" in message
    assert url in message


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "javascript:1"])
@pytest.mark.parametrize("policy", [SERVICE, EMBEDDED_POLICY], ids=["service", "embedded"])
def test_only_http_and_https_are_allowed(url: str, policy: TargetPolicy) -> None:
    with pytest.raises(TargetRefusedError) as caught:
        policy.admit(url)

    assert "only http and https targets are allowed" in str(caught.value)


def test_embedded_allows_loopback_and_resolves_nothing() -> None:
    target = EMBEDDED_POLICY.admit("http://localhost:8000/x")

    assert (target.host, target.port, target.addresses) == ("localhost", 8000, ())


def test_allow_list_names_hosts_ports_and_networks() -> None:
    policy = TargetPolicy.service(["127.0.0.3", "localhost:8000", "10.1.0.0/16", " ", "[::1]:9000"])

    assert str(policy.admit("http://127.0.0.3:5/").addresses[0]) == "127.0.0.3"  # an address: any port
    assert policy.admit("http://localhost:8000/").host == "localhost"
    assert str(policy.admit("http://10.1.2.3/").addresses[0]) == "10.1.2.3"
    assert str(policy.admit("http://[::1]:9000/").addresses[0]) == "::1"
    for refused in ("http://localhost:8001/", "http://10.2.0.1/", "http://127.0.0.2/", "http://[::1]:9001/"):
        with pytest.raises(TargetRefusedError):
            policy.admit(refused)


def test_a_public_address_is_admitted_and_pinned() -> None:
    target = SERVICE.admit("https://93.184.215.14/")

    assert [str(address) for address in target.addresses] == ["93.184.215.14"]
    assert target.port == 443


def test_an_unknown_host_does_not_answer() -> None:
    with pytest.raises(TargetUnreachableError) as caught:
        SERVICE.admit("http://no-such-host.invalid/")

    assert (
        str(caught.value)
        == "http://no-such-host.invalid/ does not answer: host name no-such-host.invalid not found"
    )


# --- httpx: every hop admitted, the checked address pinned ----------------------------------------------


async def test_spec_fetch_refused_before_any_connection(outer: tuple[str, Hits]) -> None:
    url, hits = outer
    before = len(hits.seen)

    with pytest.raises(TargetRefusedError) as caught:
        await load_document(f"{url}/spec.json", policy=SERVICE)

    assert "127.0.0.1 is a loopback address" in str(caught.value)
    assert hits.seen[before:] == []


async def test_a_redirect_to_an_inner_address_is_refused(
    outer: tuple[str, Hits], no_inner_hits: None
) -> None:
    with pytest.raises(TargetRefusedError) as caught:
        await load_document(f"{outer[0]}/away", policy=ALLOW_127_0_0_1)

    assert str(caught.value).startswith(f"could not fetch spec {outer[0]}/away: refused http://127.0.0.2:")
    assert "loopback" in str(caught.value)


async def test_the_allow_list_lets_the_spec_and_base_url_through(outer: tuple[str, Hits]) -> None:
    document = await load_document(f"{outer[0]}/spec.json", policy=ALLOW_127_0_0_1)

    assert document["info"]["title"] == "T"
    assert await probe_base_url(outer[0], policy=ALLOW_127_0_0_1) == 200


async def test_probe_of_an_inner_base_url_is_refused(inner: tuple[str, Hits], no_inner_hits: None) -> None:
    with pytest.raises(TargetRefusedError):
        await probe_base_url(inner[0], policy=ALLOW_127_0_0_1)


async def test_the_name_is_resolved_once_and_the_checked_address_used(
    outer: tuple[str, Hits], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebinding DNS answers the check with an allowed address and the connection with an inner one:
    the connection must go where the check looked, asking DNS nothing more."""
    port = int(outer[0].rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "127.0.0.2"])
    asked: list[str] = []
    loop = asyncio.get_running_loop()

    async def rebinding(host: str, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding)
    hits = outer[1]
    before = len(hits.seen)
    async with httpx.AsyncClient(transport=PinnedTransport(ALLOW_127_0_0_1)) as client:
        response = await client.get(f"http://rebind.test:{port}/pinned")

    assert response.status_code == 200 and response.text == "ok"
    assert asked == ["rebind.test"]
    assert hits.seen[before:] == [("/pinned", f"rebind.test:{port}")]  # the Host header names the URL's host


# --- Chromium: the page's sub-requests and redirects go through the policy ------------------------------


async def test_a_guarded_page_reaches_no_inner_address(outer: tuple[str, Hits], no_inner_hits: None) -> None:
    async with BrowserSession(policy=ALLOW_127_0_0_1) as session, session.new_page() as page:
        response = await page.goto(f"{outer[0]}/page", wait_until="load")
        await page.wait_for_function("document.title === 'fetch refused'", timeout=5_000)

        assert response is not None and response.status == 200
        assert await page.locator("body img").count() == 1


async def test_a_guarded_page_does_not_follow_a_redirect_inside(
    outer: tuple[str, Hits], no_inner_hits: None
) -> None:
    async with BrowserSession(policy=ALLOW_127_0_0_1) as session, session.new_page() as page:
        response = await page.goto(f"{outer[0]}/away", wait_until="load")

    # The proxy's refusal is what the page shows; the inner server was never asked (no_inner_hits).
    assert response is not None and response.status == 403
    assert "127.0.0.2 is a loopback address" in response.headers[REFUSED_HEADER.lower()]


async def test_recon_of_a_page_redirecting_inside_is_refused_with_the_reason(
    outer: tuple[str, Hits], no_inner_hits: None
) -> None:
    async with BrowserSession(policy=ALLOW_127_0_0_1) as session:
        with pytest.raises(TargetRefusedError, match="127.0.0.2 is a loopback address"):
            await reconnoitre_page(session, f"{outer[0]}/away")


async def test_an_embedded_page_is_not_proxied(outer: tuple[str, Hits], inner: tuple[str, Hits]) -> None:
    before = len(inner[1].seen)
    async with BrowserSession() as session, session.new_page() as page:
        await page.goto(f"{outer[0]}/page", wait_until="networkidle")

    assert {path for path, _ in inner[1].seen[before:]} >= {"/image", "/fetched"}
