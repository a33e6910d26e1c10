"""Which targets a run may reach: http(s) only, and in service mode no loopback, private or metadata address.

A host name is resolved once, checked, and the connection made to the address that was checked (pinned), so a
DNS answer that changes between the check and the connection (rebinding) cannot reach an inner address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tools.errors import InputError, TargetUnreachableError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefusedError(InputError):
    """The target policy forbids this URL (its scheme, or the address its host resolves to)."""


@dataclass(frozen=True)
class AllowedHost:
    """An allow-list entry naming a host (name or address), on any port unless `port` is given."""

    host: str
    port: int | None = None

    def admits(self, host: str, port: int) -> bool:
        return self.host == host.lower() and self.port in (None, port)


@dataclass(frozen=True)
class Target:
    """A URL the policy admits, with the addresses to connect to (empty: let the client resolve it)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IpAddress, ...] = ()


@dataclass(frozen=True)
class TargetPolicy:
    """What a run may reach. `inner_addresses`: loopback, private and link-local allowed (the embedded CLI);
    `file_refs`: a spec's `$ref` may name files under the spec's own folder (the embedded CLI)."""

    inner_addresses: bool
    file_refs: bool
    allowed_hosts: tuple[AllowedHost, ...] = ()
    allowed_networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def service(cls, allowlist: Iterable[str] = ()) -> TargetPolicy:
        """The service's: public addresses only, but for what the allow-list names (host, host:port, CIDR)."""
        hosts: list[AllowedHost] = []
        networks: list[IpNetwork] = []
        for entry in (entry.strip() for entry in allowlist):
            if not entry:
                continue
            network = _network(entry)
            if network is not None:
                networks.append(network)
            else:
                hosts.append(_allowed_host(entry))
        return cls(
            inner_addresses=False,
            file_refs=False,
            allowed_hosts=tuple(hosts),
            allowed_networks=tuple(networks),
        )

    def check_scheme(self, url: str) -> Target:
        """The URL's parts, if it is an absolute http(s) URL; no name is resolved."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise TargetRefusedError(f"refused {url!r}: not a valid URL ({error})") from None
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            given = f"the {scheme}: scheme" if scheme else "a URL without a scheme"
            raise TargetRefusedError(f"refused {url!r}: only http and https targets are allowed, not {given}")
        if not parts.hostname:
            raise TargetRefusedError(f"refused {url!r}: the URL has no host")
        return Target(url, scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme])

    def admit(self, url: str) -> Target:
        """The target, its host resolved and every address checked (blocking: the service's submissions)."""
        target = self.check_scheme(url)
        if self.inner_addresses:
            return target
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise _unknown_host(target) from None
        return self._pinned(target, _resolved(target, infos))

    async def admit_async(self, url: str) -> Target:
        """`admit` on the event loop: resolving does not block it."""
        target = self.check_scheme(url)
        if self.inner_addresses:
            return target
        try:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise _unknown_host(target) from None
        return self._pinned(target, _resolved(target, infos))

    def _pinned(self, target: Target, addresses: tuple[IpAddress, ...]) -> Target:
        if any(entry.admits(target.host, target.port) for entry in self.allowed_hosts):
            return Target(target.url, target.scheme, target.host, target.port, addresses)
        for address in addresses:
            reason = _inner_kind(address)
            if reason and not any(address in network for network in self.allowed_networks):
                shown = target.host if target.host == str(address) else f"{target.host} ({address})"
                raise TargetRefusedError(
                    f"refused {target.url}: {shown} is a {reason} address; "
                    "name it in TESTOPS_TARGET_ALLOWLIST to allow it"
                )
        return Target(target.url, target.scheme, target.host, target.port, addresses)


def _unknown_host(target: Target) -> TargetUnreachableError:
    return TargetUnreachableError(f"{target.url} does not answer: host name {target.host} not found")


def _network(entry: str) -> IpNetwork | None:
    """An address or CIDR entry as a network; None for a host name or host:port."""
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


def _allowed_host(entry: str) -> AllowedHost:
    host, colon, port = entry.rpartition(":")
    if colon and port.isdigit() and host:
        return AllowedHost(host.strip("[]").lower(), int(port))
    return AllowedHost(entry.strip("[]").lower())


def _resolved(target: Target, infos: list[tuple[Any, ...]]) -> tuple[IpAddress, ...]:
    """The distinct addresses of a getaddrinfo answer, in its order."""
    addresses = dict.fromkeys(_unmapped(ipaddress.ip_address(info[4][0])) for info in infos)
    if not addresses:
        raise TargetRefusedError(f"refused {target.url}: {target.host} has no address")
    return tuple(addresses)


def _unmapped(address: IpAddress) -> IpAddress:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _inner_kind(address: IpAddress) -> str | None:
    """Why the address is not a public one (the metadata services live at link-local addresses), or None."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local (cloud metadata)"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_private or not address.is_global:
        return "private"
    return None


# The embedded CLI's: its user runs it against their own machine and network.
EMBEDDED_POLICY = TargetPolicy(inner_addresses=True, file_refs=True)


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that admits every request (redirects too) by the policy and connects to the
    address it checked, keeping the Host header and TLS server name of the URL."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = await self._policy.admit_async(str(request.url))
        except TargetUnreachableError as error:
            raise httpx.ConnectError("host name not found", request=request) from error
        if not target.addresses:
            return await self._inner.handle_async_request(request)
        extensions = dict(request.extensions)
        if target.scheme == "https":
            extensions["sni_hostname"] = request.url.host  # the certificate is checked against the name
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(target.addresses[0])),
            headers=request.headers,  # Host still names the URL's host
            stream=request.stream,
            extensions=extensions,
        )
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()


class GuardingProxy:
    """A forward HTTP proxy on a loopback port that admits every request and tunnel by the policy.

    Chromium sends all its traffic here (redirect hops, sub-requests, WebSockets and service workers
    included, which request routing cannot all see) and resolves no name itself; each connection goes to
    the address that was checked. One plain-HTTP request per client connection, so every one is judged.
    """

    def __init__(self, policy: TargetPolicy, *, connect_timeout_s: float = 10.0) -> None:
        self._policy = policy
        self._connect_timeout_s = connect_timeout_s
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listen, and return the proxy's URL."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            head = await client_reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            tunnel = method.upper() == "CONNECT"
            url = f"https://{target}/" if tunnel else target
            admitted = await self._policy.admit_async(url)
            upstream = await asyncio.wait_for(
                asyncio.open_connection(
                    str(admitted.addresses[0]) if admitted.addresses else admitted.host, admitted.port
                ),
                self._connect_timeout_s,
            )
        except (
            TargetRefusedError,
            TargetUnreachableError,
            OSError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            TimeoutError,
        ) as error:
            client_writer.write(_refusal(error))
            await _closed(client_writer)
            return
        upstream_reader, upstream_writer = upstream
        if tunnel:
            client_writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))
            return
        upstream_writer.write(_origin_form(head, method, target))
        body_length = _content_length(head)
        await asyncio.gather(
            _pipe(client_reader, upstream_writer, limit=body_length), _pipe(upstream_reader, client_writer)
        )


# The headers naming why the proxy refused a request, or could not reach its target; a contained suite's
# httpx turns either into a connection error, as a direct connection would have raised.
REFUSED_HEADER = "X-TestOps-Refused"
UNREACHABLE_HEADER = "X-TestOps-Unreachable"


def _refusal(error: Exception) -> bytes:
    """The proxy's answer to a request it will not pass on; the reason is in the status line too, the one
    part of a refused CONNECT that httpx reports."""
    words = " ".join((str(error) or type(error).__name__).split())
    reason = words.encode("latin-1", "replace").decode("latin-1")
    if isinstance(error, TargetRefusedError):
        status, header = f"403 {reason}", REFUSED_HEADER
    else:
        status, header = "502 Bad Gateway", UNREACHABLE_HEADER
    return (
        f"HTTP/1.1 {status}\r\n{header}: {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")


def _origin_form(head: bytes, method: str, target: str) -> bytes:
    """A proxy request's head as the origin server takes it: origin-form path, one request, no proxy hops."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = head.split(b"\r\n")
    kept = [
        line
        for line in lines[1:]
        if line
        and line.split(b":", 1)[0].strip().lower() not in (b"proxy-connection", b"connection", b"keep-alive")
    ]
    version = lines[0].rsplit(b" ", 1)[-1]
    request_line = f"{method} {path} ".encode("latin-1") + version
    return b"\r\n".join([request_line, *kept, b"Connection: close", b"", b""])


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, limit: int | None = None
) -> None:
    """Copy until EOF (or `limit` bytes), then close the writing side."""
    remaining = limit
    try:
        while remaining is None or remaining > 0:
            chunk = await reader.read(65_536 if remaining is None else min(65_536, remaining))
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
            if remaining is not None:
                remaining -= len(chunk)
    except OSError:
        pass
    finally:
        if limit is None:
            await _closed(writer)


async def _closed(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
        await writer.wait_closed()
    except OSError:
        pass
