"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from graph.settings import Settings
from server.errors import AuthenticationError, NotFoundError
from server.service import Service
from storage.models import Request as StoredRequest
from storage.repository import get_request

_bearer = HTTPBearer(auto_error=False, description="One of the keys in TESTOPS_API_KEYS.")


async def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_settings(service: ServiceDep) -> Settings:
    return service.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(service: ServiceDep) -> Iterator[Session]:
    """One session per HTTP request."""
    with service.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def require_api_key(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The caller's key; 401 when it is missing or not one of ours."""
    if credentials is None:
        raise AuthenticationError("missing API key: send the header `Authorization: Bearer <key>`")
    given = credentials.credentials.encode()
    # Compare with every key in constant time: the answer's timing tells nothing about a key.
    if not any([hmac.compare_digest(given, key.encode()) for key in settings.api_keys]):  # noqa: C419
        raise AuthenticationError("invalid API key")
    return credentials.credentials


ApiKeyDep = Annotated[str, Depends(require_api_key)]


def get_stored_request(
    request_id: Annotated[uuid.UUID, Path(description="The id returned when the request was made.")],
    service: ServiceDep,
) -> StoredRequest:
    """The request named in the path (its own short session: an event stream holds no connection); 404."""
    with service.sessions() as session:
        request = get_request(session, request_id)
    if request is None:
        raise NotFoundError(f"no request with id {request_id}")
    return request


RequestDep = Annotated[StoredRequest, Depends(get_stored_request)]
