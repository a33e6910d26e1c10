"""CORS is closed by default: no browser page of another origin may call the API or read its answers;
only origins named in `cors_allow_origins` may."""

from __future__ import annotations

import httpx
import pytest

from graph.settings import Settings
from server.main import create_app
from tests.e2e.stack import API_KEY

ALLOWED = "https://dashboard.example"
OTHER = "https://elsewhere.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
}


def test_the_default_server_grants_no_origin(client: httpx.Client) -> None:
    preflight = client.options("/api/v1/requests/api", headers={"Origin": OTHER, **PREFLIGHT})
    simple = client.get("/healthz", headers={"Origin": OTHER})

    assert preflight.status_code >= 400
    for answer in (preflight, simple):
        assert not any(name.startswith("access-control-") for name in answer.headers), answer.headers


@pytest.fixture
async def configured() -> httpx.AsyncClient:
    # In process, without the lifespan: CORS answers preflights before any route (or dependency) runs.
    app = create_app(Settings(api_keys=[API_KEY], cors_allow_origins=[ALLOWED]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        yield client


async def test_a_named_origin_may_call_with_its_key(configured: httpx.AsyncClient) -> None:
    preflight = await configured.options("/api/v1/requests/api", headers={"Origin": ALLOWED, **PREFLIGHT})
    simple = await configured.get("/healthz", headers={"Origin": ALLOWED})

    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert {"authorization", "content-type", "idempotency-key"} <= {
        name.strip().lower() for name in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert "access-control-allow-credentials" not in preflight.headers  # keys are headers, never cookies
    assert simple.headers["access-control-allow-origin"] == ALLOWED


async def test_an_origin_not_named_is_refused(configured: httpx.AsyncClient) -> None:
    preflight = await configured.options("/api/v1/requests/api", headers={"Origin": OTHER, **PREFLIGHT})
    simple = await configured.get("/healthz", headers={"Origin": OTHER})

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


def test_origins_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTOPS_CORS_ALLOW_ORIGINS", f"{ALLOWED}, {OTHER}")
    assert Settings().cors_allow_origins == [ALLOWED, OTHER]
