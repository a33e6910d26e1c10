"""The FastAPI app factory and `serve`, which the `testops serve` command calls."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from graph.settings import Settings
from server.errors import install_error_handlers
from server.keys import EnvKeyring
from server.logs import logging_config
from server.rate_limit import KeyRateLimit, parse_rate
from server.routers import events, exports, health, highlight, requests, review, tests
from server.routers.page import install_review_page
from server.routers.requests import REPLAYED_HEADER
from server.service import Service, open_service
from storage.repository import list_api_keys

API_PREFIX = "/api/v1"
# What a browser page on an allowed origin may send and read: the key travels in a header, never a cookie.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"]


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings."""


def _has_stored_key(service: Service) -> bool:
    with service.sessions() as session:
        return any(key.revoked_at is None for key in list_api_keys(session))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service; refuses to start without API keys (there is no open mode) or with a malformed one, and
    answers no cross-origin call from a browser unless `cors_allow_origins` names the page's origin."""
    settings = settings or Settings()
    try:
        env_keys = EnvKeyring(settings.api_keys)
        parse_rate(settings.rate_limit)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_service(settings) as service, \
                KeyRateLimit.open(settings.redis_url, settings.rate_limit) as rate_limit:
            if not env_keys and not await run_in_threadpool(_has_stored_key, service):
                raise ConfigurationError("no API keys: set TESTOPS_API_KEYS to one or more comma-separated "
                                         "keys, or make one with `testops keys create NAME`")
            app.state.service = service
            app.state.env_keys = env_keys
            app.state.rate_limit = rate_limit
            # The imported pipeline leaves ~250k long-lived objects; a full collection walking them stalls
            # every request for ~100 ms. Freeze them once: collections then only scan what requests make.
            gc.collect()
            gc.freeze()
            yield

    app = FastAPI(
        title="TestOps Copilot",
        summary="Writes, validates and stores pytest suites for HTTP APIs and web pages.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    if settings.cors_allow_origins:
        # Outermost, so refusals (401, 413, ...) carry the headers too and a page can read why.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=[REPLAYED_HEADER],
        )
    app.include_router(health.router)
    for router in (requests.router, tests.router, events.router, review.router, exports.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(highlight.router, prefix=API_PREFIX)
    install_review_page(app)
    return app


def serve(host: str, port: int) -> None:
    """Run the service with uvicorn (one process; Celery workers do the heavy work), logging JSON."""
    uvicorn.run(create_app(), host=host, port=port, log_config=logging_config(), proxy_headers=False)
