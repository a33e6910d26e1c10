"""Accepting a request: judge its targets by the service's policy, store it (with its inline spec), then queue
it; nothing is queued for bad input or a refused target."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from typing import Any

from celery_worker.app import TASK_FOR_KIND
from graph.settings import Settings
from server.errors import ConflictError, UnavailableError
from server.schemas import ApiRequestCreate, RequestAccepted, UiRequestCreate
from server.service import Service
from storage.repository import (
    IdempotencyKeyLostError,
    create_request,
    mark_failed,
    release_idempotency_key,
)
from tools.errors import TargetUnreachableError
from tools.openapi import check_inline_document
from tools.target_policy import TargetPolicy
from vocabulary.artefacts import RequestKind

logger = logging.getLogger("testops.server")


def store_inline_spec(settings: Settings, request_id: uuid.UUID, document: dict[str, Any]) -> str:
    """Write an inline OpenAPI document where the workers read it (the shared data dir); returns its path."""
    folder = settings.data_dir / "specs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{request_id}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(document), encoding="utf-8")
    os.replace(partial, path)  # a worker never reads half a document
    return str(path)


def enqueue(service: Service, *, kind: RequestKind, target: str, base_url: str, requirements: list[str],
            options: dict[str, Any], request_id: uuid.UUID, owner: uuid.UUID,
            idempotency_key: str | None) -> RequestAccepted:
    """Insert the pending request, owned by the API key `owner` (and bound to the `idempotency_key` this call
    reserved, in the same transaction), then queue its task; a queue failure marks it failed, frees the key
    and answers 503. Stored but not queued (a crash in between): the workers' sweep queues it.

    Blocking (database, broker): call it from a worker thread.
    """
    with service.sessions() as session:
        try:
            create_request(session, request_id=request_id, kind=kind, target=target, base_url=base_url,
                           requirements=requirements, options=options, api_key_id=owner,
                           idempotency_key=idempotency_key)
        except IdempotencyKeyLostError as error:
            raise ConflictError(
                "a request with this Idempotency-Key is still being made: retry shortly"
            ) from error
        try:
            service.celery.send_task(TASK_FOR_KIND[kind], kwargs={"request_id": str(request_id)})
        except Exception as error:  # noqa: BLE001 - any broker failure means the same to the client
            mark_failed(session, request_id, f"could not queue the request: {error}")
            if idempotency_key is not None:
                release_idempotency_key(session, idempotency_key, made=request_id)
            raise UnavailableError(f"the task queue is unavailable: {type(error).__name__}") from error
    logger.info("request accepted", extra={"request_id": str(request_id), "kind": kind})
    return RequestAccepted(request_id=request_id)


def _judge(policy: TargetPolicy, url: str) -> None:
    """Refuse (TargetRefusedError, a 422) what the policy forbids; a host name that does not resolve now
    reaches nothing now, and is judged again by the worker's policy when it is fetched."""
    with contextlib.suppress(TargetUnreachableError):
        policy.admit(url)


def submit_api(
    service: Service, body: ApiRequestCreate, owner: uuid.UUID, idempotency_key: str | None
) -> RequestAccepted:
    """Refuse (422) what the target policy forbids or an inline spec that cannot be tested, then enqueue."""
    policy = TargetPolicy.service(service.settings.target_allowlist)
    request_id = uuid.uuid4()
    if body.openapi is not None:
        _judge(policy, check_inline_document(body.openapi, body.base_url or ""))
        target = store_inline_spec(service.settings, request_id, body.openapi)
    else:
        assert body.openapi_url is not None
        _judge(policy, body.openapi_url)
        if body.base_url:
            _judge(policy, body.base_url)
        target = body.openapi_url
    return enqueue(service, kind="api", target=target, base_url=body.base_url or "",
                   requirements=body.requirements, options=body.options.model_dump(), request_id=request_id,
                   owner=owner, idempotency_key=idempotency_key)


def submit_ui(
    service: Service, body: UiRequestCreate, owner: uuid.UUID, idempotency_key: str | None
) -> RequestAccepted:
    """Refuse (422) a page the target policy forbids, then enqueue."""
    _judge(TargetPolicy.service(service.settings.target_allowlist), body.url)
    return enqueue(service, kind="ui", target=body.url, base_url="", requirements=body.requirements,
                   options=body.options.model_dump(), request_id=uuid.uuid4(), owner=owner,
                   idempotency_key=idempotency_key)
