"""Fixtures of the generated suite: where the API is, and clients with and without credentials.

Credentials come from environment variables, never from the suite's files:
  TESTOPS_API_TOKEN                        bearer token (http bearer schemes)
  TESTOPS_API_USERNAME / TESTOPS_API_PASSWORD   http basic schemes
  TESTOPS_API_KEY                          apiKey schemes (header, query or cookie)
  TESTOPS_BASE_URL                         overrides the base URL the suite was generated for
  TESTOPS_REQUEST_TIMEOUT                  seconds per request (default 5)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import httpx
import pytest
from suite_settings import BASE_URL, SECURED, SECURITY_SCHEMES


def _credentials() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Headers, query parameters and cookies for the first security scheme whose secret is set."""
    for scheme in SECURITY_SCHEMES:
        if scheme["type"] == "http" and scheme.get("scheme", "").lower() == "bearer":
            if token := os.environ.get("TESTOPS_API_TOKEN"):
                return {"Authorization": f"Bearer {token}"}, {}, {}
        elif scheme["type"] == "http" and scheme.get("scheme", "").lower() == "basic":
            user, password = os.environ.get("TESTOPS_API_USERNAME"), os.environ.get("TESTOPS_API_PASSWORD")
            if user and password:
                pair = base64.b64encode(f"{user}:{password}".encode()).decode()
                return {"Authorization": f"Basic {pair}"}, {}, {}
        elif scheme["type"] == "apiKey" and (key := os.environ.get("TESTOPS_API_KEY")):
            place = {"header": 0, "query": 1, "cookie": 2}[scheme["in"]]
            parts: tuple[dict[str, str], dict[str, str], dict[str, str]] = ({}, {}, {})
            parts[place][scheme["name"]] = key
            return parts
    return {}, {}, {}


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ.get("TESTOPS_BASE_URL", BASE_URL).rstrip("/")


@pytest.fixture(scope="session")
def request_timeout() -> float:
    return float(os.environ.get("TESTOPS_REQUEST_TIMEOUT", "5"))


@pytest.fixture(scope="session")
def client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A client that sends the configured credentials; tests needing them skip when none are set."""
    headers, params, cookies = _credentials()
    if SECURED and not (headers or params or cookies):
        pytest.skip(
            "the API requires credentials: set TESTOPS_API_TOKEN, TESTOPS_API_KEY or TESTOPS_API_USERNAME"
        )
    with httpx.Client(
        base_url=base_url, headers=headers, params=params, cookies=cookies, timeout=request_timeout
    ) as http:
        yield http


@pytest.fixture(scope="session")
def anonymous_client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A client without credentials, for public operations and for checking that auth is enforced."""
    with httpx.Client(base_url=base_url, timeout=request_timeout) as http:
        yield http
