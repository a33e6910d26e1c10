"""The FastAPI app factory and `serve`, which the `testops serve` command calls."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from graph.settings import Settings
from server.errors import install_error_handlers
from server.logs import logging_config
from server.routers import events, health, requests, review, tests
from server.routers.requests import REPLAYED_HEADER
from server.service import open_service

API_PREFIX = "/api/v1"
# What a browser page on an allowed origin may send and read: the key travels in a header, never a cookie.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"]


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service; refuses to start without API keys (there is no open mode), and answers no cross-origin
    call from a browser unless `cors_allow_origins` names the page's origin."""
    settings = settings or Settings()
    if not settings.api_keys:
        raise ConfigurationError("no API keys: set TESTOPS_API_KEYS to one or more comma-separated keys")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_service(settings) as service:
            app.state.service = service
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
    for router in (requests.router, tests.router, events.router, review.router):
        app.include_router(router, prefix=API_PREFIX)
    return app


def serve(host: str, port: int) -> None:
    """Run the service with uvicorn (one process; Celery workers do the heavy work), logging JSON."""
    uvicorn.run(create_app(), host=host, port=port, log_config=logging_config(), proxy_headers=False)
