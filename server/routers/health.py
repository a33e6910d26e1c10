"""Liveness and readiness probes; no API key needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.deps import ServiceDep
from server.readiness import readiness
from server.schemas import HealthPublic, ReadinessPublic

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process answers."""
    return HealthPublic()


@router.get("/readyz", response_model=ReadinessPublic,
            responses={503: {"model": ReadinessPublic, "description": "A dependency is unavailable."}})
async def readyz(service: ServiceDep) -> JSONResponse:
    """The database and Redis answer, and at least one worker answers a ping."""
    checks = await readiness(service)
    ready = all(state.startswith("ok") for state in checks.values())
    body = ReadinessPublic(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
