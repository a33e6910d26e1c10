"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from graph.settings import Settings
from server.errors import AuthenticationError, NotFoundError
from server.keys import Caller, EnvKeyring, key_digest
from server.rate_limit import KeyRateLimit
from server.service import Service
from server.stream_tokens import redeem_stream_token
from storage.models import Request as StoredRequest
from storage.repository import find_api_key, get_request

_bearer = HTTPBearer(auto_error=False,
                     description="A key made by `testops keys create`, or one of TESTOPS_API_KEYS.")


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


def _stored_caller(service: Service, digest: str) -> Caller:
    with service.sessions() as session:
        key = find_api_key(session, digest)
    if key is None:
        raise AuthenticationError("invalid API key")
    if key.revoked_at is not None:
        raise AuthenticationError(f"API key {key.prefix}… was revoked")
    return Caller(key_id=key.key_id, name=key.name)


async def authenticate(
    request: Request, service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Whose key the bearer token is; 401 when it is missing, unknown or revoked."""
    if credentials is None:
        raise AuthenticationError("missing API key: send the header `Authorization: Bearer <key>`")
    digest = key_digest(credentials.credentials)
    keyring: EnvKeyring = request.app.state.env_keys
    caller = keyring.recognise(digest)
    if caller is not None:
        return caller
    # Found by its digest: an index's timing can only tell about the digest of what was sent, which (SHA-256
    # of a random key) says nothing about any stored key.
    return await run_in_threadpool(_stored_caller, service, digest)


async def require_api_key(request: Request, caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
    """The caller, counted against its key's rate limit (429 over it)."""
    rate_limit: KeyRateLimit = request.app.state.rate_limit
    await rate_limit.admit(caller)
    return caller


# Depended on by the routers and their routes alike: FastAPI solves it once per call, so it counts once.
ApiKeyDep = Annotated[Caller, Depends(require_api_key)]


RequestIdPath = Annotated[uuid.UUID, Path(description="The id returned when the request was made.")]


def _owned_request(service: Service, request_id: uuid.UUID, caller: Caller) -> StoredRequest:
    """The request named in the path (its own short session: an event stream holds no connection); 404 when
    there is none or another key made it, alike, so ids tell nothing about other keys' requests."""
    with service.sessions() as session:
        request = get_request(session, request_id)
    if request is None or request.api_key_id != caller.key_id:
        raise NotFoundError(f"no request with id {request_id}")
    return request


def get_stored_request(request_id: RequestIdPath, service: ServiceDep, caller: ApiKeyDep) -> StoredRequest:
    return _owned_request(service, request_id, caller)


RequestDep = Annotated[StoredRequest, Depends(get_stored_request)]


async def authenticate_stream(
    request: Request, service: ServiceDep, request_id: RequestIdPath,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    stream_token: Annotated[str | None, Query(
        min_length=1, max_length=128,
        description="Instead of the header, for a browser's EventSource: a token from POST "
                    "/requests/{id}/stream-token.")] = None,
) -> Caller:
    """The caller of an event stream: the key in the header, or a live stream token issued for this request;
    counted against the key's rate limit."""
    if credentials is not None or stream_token is None:
        caller = await authenticate(request, service, credentials)
    else:
        token_holder = await redeem_stream_token(service.redis, stream_token, request_id)
        if token_holder is None:
            raise AuthenticationError("invalid or expired stream token: ask POST "
                                      f"/api/v1/requests/{request_id}/stream-token for a new one")
        caller = token_holder
    return await require_api_key(request, caller)


def get_streamed_request(
    request_id: RequestIdPath, service: ServiceDep, caller: Annotated[Caller, Depends(authenticate_stream)],
) -> StoredRequest:
    return _owned_request(service, request_id, caller)


StreamedRequestDep = Annotated[StoredRequest, Depends(get_streamed_request)]
